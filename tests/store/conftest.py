"""Every storage and search test runs on both backends: a fresh SQLite file, or a fresh PostgreSQL database.

On PostgreSQL each test module gets its own database, copied from a template migrated once per
session; between tests its tables are emptied and its ids restarted (CREATE DATABASE costs about a
second on a busy machine, emptying a few milliseconds). Tests of migrations make their own
databases with ``new_pg_database``.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from finews.store import SQLArchive, open_archive, open_database
from finews.store.schema import metadata

BACKENDS = ("sqlite", "postgresql")
_numbers = itertools.count(1)


def _database_url(server_url: str, name: str) -> str:
    return make_url(server_url).set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def pg_template(postgres_url: str) -> str:
    """The name of a migrated, empty archive database to copy."""
    name = "finews_template"
    admin = create_engine(postgres_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {name}"))
        conn.execute(text(f"CREATE DATABASE {name}"))
    admin.dispose()
    open_database(_database_url(postgres_url, name)).close()  # migrates, then lets go of every connection
    return name


@pytest.fixture
def new_pg_database(request: pytest.FixtureRequest) -> Iterator[Callable[[bool], str]]:
    """Make fresh databases (migrated copies, or empty ones); each is dropped after the test."""
    server = request.getfixturevalue("postgres_url")
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    made: list[str] = []

    def make(migrated: bool = True) -> str:
        name = f"finews_test_{next(_numbers)}"
        template = f" TEMPLATE {request.getfixturevalue('pg_template')} STRATEGY FILE_COPY" if migrated else ""
        with admin.connect() as conn:
            conn.execute(text(f"CREATE DATABASE {name}{template}"))
        made.append(name)
        return _database_url(server, name)

    yield make
    with admin.connect() as conn:
        for name in made:
            conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
    admin.dispose()


@pytest.fixture(scope="module")
def pg_module_database(request: pytest.FixtureRequest) -> Iterator[str]:
    """One migrated database for the module's PostgreSQL tests."""
    server = request.getfixturevalue("postgres_url")
    template = request.getfixturevalue("pg_template")
    name = f"finews_module_{next(_numbers)}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"CREATE DATABASE {name} TEMPLATE {template}"))
    yield _database_url(server, name)
    with admin.connect() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
    admin.dispose()


def _empty(url: str) -> None:
    """Every archive table emptied, ids restarted: as good as a new archive, without creating a database."""
    tables = ", ".join([*(t.name for t in metadata.sorted_tables), "search_docs", "search_df"])
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY"))
        conn.execute(text("UPDATE search_stats SET docs = 0, tokens = 0"))
    engine.dispose()


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def open_store(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> Callable[[], SQLArchive]:
    """Opens the test's archive (the same one each call), on the test's backend."""
    if backend == "sqlite":
        path = tmp_path / "archive.db"
        return lambda: open_archive(path)
    url = request.getfixturevalue("pg_module_database")
    _empty(url)
    return lambda: open_database(url)


@pytest.fixture
def archive(open_store: Callable[[], SQLArchive]) -> Iterator[SQLArchive]:
    store = open_store()
    yield store
    store.close()
