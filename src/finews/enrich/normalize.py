"""Text normalization for comparing Chinese news: one canonical string per text.

Two reports of the same news differ in script (Traditional on .tw/.hk mirrors, Simplified elsewhere), in
full/half-width forms (``ＡＩ``/``AI``, ``１０``/``10``), in case and in punctuation. :func:`normalize`
removes all of that and keeps only letters and digits, so character n-grams of the result compare content.

OpenCC (the official ``opencc`` wheel) does Traditional → Simplified with the dictionaries it ships inside the
wheel; nothing is downloaded at run time.
"""

from __future__ import annotations

import re
import threading
import unicodedata

import opencc

__all__ = ["MAX_INPUT_CHARS", "normalize", "shingles", "to_simplified"]

# Anything past this is not needed to tell two news texts apart, and a cap keeps a 1 MB page from costing
# a second of CPU in every layer below.
MAX_INPUT_CHARS = 20_000

# \W under re's Unicode rules is everything but letters, digits and "_": CJK ideographs are letters, so this
# removes punctuation of every width, whitespace, emoji and symbols in one pass.
_NOT_WORD = re.compile(r"[\W_]+")
_local = threading.local()


def _converter() -> opencc.OpenCC:
    # One converter per thread: the C++ converter is cheap to build but not documented as thread-safe.
    conv = getattr(_local, "t2s", None)
    if conv is None:
        conv = _local.t2s = opencc.OpenCC("t2s")
    return conv


def to_simplified(text: str) -> str:
    """Traditional → Simplified Chinese (characters only, no regional phrase substitution)."""
    return _converter().convert(text) if text else ""


def normalize(text: str, limit: int = MAX_INPUT_CHARS) -> str:
    """Canonical comparison form: case folded, width folded (NFKC), Simplified, letters and digits only.

    Only the first ``limit`` characters of ``text`` are read. Punctuation goes before NFKC because NFKC is the
    slow step and almost every string is already NFKC-normal once its full-width punctuation is gone.
    """
    if not text:
        return ""
    out = _NOT_WORD.sub("", text[:limit].casefold())
    if not unicodedata.is_normalized("NFKC", out):
        # Compatibility forms (full-width letters, circled digits, ㈱) may expand to punctuation: strip again.
        out = _NOT_WORD.sub("", unicodedata.normalize("NFKC", out).casefold())
    return to_simplified(out) if not out.isascii() else out


def shingles(norm: str, k: int) -> list[str]:
    """Character ``k``-grams of a normalized string (repeats kept: MinHash ignores them, and a set costs more).

    A string shorter than ``k`` but not empty is its own single shingle, so short titles still compare.
    """
    if len(norm) <= k:
        return [norm] if norm else []
    return [norm[i : i + k] for i in range(len(norm) - k + 1)]
