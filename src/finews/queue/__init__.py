"""Work distribution: ``finews worker`` processes take "fetch source" jobs from a PostgreSQL queue.

procrastinate keeps the jobs; :mod:`.dispatch` enqueues due sources and rescues the jobs of dead
workers, :mod:`.tasks` runs one source per job through the usual pipeline, :mod:`.politeness`
keeps each host's request spacing across all the workers.
"""

from .app import FETCH_TASK, QueueError, build_app, ensure_schema, queue_conninfo
from .dispatch import Dispatcher, DispatchRound, run_dispatcher
from .tasks import host_lock, run_worker

__all__ = [
    "FETCH_TASK",
    "DispatchRound",
    "Dispatcher",
    "QueueError",
    "build_app",
    "ensure_schema",
    "host_lock",
    "queue_conninfo",
    "run_dispatcher",
    "run_worker",
]
