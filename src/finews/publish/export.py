"""Write archived articles as Jekyll or Hexo posts into an existing site folder."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path, PurePosixPath
from typing import Literal

from ..config import Config
from ..errors import PublishError
from ..model import Article
from .atomic import remove_stale_temporaries, sync_folder, write_if_changed
from .hexo import hexo_path, render_hexo
from .jekyll import jekyll_path, render_jekyll
from .paths import safe_join
from .posts import post_context

Format = Literal["jekyll", "hexo"]
_FORMATS = {"jekyll": (jekyll_path, render_jekyll), "hexo": (hexo_path, render_hexo)}


@dataclass
class ExportReport:
    written: int = 0
    unchanged: int = 0
    archived: int = 0  # posts moved out of the live folder (archive_after_days)


def export_posts(
    articles: Iterable[Article],
    fmt: Format,
    out_dir: Path,
    config: Config,
    *,
    body: str | None = None,
    progress: Callable[[int], None] | None = None,
    archive_after_days: int | None = None,
    archive_folder: str = "old_post",
    now: datetime | None = None,
) -> ExportReport:
    """One post per article at a path that depends only on the article, written only when it changed.

    With ``archive_after_days``, posts older than that go to ``archive_folder`` (``old_post/`` beside
    ``_posts/``, as the eastmoney site did) and leave the live folder, so the site builds fast.
    """
    if fmt not in _FORMATS:
        raise PublishError(f"unknown post format {fmt!r} (use jekyll or hexo)")
    if body not in (None, "markdown", "html"):
        raise PublishError(f"unknown body kind {body!r} (use markdown or html)")
    path_of, render = _FORMATS[fmt]
    report = ExportReport()
    cutoff = (now or datetime.now(UTC)) - timedelta(days=archive_after_days) if archive_after_days else None
    folders: set[Path] = set()
    for article in articles:
        ctx = post_context(article, config, body)
        live = path_of(article, ctx)
        target = safe_join(out_dir, *live.parts)
        if cutoff is not None and ctx.local_time < cutoff:
            old = safe_join(out_dir, *_archived(live, archive_folder).parts)
            _remove(target)
            report.archived += 1
            target = old
        if write_if_changed(target, render(article, ctx, config)):
            report.written += 1
        else:
            report.unchanged += 1
        folders.add(target.parent)
        if progress:
            progress(1)
    if report.written or report.archived:
        sync_folder(out_dir)  # once for the export: a flush per post took most of its time
    for folder in folders:  # what an export killed mid-write left there
        remove_stale_temporaries(folder)
    return report


def _archived(live: PurePosixPath, folder: str) -> PurePosixPath:
    """``_posts/a.md`` → ``old_post/a.md``; ``source/_posts/x/a.md`` → ``source/old_post/x/a.md``."""
    parts = list(live.parts)
    parts[parts.index("_posts")] = folder
    return PurePosixPath(*parts)


def _remove(path: Path) -> None:
    try:
        path.unlink(missing_ok=True)
    except OSError as exc:
        raise PublishError(f"{path}: cannot move to the archive folder: {exc.strerror or exc}") from None
