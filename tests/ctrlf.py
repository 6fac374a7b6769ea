"""What Ctrl+F finds, the truth the search tests measure against: folded text, a query's parts, sampled queries.

The fold is written here independently of finews' own (OpenCC's t2s, the full-width block, lower case),
so a test of the search never checks the search against itself.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterable, Mapping

import opencc
import rjieba

HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_T2S = opencc.OpenCC("t2s")
_WIDTH = {c: c - 0xFEE0 for c in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}


def fold(value: str) -> str:
    """Ctrl+F's view of text: full width → ASCII, lower case, Traditional → Simplified."""
    return _T2S.convert(value.translate(_WIDTH).lower())


def holding(texts: Mapping[object, Iterable[str]], query: str) -> set:
    """The keys of ``texts`` (already folded) that hold every space-separated part of ``query``.

    A part that starts or ends in a Latin letter or digit matches whole tokens there (5g is not in 25gbps).
    """
    found: set | None = None
    for part in fold(query).split():
        start = r"(?<![^\W_" + HAN + "])" if not re.match(f"[{HAN}]", part[:1]) else ""
        end = r"(?![^\W_" + HAN + "])" if not re.match(f"[{HAN}]", part[-1:]) else ""
        pattern = re.compile(start + re.escape(part) + end)
        keys = {key for key, fields in texts.items() if any(pattern.search(t) for t in fields)}
        found = keys if found is None else found & keys
    return found or set()


def sample_queries(texts: list[str], seed: int, per_kind: int = 12) -> dict[str, list[str]]:
    """Queries of each kind drawn from ``texts``: CJK strings of 2, 3, 4 and 6 characters from anywhere,
    whole jieba words, parts of longer words, Latin tokens, mixed Latin and CJK, and two words apart."""
    rng = random.Random(seed)
    run = re.compile(f"[{HAN}]+")
    kinds: dict[str, list[str]] = {}
    for size in (2, 3, 4, 6):
        runs = [r for t in texts for r in run.findall(t) if len(r) >= size]
        picks = (rng.choice(runs) for _ in range(per_kind))
        kinds[f"cjk{size}"] = [r[(s := rng.randint(0, len(r) - size)) : s + size] for r in picks]
    words = [w for t in rng.sample(texts, 40) for w in rjieba.cut(t[:1500]) if run.fullmatch(w)]
    kinds["word"] = rng.sample([w for w in words if 2 <= len(w) <= 4], per_kind)
    longer = rng.sample([w for w in words if len(w) >= 4], per_kind)
    kinds["part"] = [w[1:-1] if len(w) > 3 else w[1:] for w in longer]
    latin = re.compile(r"(?<![A-Za-z0-9])[A-Za-z][A-Za-z0-9]{1,11}(?![A-Za-z0-9])")
    kinds["latin"] = rng.sample(sorted({m for t in texts for m in latin.findall(t)}), per_kind)
    mixed = re.compile(
        f"(?<![A-Za-z0-9])[A-Za-z0-9]{{1,8}}[{HAN}]{{1,2}}|[{HAN}]{{2}}[A-Za-z0-9]{{1,8}}(?![A-Za-z0-9])"
    )
    kinds["mixed"] = rng.sample(sorted({m for t in texts for m in mixed.findall(t)}), per_kind)
    pairs = [w for w in words if len(w) >= 2]
    kinds["words"] = [" ".join(rng.sample(pairs, 2)) for _ in range(per_kind)]
    return kinds
