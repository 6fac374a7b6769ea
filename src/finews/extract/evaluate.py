"""Extraction quality: the shingle-matching score of the article-extraction benchmark, and corpus loaders.

``aeb`` follows scrapinghub/article-extraction-benchmark's ``evaluate.py`` exactly: tokens are ``\\w+``
matches, shingles are 4 consecutive tokens (a text of fewer tokens is one shingle), each document's
TP/FP/FN are multiset counts normalized to sum 1, precision is averaged over documents that predicted
something, recall over documents that have a ground truth, and F1 is the harmonic mean of those two
averages (not an average of per-document F1).

``cwced`` is the same, with 4-character shingles over the text with all whitespace removed: ``\\w+``
would turn a whole Chinese paragraph into one token, and the ground truth's line breaks are arbitrary.
Punctuation is kept; it is part of the text a reader sees.
"""

from __future__ import annotations

import gzip
import json
import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from statistics import mean

from ..fetch.charset import decode

SHINGLE = 4
_TOKEN = re.compile(r"\w+")
_SPACE = re.compile(r"\s+")
# cwced wraps each saved page in <text id="URL" title=... encoding=...>…</text>; the wrapper is the
# data set's packaging, not the page, and would put everything, <head> included, inside a <text> element.
_CWCED_WRAPPER = re.compile(r"^\s*<text\s+id=\"([^\"]*)\"[^>]*>(.*?)</text>\s*$", re.S)

Shingler = Callable[[str], Counter]


@dataclass(frozen=True)
class Doc:
    id: str
    html: str
    truth: str
    url: str | None = None


@dataclass(frozen=True)
class Score:
    precision: float
    recall: float
    f1: float
    documents: int


def word_shingles(text: str, n: int = SHINGLE) -> Counter:
    tokens = _TOKEN.findall(text or "")
    return Counter(tuple(tokens[i : i + n]) for i in range(max(1, len(tokens) - n + 1)) if tokens[i : i + n])


def char_shingles(text: str, n: int = SHINGLE) -> Counter:
    chars = _SPACE.sub("", text or "")
    return Counter(chars[i : i + n] for i in range(max(1, len(chars) - n + 1)) if chars[i : i + n])


def match(truth: str, prediction: str, shingler: Shingler = word_shingles) -> tuple[float, float, float]:
    """Normalized ``(tp, fp, fn)`` of one document, so long articles weigh no more than short ones."""
    true, pred = shingler(truth), shingler(prediction)
    tp = sum((true & pred).values())
    fp = sum((pred - true).values())
    fn = sum((true - pred).values())
    total = tp + fp + fn
    return (tp / total, fp / total, fn / total) if total else (0.0, 0.0, 0.0)


def score(pairs: Iterable[tuple[str, str | None]], shingler: Shingler = word_shingles) -> Score:
    """Score ``(truth, prediction)`` pairs; a None prediction counts as empty (zero recall)."""
    counts = [match(truth, prediction or "", shingler) for truth, prediction in pairs]
    precisions = [_ratio(tp, fp, fn) for tp, fp, fn in counts if tp + fp > 0]
    recalls = [_ratio(tp, fn, fp) for tp, fp, fn in counts if tp + fn > 0]
    precision = mean(precisions) if precisions else 0.0
    recall = mean(recalls) if recalls else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return Score(precision, recall, f1, len(counts))


def aeb_score(pairs: Iterable[tuple[str, str | None]]) -> Score:
    return score(pairs, word_shingles)


def cwced_score(pairs: Iterable[tuple[str, str | None]]) -> Score:
    return score(pairs, char_shingles)


def _ratio(hit: float, miss: float, other: float) -> float:
    # the benchmark's convention: nothing wrong at all is perfect, nothing right at all is zero
    if miss == other == 0:
        return 1.0
    if hit == miss == 0:
        return 0.0
    return hit / (hit + miss)


def load_aeb(root: Path) -> list[Doc]:
    """``root`` holds ``ground-truth.json`` and ``html/<id>.html.gz`` (UTF-8, as the benchmark reads them)."""
    truth = json.loads((root / "ground-truth.json").read_text(encoding="utf-8"))
    docs = []
    for key, item in sorted(truth.items()):
        html = gzip.decompress((root / "html" / f"{key}.html.gz").read_bytes()).decode("utf-8", "replace")
        docs.append(Doc(key, html, item.get("articleBody") or "", item.get("url")))
    return docs


def load_cwced(root: Path) -> list[Doc]:
    """``root`` holds ``original/<id>.html`` (raw bytes, mixed charsets) and ``cleaned_ground.json``."""
    truth = json.loads((root / "cleaned_ground.json").read_text(encoding="utf-8"))
    docs = []
    for key, item in sorted(truth.items()):
        html, _ = decode((root / "original" / f"{key}.html").read_bytes(), None)
        url = None
        if m := _CWCED_WRAPPER.match(html):
            url, html = m.group(1) or None, m.group(2)
        docs.append(Doc(key, html, item.get("articleBody") or "", url))
    return docs
