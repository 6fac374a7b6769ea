"""Storylines: successive events of one subject over weeks (the launch, then its delay, then its release).

An event (:mod:`.stories`) is one happening, reported within a few days; a storyline links the events
that follow from one another. Each new event is placed once, when it opens, from its first report: it
continues the storyline one of whose latest events' first reports it resembles, or starts a storyline of
its own. A storyline is compared event by event, never as a sum: a sum of weeks of events is a topic
("OpenAI", "Windows 11"), and a topic would take in every event naming it.

A new event continues a storyline when, against one of its latest ``thread_events`` lead reports, it

* shares at least ``thread_title_shared`` of its headline's terms (a storyline is told in headlines:
  "Claude Mythos 5 暂停访问" → "解除 Claude Mythos 5 限制"),
* names one of that report's companies or people, when both have any,
* and reaches the cosine ``thread_threshold``, plus ``thread_gap_penalty`` per doubling of the days between.

A storyline whose last event is older than ``thread_days`` takes no new event and is forgotten.
"""

from __future__ import annotations

import math
from array import array
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from . import vectors
from .vectors import Probe

__all__ = ["Thread", "ThreadIndex", "ThreadSettings"]


@dataclass(frozen=True)
class ThreadSettings:
    thread_threshold: float = 0.2  # cosine with an earlier event's lead report, on the same day
    thread_gap_penalty: float = 0.02  # added per doubling of the days since that event
    thread_title_shared: int = 2  # of the new event's headline terms, found in the earlier lead report
    thread_min_shared: int = 3  # terms in common before a storyline is looked at
    thread_days: float = 45.0  # a storyline quiet this long takes no new event
    thread_events: int = 8  # latest events of a storyline its new event is compared with
    thread_terms: int = 15  # strongest terms of each lead report a storyline is found by


@dataclass(slots=True)
class Thread:
    id: str  # the id of its first event
    events: list[str] = field(default_factory=list)
    leads: list[bytes] = field(default_factory=list)  # packed vector of the latest events' first reports
    unpacked: list[tuple[float, np.ndarray, np.ndarray]] = field(default_factory=list)  # the same, unpacked
    entities: list[frozenset[str]] = field(default_factory=list)  # of those reports, in the same order
    stamps: list[float | None] = field(default_factory=list)
    last: float | None = None
    slot: int = -1


class ThreadIndex:
    """Places each new event in a storyline; feed events roughly in publication order."""

    def __init__(self, settings: ThreadSettings | None = None) -> None:
        self.settings = settings or ThreadSettings()
        self.threads: dict[str, Thread] = {}
        self.thread_of: dict[str, str] = {}  # event id → thread id
        self._postings: dict[int, array[int]] = {}  # term → slots of the threads one of whose leads has it
        self._terms: list[set[int]] = []  # by slot: the terms it is posted under
        self._slots: list[Thread | None] = []

    def place(
        self,
        event_id: str,
        weights: Mapping[int, float],
        lead: bytes,
        probe: Probe,
        headline: int,
        subjects: frozenset[str],
        stamp: float | None,
    ) -> str:
        """The storyline of a new event; ``probe`` holds its first report, its headline terms marked."""
        found = self._best(weights, probe, headline, subjects, stamp)
        thread = self._open(event_id) if found is None else found
        self._add(thread, event_id, lead, subjects, stamp)
        return thread.id

    def restore(
        self, thread_id: str, event_id: str, lead: bytes, subjects: frozenset[str], stamp: float | None
    ) -> None:
        """Take back one event of a storyline (events in the order they opened)."""
        thread = self.threads.get(thread_id) or self._open(thread_id)
        self._add(thread, event_id, lead, subjects, stamp)

    def _best(
        self,
        weights: Mapping[int, float],
        probe: Probe,
        headline: int,
        subjects: frozenset[str],
        stamp: float | None,
    ) -> Thread | None:
        s = self.settings
        postings = [self._postings[n] for n in weights if n in self._postings]
        if not postings or headline == 0:
            return None
        slots, shared = np.unique(np.concatenate([np.frombuffer(p, dtype=np.int32) for p in postings]),
                                  return_counts=True)  # fmt: skip
        title_needed = min(s.thread_title_shared, headline)
        best, best_score = None, 0.0
        for slot in slots[shared >= s.thread_min_shared].tolist():
            thread = self._slots[slot]
            if thread is None:
                continue
            for lead, entities, when in zip(thread.unpacked, thread.entities, thread.stamps, strict=True):
                days = abs(stamp - when) / 86400 if stamp is not None and when is not None else 0.0
                if days > s.thread_days or probe.marked_in_unpacked(lead[2]) < title_needed:
                    continue
                if subjects and entities and not subjects & entities:
                    continue
                score = probe.cosine_unpacked(lead)
                if score >= s.thread_threshold + s.thread_gap_penalty * math.log2(1 + days) and score > best_score:
                    best, best_score = thread, score
        return best

    def _open(self, thread_id: str) -> Thread:
        thread = Thread(thread_id, slot=len(self._slots))
        self._slots.append(thread)
        self._terms.append(set())
        self.threads[thread_id] = thread
        return thread

    def _add(self, thread: Thread, event_id: str, lead: bytes, subjects: frozenset[str], stamp: float | None) -> None:
        keep = self.settings.thread_events
        thread.events.append(event_id)
        thread.leads = [*thread.leads[-(keep - 1) :], lead]
        thread.unpacked = [*thread.unpacked[-(keep - 1) :], vectors.unpack(lead)]
        thread.entities = [*thread.entities[-(keep - 1) :], subjects]
        thread.stamps = [*thread.stamps[-(keep - 1) :], stamp]
        if stamp is not None:
            thread.last = stamp if thread.last is None else max(thread.last, stamp)
        self.thread_of[event_id] = thread.id
        # posted under the strongest terms of the leads it still compares with
        terms = {n for v in thread.leads for n in vectors.numbers(v)[: self.settings.thread_terms].tolist()}
        self._repost(thread.slot, terms)

    def _repost(self, slot: int, terms: set[int]) -> None:
        before = self._terms[slot]
        for number in before - terms:
            posting = self._postings[number]
            posting.remove(slot)
            if not posting:
                del self._postings[number]
        for number in terms - before:
            existing = self._postings.get(number)
            if existing is None:
                self._postings[number] = array("i", (slot,))
            else:
                existing.append(slot)
        self._terms[slot] = terms

    def close_idle(self, newest: float) -> None:
        """Forget the storylines no new event can continue any more."""
        horizon = newest - self.settings.thread_days * 86400
        for thread in [t for t in self.threads.values() if t.last is not None and t.last < horizon]:
            self._repost(thread.slot, set())
            self._slots[thread.slot] = None
            del self.threads[thread.id]
            for event in thread.events:
                if self.thread_of.get(event) == thread.id:
                    del self.thread_of[event]
