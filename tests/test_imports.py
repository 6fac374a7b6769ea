"""What a command imports before it answers: the help page, a bad finews.toml and a search wait for no stage
they do not use (the fetchers, the extractors, the site builder, the web app, Alembic).

Each command runs as its own ``python -X importtime -m finews`` process, which names every module it imports.
"""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from finews.config import load_config
from finews.extract import prepare
from finews.model import Article
from finews.store import open_configured

# what no command needs before it knows it can start
STAGES = {
    "alembic",
    "fastapi",
    "feedparser",
    "finews.enrich.dedup",
    "finews.fetch",
    "finews.pipeline",
    "finews.publish",
    "finews.queue",
    "finews.scheduler",
    "finews.sources",
    "finews.web",
    "html_to_markdown",
    "httpx",
    "jieba",
    "jinja2",
    "lxml",
    "numpy",
    "pypinyin",
    "rjieba",
    "trafilatura",
    "uvicorn",
    "yaml",
}
# what reading and searching the archive needs, and the help page does not
READING = {"finews.config.models", "finews.extract", "finews.store.sql", "nh3", "opencc", "pydantic", "sqlalchemy"}


def run_finews(*args: str, cwd: Path) -> tuple[subprocess.CompletedProcess[str], set[str]]:
    """The finished ``finews`` process and the modules it imported (packages with their submodules)."""
    env = {k: v for k, v in os.environ.items() if k != "FINEWS_CONFIG"}
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "finews", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        timeout=120,
    )
    imported = set()
    for line in done.stderr.splitlines():
        if line.startswith("import time:") and "cumulative" not in line:
            imported.add(line.rsplit("|", 1)[1].strip())
    return done, imported


def among(imported: set[str], names: set[str]) -> set[str]:
    """The names in ``names`` that were imported, themselves or any of their submodules."""
    return {name for name in names if any(m == name or m.startswith(name + ".") for m in imported)}


def messages(done: subprocess.CompletedProcess[str]) -> str:
    return "\n".join(line for line in done.stderr.splitlines() if not line.startswith("import time:"))


def test_the_help_page_imports_no_stage_and_no_archive(tmp_path):
    done, imported = run_finews("--help", cwd=tmp_path)
    assert done.returncode == 0, messages(done)
    assert "Commands:" in done.stdout and "search" in done.stdout
    assert among(imported, STAGES | READING) == set()


@pytest.mark.parametrize("command", [["fetch"], ["run", "--once"], ["search", "芯片"], ["sources"], ["build"]])
def test_a_mistake_in_the_config_is_told_before_any_stage_is_imported(tmp_path, command):
    config = tmp_path / "finews.toml"
    config.write_text('[storge]\npath = "finews.db"\n', encoding="utf-8")
    done, imported = run_finews(*command, "-c", str(config), cwd=tmp_path)
    assert done.returncode == 2
    assert "storge: unknown key (did you mean 'storage'?)" in messages(done)
    assert among(imported, STAGES | {"sqlalchemy", "finews.store"}) == set()
    assert not (tmp_path / "finews.db").exists()


def test_a_search_imports_the_archive_but_no_stage_and_no_alembic(tmp_path):
    config = tmp_path / "finews.toml"
    done, _ = run_finews("init", "-c", str(config), cwd=tmp_path)
    assert done.returncode == 0, messages(done)
    story = Article(
        source="keji",
        url="https://tech.example.cn/p/1",
        title="芯片公司发布新一代推理芯片",
        published=datetime(2026, 3, 3, 9, 10, tzinfo=UTC),
        content_html="<p>新芯片面向云端推理。</p>",
    )
    with open_configured(load_config(config)) as archive:  # made and migrated here: the search finds it current
        archive.save([prepare(story)])

    done, imported = run_finews("search", "-c", str(config), "芯片", cwd=tmp_path)
    assert done.returncode == 0, messages(done)
    assert "1 articles match '芯片'" in done.stdout and "https://tech.example.cn/p/1" in done.stdout
    assert among(imported, STAGES) == set()  # the archive holds the newest schema: nothing to migrate
    assert among(imported, {"sqlalchemy", "finews.store.sql"}) == {"sqlalchemy", "finews.store.sql"}
