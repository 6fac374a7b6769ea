"""Fuzzing the feed reader and the cleaning stage with hypothesis (seeded, bounded: see conftest.py).

Every input must end as articles or as finews's own error (a ParseError naming the problem);
any other exception is a crash. Each test prints how many cases ran and how many crashed.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from xml.sax.saxutils import escape

from hypothesis import given, settings
from hypothesis import strategies as st

from finews.enrich import enrich
from finews.errors import FinewsError
from finews.extract import prepare
from finews.fetch.client import Response
from finews.sources.feed import parse_feed

PROFILE = settings.get_profile("reliability")
NOW = datetime(2026, 11, 26, tzinfo=UTC)
CHARSETS = ["utf-8", "gb2312", "gbk", "gb18030", "big5", "iso-8859-1", "utf-16", "x-bogus", ""]


def _ingest(body: bytes, content_type: str, tally: Counter[str]) -> None:
    tally["cases"] += 1
    try:
        articles = parse_feed(Response("http://127.0.0.1/fuzz.xml", 200, body, {"content-type": content_type}), "fuzz")
        cleaned = [prepare(article, now=NOW) for article in articles]
        enrich(cleaned)
    except FinewsError as exc:
        assert str(exc), "an error must say what is wrong"
        tally["rejected"] += 1
    except Exception:
        tally["crashes"] += 1
        raise
    else:
        tally["articles"] += len(cleaned)
        for article in cleaned:
            assert "\x00" not in article.title and "<script" not in article.content_html.lower()
            assert article.published is None or article.published.tzinfo is not None


def _report(name: str, tally: Counter[str]) -> None:
    print(
        f"\n{name}: {tally['cases']} cases run, {tally['rejected']} rejected with an error, "
        f"{tally['articles']} articles, {tally['crashes']} crashes"
    )


def test_random_bytes_never_crash_the_reader():
    tally: Counter[str] = Counter()
    head = st.sampled_from(
        [
            b"",
            b'<?xml version="1.0"?><rss version="2.0"><channel><item><title>',
            b'{"version": "https://jsonfeed.org/version/1.1", "items": [',
            b"\xef\xbb\xbf<feed>",
        ]
    )

    @PROFILE
    @given(head, st.binary(max_size=3000), st.sampled_from(["application/rss+xml", "application/json", "text/html"]))
    def run(prefix: bytes, data: bytes, ctype: str) -> None:
        _ingest(prefix + data, ctype, tally)

    run()
    _report("random bytes", tally)
    assert tally["crashes"] == 0


text = st.text(st.characters(exclude_categories=["Cs"]), max_size=200)
html = st.recursive(
    text.map(escape),
    lambda inner: st.builds(
        lambda tag, attrs, children: f"<{tag}{attrs}>{''.join(children)}</{tag}>",
        st.sampled_from(["div", "p", "span", "a", "script", "style", "table", "td", "ul", "li", "b", "font", "img"]),
        st.sampled_from(
            [
                "",
                ' style="display:none"',
                ' href="javascript:alert(1)"',
                ' onerror="x()"',
                ' src="data:image/png;base64,AAAA"',
                ' data-code="600519"',
                ' class="keytip"',
            ]
        ),
        st.lists(inner, max_size=4),
    ),
    max_leaves=30,
)
dates = st.one_of(
    st.datetimes(min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31)).map(
        lambda d: d.strftime("%a, %d %b %Y %H:%M:%S +0000") if d.year >= 1000 else d.isoformat()
    ),
    st.datetimes().map(lambda d: d.isoformat() + "+14:00"),
    st.sampled_from(
        [
            "0000-00-00",
            "9999-12-31T23:59:59-12:00",
            "Fri, 31 Dec 9999 23:59:59 -1200",
            "1e999",
            "2022年13月45日",
            "昨天 25:61",
            "-1",
            "99999999999999",
        ]
    ),
    text,
)


@st.composite
def feeds(draw: st.DrawFn) -> tuple[bytes, str]:
    items = []
    for n in range(draw(st.integers(0, 4))):
        link = draw(st.sampled_from([f"https://news.example.com/{n}", "javascript:alert(1)", "", "http://[::1", "/x"]))
        items.append(
            f"<item><title>{escape(draw(text))}</title><link>{escape(link)}</link><pubDate>{escape(draw(dates))}"
            f"</pubDate><description><![CDATA[{draw(html)}]]></description></item>"
        )
    declared, actual = draw(st.sampled_from(CHARSETS)), draw(st.sampled_from(CHARSETS[:-2]))
    decl = f' encoding="{declared}"' if declared else ""
    channel = f'<rss version="2.0"><channel><title>f</title>{"".join(items)}</channel></rss>'
    document = f'<?xml version="1.0"{decl}?>{channel}'
    header = draw(st.sampled_from(["application/rss+xml", f"application/rss+xml; charset={declared or 'utf-8'}"]))
    return document.encode(actual, errors="replace"), header


def test_generated_feeds_with_hostile_fields_never_crash():
    tally: Counter[str] = Counter()

    @PROFILE
    @given(feeds())
    def run(feed: tuple[bytes, str]) -> None:
        _ingest(feed[0], feed[1], tally)

    run()
    _report("generated feeds", tally)
    assert tally["crashes"] == 0 and tally["articles"] > 0
