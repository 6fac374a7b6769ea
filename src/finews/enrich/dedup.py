"""Duplicate detection in layers: canonical URL → guid → content hash → near-duplicate (MinHash + LSH).

Near-duplicates are found on character n-grams of :func:`~finews.enrich.normalize.normalize`\\ d text, so the
same report in Traditional and Simplified script, with other punctuation or another headline still matches.
A pair is a near-duplicate when it carries the same report text (reposted, retitled, lightly reworded, cut
to an excerpt); two independently written reports of one event are not: :mod:`finews.enrich.stories` groups
those. Titles and bodies are weighted; a pair whose titles carry different numbers (dates, versions, amounts)
only counts on its body, which is what separates "2022年11月1日新闻联播" from "…11月12日…".

Signatures come from ``rensa`` (Rust MinHash, ~10× datasketch here); banding is done here over the raw
signature bytes, so the whole state is plain bytes that an archive can store and reload without rehashing.
Besides the bands, a headline is filed under its first characters and each 《…》 span of it under its own, so a
repost quoting a headline ("#分享# 《X》…") meets the original even when few title shingles agree.

    index = NearDuplicateIndex()
    verdict = index.add("a1", title, text, published, source="cnbeta", url=url)
    verdict.action  # "new" | "update" (same source, e.g. retitled) | "link" (another source: "also reported by")
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime
from enum import StrEnum
from typing import Literal

import numpy as np

from .fingerprint import MIN_QUOTE_CHARS, Fingerprint, Settings, fingerprint, has_content, similarity
from .lsh import BucketTable, to_keys

__all__ = ["Fingerprint", "Layer", "Match", "NearDuplicateIndex", "Settings", "Verdict", "fingerprint", "similarity"]


_PREFIX = MIN_QUOTE_CHARS  # a quote this long may stand for a headline, so this much of both must agree
_TITLE, _QUOTE = "t", "q"
# odd multipliers, one per row of a band (products wrap modulo 2**64)
_ROW_MIXERS = np.array([0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9, 0xD6E8FEB86659FD93],
                       dtype=np.uint64)  # fmt: skip
_BODY_SALT, _TITLE_SALT = 0xCBF29CE484222325, 0x84222325CBF29CE4


def _band_keys(sig: bytes, bands: int, rows: int, salt: int) -> np.ndarray:
    """The first ``bands × rows`` values of a signature cut into bands, each band as one 64-bit key.

    Bands of different positions share one table: equal values at two positions would need the same
    minima under different permutations, so the cross-talk is nil. Two rows of 32 bits are the key as
    they are; more are mixed, and a collision only adds a candidate that :func:`similarity` rejects.
    """
    if rows == 2:
        return np.frombuffer(sig, dtype="<u8", count=bands) ^ np.uint64(salt)
    values = np.frombuffer(sig, dtype="<u4", count=bands * rows).reshape(bands, rows).astype(np.uint64)
    return np.bitwise_xor.reduce(values * _ROW_MIXERS[:rows], axis=1) ^ np.uint64(salt)


class Layer(StrEnum):
    URL = "url"
    GUID = "guid"
    CONTENT = "content"
    NEAR = "near"


@dataclass(frozen=True)
class Match:
    doc_id: str
    similarity: float  # 1.0 for the exact layers, else the weighted estimate
    layer: Layer


@dataclass(frozen=True)
class Verdict:
    """What to do with a document: keep as ``new``; ``update`` ``target`` (same article, or the same source
    retitled it); ``link`` to ``target`` as "also reported by" and never publish it on its own."""

    action: Literal["new", "update", "link"]
    target: str | None = None
    matches: list[Match] = field(default_factory=list)


@dataclass
class _Meta:
    source: str
    url: str
    guid: str
    root: str


class NearDuplicateIndex:
    """An in-memory index of recent documents; see the module docstring for the layers and the policy."""

    def __init__(self, settings: Settings | None = None) -> None:
        self.settings = settings or Settings()
        self._fps: dict[str, Fingerprint] = {}
        self._meta: dict[str, _Meta] = {}
        self._by_url: dict[str, str] = {}
        self._by_guid: dict[tuple[str, str], str] = {}
        self._by_hash: dict[bytes, str] = {}
        # One table for all bands of both signatures and the headline prefixes (see :meth:`_keys`).
        self._buckets = BucketTable()

    def __len__(self) -> int:
        return len(self._fps)

    def __contains__(self, doc_id: object) -> bool:
        return doc_id in self._fps

    def fingerprint(self, doc_id: str) -> Fingerprint:
        return self._fps[doc_id]

    # -- building ------------------------------------------------------------------------------------------

    def _keys(self, fp: Fingerprint, *, probe: bool = False, bands: np.ndarray | None = None) -> np.ndarray:
        """LSH band keys of both signatures, plus headline-prefix keys that pair a title with a quote of it.

        A reposter's "#分享# 《X》…" shares few title shingles with "X" itself, so banding alone can miss it.
        Stored keys file a title under its prefix and each 《…》 span under its own; a probe looks its spans up
        among titles and its title among spans (``probe=True``), which is what :func:`similarity` checks.
        """
        title_tag, quote_tag = (_QUOTE, _TITLE) if probe else (_TITLE, _QUOTE)
        prefixes = [hash((title_tag, fp.title[:_PREFIX]))] if len(fp.title) >= _PREFIX else []
        prefixes += [hash((quote_tag, q[:_PREFIX])) for q in fp.quoted.split("|") if len(q) >= _PREFIX]
        return to_keys(self._bands(fp) if bands is None else bands, prefixes)

    def _bands(self, fp: Fingerprint) -> np.ndarray:
        s = self.settings
        bands = []
        if fp.body_sig:
            bands.append(_band_keys(fp.body_sig, s.body_bands, s.body_rows, _BODY_SALT))
        if fp.title_sig:
            bands.append(_band_keys(fp.title_sig, s.title_bands, s.title_perm // s.title_bands, _TITLE_SALT))
        return to_keys(*bands)

    def insert(
        self,
        doc_id: str,
        fp: Fingerprint,
        *,
        source: str = "",
        url: str = "",
        guid: str = "",
        root: str = "",
        _keys: np.ndarray | None = None,
    ) -> None:
        """Index a fingerprint as is (e.g. one reloaded from the archive); replaces an earlier ``doc_id``."""
        if doc_id in self._fps:
            self.remove(doc_id)
        self._fps[doc_id] = fp
        self._meta[doc_id] = _Meta(source, url, guid, root or doc_id)
        if url:
            self._by_url.setdefault(url, doc_id)
        if guid:
            self._by_guid.setdefault((source, guid), doc_id)
        if has_content(fp, self.settings):
            self._by_hash.setdefault(fp.content_hash, doc_id)
        self._buckets.add(doc_id, _keys if _keys is not None else self._keys(fp))

    def remove(self, doc_id: str) -> None:
        fp = self._fps.pop(doc_id, None)
        meta = self._meta.pop(doc_id, None)
        if fp is None or meta is None:
            return
        self._buckets.remove(doc_id)
        for table, key in (
            (self._by_url, meta.url),
            (self._by_guid, (meta.source, meta.guid)),
            (self._by_hash, fp.content_hash),
        ):
            if table.get(key) == doc_id:  # type: ignore[call-overload]
                del table[key]  # type: ignore[arg-type]

    def prune(self, before: datetime) -> int:
        """Forget documents published before ``before`` (they can no longer match inside the window)."""
        limit = before.astimezone(UTC).timestamp()
        old = [d for d, fp in self._fps.items() if fp.published is not None and fp.published < limit]
        for doc_id in old:
            self.remove(doc_id)
        return len(old)

    def trail(self, now: datetime | None = None) -> int:
        """Forget documents further behind the newest one than the window (never counting past ``now``).

        A long ingest would otherwise keep every document it saw; those outside the window can only
        match a back-filled report as old as they are.
        """
        window = self.settings.window_days
        stamps = [fp.published for fp in self._fps.values() if fp.published is not None]
        if window is None or not stamps:
            return 0
        newest = min(max(stamps), (now or datetime.now(UTC)).timestamp())
        return self.prune(datetime.fromtimestamp(newest - window * 86400, UTC))

    # -- looking up ----------------------------------------------------------------------------------------

    def query_fingerprint(
        self, fp: Fingerprint, *, source: str = "", url: str = "", guid: str = "", _keys: np.ndarray | None = None
    ) -> list[Match]:
        """All indexed documents this one duplicates, exact layers first, then near ones by similarity."""
        s = self.settings
        found: dict[str, Match] = {}
        for layer, doc_id in (
            (Layer.URL, self._by_url.get(url) if url else None),
            (Layer.GUID, self._by_guid.get((source, guid)) if guid else None),
            (Layer.CONTENT, self._by_hash.get(fp.content_hash) if has_content(fp, s) else None),
        ):
            if doc_id is not None and doc_id not in found:
                found[doc_id] = Match(doc_id, 1.0, layer)
        candidates = self._buckets.find(_keys if _keys is not None else self._keys(fp, probe=True))
        near = []
        for doc_id in candidates - found.keys():
            other = self._fps[doc_id]
            if not self._in_window(fp, other):
                continue
            score = similarity(fp, other, s)
            if score >= s.threshold:
                near.append(Match(doc_id, round(score, 4), Layer.NEAR))
        near.sort(key=lambda m: -m.similarity)
        return [*found.values(), *near]

    def _in_window(self, a: Fingerprint, b: Fingerprint) -> bool:
        window = self.settings.window_days
        if window is None or a.published is None or b.published is None:
            return True
        return abs(a.published - b.published) <= window * 86400

    def query(self, title: str, text: str, published: datetime | None = None, **ids: str) -> list[Match]:
        return self.query_fingerprint(fingerprint(title, text, published, self.settings), **ids)

    def check(
        self,
        title: str,
        text: str,
        published: datetime | None = None,
        *,
        source: str = "",
        url: str = "",
        guid: str = "",
    ) -> Verdict:
        """The verdict for a document without indexing it."""
        fp = fingerprint(title, text, published, self.settings)
        return self._verdict(self.query_fingerprint(fp, source=source, url=url, guid=guid), source)

    def _verdict(self, matches: list[Match], source: str) -> Verdict:
        if not matches:
            return Verdict("new")
        best = matches[0]
        if best.layer in (Layer.URL, Layer.GUID):
            return Verdict("update", best.doc_id, matches)
        # the source's own earlier version wins over another source's copy of the same text, even a closer one
        own = next((m for m in matches if source and self._meta[m.doc_id].source == source), None)
        if own is not None:
            return Verdict("update", own.doc_id, matches)
        return Verdict("link", self._meta[best.doc_id].root, matches)

    def add(
        self,
        doc_id: str,
        title: str,
        text: str,
        published: datetime | None = None,
        *,
        source: str = "",
        url: str = "",
        guid: str = "",
    ) -> Verdict:
        """Index a document and say what it duplicates. Linked and updating documents share their target's root."""
        fp = fingerprint(title, text, published, self.settings)
        bands = self._bands(fp)
        keys = self._keys(fp, bands=bands)
        found = self.query_fingerprint(
            fp, source=source, url=url, guid=guid, _keys=self._keys(fp, probe=True, bands=bands)
        )
        verdict = self._verdict([m for m in found if m.doc_id != doc_id], source)
        # a link already names its group's root, which may have been pruned since; an update joins its target's
        root = (
            verdict.target
            if verdict.action == "link"
            else self._meta[verdict.target].root
            if verdict.target
            else doc_id
        )
        self.insert(doc_id, fp, source=source, url=url, guid=guid, root=root, _keys=keys)
        return verdict

    def root(self, doc_id: str) -> str:
        """The first document of the group this one was linked or merged into."""
        return self._meta[doc_id].root

    # -- persistence ---------------------------------------------------------------------------------------

    def dumps(self) -> bytes:
        state = {
            "settings": self.settings.__dict__,
            "docs": {
                d: [base64.b64encode(fp.to_bytes()).decode(), m.source, m.url, m.guid, m.root]
                for d, fp in self._fps.items()
                for m in (self._meta[d],)
            },
        }
        return json.dumps(state, ensure_ascii=False).encode("utf-8")

    @classmethod
    def loads(cls, data: bytes) -> NearDuplicateIndex:
        state = json.loads(data)
        # Settings a later version dropped are ignored, so an archived state still loads.
        known = {f.name for f in fields(Settings)}
        index = cls(Settings(**{k: v for k, v in state["settings"].items() if k in known}))
        for doc_id, (fp, source, url, guid, root) in state["docs"].items():
            index.insert(
                doc_id, Fingerprint.from_bytes(base64.b64decode(fp)), source=source, url=url, guid=guid, root=root
            )
        return index
