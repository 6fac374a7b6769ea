"""A full disk or a read-only folder: a clear error, and the archive stays whole and complete.

Real file systems, not simulated errors: a tmpfs of a few megabytes (mounted as root, as CI runs),
filled to the last byte under the archive, then remounted read-only under the output folders.
"""

from __future__ import annotations

import collections
import errno
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from finews.errors import PublishError
from finews.pipeline import fetch_all
from finews.publish import build_site, export_posts
from finews.store import open_archive

from ..conftest import CORPORA, make_config
from ..loopback import LoopbackServer
from ..requirements import unavailable
from .harness import GrowingFeeds, archived_links, corpus_items, integrity


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 4 MB tmpfs, unmounted afterwards whatever happens."""
    mount = tmp_path / "disk"
    mount.mkdir()
    if os.geteuid() != 0:
        unavailable("mounting a small tmpfs needs root (CI runs as root)")
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(mount)], capture_output=True)
    if done.returncode != 0:
        unavailable(f"cannot mount a tmpfs here: {done.stderr.decode().strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def _fill(folder: Path) -> Path:
    """Take every free byte of the file system under ``folder``."""
    filler = folder / "filler"
    with filler.open("wb") as handle:
        try:
            while True:
                handle.write(b"\0" * 65536)
                handle.flush()
        except OSError as exc:
            assert exc.errno == errno.ENOSPC
    return filler


def test_a_full_disk_under_the_archive_is_a_clear_error_and_loses_nothing(tmp_path, small_disk, corpora):
    with LoopbackServer() as server:
        feeds = GrowingFeeds(server, ["alpha", "beta"], corpus_items(corpora, 200), window=60)
        config = make_config(
            small_disk,
            [{"name": n, "url": feeds.url(n)} for n in feeds.names],
            storage={"path": str(small_disk / "finews.db")},
            fetch={"retries": 0},
            understand={"enabled": False},  # the archive is under test: no word lists to load
        )
        feeds.advance(5)
        with open_archive(config.database_path) as archive:
            assert not fetch_all(config, archive).failed
            filler = _fill(small_disk)
            feeds.advance(40)  # no byte left for them
            full = fetch_all(config, archive)
            errors = [s.error for s in full.failed]
            assert errors, "nothing failed on a full disk?"
            for error in errors:
                assert str(config.database_path) in error and ("disk is full" in error or "disk full" in error), error
            print(f"\nfull disk: {len(errors)} sources failed with: {errors[0][:160]}")
            assert integrity(config.database_path) == "ok"

            filler.unlink()  # space again: the next fetch stores what the full disk refused
            again = fetch_all(config, archive)
            assert not again.failed, again.failed
    assert integrity(config.database_path) == "ok"
    counts = collections.Counter(archived_links(config.database_path))
    assert set(counts) == feeds.links() and max(counts.values()) == 1


def _published(tmp_path: Path, disk: Path, archive) -> tuple:
    with LoopbackServer() as server:
        feeds = GrowingFeeds(server, ["alpha"], corpus_items(CORPORA, 20))
        feeds.advance(8)
        config = make_config(tmp_path, [{"name": "alpha", "url": feeds.url("alpha")}], fetch={"retries": 0})
        fetch_all(config, archive)
    articles = list(archive.iter_articles())
    build_site(articles, config, disk / "site")
    export_posts(articles, "jekyll", disk / "posts", config)
    before = sorted(p.relative_to(disk) for p in disk.rglob("*"))
    subprocess.run(["mount", "-o", "remount,ro", str(disk)], check=True)
    return config, articles, before


def test_read_only_export_folder_is_a_clear_error(tmp_path, small_disk, corpora, archive):
    config, articles, before = _published(tmp_path, small_disk, archive)
    for fmt, folder in (("jekyll", "posts"), ("hexo", "hexo")):
        with pytest.raises(PublishError, match="read-only file system") as info:
            export_posts(articles, fmt, small_disk / folder, config, body="html")
        assert str(small_disk) in str(info.value)
    assert sorted(p.relative_to(small_disk) for p in small_disk.rglob("*")) == before


def test_read_only_site_folder_is_a_clear_error_and_keeps_the_old_site(tmp_path, small_disk, corpora, archive):
    config, articles, before = _published(tmp_path, small_disk, archive)
    with pytest.raises(PublishError, match="read-only file system") as info:
        build_site(articles, config, small_disk / "site")
    assert str(small_disk) in str(info.value)
    assert sorted(p.relative_to(small_disk) for p in small_disk.rglob("*")) == before
