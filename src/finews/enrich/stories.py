"""Events: reports of one happening (a launch, a resignation, a ruling), normally within a few days.

Near-duplicates (:mod:`finews.enrich.dedup`) are copies of one report; an event is looser: independently
written reports of the same happening. Successive events of one subject (the launch, its delay, its
release) are linked one level up, in a storyline (:mod:`.threads`).

The method is single-pass clustering, the usual baseline of news event detection (topic detection and
tracking): each document is compared once, on arrival, with the events still open, and joins the best or
opens its own. It keeps up with ingest and gives the same events for the same input, where batch
clustering would re-cut old events every run. Each document is a vector of *salient terms*: jieba's TF-IDF
keywords (its IDF table ships inside the wheel; rjieba cuts the text) of the Simplified title and opening,
title terms counted double because a headline names the event, plus the companies and people the entity
stage found, weighted as terms (entity-plus-content similarity).

What keeps an event from drifting into a topic ("OpenAI", "Windows 11") is what it is compared with: its
*core*, the first ``core_size`` reports, never the sum of all its members. The core's summed terms and
its entities are fixed once the core is full, so a report naming the same company but another happening
has only the event's own vocabulary to agree with. A document joins the best event that

* shares at least ``min_shared`` salient terms with its core, ``min_title_shared`` of them from the
  document's headline (a shared topic such as "AI" or "微软" is not an event),
* names one of the core's companies or people when both have any (terms alone cannot tell
  "宁德时代发布年报" from "贵州茅台发布年报", names can),
* lies within ``open_days`` of its nearest report (an event that has not grown for that long is closed)
  and keeps it within ``max_span_days`` from first to last report,
* and reaches, both with the core's sum and with one of the core's reports, a cosine that rises with the
  days between: ``threshold + gap_penalty * log2(1 + days)``.

The thresholds were chosen on the tuning part of ``tests/data/event_pairs.jsonl`` (judged pairs of the
real niles items); the held-out part says how well they generalize (``bench/understand.py``).
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
from .threads import ThreadIndex, ThreadSettings
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
    return _document_terms(title, text, top_body=top_body, top_title=top_title, body_chars=body_chars)[0]


def _document_terms(
    title: str, text: str, *, top_body: int = 30, top_title: int = 10, body_chars: int = 3000
) -> tuple[dict[str, float], set[str]]:
    """:func:`salient_terms` and the headline's own terms, the title cut once for both."""
    terms: dict[str, float] = defaultdict(float)
    for term, weight in keywords(to_simplified(text[:body_chars]), top_body):
        if _keep(term):
            terms[term.casefold()] += weight
    headline = set()
    for term, weight in keywords(to_simplified(title[:300]), top_title):
        if _keep(term):
            terms[term.casefold()] += 2 * weight
            headline.add(term.casefold())
    return dict(terms), headline


@dataclass(frozen=True)
class StorySettings:
    threshold: float = 0.25  # cosine with the event's core, for reports on the same day
    gap_penalty: float = 0.05  # added per doubling of the days from the event's nearest report
    min_shared: int = 3
    min_title_shared: int = 2  # of the document's headline terms, so a topic ("AI", "微软") alone cannot join
    open_days: float = 3.0  # an event that has not grown for this long (either way in time) takes nothing more
    max_span_days: float = 10.0  # from its first to its last report: an event is a happening, not a topic
    core_size: int = 5  # its first reports, which say what the event is
    story_terms: int = 50  # strongest terms of the core the event is found by
    entity_weight: float = 0.5  # weight of each caller-supplied entity/event term
    specific_after: int = 50  # events held before terms are weighed by how many of them carry each
    specific_floor: float = 0.2  # the least a term common to every event keeps of its weight
    keep_days: float = 14.0  # events are held this long after their last report (late reports may still join)
    threads: ThreadSettings = field(default_factory=ThreadSettings)

    @property
    def horizon_days(self) -> float:
        """How far back a restarted clusterer must read events to resume both levels."""
        return max(self.keep_days, self.threads.thread_days)


@dataclass(slots=True)
class Story:
    """An event's state; its term vectors are packed (see :mod:`.vectors`), read them through the clusterer."""

    id: str  # the id of its first document
    members: list[str] = field(default_factory=list)
    core: list[bytes] = field(default_factory=list)  # term vectors of its first ``core_size`` reports
    profile: bytes = b""  # the core's summed terms, strongest first
    entities: frozenset[str] = frozenset()  # caller-supplied entities of the core reports
    first: float | None = None  # POSIX seconds of the earliest and latest member
    last: float | None = None
    thread: str = ""  # the storyline it belongs to (the id of that storyline's first event)
    slot: int = -1  # its number in the clusterer's postings


@dataclass(frozen=True)
class Assignment:
    story: str
    score: float  # cosine that decided it; 1.0 when following a near-duplicate, 0.0 for a new story
    new: bool
    thread: str = ""


class StoryClusterer:
    """Assigns documents to events, and each new event to a storyline; feed them roughly in publication order.

    Events held longer than ``keep_days`` behind the newest document (never counting past the present)
    are forgotten, and so are storylines quiet for ``thread_days``: a long run holds only what can grow.
    """

    def __init__(self, settings: StorySettings | None = None) -> None:
        self.settings = settings or StorySettings()
        self.stories: dict[str, Story] = {}
        self.story_of: dict[str, str] = {}
        self.threads = ThreadIndex(self.settings.threads)
        self._vocabulary = Vocabulary()
        self._postings: dict[int, array[int]] = {}  # term → slots of the events whose profile has it
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
        """Place one document. ``same_as`` is the near-duplicate it repeats (it then joins that event);
        ``entities`` are extra salient terms (companies, people, event types) from the entity/event stages."""
        stamp = published.astimezone(UTC).timestamp() if published else None
        terms, headline = _document_terms(title, text)
        subjects = frozenset(e.casefold() for e in entities if _keep(e.casefold()))
        if subjects:  # a name jieba cuts in two ("字节" "跳动") is one headline term, not two
            named = title.casefold()
            headline = {t for t in headline if not any(t in e for e in subjects)} | {e for e in subjects if e in named}
        for key in subjects:
            terms[key] = terms.get(key, 0.0) + self.settings.entity_weight
        vocabulary = self._vocabulary
        weights = self._specific({vocabulary.number(term): weight for term, weight in terms.items()})
        ordered = dict(sorted(weights.items(), key=lambda kv: -kv[1]))
        report = vectors.pack(ordered)
        marked = [n for n in map(vocabulary.get, headline) if n is not None]
        self._probe.load(weights, marked, len(vocabulary))
        try:
            story_id: str | None
            if same_as is not None and same_as in self.story_of:
                story_id, score = self.story_of[same_as], 1.0
            else:
                story_id, score = self._best(weights, len(headline), subjects, stamp)
            new = story_id is None
            if story_id is None:
                story = self._open(doc_id)
                story.thread = self.threads.place(doc_id, weights, report, self._probe, len(headline), subjects, stamp)
            else:
                story = self.stories[story_id]
        finally:
            self._probe.clear()
        self._join(story, doc_id, report, subjects, stamp)
        self._close_idle(stamp, keep=story.id)
        return Assignment(story.id, score, new, story.thread)

    def _specific(self, weights: dict[int, float]) -> dict[int, float]:
        """Weights discounted by how many events held in memory carry each term: "AI", "OpenAI" or "发布"
        are in hundreds of them and tell nothing about which happening a report is of, "等灯停表" does.

        This is the incremental IDF of event detection, counted over events rather than documents so a
        restarted clusterer, which takes back its events, weighs terms as the uninterrupted one did.
        A report's weights are fixed when it arrives (what the archive keeps)."""
        events = len(self.stories)
        if events < self.settings.specific_after:
            return weights
        scale = math.log(events + 1)
        floor = self.settings.specific_floor
        postings = self._postings
        return {
            n: w * max(floor, math.log((events + 1) / (len(postings[n]) + 1 if n in postings else 1)) / scale)
            for n, w in weights.items()
        }

    def threshold(self, days: float) -> float:
        """The cosine a document needs to join an event whose nearest report is ``days`` away."""
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
            if stamp is not None and story.first is not None and story.last is not None:
                # to the nearest end of the event, so back-filled older reports still join
                days = max(0.0, story.first - stamp, stamp - story.last) / 86400
                span = (max(story.last, stamp) - min(story.first, stamp)) / 86400
                if days > s.open_days or span > s.max_span_days:
                    continue
            # Both the core as a whole and one of its reports must agree: the sum alone can match a
            # report sharing a little with each, one report alone chains unrelated news.
            needed = self.threshold(days)
            score = probe.cosine(story.profile)
            if score < needed or score <= best_score:
                continue  # the lesser of the two cosines decides: this one already falls short
            score = min(score, max(map(probe.cosine, story.core)))
            if score >= needed and score > best_score:
                best, best_score = story.id, score
        return best, round(best_score, 4)

    def _open(self, doc_id: str) -> Story:
        story = Story(doc_id, slot=len(self._slots))
        self._slots.append(story)
        return story

    def _join(self, story: Story, doc_id: str, report: bytes, subjects: frozenset[str], stamp: float | None) -> None:
        if len(story.core) < self.settings.core_size:  # past its core an event's terms stay as they are
            story.core.append(report)
            story.entities = story.entities | subjects
            self._set_profile(story)
        story.members.append(doc_id)
        if stamp is not None:
            story.first = stamp if story.first is None else min(story.first, stamp)
            story.last = stamp if story.last is None else max(story.last, stamp)
        self.stories[story.id] = story
        self.story_of[doc_id] = story.id

    def _set_profile(self, story: Story) -> None:
        before = {n for n, _ in vectors.items(story.profile)} if story.profile else set()
        if len(story.core) == 1 and len(vectors.numbers(story.core[0])) <= self.settings.story_terms:
            story.profile = story.core[0]  # an event of one report shares that report's bytes
        else:
            merged: dict[int, float] = defaultdict(float)
            for vector in story.core:
                for number, weight in vectors.items(vector):
                    merged[number] += weight
            strongest = sorted(merged.items(), key=lambda kv: -kv[1])[: self.settings.story_terms]
            story.profile = vectors.pack(dict(strongest))
        self._repost(story.slot, before, set(vectors.numbers(story.profile).tolist()))

    def _repost(self, slot: int, before: set[int], after: set[int]) -> None:
        """Move an event's postings from its old profile terms to its new ones."""
        postings = self._postings
        for number in before - after:
            posting = postings[number]
            posting.remove(slot)
            if not posting:
                del postings[number]
        for number in after - before:
            existing = postings.get(number)
            if existing is None:
                postings[number] = array("i", (slot,))
            else:
                existing.append(slot)

    def _close_idle(self, stamp: float | None, keep: str) -> None:
        """Forget the events and storylines nothing can join any more (swept once per day the clock moves)."""
        if stamp is None:
            return
        newest = min(max(stamp, self._newest or stamp), time.time())
        self._newest = newest
        if newest - self._swept_at < 86400:
            return
        self._swept_at = newest
        horizon = newest - self.settings.keep_days * 86400
        for story in [s for s in self.stories.values() if s.last is not None and s.last < horizon and s.id != keep]:
            self.forget(story.id)
        self.threads.close_idle(newest)

    def forget(self, story_id: str) -> None:
        story = self.stories.pop(story_id)
        self._repost(story.slot, set(vectors.numbers(story.profile).tolist()) if story.profile else set(), set())
        self._slots[story.slot] = None
        for member in story.members:
            if self.story_of.get(member) == story_id:
                del self.story_of[member]

    def clusters(self, min_size: int = 1) -> list[Story]:
        """Events with at least ``min_size`` members, largest first."""
        return sorted((s for s in self.stories.values() if len(s.members) >= min_size), key=lambda s: -len(s.members))

    def terms(self, story: Story) -> dict[str, float]:
        """An event's strongest terms with their weights, strongest first."""
        return self._terms_of(story.profile)

    def top_terms(self, story: Story, n: int = 8) -> list[str]:
        return list(self.terms(story))[:n]

    def _terms_of(self, vector: bytes) -> dict[str, float]:
        term = self._vocabulary.term
        return {term(number): weight for number, weight in vectors.items(vector)} if vector else {}

    def state(self, story: Story) -> dict:
        """What the archive keeps of an event so clustering resumes after a restart (plain JSON)."""
        return {
            "core": [self._terms_of(v) for v in story.core],
            "entities": sorted(story.entities),
            "first": story.first,
            "last": story.last,
            "thread": story.thread,
        }

    def restore(self, story_id: str, state: dict, members: list[str]) -> Story:
        """Take back an event saved with :meth:`state` (events in the order they opened, for their storylines).

        A state written before events had a core (``terms`` and ``recent``) comes back as its latest reports.
        """
        number = self._vocabulary.number
        story = self._open(story_id)
        story.members = list(members)
        core = state.get("core") or state.get("recent") or [state.get("terms", {})]
        for terms in core[: self.settings.core_size]:
            weights = sorted(((number(t), float(w)) for t, w in dict(terms).items()), key=lambda kv: -kv[1])
            if weights:
                story.core.append(vectors.pack(dict(weights)))
        story.entities = frozenset(state.get("entities", []))
        story.first, story.last = state.get("first"), state.get("last")
        story.thread = str(state.get("thread") or story_id)
        if story.core:
            self._set_profile(story)
            self.threads.restore(story.thread, story_id, story.core[0], story.entities, story.first)
        self.stories[story.id] = story
        for member in story.members:
            self.story_of[member] = story.id
        return story
