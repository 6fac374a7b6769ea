"""The command line end to end on the bundled samples: init, fetch, sources, export, build, serve."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
import yaml
from typer.testing import CliRunner

from finews.cli import app

from .requirements import need_tool, unavailable

runner = CliRunner()


def run(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.output


@pytest.fixture
def demo(tmp_path: Path) -> Path:
    config = tmp_path / "finews.toml"
    code, out = run("init", "--sample", "-c", str(config))
    assert code == 0, out
    return config


def test_every_command_has_help():
    for command in (
        "init",
        "fetch",
        "run",
        "import",
        "search",
        "export",
        "build",
        "serve",
        "sources",
        "demo",
        "worker",
        "dispatch",
    ):
        code, out = run(command, "--help")
        assert code == 0 and "Usage" in out, command


def test_init_refuses_to_overwrite(tmp_path):
    config = tmp_path / "finews.toml"
    assert run("init", "-c", str(config))[0] == 0
    code, out = run("init", "-c", str(config))
    assert code == 1 and "exists" in out


def test_sample_pipeline(demo, tmp_path):
    code, out = run("fetch", "-c", str(demo))
    assert code == 0, out
    assert "4 sources, 19 new" in out
    code, out = run("fetch", "-c", str(demo))
    assert code == 0 and "0 new, 0 updated" in out
    code, out = run("sources", "-c", str(demo))
    assert code == 0 and "caijing" in out and "kaiyuan" in out

    code, out = run("export", "--format", "jekyll", str(tmp_path / "jk"), "-c", str(demo))
    assert code == 0 and "19 written" in out
    posts = sorted((tmp_path / "jk/_posts").glob("*.md"))
    assert len(posts) == 19
    for post in posts:
        meta = yaml.safe_load(post.read_text(encoding="utf-8").split("---\n", 2)[1])
        assert meta["layout"] == "post" and meta["title"]
    text = (tmp_path / "jk/_posts/2026-03-02-202603020930000001.md").read_text(encoding="utf-8")
    assert "在清洁机器人领域创业" in text and "EM_StockImg" not in text and "朱镕" in text

    code, out = run("export", "-f", "hexo", "--body", "html", str(tmp_path / "hx"), "-c", str(demo))
    assert code == 0 and len(list((tmp_path / "hx/source/_posts").rglob("*.md"))) == 19

    code, out = run("build", "-c", str(demo))
    assert code == 0 and "19 articles" in out
    assert (tmp_path / "site/index.html").is_file() and (tmp_path / "site/category/emnews/atom.xml").is_file()


def test_broken_source_is_named_and_others_still_run(demo):
    text = demo.read_text(encoding="utf-8").replace("samples/keji-atom.xml", "samples/missing.xml")
    demo.write_text(text, encoding="utf-8")
    (demo.parent / "samples/kaiyuan-rdf.xml").write_text("this is not xml", encoding="utf-8")
    code, out = run("fetch", "-c", str(demo))
    assert code == 1
    assert "keji" in out and "no such file" in out
    assert "kaiyuan" in out and "not a feed" in out
    assert "caijing: 6 items" in out


def test_bad_config_key_is_one_clear_line(tmp_path):
    config = tmp_path / "finews.toml"
    config.write_text('[site]\ntitel = "x"\n', encoding="utf-8")
    code, out = run("fetch", "-c", str(config))
    assert code == 2 and "site.titel: unknown key (did you mean 'title'?)" in out


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_serve_serves_the_built_site(demo):
    assert run("fetch", "-c", str(demo))[0] == 0
    assert run("build", "-c", str(demo))[0] == 0
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "finews.cli", "serve", "-c", str(demo), "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 15
        while True:
            try:
                response = httpx.get(f"http://127.0.0.1:{port}/", timeout=1)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise
                time.sleep(0.1)
        assert response.status_code == 200 and '<html lang="zh-CN">' in response.text
        feed = httpx.get(f"http://127.0.0.1:{port}/atom.xml", timeout=2)
        assert feed.status_code == 200 and "<feed" in feed.text
        assert httpx.get(f"http://127.0.0.1:{port}/a/nope.html", timeout=2).status_code == 404
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_import_a_jekyll_site_and_digests(tmp_path, reference, corpora):
    posts = tmp_path / "blog" / "_posts"
    posts.mkdir(parents=True)
    (posts / "2022-01-05-202201052237118816.md").write_bytes((reference / "jekyll-eastmoney-post.md").read_bytes())
    (posts / "broken.md").write_bytes(b"---\ntitle: [unclosed\n---\nbody\n")
    config = tmp_path / "finews.toml"
    assert run("init", "-c", str(config))[0] == 0
    code, out = run("import", str(tmp_path / "blog"), "--source", "emnews", "-c", str(config))
    assert code == 0, out
    assert "2 files, 1 entries" in out and "1 stored" in out and "1 files skipped" in out and "broken.md" in out
    digests = tmp_path / "digests"
    digests.mkdir()
    for path in sorted((corpora / "digests/flaging-feed/2021").glob("*.md"))[:3]:
        (digests / path.name).write_bytes(path.read_bytes())
    code, out = run("import", str(digests), "--source", "digest", "-c", str(config))
    assert code == 0 and "3 files" in out, out
    code, out = run("sources", "-c", str(config))
    code, out = run("build", "-c", str(config))
    assert code == 0 and "articles" in out


def test_search_in_the_terminal(demo):
    assert run("fetch", "-c", str(demo))[0] == 0
    code, out = run("search", "离职", "-c", str(demo))
    assert code == 0 and "articles match '离职'" in out, out
    code, out = run("search", '"(AND*', "-c", str(demo))
    assert code == 0 and "0 articles match" in out
    code, out = run("search", "离职", "--since", "2100-01-01", "-c", str(demo))
    assert code == 0 and "0 articles match" in out


def _finews(*args: str, cwd: Path, columns: int = 80, prefix: tuple[str, ...] = ()) -> subprocess.CompletedProcess:
    env = {**os.environ, "COLUMNS": str(columns), "FINEWS_CONFIG": ""}
    command = [*prefix, sys.executable, "-m", "finews.cli", *args]
    return subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=180)


def test_sources_enable_and_disable_show_the_truth(demo):
    assert run("fetch", "-c", str(demo))[0] == 0
    code, out = run("sources", "disable", "keji", "-c", str(demo))
    assert code == 0 and "keji: disabled" in out
    listed = _finews("sources", "-c", str(demo), cwd=demo.parent, columns=200)
    rows = {line.split()[0]: line for line in listed.stdout.splitlines() if line.strip()}
    assert "off (admin)" in rows["keji"] and " on " in rows["caijing"]
    code, out = run("fetch", "-c", str(demo))
    assert code == 0 and "3 sources" in out and "keji" not in out  # switched off for fetch too
    code, out = run("sources", "-c", str(demo), "enable", "keji")
    assert code == 0 and "keji: enabled" in out
    listed = _finews("sources", "-c", str(demo), cwd=demo.parent, columns=200)
    assert "off" not in listed.stdout


def test_sources_is_readable_at_80_columns(demo):
    text = demo.read_text(encoding="utf-8").replace("samples/keji-atom.xml", "samples/missing-[b]feed[/b].xml")
    demo.write_text(text, encoding="utf-8")
    assert run("fetch", "-c", str(demo))[0] == 1
    listed = _finews("sources", "-c", str(demo), cwd=demo.parent, columns=80)
    assert listed.returncode == 0, listed.stderr
    lines = listed.stdout.splitlines()
    assert all(len(line) <= 80 for line in lines)
    for name in ("caijing", "keji", "kuaixun", "kaiyuan"):  # names whole, at the start of their row
        assert any(line.split()[:1] == [name] for line in lines), listed.stdout
    times = re.findall(r"\d{4}-\d\d-\d\d \d\d:\d\d \+08:00", listed.stdout)
    assert len(times) == 8  # last and next check of each source, each whole on one line
    assert "times: Asia/Shanghai (+08:00)" in listed.stdout
    words = " ".join(listed.stdout.split())
    assert "failed:" in words and "[b]feed[/b]" in words  # the error's brackets are text, shown


def test_times_carry_their_zone(demo):
    assert run("fetch", "-c", str(demo))[0] == 0
    found = _finews("search", "离职", "-c", str(demo), cwd=demo.parent, columns=200)
    assert re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d \+08:00 keji", found.stdout), found.stdout


def test_build_says_one_page_count(demo):
    assert run("fetch", "-c", str(demo))[0] == 0
    code, out = run("build", "-c", str(demo))
    assert code == 0
    counts = [line for line in out.splitlines() if re.search(r"\d+ (pages|files)", line)]
    assert len(counts) == 1 and re.search(r"\d+ pages for 19 articles \(\d+ files written, 0 unchanged\)", out), out
    code, out = run("build", "-c", str(demo))
    assert code == 0 and "site updated" in out and "(0 files written" in out, out


@pytest.mark.parametrize("columns", [80, 120])
def test_help_pages_are_plain_and_unbroken(tmp_path, columns):
    commands = ["", "init", "fetch", "import", "run", "worker", "dispatch", "export", "build", "serve", "search"]
    commands += ["demo", "sources", "sources enable", "sources disable"]
    for command in commands:
        shown = runner.invoke(app, [*command.split(), "--help"], env={"COLUMNS": str(columns)})
        assert shown.exit_code == 0 and "Usage" in shown.output, command
        text = shown.output
        assert not re.search(r"<(bool|str|path|int|float)>", text), (command, text)
        for line in text.splitlines():  # a bracket opened on a line closes on it: "[default: …]" is never cut
            assert line.count("[") == line.count("]"), (command, line)
            assert len(line) <= columns, (command, line)
    export = runner.invoke(app, ["export", "--help"], env={"COLUMNS": str(columns)}).output
    assert "<jekyll|hexo>" in export and "[default: jekyll]" in export.replace("\u00a0", " ")


def _read_only(folder: Path) -> tuple[str, ...]:
    """How to run a command that cannot write into ``folder``: a read-only bind mount when root
    (root writes through chmod), chmod 555 for anyone else. Checked: a file cannot be made there."""
    probe = [sys.executable, "-c", "import sys; open(sys.argv[1] + '/probe', 'w')", str(folder)]
    if os.geteuid() == 0:
        mount = need_tool("unshare", "util-linux")
        script = 'mount --bind "$1" "$1" && mount -o remount,ro,bind "$1" && shift && exec "$@"'
        prefix = (mount, "-m", "sh", "-c", script, "-", str(folder))
    else:
        folder.chmod(0o555)
        prefix = ()
    refused = subprocess.run([*prefix, *probe], capture_output=True, text=True)
    if refused.returncode == 0 or ("Read-only" not in refused.stderr and "Permission" not in refused.stderr):
        (folder / "probe").unlink(missing_ok=True)
        unavailable(f"cannot make a read-only folder here: {refused.stderr.strip()[-200:]}")
    return prefix


def test_read_only_commands_work_on_an_archive_in_a_read_only_folder(tmp_path):
    desk = tmp_path / "desk"
    desk.mkdir()
    config = desk / "finews.toml"
    assert run("init", "--sample", "-c", str(config))[0] == 0
    text = config.read_text(encoding="utf-8").replace('output = "site"', f'output = "{tmp_path / "site"}"')
    config.write_text(text, encoding="utf-8")
    assert run("fetch", "-c", str(config))[0] == 0
    before = sorted(p.name for p in desk.iterdir())
    prefix = _read_only(desk)
    try:
        for args, says in (
            (["sources", "-c", str(config)], "caijing"),
            (["search", "离职", "-c", str(config)], "articles match '离职'"),
            (["build", "-c", str(config)], "pages for 19 articles"),
        ):
            done = _finews(*args, cwd=tmp_path, columns=200, prefix=prefix)
            assert done.returncode == 0 and says in done.stdout, (args, done.stdout, done.stderr)
        refused = _finews("fetch", "-c", str(config), cwd=tmp_path, prefix=prefix)  # a writer is told, in one line
        assert refused.returncode == 2 and "Traceback" not in refused.stderr, refused.stderr
    finally:
        desk.chmod(0o755)
    assert sorted(p.name for p in desk.iterdir()) == before
    assert (tmp_path / "site" / "index.html").is_file()
