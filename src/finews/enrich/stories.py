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
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from operator import itemgetter
from pathlib import Path

import rjieba

from .normalize import to_simplified

__all__ = ["Story", "StoryClusterer", "StorySettings", "salient_terms"]

# English words jieba's keyword extractor skips (its own list; Chinese function words are one character)
_STOP_LIST = (
    "all an and are as at be by can for from has have if in is it not of on one or that the then this to we "
    "which with you"
)
_STOP_WORDS = frozenset(_STOP_LIST.split())


@dataclass(frozen=True)
class _IdfTable:
    idf: dict[str, float]
    median: float


@cache
def _idf_table() -> _IdfTable:
    """jieba's IDF table, read straight from the file its wheel ships. ``jieba.analyse`` would give
    the same numbers but importing it loads its TextRank and tagging tables too (80 MB more)."""
    import jieba

    idf: dict[str, float] = {}
    with (Path(jieba.__file__).parent / "analyse" / "idf.txt").open(encoding="utf-8") as lines:
        for line in lines:
            word, _, value = line.strip().partition(" ")
            if value:
                idf[word] = float(value)
    return _IdfTable(idf, sorted(idf.values())[len(idf) // 2])


def _keep(term: str) -> bool:
    # Single characters and bare numbers (years, counts) are shared by unrelated stories.
    return len(term) > 1 and not term.replace(".", "").isdigit()


def keywords(sentence: str, top: int) -> list[tuple[str, float]]:
    """jieba's TF-IDF keywords (its IDF table and stop words), with the text cut by rjieba.

    Same scoring as ``jieba.analyse.extract_tags``; the Rust segmenter makes it about 30× faster,
    which is what lets stories keep up with ingest.
    """
    table = _idf_table()
    freq: dict[str, float] = defaultdict(float)
    for word in rjieba.cut(sentence):
        if len(word.strip()) > 1 and word.lower() not in _STOP_WORDS:
            freq[word] += 1.0
    total = sum(freq.values()) or 1.0
    idf, median = table.idf, table.median
    return heapq.nlargest(top, ((w, f * idf.get(w, median) / total) for w, f in freq.items()), key=itemgetter(1))


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


@dataclass
class Story:
    id: str  # the id of its first document
    members: list[str] = field(default_factory=list)
    terms: dict[str, float] = field(default_factory=dict)
    recent: list[dict[str, float]] = field(default_factory=list)  # term vectors of the latest members
    entities: set[str] = field(default_factory=set)  # caller-supplied entities of all members
    first: float | None = None  # POSIX seconds of the earliest and latest member
    last: float | None = None

    def top_terms(self, n: int = 8) -> list[str]:
        return [t for t, _ in sorted(self.terms.items(), key=lambda kv: -kv[1])[:n]]


@dataclass(frozen=True)
class Assignment:
    story: str
    score: float  # cosine that decided it; 1.0 when following a near-duplicate, 0.0 for a new story
    new: bool


def _cosine(a: dict[str, float], b: dict[str, float]) -> float:
    if len(a) > len(b):
        a, b = b, a
    dot = sum(w * b[t] for t, w in a.items() if t in b)
    if not dot:
        return 0.0
    return dot / (math.sqrt(sum(w * w for w in a.values())) * math.sqrt(sum(w * w for w in b.values())))


class StoryClusterer:
    """Assigns documents to stories incrementally; feed them roughly in publication order."""

    def __init__(self, settings: StorySettings | None = None) -> None:
        self.settings = settings or StorySettings()
        self.stories: dict[str, Story] = {}
        self.story_of: dict[str, str] = {}
        self._postings: dict[str, set[str]] = defaultdict(set)  # term → stories whose top terms include it

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
        if same_as is not None and same_as in self.story_of:
            story_id, score = self.story_of[same_as], 1.0
        else:
            story_id, score = self._best(terms, headline, subjects, stamp)
        new = story_id is None
        story = Story(doc_id) if story_id is None else self.stories[story_id]
        story.entities |= subjects
        self._join(story, doc_id, terms, stamp)
        return Assignment(story.id, score, new)

    def threshold(self, days: float) -> float:
        """The cosine a document needs to join a story that last moved ``days`` ago."""
        return self.settings.threshold + self.settings.gap_penalty * math.log2(1 + max(days, 0.0))

    def _best(
        self, terms: dict[str, float], headline: set[str], subjects: set[str], stamp: float | None
    ) -> tuple[str | None, float]:
        s = self.settings
        shared: dict[str, int] = defaultdict(int)
        for term in terms:
            for story_id in self._postings.get(term, ()):
                shared[story_id] += 1
        best, best_score = None, 0.0
        for story_id, count in shared.items():
            if count < s.min_shared:
                continue
            story = self.stories[story_id]
            if len(headline & story.terms.keys()) < min(s.min_title_shared, len(headline)):
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
            score = min(_cosine(terms, story.terms), max(_cosine(terms, r) for r in story.recent))
            if score >= self.threshold(days) and score > best_score:
                best, best_score = story_id, score
        return best, round(best_score, 4)

    def _join(self, story: Story, doc_id: str, terms: dict[str, float], stamp: float | None) -> None:
        for term in story.terms:
            self._postings[term].discard(story.id)
        merged = dict(story.terms)
        for term, weight in terms.items():
            merged[term] = merged.get(term, 0.0) + weight
        story.terms = dict(sorted(merged.items(), key=lambda kv: -kv[1])[: self.settings.story_terms])
        for term in story.terms:
            self._postings[term].add(story.id)
        story.members.append(doc_id)
        story.recent = [*story.recent[-(self.settings.recent_members - 1) :], terms]
        if stamp is not None:
            story.first = stamp if story.first is None else min(story.first, stamp)
            story.last = stamp if story.last is None else max(story.last, stamp)
        self.stories[story.id] = story
        self.story_of[doc_id] = story.id

    def clusters(self, min_size: int = 1) -> list[Story]:
        """Stories with at least ``min_size`` members, largest first."""
        return sorted((s for s in self.stories.values() if len(s.members) >= min_size), key=lambda s: -len(s.members))

    def restore(self, story: Story) -> None:
        """Take back a story saved earlier (its profile and members), so clustering resumes after a restart."""
        self.stories[story.id] = story
        for member in story.members:
            self.story_of[member] = story.id
        for term in story.terms:
            self._postings[term].add(story.id)
