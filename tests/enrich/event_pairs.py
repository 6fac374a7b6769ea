"""The judged pairs of ``tests/data/event_pairs.jsonl`` and how the clusterer scores on them.

Each line names two niles items (ids as :func:`tests.enrich.corpus.load_niles` makes them, with their URLs
and titles for reading) and a label: ``same_event`` (reports of one happening), ``same_storyline``
(successive events of one subject) or ``unrelated``; ``hard_negative`` marks pairs naming the same
company or person within three days that are not the same event. ``split`` is ``tune`` or ``held_out``:
thresholds are chosen on the first, the second says how well they generalize.

The scores come from clustering the whole niles stream in publication order, near-duplicates and
confident entities included, as ingest does: a pair is one event when both items land in one event.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from finews.enrich.dedup import NearDuplicateIndex
from finews.enrich.entities import CONFIDENT, extract_mentions
from finews.enrich.stories import StoryClusterer, StorySettings
from finews.model import Article

from .corpus import Doc, load_niles

PAIRS = Path(__file__).resolve().parent.parent / "data" / "event_pairs.jsonl"
LABELS = ("same_event", "same_storyline", "unrelated")


@dataclass(frozen=True)
class EventPair:
    a: str
    b: str
    label: str
    hard_negative: bool
    split: str


def load_event_pairs(path: Path = PAIRS) -> list[EventPair]:
    pairs = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            pairs.append(EventPair(row["a"]["id"], row["b"]["id"], row["label"], row["hard_negative"], row["split"]))
    return pairs


def entities_of(doc: Doc) -> list[str]:
    """Confident company and person keys, as ingest passes them to the clusterer."""
    article = Article(source=doc.source, url=doc.url or "", title=doc.title, summary=doc.text)
    return [m.key for m in extract_mentions(article) if m.confidence >= CONFIDENT]


@dataclass
class Placed:
    """Where the stream's items landed: their event, and that event's storyline."""

    event: dict[str, str]
    thread: dict[str, str]
    clusterer: StoryClusterer
    docs: list[Doc]


def cluster_stream(
    docs: Iterable[Doc],
    settings: StorySettings | None = None,
    entities: Callable[[Doc], list[str]] = entities_of,
) -> Placed:
    """Every item through near-duplicates and the clusterer in publication order; nothing is forgotten."""
    ordered = sorted(docs, key=lambda d: (d.published.timestamp() if d.published else 0.0, d.id))
    index, clusterer = NearDuplicateIndex(), StoryClusterer(settings)
    event: dict[str, str] = {}
    thread: dict[str, str] = {}
    for d in ordered:
        verdict = index.add(d.id, d.title, d.text, d.published, source=d.source, url=d.url)
        placed = clusterer.add(d.id, d.title, d.text, d.published, same_as=verdict.target, entities=entities(d))
        event[d.id], thread[d.id] = placed.story, placed.thread
    return Placed(event, thread, clusterer, ordered)


def cluster_niles(corpora: Path, settings: StorySettings | None = None) -> Placed:
    return cluster_stream(load_niles(corpora), settings)


def pair_scores(placed: Placed, pairs: list[EventPair], split: str | None = None) -> dict[str, float]:
    """Same-event precision and recall, storyline recall, and how many hard negatives became one event."""
    chosen = [p for p in pairs if split is None or p.split == split]
    missing = [p for p in chosen if p.a not in placed.event or p.b not in placed.event]
    assert not missing, f"labelled items not in the corpus: {missing[:3]}"
    same_event = [placed.event[p.a] == placed.event[p.b] for p in chosen]
    same_thread = [placed.thread[p.a] == placed.thread[p.b] for p in chosen]
    labels = [p.label for p in chosen]
    tp = sum(s and y == "same_event" for s, y in zip(same_event, labels, strict=True))
    predicted = sum(same_event)
    positives = labels.count("same_event")
    storylines = [t for t, y in zip(same_thread, labels, strict=True) if y == "same_storyline"]
    unrelated = [t for t, y in zip(same_thread, labels, strict=True) if y == "unrelated"]
    hard = [s for s, p in zip(same_event, chosen, strict=True) if p.hard_negative]
    return {
        "pairs": len(chosen),
        "event_p": tp / predicted if predicted else 1.0,
        "event_r": tp / positives if positives else 1.0,
        "storyline_r": sum(storylines) / len(storylines) if storylines else 1.0,
        "unrelated_in_storyline": sum(unrelated) / len(unrelated) if unrelated else 0.0,
        "hard_negatives": len(hard),
        "hard_negatives_merged": sum(hard),
    }


def size_figures(placed: Placed) -> dict[str, float]:
    """How large events grow and how long they last (an event spanning weeks is a topic)."""
    members: dict[str, list[float]] = {}
    for doc in placed.docs:
        members.setdefault(placed.event[doc.id], []).append(doc.published.timestamp() if doc.published else 0.0)
    sizes = sorted((len(m) for m in members.values()), reverse=True)
    spans = sorted((max(m) - min(m)) / 86400 for m in members.values())
    threads = Counter(placed.thread.values())
    return {
        "events": len(sizes),
        "multi_item_events": sum(1 for n in sizes if n > 1),
        "largest": sizes[0] if sizes else 0,
        "size_p99": sizes[len(sizes) // 100] if sizes else 0,
        "share_in_20_plus": sum(n for n in sizes if n >= 20) / max(1, sum(sizes)),
        "span_days_p99": spans[int(0.99 * (len(spans) - 1))] if spans else 0.0,
        "span_days_max": spans[-1] if spans else 0.0,
        "storylines": len(threads),
        "largest_storyline": max(threads.values(), default=0),
    }
