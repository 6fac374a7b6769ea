"""One answer whatever the concurrency or the process: the same feeds give the same duplicate links and stories.

Real feeds (the niles snapshots) are served on 127.0.0.1 and fetched twice by fresh ``finews fetch``
processes: with one fetch thread and with eight, under different hash seeds. The archives are compared
by article links, never by ids: which report another one repeats, and which articles share a story.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

from tests.loopback import LoopbackServer

from .conftest import CORPORA, need
from .queue.feeds import write_config

RUNS = ((1, "1"), (8, "2"), (8, "3"))  # (fetch threads, PYTHONHASHSEED)


def archive_answer(database: Path) -> tuple[set[tuple[str, str]], set[frozenset[str]], int]:
    """(copy, first report) links, the stories as sets of links, and how many articles there are."""
    with sqlite3.connect(database) as connection:
        rows = connection.execute("SELECT id, url, duplicate_of, story_id FROM articles").fetchall()
    connection.close()
    url = {row[0]: row[1] for row in rows}
    links = {(row[1], url[row[2]]) for row in rows if row[2]}
    stories: dict[int, set[str]] = {}
    for _, link, _, story in rows:
        if story is not None:
            stories.setdefault(story, set()).add(link)
    return links, {frozenset(members) for members in stories.values()}, len(rows)


def _fetch_twice(config: Path, seed: str) -> None:
    env = {**os.environ, "PYTHONHASHSEED": seed}
    for _ in range(2):
        done = subprocess.run(
            [sys.executable, "-m", "finews.cli", "fetch", "-c", str(config)],
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert done.returncode == 0, done.stderr[-2000:]


def test_threads_and_hash_seeds_give_the_same_links_and_stories(tmp_path):
    feeds = sorted(p for p in (need(CORPORA) / "feeds" / "niles" / "raw-feeds").glob("*.xml"))
    answers = []
    with LoopbackServer() as server:
        sources = []
        for path in feeds:
            server.add(f"/{path.name}", path.read_bytes(), content_type="application/rss+xml")
            sources.append({"name": path.stem.replace(".", "-"), "url": server.url(f"/{path.name}")})
        for threads, seed in RUNS:
            folder = tmp_path / f"threads{threads}-seed{seed}"
            folder.mkdir()
            config = write_config(
                folder / "finews.toml",
                {
                    "storage": {"path": str(folder / "finews.db")},
                    "fetch": {"allow_private": True, "host_interval": 0, "workers": threads},
                    "run": {"site": False},
                },
                sources,
            )
            _fetch_twice(config, seed)
            answers.append(archive_answer(folder / "finews.db"))
    links, stories, count = answers[0]
    assert count > 400 and len(stories) < count  # real feeds: some articles share a story
    for other in answers[1:]:
        assert other[2] == count
        assert other[0] == links
        assert other[1] == stories
