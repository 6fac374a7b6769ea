"""Everything ``finews run`` republishes after a round that changed the archive."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from ..config import Config
from ..store import Archive
from ..store.queries import confident_mentions
from .export import ExportReport, export_posts
from .site import SiteReport, build_site


@dataclass
class PublishReport:
    site: SiteReport | None = None
    exports: list[tuple[str, ExportReport]] = field(default_factory=list)  # (directory, report)


def publish_all(config: Config, archive: Archive, *, now: datetime | None = None) -> PublishReport:
    """Rebuild the site (when ``run.site``) and every ``[[run.exports]]`` folder from the archive."""
    report = PublishReport()
    if config.run.site:
        engine = getattr(archive, "engine", None)  # an archive not on SQL has no mentions to show
        report.site = build_site(
            archive.iter_articles(),
            config,
            config.site_dir,
            also=archive.also_reported(),
            moves=archive.moves(),
            mentions=confident_mentions(engine) if engine is not None else None,
        )
    for target in config.run.exports:
        directory = config.resolve(target.directory)
        result = export_posts(
            archive.iter_articles(),
            target.format,
            directory,
            config,
            body=target.body,
            archive_after_days=target.archive_after_days,
            archive_folder=target.archive_folder,
            now=now,
        )
        report.exports.append((str(directory), result))
    return report
