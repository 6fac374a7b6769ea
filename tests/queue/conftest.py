"""A fresh PostgreSQL database per test, on the session's throwaway server."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import psycopg
import pytest


@pytest.fixture
def queue_db(postgres_url: str) -> Iterator[str]:
    """A libpq URL of an empty database, dropped afterwards (even with workers still connected)."""
    admin = postgres_url.replace("postgresql+psycopg://", "postgresql://")
    name = f"queue_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    yield f"{admin.rsplit('/', 1)[0]}/{name}"
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
