"""Feed health: when a source is due again after a success or a failure.

A source is never given up on: after repeated failures it is retried further and further apart,
up to ``fetch.max_backoff`` (a day by default), and one success brings it back to its interval.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from .config import FetchConfig, SourceConfig
from .fetch.politeness import backoff


def next_check_after_success(
    source: SourceConfig, fetch: FetchConfig, now: datetime, fresh_for: float | None = None
) -> datetime:
    """The source's interval, stretched when the server says its answer stays fresh longer (max-age, ttl)."""
    seconds = max(float(source.interval), min(fresh_for or 0.0, float(fetch.max_backoff)))
    return now + timedelta(seconds=seconds)


def next_check_after_failure(
    source: SourceConfig,
    fetch: FetchConfig,
    now: datetime,
    failures: int,
    retry_after: float | None = None,
    rng: random.Random | None = None,
) -> datetime:
    """Exponential backoff from the source's interval, with jitter, capped; never before Retry-After."""
    seconds = backoff(max(0, failures - 1), float(source.interval), float(fetch.max_backoff), rng)
    if retry_after is not None:
        seconds = max(seconds, min(retry_after, float(fetch.max_backoff)))
    return now + timedelta(seconds=seconds)


def is_due(next_check: datetime | None, now: datetime) -> bool:
    return next_check is None or next_check <= now
