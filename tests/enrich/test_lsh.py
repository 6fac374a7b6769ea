"""The bucket table behind the near-duplicate index: lookups before and after merges, removal, renumbering."""

from __future__ import annotations

import numpy as np

from finews.enrich import lsh
from finews.enrich.lsh import BucketTable, to_keys


def keys(*values: int) -> np.ndarray:
    return np.array(values, dtype=np.uint64)


def test_find_before_and_after_a_merge(monkeypatch) -> None:
    monkeypatch.setattr(lsh, "MERGE_AT", 8)
    table = BucketTable()
    table.add("a", keys(1, 2, 3))
    table.add("b", keys(3, 4))  # shares key 3 with a while both wait to be merged
    assert table.find(keys(3)) == {"a", "b"} and table.find(keys(9)) == set()
    table.add("c", keys(4, 5, 2**64 - 1))  # the eighth entry: everything is merged into the arrays
    assert table._pending == {} and len(table._keys) == 8
    assert table.find(keys(3)) == {"a", "b"} and table.find(keys(4, 2**64 - 1)) == {"b", "c"}
    table.add("d", keys(1))  # pending again, found together with the merged entries
    assert table.find(keys(1)) == {"a", "d"}


def test_removed_and_refiled_documents(monkeypatch) -> None:
    monkeypatch.setattr(lsh, "MERGE_AT", 4)
    table = BucketTable()
    for n in range(10):
        table.add(f"doc{n}", keys(n, 100))
    assert len(table.find(keys(100))) == 10
    for n in range(8):
        table.remove(f"doc{n}")
    assert table.find(keys(100)) == {"doc8", "doc9"} and len(table) == 2
    table.add("doc9", keys(7))  # filed again under other keys: the old ones no longer find it
    assert table.find(keys(100)) == {"doc8"} and table.find(keys(7)) == {"doc9"}
    table._merge()
    # forgotten documents are gone from the arrays and the slots are renumbered from 0
    assert sorted(table._slot_of.values()) == [0, 1] and len(table._keys) == 3
    assert table.find(keys(100, 7)) == {"doc8", "doc9"}


def test_python_hashes_fold_into_the_same_key_space() -> None:
    folded = to_keys(keys(5), [-1, 2**70 + 3])
    assert folded.dtype == np.uint64 and folded.tolist() == [5, 2**64 - 1, 3]
