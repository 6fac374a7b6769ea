"""The site's search finds what Ctrl+F finds, and nothing else, on 1,200 real cnBeta, 知乎 and InfoQ items.

The search is the search page's own engine (the site's static/pagefind.js over Pagefind's index), run by
Node over the built site. The truth is computed here: each article page's title and plain text, folded
(full width → ASCII, lower case, Traditional → Simplified), holds the query; a Latin end of the query
must sit on a token boundary; a query with spaces needs each word. Queries are sampled from the items'
text with a fixed seed: CJK strings of 2, 3, 4 and 6 characters from anywhere (most cross a word
boundary), jieba words, parts of longer words, Latin tokens, Latin beside CJK, two words with a space.
"""

from __future__ import annotations

import json
import subprocess
from dataclasses import replace
from pathlib import Path

import pytest

from finews.extract import prepare
from finews.extract.clean import html_to_text
from finews.publish.reading import build_from_archive
from finews.sources.feed import article_from_item
from finews.store import open_archive

from ..conftest import CORPORA, make_config, need
from ..ctrlf import fold, holding, sample_queries
from ..requirements import need_tool

PER_SOURCE = {"cnbeta": 900, "zhihu": 200, "infoq": 100}
RUNNER = Path(__file__).with_name("pagefind_search.mjs")
SOURCES = [{"name": name, "title": name, "url": "x", "category": name, "category_name": name} for name in PER_SOURCE]


_fold = fold


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> tuple[Path, dict[str, tuple[str, str]]]:
    """The built site, and each article page's folded title and text."""
    items = []
    for name, count in PER_SOURCE.items():
        path = need(CORPORA / f"feeds/niles/items_{name}.jsonl")
        lines = [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()][:count]
        items += [replace(prepare(article_from_item(json.loads(line), name)), annotations=[]) for line in lines]
    folder = tmp_path_factory.mktemp("site-recall")
    with open_archive(folder / "a.db") as archive:
        archive.save(items)
        build_from_archive(make_config(folder, SOURCES), archive, folder / "site")
        pages = {
            f"a/{a.slug}.html": (_fold(a.title), _fold(html_to_text(a.content_html or "")))
            for a in archive.iter_articles()
            if a.duplicate_of is None
        }
    assert len(pages) >= 1000
    return folder / "site", pages


def _search(site: Path, queries: list[str]) -> dict:
    node = need_tool("node", "the search page's engine runs in JavaScript (apt-get install nodejs)")
    page = (site / "search.html").read_text(encoding="utf-8")
    merge = page.split('data-merge="', 1)[1].split('"', 1)[0].split() if "data-merge" in page else []
    bundles = ",".join(["pagefind", *(m.rstrip("/") for m in merge)])
    done = subprocess.run([node, str(RUNNER), str(site), bundles, "-"], input="\n".join(queries),
                          capture_output=True, text=True, timeout=600, check=True)  # fmt: skip
    return json.loads(done.stdout)


def _holding(pages: dict[str, tuple[str, str]], query: str) -> set[str]:
    return holding(pages, query)


def _samples(pages: dict[str, tuple[str, str]], per_kind: int = 12) -> dict[str, list[str]]:
    kinds = sample_queries([f"{title}\n{text}" for title, text in pages.values()], seed=5, per_kind=per_kind)
    kinds["named"] = ["特斯拉", "英伟达", "技术包", "里巴", "5g", "a股"]
    return kinds


def test_the_search_page_finds_every_article_holding_the_query_and_no_other(site):
    folder, pages = site
    kinds = _samples(pages)
    found = _search(folder, [q for queries in kinds.values() for q in queries])
    figures, wrong = {}, {}
    for kind, queries in kinds.items():
        hit = relevant = served = 0
        for query in queries:
            expected, got = _holding(pages, query), set(found[query])
            assert len(got) == len(found[query]), query  # no page twice
            hit, relevant, served = hit + len(got & expected), relevant + len(expected), served + len(got)
            if got != expected:
                wrong[query] = (len(expected - got), len(got - expected))
        figures[kind] = (hit / relevant if relevant else 1.0, hit / served if served else 1.0)
    assert all(recall >= 0.99 and precision >= 0.99 for recall, precision in figures.values()), (figures, wrong)
    assert sum(len(_holding(pages, q)) for q in kinds["named"]) > 50  # the named strings are there to find


def test_queries_are_folded_as_the_text_is(site):
    folder, pages = site
    queries = {
        "華為": "华为",
        "ｉＰｈｏｎｅ": "iphone",
        "IPHONE": "iphone",
        "英偉達": "英伟达",
        "特斯拉 Model": "特斯拉 model",
    }
    found = _search(folder, list(queries))
    for query, folded in queries.items():
        assert set(found[query]) == _holding(pages, folded) != set(), query


def test_excerpts_are_the_articles_text_escaped_with_the_match_marked(site):
    folder, _ = site
    found = _search(folder, ["英伟达", "字"])
    assert "<mark>英伟达</mark>" in found["excerpts"]["英伟达"]
    assert "<" not in found["excerpts"]["英伟达"].replace("<mark>", "").replace("</mark>", "")
    assert found["字"] == []  # one CJK character is too short a query, as in the archive search
