"""A site build replaces only what finews wrote: never the config's folder, a user's folder or file.

Each refusal is checked through the library and through the real ``finews build`` in its own
process (one error line, a non-zero exit, no traceback, every file as it was).
"""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from finews.config import load_config
from finews.errors import PublishError
from finews.publish import build_site, export_posts
from finews.publish.reading import build_from_archive
from finews.store import open_archive

from ..conftest import make_config
from .safety import SOURCES, articles, finews, snapshot, write_project


def _refused_by_the_cli(project: Path, *args: str, cwd: Path | None = None) -> str:
    result = finews("build", "-c", str(project / "finews.toml"), *args, cwd=cwd or project)
    assert result.returncode != 0, result.stdout
    assert "Traceback" not in result.stderr, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error:") and "refusing to build the site" in lines[0], lines
    return lines[0]


def test_the_config_folder_and_its_ancestors_are_refused(tmp_path):
    project = tmp_path / "desk"
    write_project(project, 3)
    before = snapshot(tmp_path)
    config = load_config(project / "finews.toml")
    for target in (project, tmp_path, Path("/")):
        with pytest.raises(PublishError, match="refusing to build the site there"):
            build_site(articles(3), config, target, search=False)
    assert "the config" in _refused_by_the_cli(project, "-o", ".")
    assert "the config" in _refused_by_the_cli(project, "-o", str(tmp_path))
    assert snapshot(tmp_path) == before  # the config and the archive included


def test_site_output_dot_is_refused_on_every_path(tmp_path):
    project = tmp_path / "desk"
    write_project(project, 3, output=".")
    before = snapshot(tmp_path)
    config = load_config(project / "finews.toml")
    with open_archive(config.database_path) as archive, pytest.raises(PublishError, match="holds the config"):
        build_from_archive(config, archive, config.site_dir, search=False)
    assert "the config" in _refused_by_the_cli(project)
    assert snapshot(tmp_path) == before


def test_the_archives_folder_is_refused(tmp_path):
    project = tmp_path / "desk"
    write_project(project, 2, database="data/finews.db")
    config = load_config(project / "finews.toml")
    with pytest.raises(PublishError, match="holds the archive"):
        build_site(articles(2), config, project / "data", search=False)
    assert (project / "data/finews.db").is_file()


def test_the_home_folder_is_refused(tmp_path, monkeypatch):
    home = tmp_path / "home"
    (home / "notes.txt").parent.mkdir()
    (home / "notes.txt").write_text("mine")
    monkeypatch.setenv("HOME", str(home))
    config = make_config(tmp_path / "elsewhere", SOURCES)
    with pytest.raises(PublishError, match="it is the home folder"):
        build_site(articles(2), config, home, search=False)
    with pytest.raises(PublishError, match="it is the home folder"):
        export_posts(articles(2), "jekyll", home, config)
    assert [p.name for p in home.iterdir()] == ["notes.txt"]


def test_a_folder_finews_did_not_make_is_refused_and_left_as_it_was(tmp_path):
    project = tmp_path / "desk"
    write_project(project, 3)
    www = tmp_path / "www"
    (www / "blog").mkdir(parents=True)
    (www / "index.html").write_text("<h1>my own site</h1>")
    (www / "blog/post.html").write_text("<p>a post</p>")
    before = snapshot(tmp_path)
    with pytest.raises(PublishError, match="no finews build made it"):
        build_site(articles(3), load_config(project / "finews.toml"), www, search=False)
    assert "no finews build made it" in _refused_by_the_cli(project, "-o", "../www")
    assert "no finews build made it" in _refused_by_the_cli(project, "--full", "-o", "../www")
    assert snapshot(tmp_path) == before


def test_a_file_is_refused_not_moved_aside(tmp_path):
    project = tmp_path / "desk"
    write_project(project, 3)
    (tmp_path / "notes.txt").write_text("not a folder")
    before = snapshot(tmp_path)
    with pytest.raises(PublishError, match="it is a file"):
        build_site(articles(3), load_config(project / "finews.toml"), tmp_path / "notes.txt", search=False)
    assert "it is a file" in _refused_by_the_cli(project, "-o", "../notes.txt")
    assert snapshot(tmp_path) == before


def test_an_empty_folder_and_a_finews_site_are_built_into(tmp_path):
    project = tmp_path / "desk"
    write_project(project, 3)
    (tmp_path / "www").mkdir()
    result = finews("build", "-c", str(project / "finews.toml"), "-o", "../www", cwd=project)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "www/index.html").is_file() and (tmp_path / "www/a/1.html").is_file()
    again = finews("build", "-c", str(project / "finews.toml"), "--full", "-o", "../www", cwd=project)
    assert again.returncode == 0, again.stderr


def _users_files(site: Path) -> dict[str, bytes]:
    files = {"CNAME": b"news.example.com\n", ".well-known/security.txt": b"Contact: a@example.com\n"}
    for name, data in files.items():
        (site / name).parent.mkdir(parents=True, exist_ok=True)
        (site / name).write_bytes(data)
    return files


def test_a_users_files_in_the_site_survive_every_kind_of_build(tmp_path):
    project = tmp_path / "desk"
    write_project(project, 4)
    config = load_config(project / "finews.toml")
    site = config.site_dir
    with open_archive(config.database_path) as archive:
        build_from_archive(config, archive, site, search=False)
        mine = _users_files(site)
        archive.save(articles(2, start=10))
        assert build_from_archive(config, archive, site, search=False).incremental
        assert {name: (site / name).read_bytes() for name in mine} == mine
        build_from_archive(config, archive, site, search=False, full=True)
        assert {name: (site / name).read_bytes() for name in mine} == mine
        assert (site / "a/10.html").is_file() and (site / "a/1.html").is_file()
    for args in ((), ("--full",)):  # the real command, both ways
        result = finews("build", "-c", str(project / "finews.toml"), *args, cwd=project)
        assert result.returncode == 0, result.stderr
        assert {name: (site / name).read_bytes() for name in mine} == mine


def test_a_users_file_where_finews_now_writes_is_reported_not_replaced(tmp_path):
    config = make_config(tmp_path, SOURCES)
    site = tmp_path / "site"
    build_site(articles(3), config, site, search=False)
    (site / "a/7.html").write_text("<p>my page</p>")  # the page of an article not published yet
    before = snapshot(site)
    for full in (False, True):
        with pytest.raises(PublishError, match=r"a/7\.html.*finews did not write"):
            build_site(articles(8), config, site, search=False, full=full)
        assert snapshot(site) == before  # the last build's site, whole, and the user's page
    (site / "a/7.html").unlink()
    assert build_site(articles(8), config, site, search=False).articles == 8


def test_leftovers_beside_the_site_go_on_any_build(tmp_path):
    config = make_config(tmp_path, SOURCES)
    site = tmp_path / "site"
    build_site(articles(3), config, site, search=False)
    # a container starts finews as the same pid each time: a leftover may carry the running build's pid
    stale = [tmp_path / f".site.building-{os.getpid()}-x1", tmp_path / f".site.old-{os.getpid()}-x2"]
    for folder in stale:
        (folder / "a").mkdir(parents=True)
        (folder / "a/1.html").write_text("half")
    other = tmp_path / f".blog.building-{os.getpid()}-x3"  # another target's
    other.mkdir()
    assert build_site(articles(3), config, site, search=False).incremental
    assert not any(folder.exists() for folder in stale) and other.exists()


@pytest.mark.parametrize("umask", [0o022, 0o027])
def test_output_gets_the_modes_the_umask_gives(tmp_path, umask):
    folder_mode, file_mode = 0o777 & ~umask, 0o666 & ~umask
    config = make_config(tmp_path, SOURCES)
    previous = os.umask(umask)
    try:
        site, posts = tmp_path / "site", tmp_path / "blog"
        build_site(articles(3), config, site, search=False)
        export_posts(articles(3), "hexo", posts, config)
        build_site(articles(4, text="改"), config, site, search=False)  # pages replaced in place
        export_posts(articles(4, text="改"), "hexo", posts, config)
    finally:
        os.umask(previous)
    for root in (site, posts):
        found = {p: stat.S_IMODE(p.stat().st_mode) for p in [root, *root.rglob("*")]}
        wrong = {str(p): oct(m) for p, m in found.items() if m != (folder_mode if p.is_dir() else file_mode)}
        assert not wrong, wrong
    assert len(list(posts.rglob("*.md"))) == 4
    project = tmp_path / "desk"
    write_project(project, 2)
    result = finews("build", "-c", str(project / "finews.toml"), cwd=project, umask=umask)  # with its search index
    assert result.returncode == 0, result.stderr
    site = project / "site"
    found = {p: stat.S_IMODE(p.stat().st_mode) for p in [site, *site.rglob("*")]}
    assert {m for p, m in found.items() if p.is_dir()} == {folder_mode}
    assert {m for p, m in found.items() if p.is_file()} == {file_mode}


def test_a_staging_folder_a_live_build_holds_is_left_to_it(tmp_path):
    config = make_config(tmp_path, SOURCES)
    site = tmp_path / "site"
    build_site(articles(2), config, site, search=False)
    live = tmp_path / f".site.building-{os.getpid()}-live"  # named with this pid, held by another process
    live.mkdir()
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(live)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout.readline() == "held\n"
        build_site(articles(3), config, site, search=False)
        assert live.is_dir()
    finally:
        holder.communicate("")  # its stdin closes: it lets go and ends
    build_site(articles(3), config, site, search=False)
    assert not live.exists()


HOLD = """
import fcntl, os, sys
fd = os.open(sys.argv[1], os.O_RDONLY)
fcntl.flock(fd, fcntl.LOCK_EX)
print("held", flush=True)
sys.stdin.read()
"""
