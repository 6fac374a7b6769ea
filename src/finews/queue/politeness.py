"""Per-host spacing shared by every worker process, kept in one PostgreSQL row per host.

In one process :class:`~finews.fetch.politeness.HostGate` reserves each host's next start time
under a thread lock. Across processes (and machines) the same reservation is one upsert: the
row lock PostgreSQL takes on ``finews_host_turns`` serializes the workers exactly as the thread
lock serializes threads, and the database's clock is the one clock they all share. Each worker
then sleeps until its reserved time, outside any lock, so other hosts never wait.

Concurrency per host is bounded elsewhere: jobs for one host share a procrastinate ``lock``, so at
most one worker fetches a host's feeds at a time, and inside that job the in-process gate still
caps article-page fetches at ``fetch.per_host``.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import psycopg

from ..fetch.politeness import HostGate

_RESERVE = """
INSERT INTO finews_host_turns AS t (host, next_start)
VALUES (%(host)s, clock_timestamp() + make_interval(secs => %(gap)s))
ON CONFLICT (host) DO UPDATE
    SET next_start = GREATEST(clock_timestamp(), t.next_start) + make_interval(secs => %(gap)s)
RETURNING GREATEST(0, EXTRACT(EPOCH FROM (t.next_start - clock_timestamp())) - %(gap)s)::float8
"""


class SharedHostGate(HostGate):
    """A :class:`HostGate` whose minimum interval holds across all processes using one database."""

    def __init__(
        self,
        conninfo: str,
        per_host: int,
        interval: float,
        *,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        super().__init__(per_host, interval, sleep=sleep)
        self._conninfo = conninfo
        self._connection: psycopg.Connection | None = None
        self._db_lock = threading.Lock()  # one connection, shared by the fetcher's threads

    def reserve(self, host: str) -> float:
        """Book the host's next start; the seconds to wait before it (0 when it is free now)."""
        with self._db_lock:
            for attempt in (0, 1):
                try:
                    if self._connection is None or self._connection.closed:
                        self._connection = psycopg.connect(self._conninfo, autocommit=True)
                    row = self._connection.execute(_RESERVE, {"host": host, "gap": self.interval}).fetchone()
                    return float(row[0]) if row else 0.0
                except psycopg.OperationalError:
                    # a restarted server drops the connection: reconnect once, then let the fetch fail
                    self._drop()
                    if attempt:
                        raise
        return 0.0

    def _wait_turn(self, host: str) -> None:
        # HostGate.slot calls this inside the host's in-process semaphore: only the reservation changes
        if self.interval <= 0:
            return
        wait = self.reserve(host)
        if wait > 0:
            self._sleep(wait)

    def _drop(self) -> None:
        if self._connection is not None:
            try:
                self._connection.close()
            finally:
                self._connection = None

    def close(self) -> None:
        with self._db_lock:
            self._drop()
