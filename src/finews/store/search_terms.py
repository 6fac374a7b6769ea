"""What the archive search indexes and what a query asks for: folded text as CJK bigrams and whole tokens.

Folding (text and query alike, one character for one character so a match found in folded text marks
the same span of the original): full-width forms to ASCII, lower case, Traditional to Simplified
(OpenCC, as :mod:`finews.enrich.normalize`). Private-use characters and lone surrogates are dropped.

Cutting folded text into terms, left to right:

- a run of CJK characters (Han, kana, hangul) gives its overlapping bigrams and then its last
  character alone: 英伟达 → 英伟 伟达 达 (one term per character). Any string of two or more CJK
  characters is then found as a phrase of its bigrams, whatever a word segmenter would have cut.
- any other run of letters and digits is one term, split and folded as SQLite's unicode61 does
  (:mod:`.unicode61`, accents removed): iPhone17 → iphone17, 3.5 → 3 5.
- where punctuation or spaces separate a Latin term from a CJK run (either way round), a gap term
  (:data:`GAP`) stands between them, so ``M4芯片`` (adjacent) differs from ``M4 芯片``. Elsewhere
  no gap is needed: two Latin tokens are always apart, and a run's last character (a term of one
  character) already ends it, so no phrase of bigrams runs across the comma of 芯片，英伟.

A query is cut the same way into phrases (:func:`parse`): each space-separated part of the query is
one phrase, all must appear. A CJK run inside a part is its bigrams, plus its last character when the
part goes on after it (that character ends a run in the text too); a single CJK character at the end
of a part (``A股``) is a prefix term: any term starting with it. A Latin token matches whole tokens
only: ``5G`` is not found in ``25Gbps``, ``iPhone`` not in ``iPhone17``. Punctuation inside a part
asks for some separator there: ``3.5`` also finds ``3,5``; punctuation at the ends of a part is ignored.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..enrich.normalize import to_simplified
from . import unicode61

GAP = "\ue000"  # a private-use character: folding removes it from every text and query, so only gaps are it
MIN_CHARS = 2  # a query of one CJK character would match most of the archive and needs a scan
QUERY_CHARS = 200  # what is read of a query
QUERY_PARTS = 8  # space-separated parts read of a query
MAX_TERMS = 16_000  # terms indexed per article: PostgreSQL keeps no tsvector position past 16383
TITLE_TERMS = 500

_CJK_CHARS = (
    "\u3005\u3007\u3041-\u3096\u309d-\u309f\u30a1-\u30fa\u30fc-\u30ff\u3400-\u4dbf\u4e00-\u9fff"
    "\uac00-\ud7a3\uf900-\ufaff\U00020000-\U0003134f"
)
_PIECES = re.compile(f"([{_CJK_CHARS}]+)|([^{_CJK_CHARS}]+)")  # of a run of token characters
_CJK = re.compile(f"[{_CJK_CHARS}]")
_NOT_AFTER_LETTER = f"(?<![^\\W_{_CJK_CHARS}])"  # not inside a Latin token (a CJK character ends one)
_NOT_BEFORE_LETTER = f"(?![^\\W_{_CJK_CHARS}])"


def _fold_table() -> dict[int, str]:
    table = {code: chr(code - 0xFEE0) for code in range(0xFF01, 0xFF5F)}  # full width → ASCII
    table[0x3000] = " "  # the ideographic space
    table[0x130] = "i"  # İ: the one character whose lower case is two characters
    table[0] = " "  # NUL ends a string in FTS5's query parser
    table.update((code, " ") for code in range(0xE000, 0xF900))  # private use: GAP is one of them
    table.update((code, " ") for code in range(0xD800, 0xE000))  # lone surrogates (undecodable bytes)
    return table


_FOLD = _fold_table()
_TO_FOLD = re.compile("[\x00\u0130\u3000\ud800-\uf8ff\uff01-\uff5e]")


def _separator_class() -> str:
    ranges = []
    for item in unicode61.SEPARATORS.split():
        start, _, end = item.partition("-")
        ranges.append(re.escape(chr(int(start, 16))) + ("-" + re.escape(chr(int(end, 16))) if end else ""))
    return "".join(ranges)


_SEPARATOR_CHARS = _separator_class()  # unicode61's
# one pass over folded text: separators, CJK runs, other runs of token characters (Latin tokens)
_RUNS = re.compile(f"([{_SEPARATOR_CHARS}]+)|([{_CJK_CHARS}]+)|[^{_SEPARATOR_CHARS}{_CJK_CHARS}]+")


def fold(text: str) -> str:
    """``text`` folded for matching: as long as ``text``, character for character."""
    if not text:
        return ""
    folded = _TO_FOLD.sub(lambda m: _FOLD[ord(m.group())], text).lower()
    if folded.isascii():
        return folded
    simplified = to_simplified(folded)
    if len(simplified) == len(folded):
        return simplified
    return "".join(s if len(s := to_simplified(c)) == 1 else c for c in folded)  # keep the 1:1 alignment


def _cut(folded: str) -> tuple[list[str], int]:
    """Terms of folded text, and the length of the CJK run it ends with (0: it ends otherwise)."""
    out: list[str] = []
    append = out.append
    last_run = 0
    apart = True  # at the start of the text or after separators: where a gap term may be due
    for match in _RUNS.finditer(folded):
        separator, run = match.group(1, 2)
        if separator:
            apart = True
            continue
        if apart:
            if out and (last_run > 0) != bool(run):  # Latin, a separator, CJK (or back)
                append(GAP)
            apart = False
        if run:
            out += map(str.__add__, run, run[1:])  # its overlapping bigrams
            append(run[-1])
            last_run = len(run)
        else:
            other = match.group()
            if not other.isascii():
                other = other.translate(unicode61.TABLE)  # accents removed; some characters fold to none
                if not other:
                    continue
            append(other)
            last_run = 0
    return out, last_run


def terms(text: str) -> list[str]:
    """The terms indexed for ``text``."""
    return _cut(fold(text))[0]


def indexed_terms(title: str, body: str) -> tuple[list[str], list[str]]:
    """Title and body terms, bounded so that every position fits a PostgreSQL tsvector."""
    title_terms = terms(title)[:TITLE_TERMS]
    return title_terms, terms(body)[: MAX_TERMS - len(title_terms)]


@dataclass(frozen=True)
class Phrase:
    """One space-separated part of a query: its terms in order; the last may be a prefix."""

    terms: tuple[str, ...]
    prefix: bool
    text: str  # the folded part, for highlighting


@dataclass(frozen=True)
class Query:
    phrases: tuple[Phrase, ...] = ()
    boost: Phrase | None = None  # the parts side by side: an exact phrase, ranked higher, implied by the parts
    reason: str = ""  # why nothing is searched for


def _phrase(part: str) -> Phrase | None:
    cut, last_run = _cut(part)
    if last_run > 1:
        cut.pop()  # the text's run may go on after the query's: its bigrams, not its last character, say so
    if not cut:
        return None
    return Phrase(tuple(cut), last_run == 1, _trim(part))


def _trim(part: str) -> str:
    """``part`` without the separators at its ends (unicode61's: punctuation, symbols, spaces)."""
    kept = [i for i, c in enumerate(part) if c.translate(unicode61.TABLE).strip()]
    return part[kept[0] : kept[-1] + 1] if kept else ""


def parse(query: str) -> Query:
    """The phrases a query asks for, or the reason it asks for nothing (never an error)."""
    folded = fold(query[:QUERY_CHARS])
    parts = list(dict.fromkeys(folded.split()))[:QUERY_PARTS]
    phrases = [p for p in (_phrase(part) for part in parts) if p]
    if not phrases:
        undecodable = "\ufffd" in query or any(0xD800 <= ord(c) < 0xE000 for c in query)
        why = " (bytes that are not UTF-8 are dropped)" if undecodable else ""
        return Query(reason=f"nothing to search for: the query has no letters, digits or CJK characters{why}")
    if any(p.prefix and len(p.terms) == 1 for p in phrases):  # a lone CJK character: most articles hold it
        if len(phrases) == 1:
            return Query(reason=f"one CJK character is too short a query: type at least {MIN_CHARS} characters")
        return Query(reason=f"a word of one CJK character is too short: each needs at least {MIN_CHARS} characters")
    boost = None
    if len(phrases) > 1:
        joined = phrases[0].text
        for p in phrases[1:]:  # CJK beside CJK as one string (苹果发布), anything else with a space (iPhone 17)
            joined += p.text if _CJK.match(joined[-1:]) and _CJK.match(p.text[:1]) else " " + p.text
        boost = _phrase(joined)
    return Query(tuple(phrases), boost)


def pattern(phrase: Phrase) -> str:
    """A regular expression for the phrase in folded text: its part, Latin ends on token boundaries."""
    start = _NOT_AFTER_LETTER if not _CJK.match(phrase.text[:1]) else ""
    end = _NOT_BEFORE_LETTER if not _CJK.match(phrase.text[-1:]) else ""
    return start + re.escape(phrase.text) + end
