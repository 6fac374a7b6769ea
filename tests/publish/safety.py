"""Shared pieces of the output-safety tests: articles, an archive and a config file the real CLI reads."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

from finews.extract import prepare
from finews.model import Article
from finews.store import open_archive

BJ = timezone(timedelta(hours=8))
SOURCES = [
    {"name": "em", "title": "东财", "url": "x", "category": "emnews", "category_name": "东财滚动新闻"},
    {"name": "kr", "title": "36kr", "url": "y", "category": "tech", "category_name": "科技"},
]
FINEWS = Path(sys.executable).with_name("finews")  # the installed command, as a user runs it


def articles(n: int, *, start: int = 0, text: str = "正文") -> list[Article]:
    made = []
    for i in range(start, start + n):
        article = prepare(
            Article(
                source="em" if i % 2 else "kr",
                url=f"https://e.cn/a/{i}.html",
                title=f"第{i}条新闻",
                published=datetime(2026, 3, 1, 8, 0, tzinfo=BJ) + timedelta(hours=7 * i),
                content_html=f"<p>{text}{i}：公司公告了第{i}季度的业绩。</p>",
            )
        )
        article.slug = str(i)
        made.append(article)
    return sorted(made, key=lambda a: a.published, reverse=True)


def write_project(folder: Path, count: int, *, output: str = "site", database: str = "finews.db") -> Path:
    """A finews.toml and an archive of ``count`` articles in ``folder``; the config's path."""
    folder.mkdir(parents=True, exist_ok=True)
    lines = [f'[storage]\npath = "{database}"\n', f'[site]\noutput = "{output}"\n']
    for source in SOURCES:
        lines.append("[[sources]]\n" + "".join(f'{key} = "{value}"\n' for key, value in source.items()))
    config = folder / "finews.toml"
    config.write_text("\n".join(lines), encoding="utf-8")
    with open_archive(folder / database) as archive:
        archive.save(articles(count))
    return config


def finews(*args: str, cwd: Path, umask: int | None = None) -> subprocess.CompletedProcess[str]:
    """The real ``finews`` command in its own process."""
    return subprocess.run(
        [str(FINEWS), *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "COLUMNS": "400"},  # one error line stays one line
        preexec_fn=(lambda: os.umask(umask)) if umask is not None else None,
    )


def snapshot(root: Path) -> dict[str, tuple[int, bytes | None]]:
    """Every entry under ``root`` with its mode and, for files, its bytes."""
    found: dict[str, tuple[int, bytes | None]] = {}
    for path in sorted(root.rglob("*")):
        info = path.lstat()
        found[str(path.relative_to(root))] = (info.st_mode, path.read_bytes() if path.is_file() else None)
    return found
