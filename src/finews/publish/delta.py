"""A build after a few articles came or changed: only the listings they are in are read again.

The streaming build (:mod:`.site`) walks every article's record to make its lists; on a 100k
archive that alone took seconds for one new article. Here the build state (:mod:`.state`) is
the index: the changed articles' records are put into it, then each listing one of them is in
(or was in) is read back from it in order, and only the pages whose items moved are rendered.
Pages, feeds and sitemap files no change reaches are not looked at. A change this build does
not handle in place (a listing or an entity that empties, an entity whose name or folder would
change) gives way to the streaming build, which makes the same site.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import date, datetime
from pathlib import Path

from ..config import Config
from ..errors import DeltaFallback as Fallback  # declared in finews.errors
from ..model import Article
from . import pages
from .build import _save_lists
from .feeds import make_entry
from .incremental import Output
from .listing import Members
from .records import (
    C_CATEGORY,
    C_CATEGORY_NAME,
    C_ID,
    C_SLUG,
    C_SORT,
    C_SOURCE,
    C_STORY,
    C_SUMMARY,
    C_TIME,
    C_TITLE,
    raw_context,
)
from .search import DELTA, Plan, index_groups, index_subset, plan, previous_bundles
from .site import EntityPage, Item, SiteReport, _Builder
from .state import BuildState
from .theme import environment

LIMIT = 2_000  # changed articles past which the streaming build is about as quick


class _StoredLists(Mapping[str, list]):
    """The last build's listings, read from the state one at a time."""

    def __init__(self, state: BuildState) -> None:
        self.state = state

    def __getitem__(self, folder: str) -> list:
        found = self.state.listing(folder)
        if found is None:
            raise KeyError(folder)
        return found

    def __iter__(self) -> Iterator[str]:
        return iter(self.state.lists())

    def __len__(self) -> int:
        return len(self.state.lists())


class DeltaBuilder(_Builder):
    """Renders the changed articles, then the listings, stories and indexes they reach."""

    def __init__(self, *args: object, state: BuildState, **kwargs: object) -> None:
        # the streaming build's arguments, passed on as they are; the state stands in for the previous build
        super().__init__(*args, previous=None, **kwargs)  # type: ignore[arg-type]
        self.state = state
        self.old_lists = _StoredLists(state)  # type: ignore[assignment]  # read lazily, used as the dict it replaces
        self.previous_search = state.get("search")
        self.placed: dict[int, tuple[Item, list[EntityPage], int | None]] = {}
        self.stored_entities = state.entities()
        self.taken = {folder.lower() for folder, _ in self.stored_entities.values()}
        for (kind, key), (folder, name) in self.stored_entities.items():
            self.entities[(kind, key)] = EntityPage(kind, key, name, folder, [])
        self.item_cache: dict[int, Item] = {}
        self.configured_categories = dict(self.category_names)  # the names the settings give
        self.newest: datetime | None = None
        self.total = 0  # articles the site has

    def newest_time(self) -> datetime | None:
        return self.newest

    def entity(self, kind: str, key: str, name: str) -> EntityPage:
        found = self.entities.get((kind, key))
        if found is None:
            folder = pages.entity_folder(kind, key, self.taken)
            if folder != pages.entity_base(kind, key):
                raise Fallback(f"entity folder {folder} depends on the order of articles")
            found = EntityPage(kind, key, name, folder, [])
            self.entities[(kind, key)] = found
        return found

    def listed(
        self, article: Article | None, item: Item, found: list[EntityPage], *, story_id: int | None = None
    ) -> None:
        story = article.story_id if article is not None else story_id
        if item.id is not None:
            self.placed[item.id] = (item, found, story)

    # -- items read back from the state -----------------------------------------------------------
    def items_of(self, ids: Sequence[int | None]) -> list[Item]:
        missing = [i for i in ids if i is not None and i not in self.item_cache]
        for article_id, record in self.state.records_by_id(missing).items():
            self.item_cache[article_id] = self.item(record)
        return [self.item_cache[i] for i in ids if i is not None]

    def item(self, record: list) -> Item:
        source = self.source(record[C_SOURCE])
        self.slugs[record[C_ID]] = record[C_SLUG]
        return Item(record[C_SLUG], record[C_TITLE], record[C_SOURCE], source.title, record[C_CATEGORY],
                    datetime.fromisoformat(record[C_TIME]), record[C_SUMMARY], record[C_ID])  # fmt: skip

    def members(self, ids: list[int]) -> Members:
        return Members(list(ids), self.items_of)


def is_page(path: str) -> bool:
    """What the site's count of pages counts: its HTML pages and feeds, not its assets or search index."""
    if path.startswith(("static/", "pagefind")):
        return False
    return path.endswith(".html") or path.rsplit("/", 1)[-1] in ("atom.xml", "rss.xml", "feed.json")


def memberships(record: list, folders: list[str]) -> set[str]:
    """The listings (and ``story:<id>``) an article's record puts it in."""
    day = record[C_TIME][:10].replace("-", "/")
    found = {"", f"source/{record[C_SOURCE]}/", f"category/{record[C_CATEGORY]}/", f"archive/{day}/", *folders}
    if record[C_STORY] is not None:
        found.add(f"story:{record[C_STORY]}")
    return found


def build_delta(
    config: Config,
    out_dir: Path,
    state: BuildState,
    fresh: list[Article],
    removed: set[int],
    *,
    also: Mapping[int, list[Article]],
    moves: list[dict] | None,
    mentions: Mapping[int, list[tuple[str, str, str]]] | None,
    load: Callable[[Article], Article],
    fingerprint: str,
    theme: Path | None,
    search: bool,
    meta: dict,
    threads: Mapping[int, int] | None = None,
) -> SiteReport:
    """Put ``fresh`` (changed articles, light, newest first) and ``removed`` (ids) into the site.

    Raises :class:`Fallback` (the site and the state as they were) when the change needs the streaming build.
    """
    output = Output(out_dir, state, journal=True, complete=False)
    try:
        builder = DeltaBuilder(config, out_dir, also, moves, mentions, output=output, env=environment(theme),
                               fingerprint=fingerprint, load=load, search=search, state=state,
                               threads=threads)  # fmt: skip
        indexed = _apply(builder, state, fresh, removed, theme)
        for key, value in meta.items():
            state.set(key, value)
        added = sum(1 for p in output.written_paths if is_page(p) and p not in output.old_files)
        gone = sum(1 for p in output.removed if is_page(p) and p not in output.files and p in output.old_files)
        builder.pages = int(state.get("pages") or 0) + added - gone
        _save_lists(builder, state)
        output.finish(state)
    except BaseException:
        output.rollback()
        state.undo()
        raise
    return SiteReport(articles=builder.total, pages=builder.pages, written=output.written,
                      unchanged=output.unchanged, rendered=len(builder.rendered), indexed=indexed,
                      incremental=True, search_seconds=builder.search_seconds)  # fmt: skip


def _apply(
    builder: DeltaBuilder,
    state: BuildState,
    fresh: list[Article],
    removed: set[int],
    theme: Path | None,
) -> bool:
    changed_ids = [a.id for a in fresh if a.id is not None]
    old = state.records_by_id([*changed_ids, *removed])
    touched: set[str] = set()
    months: set[str] = set()
    was_in: dict[int, set[str]] = {}
    for article_id, record in old.items():
        was_in[article_id] = memberships(record, state.folders_of(article_id))
        touched |= was_in[article_id]
        months.add(record[C_TIME][:7])
    for article_id in removed:
        builder.output.remove(f"a/{old[article_id][C_SLUG]}.html")
    for article in fresh:
        builder.add(article)
    state.delete_articles([*changed_ids, *removed])
    state.put_records((record, builder.contexts.get(record[C_ID], "")) for record in builder.records)
    new_entities = [(e.folder, e.kind, e.key, e.name) for k, e in builder.entities.items()
                    if k not in builder.stored_entities]  # fmt: skip
    placed = [(e.folder, article_id) for article_id, (_, found, _) in builder.placed.items() for e in found]
    state.put_entities(new_entities, placed)
    # where articles join listings; those that left one, or moved in time, make it read back in order
    arrivals: dict[str, list[tuple[str, int]]] = {}
    moved = set(removed)
    for record in builder.records:
        before = old.get(record[C_ID])
        if before is not None and before[C_SLUG] != record[C_SLUG]:  # its page moved
            builder.output.remove(f"a/{before[C_SLUG]}.html")
        folders = [e.folder for e in builder.placed[record[C_ID]][1]]
        joined = memberships(record, folders)
        touched |= joined
        left = was_in.get(record[C_ID], set())
        if before is not None and (before[C_SORT] != record[C_SORT] or left - joined):
            moved.add(record[C_ID])
        for folder in joined - left:
            arrivals.setdefault(folder, []).append((record[C_SORT], record[C_ID]))
        months.add(record[C_TIME][:7])
    for listed in arrivals.values():
        listed.sort()
    _listings(builder, state, touched, arrivals, moved)
    stored = builder.stored_entities
    named = [(e.folder, e.kind, e.key, e.name) for k, e in builder.entities.items()
             if stored.get(k) != (e.folder, e.name)]  # fmt: skip
    state.put_entities(named, [])  # a new entity is called as its newest article says
    _stories(builder, state, {int(t.split(":")[1]) for t in touched if t.startswith("story:")})
    if builder.moves is not None:
        reports = {r["article_id"] for move in builder.moves for r in move["reports"]}
        builder.items_of(sorted(reports))  # their slugs, for the links
        builder.talent(builder.moves)
    if builder.search_enabled:
        builder.search_plan = _plan(builder, state)
        builder.write("search.html", "search.html", lastmod=builder.newest, merge=builder.search_plan.merge())
    _sitemap(builder, state, months)
    builder.static(theme)
    if builder.search_plan is None:
        return False
    started = time.perf_counter()
    try:
        return _search(builder, state, builder.search_plan)
    finally:
        builder.search_seconds = time.perf_counter() - started


def _sitemap(builder: DeltaBuilder, state: BuildState, months: set[str]) -> None:
    state.drop_pages(builder.output.removed)
    state.put_pages(builder.sitemap)
    counts = state.month_counts()
    listed = state.pages()
    sectioned = sum(counts.values()) + len(listed) > pages.SITEMAP_LIMIT
    was = "sitemap/pages.xml" in builder.output.old_files
    if was and not sectioned:
        raise Fallback("the sitemap fits one file again")
    pages.write_sitemaps(builder, counts, state.article_pages, listed, months if was or not sectioned else set(counts))
    for path in state.paths_under("sitemap/"):
        if path not in builder.output.files and not path.startswith("sitemap/articles-"):
            builder.output.remove(path)


def _appended(builder: DeltaBuilder, state: BuildState, folder: str, arrivals: list[tuple[str, int]],
              moved: set[int]) -> list[int] | None:  # fmt: skip
    """A listing's ids when the changes only add articles newer than its newest (news arriving), else None.

    Then the stored ids are read from one row, where reading them back in order took a scan of the
    listing's articles (100k for the home page).
    """
    old = builder.old_lists.get(folder)
    if not old or not old[1] or (moved and moved.intersection(old[1])):
        return None
    if not arrivals:
        return list(old[1])  # its articles changed in place
    newest = state.records_by_id([old[1][-1]]).get(old[1][-1])
    if newest is None or arrivals[0] <= (newest[C_SORT], newest[C_ID]):
        return None
    return [*old[1], *(article_id for _, article_id in arrivals)]


def _listings(builder: DeltaBuilder, state: BuildState, touched: set[str], arrivals: dict[str, list[tuple[str, int]]],
              moved: set[int]) -> None:  # fmt: skip
    site = builder.site
    home = _appended(builder, state, "", arrivals.get("", []), moved) or state.ordered_ids()
    if not home:
        raise Fallback("the site has no article left")
    builder.newest = builder.items_of([home[-1]])[0].time
    builder.total = len(home)
    positions = {article_id: n for n, article_id in enumerate(reversed(home[-builder.content_budget :]))}
    feeds: dict[str, tuple[str, list[int]]] = {}
    entities = {e.folder: e for e in builder.entities.values()}
    for folder in sorted(t for t in touched if not t.startswith("story:")):
        kind = folder.split("/", 1)[0]
        ids = _appended(builder, state, folder, arrivals.get(folder, []), moved)
        if ids is not None:
            pass
        elif folder == "":
            ids = home
        elif kind == "source":
            ids = state.ordered_ids("source = ?", (folder[7:-1],))
        elif kind == "category":
            ids = state.ordered_ids("category = ?", (folder[9:-1],))
        elif kind == "archive":
            day = folder[8:-1].replace("/", "-")
            ids = state.ordered_ids("time >= ? AND time < ?", (day, f"{day}~"))
        else:
            ids = state.mentioned_ids(folder)
        if not ids:
            raise Fallback(f"listing {folder or '/'} has no article left")
        items = builder.members(ids)
        _shrink(builder, folder, len(ids))
        if folder == "":
            builder.paginate("", items, heading=site.title, feed=False)
            feeds[""] = (site.title, ids)
        elif kind == "source":
            builder.paginate(folder, items, heading=builder.source(folder[7:-1]).title, feed=False)
        elif kind == "category":
            slug = folder[9:-1]
            # a category the settings do not name is called as its newest article says
            name = builder.configured_categories.get(slug) or state.records_by_id([ids[-1]])[ids[-1]][C_CATEGORY_NAME]
            builder.paginate(folder, items, heading=name, feed=True, category=slug)
            feeds[folder] = (name, ids)
        elif kind == "archive":
            pages.day_listing(builder, date.fromisoformat(folder[8:-1].replace("/", "-")), items)
        else:
            entity = entities[folder]
            newest = (builder.mentions or {}).get(ids[-1], [])
            name = next((n for k, key, n in newest if (k, key) == (entity.kind, entity.key)), entity.name)
            if name != entity.name and (entity.kind, entity.key) in builder.stored_entities:
                raise Fallback(f"{folder} is now called {name}: every page mentioning it changes")
            entity.name = name
            heading = pages.entity_heading(entity)
            builder.paginate(folder, items, heading=heading, feed=True)
            feeds[folder] = (f"{heading} · {site.title}", ids)
    for folder, (title, ids) in feeds.items():
        _feed(builder, state, folder, title, ids, positions)
    if any(t.startswith("archive/") for t in touched):
        days = sorted(_sizes(builder, state, "archive/").items(), reverse=True)
        counted_days = [(date.fromisoformat(folder[8:-1].replace("/", "-")), count) for folder, count in days]
        pages.archive_index(builder, counted_days, builder.newest)
    if builder.mentions is not None:  # its date is the site's newest article's, as on every build
        counts = {**_sizes(builder, state, "company/"), **_sizes(builder, state, "person/")}
        counted = [(e, counts[e.folder]) for e in builder.entities.values() if e.folder in counts]
        pages.entity_indexes(builder, counted, builder.newest)


def _sizes(builder: DeltaBuilder, state: BuildState, prefix: str) -> dict[str, int]:
    """Articles per listing under ``prefix``, as this build leaves them."""
    sizes = state.list_sizes(prefix)
    sizes.update((folder, len(ids)) for folder, (_, ids) in builder.listings.items() if folder.startswith(prefix))
    return {folder: size for folder, size in sizes.items() if size}


def _shrink(builder: DeltaBuilder, folder: str, count: int) -> None:
    """Remove the sealed pages a listing no longer fills (one that lost articles)."""
    old = builder.old_lists.get(folder)
    per = builder.site.per_page
    before = max(0, len(old[1]) // per - 1) if old else 0
    for number in range(max(0, count // per - 1) + 1, before + 1):
        builder.output.remove(f"{folder}page/{number}/index.html")


def _feed(builder: DeltaBuilder, state: BuildState, folder: str, title: str, ids: list[int],
          positions: dict[int, int]) -> None:  # fmt: skip
    """A listing's feeds: its newest entries, with their text where the streaming build gives it."""
    newest = ids[-builder.site.feed_items :][::-1]
    category_feeds: dict[str, list[int]] = {}
    for item in builder.items_of(newest):
        if item.slug in builder.entries:
            continue
        # the site's and each category's feeds carry the text; others only for the site's newest articles
        keep = folder == "" or folder.startswith("category/") or item.id in positions
        if not keep:
            if item.category not in category_feeds:
                newest_there = state.ordered_ids("category = ?", (item.category,))[-builder.site.feed_items :]
                category_feeds[item.category] = newest_there
            keep = item.id in category_feeds[item.category]
        assert builder.load is not None  # the streaming build always hands the delta build its loader
        article = builder.load(Article(id=item.id, source=item.source, url="", title=item.title, slug=item.slug))
        builder.entries[item.slug] = make_entry(article, item.slug, item.source_title, content=keep)
    builder.feeds[folder] = [item.slug for item in builder.items_of(newest)]
    builder.feed(folder, title)


def _stories(builder: DeltaBuilder, state: BuildState, stories: set[int]) -> None:
    """The touched stories' pages and sections, and those of every other event of their storylines
    (their "相关进展" lists the touched ones; a story's storyline never changes once it is set)."""
    touched = {builder.threads[s] for s in stories if s in builder.threads}
    stories = stories | {s for s, thread in builder.threads.items() if thread in touched}
    for story_id in sorted(stories):
        ids = state.ordered_ids("story = ?", (story_id,))
        builder.stories[story_id] = builder.items_of(ids[::-1])
        if len(ids) < 2:
            builder.output.remove(f"story/{story_id}/index.html")
    pages.story_pages(builder)


def _plan(builder: DeltaBuilder, state: BuildState) -> Plan:
    """The search plan: every article page is in the last index or its delta, or was rendered now."""
    previous = builder.previous_search
    gone = {p for p in builder.output.removed if p.startswith("a/") and p not in builder.output.files}
    known = [*(previous or {}).get("main", []), *(previous or {}).get("delta", []), *sorted(builder.rendered)]
    articles = [p for p in dict.fromkeys(known) if p not in gone]
    there = all((builder.out / b / "pagefind-entry.json").is_file() for b in previous_bundles(previous))
    return plan(previous, articles, builder.rendered, bundle_there=there)


def _search(builder: DeltaBuilder, state: BuildState, chosen: Plan) -> bool:
    """Make the index the plan asks for; what an index no longer has is removed."""
    bundles = {*previous_bundles(builder.previous_search), *chosen.bundles, DELTA}
    if chosen.full:
        builder.write_index(index_groups(builder.out, chosen.shards()))
        made = True
    elif chosen.index_delta:
        builder.write_index(index_subset(builder.out, chosen.delta))
        bundles = {DELTA}
        made = True
    elif not chosen.delta:
        bundles = {DELTA}
        made = False
    else:
        return False
    for bundle in bundles:
        for path in state.paths_under(f"{bundle}/"):
            if path not in builder.output.files:
                builder.output.remove(path)
    return made


def changed_contexts(
    state: BuildState, also: Mapping[int, list[Article]], mentions: Mapping[int, list[tuple[str, str, str]]] | None
) -> set[int]:
    """Articles whose other reports or entities are not what their pages show."""
    before = state.contexts()
    now = {article_id: raw_context(article_id, also, mentions) for article_id in set(also) | set(mentions or {})}
    return {i for i in before.keys() | now.keys() if before.get(i, "") != now.get(i, "")}
