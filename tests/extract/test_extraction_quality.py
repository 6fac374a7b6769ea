"""Extraction quality on the real benchmarks: fails when finews drops below its targets.

aeb (181 English news pages) scored like scrapinghub/article-extraction-benchmark; cwced (35 Chinese
pages, mixed charsets, decoded by finews' own decoder) with 4-character shingles. See
finews.extract.evaluate for the exact definitions. Each corpus is extracted once per module.
"""

from __future__ import annotations

import pytest

from finews.extract.evaluate import Score, aeb_score, cwced_score, load_aeb, load_cwced
from finews.extract.fulltext import extract_article

from ..conftest import CORPORA, need

AEB_TARGET = 0.95
CWCED_TARGET = 0.90


def _run(docs) -> list[str | None]:
    results = [extract_article(doc.html, doc.url) for doc in docs]
    return [r.text if r else None for r in results]


@pytest.fixture(scope="module")
def aeb() -> Score:
    docs = load_aeb(need(CORPORA / "extraction" / "aeb"))
    return aeb_score(zip((d.truth for d in docs), _run(docs), strict=True))


@pytest.fixture(scope="module")
def cwced() -> Score:
    docs = load_cwced(need(CORPORA / "extraction" / "cwced"))
    assert len(docs) == 35
    return cwced_score(zip((d.truth for d in docs), _run(docs), strict=True))


def test_aeb_f1(aeb: Score) -> None:
    assert aeb.documents == 181
    assert aeb.f1 >= AEB_TARGET, f"aeb F1 {aeb.f1:.3f} (P {aeb.precision:.3f}, R {aeb.recall:.3f}) < {AEB_TARGET}"


def test_cwced_f1(cwced: Score) -> None:
    assert cwced.f1 >= CWCED_TARGET, (
        f"cwced F1 {cwced.f1:.3f} (P {cwced.precision:.3f}, R {cwced.recall:.3f}) < {CWCED_TARGET}"
    )


def test_every_cwced_page_decodes() -> None:
    # two pages carry a stray invalid GBK sequence; they must still read as Chinese, not fail or turn to mojibake
    docs = load_cwced(need(CORPORA / "extraction" / "cwced"))
    for doc in docs:
        truth = "".join(doc.truth.split())
        assert sum(c in doc.html for c in set(truth)) >= 0.99 * len(set(truth)), doc.id
