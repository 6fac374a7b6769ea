"""Story clusters: reports of one ongoing event, over days or months, grouped under one story id.

Near-duplicates (:mod:`finews.enrich.dedup`) are copies of one report; a story is looser: independently
written reports that share what the event is about. Each document becomes a vector of *salient terms*:
jieba's TF-IDF keywords (its IDF table ships inside the wheel; rjieba cuts the text) of the Simplified
title and opening, title terms counted double because a headline names the event, plus any entity or event
terms the caller passes in. A story is the sum of its members' vectors, cut to its strongest terms.

A document joins the best story that

* shares at least ``min_shared`` salient terms with it (a single common word like "发布" is no evidence),
  ``min_title_shared`` of them from the document's headline (a shared topic such as "AI" or "微软" is not
  an event),
* and whose cosine similarity reaches a threshold that rises with the time since the story last moved:
  ``threshold + gap_penalty * log2(1 + days)``. Same-day reports need little agreement; a report months
  later must repeat the story's own vocabulary (the 2022-05 "大厂技术大牛出走…离职" piece continues the
  2022-01 "又一大牛出走…王刚离职" story: same people-leaving-big-tech vocabulary, 134 days apart).

Stories idle for more than ``max_gap_days`` are closed: nothing joins them any more. When the caller passes
entities (from the entity stage), a document whose entities share none with a story's does not join it:
terms alone cannot tell "宁德时代发布年报" from "贵州茅台发布年报", names can.
"""

from __future__ import annotations

import heapq
import math
import time
from array import array
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from hashlib import blake2b
from operator import itemgetter
from pathlib import Path

import numpy as np
import rjieba

from . import vectors
from .normalize import to_simplified
from .vectors import Probe, Vocabulary

__all__ = ["Story", "StoryClusterer", "StorySettings", "salient_terms"]

# English words jieba's keyword extractor skips (its own list; Chinese function words are one character)
_STOP_LIST = (
    "all an and are as at be by can for from has have if in is it not of on one or that the then this to we "
    "which with you"
)
_STOP_WORDS = frozenset(_STOP_LIST.split())


@dataclass(frozen=True)
class _IdfTable:
    """Words by their 64-bit hash (sorted) with their IDF: 270k words as a dict of strings took 47 MB."""

    hashes: np.ndarray  # uint64, sorted
    values: np.ndarray  # float64, in the same order
    median: float

    def lookup(self, words: list[str]) -> list[float]:
        """The IDF of each word, the median for words the table lacks."""
        if not words:
            return []
        wanted = np.fromiter((_hash(w) for w in words), dtype=np.uint64, count=len(words))
        at = np.minimum(np.searchsorted(self.hashes, wanted), len(self.hashes) - 1)
        return np.where(self.hashes[at] == wanted, self.values[at], self.median).tolist()


def _hash(word: str) -> int:
    # the same in every process (the built-in hash is salted per process, so which words would share a
    # table entry changed from run to run); of the UTF-8 bytes, as a str's buffer has "XX" equal to "塘"
    return int.from_bytes(blake2b(word.encode(), digest_size=8).digest(), "little")


@cache
def _idf_table() -> _IdfTable:
    """jieba's IDF table, read straight from the file its wheel ships. ``jieba.analyse`` would give
    the same numbers but importing it loads its TextRank and tagging tables too (80 MB more)."""
    import jieba

    idf: dict[int, float] = {}
    with (Path(jieba.__file__).parent / "analyse" / "idf.txt").open(encoding="utf-8") as lines:
        for line in lines:
            word, _, value = line.strip().partition(" ")
            if value:
                idf[_hash(word)] = float(value)  # a later line wins, as in jieba's own dict
    hashes = np.fromiter(idf.keys(), dtype=np.uint64, count=len(idf))
    values = np.fromiter(idf.values(), dtype=np.float64, count=len(idf))
    order = np.argsort(hashes)
    return _IdfTable(hashes[order], values[order], float(np.sort(values)[len(values) // 2]))


def _keep(term: str) -> bool:
    # Single characters and bare numbers (years, counts) are shared by unrelated stories.
    return len(term) > 1 and not term.replace(".", "").isdigit()


def keywords(sentence: str, top: int) -> list[tuple[str, float]]:
    """jieba's TF-IDF keywords (its IDF table and stop words), with the text cut by rjieba.

    Same scoring as ``jieba.analyse.extract_tags``; the Rust segmenter makes it about 30× faster,
    which is what lets stories keep up with ingest.
    """
    freq: dict[str, float] = defaultdict(float)
    for word in rjieba.cut(sentence):
        if len(word.strip()) > 1 and word.lower() not in _STOP_WORDS:
            freq[word] += 1.0
    total = sum(freq.values()) or 1.0
    idf = _idf_table().lookup(list(freq))
    return heapq.nlargest(top, ((w, f * i / total) for (w, f), i in zip(freq.items(), idf, strict=True)),
                          key=itemgetter(1))  # fmt: skip


def salient_terms(
    title: str, text: str, *, top_body: int = 30, top_title: int = 10, body_chars: int = 3000
) -> dict[str, float]:
    """Weighted keywords of a document: title keywords double, body keywords from its opening."""
    terms: dict[str, float] = defaultdict(float)
    for term, weight in keywords(to_simplified(text[:body_chars]), top_body):
        if _keep(term):
            terms[term.casefold()] += weight
    for term, weight in keywords(to_simplified(title[:300]), top_title):
        if _keep(term):
            terms[term.casefold()] += 2 * weight
    return dict(terms)


def _headline_terms(title: str) -> set[str]:
    return {t.casefold() for t, _ in keywords(to_simplified(title[:300]), 10) if _keep(t)}


@dataclass(frozen=True)
class StorySettings:
    threshold: float = 0.25  # cosine for reports on the same day
    gap_penalty: float = 0.01  # added per doubling of the days since the story last moved
    min_shared: int = 3
    min_title_shared: int = 2  # of the document's headline terms, so a topic ("AI", "微软") alone cannot join
    max_gap_days: float = 180.0
    story_terms: int = 50  # a story keeps its strongest terms only, so it cannot drift into everything
    entity_weight: float = 1.5  # weight of each caller-supplied entity/event term
    recent_members: int = 20


@dataclass(slots=True)
class Story:
    """A story's state; its term vectors are packed (see :mod:`.vectors`), read them through the clusterer."""

    id: str  # the id of its first document
    members: list[str] = field(default_factory=list)
    profile: bytes = b""  # its strongest terms, strongest first
    recent: list[bytes] = field(default_factory=list)  # term vectors of the latest members
    entities: frozenset[str] = frozenset()  # caller-supplied entities of all members
    first: float | None = None  # POSIX seconds of the earliest and latest member
    last: float | None = None
    slot: int = -1  # its number in the clusterer's postings


@dataclass(frozen=True)
class Assignment:
    story: str
    score: float  # cosine that decided it; 1.0 when following a near-duplicate, 0.0 for a new story
    new: bool


class StoryClusterer:
    """Assigns documents to stories incrementally; feed them roughly in publication order.

    Stories idle for longer than ``max_gap_days`` behind the newest document (never counting past
    the present) can take in nothing more and are forgotten, so a long run holds only open stories.
    """

    def __init__(self, settings: StorySettings | None = None) -> None:
        self.settings = settings or StorySettings()
        self.stories: dict[str, Story] = {}
        self.story_of: dict[str, str] = {}
        self._vocabulary = Vocabulary()
        self._postings: dict[int, array[int]] = {}  # term → slots of the stories whose profile has it
        self._slots: list[Story | None] = []
        self._probe = Probe()
        self._newest: float | None = None
        self._swept_at = -math.inf

    def add(
        self,
        doc_id: str,
        title: str,
        text: str,
        published: datetime | None = None,
        *,
        same_as: str | None = None,
        entities: Iterable[str] = (),
    ) -> Assignment:
        """Place one document. ``same_as`` is the near-duplicate it repeats (it then joins that story);
        ``entities`` are extra salient terms (companies, people, event types) from the entity/event stages."""
        stamp = published.astimezone(UTC).timestamp() if published else None
        terms = salient_terms(title, text)
        headline = _headline_terms(title)
        subjects = {e.casefold() for e in entities if _keep(e.casefold())}
        for key in subjects:
            terms[key] = terms.get(key, 0.0) + self.settings.entity_weight
        vocabulary = self._vocabulary
        weights = {vocabulary.number(term): weight for term, weight in terms.items()}
        if same_as is not None and same_as in self.story_of:
            story_id, score = self.story_of[same_as], 1.0
        else:
            marked = [n for n in map(vocabulary.get, headline) if n is not None]
            self._probe.load(weights, marked, len(vocabulary))
            try:
                story_id, score = self._best(weights, len(headline), frozenset(subjects), stamp)
            finally:
                self._probe.clear()
        new = story_id is None
        story = self._open(doc_id) if story_id is None else self.stories[story_id]
        story.entities = story.entities | subjects
        self._join(story, doc_id, weights, stamp)
        self._close_idle(stamp)
        return Assignment(story.id, score, new)

    def threshold(self, days: float) -> float:
        """The cosine a document needs to join a story that last moved ``days`` ago."""
        return self.settings.threshold + self.settings.gap_penalty * math.log2(1 + max(days, 0.0))

    def _best(
        self, weights: dict[int, float], headline: int, subjects: frozenset[str], stamp: float | None
    ) -> tuple[str | None, float]:
        s = self.settings
        postings = [self._postings[n] for n in weights if n in self._postings]
        if not postings:
            return None, 0.0
        slots, shared = np.unique(np.concatenate([np.frombuffer(p, dtype=np.int32) for p in postings]),
                                  return_counts=True)  # fmt: skip
        probe, title_needed = self._probe, min(s.min_title_shared, headline)
        best, best_score = None, 0.0
        for slot in slots[shared >= s.min_shared].tolist():
            story = self._slots[slot]
            if story is None or probe.marked_in(story.profile) < title_needed:
                continue
            if subjects and story.entities and not subjects & story.entities:
                continue  # same template, other company: "宁德时代发布年报" is not "贵州茅台发布年报"
            days = 0.0
            if stamp is not None and story.last is not None:
                # Measured to the nearest end of the story, so back-filled older reports still join.
                days = max(0.0, story.first - stamp, stamp - story.last) / 86400  # type: ignore[operator]
            if days > s.max_gap_days:
                continue
            # Both the story as a whole and one actual report in it must agree: the profile alone drifts
            # towards a topic ("Windows 更新") as a story grows, and one report alone chains unrelated news.
            needed = self.threshold(days)
            score = probe.cosine(story.profile)
            if score < needed or score <= best_score:
                continue  # the lesser of the two cosines decides: this one already falls short
            score = min(score, max(map(probe.cosine, story.recent)))
            if score >= needed and score > best_score:
                best, best_score = story.id, score
        return best, round(best_score, 4)

    def _open(self, doc_id: str) -> Story:
        story = Story(doc_id, slot=len(self._slots))
        self._slots.append(story)
        return story

    def _join(self, story: Story, doc_id: str, weights: dict[int, float], stamp: float | None) -> None:
        merged = dict(vectors.items(story.profile)) if story.profile else {}
        before = set(merged)
        for number, weight in weights.items():
            merged[number] = merged.get(number, 0.0) + weight
        strongest = dict(sorted(merged.items(), key=lambda kv: -kv[1])[: self.settings.story_terms])
        report = vectors.pack(dict(sorted(weights.items(), key=lambda kv: -kv[1])))
        # a story of one report whose terms all fit shares that report's bytes
        story.profile = report if not story.members and len(strongest) == len(weights) else vectors.pack(strongest)
        self._repost(story.slot, before, set(strongest))
        story.members.append(doc_id)
        story.recent = [*story.recent[-(self.settings.recent_members - 1) :], report]
        if stamp is not None:
            story.first = stamp if story.first is None else min(story.first, stamp)
            story.last = stamp if story.last is None else max(story.last, stamp)
        self.stories[story.id] = story
        self.story_of[doc_id] = story.id

    def _repost(self, slot: int, before: set[int], after: set[int]) -> None:
        """Move a story's postings from its old profile terms to its new ones."""
        postings = self._postings
        for number in before - after:
            posting = postings[number]
            posting.remove(slot)
            if not posting:
                del postings[number]
        for number in after - before:
            posting = postings.get(number)
            if posting is None:
                postings[number] = array("i", (slot,))
            else:
                posting.append(slot)

    def _close_idle(self, stamp: float | None) -> None:
        """Forget the stories no document can join any more (swept once per day the clock moves)."""
        if stamp is None:
            return
        newest = min(max(stamp, self._newest or stamp), time.time())
        self._newest = newest
        if newest - self._swept_at < 86400:
            return
        self._swept_at = newest
        horizon = newest - self.settings.max_gap_days * 86400
        for story in [s for s in self.stories.values() if s.last is not None and s.last < horizon]:
            self.forget(story.id)

    def forget(self, story_id: str) -> None:
        story = self.stories.pop(story_id)
        self._repost(story.slot, {n for n, _ in vectors.items(story.profile)} if story.profile else set(), set())
        self._slots[story.slot] = None
        for member in story.members:
            if self.story_of.get(member) == story_id:
                del self.story_of[member]

    def clusters(self, min_size: int = 1) -> list[Story]:
        """Stories with at least ``min_size`` members, largest first."""
        return sorted((s for s in self.stories.values() if len(s.members) >= min_size), key=lambda s: -len(s.members))

    def terms(self, story: Story) -> dict[str, float]:
        """A story's strongest terms with their weights, strongest first."""
        return self._terms_of(story.profile)

    def top_terms(self, story: Story, n: int = 8) -> list[str]:
        return list(self.terms(story))[:n]

    def _terms_of(self, vector: bytes) -> dict[str, float]:
        term = self._vocabulary.term
        return {term(number): weight for number, weight in vectors.items(vector)} if vector else {}

    def state(self, story: Story) -> dict:
        """What the archive keeps of a story so clustering resumes after a restart (plain JSON)."""
        return {
            "terms": self.terms(story),
            "recent": [self._terms_of(r) for r in story.recent],
            "entities": sorted(story.entities),
            "first": story.first,
            "last": story.last,
        }

    def restore(self, story_id: str, state: dict, members: list[str]) -> Story:
        """Take back a story saved with :meth:`state`."""
        number = self._vocabulary.number
        story = self._open(story_id)
        story.members = list(members)
        profile = {number(t): float(w) for t, w in dict(state.get("terms", {})).items()}
        story.profile = vectors.pack(profile) if profile else b""
        story.recent = [vectors.pack({number(t): float(w) for t, w in r.items()}) for r in state.get("recent", [])]
        story.entities = frozenset(state.get("entities", []))
        story.first, story.last = state.get("first"), state.get("last")
        self._repost(story.slot, set(), set(profile))
        self.stories[story.id] = story
        for member in story.members:
            self.story_of[member] = story.id
        return story
