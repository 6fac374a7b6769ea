"""The static site: Jinja2 pages, feeds (Atom, RSS, JSON Feed) and a Pagefind search index.

Articles stream in newest first: each article page is rendered and its content dropped at once;
only the light fields needed for list pages stay in memory, plus the content of the few newest
articles each feed carries. Company, person, story and day pages are in :mod:`.pages`; a build
from start to end is in :mod:`.build`, and one after a few changes in :mod:`.delta`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from jinja2 import Environment

from ..config import Config, SiteConfig, SourceConfig
from ..extract.clean import html_to_text
from ..model import BEIJING, Article
from . import listing, pages
from .feeds import Entry, FeedWriter, legal_chars, make_entry
from .incremental import Output, digest
from .paths import base_prefix
from .posts import Category, article_category, post_slug, source_settings
from .records import (
    C_CATEGORY,
    C_CATEGORY_NAME,
    C_EXTRAS,
    C_ID,
    C_SLUG,
    C_SOURCE,
    C_STORY,
    C_SUMMARY,
    C_TIME,
    C_TITLE,
    Cached,
    extras,
    raw_context,
    sort_key,
    stamp,
)
from .search import DELTA, Plan, index_groups, index_subset, plan, previous_bundles
from .state import BuildState
from .talent import organizations_chart
from .theme import static_files

Mention = tuple[str, str, str]  # kind ("company" | "person"), key (ticker or normalized name), name


@dataclass(slots=True)  # not frozen: 100k are made per build, and a frozen one is slower to make
class Item:
    """What a list page needs of an article."""

    slug: str
    title: str
    source: str
    source_title: str
    category: str
    time: datetime  # Beijing time
    summary: str
    id: int | None = None


@dataclass
class EntityPage:
    """A company's or a person's page: its folder name and the articles confidently mentioning it."""

    kind: str
    key: str
    name: str
    folder: str  # company/<safe key>/
    items: list[Item]


NO_BASE_URL = (
    "site.base_url is not set: sitemap.xml and the feeds' links to pages (RSS, JSON Feed) left out, "
    "as they must be absolute; set it to your site's address"
)


def site_warnings(site: SiteConfig) -> list[str]:
    """What a build of this site leaves out and why, for the build's output (said once per build)."""
    return [] if base_prefix(site.base_url) else [NO_BASE_URL]


@dataclass
class SiteReport:
    articles: int = 0
    pages: int = 0  # pages and feeds the site has
    written: int = 0  # files this build wrote (pages, feeds, static files, search index)
    unchanged: int = 0  # files left as the last build wrote them
    rendered: int = 0  # article pages rendered (the others were unchanged and skipped)
    indexed: bool = False  # the search index was rebuilt
    incremental: bool = False
    search_seconds: float = 0.0  # of the build's time, making the Pagefind index (bench figures)


class _Builder:
    def __init__(
        self,
        config: Config,
        out: Path,
        also: Mapping[int, list[Article]] | None = None,
        moves: list[dict] | None = None,
        mentions: Mapping[int, list[Mention]] | None = None,
        *,
        output: Output,
        env: Environment,
        fingerprint: str,
        load: Callable[[Article], Article] | None = None,
        search: bool = True,
        previous: BuildState | None = None,
        threads: Mapping[int, int] | None = None,
    ) -> None:
        self.config = config
        self.threads = threads or {}  # story id → its storyline, for the stories in storylines of two or more
        self.search_seconds = 0.0
        self.records: list[Cached] = []  # every article as the next build may take it from the state
        self.contexts: dict[int, str] = {}  # article id → what of other reports and entities its page shows
        self.dirty: set[int | None] = set()  # articles whose list item is new or changed: their lists change
        self.old_lists: dict[str, list] = previous.lists() if previous is not None else {}
        self.previous_search: dict | None = previous.get("search") if previous is not None else None
        self.listings: dict[str, list] = {}  # list folder → [digest of its heading, its article ids oldest first]
        self.search_enabled = search
        self.search_plan: Plan | None = None
        self.site = config.site
        self.base = base_prefix(self.site.base_url)  # "" when not set: then no absolute URL is written
        self.out = out
        self.output = output
        self.env = env
        self.fingerprint = fingerprint  # of templates and settings: part of every article page's inputs
        self.load = load  # the full article of a light one (no content), when it must be rendered
        self.rendered: set[str] = set()  # article pages rendered by this build
        self.also = also or {}  # first report id → other sources' copies ("also reported by")
        self.moves = moves  # executive moves for the talent-flow page, when the archive has them
        self.slugs: dict[int, str] = {}
        self.pages = 0
        self.items: list[Item] = []
        self.mentions = mentions
        self.feeds: dict[str, list[str]] = defaultdict(list)  # feed folder ("" for the site) → entry slugs
        self.entries: dict[str, Entry] = {}
        # entity feeds can reach any old article; past this many articles they carry digests, not full text
        self.content_budget = self.site.feed_items * 5
        self.entities: dict[tuple[str, str], EntityPage] = {}
        self.folders: set[str] = set()
        self.stories: dict[int, list[Item]] = defaultdict(list)
        self.sitemap: list[tuple[str, str]] = []  # (path, lastmod in UTC ISO or "")
        self.feed_writer = FeedWriter(self.env, output.write, self.site)
        self.nav = [{"slug": s.category, "name": s.category_name} for s in _unique_categories(config.sources)]
        self.sources: dict[str, SourceConfig] = {}
        self.category_names = {s.category: s.category_name for s in config.sources}

    def source(self, name: str) -> SourceConfig:
        if name not in self.sources:
            self.sources[name] = source_settings(name, self.config)
        return self.sources[name]

    def write(
        self,
        relative: str,
        template: str,
        *,
        lastmod: datetime | None = None,
        sitemap: list[tuple[str, str]] | None = None,
        **context: object,
    ) -> None:
        depth = relative.count("/")
        html = self.env.get_template(template).render(
            site=self.site,
            nav=self.nav,
            root="../" * depth,
            talent_page=self.moves is not None,
            search_page=self.search_enabled,
            entity_pages=self.mentions is not None,
            base=self.base,
            page_path=relative,
            **context,
        )
        self.output.write(relative, legal_chars(html))
        (self.sitemap if sitemap is None else sitemap).append((relative, stamp(lastmod)))
        self.pages += 1

    def entity(self, kind: str, key: str, name: str) -> EntityPage:
        found = self.entities.get((kind, key))
        if found is None:
            found = EntityPage(kind, key, name, pages.entity_folder(kind, key, self.folders), [])
            self.entities[(kind, key)] = found
        return found

    def context(self, article_id: int | None) -> tuple[list[dict], list[EntityPage], list[dict]]:
        """An article's "also reported by" links, its entities and their badges."""
        if article_id not in self.also and (self.mentions is None or article_id not in self.mentions):
            return [], [], []  # most articles: looked up once per article per build, so kept short
        also = [
            {"url": other.url, "title": other.title, "source_title": self.source(other.source).title}
            for other in self.also.get(article_id or -1, [])
        ]
        found = list(
            {
                (kind, key): self.entity(kind, key, name)
                for kind, key, name in (self.mentions or {}).get(article_id or -1, [])
                if kind in pages.ENTITY_KINDS
            }.values()
        )
        badges = [{"kind": pages.ENTITY_KINDS[e.kind], "name": e.name, "href": f"{e.folder}index.html"} for e in found]
        return also, found, badges

    def add(self, article: Article | Cached) -> None:
        if isinstance(article, list):
            self.add_cached(article)
            return
        source = self.source(article.source)
        category = article_category(article, source)
        self.category_names.setdefault(category.slug, category.name)
        slug = post_slug(article)
        if article.id is not None:
            self.slugs[article.id] = slug
        when = (article.published or article.fetched_at or datetime(1970, 1, 1, tzinfo=UTC)).astimezone(BEIJING)
        also, found, badges = self.context(article.id)
        item = Item(slug, article.title, article.source, source.title, category.slug, when, _short(article.summary),
                    article.id)  # fmt: skip
        relative = f"a/{slug}.html"
        lastmod = article.updated or article.published
        inputs = digest(repr((self.fingerprint, _article_key(article), source.title, category, also, badges)))
        self.output.inputs[relative] = inputs
        if self.output.old_inputs.get(relative) == inputs and self.output.keep(relative):
            self.pages += 1
        else:
            article = self.render(article, relative, source, category, when, also, badges)
        self.records.append([article.id, slug, article.title, article.source, category.slug, category.name,
                             when.isoformat(), item.summary, stamp(lastmod), article.story_id, sort_key(article),
                             extras(also, badges)])  # fmt: skip
        self.note_context(article.id)
        self.listed(article, item, found)

    def render(self, article: Article, relative: str, source: SourceConfig, category: Category, when: datetime,
               also: list[dict], badges: list[dict]) -> Article:  # fmt: skip
        article = self.full(article)
        # a digest cut from the body's first lines would only repeat it
        digest_ = article.summary if article.summary[:40] not in html_to_text(article.content_html)[:200] else ""
        self.write(relative, "article.html", lastmod=article.updated or article.published,
                   sitemap=[], article=article, source=source, time=when, digest=digest_,
                   current_category=category.slug, also=also, badges=badges,
                   related=article.story_id is not None)  # fmt: skip
        self.rendered.add(relative)
        self.dirty.add(article.id)
        return article  # the full one: its feed entry needs its text too

    def note_context(self, article_id: int | None) -> None:
        """Keep what of other reports and entities an article's page shows, as the archive gave it.

        The next build compares it to tell which old pages those changes reach (:mod:`.delta`).
        """
        if article_id is None or (article_id not in self.also and article_id not in (self.mentions or {})):
            return
        self.contexts[article_id] = raw_context(article_id, self.also, self.mentions)

    def add_cached(self, record: Cached) -> None:
        """An article the archive says did not change since the last build: its page stays as it is.

        Only its "also reported by" links and entities are looked at again (they change without the
        article changing); when they did, the article is read from the archive and its page rendered.
        """
        article_id, slug = record[C_ID], record[C_SLUG]
        source = self.source(record[C_SOURCE])
        self.category_names.setdefault(record[C_CATEGORY], record[C_CATEGORY_NAME])
        self.slugs[article_id] = slug
        when = datetime.fromisoformat(record[C_TIME])
        item = Item(slug, record[C_TITLE], record[C_SOURCE], source.title, record[C_CATEGORY], when,
                    record[C_SUMMARY], article_id)  # fmt: skip
        also, found, badges = self.context(article_id)
        relative = f"a/{slug}.html"
        if extras(also, badges) == record[C_EXTRAS] and self.output.carry(relative):
            self.pages += 1
            self.records.append(record)
            self.note_context(article_id)
            self.listed(None, item, found, story_id=record[C_STORY])
            return
        self.output.inputs.pop(relative, None)
        self.add(self.full(_stub(item)))  # renders its page again, with what changed around it

    def listed(
        self, article: Article | None, item: Item, found: list[EntityPage], *, story_id: int | None = None
    ) -> None:
        """Put an article's item into the lists and feeds it belongs to (an unread one is loaded for a feed)."""
        story_id = article.story_id if article is not None else story_id
        slug = item.slug
        source_title = item.source_title
        self.items.append(item)
        if story_id is not None:
            self.stories[story_id].append(item)
        listed = False  # in the site's or its category's feed, which always carry the full text
        for folder in ("", f"category/{item.category}/"):
            if len(self.feeds[folder]) < self.site.feed_items:
                self.feeds[folder].append(slug)
                listed = True
        mentioned = False
        for entity in found:
            entity.items.append(item)
            if len(self.feeds[entity.folder]) < self.site.feed_items:
                self.feeds[entity.folder].append(slug)
                mentioned = True
        if listed or mentioned:
            keep = listed or len(self.items) <= self.content_budget
            light = article if article is not None else self.full(_stub(item))  # an unread one is loaded
            self.entries[slug] = make_entry(self.full(light) if keep else light, slug, source_title, content=keep)

    def full(self, article: Article) -> Article:
        return self.load(article) if self.load is not None else article

    def lists(self) -> None:
        self.paginate("", self.items, heading=self.site.title, feed=False)
        by_source: dict[str, list[Item]] = defaultdict(list)
        by_category: dict[str, list[Item]] = defaultdict(list)
        for item in self.items:
            by_source[item.source].append(item)
            by_category[item.category].append(item)
        for name, items in by_source.items():
            self.paginate(f"source/{name}/", items, heading=self.source(name).title, feed=False)
        names = self.category_names
        for slug, items in by_category.items():
            self.paginate(f"category/{slug}/", items, heading=names.get(slug, slug), feed=True, category=slug)
            self.feed(f"category/{slug}/", names.get(slug, slug))
        self.feed("", self.site.title)
        if self.moves is not None:
            self.talent(self.moves)
        if self.mentions is not None:
            pages.entity_pages(self)
        pages.story_pages(self)
        pages.archive_pages(self)
        if self.search_enabled:
            self.search_plan = self.plan_search()
            merge = self.search_plan.merge()  # the other shards and the delta: one query searches them all
            self.write("search.html", "search.html", lastmod=self.items[0].time if self.items else None, merge=merge)
        pages.sitemap_and_robots(self)

    def newest_time(self) -> datetime | None:
        return self.items[0].time if self.items else None

    def talent(self, moves: list[dict]) -> None:
        for move in moves:
            move["reports"] = [{**r, "slug": self.slugs.get(r["article_id"])} for r in move["reports"]]
        newest = self.newest_time()
        self.write("talent/index.html", "talent.html", lastmod=newest, moves=moves, chart=organizations_chart(moves))

    def paginate(self, base: str, items: Sequence[Item], *, heading: str, feed: bool, category: str = "") -> None:
        listing.paginate(self, base, items, heading=heading, feed=feed, category=category)

    def feed(self, folder: str, title: str) -> None:
        entries = [self.entries[slug] for slug in self.feeds.get(folder, [])]
        self.pages += len(self.feed_writer.write(folder, title, entries))

    def static(self, theme: Path | None) -> None:
        for name, data in static_files(theme).items():
            self.output.write(f"static/{name}", data)

    def plan_search(self) -> Plan:
        """Decide what to index (the search page names the other shards and the delta index)."""
        pages = [p for p in self.output.files if p.startswith("a/")]
        previous = self.previous_search
        there = all((self.out / b / "pagefind-entry.json").is_file() for b in previous_bundles(previous))
        return plan(previous, pages, self.rendered, bundle_there=there)

    def search(self, chosen: Plan) -> bool:
        """Make the Pagefind index the plan asks for, keep the rest; True when an index was made."""
        if chosen.full and self.items:
            # the shards are indexed side by side; a shard folder the last index had and this one
            # has not is neither written nor kept, so the build's finish() deletes it
            self.write_index(index_groups(self.out, chosen.shards()))
            return True
        made = False
        shards = tuple(f"{b}/" for b in chosen.bundles)
        for path in self.output.old_files:
            if path.startswith(shards) or (path.startswith(f"{DELTA}/") and chosen.delta and not chosen.index_delta):
                self.output.keep(path)
        if chosen.index_delta:
            self.write_index(index_subset(self.out, chosen.delta))
            made = True
        return made

    def write_index(self, files: dict[str, bytes]) -> None:
        old = self.output.old_files
        for path, data in files.items():
            if path in old and not (self.out / path).is_file():
                # a bundle removed behind the builder's back (which makes the index again): the
                # state would call its unchanged files written, and they would stay missing
                del old[path]
            self.output.write(path, data)


def _stub(item: Item) -> Article:
    """An article known only from its list item; :meth:`_Builder.full` reads the rest from the archive."""
    return Article(id=item.id, source=item.source, url="", title=item.title, slug=item.slug)


def _article_key(article: Article) -> tuple:
    """What of an article shows on its page; the archive's content hash stands for title, text and dates."""
    content = article.content_hash or digest(article.content_html)
    return (content, article.id, article.slug, article.title, article.summary, article.source, article.url,
            article.author, tuple(article.categories), article.published or article.fetched_at, article.updated,
            article.story_id is not None)  # fmt: skip


def _unique_categories(sources: list[SourceConfig]) -> list[SourceConfig]:
    seen: dict[str, SourceConfig] = {}
    for source in sources:
        seen.setdefault(source.category, source)
    return list(seen.values())


def _short(text: str, limit: int = 120) -> str:
    return text if len(text) <= limit else text[:limit].rstrip() + "…"


__all__ = ["NO_BASE_URL", "EntityPage", "Item", "SiteReport", "site_warnings"]
