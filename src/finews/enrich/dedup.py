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

A source's own near-duplicate updates its earlier item only when the two are one text at one length
(:func:`~finews.enrich.fingerprint.reworded`: retitled, reworded, signed). A follow-up that quotes the earlier
post in full and adds news, or a shorter repost cut from it, is a new item that ``follows`` the earlier one
(same story, never overwriting it): an item the source published stays published.
"""

from __future__ import annotations

import time
from array import array
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from hashlib import blake2b
from typing import Literal, TypedDict, Unpack

import numpy as np

from .fingerprint import MIN_QUOTE_CHARS, Fingerprint, Settings, fingerprint, has_content, reworded, similarity
from .lsh import MERGE_AT, BucketTable, to_keys

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


class Ids(TypedDict, total=False):
    """The exact keys a document may be looked up by."""

    source: str
    url: str
    guid: str


@dataclass(frozen=True)
class Verdict:
    """What to do with a document: keep as ``new``; ``update`` ``target`` (same article, or the same source
    retitled it); ``link`` to ``target`` as "also reported by" and never publish it on its own.

    A ``new`` document may ``follow`` the same source's earlier one it repeats and extends (or repeats in
    part): a separate article in that one's story."""

    action: Literal["new", "update", "link"]
    target: str | None = None
    matches: list[Match] = field(default_factory=list)
    follows: str | None = None


class NearDuplicateIndex:
    """An in-memory index of recent documents; see the module docstring for the layers and the policy.

    Documents are numbered by slot. Each keeps its fingerprint in its persisted form (``bytes``, read
    back only for candidates), its source, its group's root and when it arrived; its URL, guid and
    content hash are only filed as keys: about 1.5 KB a document, a third of what it held as objects.
    With ``stored`` (the archive's fingerprints by document), :meth:`release` drops the fingerprints
    the archive now holds and candidates read theirs back from it: about 0.7 KB a document.
    """

    def __init__(
        self, settings: Settings | None = None, *, stored: Callable[[list[str]], dict[str, bytes]] | None = None
    ) -> None:
        self.settings = settings or Settings()
        self._stored = stored
        self._held: list[int] = []  # slots whose fingerprint is in memory until the next release()
        self._published = array("d")  # POSIX seconds, -1 for none (as the persisted form says it)
        self._ids: list[str | None] = []  # slot → document, None once removed
        self._slot_of: dict[str, int] = {}
        self._prints: list[bytes | None] = []  # Fingerprint.to_bytes()
        self._sources: list[str] = []
        self._roots: list[str | None] = []  # None: the document is its own group's root
        self._arrived = array("d")  # POSIX seconds
        self._names: dict[str, str] = {}  # one string per source name, shared by its documents
        # One table for all bands of both signatures and the headline prefixes (see :meth:`_keys`) …
        self._buckets = BucketTable()
        # … and one for the exact layers: URL, (source, guid) and content hash, each salted apart.
        self._exact = BucketTable()

    def __len__(self) -> int:
        return len(self._slot_of)

    def __contains__(self, doc_id: object) -> bool:
        return doc_id in self._slot_of

    def fingerprint(self, doc_id: str) -> Fingerprint:
        return Fingerprint.from_bytes(self.fingerprint_bytes(doc_id))

    def fingerprint_bytes(self, doc_id: str) -> bytes:
        found = self._prints_of({doc_id: self._slot_of[doc_id]})
        if doc_id not in found:
            raise KeyError(f"{doc_id}: released, and the archive has no fingerprint for it")
        return found[doc_id]

    def _prints_of(self, slots: dict[str, int]) -> dict[str, bytes]:
        """Fingerprints by document: those in memory, the others from the archive (when it has them)."""
        prints = self._prints
        found = {doc_id: data for doc_id, slot in slots.items() if (data := prints[slot]) is not None}
        missing = [doc_id for doc_id in slots if doc_id not in found]
        if missing and self._stored is not None:
            found.update(self._stored(missing))
        return found

    def release(self, *, keep: set[str] | frozenset[str] = frozenset()) -> int:
        """Drop from memory the fingerprints added since the last release (the archive has them now),
        except those of ``keep``; a no-op without ``stored``. Returns how many were dropped."""
        if self._stored is None:
            return 0
        dropped = 0
        for slot in self._held:
            if self._ids[slot] is not None and self._ids[slot] not in keep:
                self._prints[slot] = None
                dropped += 1
        self._held = []  # what ``keep`` kept stays in memory for good
        return dropped

    # -- building ------------------------------------------------------------------------------------------

    def _keys(self, fp: Fingerprint, *, probe: bool = False, bands: np.ndarray | None = None) -> np.ndarray:
        """LSH band keys of both signatures, plus headline-prefix keys that pair a title with a quote of it.

        A reposter's "#分享# 《X》…" shares few title shingles with "X" itself, so banding alone can miss it.
        Stored keys file a title under its prefix and each 《…》 span under its own; a probe looks its spans up
        among titles and its title among spans (``probe=True``), which is what :func:`similarity` checks.
        """
        title_tag, quote_tag = (_QUOTE, _TITLE) if probe else (_TITLE, _QUOTE)
        prefixes = [_stable_hash(f"{title_tag}\x00{fp.title[:_PREFIX]}")] if len(fp.title) >= _PREFIX else []
        prefixes += [_stable_hash(f"{quote_tag}\x00{q[:_PREFIX]}") for q in fp.quoted.split("|") if len(q) >= _PREFIX]
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
        arrived: float | None = None,
        _keys: np.ndarray | None = None,
    ) -> None:
        """Index a fingerprint as is (e.g. one reloaded from the archive); replaces an earlier ``doc_id``.
        ``arrived`` (POSIX seconds, default now) is what :meth:`trail` forgets it by."""
        self.remove(doc_id)
        slot = len(self._ids)
        self._ids.append(doc_id)
        self._slot_of[doc_id] = slot
        self._prints.append(fp.to_bytes())
        self._published.append(-1.0 if fp.published is None else fp.published)
        if self._stored is not None:
            self._held.append(slot)
        self._sources.append(self._names.setdefault(source, source))
        self._roots.append(root if root and root != doc_id else None)
        self._arrived.append(time.time() if arrived is None else arrived)
        exact = [_exact_key(Layer.URL, url)] if url else []
        if guid:
            exact.append(_exact_key(Layer.GUID, f"{source}\x00{guid}"))
        if has_content(fp, self.settings):
            exact.append(_exact_key(Layer.CONTENT, fp.content_hash))
        self._exact.add(slot, to_keys(exact))
        self._buckets.add(slot, _keys if _keys is not None else self._keys(fp))

    def remove(self, doc_id: str) -> None:
        slot = self._slot_of.pop(doc_id, None)
        if slot is None:
            return
        self._ids[slot] = self._prints[slot] = self._roots[slot] = None
        gone = len(self._ids) - len(self._slot_of)
        if gone > max(MERGE_AT // 8, len(self._slot_of)):
            self._compact()  # more forgotten than known: drop their entries and renumber

    def _compact(self) -> None:
        alive = np.fromiter((d is not None for d in self._ids), dtype=bool, count=len(self._ids))
        renumbered = np.where(alive, np.cumsum(alive) - 1, -1)
        kept = np.flatnonzero(alive).tolist()
        self._ids = [self._ids[i] for i in kept]
        self._prints = [self._prints[i] for i in kept]
        self._published = array("d", (self._published[i] for i in kept))
        self._held = [int(renumbered[s]) for s in self._held if renumbered[s] >= 0]
        self._sources = [self._sources[i] for i in kept]
        self._roots = [self._roots[i] for i in kept]
        self._arrived = array("d", (self._arrived[i] for i in kept))
        self._slot_of = {doc_id: slot for slot, doc_id in enumerate(self._ids) if doc_id is not None}  # all kept
        self._buckets.renumber(renumbered)
        self._exact.renumber(renumbered)

    def prune(self, before: datetime) -> int:
        """Forget documents published before ``before`` (they can no longer match inside the window)."""
        limit = before.astimezone(UTC).timestamp()
        old = [d for d, at in zip(self._ids, self._published, strict=True) if d is not None and 0 <= at < limit]
        for doc_id in old:
            self.remove(doc_id)
        return len(old)

    def trail(self, now: datetime | None = None) -> int:
        """Forget the documents that arrived longer than the window ago.

        What came in during the window is what a new report may repeat: an archive resumes with the
        same documents (:meth:`Understanding.resume`), so a process that runs for weeks holds no more.
        """
        window = self.settings.window_days
        if window is None or not self._slot_of:
            return 0
        limit = (now or datetime.now(UTC)).timestamp() - window * 86400
        arrived = np.frombuffer(self._arrived, dtype=np.float64)
        old = [self._ids[i] for i in np.flatnonzero(arrived < limit).tolist()]
        for doc_id in old:
            if doc_id is not None:
                self.remove(doc_id)
        return sum(d is not None for d in old)

    # -- looking up ----------------------------------------------------------------------------------------

    def query_fingerprint(
        self, fp: Fingerprint, *, source: str = "", url: str = "", guid: str = "", _keys: np.ndarray | None = None
    ) -> list[Match]:
        """All indexed documents this one duplicates, exact layers first, then near ones by similarity."""
        return self._query(fp, source=source, url=url, guid=guid, keys=_keys)[0]

    def _query(
        self, fp: Fingerprint, *, source: str, url: str, guid: str, keys: np.ndarray | None
    ) -> tuple[list[Match], dict[str, Fingerprint]]:
        """The matches, and the fingerprints read on the way (of the near ones)."""
        s = self.settings
        found: dict[str, Match] = {}
        for layer, doc_id in (
            (Layer.URL, self._first(Layer.URL, url) if url else None),
            (Layer.GUID, self._first(Layer.GUID, f"{source}\x00{guid}") if guid else None),
            (Layer.CONTENT, self._first(Layer.CONTENT, fp.content_hash) if has_content(fp, s) else None),
        ):
            if doc_id is not None and doc_id not in found:
                found[doc_id] = Match(doc_id, 1.0, layer)
        candidates = self._buckets.find(keys if keys is not None else self._keys(fp, probe=True))
        near = []
        read: dict[str, Fingerprint] = {}
        ids = self._ids
        alive = {doc_id: c for c in candidates if (doc_id := ids[c]) is not None and doc_id not in found}
        for doc_id, data in self._prints_of(alive).items():
            try:
                other = Fingerprint.from_bytes(data)
            except ValueError:  # archived by another version of the fingerprinting
                continue
            if not self._in_window(fp, other):
                continue
            score = similarity(fp, other, s)
            if score >= s.threshold:
                near.append(Match(doc_id, round(score, 4), Layer.NEAR))
                read[doc_id] = other
        near.sort(key=lambda m: -m.similarity)
        return [*found.values(), *near], read

    def _first(self, layer: Layer, value: str | bytes) -> str | None:
        """The earliest document still indexed under an exact key (as the first report is the root)."""
        slots = self._exact.get(_exact_key(layer, value))
        return min((doc for s in slots if (doc := self._ids[s]) is not None), key=self._slot_of.__getitem__,
                   default=None)  # fmt: skip

    def _in_window(self, a: Fingerprint, b: Fingerprint) -> bool:
        window = self.settings.window_days
        if window is None or a.published is None or b.published is None:
            return True
        return abs(a.published - b.published) <= window * 86400

    def query(self, title: str, text: str, published: datetime | None = None, **ids: Unpack[Ids]) -> list[Match]:
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
        matches, read = self._query(fp, source=source, url=url, guid=guid, keys=None)
        return self._verdict(fp, matches, source, read)

    def _verdict(self, fp: Fingerprint, matches: list[Match], source: str, read: dict[str, Fingerprint]) -> Verdict:
        if not matches:
            return Verdict("new")
        best = matches[0]
        if best.layer in (Layer.URL, Layer.GUID):
            return Verdict("update", best.doc_id, matches)  # the source says it is the same item
        # the source's own earlier version wins over another source's copy of the same text, even a closer one
        own = [m for m in matches if source and self._sources[self._slot_of[m.doc_id]] == source]
        if not own:
            return Verdict("link", self.root(best.doc_id), matches)
        prints = self._prints_of({m.doc_id: self._slot_of[m.doc_id] for m in own if m.doc_id not in read})
        for match in own:
            other = read.get(match.doc_id)
            if other is None and match.doc_id in prints:
                try:
                    other = Fingerprint.from_bytes(prints[match.doc_id])
                except ValueError:  # archived by another version of the fingerprinting
                    other = None
            if other is not None and reworded(fp, other, self.settings):
                return Verdict("update", match.doc_id, matches)
        # The source's follow-up to its own post (or a part of it posted again): the other sources' copies
        # match it through that post, so it is no copy of theirs either. A new item, in that post's story.
        return Verdict("new", matches=matches, follows=own[0].doc_id)

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
        found, read = self._query(fp, source=source, url=url, guid=guid, keys=self._keys(fp, probe=True, bands=bands))
        verdict = self._verdict(fp, [m for m in found if m.doc_id != doc_id], source, read)
        # a link already names its group's root, which may have been pruned since; an update joins its target's
        # (a root of None or of the document itself is stored alike: as none)
        if verdict.action == "link":
            root = verdict.target or doc_id
        else:
            root = self.root(verdict.target) if verdict.target else doc_id
        self.insert(doc_id, fp, source=source, url=url, guid=guid, root=root, _keys=keys)
        return verdict

    def root(self, doc_id: str) -> str:
        """The first document of the group this one was linked or merged into."""
        return self._roots[self._slot_of[doc_id]] or doc_id


def _exact_key(layer: Layer, value: str | bytes) -> int:
    """One 64-bit key per exact value, salted by layer."""
    data = value if isinstance(value, bytes) else value.encode()
    return _stable_hash(layer.value.encode() + b"\x00" + data)


def _stable_hash(value: str | bytes) -> int:
    """A 64-bit key that every process computes alike (the built-in ``hash`` is salted per process, so
    which keys collide, and with them which candidates a lookup meets, would change from run to run).
    Of the UTF-8 bytes: a str's own hash reads its internal buffer, where "XX" and "塘" (U+5858) agree."""
    data = value if isinstance(value, bytes) else value.encode()
    return int.from_bytes(blake2b(data, digest_size=8).digest(), "little")
