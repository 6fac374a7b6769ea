"""Shared fixtures: real data from ../shared when present, a fresh archive, a config."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from finews.config import Config, config_from_dict
from finews.store import SQLArchive, open_archive

from .requirements import need_path

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("FINEWS_SHARED", ROOT.parent / "shared"))
CORPORA = SHARED / "corpora"
REFERENCE = SHARED / "reference"


def need(path: Path) -> Path:
    """``path`` if it exists; otherwise skip, saying what is missing (a user's clone has no ../shared; CI fails)."""
    return need_path(path)


@pytest.fixture
def corpora() -> Path:
    return need(CORPORA)


@pytest.fixture
def reference() -> Path:
    return need(REFERENCE)


@pytest.fixture
def archive(tmp_path: Path) -> SQLArchive:
    store = open_archive(tmp_path / "archive.db")
    yield store
    store.close()


# Loopback servers need no politeness; tests that check it set these themselves.
FAST_FETCH = {"host_interval": 0, "retry_wait": 0.01, "allow_private": True}


def make_config(tmp_path: Path, sources: list[dict] | None = None, **sections: dict) -> Config:
    sections["fetch"] = {**FAST_FETCH, **sections.get("fetch", {})}
    return config_from_dict({"sources": sources or [], **sections}, base_dir=tmp_path)


@pytest.fixture
def config(tmp_path: Path) -> Config:
    return make_config(tmp_path)


@pytest.fixture(scope="session")
def postgres_url() -> str:
    """A running PostgreSQL server (started once per test session) as a SQLAlchemy URL.

    ``make test`` installs the Debian server; without it the PostgreSQL suites fail rather
    than skip, so a missing install step cannot pass unnoticed.
    """
    from .pgserver import postgres_server

    with postgres_server() as url:
        yield url
