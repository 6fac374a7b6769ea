"""The near-duplicate index's bucket table: which documents were filed under each LSH key.

Each document is filed under about 50 keys (its MinHash bands and headline prefixes). As a dict of
lists that cost about 8 KB a document (a Python object per key and per list), most of what 100k
ingested items held in memory. Here keys are 64-bit integers kept in two sorted numpy arrays (key,
slot), 12 bytes an entry; new entries go to a small dict first and are merged into the arrays in
batches, so adding stays cheap and a lookup is a binary search. Documents are numbered by slot;
a removed document's entries are dropped at the next merge, and slots are renumbered then so a
long-running process does not keep numbering the documents it has forgotten.
"""

from __future__ import annotations

import numpy as np

MASK = (1 << 64) - 1
MERGE_AT = 32_768  # entries waiting in the dict before they are merged into the arrays


class BucketTable:
    """Documents (by name) filed under 64-bit keys; :meth:`find` returns those sharing any key."""

    def __init__(self) -> None:
        self._keys = np.empty(0, dtype=np.uint64)
        self._slots = np.empty(0, dtype=np.int64)
        # entries not merged yet: a dict for lookups (key → first slot, more in _clashes), arrays for the merge
        self._pending: dict[int, int] = {}
        self._clashes: dict[int, list[int]] = {}
        self._pending_keys: list[np.ndarray] = []
        self._pending_slots: list[int] = []
        self._pending_count = 0
        self._names: list[str | None] = []  # slot → document, None once removed
        self._slot_of: dict[str, int] = {}

    def __len__(self) -> int:
        return len(self._slot_of)

    def __contains__(self, name: object) -> bool:
        return name in self._slot_of

    def add(self, name: str, keys: np.ndarray) -> None:
        """File ``name`` under ``keys`` (uint64); a name filed before is first removed."""
        self.remove(name)
        slot = len(self._names)
        self._names.append(name)
        self._slot_of[name] = slot
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

    def remove(self, name: str) -> None:
        slot = self._slot_of.pop(name, None)
        if slot is not None:
            self._names[slot] = None  # its entries go at the next merge
            if len(self._names) - len(self._slot_of) > max(MERGE_AT, len(self._slot_of)):
                self._merge()  # more forgotten than known: drop their entries and renumber

    def find(self, keys: np.ndarray) -> set[str]:
        """Every document filed under at least one of ``keys``."""
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
        names = self._names
        return {name for slot in slots if (name := names[slot]) is not None}

    def _merge(self) -> None:
        """Fold the pending entries into the sorted arrays, dropping removed documents and renumbering."""
        if self._pending_keys:
            lengths = [len(k) for k in self._pending_keys]
            keys = np.concatenate([self._keys, *self._pending_keys])
            slots = np.concatenate([self._slots, np.repeat(np.array(self._pending_slots, dtype=np.int64), lengths)])
        else:
            keys, slots = self._keys, self._slots
        alive = np.fromiter((n is not None for n in self._names), dtype=bool, count=len(self._names))
        renumber = np.cumsum(alive) - 1
        keep = alive[slots]
        keys, slots = keys[keep], renumber[slots[keep]]
        order = np.argsort(keys, kind="stable")
        self._keys, self._slots = keys[order], slots[order]
        self._names = [n for n in self._names if n is not None]
        self._slot_of = {name: slot for slot, name in enumerate(self._names)}  # type: ignore[misc]
        self._pending, self._clashes = {}, {}
        self._pending_keys, self._pending_slots = [], []
        self._pending_count = 0


def to_keys(*parts: np.ndarray | list[int]) -> np.ndarray:
    """One uint64 array of keys from arrays of them and lists of Python hashes (folded to 64 bits)."""
    arrays = [p if isinstance(p, np.ndarray) else np.array([h & MASK for h in p], dtype=np.uint64) for p in parts]
    return np.concatenate(arrays) if arrays else np.empty(0, dtype=np.uint64)
