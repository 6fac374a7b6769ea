"""HTML cleaning: widgets, trackers and hidden junk out; entity links unwrapped; nh3 allowlist last.

The order matters. Structural cleanup runs on a real DOM (selectolax/lexbor) because regexes
cannot tell a hidden paragraph from a visible one; the nh3 allowlist runs last so nothing that
an earlier step produced can slip past it.
"""

from __future__ import annotations

import html as htmllib
import re
from dataclasses import dataclass, field
from urllib.parse import quote, urljoin, urlsplit, urlunsplit

import nh3
from selectolax.lexbor import LexborHTMLParser, LexborNode

from ..model import Annotation

# eastmoney's K-line chart widget: everything between the markers is a quote image, never text.
_EM_STOCK_IMG = re.compile(r"<!--\s*EM_StockImg_Start\s*-->.*?<!--\s*EM_StockImg_End\s*-->", re.S | re.I)
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)
_DROP_WITH_CONTENT = (
    "script, style, noscript, iframe, frame, object, embed, applet, form, input, button, select, "
    "textarea, link, meta, template, svg, math, canvas, audio, video, [hidden], [aria-hidden=true]"
)
_TRACKER_HOSTS = (
    "google-analytics.com",
    "doubleclick.net",
    "feedburner.com",
    "feedsportal.com",
    "hm.baidu.com",
    "cnzz.com",
    "statcounter.com",
    "quantserve.com",
    "scorecardresearch.com",
    "pixel.wp.com",
    "stats.wp.com",
    "webquoteklinepic.eastmoney.com",
)
_TRACKER_PATH = re.compile(r"(?:^|/)(?:pixel|beacon|track(?:ing)?|count(?:er)?|stat)[^/]*\.(?:gif|png)$", re.I)
# Links that only annotate a word (a stock quote page, a company profile): the word stays, the link goes.
_ENTITY_LINK_HOSTS = ("quote.eastmoney.com", "data.eastmoney.com", "so.eastmoney.com", "guba.eastmoney.com")
_LAZY_SRC = ("data-src", "data-original", "data-lazy-src", "data-actualsrc", "data-url")
_LEADING_INDENT = re.compile(r"(<(?:p|li|div|h[1-6]|blockquote|td)\b[^>]*>)(?:[\s\u3000\xa0]|&nbsp;|&#12288;)+")
_EMPTY_BLOCK = re.compile(r"<(p|div|strong|b|em|i|h[1-6])(?:\s[^<>]*)?>(?:\s|&nbsp;|<br>)*</\1>")
_TRAILING_BR = re.compile(r"(?:\s*<br>)+\s*(</(?:p|div|li|h[1-6])>)")

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "caption", "cite", "code", "dd", "del", "div", "dl", "dt", "em",
    "figcaption", "figure", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "ins", "kbd", "li", "mark",
    "ol", "p", "pre", "q", "s", "small", "strong", "sub", "sup", "table", "tbody", "td", "tfoot", "th",
    "thead", "tr", "u", "ul",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title", "width", "height"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan", "scope"},
    "abbr": {"title"},
    "ol": {"start"},
}
SAFE_SCHEMES = {"http", "https", "mailto"}


@dataclass
class CleanResult:
    html: str
    images: list[str] = field(default_factory=list)
    annotations: list[Annotation] = field(default_factory=list)


# HTML parsers take time quadratic in nesting depth: 50,000 nested <div>s (250 KB) took two minutes.
# Tags nested deeper than this are dropped (their text stays); no real article comes near it.
MAX_DEPTH = 200
_TAG_TOKEN = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9:-]*)\b[^>]*?(/?)>")
# void, or closed implicitly by the next one: they never stack up
_NO_DEPTH = frozenset(
    {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source", "track", "wbr"}
    | {"p", "li", "dt", "dd", "tr", "td", "th", "option"}
)


def flatten_deep(raw: str, limit: int = MAX_DEPTH) -> str:
    """``raw`` with the tags nested deeper than ``limit`` removed, in one linear pass."""
    if raw.count("<") <= limit:
        return raw
    depth = 0

    def keep(match: re.Match[str]) -> str:
        nonlocal depth
        closing, name, self_closing = match.group(1), match.group(2).lower(), match.group(3)
        if name in _NO_DEPTH or self_closing:
            return match.group(0)
        if closing:
            depth = max(0, depth - 1)
            return match.group(0) if depth < limit else ""
        depth += 1
        return match.group(0) if depth <= limit else ""

    return _TAG_TOKEN.sub(keep, raw)


def clean_html(raw: str, base_url: str | None = None) -> CleanResult:
    """Return sanitized HTML, the images it keeps and the entity annotations it unwrapped."""
    if not raw or not raw.strip():
        return CleanResult("")
    raw = flatten_deep(_EM_STOCK_IMG.sub("", raw))
    tree = LexborHTMLParser(f"<body>{raw}</body>")
    body = tree.body
    if body is None:
        return CleanResult("")
    for node in body.css(_DROP_WITH_CONTENT):
        node.decompose()
    for node in body.css("[style]"):
        if _HIDDEN_STYLE.search(node.attributes.get("style") or ""):
            node.decompose()
    annotations = _unwrap_entity_links(body)
    images = _fix_images(body, base_url)
    _absolutize_links(body, base_url)
    # Spans carry nothing once styles are gone; unwrapping keeps adjacent text nodes in one word.
    for node in body.css("span, font"):
        if node.text(deep=True):
            node.unwrap()
        else:
            node.decompose()
    return CleanResult(sanitize(body.inner_html or ""), images, annotations)


def sanitize(fragment: str) -> str:
    """The allowlist, applied last: only known tags, attributes and URL schemes survive."""
    cleaned = nh3.clean(
        flatten_deep(fragment),
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=SAFE_SCHEMES,
        link_rel="noopener noreferrer nofollow",
        # one forced attribute only: nh3 orders several at random, which would make hashes unstable
        set_tag_attribute_values={"img": {"referrerpolicy": "no-referrer"}},
        strip_comments=True,
    )
    return tidy(_TRAILING_BR.sub(r"\1", _LEADING_INDENT.sub(r"\1", cleaned)))


def tidy(fragment: str) -> str:
    """Sanitized HTML made valid HTML: what the allowlist lets through but the standard forbids.

    Runs last in :func:`sanitize` and again on stored articles when their pages are made (cheap:
    a few regular expressions over the allowlist's regular output). Empty blocks and headings go;
    headings are renumbered so none skips a level under the page's ``<h1>``; ``lang`` (publishers
    put programming languages there), ``rel`` on a link without ``href``, a ``width`` that is not
    a number and raw spaces or non-ASCII letters in URLs are fixed or dropped.
    """
    fragment, removed = _EMPTY_BLOCK.subn("", fragment)
    while removed:  # a block left empty by the ones removed from it
        fragment, removed = _EMPTY_BLOCK.subn("", fragment)
    if "<h" in fragment:
        fragment = outline_headings(fragment)
    if _BAD_VALUE.search(fragment) or _REL_WITHOUT_HREF.search(fragment):  # most articles: none, tags not parsed
        fragment = _ATTRIBUTED_TAG.sub(_repair_tag, fragment)
    return fragment.strip()


_HEADING_TAG = re.compile(r"<(/?)h([1-6])(?=[\s>])", re.I)


def outline_headings(fragment: str, top: int = 2) -> str:
    """Headings renumbered from ``top`` down, each at most one level below the one it sits under.

    The page's title is the ``<h1>``; an article's ``<h1>``, ``<h2>``, ``<h4>`` become ``<h2>``,
    ``<h2>``, ``<h3>``, as the standard wants (a heading must not skip a level). HTML parsers
    close a heading before the next opens, so a closing tag belongs to the last opened one.
    """
    opened: list[tuple[int, int]] = []  # (level in the source, level given) of the headings above
    current = top

    def renumber(match: re.Match[str]) -> str:
        nonlocal current
        if match.group(1):
            return f"</h{current}"
        level = int(match.group(2))
        while opened and opened[-1][0] >= level:
            opened.pop()
        current = min(6, opened[-1][1] + 1 if opened else top)
        opened.append((level, current))
        return f"<h{current}"

    return _HEADING_TAG.sub(renumber, fragment)


# a start tag with attributes as the allowlist writes them (names lower case, values in double quotes)
_ATTRIBUTED_TAG = re.compile(r'<([a-z][a-z0-9]*)((?:\s+[a-z][a-z0-9-]*(?:="[^"]*")?)+)\s*(/?)>')
_ATTRIBUTE = re.compile(r'\s+([a-z][a-z0-9-]*)(?:="([^"]*)")?')
_URL_ATTRIBUTES = {"href", "src"}
_DIMENSIONS = {"width", "height"}
# what _repair_tag would change, found in one scan: lang; rel on a link with no href; a dimension
# not a number; in a URL a character it may not hold raw, a "%" not followed by two hex digits, a second "#"
# (each value's check starts at its '="', which the regular expression engine finds fast)
_BAD_VALUE = re.compile(
    r'="(?:(?<= lang=")|(?:(?<= width=")|(?<= height="))[^"]*[^0-9"]'
    r"""|(?:(?<=href=")|(?<=src="))[^"]*?(?:[^A-Za-z0-9\-._~:/?#@!$&'()*+,;=%"]|%(?![0-9A-Fa-f]{2})|#[^"]*#))"""
)
_REL_WITHOUT_HREF = re.compile(r'<a (?:(?!href=)[^>])*rel="')


def _repair_tag(match: re.Match[str]) -> str:
    tag, attributes, closing = match.group(1), match.group(2), match.group(3)
    found = _ATTRIBUTE.findall(attributes)
    names = {name for name, _ in found}
    kept: list[str] = []
    changed = False
    for name, value in found:
        fixed: str | None = value
        if name == "lang" or (name == "rel" and tag == "a" and "href" not in names):
            fixed = None
        elif name in _DIMENSIONS and tag == "img":
            number = value.strip().removesuffix("px").strip()
            fixed = str(int(number)) if number.isdigit() else None
        elif name in _URL_ATTRIBUTES:
            raw = htmllib.unescape(value)
            url = valid_url(raw)
            fixed = value if url == raw else htmllib.escape(url)
        changed = changed or fixed != value
        if fixed is not None:
            kept.append(f' {name}="{fixed}"')
    if not changed:
        return match.group(0)
    return f"<{tag}{''.join(kept)}{closing}>"


# what a URL may hold raw (RFC 3986); "[" and "]" only in a host, so they are not in the quick check
_URL_PLAIN = re.compile(r"[A-Za-z0-9\-._~:/?#@!$&'()*+,;=%]*")
_STRAY_PERCENT = re.compile(r"%(?![0-9A-Fa-f]{2})")
_SUB_DELIMS = "!$&'()*+,;=%"


def valid_url(url: str) -> str:
    """``url`` as a valid URL: a space, a non-ASCII letter, a stray ``%`` … percent-encoded, the rest as it is.

    Feeds give links as publishers wrote them (``https://x.cn/a b.html``, ``…/新闻.html``);
    browsers encode those themselves, a validator calls them errors, and the site writes them
    encoded. A host in non-ASCII letters is written in its ASCII (IDNA) form.
    """
    url = url.strip()
    if _URL_PLAIN.fullmatch(url) and url.count("#") <= 1 and not _STRAY_PERCENT.search(url):
        return url
    try:
        parts = urlsplit(url)
    except ValueError:  # a host with an unbalanced "[": no structure to keep
        return quote(_STRAY_PERCENT.sub("%25", url), safe=":/?#@" + _SUB_DELIMS, errors="replace")
    netloc = parts.netloc
    if not netloc.isascii():
        try:
            netloc = netloc.encode("idna").decode("ascii")
        except UnicodeError:
            netloc = quote(netloc, safe=":@[]" + _SUB_DELIMS, errors="replace")

    def encoded(text: str, safe: str) -> str:
        return quote(_STRAY_PERCENT.sub("%25", text), safe=safe + _SUB_DELIMS + "~", errors="replace")

    path, query, fragment = encoded(parts.path, "/:@"), encoded(parts.query, "/?:@"), encoded(parts.fragment, "/?:@")
    # an empty query or fragment ("x?") is dropped: the link means the same without it
    return urlunsplit((parts.scheme, netloc, path, query, fragment))


def _unwrap_entity_links(body: LexborNode) -> list[Annotation]:
    found: list[Annotation] = []
    for node in body.css("a[data-code], span[data-code], a.keytip, a.infokey, a.project-link, a[href]"):
        attrs = node.attributes
        href = attrs.get("href") or ""
        host = urlsplit(href).hostname or "" if href.startswith(("http", "//")) else ""
        is_entity = (
            "data-code" in attrs
            or "project-link" in (attrs.get("class") or "")
            or "infokey" in (attrs.get("class") or "")
            or host.endswith(_ENTITY_LINK_HOSTS)
        )
        if not is_entity:
            continue
        text = node.text(deep=True)
        if attrs.get("data-code") and text:
            found.append(Annotation(text=text, kind="stock", code=str(attrs["data-code"]), url=href))
        elif attrs.get("data-name") and text:
            found.append(Annotation(text=text, kind="company", code=str(attrs["data-name"]), url=href))
        node.unwrap()
    return found


def _fix_images(body: LexborNode, base_url: str | None) -> list[str]:
    images: list[str] = []
    for img in body.css("img"):
        attrs = img.attrs
        src = attrs.get("src") or ""
        for lazy in _LAZY_SRC:
            if (not src or src.startswith("data:")) and attrs.get(lazy):
                src = attrs.get(lazy) or ""
        src = urljoin(base_url, src.strip()) if base_url else src.strip()
        if not src.startswith(("http://", "https://")) or _is_tracker(img, src):
            img.decompose()
            continue
        attrs["src"] = src
        if "alt" not in attrs:
            attrs["alt"] = ""
        images.append(src)
    return images


def _is_tracker(img: LexborNode, src: str) -> bool:
    for dim in ("width", "height"):
        value = (img.attributes.get(dim) or "").strip().removesuffix("px")
        if value.isdigit() and int(value) <= 1:
            return True
    parts = urlsplit(src)
    host = (parts.hostname or "").lower()
    return host.endswith(_TRACKER_HOSTS) or bool(_TRACKER_PATH.search(parts.path))


def _absolutize_links(body: LexborNode, base_url: str | None) -> None:
    if not base_url:
        return
    for a in body.css("a[href]"):
        href = (a.attributes.get("href") or "").strip()
        if href and not href.startswith(("#", "mailto:")):
            a.attrs["href"] = urljoin(base_url, href)


_BLOCK_END = re.compile(r"</(?:p|div|h[1-6]|li|blockquote|tr|pre|figure|figcaption|dd|dt)>|<br\s*/?>|<hr\s*/?>", re.I)
_TAG = re.compile(r"<[^>]+>")
_SPACES = re.compile(r"[ \t\r\f\v\u3000\xa0]+")


def html_to_text(fragment: str) -> str:
    """Plain text of sanitized HTML: blocks become lines, inline tags vanish without adding spaces."""
    text = _TAG.sub("", _BLOCK_END.sub("\n", fragment))
    text = _SPACES.sub(" ", htmllib.unescape(text))
    return "\n".join(line.strip() for line in text.splitlines() if line.strip())


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b-\u200f\u2028\u2029\ufeff]")


def clean_title(title: str) -> str:
    """A title on one line: tags and control characters out, whitespace collapsed."""
    text = htmllib.unescape(_TAG.sub("", title or ""))
    text = _CONTROL.sub("", text)
    return " ".join(text.split())
