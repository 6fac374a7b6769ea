"""All 4,552 real cnBeta items: ingest, export as Jekyll and Hexo, read every post back."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
import yaml

from finews.pipeline import ingest_articles
from finews.publish import export_posts
from finews.sources.feed import article_from_item
from finews.store import open_archive

from .conftest import CORPORA, make_config, need


@pytest.fixture(scope="module")
def cnbeta(tmp_path_factory):
    path = need(CORPORA / "feeds/niles/items_cnbeta.jsonl")
    items = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    root = tmp_path_factory.mktemp("cnbeta")
    archive = open_archive(root / "a.db")
    stored = ingest_articles((article_from_item(i, "cnbeta") for i in items), archive)
    yield items, archive, root, stored
    archive.close()


def test_every_item_is_archived_once_and_a_rerun_adds_nothing(cnbeta):
    items, archive, _, stored = cnbeta
    assert stored == len(items) == 4552 == archive.count()
    assert ingest_articles((article_from_item(i, "cnbeta") for i in items), archive) == 0
    sample = next(archive.iter_articles())
    assert sample.published.tzinfo is not None and sample.content_markdown


@pytest.mark.parametrize("fmt", ["jekyll", "hexo"])
def test_every_post_loads_and_round_trips_title_and_date(cnbeta, fmt):
    _, archive, root, _ = cnbeta
    config = make_config(root, [{"name": "cnbeta", "title": "cnBeta", "url": "x"}])
    out = root / fmt
    report = export_posts(archive.iter_articles(), fmt, out, config)
    assert report.written == 4552
    expected = {a.slug: a for a in archive.iter_articles()}
    posts = sorted(out.rglob("*.md"))
    assert len(posts) == 4552
    for post in posts:
        text = post.read_text(encoding="utf-8")
        assert text.startswith("---\n")
        meta = yaml.safe_load(text.split("---\n", 2)[1])
        article = expected[post.stem[11:]]
        assert meta["title"] == article.title
        date = meta["date"]
        parsed = date if isinstance(date, datetime) else datetime.strptime(date, "%Y-%m-%d %H:%M:%S %z")
        assert parsed.astimezone(UTC) == article.published.astimezone(UTC)
    again = export_posts(archive.iter_articles(), fmt, out, config)
    assert (again.written, again.unchanged) == (0, 4552)
