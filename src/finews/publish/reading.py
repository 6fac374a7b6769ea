"""The site from the archive: every article's light fields, and the full text only of the pages to render.

Reading 100k full articles takes seconds; an incremental build needs the text only of the few
articles that are new or changed (and of the newest, which the feeds carry), so on a site that
was built before it reads the light columns of every article and loads the rest one by one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

from sqlalchemy import literal, select

from ..config import Config
from ..model import Article
from ..store.queries import confident_mentions
from ..store.rows import article_from_row
from ..store.schema import articles as table
from .incremental import load_manifest
from .site import SiteReport, build_site

_HEAVY = ("content_html", "content_markdown", "annotations", "fingerprint")


def build_from_archive(
    config: Config,
    archive: object,
    out_dir: Path,
    *,
    progress: Callable[[int], None] | None = None,
    full: bool = False,
    search: bool = True,
) -> SiteReport:
    """Build the site of everything ``archive`` holds into ``out_dir`` (incrementally when it can)."""
    engine = getattr(archive, "engine", None)  # an archive not on SQL has no mentions and no light read
    light = engine is not None and not full and load_manifest(out_dir) is not None
    articles = _light_articles(engine) if light else archive.iter_articles()  # type: ignore[attr-defined]
    return build_site(
        articles,
        config,
        out_dir,
        progress=progress,
        also=archive.also_reported(),  # type: ignore[attr-defined]
        moves=archive.moves(),  # type: ignore[attr-defined]
        mentions=confident_mentions(engine) if engine is not None else None,
        load=_loader(archive) if light else None,
        full=full,
        search=search,
    )


def _light_articles(engine: object) -> Iterator[Article]:
    """Published articles newest first, as ``iter_articles`` orders them, without their text."""
    columns = [c for c in table.c if c.name not in _HEAVY]
    blanks = [literal("").label(name) for name in _HEAVY[:2]]
    query = (
        select(*columns, *blanks, literal("[]").label("annotations"), literal(None).label("fingerprint"))
        .where(table.c.duplicate_of.is_(None))
        .order_by(table.c.sort_at.desc(), table.c.id.desc())
    )
    with engine.connect() as conn:  # type: ignore[attr-defined]
        for row in conn.execution_options(stream_results=True, yield_per=2000).execute(query):
            yield article_from_row(row)


def _loader(archive: object) -> Callable[[Article], Article]:
    def load(article: Article) -> Article:
        if article.content_html or article.id is None:
            return article
        found = archive.get(article.id)  # type: ignore[attr-defined]
        return found if found is not None else article

    return load
