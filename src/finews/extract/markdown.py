"""Sanitized HTML → Markdown that kramdown (Jekyll) and marked (Hexo) both read as text, never as markup.

html-to-markdown (a Rust converter, ~13× faster than markdownify here) does the structure. What it
leaves live is handled around it, in one place:

- Characters that start HTML, entities, Liquid/Nunjucks tags, kramdown extensions and attribute
  lists (``< > & { }``), or kramdown math (``$``), leave the article's text as numeric character
  references, which both parsers show as the character and never parse. The converter's own
  backslash escapes cover the rest (``* _ [ ] # | ~`` …), which both flavours understand.
- Code keeps its characters: code spans and blocks show their content verbatim in both flavours.
- Links and images keep only http(s) URLs, percent-encoded so that no URL can end its Markdown
  destination early or leave an HTML attribute; titles go, alt texts lose Markdown's punctuation.

``markdown_text``, ``web_url`` and ``markdown_link`` build what finews itself adds to a post
(summary line, original link, back links) with the same rules.
"""

from __future__ import annotations

import contextlib
import html as htmllib
import re
from urllib.parse import quote

from html_to_markdown import ConversionOptions, convert

_OPTIONS = ConversionOptions(
    heading_style="atx",
    bullets="-",
    wrap=False,
    escape_misc=True,
    escape_asterisks=True,
    escape_underscores=True,
    expand_abbreviations=False,
)
_BLANK_RUNS = re.compile(r"\n{3,}")

# Text characters written as references. The converter sees a private stand-in for each (Unicode
# noncharacters, removed from the input first), so it neither escapes nor moves them.
_REFERENCES = {"&": "&amp;", "<": "&lt;", ">": "&gt;", "{": "&#123;", "}": "&#125;", "$": "&#36;"}
_STAND_IN = {char: chr(0xFDD0 + n) for n, char in enumerate(_REFERENCES)}
_FROM_STAND_IN = {ord(stand_in): _REFERENCES[char] for char, stand_in in _STAND_IN.items()}
_TO_STAND_IN = {ord(char): stand_in for char, stand_in in _STAND_IN.items()}
_NONCHARACTERS = re.compile("[\ufdd0-\ufdef]")

# nh3's output: tags with double-quoted attributes, text with & < > as entities
_TOKEN = re.compile(r'(<(/?)([a-zA-Z][a-zA-Z0-9]*)((?:[^>"]|"[^"]*")*)>)|([^<]+)')
_ATTRIBUTE = re.compile(r'([a-zA-Z_:][-a-zA-Z0-9_:.]*)(?:\s*=\s*"([^"]*)")?')
_CODE_TAGS = frozenset({"code", "pre", "kbd", "samp"})
_ALT_UNSAFE = re.compile(r"[^\w\s.,;:?/%'\u3000-\u303f\uff00-\uffef-]")

# What a browser ignores in a URL (tab, newline) and strips from its ends (C0 controls, space).
_URL_IGNORED = re.compile(r"[\t\n\r]")
_URL_SCHEME = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.-]*):")
_URL_SAFE = "-._~:/?#@!$&+,;=%"  # everything else, ( ) ' " < > space ` { } | \ ^ [ ] included, is encoded
_HOST_SAFE = _URL_SAFE + "[]"  # an IPv6 literal keeps its brackets

# plain text: escaped everywhere, and where only the start of a block gives them a meaning
_TEXT_ESCAPE = re.compile(r"[\\`*_\[\]~|!]")
_LINE_START = re.compile(r"^(\s*)([#+=:-]|\d+(?=[.)]))")


def to_markdown(html: str) -> str:
    if not html:
        return ""
    markdown = convert(_prepare(html), _OPTIONS).content or ""
    markdown = markdown.translate(_FROM_STAND_IN)
    return _BLANK_RUNS.sub("\n\n", markdown).strip() + "\n"


def _prepare(html: str) -> str:
    """``html`` with text characters as stand-ins, only http(s) links and images, and no titles."""
    out: list[str] = []
    in_code = 0
    links = _Links()
    for match in _TOKEN.finditer(_NONCHARACTERS.sub("", html)):
        _, closing, name, attributes, text = match.groups()
        if text is not None:
            out.append(text if in_code else htmllib.unescape(text).translate(_TO_STAND_IN))
            continue
        name = name.lower()
        if name in _CODE_TAGS:
            in_code = max(0, in_code - 1) if closing else in_code + 1
            out.append(f"</{name}>" if closing else f"<{name}>")
        elif name == "a":
            out.append(links.tag(closing, attributes))
        elif name == "img":
            found = _attributes(attributes)
            src = web_url(found.get("src", ""))
            if src is not None:
                out.append(f'<img src="{src}" alt="{_alt(found.get("alt", ""))}">')
        else:
            out.append(f"</{name}>" if closing else f"<{name}{_kept_attributes(attributes)}>")
    return "".join(out)


def safe_html(html: str) -> str:
    """Sanitized HTML with the same link and image rules as the Markdown: for posts with HTML bodies.

    Themes read attributes back into markup (landscape turns each image's alt text into a caption
    with jQuery): alt texts lose HTML's and Markdown's punctuation, titles go, URLs are encoded.
    """
    out: list[str] = []
    links = _Links()
    for match in _TOKEN.finditer(html):
        tag, closing, name, attributes, text = match.groups()
        if text is not None:
            out.append(text)
            continue
        name = name.lower()
        if name == "a":
            out.append(links.tag(closing, attributes, ' rel="noopener noreferrer nofollow"'))
        elif name == "img":
            found = _attributes(attributes)
            src = web_url(found.get("src", ""))
            if src is not None:
                size = "".join(f' {k}="{found[k]}"' for k in ("width", "height") if found.get(k, "").isdigit())
                out.append(f'<img src="{src}" alt="{_alt(found.get("alt", ""))}"{size} referrerpolicy="no-referrer">')
        else:
            out.append(tag)
    return "".join(out)


class _Links:
    """Anchors whose href is not a web URL lose their tags and keep their words; closing tags stay matched."""

    def __init__(self) -> None:
        self.dropped = 0  # open anchors left out, whose closing tags go too

    def tag(self, closing: str | None, attributes: str, extra: str = "") -> str:
        if closing:
            if self.dropped:
                self.dropped -= 1
                return ""
            return "</a>"
        href = web_url(_attributes(attributes).get("href", ""))
        if href is None:
            self.dropped += 1
            return ""
        return f'<a href="{href}"{extra}>'


def _alt(text: str) -> str:
    return " ".join(_ALT_UNSAFE.sub(" ", text).split())


def _attributes(raw: str) -> dict[str, str]:
    return {m.group(1).lower(): htmllib.unescape(m.group(2) or "") for m in _ATTRIBUTE.finditer(raw)}


def _kept_attributes(raw: str) -> str:
    """What the converter uses of the other tags: table spans and list starts, numbers only."""
    kept = [
        f' {name}="{value}"'
        for name, value in _attributes(raw).items()
        if name in ("colspan", "rowspan", "start") and value.isdigit()
    ]
    return "".join(kept)


def web_url(url: str, *, relative: bool = False) -> str | None:
    """``url`` percent-encoded if it is http(s) (or, with ``relative``, has no scheme); else None.

    Encoded, it cannot close a Markdown link, an autolink or a quoted HTML attribute, whatever a
    theme does with it.
    """
    url = _URL_IGNORED.sub("", url).strip("\x00- ")
    scheme = _URL_SCHEME.match(url)
    if scheme:
        if scheme.group(1).lower() not in ("http", "https"):
            return None
        rest = url[scheme.end() :]
        if not rest.startswith("//") or len(rest) <= 2:
            return None
        host, slash, path = rest[2:].partition("/")
        if not host:
            return None
        return f"{scheme.group(1).lower()}://{_host(host)}{slash}{_quote(path, _URL_SAFE)}"
    if not relative or not url:
        return None
    if url.startswith("//"):
        host, slash, path = url[2:].partition("/")
        return f"//{_host(host)}{slash}{_quote(path, _URL_SAFE)}"
    return _quote(url, _URL_SAFE)


def _host(host: str) -> str:
    """An international name as IDNA (``xn--``), as browsers send it; anything else percent-encoded."""
    if not host.isascii():
        with contextlib.suppress(UnicodeError):  # a label IDNA refuses is percent-encoded instead
            host = host.encode("idna").decode("ascii")
    return _quote(host, _HOST_SAFE)


def _quote(part: str, safe: str) -> str:
    return quote(part, safe=safe, encoding="utf-8", errors="replace")


def markdown_text(text: str) -> str:
    """One line of plain text as Markdown that shows exactly that text, in kramdown and marked alike."""
    text = " ".join(_NONCHARACTERS.sub("", text).split())
    text = _TEXT_ESCAPE.sub(lambda m: "\\" + m.group(), text)
    text = "".join(_REFERENCES.get(char, char) for char in text)
    return _LINE_START.sub(_escape_line_start, text)


def _escape_line_start(match: re.Match[str]) -> str:
    """``# x`` → ``\\# x``; ``1. x`` → ``1\\. x``: a heading, list or rule only at a block's start."""
    space, mark = match.groups()
    return f"{space}{mark}\\" if mark.isdigit() else f"{space}\\{mark}"


def markdown_link(text: str, url: str, *, relative: bool = False) -> str:
    """``[text](url)``, or the text alone when the URL may not be a link."""
    safe = web_url(url, relative=relative)
    label = markdown_text(text)
    return f"[{label}]({safe})" if safe else label


def markdown_autolink(url: str) -> str:
    """``<url>`` for an http(s) URL, else nothing."""
    safe = web_url(url)
    return f"<{safe}>" if safe else ""
