"""Bounded memory: ingesting items generated from the corpora stays under 500 MB of resident memory.

The bench (``bench/memory.py``) runs 100,000 items; CI runs a few thousand through the same child
process (FINEWS_MEMORY_ITEMS), with and without understanding (near-duplicates, stories, entities).
"""

from __future__ import annotations

import importlib.util
import os
from types import ModuleType

from ..conftest import ROOT

ITEMS = int(os.environ.get("FINEWS_MEMORY_ITEMS", "1000"))


def _bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_memory", ROOT / "bench" / "memory.py")
    assert spec and spec.loader
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    return bench


def _measure(items: int, understand: bool) -> tuple[dict, int]:
    bench = _bench()
    result = bench.measure(items, understand)
    print(
        f"\nmemory ({'with' if understand else 'without'} understanding): {result['items']} items ingested "
        f"({result['rows']} archived) in {result['seconds']} s, peak RSS {result['peak_mb']} MB"
    )
    assert result["rows"] == items  # every generated item is new: the run did ingest them all
    return result, bench.LIMIT_MB


def test_fetch_extract_store_stay_under_500_mb(corpora):
    result, limit = _measure(ITEMS * 2, understand=False)
    assert result["peak_mb"] < limit


def test_with_understanding_memory_does_not_grow_with_the_items(corpora):
    """Understanding loads its word lists on first use (jieba's dictionary and IDF table, the entity
    tables): about 250 MB before the first article is through. Ingesting more items must add little
    beyond that; bench/memory.py runs 100,000 items against the same 500 MB limit."""
    result, limit = _measure(ITEMS, understand=True)
    assert result["peak_mb"] - result["loaded_mb"] < 100
    assert result["peak_mb"] < limit
