"""The enrich stage: work that looks across articles after each one is clean.

Each enricher takes the batch of one source check and returns it, possibly changed or shortened.
Later capabilities (near-duplicates, entities, events) register here.
"""

from __future__ import annotations

from collections.abc import Callable

from ..model import Article

Enricher = Callable[[list[Article]], list[Article]]


def drop_repeats(batch: list[Article]) -> list[Article]:
    """Feeds repeat items (same link, or same guid with tracking noise); keep each identity once."""
    seen: set[str] = set()
    kept = []
    for article in batch:
        if article.identity in seen:
            continue
        seen.add(article.identity)
        kept.append(article)
    return kept


ENRICHERS: list[Enricher] = [drop_repeats]


def enrich(batch: list[Article]) -> list[Article]:
    for enricher in ENRICHERS:
        batch = enricher(batch)
    return batch
