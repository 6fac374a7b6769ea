"""Write archived articles as Jekyll or Hexo posts into an existing site folder."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from ..config import Config
from ..errors import PublishError
from ..model import Article
from .atomic import write_if_changed
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


def export_posts(
    articles: Iterable[Article],
    fmt: Format,
    out_dir: Path,
    config: Config,
    *,
    body: str | None = None,
    progress: Callable[[int], None] | None = None,
) -> ExportReport:
    """One post per article at a path that depends only on the article, written only when it changed."""
    if fmt not in _FORMATS:
        raise PublishError(f"unknown post format {fmt!r} (use jekyll or hexo)")
    if body not in (None, "markdown", "html"):
        raise PublishError(f"unknown body kind {body!r} (use markdown or html)")
    path_of, render = _FORMATS[fmt]
    report = ExportReport()
    for article in articles:
        ctx = post_context(article, config, body)
        target = safe_join(out_dir, *path_of(article, ctx).parts)
        if write_if_changed(target, render(article, ctx, config)):
            report.written += 1
        else:
            report.unchanged += 1
        if progress:
            progress(1)
    return report
