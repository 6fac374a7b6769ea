"""What the last site build left for the next one: a SQLite file in the site folder.

It holds each file's hash and inputs, what the list pages need of every article, each listing's
members, the entity folders and the sitemap dates. A build after a few new articles asks it only
for the listings those articles are in (:mod:`.delta`), where loading all of it (100k articles,
200k files) took seconds. A build's changes are one transaction, committed after the pages are on
disk, with the build's token, so an interrupted build is told from a finished one (:mod:`.incremental`).

The standard library's sqlite3 is enough here: the file is private to the builder, one writer.
"""

from __future__ import annotations

import json
import os
import sqlite3
from array import array
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

from ..errors import PublishError
from .atomic import write_error

STATE = ".finews-state.db"
VERSION = 2

_SCHEMA = """
CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE files(path TEXT PRIMARY KEY, hash TEXT NOT NULL, inputs TEXT) WITHOUT ROWID;
CREATE TABLE articles(id INTEGER PRIMARY KEY, slug TEXT NOT NULL, title TEXT NOT NULL, source TEXT NOT NULL,
    category TEXT NOT NULL, category_name TEXT NOT NULL, time TEXT NOT NULL, summary TEXT NOT NULL,
    lastmod TEXT NOT NULL, story INTEGER, sort TEXT NOT NULL, extras TEXT NOT NULL, context TEXT NOT NULL);
CREATE INDEX articles_order ON articles(sort, id);
CREATE INDEX articles_source ON articles(source, sort, id);
CREATE INDEX articles_category ON articles(category, sort, id);
CREATE INDEX articles_time ON articles(time);
CREATE INDEX articles_story ON articles(story) WHERE story IS NOT NULL;
CREATE INDEX articles_context ON articles(id) WHERE context != '';
CREATE TABLE lists(folder TEXT PRIMARY KEY, head TEXT NOT NULL, ids BLOB NOT NULL) WITHOUT ROWID;
CREATE TABLE entities(folder TEXT PRIMARY KEY, kind TEXT NOT NULL, key TEXT NOT NULL, name TEXT NOT NULL)
    WITHOUT ROWID;
CREATE UNIQUE INDEX entities_key ON entities(kind, key);
CREATE TABLE mentions(folder TEXT NOT NULL, id INTEGER NOT NULL, PRIMARY KEY(folder, id)) WITHOUT ROWID;
CREATE INDEX mentions_article ON mentions(id);
CREATE TABLE pages(path TEXT PRIMARY KEY, lastmod TEXT NOT NULL) WITHOUT ROWID;
"""
_ARTICLE_COLUMNS = "id, slug, title, source, category, category_name, time, summary, lastmod, story, sort, extras"


def pack(ids: Sequence[int | None]) -> bytes:
    return array("q", [-1 if i is None else i for i in ids]).tobytes()


def unpack(blob: bytes) -> list[int | None]:
    values = array("q")
    values.frombytes(blob)
    if -1 not in values:  # ids from an archive are never missing
        return values.tolist()  # type: ignore[return-value]  # list[int] is invariant, yet holds no None here
    return [None if i == -1 else i for i in values]


class BuildState:
    """The state file of one site folder, open for one build; its changes land with :meth:`commit`."""

    def __init__(self, path: Path, connection: sqlite3.Connection) -> None:
        self.path = path
        self.db = connection
        self.closed = False

    @classmethod
    def open(cls, root: Path) -> BuildState | None:
        """The last build's state, or None when there is none or it is not one this code wrote."""
        path = root / STATE
        if not path.is_file():
            return None
        try:
            db = sqlite3.connect(path, isolation_level=None, timeout=10)
            version = db.execute("SELECT value FROM meta WHERE key = 'version'").fetchone()
        except sqlite3.Error:
            return None
        if version is None or json.loads(version[0]) != VERSION:
            db.close()
            return None
        state = cls(path, db)
        try:
            state._begin()
        except sqlite3.OperationalError as exc:  # locked: another build of this folder is running
            db.close()
            raise PublishError(f"{root}: another build of this site is running ({exc})") from None
        return state

    @classmethod
    def create(cls, root: Path) -> BuildState:
        """A new, empty state (any old one is replaced when this one commits)."""
        path = root / STATE
        fresh = path.with_name(f"{STATE}.new")
        fresh.unlink(missing_ok=True)
        try:
            db = sqlite3.connect(fresh, isolation_level=None)
            db.executescript(_SCHEMA)
        except sqlite3.Error as exc:
            raise PublishError(f"{fresh}: cannot create the build state: {exc}") from None
        state = cls(fresh, db)
        state._begin()
        state.set("version", VERSION)
        return state

    def _begin(self) -> None:
        # one transaction a build: nothing the build changes is seen by the next one unless it committed
        self.db.execute("PRAGMA synchronous = FULL")
        self.db.execute("BEGIN IMMEDIATE")

    # -- reading ---------------------------------------------------------------------------------
    def get(self, key: str, default: Any = None) -> Any:
        row = self.db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return default if row is None else json.loads(row[0])

    def file(self, path: str) -> tuple[str, str | None] | None:
        """A file's (hash, inputs) as the last build left it."""
        return self.db.execute("SELECT hash, inputs FROM files WHERE path = ?", (path,)).fetchone()

    def files(self) -> Iterator[tuple[str, str, str | None]]:
        return iter(self.db.execute("SELECT path, hash, inputs FROM files"))

    def records(self) -> list[list]:
        """Every article's record, newest first."""
        query = f"SELECT {_ARTICLE_COLUMNS} FROM articles ORDER BY sort DESC, id DESC"
        return [list(row) for row in self.db.execute(query)]

    def records_by_id(self, ids: Iterable[int]) -> dict[int, list]:
        wanted = list(ids)
        found: dict[int, list] = {}
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            marks = ",".join("?" * len(chunk))
            for row in self.db.execute(f"SELECT {_ARTICLE_COLUMNS} FROM articles WHERE id IN ({marks})", chunk):
                found[row[0]] = list(row)
        return found

    def contexts(self) -> dict[int, str]:
        """The articles whose page showed other reports or entities: id → what went into those."""
        return dict(self.db.execute("SELECT id, context FROM articles WHERE context != ''"))

    def stories(self) -> dict[int, int]:
        return dict(self.db.execute("SELECT id, story FROM articles WHERE story IS NOT NULL"))

    def article_ids(self) -> list[int]:
        return [row[0] for row in self.db.execute("SELECT id FROM articles")]

    def ordered_ids(self, where: str = "", args: Sequence[object] = ()) -> list[int]:
        """Ids of the articles matching ``where`` (SQL over the articles table), oldest first."""
        clause = f"WHERE {where}" if where else ""
        return [row[0] for row in self.db.execute(f"SELECT id FROM articles {clause} ORDER BY sort, id", args)]

    def mentioned_ids(self, folder: str) -> list[int]:
        query = "SELECT a.id FROM mentions m JOIN articles a ON a.id = m.id WHERE m.folder = ? ORDER BY a.sort, a.id"
        return [row[0] for row in self.db.execute(query, (folder,))]

    def listing(self, folder: str) -> list | None:
        row = self.db.execute("SELECT head, ids FROM lists WHERE folder = ?", (folder,)).fetchone()
        return None if row is None else [row[0], unpack(row[1])]

    def lists(self) -> dict[str, list]:
        return {folder: [head, unpack(ids)] for folder, head, ids in self.db.execute("SELECT * FROM lists")}

    def list_sizes(self, prefix: str) -> dict[str, int]:
        """How many articles each listing under ``prefix`` had (from its ids, not by reading them)."""
        query = "SELECT folder, length(ids) / 8 FROM lists WHERE folder >= ? AND folder < ?"
        return dict(self.db.execute(query, (prefix, f"{prefix}\U0010ffff")))

    def entities(self) -> dict[tuple[str, str], tuple[str, str]]:
        """(kind, key) → (folder, name)."""
        return {(kind, key): (folder, name) for folder, kind, key, name in self.db.execute("SELECT * FROM entities")}

    def folders_of(self, article_id: int) -> list[str]:
        return [row[0] for row in self.db.execute("SELECT folder FROM mentions WHERE id = ?", (article_id,))]

    def article_pages(self, month: str) -> list[tuple[str, str]]:
        """(page, lastmod) of the articles published in ``month`` (YYYY-MM, Beijing time)."""
        query = "SELECT slug, lastmod FROM articles WHERE time >= ? AND time < ? ORDER BY slug"
        return [(f"a/{slug}.html", lastmod) for slug, lastmod in self.db.execute(query, (month, f"{month}~"))]

    def month_counts(self) -> dict[str, int]:
        return dict(self.db.execute("SELECT substr(time, 1, 7) AS month, count(*) FROM articles GROUP BY month"))

    def paths_under(self, prefix: str) -> list[str]:
        query = "SELECT path FROM files WHERE path >= ? AND path < ? AND hash != ''"
        return [row[0] for row in self.db.execute(query, (prefix, f"{prefix}\U0010ffff"))]

    def pages(self) -> list[tuple[str, str]]:
        return list(self.db.execute("SELECT path, lastmod FROM pages ORDER BY path"))

    # -- writing (seen by this build's reads, kept only when it commits) ----------------------------
    def set(self, key: str, value: Any) -> None:
        self.db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, json.dumps(value, ensure_ascii=False)))

    def put_files(self, rows: Iterable[tuple[str, str, str | None]]) -> None:
        self.db.executemany("INSERT OR REPLACE INTO files VALUES (?, ?, ?)", rows)

    def drop_files(self, paths: Iterable[str]) -> None:
        self.db.executemany("DELETE FROM files WHERE path = ?", ((p,) for p in paths))
        self.db.executemany("DELETE FROM pages WHERE path = ?", ((p,) for p in paths))

    def put_records(self, records: Iterable[tuple[list, str]]) -> None:
        """Articles' records, each with its context (what of other reports and entities its page shows)."""
        self.db.executemany(
            "INSERT OR REPLACE INTO articles VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            ((*record, context) for record, context in records),
        )

    def delete_articles(self, ids: Iterable[int]) -> None:
        """Forget articles' records and what they mention (before their new records are put)."""
        rows = [(i,) for i in ids]
        self.db.executemany("DELETE FROM articles WHERE id = ?", rows)
        self.db.executemany("DELETE FROM mentions WHERE id = ?", rows)

    def drop_pages(self, paths: Iterable[str]) -> None:
        self.db.executemany("DELETE FROM pages WHERE path = ?", ((p,) for p in paths))

    def put_lists(self, lists: dict[str, list]) -> None:
        self.db.executemany("INSERT OR REPLACE INTO lists VALUES (?, ?, ?)",
                            ((folder, head, pack(ids)) for folder, (head, ids) in lists.items()))  # fmt: skip

    def put_entities(self, entities: Iterable[tuple[str, str, str, str]], members: Iterable[tuple[str, int]]) -> None:
        self.db.executemany("INSERT OR REPLACE INTO entities VALUES (?, ?, ?, ?)", entities)
        self.db.executemany("INSERT OR IGNORE INTO mentions VALUES (?, ?)", members)

    def put_pages(self, pages: Iterable[tuple[str, str]]) -> None:
        self.db.executemany("INSERT OR REPLACE INTO pages VALUES (?, ?)", pages)

    def undo(self) -> None:
        """Drop this build's changes and start again from the last build's state."""
        if not self.closed and self.db.in_transaction:
            self.db.execute("ROLLBACK")
            self.db.execute("BEGIN IMMEDIATE")

    def commit(self, token: str) -> None:
        """Make this build's changes the state, marked with the build's token; then move it in place."""
        self.set("build", token)
        try:
            self.db.execute("COMMIT")
        except sqlite3.Error as exc:
            raise PublishError(f"{self.path}: cannot save the build state: {exc}") from None
        if self.path.name != STATE:  # a new state: it replaces the old one in one rename
            self.db.close()
            self.closed = True
            target = self.path.with_name(STATE)
            try:
                os.replace(self.path, target)
            except OSError as exc:
                self.path.unlink(missing_ok=True)
                raise write_error(target, exc) from None
            self.path = target

    def close(self) -> None:
        """Close (again is harmless); changes not committed are dropped."""
        if self.closed:
            return
        self.closed = True
        if self.db.in_transaction:
            self.db.execute("ROLLBACK")
        self.db.close()
        if self.path.name != STATE:
            self.path.unlink(missing_ok=True)


def peek(root: Path, key: str) -> Any:
    """One value of the last build's state, read without taking the build's lock (None when absent)."""
    path = root / STATE
    if not path.is_file():
        return None
    try:
        db = sqlite3.connect(path)
        try:
            row = db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        finally:
            db.close()
    except sqlite3.Error:
        return None
    return None if row is None else json.loads(row[0])


def committed_build(root: Path) -> str | None:
    """The token of the last build whose state committed (None when there is no state)."""
    return peek(root, "build")
