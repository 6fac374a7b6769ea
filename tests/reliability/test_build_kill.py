"""A full build killed with SIGKILL mid-way leaves its staging folder; the next build of any kind removes it.

The real ``finews build --full`` runs in its own process (forked by the zygote) and is killed once
its staging folder beside the site holds pages; then an incremental ``finews build``, and after
another kill a ``finews build --full``, must leave no ``.site.building-*`` or ``.site.old-*``
folder and a whole site.
"""

from __future__ import annotations

import os
import signal
import sqlite3
from pathlib import Path

import pytest

from ..publish.safety import finews, write_project
from .harness import Zygote, published_slugs

ARTICLES = 600  # a full build of these takes seconds: long enough to be caught with pages half written


def _leftovers(project: Path) -> list[str]:
    return sorted(p.name for p in project.iterdir() if p.name.startswith((".site.building-", ".site.old-")))


def _kill_a_full_build(zygote: Zygote, config: Path, log: Path) -> Path:
    """Start ``finews build --full``, SIGKILL it while it writes pages aside; the staging folder it left."""
    pid = zygote.start(["build", "--full", "-c", str(config)], log)
    while True:
        staging = sorted(config.parent.glob(".site.building-*"))
        if staging and sum(1 for _ in (staging[0] / "a").glob("*.html")) >= 50:
            break
        code = zygote.wait(0.02)
        assert code is None, f"the build ended (exit {code}) before it could be killed: {log.read_text()}"
    os.kill(pid, signal.SIGKILL)
    assert zygote.wait(60) == -signal.SIGKILL
    assert staging[0].is_dir()  # what the kill left, as users found it
    return staging[0]


def _build(project: Path, *args: str) -> None:
    """A build to the end, as a user runs it (its own interpreter, which waits for the old site's removal)."""
    result = finews("build", "-c", str(project / "finews.toml"), *args, cwd=project)
    assert result.returncode == 0, result.stderr


def _assert_whole(project: Path) -> None:
    site = project / "site"
    assert {p.stem for p in (site / "a").glob("*.html")} == published_slugs(project / "finews.db")
    with sqlite3.connect(site / ".finews-state.db") as state:
        listed = [row[0] for row in state.execute("SELECT path FROM files WHERE hash != ''")]
    missing = [path for path in listed if not (site / path).is_file()]
    assert "index.html" in listed and not missing, missing[:5]
    assert not (site / ".finews-journal").exists()


@pytest.fixture
def project(tmp_path: Path) -> Path:
    write_project(tmp_path / "desk", ARTICLES)
    return tmp_path / "desk"


def test_a_killed_full_builds_staging_folder_goes_with_the_next_build(project, zygote):
    config = project / "finews.toml"
    _build(project)
    (project / "site/CNAME").write_text("news.example.com\n")

    left = _kill_a_full_build(zygote, config, project / "killed-1.log")
    size = sum(p.stat().st_size for p in left.rglob("*") if p.is_file())
    _build(project)
    print(f"\nkilled full build left {size / 1e6:.1f} MB in {left.name[:20]}…; after an incremental build: "
          f"{_leftovers(project) or 'nothing'}")  # fmt: skip
    assert _leftovers(project) == []
    _assert_whole(project)

    _kill_a_full_build(zygote, config, project / "killed-2.log")
    _build(project, "--full")
    assert _leftovers(project) == []
    _assert_whole(project)
    assert (project / "site/CNAME").read_text() == "news.example.com\n"  # the user's file, through all of it
