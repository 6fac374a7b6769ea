"""Write archived articles as Jekyll or Hexo posts into an existing site folder."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path, PurePosixPath
from typing import Literal

from ..config import Config
from ..errors import PublishError
from ..model import Article
from .atomic import remove_stale_temporaries, sync_folder, write_atomic
from .hexo import hexo_path, render_hexo
from .jekyll import jekyll_path, render_jekyll
from .manifest import Claim, PostManifest
from .ownership import check_export_folder
from .paths import safe_join
from .posts import post_context

Format = Literal["jekyll", "hexo"]
_FORMATS = {"jekyll": (jekyll_path, render_jekyll), "hexo": (hexo_path, render_hexo)}


@dataclass
class ExportReport:
    written: int = 0
    unchanged: int = 0
    archived: int = 0  # posts in the archive folder (archive_after_days)
    kept: list[str] = field(default_factory=list)  # files at posts' paths finews did not write: left as they were

    def kept_note(self, named: int = 5) -> str:
        """One line naming the files left as they were (``kept``)."""
        more = f" and {len(self.kept) - named} more" if len(self.kept) > named else ""
        if len(self.kept) == 1:
            return f"1 file finews did not write was left as it was: {self.kept[0]}"
        return (
            f"{len(self.kept)} files finews did not write were left as they were: {', '.join(self.kept[:named])}{more}"
        )


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
    Only posts finews wrote are replaced or moved (:mod:`.manifest`): a file of the user's at a
    post's path stays as it is, and is listed in the report's ``kept``.
    """
    if fmt not in _FORMATS:
        raise PublishError(f"unknown post format {fmt!r} (use jekyll or hexo)")
    if body not in (None, "markdown", "html"):
        raise PublishError(f"unknown body kind {body!r} (use markdown or html)")
    check_export_folder(out_dir)
    path_of, render = _FORMATS[fmt]
    report = ExportReport()
    owned = PostManifest.load(out_dir)
    cutoff = (now or datetime.now(UTC)) - timedelta(days=archive_after_days) if archive_after_days else None
    folders: set[Path] = set()
    for article in articles:
        ctx = post_context(article, config, body)
        live = path_of(article, ctx)
        target = safe_join(out_dir, *live.parts)
        payload = render(article, ctx, config).encode("utf-8")
        if cutoff is not None and ctx.local_time < cutoff:
            report.archived += 1
            old = _archived(live, archive_folder)
            old_target = safe_join(out_dir, *old.parts)
            if _put(old_target, old.as_posix(), payload, owned, report):
                _take_away(target, live.as_posix(), payload, owned)
            folders.add(old_target.parent)
        else:
            _put(target, live.as_posix(), payload, owned, report)
            folders.add(target.parent)
        if progress:
            progress(1)
    if report.written or report.archived:
        sync_folder(out_dir)  # once for the export: a flush per post took most of its time
    owned.save()  # after the posts are on disk: a post the manifest names is there
    for folder in folders:  # what an export killed mid-write left there
        remove_stale_temporaries(folder)
    return report


def _put(target: Path, relative: str, payload: bytes, owned: PostManifest, report: ExportReport) -> bool:
    """Write a post unless a file finews did not write is there; True when the post is there."""
    claim = owned.claim(relative, target, payload)
    if claim is Claim.FOREIGN:
        report.kept.append(relative)
        return False
    if claim is Claim.SAME:
        report.unchanged += 1
    else:
        write_atomic(target, payload, sync=False)  # flushed once for the whole export
        report.written += 1
    owned.wrote(relative, payload)
    return True


def _take_away(target: Path, relative: str, payload: bytes, owned: PostManifest) -> None:
    """Remove a post moved to the archive folder from the live one, if it is finews' there."""
    if owned.claim(relative, target, payload) in (Claim.OURS, Claim.SAME):
        _remove(target)
    if not target.exists():
        owned.removed(relative)


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
