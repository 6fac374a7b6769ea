"""Feed health: when a source is due again after a success or a failure.

A source is never given up on: after repeated failures it is retried further and further apart,
up to ``fetch.max_backoff`` (a day by default), and one success brings it back to its interval.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from .config import FetchConfig, SourceConfig
from .fetch.politeness import backoff
from .model import SourceState


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


def due_at(source: SourceConfig, state: SourceState, *, config_since: datetime | None = None) -> datetime | None:
    """When ``source`` is next due: the stored next check, brought forward when its interval was shortened.

    A next check stored before ``config_since`` (when the caller read its config) was worked out
    with the interval configured then, perhaps a longer one: it comes no later than the last check
    plus today's interval. One stored since was worked out with this config and stands as it is,
    the server's max-age or ttl included. A failing source keeps its backoff and any Retry-After:
    those protect the server, whatever the interval.
    """
    if state.next_check is None or state.last_checked is None or state.consecutive_failures:
        return state.next_check
    if config_since is not None and state.last_checked >= config_since:
        return state.next_check
    return min(state.next_check, state.last_checked + timedelta(seconds=source.interval))


def is_due(next_check: datetime | None, now: datetime) -> bool:
    return next_check is None or next_check <= now
