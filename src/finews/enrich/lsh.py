"""The near-duplicate index's key tables: which documents (by slot number) were filed under each key.

Each document is filed under about 50 LSH keys (its MinHash bands and headline prefixes) and up to
three exact keys (URL, guid, content hash). As dicts of lists that cost about 8 KB a document, most of
what 100k ingested items held in memory. Here keys are 64-bit integers kept in two sorted numpy
arrays (key, slot), 12 bytes an entry; new entries wait in a small dict and are merged into the
arrays in batches, so adding stays cheap and a lookup is a binary search. The index owns the slots:
it says which are gone and how the rest are renumbered (:meth:`BucketTable.renumber`).
"""

from __future__ import annotations

import numpy as np

MASK = (1 << 64) - 1
MERGE_AT = 32_768  # entries waiting in the dict before they are merged into the arrays


class BucketTable:
    """Slots filed under 64-bit keys; :meth:`find` returns the slots sharing any of some keys."""

    def __init__(self) -> None:
        self._keys = np.empty(0, dtype=np.uint64)
        self._slots = np.empty(0, dtype=np.int32)
        # entries not merged yet: a dict for lookups (key → first slot, more in _clashes), arrays for the merge
        self._pending: dict[int, int] = {}
        self._clashes: dict[int, list[int]] = {}
        self._pending_keys: list[np.ndarray] = []
        self._pending_slots: list[int] = []
        self._pending_count = 0

    def __len__(self) -> int:
        return len(self._keys) + self._pending_count

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
        if len(self._keys):
            lo = np.searchsorted(self._keys, keys, side="left")
            hi = np.searchsorted(self._keys, keys, side="right")
            hit = hi > lo
            for start, end in zip(lo[hit].tolist(), hi[hit].tolist(), strict=True):
                slots.extend(self._slots[start:end].tolist())
        if self._pending:
            pending, clashes = self._pending, self._clashes
            for key in pending.keys() & keys.tolist():
                slots.append(pending[key])
                slots.extend(clashes.get(key, ()))
        return slots

    def get(self, key: int) -> list[int]:
        """The slots filed under one key: :meth:`find` without building arrays, for the exact layers."""
        slots: list[int] = []
        keys = self._keys
        at = int(np.searchsorted(keys, np.uint64(key & MASK)))
        while at < len(keys) and int(keys[at]) == key & MASK:
            slots.append(int(self._slots[at]))
            at += 1
        first = self._pending.get(key & MASK)
        if first is not None:
            slots.append(first)
            slots.extend(self._clashes.get(key & MASK, ()))
        return slots

    def renumber(self, renumbered: np.ndarray) -> None:
        """Give every slot ``s`` the number ``renumbered[s]``; a slot numbered -1 is dropped with its entries."""
        self._merge()
        keep = renumbered[self._slots] >= 0
        self._keys, self._slots = self._keys[keep], renumbered[self._slots[keep]].astype(np.int32)

    def _merge(self) -> None:
        """Fold the pending entries into the sorted arrays: sorted among themselves, then inserted, so
        the big arrays are copied once (a full sort of both would need five arrays of their size)."""
        if not self._pending_keys:
            return
        lengths = [len(k) for k in self._pending_keys]
        keys = np.concatenate(self._pending_keys)
        slots = np.repeat(np.array(self._pending_slots, dtype=np.int32), lengths)
        order = np.argsort(keys, kind="stable")
        keys, slots = keys[order], slots[order]
        at = np.searchsorted(self._keys, keys, side="right")  # after equal keys: older slots stay first
        self._keys, self._slots = np.insert(self._keys, at, keys), np.insert(self._slots, at, slots)
        self._pending, self._clashes = {}, {}
        self._pending_keys, self._pending_slots = [], []
        self._pending_count = 0


def to_keys(*parts: np.ndarray | list[int]) -> np.ndarray:
    """One uint64 array of keys from arrays of them and lists of Python hashes (folded to 64 bits)."""
    arrays = [p if isinstance(p, np.ndarray) else np.array([h & MASK for h in p], dtype=np.uint64) for p in parts]
    return np.concatenate(arrays) if arrays else np.empty(0, dtype=np.uint64)
