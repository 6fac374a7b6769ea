"""What a writer killed mid-write leaves behind is removed by the next run, and only that."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from finews.publish.atomic import remove_stale_temporaries, replace_folder, write_atomic


def _dead_pid() -> int:
    child = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    return int(child.stdout)


def test_a_killed_writers_temporary_file_goes_a_live_ones_stays(tmp_path: Path) -> None:
    write_atomic(tmp_path / "post.md", "正文")
    dead = tmp_path / f".post.md.{_dead_pid()}-abc123.tmp"
    live = tmp_path / f".other.md.{os.getpid()}-def456.tmp"
    unrelated = tmp_path / ".gitkeep"
    for path in (dead, live, unrelated):
        path.write_text("half")
    assert remove_stale_temporaries(tmp_path) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([".gitkeep", live.name, "post.md"])


def test_a_killed_builds_staging_folder_is_removed_by_the_next_build(tmp_path: Path) -> None:
    site = tmp_path / "site"
    stale = tmp_path / f".site.building-{_dead_pid()}-xyz"
    (stale / "a").mkdir(parents=True)
    other = tmp_path / f".blog.building-{_dead_pid()}-xyz"  # another target's: not ours to touch
    other.mkdir()
    with replace_folder(site) as staging:
        (staging / "index.html").write_text("<!doctype html>")
    assert (site / "index.html").exists()
    assert not stale.exists() and other.exists()
