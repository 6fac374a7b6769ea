"""Every user mistake through the real command line: one clear line, the documented exit code, no traceback.

Each case runs ``python -m finews.cli`` in a subprocess (what a user runs) against one archive
fetched once from the bundled samples; after a case that must not write, the archive is checked:
``PRAGMA integrity_check`` is ok and every row is as it was. Exit codes are those documented in
``finews --help``: 0 done, 1 a source failed or the output could not be written, 2 the command
could not start.
"""

from __future__ import annotations

import os
import socket
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

OK, FAILED, CANNOT_START = 0, 1, 2


def finews(*args: str, cwd: Path, columns: int = 120, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COLUMNS": str(columns), "FINEWS_CONFIG": ""}
    return subprocess.run(
        [sys.executable, "-m", "finews.cli", *args], capture_output=True, text=True, cwd=cwd, env=env, timeout=timeout
    )


class _Replies(BaseHTTPRequestHandler):
    """Answers with outside text a terminal library could take for markup."""

    def do_GET(self) -> None:
        if self.path == "/busy":
            self.send_response(503, "Busy [/x] try later")
            body = b""
        elif self.path == "/not-xml":
            self.send_response(200)
            body = b"this is not xml"
        else:
            self.send_response(404)
            body = b"missing"
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Replies)
    httpd.daemon_threads = True
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(scope="module")
def desk(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder with finews.toml on the samples and its archive, fetched once."""
    folder = tmp_path_factory.mktemp("desk")
    assert finews("init", "--sample", "-c", "finews.toml", cwd=folder).returncode == OK
    fetched = finews("fetch", "-c", "finews.toml", cwd=folder)
    assert fetched.returncode == OK, fetched.stderr
    return folder


def snapshot(database: Path) -> tuple[str, dict[str, list[tuple]]]:
    """The archive's integrity check and every row of every table (read-only: the check writes nothing)."""
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as connection:
        integrity = connection.execute("PRAGMA integrity_check").fetchone()[0]
        tables = [name for (name,) in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        rows = {table: sorted(map(repr, connection.execute(f'SELECT * FROM "{table}"'))) for table in tables}
    connection.close()
    return integrity, rows


def _feed_config(folder: Path, url: str, *, extra: str = "") -> str:
    """A config of one source at ``url``, with its own archive (a failed check is recorded there)."""
    name = f"case{len(list(folder.glob('case*.toml')))}"
    (folder / f"{name}.toml").write_text(
        f'[storage]\npath = "{name}.db"\n[fetch]\nallow_private = true\nretries = 0\n\n'
        f'[[sources]]\nname = "{name}"\nurl = "{url}"\n{extra}',
        encoding="utf-8",
    )
    return f"{name}.toml"


def _write(name: str, data: bytes) -> Callable[[Path, str], str]:
    def prepare(folder: Path, _server: str) -> str:
        (folder / name).write_bytes(data)
        return name

    return prepare


def _busy_port(_folder: Path, _server: str) -> str:
    holder = socket.socket()
    holder.bind(("127.0.0.1", 0))
    holder.listen(1)
    _HELD.append(holder)  # kept open for the case: the port stays in use
    return str(holder.getsockname()[1])


_HELD: list[socket.socket] = []


@dataclass
class Case:
    name: str
    args: list[str]  # "{x}" is replaced by what prepare returns
    code: int
    says: str  # the one stderr line naming the cause holds this
    prepare: Callable[[Path, str], str] | None = None
    writes_archive: bool = False  # a source's failed check is recorded: its own archive, not the desk's
    never_prints: list[str] = field(default_factory=list)


CASES = [
    Case("init into a folder", ["init", "-c", "."], CANNOT_START, "is a folder"),
    Case(
        "init where no file can be made",
        ["init", "-c", "{x}/finews.toml"],
        CANNOT_START,
        "cannot write",
        prepare=_write("plain-file", b"a file, not a folder"),
    ),
    Case("init over a config", ["init", "-c", "finews.toml"], FAILED, "exists (use --force to overwrite)"),
    Case("a config that does not exist", ["sources", "-c", "nope.toml"], CANNOT_START, "nope.toml: no such file"),
    Case("a folder for a config", ["fetch", "-c", "samples"], CANNOT_START, "is a folder, not a finews.toml"),
    Case(
        "a config in GBK",
        ["sources", "-c", "{x}"],
        CANNOT_START,
        "not UTF-8",
        prepare=_write("gbk.toml", '[site]\ntitle = "财经"\n'.encode("gbk")),
    ),
    Case(
        "a bad config key",
        ["fetch", "-c", "{x}"],
        CANNOT_START,
        "site.titel: unknown key (did you mean 'title'?)",
        prepare=_write("typo.toml", b'[site]\ntitel = "x"\n'),
    ),
    Case(
        "bracketed words in a message stay",
        ["fetch", "-c", "{x}"],
        CANNOT_START,
        'type = "json" needs an [sources.api] table',
        prepare=_write("json.toml", b'[[sources]]\nname = "j"\ntype = "json"\nurl = "x"\n'),
    ),
    Case("an unknown source", ["fetch", "-c", "finews.toml", "-s", "nosuch"], CANNOT_START, "no source named"),
    Case("switching an unknown source", ["sources", "disable", "nosuch"], CANNOT_START, "no source named 'nosuch'"),
    Case("a port out of range", ["serve", "-c", "finews.toml", "--port", "99999"], CANNOT_START, "'--port'"),
    Case(
        "a port in use",
        ["serve", "-c", "finews.toml", "--port", "{x}"],
        CANNOT_START,
        "the port is in use",
        prepare=_busy_port,
        never_prints=["serving"],
    ),
    Case("the root folder as the site", ["build", "-c", "finews.toml", "-o", "/"], FAILED, "the root folder"),
    Case("an unknown option", ["build", "--nope"], CANNOT_START, "No such option: --nope"),
    Case(
        "a server's reason phrase with brackets",
        ["fetch", "-c", "{x}"],
        FAILED,
        "HTTP 503 Busy [/x] try later",
        prepare=lambda folder, server: _feed_config(folder, f"{server}/busy"),
        writes_archive=True,
    ),
    Case(
        "a path with brackets",
        ["fetch", "-c", "{x}"],
        FAILED,
        "nosuch[/b]file.xml: no such file",
        prepare=lambda folder, _server: _feed_config(folder, "nosuch[/b]file.xml"),
        writes_archive=True,
    ),
    Case(
        "a selector with brackets",
        ["fetch", "-c", "{x}"],
        FAILED,
        "bad item selector 'a[/x]'",
        prepare=lambda folder, _server: _feed_config(
            folder, "samples/caijing-rss.xml", extra='type = "html"\n[sources.html]\nitem = "a[/x]"\n'
        ),
        writes_archive=True,
    ),
    Case(
        "a feed answering 404",
        ["fetch", "-c", "{x}"],
        FAILED,
        "HTTP 404",
        prepare=lambda folder, server: _feed_config(folder, f"{server}/gone"),
        writes_archive=True,
    ),
    Case(
        "a feed that is not XML",
        ["fetch", "-c", "{x}"],
        FAILED,
        "not a feed",
        prepare=lambda folder, server: _feed_config(folder, f"{server}/not-xml"),
        writes_archive=True,
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_a_mistake_is_one_clear_line(case: Case, desk: Path, server: str):
    before = snapshot(desk / "finews.db")
    value = case.prepare(desk, server) if case.prepare else ""
    args = [arg.replace("{x}", value) for arg in case.args]
    try:
        done = finews(*args, cwd=desk)
    finally:
        while _HELD:
            _HELD.pop().close()
    output = done.stdout + done.stderr
    assert "Traceback" not in output and 'File "' not in output, output
    assert done.returncode == case.code, output
    naming = [line for line in done.stderr.splitlines() if case.says in line]
    assert len(naming) == 1, done.stderr  # said once, whole, on one line
    assert naming[0].startswith(("error: ", "fail ", "Error: ")), naming[0]
    for text in case.never_prints:
        assert text not in done.stdout, done.stdout
    if not case.writes_archive:
        assert snapshot(desk / "finews.db") == before
    else:
        assert snapshot(desk / "finews.db") == before  # the desk's archive is not the one written
        assert snapshot(desk / args[-1].replace(".toml", ".db"))[0] == "ok"


def test_a_bom_is_accepted(desk: Path):
    text = (desk / "finews.toml").read_bytes()
    (desk / "bom.toml").write_bytes(b"\xef\xbb\xbf" + text)
    before = snapshot(desk / "finews.db")
    done = finews("sources", "-c", "bom.toml", cwd=desk)
    assert done.returncode == OK and "caijing" in done.stdout, done.stdout + done.stderr
    assert snapshot(desk / "finews.db") == before


def test_a_failure_with_brackets_is_listed_as_it_was_said(desk: Path, server: str):
    """The stored message is outside text too: 'finews sources' shows it every time, whole."""
    config = _feed_config(desk, f"{server}/busy")
    assert finews("fetch", "-c", config, cwd=desk).returncode == FAILED
    for _ in range(2):
        listed = finews("sources", "-c", config, cwd=desk, columns=250)
        assert listed.returncode == OK, listed.stderr
        assert "HTTP 503 Busy [/x] try later" in listed.stdout, listed.stdout


def test_the_exit_codes_are_documented():
    done = finews("--help", cwd=Path.cwd())
    text = " ".join(done.stdout.split())
    assert "0 done" in text and "1 a source failed" in text and "2 the command could not start" in text
    assert "130 stopped by Ctrl-C" in text
