"""Every page of a built sample site: valid HTML5, Chinese, accessible, nothing loaded from other hosts."""

from datetime import datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import urlsplit

import html5lib
import pytest

from finews.extract import prepare
from finews.model import Article
from finews.publish import build_site

from ..conftest import make_config

BJ = timezone(timedelta(hours=8))
SOURCES = [
    {"name": "em", "title": "东财", "url": "x", "category": "emnews", "category_name": "东财滚动新闻"},
    {"name": "kr", "title": "36kr", "url": "y", "category": "tech", "category_name": "科技"},
]
XHTML = "{http://www.w3.org/1999/xhtml}"
BODY = (
    "<p>正文{i}：<a href='https://e.cn/x'>链接</a></p><img src='https://img.e.cn/{i}.jpg'>"
    "<table><tr><td>甲</td><td>乙</td></tr></table><ul><li>一</li></ul><p>{xss}</p>"
)


def _articles(n: int) -> list[Article]:
    out = []
    for i in range(n):
        article = prepare(Article(source="em" if i % 2 else "kr", url=f"https://e.cn/a/{i}.html",
                                  title=f"第{i}条 <b>新闻</b> & \"引号\"", summary=f"摘要{i}",
                                  published=datetime(2026, 3, 1, 8, tzinfo=BJ) + timedelta(hours=9 * i),
                                  content_html=BODY.format(i=i, xss="<script>alert(1)</script>")))  # fmt: skip
        article.slug, article.id = str(i), i + 1
        article.story_id = 1 if i < 3 else None
        out.append(article)
    return out[::-1]


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("html")
    config = make_config(tmp, SOURCES, site={"per_page": 3, "base_url": "https://news.example.cn/"})
    report = {"article_id": 1, "url": "https://e.cn/a/0.html"}
    moves = [{"person": "张三", "role": "首席经济学家", "org": "某券商", "org_key": "某券商", "unit": "",
              "when": "2026-03", "destination": "", "evidence": "张三离职", "reports": [report]}]  # fmt: skip
    mentions = {1: [("company", "600519.SH", "贵州茅台")], 2: [("person", "张三", "张三")]}
    build_site(_articles(10), config, tmp / "site", also={2: [Article(source="em", url="https://o.cn/1", title="转")]},
               moves=moves, mentions=mentions)  # fmt: skip
    return tmp / "site"


def _pages(site: Path) -> list[Path]:
    return sorted(p for p in site.rglob("*.html") if p.is_file() and not p.is_relative_to(site / "pagefind"))


def test_every_page_is_valid_html5(site):
    parser = html5lib.HTMLParser(strict=True, namespaceHTMLElements=True)
    pages = _pages(site)
    assert len(pages) > 25 and {"search.html", "talent/index.html", "company/index.html"} <= {
        str(p.relative_to(site)) for p in pages
    }
    for page in pages:
        parser.parse(page.read_bytes(), transport_encoding="utf-8")  # raises ParseError on the first error


def test_pages_are_chinese_accessible_and_self_contained(site):
    for page in _pages(site):
        tree = html5lib.parse(page.read_bytes(), transport_encoding="utf-8")
        where = str(page.relative_to(site))
        assert tree.get("lang") == "zh-CN", where
        metas = {m.get("name"): m.get("content") for m in tree.iter(f"{XHTML}meta") if m.get("name")}
        assert metas.get("viewport", "").startswith("width=device-width"), where
        policy = [m.get("content") for m in tree.iter(f"{XHTML}meta") if m.get("http-equiv")]
        assert policy and "script-src 'self' 'wasm-unsafe-eval'" in policy[0] and "object-src 'none'" in policy[0]
        assert tree.find(f".//{XHTML}title").text.strip(), where
        assert tree.find(f".//{XHTML}main") is not None and tree.find(f".//{XHTML}h1") is not None, where
        for img in tree.iter(f"{XHTML}img"):
            assert img.get("alt") is not None, (where, img.attrib)
        for script in tree.iter(f"{XHTML}script"):
            assert script.get("src") and not urlsplit(script.get("src")).netloc, where  # no inline, no CDN
            assert not (script.text or "").strip()
        for link in tree.iter(f"{XHTML}link"):
            if link.get("rel") == "stylesheet":
                assert not urlsplit(link.get("href")).netloc, where
        for field in tree.iter(f"{XHTML}input"):
            labelled = field.get("aria-label") or tree.find(f".//{XHTML}label[@for='{field.get('id')}']") is not None
            assert labelled, where
    article = html5lib.parse((site / "a/2.html").read_bytes(), transport_encoding="utf-8")
    images = list(article.iter(f"{XHTML}img"))
    assert images and images[0].get("src").startswith("https://img.e.cn/")  # the article's own pictures stay
    assert "<script" not in (site / "a/2.html").read_text(encoding="utf-8")


def test_colours_have_enough_contrast():
    css = (Path(__file__).parents[2] / "src/finews/publish/static/style.css").read_text(encoding="utf-8")
    colours = dict(
        part.strip().split(": ") for part in css.split("{", 2)[1].split(";") if part.strip().startswith("--")
    )
    for name in ("--fg", "--muted", "--accent"):
        assert _contrast(colours[name], colours["--bg"]) >= 4.5, name  # WCAG AA for body text
    assert _contrast("#fff", colours["--accent"]) >= 4.5  # the search button's label


def _contrast(a: str, b: str) -> float:
    def luminance(colour: str) -> float:
        digits = colour.lstrip("#")
        digits = "".join(d * 2 for d in digits) if len(digits) == 3 else digits
        channels = [int(digits[i : i + 2], 16) / 255 for i in (0, 2, 4)]
        linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)
