"""The procrastinate app behind ``finews worker`` and ``finews dispatch``, built from finews.toml.

The queue lives in PostgreSQL: ``queue.url`` when set, else the archive's own database
(``storage.url``), so a PostgreSQL deployment needs no second server. Procrastinate's tables and
finews's one table of per-host turns are created on first start, under an advisory lock so the
workers and the dispatcher starting together never race to create them.
"""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

import psycopg
from procrastinate import App, PsycopgConnector
from procrastinate.schema import SchemaManager

from ..config import Config
from ..errors import ConfigError
from ..errors import QueueError as QueueError  # declared in finews.errors, still importable here
from ..redact import without_password

FETCH_TASK = "finews.fetch_source"
# Any constant works: it only has to be the same in every finews process using this database.
_SCHEMA_LOCK = 0x66696E657773  # "finews"

# One row per host: when the next request to it may start, whichever worker sends it.
_TURNS_DDL = """
CREATE TABLE IF NOT EXISTS finews_host_turns (
    host text PRIMARY KEY,
    next_start timestamptz NOT NULL
)
"""


def queue_conninfo(config: Config) -> str:
    """A libpq URL for the queue's database: ``queue.url``, else a PostgreSQL ``storage.url``."""
    url = config.queue.url or getattr(config.storage, "url", "") or ""
    scheme = urlsplit(url).scheme.lower()
    if not scheme.startswith(("postgresql", "postgres")):
        raise ConfigError(
            "the task queue needs PostgreSQL: set storage.url (the archive's database) "
            'or queue.url to "postgresql://user@host/dbname"'
        )
    # SQLAlchemy spells the driver into the scheme (postgresql+psycopg://); libpq does not know it
    return urlunsplit(("postgresql", *urlsplit(url)[1:]))


def build_app(config: Config) -> App:
    """The app with finews's tasks registered; open it with ``app.open()`` or ``app.open_async()``."""
    from .tasks import register

    connector = PsycopgConnector(conninfo=queue_conninfo(config), min_size=1, max_size=4)
    app = App(connector=connector)
    register(app, config)
    return app


def ensure_schema(conninfo: str) -> bool:
    """Create procrastinate's schema and finews's turns table unless present; True if it created them.

    ``apply_schema`` alone fails on a second start (the types already exist), and two processes
    checking at once could both try: the transaction-level advisory lock makes check-and-create one step.
    """
    try:
        with psycopg.connect(conninfo, autocommit=False) as connection:
            connection.execute("SELECT pg_advisory_xact_lock(%s)", (_SCHEMA_LOCK,))
            exists = connection.execute("SELECT to_regclass('procrastinate_jobs') IS NOT NULL").fetchone()
            created = not (exists and exists[0])
            if created:
                connection.execute(SchemaManager.get_schema())  # no parameters: run as one script
            connection.execute(_TURNS_DDL)
            connection.commit()
            return created
    except psycopg.Error as exc:
        raise QueueError(f"task queue database {without_password(conninfo)}: {exc}".strip()) from None
