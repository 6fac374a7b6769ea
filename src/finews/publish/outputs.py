"""Everything ``finews run`` republishes after a round that changed the archive."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime

from ..config import Config
from ..store import Archive
from .export import ExportReport, export_posts
from .reading import build_from_archive
from .site import SiteReport

log = logging.getLogger(__name__)


@dataclass
class PublishReport:
    site: SiteReport | None = None
    exports: list[tuple[str, ExportReport]] = field(default_factory=list)  # (directory, report)


def publish_all(config: Config, archive: Archive, *, now: datetime | None = None) -> PublishReport:
    """Rebuild the site (when ``run.site``) and every ``[[run.exports]]`` folder from the archive.

    Both refuse a folder that is not theirs to write (:mod:`.ownership`) with a :class:`PublishError`.
    """
    report = PublishReport()
    if config.run.site:
        report.site = build_from_archive(config, archive, config.site_dir)
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
        if result.kept:  # a round has no one to answer: said in the log, every round, until moved
            log.warning("%s: %s", directory, result.kept_note())
        report.exports.append((str(directory), result))
    return report
