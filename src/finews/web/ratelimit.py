"""A token bucket per client address for the expensive endpoints (search).

Search is the one read that costs real work per request; a loop hammering it from one address
must not starve everyone else. Each address gets ``rate`` requests per minute with bursts up to
the same number; beyond that the answer is 429 with Retry-After.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable

_MAX_CLIENTS = 10_000  # buckets kept; the idlest are forgotten first


class RateLimiter:
    def __init__(self, per_minute: int, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.capacity = float(per_minute)
        self.refill = per_minute / 60.0  # tokens per second
        self._clock = clock
        self._lock = threading.Lock()
        self._buckets: dict[str, tuple[float, float]] = {}  # client → (tokens, last seen)

    def take(self, client: str) -> float:
        """0 when ``client`` may go ahead now, else the seconds until it may."""
        if self.capacity <= 0:
            return 0.0
        now = self._clock()
        with self._lock:
            tokens, seen = self._buckets.pop(client, (self.capacity, now))
            tokens = min(self.capacity, tokens + (now - seen) * self.refill)
            wait = 0.0 if tokens >= 1 else (1 - tokens) / self.refill
            self._buckets[client] = (tokens - 1 if tokens >= 1 else tokens, now)  # most recent last
            if len(self._buckets) > _MAX_CLIENTS:
                del self._buckets[next(iter(self._buckets))]
        return wait


def retry_after(seconds: float) -> str:
    return str(max(1, math.ceil(seconds)))
