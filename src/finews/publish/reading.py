"""The site from the archive, reading no more of it than changed since the last build.

Reading 100k full articles takes seconds, and even their light columns take 20 s on SQLite (it
walks past each row's text to reach the columns after it). The last build keeps in its state
(:mod:`.state`) what the list pages and feeds need of every article (:data:`.site.Cached`) and when
it read the archive; the next one asks the archive only for the articles changed since then (the
indexed ``changed_at``), the ids of the published ones and the story of each (both read from
indexes), and loads the full text only of the pages it renders and the feeds' newest entries.
A few changes are put in place by :mod:`.delta`; more go through the streaming build.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from ..config import Config
from ..model import Article
from ..store.queries import confident_mentions, light_articles, published_ids, story_members, story_threads
from .build import build_site
from .delta import LIMIT, Fallback, build_delta, changed_contexts
from .ownership import check_site_folder
from .records import C_ID, C_SORT, C_STORY, Cached, sort_key
from .site import SiteReport
from .state import BuildState
from .theme import environment, site_fingerprint, theme_folder

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from ..store.base import Archive

# a save that began before the last build read the archive may have committed after it, with an
# earlier changed_at: the articles changed this long before that read are read again
MARGIN = timedelta(minutes=5)


def build_from_archive(
    config: Config,
    archive: Archive,
    out_dir: Path,
    *,
    progress: Callable[[int], None] | None = None,
    full: bool = False,
    search: bool = True,
) -> SiteReport:
    """Build the site of everything ``archive`` holds into ``out_dir`` (incrementally when it can).

    ``out_dir`` must be new, empty or a site finews built (:func:`.ownership.check_site_folder`).
    """
    check_site_folder(out_dir, config)
    previous = None if full else BuildState.open(out_dir)
    try:
        return _build(config, archive, out_dir, previous, progress=progress, full=full, search=search)
    finally:
        if previous is not None:
            previous.close()  # a build closes it when done; this is for one that failed before


def _build(
    config: Config,
    archive: Archive,
    out_dir: Path,
    previous: BuildState | None,
    *,
    progress: Callable[[int], None] | None,
    full: bool,
    search: bool,
) -> SiteReport:
    engine = getattr(archive, "engine", None)  # an archive not on SQL has no mentions and no light read
    started = datetime.now(UTC).replace(tzinfo=None)
    moves = archive.moves()
    mentions = confident_mentions(engine) if engine is not None else None
    also = archive.also_reported()
    threads = story_threads(engine) if engine is not None else None
    articles: Iterable[Article | Cached]
    if engine is None or previous is None:
        articles = archive.iter_articles()
    else:
        theme = theme_folder(config)
        fingerprint = site_fingerprint(config, environment(theme), talent=moves is not None,
                                       entities=mentions is not None, search=search)  # fmt: skip
        same = previous.get("fingerprint") == fingerprint
        if same and _has_cache(previous):
            try:
                report = _delta(config, archive, engine, out_dir, previous, also=also, moves=moves,
                                mentions=mentions, fingerprint=fingerprint, theme=theme, search=search,
                                started=started, threads=threads)  # fmt: skip
            except Fallback:
                pass  # the streaming build below makes the same site (the state is as the last build left it)
            else:
                if progress:
                    progress(report.articles)
                return report
        articles = _changed(engine, previous) if same and _has_cache(previous) else light_articles(engine)
    return build_site(
        articles,
        config,
        out_dir,
        progress=progress,
        also=also,
        moves=moves,
        mentions=mentions,
        load=_loader(archive) if previous is not None else None,
        full=full,
        search=search,
        previous=previous,
        cache={"read_at": started.isoformat()} if engine is not None else None,
        threads=threads,
    )


def _delta(
    config: Config,
    archive: Archive,
    engine: Engine,
    out_dir: Path,
    state: BuildState,
    *,
    also: dict[int, list[Article]],
    moves: list[dict] | None,
    mentions: dict[int, list[tuple[str, str, str]]] | None,
    fingerprint: str,
    theme: Path | None,
    search: bool,
    started: datetime,
    threads: dict[int, int] | None = None,
) -> SiteReport:
    """Publish what changed since the last build into its site, reading only the listings it reaches."""
    since = datetime.fromisoformat(state.get("read_at")) - MARGIN
    published = set(published_ids(engine))
    home = state.listing("")  # every article the site has, in one row
    known = {i for i in home[1] if i is not None} if home else set(state.article_ids())
    stories, before = story_members(engine), state.stories()
    # a story is set without touching changed_at, and so are other reports and entities found later
    again = {i for i in stories.keys() | before.keys() if stories.get(i) != before.get(i)}
    again |= changed_contexts(state, also, mentions)
    again = (again & published) | (published - known)
    fresh = sorted(light_articles(engine, since=since, ids=again), key=_article_order, reverse=True)
    removed = known - published
    if len(fresh) + len(removed) > LIMIT:
        raise Fallback(f"{len(fresh) + len(removed)} articles changed")
    report = build_delta(config, out_dir, state, fresh, removed, also=also, moves=moves, mentions=mentions,
                         load=_loader(archive), fingerprint=fingerprint, theme=theme, search=search,
                         meta={"fingerprint": fingerprint, "read_at": started.isoformat()},
                         threads=threads)  # fmt: skip
    state.close()
    return report


def _has_cache(previous: BuildState) -> bool:
    return isinstance(previous.get("read_at"), str)


def _changed(engine: Engine, previous: BuildState) -> Iterator[Article | Cached]:
    """The last build's records of unchanged articles and the changed ones, merged newest first."""
    records = previous.records()
    since = datetime.fromisoformat(previous.get("read_at")) - MARGIN
    published = set(published_ids(engine))
    stories = story_members(engine)
    known = {record[C_ID] for record in records}
    # a story is set without touching changed_at; an article saved while the last build ran may
    # carry a changed_at from before it: both are read again by id
    again = {record[C_ID] for record in records if stories.get(record[C_ID]) != record[C_STORY]}
    again |= published - known
    fresh = sorted(light_articles(engine, since=since, ids=again), key=_article_order, reverse=True)
    changed = {article.id for article in fresh}
    kept = (record for record in records if record[C_ID] in published and record[C_ID] not in changed)
    merged: Iterator[Article | Cached] = heapq.merge(kept, fresh, key=_order, reverse=True)
    yield from merged


def _article_order(article: Article) -> tuple[str, int]:
    return sort_key(article), article.id or 0


def _order(entry: Article | Cached) -> tuple[str, int]:
    if isinstance(entry, list):
        return entry[C_SORT], entry[C_ID]
    return _article_order(entry)


def _loader(archive: Archive) -> Callable[[Article], Article]:
    def load(article: Article) -> Article:
        if article.content_html or article.id is None:
            return article
        found = archive.get(article.id)
        return found if found is not None else article

    return load
