"""Hostile feeds: a written corpus through the whole pipeline, size caps on endless bodies, and fuzzing.

A crash is an exception finews did not expect (anything but its own errors, which name what failed).
Every case ends either stored safely or rejected with a clear error naming the source's URL.
"""

from __future__ import annotations

import logging
import re
import tracemalloc
from datetime import UTC, datetime

import pytest

from finews.config import FetchConfig
from finews.errors import FetchError
from finews.fetch import Fetcher
from finews.pipeline import fetch_all
from finews.publish import build_site, export_posts

from ..conftest import make_config
from ..loopback import LoopbackServer
from .hostile import corpus, streaming_server

_UNEXPECTED = re.compile(r"^[A-Z]\w*(Error|Exception)\b")  # what pipeline reports for a bug: "TypeError: ..."


def test_hostile_corpus_through_the_pipeline(tmp_path, archive, caplog):
    caplog.set_level(logging.WARNING, logger="finews")
    with LoopbackServer() as server:
        server.add("/secret", "root:x:0:0:secret")
        cases = corpus(server.url("/secret"))
        for name, body, ctype in cases:
            server.add(f"/{name}", body, content_type=ctype)
        sources = [{"name": name, "url": server.url(f"/{name}")} for name, _, _ in cases]
        with streaming_server() as stream:
            sources += [{"name": n, "url": f"{stream}/{n}", "max_bytes": 1 << 20} for n in ("gigabyte", "endless")]
            config = make_config(tmp_path, sources, fetch={"max_bytes": 16 << 20, "retries": 0, "timeout": 20})
            report = fetch_all(config, archive)
        assert server.hits("/secret") == 0  # external entities are never fetched

    by_name = {s.name: s for s in report.sources}
    assert set(by_name) == {s["name"] for s in sources}
    crashes = [f"{s.name}: {s.error}" for s in report.sources if s.error and _UNEXPECTED.match(s.error)]
    crashes += [r.getMessage() for r in caplog.records if "unexpectedly" in r.getMessage() or r.exc_info]
    rejected = {s.name: s.error for s in report.sources if not s.ok}
    for name, error in rejected.items():
        url = next(s["url"] for s in sources if s["name"] == name)
        assert error and url in error, f"{name}: the error must name the source's URL: {error!r}"
    print(f"\nhostile corpus: {len(sources)} cases run, {len(rejected)} rejected with an error, {len(crashes)} crashes")
    for name, error in sorted(rejected.items()):
        print(f"  rejected {name}: {error[:150]}")
    assert crashes == []
    for name in ("gigabyte", "endless"):
        assert "body larger than 1048576 bytes" in rejected[name]

    articles = list(archive.iter_articles())
    texts = [a.title + a.content_html + a.content_markdown + a.summary for a in articles]
    assert not any("root:x:0:0" in t for t in texts)  # no local file read into an article
    assert all(t.count("lol") < 1000 for t in texts)  # entities never expanded
    assert all("\x00" not in t and "\x1b" not in t for t in texts)
    assert max(len(a.title) for a in articles) <= 300  # the 10 MB title was cut, not carried into every page
    for article in articles:  # dates stay dates, whatever year the feed claimed
        for when in (article.published, article.updated):
            assert when is None or (when.tzinfo is not None and 1 <= when.year <= 9999)

    # what was stored publishes, inside the folders, with no script from the feed
    build_site(articles, config, tmp_path / "site")
    export_posts(articles, "jekyll", tmp_path / "posts", config)
    for page in (tmp_path / "site" / "a").glob("*.html"):
        html = page.read_text(encoding="utf-8").lower()
        assert "alert(1)" not in html and "onerror" not in html and "javascript:" not in html, page


@pytest.mark.parametrize("route", ["gigabyte", "endless"])
def test_endless_bodies_are_cut_at_the_cap_in_bounded_memory(route):
    cap = 2 << 20
    with streaming_server() as stream, Fetcher(FetchConfig(retries=0, allow_private=True, timeout=20)) as fetcher:
        tracemalloc.start()
        try:
            with pytest.raises(FetchError, match=rf"{stream}/{route}: body larger than {cap} bytes"):
                fetcher.get(f"{stream}/{route}", max_bytes=cap)
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
    print(f"\n{route}: cut at {cap} bytes, peak traced memory {peak / 1e6:.1f} MB")
    assert peak < 4 * cap + (8 << 20)  # a few copies of the capped body at most, never the stream


def test_dates_at_the_edges_of_time_do_not_crash():
    from finews.extract.dates import parse_date

    zone = datetime.now(UTC).tzinfo
    for text in (
        "9999-12-31T23:59:59+14:00",
        "0000-01-01",
        "0001-01-01T00:00:00-12:00",
        "10000-01-01",
        "-0001-01-01",
        "Fri, 31 Dec 9999 23:59:59 -1200",
        "99999999999999999999",
        "1e400",
        "NaN",
        "",
    ):
        value = parse_date(text, zone)
        assert value is None or value.tzinfo is not None, text
