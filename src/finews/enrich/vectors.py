"""Term vectors as the story clusterer keeps them: numbered terms and packed weights.

A story is compared on its strongest terms and on the vectors of its latest reports. As dicts of
strings to floats those cost about 10 KB a story (a string, a float and a dict slot per term), most
of what 100k ingested items held in memory. Here each distinct term is stored once, in a
:class:`Vocabulary`, and a vector is one ``bytes`` object: its norm, its weights (float64) and its
term numbers (int32). A document being placed is spread into a dense :class:`Probe`, so its cosine
with a stored vector is one gather and one dot product.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping

import numpy as np

_NORM = 8  # bytes of the norm that leads each packed vector


class Vocabulary:
    """Terms numbered in the order they are first seen."""

    def __init__(self) -> None:
        self._numbers: dict[str, int] = {}
        self._terms: list[str] = []

    def __len__(self) -> int:
        return len(self._terms)

    def number(self, term: str) -> int:
        found = self._numbers.get(term)
        if found is None:
            found = self._numbers[term] = len(self._terms)
            self._terms.append(term)
        return found

    def get(self, term: str) -> int | None:
        return self._numbers.get(term)

    def term(self, number: int) -> str:
        return self._terms[number]


def pack(weights: Mapping[int, float]) -> bytes:
    """A vector's packed form, in the mapping's order (callers keep the strongest terms first)."""
    values = np.fromiter(weights.values(), dtype=np.float64, count=len(weights))
    numbers = np.fromiter(weights.keys(), dtype=np.int32, count=len(weights))
    norm = math.sqrt(sum(w * w for w in weights.values()))
    return np.float64(norm).tobytes() + values.tobytes() + numbers.tobytes()


def unpack(vector: bytes) -> tuple[float, np.ndarray, np.ndarray]:
    """Norm, weights and term numbers of a packed vector (views on its bytes, nothing copied)."""
    count = (len(vector) - _NORM) // 12
    norm = float(np.frombuffer(vector, dtype=np.float64, count=1)[0])
    weights = np.frombuffer(vector, dtype=np.float64, count=count, offset=_NORM)
    numbers = np.frombuffer(vector, dtype=np.int32, count=count, offset=_NORM + 8 * count)
    return norm, weights, numbers


def items(vector: bytes) -> Iterable[tuple[int, float]]:
    _, weights, numbers = unpack(vector)
    return zip(numbers.tolist(), weights.tolist(), strict=True)


class Probe:
    """One document's vector spread over the whole vocabulary, for fast cosines against packed ones."""

    def __init__(self) -> None:
        self._dense = np.zeros(1024, dtype=np.float64)
        self._marks = np.zeros(1024, dtype=bool)
        self._numbers: list[int] = []
        self._marked: list[int] = []
        self.norm = 0.0

    def load(self, weights: Mapping[int, float], marked: Iterable[int], size: int) -> None:
        """Take a document's weights and a set of marked terms (its headline); ``size`` is the vocabulary's."""
        if size > len(self._dense):
            capacity = max(size, 2 * len(self._dense))
            self._dense = np.zeros(capacity, dtype=np.float64)
            self._marks = np.zeros(capacity, dtype=bool)
        self.clear()
        self._numbers = list(weights)
        self._marked = list(marked)
        self._dense[self._numbers] = list(weights.values())
        self._marks[self._marked] = True
        self.norm = math.sqrt(sum(w * w for w in weights.values()))

    def clear(self) -> None:
        self._dense[self._numbers] = 0.0
        self._marks[self._marked] = False
        self._numbers, self._marked = [], []

    def cosine(self, vector: bytes) -> float:
        norm, weights, numbers = unpack(vector)
        dot = float(self._dense[numbers] @ weights)
        return dot / (self.norm * norm) if dot else 0.0

    def marked_in(self, vector: bytes) -> int:
        """How many of the marked terms ``vector`` carries."""
        return int(np.count_nonzero(self._marks[unpack(vector)[2]]))

    def cosine_unpacked(self, parts: tuple[float, np.ndarray, np.ndarray]) -> float:
        """:meth:`cosine` of a vector already unpacked (kept so by callers that compare it often)."""
        norm, weights, numbers = parts
        dot = float(self._dense[numbers] @ weights)
        return dot / (self.norm * norm) if dot else 0.0

    def marked_in_unpacked(self, numbers: np.ndarray) -> int:
        return int(np.count_nonzero(self._marks[numbers]))


def numbers(vector: bytes) -> np.ndarray:
    """A packed vector's term numbers, strongest first when it was packed so (a view on its bytes)."""
    return unpack(vector)[2]
