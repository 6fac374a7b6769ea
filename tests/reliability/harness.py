"""Shared pieces: a feed server that keeps publishing new items, real CLI processes, archive checks."""

from __future__ import annotations

import json
import os
import select
import sqlite3
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from html import escape
from pathlib import Path

from ..conftest import ROOT
from ..loopback import LoopbackServer, Reply, Request


def corpus_items(corpora: Path, limit: int) -> list[dict]:
    """Real cnBeta items (title, HTML description) from the shared corpus, in file order."""
    items: list[dict] = []
    with (corpora / "feeds/niles/items_cnbeta.jsonl").open(encoding="utf-8") as handle:
        for line in handle:
            items.append(json.loads(line))
            if len(items) >= limit:
                break
    return items


class GrowingFeeds:
    """RSS feeds on a loopback server; ``advance`` publishes new items, each feed shows its latest ``window``.

    Every item has a link of its own, so "each item exactly once" is a plain count over links.
    """

    def __init__(self, server: LoopbackServer, names: list[str], corpus: list[dict], window: int = 40) -> None:
        self.server, self.names, self.corpus, self.window = server, names, corpus, window
        self.published: dict[str, list[int]] = {name: [] for name in names}
        self.next = 0
        self._lock = threading.Lock()
        self.start = datetime(2026, 1, 1, tzinfo=UTC)
        for name in names:
            server.add(f"/{name}.xml", handler=lambda request, name=name: self._feed(name, request))

    def advance(self, per_feed: int) -> None:
        with self._lock:
            for name in self.names:
                for _ in range(per_feed):
                    self.published[name].append(self.next)
                    self.next += 1

    def link(self, name: str, n: int) -> str:
        return f"https://news.example.com/{name}/{n}.htm"

    def links(self) -> set[str]:
        return {self.link(name, n) for name, ns in self.published.items() for n in ns}

    def url(self, name: str) -> str:
        return self.server.url(f"/{name}.xml")

    def _feed(self, name: str, _request: Request) -> Reply:
        with self._lock:
            shown = self.published[name][-self.window :]
        parts = [f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>{name}</title>']
        for n in reversed(shown):
            item = self.corpus[n % len(self.corpus)]
            when = format_datetime(self.start + timedelta(minutes=n))
            parts.append(
                f"<item><title>{escape(item['title'])} #{n}</title><link>{self.link(name, n)}</link>"
                f"<guid>{self.link(name, n)}</guid><pubDate>{when}</pubDate>"
                f"<description>{escape(item['description'])}</description></item>"
            )
        parts.append("</channel></rss>")
        return Reply(200, "".join(parts).encode("utf-8"), {"Content-Type": "application/rss+xml; charset=utf-8"})


def write_config(path: Path, feeds: GrowingFeeds, extra: str = "") -> Path:
    """A finews.toml for the CLI, sources reading the loopback feeds."""
    lines = [
        '[storage]\npath = "finews.db"\n',
        '[site]\noutput = "site"\n',
        "[fetch]\nhost_interval = 0\nretry_wait = 0.01\nretries = 0\nallow_private = true\nrobots = false\n",
        extra,
    ]
    for name in feeds.names:
        lines.append(f'[[sources]]\nname = "{name}"\nurl = "{feeds.url(name)}"\ncategory = "{name}"\n')
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


class Zygote:
    """Client of ``zygote.py``: runs real ``finews`` commands as forked processes, one at a time."""

    def __init__(self) -> None:
        env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "src")])}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tests.reliability.zygote"],
            cwd=ROOT,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        self._buffer = b""
        assert self._line(60) == "ready"

    def _line(self, timeout: float) -> str | None:
        """The next line from the zygote, or None after ``timeout`` seconds (read raw: select and buffers disagree)."""
        assert self.proc.stdout is not None
        fd = self.proc.stdout.fileno()
        deadline = time.monotonic() + timeout
        while b"\n" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([fd], [], [], left)[0]:
                return None
            chunk = os.read(fd, 4096)
            if not chunk:
                raise RuntimeError(f"the zygote died (exit {self.proc.wait()})")
            self._buffer += chunk
        line, _, self._buffer = self._buffer.partition(b"\n")
        return line.decode().strip()

    def start(self, args: list[str], log: Path) -> int:
        assert self.proc.stdin is not None
        self.proc.stdin.write(json.dumps({"args": args, "log": str(log)}) + "\n")
        self.proc.stdin.flush()
        answer = self._line(30)
        assert answer and answer.startswith("pid "), answer
        return int(answer.split()[1])

    def wait(self, timeout: float) -> int | None:
        """The child's exit code (negative: the signal that killed it), or None if still running."""
        answer = self._line(timeout)
        if answer is None:
            return None
        assert answer.startswith("exit "), answer
        return int(answer.split()[1])

    def run(self, args: list[str], log: Path, timeout: float = 120) -> int:
        self.start(args, log)
        code = self.wait(timeout)
        assert code is not None, f"finews {' '.join(args)} did not finish in {timeout}s (see {log})"
        return code

    def close(self) -> None:
        if self.proc.stdin:
            self.proc.stdin.close()
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:  # a child still running: end the zygote, and its child with it
            self.proc.kill()
            self.proc.wait()


def integrity(db: Path) -> str:
    with sqlite3.connect(db) as conn:
        return conn.execute("PRAGMA integrity_check").fetchone()[0]


def archived_links(db: Path) -> list[str]:
    with sqlite3.connect(db) as conn:
        return [row[0] for row in conn.execute("SELECT url FROM articles")]


def published_slugs(db: Path) -> set[str]:
    """Slugs of the articles that get posts and pages (a near-duplicate is shown on its first report's page)."""
    with sqlite3.connect(db) as conn:
        return {row[0] for row in conn.execute("SELECT slug FROM articles WHERE duplicate_of IS NULL")}
