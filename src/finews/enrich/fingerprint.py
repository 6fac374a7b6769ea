"""Fingerprints for near-duplicate detection: normalized title, MinHash signatures, and their similarity.

A fingerprint is everything :class:`~finews.enrich.dedup.NearDuplicateIndex` keeps per document, in a form
an archive can store (:meth:`Fingerprint.to_bytes`). :func:`similarity` is the near-duplicate score: titles
and bodies weighted; containment (an excerpt, a repost that adds a paragraph) when the headlines share words;
a numbers rule for template headlines; and no title-only match on a headline too generic to tell posts apart.
:func:`reworded` tells, of two near-duplicates, one text at one length (a retitle, a rewording) from one text
grown by another (a follow-up quoting the earlier post, a comment on it) or cut short (a truncated repost).
"""

from __future__ import annotations

import hashlib
import re
import struct
from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np
import rensa

from .normalize import MAX_INPUT_CHARS, normalize, shingles

__all__ = ["Fingerprint", "Settings", "fingerprint", "has_content", "reworded", "similarity", "title_units"]

_DIGITS = re.compile(r"\d+")
_YEAR = re.compile(r"(?:19|20)\d\d")
_QUOTED = re.compile(r"[《【]([^》】]{4,200})[》】]")
_SEED = 20220105  # fixed: signatures are persisted and must compare across processes and versions
_VERSION = 2  # 2 added the text's length; version 1 is still read (its length unknown)
_HEAD_V1 = "<BIdHHH"
_HEAD = "<BIdHHHI"
_NOT_WORD = re.compile(r"[\W_]+")  # what normalize() removes, for counting the rest of a long text cheaply
_WRAPPER_SHINGLES = 10
MIN_QUOTE_CHARS = 8  # normalized characters of a 《…》 span before it can stand for a whole headline
_ASCII_RUN = re.compile(r"[a-z0-9]+")
_ASCII_WORD = 6.0  # average letters of an English word plus its lost space: one unit of information


@dataclass(frozen=True)
class Settings:
    """Everything that changes signatures or decisions; persisted with the index state."""

    body_k: int = 3  # Chinese 3-grams: 2-grams are shared by unrelated texts, 4-grams miss light rewording
    title_k: int = 2  # titles are short; 2-grams still give ~20 shingles
    body_perm: int = 128
    body_bands: int = 40  # × 2 rows: J≈0.25 (an excerpt of a text 3× its size) is a candidate with p≈0.92,
    body_rows: int = 2  # J≈0.05 (unrelated news sharing stock phrases) with p≈0.1, which the verifier rejects
    title_perm: int = 30
    title_bands: int = 10  # 10 × 3 rows: titles at J≈0.7 collide with p≈0.98
    max_body_chars: int = 2000  # the opening decides; the rest costs time and adds boilerplate
    min_body_chars: int = 40  # shorter ("[图片]", a bare link) says nothing; one lead sentence tells reports apart
    min_containment_shingles: int = 80  # the smaller text must be this long before "contained in" counts
    title_support: float = 0.2  # title score below which containment does not count (see :func:`similarity`)
    min_title_units: float = 5.0  # a title-only match needs this much headline (see :func:`title_units`)
    title_weight: float = 0.25
    body_alone: float = 0.85  # body similarity that is a duplicate whatever the titles say
    threshold: float = 0.55  # weighted title/body score for items with bodies
    title_threshold: float = 0.88  # items without a usable body: near-identical titles (one word changed at most)
    window_days: float | None = 14.0  # near-duplicates further apart in time are separate items
    # One text at one length (see :func:`reworded`): a retitle, a rewording, a signature added.
    same_scale: float = 0.8  # the shorter text is at least this share of the longer one
    min_added_chars: int = 20  # a contained text plus this many characters is a follow-up (one sentence)
    min_added_title_chars: int = 2  # the same for bare headlines: "…会议" then "…会议纪要" are two posts
    contained: float = 0.8  # share of the shorter text's shingles inside the longer one for "contained"


@dataclass(frozen=True)
class Fingerprint:
    """What the index keeps per document; :meth:`to_bytes` is its persisted form."""

    title: str  # normalized
    quoted: str  # normalized 《…》/【…】 spans of the raw title, "|"-separated (normalized text has no "|")
    title_sig: bytes
    body_sig: bytes  # empty when the body is shorter than ``min_body_chars``
    body_size: int  # distinct body shingles, for containment
    content_hash: bytes  # blake2b-128 of normalized title + body
    published: float | None  # POSIX seconds
    # normalized characters of the whole text (up to normalize's input cap), not only the signed opening;
    # 0 when unknown (a version-1 fingerprint)
    text_size: int = 0

    def to_bytes(self) -> bytes:
        title = f"{self.title}\x00{self.quoted}".encode()
        published = -1.0 if self.published is None else self.published
        head = struct.pack(
            _HEAD, _VERSION, self.body_size, published, len(title), len(self.title_sig), len(self.body_sig),
            self.text_size,
        )  # fmt: skip
        return head + self.content_hash + title + self.title_sig + self.body_sig

    @classmethod
    def from_bytes(cls, data: bytes) -> Fingerprint:
        version = data[0] if data else None
        if version == _VERSION:
            *fields, text_size = struct.unpack_from(_HEAD, data)
            pos = struct.calcsize(_HEAD)
        elif version == 1:  # archived before lengths were kept: still comparable, its length unknown
            fields, text_size = list(struct.unpack_from(_HEAD_V1, data)), 0
            pos = struct.calcsize(_HEAD_V1)
        else:
            raise ValueError(f"fingerprint version {version}, expected {_VERSION}")
        _, body_size, published, n_title, n_tsig, n_bsig = fields
        content_hash, pos = data[pos : pos + 16], pos + 16
        title, pos = data[pos : pos + n_title].decode("utf-8"), pos + n_title
        title_sig, pos = data[pos : pos + n_tsig], pos + n_tsig
        body_sig = data[pos : pos + n_bsig]
        norm_title, _, quoted = title.partition("\x00")
        return cls(
            norm_title, quoted, title_sig, body_sig, body_size, content_hash, None if published < 0 else published,
            text_size,
        )  # fmt: skip


# Odd 64-bit multipliers (golden ratio, xxhash/murmur primes): one per position in a shingle.
_MIX = np.array([0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9, 0x27D4EB2F165667C5], dtype=np.uint64)


def _shingle_hashes(norm: str, k: int) -> np.ndarray:
    """64-bit hashes of the character ``k``-grams of ``norm``, computed on code points in one numpy pass.

    Hashing in numpy instead of building ``k``-character strings is what keeps signing above 2,000 docs/s.
    """
    codes = np.frombuffer(norm.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    k = min(k, len(codes))
    n = len(codes) - k + 1
    out = codes[:n] * _MIX[0]
    for i in range(1, k):
        out ^= codes[i : i + n] * _MIX[i]
    return out


def _signature(hashes: np.ndarray, num_perm: int) -> bytes:
    matrix = rensa.RMinHash.digest_matrix_from_flat_token_hashes(hashes, [0, len(hashes)], num_perm, _SEED)
    return np.asarray(matrix.to_rows()[0], dtype="<u4").tobytes()


def fingerprint(
    title: str, text: str, published: datetime | None = None, settings: Settings = Settings()
) -> Fingerprint:
    """Normalize and sign one document. Cost is bounded by ``max_body_chars`` whatever the input size."""
    norm_title = normalize(title, limit=500)
    quoted = "|".join(normalize(q, limit=500) for q in _QUOTED.findall(title[:500]))
    # Normalization removes at most all characters, so a raw prefix a few times the budget is enough.
    read = settings.max_body_chars * 2
    norm_read = normalize(text, limit=read)
    norm_body = norm_read[: settings.max_body_chars]
    # The whole length tells a follow-up that repeats a long post and adds news at its end from a repeat:
    # their signed openings are the same. Counted without folding, which keeps lengths as they are.
    text_size = len(norm_read) + (len(_NOT_WORD.sub("", text[read:MAX_INPUT_CHARS])) if len(text) > read else 0)
    title_sig = _signature(_shingle_hashes(norm_title, settings.title_k), settings.title_perm) if norm_title else b""
    body_sig, body_size = b"", 0
    if len(norm_body) >= settings.min_body_chars:
        hashes = _shingle_hashes(norm_body, settings.body_k)
        ordered = np.sort(hashes)  # distinct count by sorting: several times faster than a set or np.unique here
        body_size = 1 + int(np.count_nonzero(ordered[1:] != ordered[:-1]))
        body_sig = _signature(hashes, settings.body_perm)
    digest = hashlib.blake2b(f"{norm_title}\x00{norm_body}".encode(), digest_size=16).digest()
    stamp = published.astimezone(UTC).timestamp() if published else None
    return Fingerprint(norm_title, quoted, title_sig, body_sig, body_size, digest, stamp, text_size)


def _jaccard(a: bytes, b: bytes) -> float:
    if not a or not b or len(a) != len(b):
        return 0.0
    return float(np.count_nonzero(np.frombuffer(a, "<u4") == np.frombuffer(b, "<u4"))) / (len(a) // 4)


def _quotes_other(quoted: str, other: str) -> bool:
    """A reposter quoting the headline whole or cut short: "发布了头条文章：《X》", "#小Q分享# 《X》…", "【X】网页链接".

    A commentary quoting a document name ("就《X》答记者问") does not match the document's own title, which
    carries more than X ("国务院关于X"), so it stays a separate item.
    """
    return bool(other) and any(len(q) >= MIN_QUOTE_CHARS and other.startswith(q) for q in quoted.split("|") if q)


def _title_score(a: str, b: str, k: int) -> float:
    """Shingle similarity of two normalized titles: Jaccard, or containment when one merely wraps the other."""
    if not a or not b:
        return 0.0
    if a == b:
        return 1.0
    sa, sb = set(shingles(a, k)), set(shingles(b, k))
    inter = len(sa & sb)
    score = inter / len(sa | sb)
    small, large = (sa, sb) if len(sa) <= len(sb) else (sb, sa)
    # A reposter's wrapper ("发布了头条文章：《X》 X") adds a few shingles; a commentary on a document
    # ("有关负责同志就《X》答记者问") adds many. Only the first counts as the same title.
    if len(small) >= 8 and len(large - small) <= _WRAPPER_SHINGLES:
        score = max(score, inter / len(small))
    return score


def _numbers_clash(a: str, b: str) -> bool:
    """The titles' numbers differ (another date, version or amount), unless one list starts the other, as when
    a reposter cut the headline short, or does so once a leading year only one title gives is set aside
    ("2026年央视3·15晚会…" / "央视3·15晚会…")."""
    na, nb = _DIGITS.findall(a), _DIGITS.findall(b)
    if not na or not nb:
        return False
    if _YEAR.fullmatch(na[0]) and not _YEAR.fullmatch(nb[0]):
        na = na[1:]
    elif _YEAR.fullmatch(nb[0]) and not _YEAR.fullmatch(na[0]):
        nb = nb[1:]
    shorter, longer = (na, nb) if len(na) <= len(nb) else (nb, na)
    return longer[: len(shorter)] != shorter


def title_units(norm: str) -> float:
    """How much a normalized headline says: one unit per Chinese character, one per ~6 Latin letters or digits.

    Normalization drops spaces, so English words are estimated from letter counts. "Getting Started",
    "Everything" or "Clubhouse 是什么" are worded the same by unrelated posts; with no body to compare,
    such a headline alone is no evidence of a copy.
    """
    ascii_chars = sum(len(run) for run in _ASCII_RUN.findall(norm))
    return len(norm) - ascii_chars + ascii_chars / _ASCII_WORD


def has_content(fp: Fingerprint, settings: Settings = Settings()) -> bool:
    """Whether the fingerprint says enough for an exact content match: a body, or an informative headline."""
    return bool(fp.body_sig) or title_units(fp.title) >= settings.min_title_units


def similarity(a: Fingerprint, b: Fingerprint, settings: Settings = Settings()) -> float:
    """Weighted near-duplicate score in [0, 1] (higher is more alike), comparable to ``settings.threshold``."""
    quoted = _quotes_other(a.quoted, b.title) or _quotes_other(b.quoted, a.title)
    if quoted:
        title = 1.0
    elif _numbers_clash(a.title, b.title):
        title = 0.0
    else:
        title = _title_score(a.title, b.title, settings.title_k)
    if not a.body_sig or not b.body_sig:
        if not quoted and min(title_units(a.title), title_units(b.title)) < settings.min_title_units:
            return 0.0
        # No usable body on one side: the title decides, rescaled so one threshold serves both cases.
        return title * settings.threshold / settings.title_threshold
    jac = _jaccard(a.body_sig, b.body_sig)
    body = jac
    small = min(a.body_size, b.body_size)
    # A repost that adds a paragraph, an excerpt, a question quoting the report: the smaller text is (mostly)
    # inside the larger one, which Jaccard understates. A follow-up or another outlet's report reusing the
    # first report's paragraphs is contained just as well, but carries a headline of its own; so containment
    # counts only when the headlines share enough words.
    if small >= settings.min_containment_shingles and jac > 0 and title >= settings.title_support:
        # |A∩B| from the Jaccard estimate and both set sizes.
        inter = jac * (a.body_size + b.body_size) / (1 + jac)
        body = max(jac, min(1.0, inter / small))
    if body >= settings.body_alone:
        # The same text under another headline (a retitled repost, a question quoting the report) is a copy.
        return max(body, settings.threshold)
    return settings.title_weight * title + (1 - settings.title_weight) * body


def _contained(a: Fingerprint, b: Fingerprint, settings: Settings) -> bool:
    """Whether the smaller body's shingles are (mostly) inside the larger's, from the Jaccard estimate."""
    jac = _jaccard(a.body_sig, b.body_sig)
    inter = jac * (a.body_size + b.body_size) / (1 + jac)
    return inter >= settings.contained * min(a.body_size, b.body_size)


def _title_contained(a: str, b: str, k: int, settings: Settings) -> bool:
    small, large = sorted((set(shingles(a, k)), set(shingles(b, k))), key=len)
    return bool(small) and len(small & large) >= settings.contained * len(small)


def reworded(a: Fingerprint, b: Fingerprint, settings: Settings = Settings()) -> bool:
    """Whether near-duplicates ``a`` and ``b`` are one text at one length: a retitle, a light rewording, a
    signature added. Not when one is the other plus a paragraph (a follow-up quoting the earlier post in
    full, a comment on it) or the other cut short (a truncated repost): :func:`similarity` calls both
    near-duplicates, which is right for a copy by another source, but for the source's own posts they are
    two items, and neither may overwrite the other. Symmetric in ``a`` and ``b``.
    """
    if bool(a.body_sig) != bool(b.body_sig):
        return False  # a text and a bare headline: not one text at one length
    if a.body_sig:
        known = a.text_size > 0 and b.text_size > 0
        small, large = sorted((a.text_size, b.text_size) if known else (a.body_size, b.body_size))
        added, threshold = large - small, settings.min_added_chars
        contained = _contained(a, b, settings)
    else:
        small, large = sorted((len(a.title), len(b.title)))
        added, threshold = large - small, settings.min_added_title_chars
        contained = _title_contained(a.title, b.title, settings.title_k, settings)
    if small < settings.same_scale * large:
        return False
    return not (contained and added >= threshold)
