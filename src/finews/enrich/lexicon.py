"""jieba's dictionary for the entity stages: a segmenter that knows the listed companies, and each word's tag.

Names and companies need a word's dictionary tag (``nr`` a person, ``n`` a common noun …), its
frequency, and a segmenter whose dictionary holds the company names. jieba's own tagger keeps all
that in Python dicts (every word, every prefix of one, every tag): about 115 MB resident. Here the
segmenter is rjieba (jieba-rs: the same dictionary and HMM) in an instance of its own, so the names
added to it change no other segmentation (stories and search cut with rjieba's default instance),
and tags and frequencies sit in numpy arrays keyed by a 64-bit hash of the word: about 30 MB.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from importlib import resources

import numpy as np
import rjieba

from .tickers import company_index

MAX_CACHED_WORDS = 1 << 16
COMPANY_FREQ = 2000  # what a listed company's name weighs in the segmenter: it stays one word
_MASK = (1 << 64) - 1
_P = 0x100000001B3  # the polynomial's base (odd, so it has an inverse modulo 2**64)


def word_hash(word: str) -> int:
    """The word's UTF-8 bytes as a polynomial in ``_P`` modulo 2**64 (what :func:`_hashes` computes in bulk)."""
    value = 0
    for byte in word.encode():
        value = (value * _P + byte) & _MASK
    return value


def _hashes(codes: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """:func:`word_hash` of the UTF-8 ``codes[start:end]`` for every pair, and of every shorter prefix of each.

    One step per character position, over all spans still that long: no Python object per word, and
    nothing bigger than a few arrays of one number per span (numpy's uint64 arithmetic wraps).
    """
    lengths = ends - starts
    value = np.zeros(len(starts), dtype=np.uint64)
    prefixes = []
    for offset in range(int(lengths.max(initial=0))):
        rows = np.flatnonzero(lengths > offset)
        value[rows] = value[rows] * np.uint64(_P) + codes[starts[rows] + offset].astype(np.uint64)
        # a prefix ends where a character does: the next byte does not continue one (10xxxxxx)
        inside = rows[lengths[rows] > offset + 1]
        prefixes.append(value[inside[(codes[starts[inside] + offset + 1] & 0xC0) != 0x80]])
    return value, np.concatenate(prefixes) if prefixes else np.empty(0, dtype=np.uint64)


def _number(codes: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """The decimal numbers written at ``codes[start:end]``."""
    value = np.zeros(len(starts), dtype=np.int64)
    for offset in range(int((ends - starts).max(initial=0))):
        inside = starts + offset < ends
        digit = codes[np.minimum(starts + offset, len(codes) - 1)].astype(np.int64) - ord("0")
        value = np.where(inside, value * 10 + digit, value)
    return value


@dataclass(frozen=True)
class Lexicon:
    segmenter: rjieba.Jieba
    hashes: np.ndarray  # uint64, sorted: dictionary words and every prefix of one
    tags: np.ndarray  # uint8 index into tag_names; 0 for a prefix that is no word
    freqs: np.ndarray  # uint32
    tag_names: tuple[str | None, ...]
    # word → position: news repeats its words, and a lookup in the table costs microseconds of numpy
    # calls; bounded, it is emptied when full
    _positions: dict[str, int] = field(default_factory=dict, compare=False, repr=False)

    def _at(self, word: str) -> int:
        """Position of ``word`` in the table, or -1."""
        at = self._positions.get(word)
        if at is None:
            wanted = np.uint64(word_hash(word))
            at = int(np.searchsorted(self.hashes, wanted))
            at = at if at < len(self.hashes) and self.hashes[at] == wanted else -1
            if len(self._positions) >= MAX_CACHED_WORDS:
                self._positions.clear()
            self._positions[word] = at
        return at

    def tag(self, word: str) -> str | None:
        """The dictionary's part-of-speech tag of ``word``; None when it is not a dictionary word."""
        at = self._at(word)
        return self.tag_names[self.tags[at]] if at >= 0 else None

    def known(self, word: str) -> bool:
        """A dictionary word or the beginning of one (what jieba's segmenter calls known)."""
        return self._at(word) >= 0

    def freq(self, word: str) -> int:
        at = self._at(word)
        return int(self.freqs[at]) if at >= 0 else 0

    def cut(self, text: str, *, hmm: bool = True) -> list[str]:
        return self.segmenter.cut(text, hmm)


@cache
def lexicon() -> Lexicon:
    """jieba's dictionary (its wheel ships it; nothing is downloaded) with the listed companies as ``nt``.

    The dictionary file ("word freq tag" a line) is parsed as bytes in numpy: 349k words and their 520k
    prefixes as Python strings would leave tens of MB of freed-but-kept memory behind.
    """
    segmenter = rjieba.Jieba()
    extra = [n for c in company_index().companies for n in (c.name, *c.aliases) if not n.isascii()]
    for name in extra:
        segmenter.add_word(name, COMPANY_FREQ, "nt")
    data = resources.files("jieba").joinpath("dict.txt").read_bytes().strip(b"\n") + b"\n"
    data += "".join(f"{name} {COMPANY_FREQ} nt\n" for name in extra).encode()  # later lines win, as in jieba
    codes = np.frombuffer(data, dtype=np.uint8)  # UTF-8: the delimiters are single bytes
    line_ends = np.flatnonzero(codes == ord("\n"))
    line_starts = np.concatenate([[0], line_ends[:-1] + 1])
    spaces = np.flatnonzero(codes == ord(" "))
    first = spaces[np.searchsorted(spaces, line_starts)]  # word | freq
    second = spaces[np.searchsorted(spaces, first + 1)]  # freq | tag
    words, prefixes = _hashes(codes, line_starts, first)  # jieba's segmenter knows every prefix of a word
    freqs = _number(codes, first + 1, second)
    tag_hashes, _ = _hashes(codes, second + 1, line_ends)
    tag_names: list[str | None] = [None]
    codes_of: dict[int, int] = {}
    for value, at in zip(*np.unique(tag_hashes, return_index=True), strict=True):
        codes_of[int(value)] = len(tag_names)
        tag_names.append(data[second[at] + 1 : line_ends[at]].decode())
    tags = np.array([codes_of[int(v)] for v in np.unique(tag_hashes)], dtype=np.uint8)[
        np.searchsorted(np.unique(tag_hashes), tag_hashes)
    ]
    keys = np.concatenate([prefixes, words])
    codes_ = np.concatenate([np.zeros(len(prefixes), dtype=np.uint8), tags])
    counts = np.concatenate([np.zeros(len(prefixes), dtype=np.uint32), freqs.astype(np.uint32)])
    # per hash the last word entry wins (a later line, a company over the dictionary), as in jieba's
    # own tables; a bare prefix counts only where no word has that hash
    order = np.lexsort((np.arange(len(keys)), codes_ > 0, keys))
    keys, codes_, counts = keys[order], codes_[order], counts[order]
    last = np.append(keys[1:] != keys[:-1], True)
    return Lexicon(segmenter, keys[last].copy(), codes_[last].copy(), counts[last].copy(), tuple(tag_names))
