"""Two ``finews run`` processes on one archive: the second refuses with a clear message or waits its turn."""

from __future__ import annotations

import collections
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from ..conftest import ROOT
from ..loopback import LoopbackServer
from .harness import GrowingFeeds, Zygote, archived_links, corpus_items, integrity, write_config


def _finews(*args: str, timeout: float = 90) -> subprocess.CompletedProcess[str]:
    """The installed command line, as a user runs it: a process of its own."""
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    return subprocess.run(
        [sys.executable, "-m", "finews.cli", *args], capture_output=True, text=True, timeout=timeout, env=env, cwd=ROOT
    )


def test_a_second_run_refuses_or_waits_and_nothing_is_corrupted(tmp_path: Path, corpora, zygote: Zygote):
    with LoopbackServer() as server:
        feeds = GrowingFeeds(server, ["alpha", "beta"], corpus_items(corpora, 200))
        feeds.advance(20)
        # no word lists or site to build: the lock is what is under test, and each process starts faster
        config = write_config(tmp_path / "finews.toml", feeds, "[understand]\nenabled = false\n[run]\nsite = false\n")
        first = zygote.start(["run", "-c", str(config)], tmp_path / "first.log")
        deadline = time.monotonic() + 60
        while not (tmp_path / "finews.db").exists() or server.hits("/alpha.xml") == 0:
            assert time.monotonic() < deadline, (tmp_path / "first.log").read_text()
            time.sleep(0.05)

        # the second refuses at once, saying who holds the archive and what to do
        second = _finews("run", "-c", str(config))
        assert second.returncode == 2, second.stdout + second.stderr
        message = " ".join(second.stderr.split())
        assert f"another finews process (pid {first})" in message and "--wait SECONDS" in message
        assert str(tmp_path / "finews.db.lock") in message.replace(" ", "") or "finews.db.lock" in message
        fetch = _finews("fetch", "-c", str(config))  # a one-off fetch is a writer too
        assert fetch.returncode == 2 and "another finews process" in fetch.stderr

        # with --wait the next one takes its turn once the first stops (SIGTERM: a clean stop)
        feeds.advance(5)
        waiting = subprocess.Popen(
            [sys.executable, "-m", "finews.cli", "run", "--once", "--wait", "60", "-c", str(config)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=ROOT,
            env={**os.environ, "PYTHONPATH": str(ROOT / "src")},
        )
        time.sleep(4)  # long enough to start and meet the lock
        assert waiting.poll() is None, waiting.communicate()
        with sqlite3.connect(tmp_path / "finews.db") as conn:  # time passing: the sources are due again
            conn.execute("UPDATE sources SET next_check = NULL")
        os.kill(first, signal.SIGTERM)
        assert zygote.wait(60) == 0, (tmp_path / "first.log").read_text()
        out, errors = waiting.communicate(timeout=90)
        assert waiting.returncode == 0, out + errors
        assert "2 sources, 5 new" in out or "5 new" in out.replace("\n", " "), out
    db = tmp_path / "finews.db"
    assert integrity(db) == "ok"
    counts = collections.Counter(archived_links(db))
    assert set(counts) == feeds.links() and max(counts.values()) == 1
