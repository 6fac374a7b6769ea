"""A site build from start to end: aside or in place, the builder run, its state saved.

The first build goes into a folder aside that is swapped in whole. Later builds are incremental
(:mod:`.incremental`): an article whose inputs did not change is not rendered again, and only
files whose bytes changed are written, each undone if the build fails.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path

from ..config import Config
from ..model import Article
from .atomic import replace_folder
from .incremental import Output, recover
from .ownership import carry_foreign, check_site_folder
from .records import C_ID, Cached
from .site import Mention, SiteReport, _Builder
from .state import BuildState
from .theme import environment, site_fingerprint, theme_folder


def build_site(
    articles: Iterable[Article | Cached],
    config: Config,
    out_dir: Path,
    *,
    progress: Callable[[int], None] | None = None,
    also: Mapping[int, list[Article]] | None = None,
    moves: list[dict] | None = None,
    mentions: Mapping[int, list[Mention]] | None = None,
    load: Callable[[Article], Article] | None = None,
    search: bool = True,
    full: bool = False,
    previous: BuildState | None = None,
    cache: dict | None = None,
    threads: Mapping[int, int] | None = None,
) -> SiteReport:
    """Render the pages for ``articles`` (newest first) into ``out_dir``.

    ``also`` maps an article id to the other sources' copies of it, listed on its page; ``moves``
    (the archive's executive moves) makes the talent-flow page; ``mentions`` maps an article id to its
    confident companies and people, which makes their pages, feeds and the badges on article pages;
    ``threads`` maps a story id to its storyline's, which links the events of one storyline.
    ``load`` gives the full article of a light one (``articles`` may then come without their
    content); ``search`` makes the Pagefind index; ``full`` rebuilds everything aside.
    ``articles`` may hold, in their place in the order, the records the last build kept of
    articles that did not change (:data:`Cached`, from the last build's state); ``previous`` is that
    state when the caller already opened it (this build closes it); ``cache`` is saved in the new state
    for the next build (when the archive was read).

    ``out_dir`` must be new, empty or a site finews built (:func:`.ownership.check_site_folder`); a
    build aside carries the files finews did not write there into the new site.
    """
    check_site_folder(out_dir, config)
    theme = theme_folder(config)
    env = environment(theme)
    fingerprint = site_fingerprint(config, env, talent=moves is not None, entities=mentions is not None, search=search)
    state = None if full else previous or BuildState.open(out_dir)
    if state is not None and state.get("fingerprint") != fingerprint:
        state.close()
        state = None  # other templates or settings: every page changes, build it aside
    meta = {"fingerprint": fingerprint, **(cache or {})}
    if state is None:
        if out_dir.is_dir():
            recover(out_dir)  # a killed incremental build's pages would pass for the user's files
        with replace_folder(out_dir) as staging:
            output = Output(staging, None, journal=False)
            builder = _Builder(config, staging, also, moves, mentions, output=output, env=env,
                               fingerprint=fingerprint, load=load, search=search, threads=threads)  # fmt: skip
            indexed = _run(builder, articles, progress, theme, search)
            _save(builder, output, BuildState.create(staging), meta)
            carry_foreign(out_dir, staging, set(output.files))
    else:
        try:
            output = Output(out_dir, state, journal=True)
            try:
                builder = _Builder(config, out_dir, also, moves, mentions, output=output, env=env,
                                   fingerprint=fingerprint, load=load, search=search, previous=state,
                                   threads=threads)  # fmt: skip
                indexed = _run(builder, articles, progress, theme, search)
                state.close()  # the new state replaces it whole
                _save(builder, output, BuildState.create(out_dir), meta)
            except BaseException:
                output.rollback()
                raise
        finally:
            state.close()
    return SiteReport(articles=len(builder.items), pages=builder.pages, written=output.written,
                      unchanged=output.unchanged, rendered=len(builder.rendered), indexed=indexed,
                      incremental=state is not None, search_seconds=builder.search_seconds)  # fmt: skip


def _run(
    builder: _Builder,
    articles: Iterable[Article | Cached],
    progress: Callable[[int], None] | None,
    theme: Path | None,
    search: bool,
) -> bool:
    for article in articles:
        builder.add(article)
        if progress:
            progress(1)
    builder.lists()
    builder.static(theme)
    if builder.search_plan is None:
        return False
    started = time.perf_counter()
    try:
        return builder.search(builder.search_plan)
    finally:
        builder.search_seconds = time.perf_counter() - started


def _save(builder: _Builder, output: Output, state: BuildState, meta: dict) -> None:
    """Everything the next build needs into a new ``state``, which the finished build commits."""
    try:
        for key, value in meta.items():
            state.set(key, value)
        _save_lists(builder, state)
        state.put_records((record, builder.contexts.get(record[C_ID], "")) for record in builder.records)
        state.put_entities(
            ((e.folder, e.kind, e.key, e.name) for e in builder.entities.values()),
            ((e.folder, item.id) for e in builder.entities.values() for item in e.items if item.id is not None),
        )
        state.put_pages(builder.sitemap)
        output.finish(state)
    finally:
        state.close()


def _save_lists(builder: _Builder, state: BuildState) -> None:
    """The listings' members and the search index's plan, which any build saves."""
    state.set("search", builder.search_plan.state() if builder.search_plan else None)
    state.set("pages", builder.pages)
    state.put_lists(builder.listings)


__all__ = ["SiteReport", "build_site", "environment", "theme_folder"]
