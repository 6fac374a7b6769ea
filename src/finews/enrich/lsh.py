"""The near-duplicate index's key tables: which documents (by slot number) were filed under each key.

Each document is filed under about 50 LSH keys (its MinHash bands and headline prefixes) and up to
three exact keys (URL, guid, content hash). As dicts of lists that cost about 8 KB a document, most of
what 100k ingested items held in memory. Here keys are 64-bit integers kept in sorted numpy arrays
(key, slot), 12 bytes an entry, in runs of at most a million entries; new entries wait in a small
dict and are merged into the last run in batches, so adding stays cheap, a merge never copies the
whole table (a peak of its size again), and a lookup is a few binary searches. The index owns the
slots: it says which are gone and how the rest are renumbered (:meth:`BucketTable.renumber`).
"""

from __future__ import annotations

import numpy as np

MASK = (1 << 64) - 1
MERGE_AT = 32_768  # entries waiting in the dict before they are merged into the arrays
RUN_ENTRIES = 1 << 20  # entries per sorted run: a merge copies one run (12 MB), never the whole table


class BucketTable:
    """Slots filed under 64-bit keys; :meth:`find` returns the slots sharing any of some keys."""

    def __init__(self) -> None:
        self._runs: list[tuple[np.ndarray, np.ndarray]] = []  # sorted keys (uint64) and their slots (int32)
        # entries not merged yet: a dict for lookups (key → first slot, more in _clashes), arrays for the merge
        self._pending: dict[int, int] = {}
        self._clashes: dict[int, list[int]] = {}
        self._pending_keys: list[np.ndarray] = []
        self._pending_slots: list[int] = []
        self._pending_count = 0

    def __len__(self) -> int:
        return sum(len(keys) for keys, _ in self._runs) + self._pending_count

    def add(self, slot: int, keys: np.ndarray) -> None:
        """File ``slot`` under ``keys`` (uint64)."""
        if not len(keys):
            return
        listed = keys.tolist()
        pending = self._pending
        for key in pending.keys() & listed:  # rare: a near-duplicate of a recent document
            self._clashes.setdefault(key, []).append(slot)
        pending.update(dict.fromkeys(listed, slot) | {k: pending[k] for k in pending.keys() & listed})
        self._pending_keys.append(keys)
        self._pending_slots.append(slot)
        self._pending_count += len(keys)
        if self._pending_count >= MERGE_AT:
            self._merge()

    def find(self, keys: np.ndarray) -> list[int]:
        """The slots filed under at least one of ``keys`` (a slot may come more than once)."""
        slots: list[int] = []
        for run_keys, run_slots in self._runs:
            lo = np.searchsorted(run_keys, keys, side="left")
            hi = np.searchsorted(run_keys, keys, side="right")
            hit = hi > lo
            for start, end in zip(lo[hit].tolist(), hi[hit].tolist(), strict=True):
                slots.extend(run_slots[start:end].tolist())
        if self._pending:
            pending, clashes = self._pending, self._clashes
            for key in pending.keys() & keys.tolist():
                slots.append(pending[key])
                slots.extend(clashes.get(key, ()))
        return slots

    def get(self, key: int) -> list[int]:
        """The slots filed under one key: :meth:`find` without building arrays, for the exact layers."""
        slots: list[int] = []
        wanted = np.uint64(key & MASK)
        for keys, run_slots in self._runs:
            at = int(np.searchsorted(keys, wanted))
            while at < len(keys) and keys[at] == wanted:
                slots.append(int(run_slots[at]))
                at += 1
        first = self._pending.get(key & MASK)
        if first is not None:
            slots.append(first)
            slots.extend(self._clashes.get(key & MASK, ()))
        return slots

    def renumber(self, renumbered: np.ndarray) -> None:
        """Give every slot ``s`` the number ``renumbered[s]``; a slot numbered -1 is dropped with its entries."""
        self._merge()
        runs = []
        for keys, slots in self._runs:
            keep = renumbered[slots] >= 0
            if keep.any():
                runs.append((keys[keep], renumbered[slots[keep]].astype(np.int32)))
        self._runs = runs

    def _merge(self) -> None:
        """Fold the pending entries into the last sorted run (sorted among themselves, then inserted),
        or start a new run when that one is full: a merge copies at most one run."""
        if not self._pending_keys:
            return
        lengths = [len(k) for k in self._pending_keys]
        keys = np.concatenate(self._pending_keys)
        slots = np.repeat(np.array(self._pending_slots, dtype=np.int32), lengths)
        order = np.argsort(keys, kind="stable")
        keys, slots = keys[order], slots[order]
        if self._runs and len(self._runs[-1][0]) + len(keys) <= RUN_ENTRIES:
            run_keys, run_slots = self._runs[-1]
            at = np.searchsorted(run_keys, keys, side="right")  # after equal keys: older slots stay first
            self._runs[-1] = (np.insert(run_keys, at, keys), np.insert(run_slots, at, slots))
        else:
            self._runs.append((keys, slots))
        self._pending, self._clashes = {}, {}
        self._pending_keys, self._pending_slots = [], []
        self._pending_count = 0


def to_keys(*parts: np.ndarray | list[int]) -> np.ndarray:
    """One uint64 array of keys from arrays of them and lists of Python hashes (folded to 64 bits)."""
    arrays = [p if isinstance(p, np.ndarray) else np.array([h & MASK for h in p], dtype=np.uint64) for p in parts]
    return np.concatenate(arrays) if arrays else np.empty(0, dtype=np.uint64)
