"""The key tables behind the near-duplicate index: lookups before and after merges, renumbering."""

from __future__ import annotations

import numpy as np

from finews.enrich import lsh
from finews.enrich.lsh import BucketTable, to_keys


def keys(*values: int) -> np.ndarray:
    return np.array(values, dtype=np.uint64)


def test_find_before_and_after_a_merge(monkeypatch) -> None:
    monkeypatch.setattr(lsh, "MERGE_AT", 8)
    table = BucketTable()
    table.add(0, keys(1, 2, 3))
    table.add(1, keys(3, 4))  # shares key 3 with slot 0 while both wait to be merged
    assert sorted(table.find(keys(3))) == [0, 1] and table.find(keys(9)) == []
    table.add(2, keys(4, 5, 2**64 - 1))  # the eighth entry: everything is merged into the arrays
    assert table._pending == {} and len(table) == 8
    assert sorted(table.find(keys(3))) == [0, 1] and sorted(table.find(keys(4, 2**64 - 1))) == [1, 2, 2]
    table.add(3, keys(1))  # pending again, found together with the merged entries
    assert sorted(table.find(keys(1))) == [0, 3]


def test_renumbering_drops_gone_slots_and_keeps_the_order(monkeypatch) -> None:
    monkeypatch.setattr(lsh, "MERGE_AT", 4)
    table = BucketTable()
    for slot in range(10):
        table.add(slot, keys(slot, 100))
    table.add(10, keys(7))  # still pending when renumbered
    renumbered = np.full(11, -1)
    renumbered[[8, 9, 10]] = [0, 1, 2]  # slots 0-7 are gone
    table.renumber(renumbered)
    assert sorted(table.find(keys(100))) == [0, 1] and table.find(keys(7)) == [2] and len(table) == 5
    assert all(np.all(keys[1:] >= keys[:-1]) for keys, _ in table._runs)  # still sorted for the binary search


def test_python_hashes_fold_into_the_same_key_space() -> None:
    folded = to_keys(keys(5), [-1, 2**70 + 3])
    assert folded.dtype == np.uint64 and folded.tolist() == [5, 2**64 - 1, 3]


def test_one_key_lookups_agree_with_find(monkeypatch) -> None:
    monkeypatch.setattr(lsh, "MERGE_AT", 6)
    table = BucketTable()
    for slot, key in enumerate((5, 5, 2**64 - 2, 9, 5, 9, 5)):  # merged after six, the seventh pending
        table.add(slot, keys(key))
    for key in (5, 9, 2**64 - 2, -2, 7):
        assert sorted(table.get(key)) == sorted(table.find(to_keys([key]))), key
    assert sorted(table.get(5)) == [0, 1, 4, 6] and table.get(-2) == [2]


def test_runs_stay_bounded_and_all_are_searched(monkeypatch) -> None:
    monkeypatch.setattr(lsh, "MERGE_AT", 4)
    monkeypatch.setattr(lsh, "RUN_ENTRIES", 10)
    table = BucketTable()
    for slot in range(30):
        table.add(slot, keys(1000 - slot, 7))  # key 7 in every run
    assert len(table._runs) >= 5 and max(len(k) for k, _ in table._runs) <= 10
    assert sorted(set(table.find(keys(7)))) == list(range(30)) and table.get(990) == [10]
