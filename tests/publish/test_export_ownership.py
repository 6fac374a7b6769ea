"""Exports write into the user's own Jekyll or Hexo site: only posts finews wrote are replaced or moved."""

from __future__ import annotations

import logging
from datetime import datetime
from pathlib import Path

import pytest

from finews.errors import PublishError
from finews.publish import export_posts, publish_all
from finews.store import open_archive

from ..conftest import make_config
from .safety import BJ, SOURCES, articles, finews, snapshot, write_project

MINE = b"---\ntitle: my own post\n---\nI wrote this.\n"


def _post(root: Path, slug: str) -> Path:
    [path] = root.glob(f"_posts/*-{slug}.md")
    return path


def test_a_users_post_at_a_posts_path_is_kept_and_reported(tmp_path):
    config = make_config(tmp_path, SOURCES)
    blog = tmp_path / "blog"
    first = export_posts(articles(3), "jekyll", blog, config)
    theirs = _post(blog, "1")
    (blog / "_posts/2026-03-03-7.md").write_bytes(MINE)  # where the post of article 7 (not exported yet) goes
    theirs.write_bytes(MINE)  # the user replaced finews' post with their own
    report = export_posts(articles(8, text="新"), "jekyll", blog, config)
    assert sorted(report.kept) == sorted(["_posts/2026-03-03-7.md", f"_posts/{theirs.name}"])
    assert (blog / "_posts/2026-03-03-7.md").read_bytes() == MINE and theirs.read_bytes() == MINE
    assert first.written == 3 and report.written == 6  # the other posts are finews', and changed
    assert "新0" in _post(blog, "0").read_text(encoding="utf-8")


def test_a_post_the_user_edited_is_left_as_edited(tmp_path):
    config = make_config(tmp_path, SOURCES)
    blog = tmp_path / "blog"
    export_posts(articles(2), "hexo", blog, config)
    [edited, other] = sorted(blog.rglob("*.md"))
    edited.write_text(edited.read_text(encoding="utf-8") + "\n编者按：补充。\n", encoding="utf-8")
    report = export_posts(articles(2, text="更新"), "hexo", blog, config)
    assert report.kept == [str(edited.relative_to(blog))] and report.written == 1
    assert edited.read_text(encoding="utf-8").endswith("编者按：补充。\n") and "更新" in other.read_text("utf-8")


def test_posts_written_before_the_manifest_are_still_finews_own(tmp_path):
    """An export killed before it saved which posts it wrote (or one of an older finews)."""
    config = make_config(tmp_path, SOURCES)
    blog = tmp_path / "blog"
    export_posts(articles(4), "jekyll", blog, config)
    [manifest] = [p for p in blog.iterdir() if p.is_file()]
    manifest.unlink()
    again = export_posts(articles(4), "jekyll", blog, config)
    assert (again.unchanged, again.kept) == (4, [])
    changed = export_posts(articles(4, text="改"), "jekyll", blog, config)  # known again: replaced
    assert (changed.written, changed.kept) == (4, [])


def test_archive_moves_take_only_finews_posts(tmp_path):
    config = make_config(tmp_path, SOURCES)
    blog = tmp_path / "blog"
    export_posts(articles(10), "jekyll", blog, config)
    users = blog / "_posts/2026-03-01-0.md"  # article 0's live path, now the user's post
    users.write_bytes(MINE)
    (blog / "old_post").mkdir()
    (blog / "old_post/2026-03-01-1.md").write_bytes(MINE)  # article 1's archive path, the user's too
    now = datetime(2026, 3, 4, 0, 0, tzinfo=BJ)
    report = export_posts(articles(10), "jekyll", blog, config, archive_after_days=2, now=now)
    assert users.read_bytes() == MINE and (blog / "old_post/2026-03-01-1.md").read_bytes() == MINE
    assert report.kept == ["old_post/2026-03-01-1.md"]
    assert (blog / "_posts/2026-03-01-1.md").is_file()  # not moved onto the user's file: still live
    assert (blog / "old_post/2026-03-01-0.md").is_file() and not (blog / "_posts/2026-03-01-2.md").exists()


def test_exports_into_the_root_or_a_file_are_refused(tmp_path):
    config = make_config(tmp_path, SOURCES)
    (tmp_path / "notes.txt").write_text("x")
    for target, message in ((Path("/"), "it is the root folder"), (tmp_path / "notes.txt", "it is a file")):
        with pytest.raises(PublishError, match=message):
            export_posts(articles(1), "jekyll", target, config)
    assert not Path("/_posts").exists() and (tmp_path / "notes.txt").read_text() == "x"


def test_the_cli_reports_the_files_it_kept(tmp_path):
    project = tmp_path / "desk"
    write_project(project, 3)
    blog = tmp_path / "blog"
    assert finews("export", "-c", str(project / "finews.toml"), str(blog), cwd=project).returncode == 0
    post = next(blog.glob("_posts/*.md"))
    post.write_bytes(MINE)
    before = snapshot(blog)
    result = finews("export", "-c", str(project / "finews.toml"), "--body", "html", str(blog), cwd=project)
    assert result.returncode == 0, result.stderr
    assert "1 file finews did not write" in result.stderr and post.name in result.stderr, result.stderr
    assert snapshot(blog)[str(post.relative_to(blog))] == before[str(post.relative_to(blog))]
    refused = finews("export", "-c", str(project / "finews.toml"), "/", cwd=project)
    assert refused.returncode != 0 and "Traceback" not in refused.stderr
    assert refused.stderr.strip().splitlines() == ["error: /: refusing to export posts there: it is the root "
                                                   "folder; give the site's own folder"]  # fmt: skip


def test_finews_run_republishing_keeps_to_the_same_rules(tmp_path, caplog):
    blog = tmp_path / "blog"
    config = make_config(tmp_path, SOURCES, run={"site": False, "exports": [{"directory": str(blog)}]})
    with open_archive(config.database_path) as archive:
        archive.save(articles(2))
        publish_all(config, archive)
        post = next(blog.glob("_posts/*.md"))
        post.write_bytes(MINE)
        archive.save(articles(2, text="新"))
        with caplog.at_level(logging.WARNING):
            report = publish_all(config, archive)
        assert post.read_bytes() == MINE and report.exports[0][1].kept == [f"_posts/{post.name}"]
        assert f"1 file finews did not write was left as it was: _posts/{post.name}" in caplog.text
        dot = make_config(tmp_path, SOURCES, site={"output": "."})
        with pytest.raises(PublishError, match="holds the config"):
            publish_all(dot, archive)
    assert (tmp_path / "finews.db").is_file() and post.read_bytes() == MINE
