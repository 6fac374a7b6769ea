"""The static site: Jinja2 pages and feeds (Atom, RSS, JSON Feed), built aside and swapped in whole.

Articles stream in newest first: each article page is rendered and its content dropped at once;
only the light fields needed for list pages stay in memory, plus the content of the few newest
articles each feed carries. Company, person, story and day pages are in :mod:`.pages`.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path

from jinja2 import Environment, PackageLoader, select_autoescape

from ..config import Config, SourceConfig
from ..extract.clean import html_to_text
from ..model import BEIJING, Article
from . import pages
from .atomic import replace_folder, write_atomic
from .feeds import Entry, FeedWriter, make_entry
from .posts import article_category, post_slug, source_settings
from .talent import organizations_chart

Mention = tuple[str, str, str]  # kind ("company" | "person"), key (ticker or normalized name), name


@dataclass(frozen=True)
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


@dataclass
class SiteReport:
    articles: int = 0
    pages: int = 0


def _environment() -> Environment:
    return Environment(
        loader=PackageLoader("finews.publish", "templates"),
        autoescape=select_autoescape(["html", "xml"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )


class _Builder:
    def __init__(
        self,
        config: Config,
        out: Path,
        also: Mapping[int, list[Article]] | None = None,
        moves: list[dict] | None = None,
        mentions: Mapping[int, list[Mention]] | None = None,
    ) -> None:
        self.config = config
        self.site = config.site
        self.out = out
        self.env = _environment()
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
        self.sitemap: list[tuple[str, datetime | None]] = []
        self.feed_writer = FeedWriter(self.env, out, self.site)
        self.nav = [{"slug": s.category, "name": s.category_name} for s in _unique_categories(config.sources)]
        self.sources: dict[str, SourceConfig] = {}
        self.category_names = {s.category: s.category_name for s in config.sources}

    def source(self, name: str) -> SourceConfig:
        if name not in self.sources:
            self.sources[name] = source_settings(name, self.config)
        return self.sources[name]

    def write(self, relative: str, template: str, *, lastmod: datetime | None = None, **context: object) -> None:
        depth = relative.count("/")
        html = self.env.get_template(template).render(
            site=self.site,
            nav=self.nav,
            root="../" * depth,
            talent_page=self.moves is not None,
            entity_pages=self.mentions is not None,
            **context,
        )
        write_atomic(self.out / relative, html)
        self.sitemap.append((relative, lastmod))
        self.pages += 1

    def entity(self, kind: str, key: str, name: str) -> EntityPage:
        found = self.entities.get((kind, key))
        if found is None:
            found = EntityPage(kind, key, name, pages.entity_folder(kind, key, self.folders), [])
            self.entities[(kind, key)] = found
        return found

    def add(self, article: Article) -> None:
        source = self.source(article.source)
        category = article_category(article, source)
        self.category_names.setdefault(category.slug, category.name)
        slug = post_slug(article)
        if article.id is not None:
            self.slugs[article.id] = slug
        when = (article.published or article.fetched_at or datetime(1970, 1, 1, tzinfo=UTC)).astimezone(BEIJING)
        # a digest cut from the body's first lines would only repeat it
        digest = article.summary if article.summary[:40] not in html_to_text(article.content_html)[:200] else ""
        also = [
            {"url": other.url, "title": other.title, "source_title": self.source(other.source).title}
            for other in self.also.get(article.id or -1, [])
        ]
        item = Item(slug, article.title, article.source, source.title, category.slug, when, _short(article.summary),
                    article.id)  # fmt: skip
        found = list(
            {
                (kind, key): self.entity(kind, key, name)
                for kind, key, name in (self.mentions or {}).get(article.id or -1, [])
                if kind in pages.ENTITY_KINDS
            }.values()
        )
        badges = [{"kind": pages.ENTITY_KINDS[e.kind], "name": e.name, "href": f"{e.folder}index.html"} for e in found]
        self.write(f"a/{slug}.html", "article.html", lastmod=article.updated or article.published,
                   article=article, source=source, time=when, digest=digest, current_category=category.slug,
                   also=also, badges=badges, related=article.story_id is not None)  # fmt: skip
        self.items.append(item)
        if article.story_id is not None:
            self.stories[article.story_id].append(item)
        listed = False  # in the site's or its category's feed, which always carry the full text
        for folder in ("", f"category/{category.slug}/"):
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
            self.entries[slug] = make_entry(article, slug, source.title, content=keep)

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
        pages.sitemap_and_robots(self)

    def talent(self, moves: list[dict]) -> None:
        for move in moves:
            move["reports"] = [{**r, "slug": self.slugs.get(r["article_id"])} for r in move["reports"]]
        newest = self.items[0].time if self.items else None
        self.write("talent/index.html", "talent.html", lastmod=newest, moves=moves, chart=organizations_chart(moves))

    def paginate(self, base: str, items: list[Item], *, heading: str, feed: bool, category: str = "") -> None:
        per = self.site.per_page
        count = max(1, -(-len(items) // per))
        for number in range(1, count + 1):
            chunk = items[(number - 1) * per : number * per]
            path = f"{base}index.html" if number == 1 else f"{base}page/{number}/index.html"
            # links between pages of one listing, relative to the current page
            up = "" if number == 1 else "../../"
            page = {
                "number": number,
                "count": count,
                "base": up,
                "prev": None
                if number == 1
                else (f"{up}index.html" if number == 2 else f"{up}page/{number - 1}/index.html"),
                "next": None if number == count else f"{up}page/{number + 1}/index.html",
            }
            days = [(d, list(group)) for d, group in itertools.groupby(chunk, key=lambda i: i.time.date())]
            self.write(path, "list.html", lastmod=chunk[0].time if chunk else None, heading=heading, days=days,
                       page=page, feed=feed, current_category=category)  # fmt: skip

    def feed(self, folder: str, title: str) -> None:
        entries = [self.entries[slug] for slug in self.feeds.get(folder, [])]
        self.pages += len(self.feed_writer.write(folder, title, entries))

    def static(self) -> None:
        folder = resources.files("finews.publish") / "static"
        for item in folder.iterdir():
            if item.is_file():
                write_atomic(self.out / "static" / item.name, item.read_bytes())


def build_site(
    articles: Iterable[Article],
    config: Config,
    out_dir: Path,
    *,
    progress: Callable[[int], None] | None = None,
    also: Mapping[int, list[Article]] | None = None,
    moves: list[dict] | None = None,
    mentions: Mapping[int, list[Mention]] | None = None,
) -> SiteReport:
    """Render every page for ``articles`` (newest first) into ``out_dir``, replacing it only when done.

    ``also`` maps an article id to the other sources' copies of it, listed on its page; ``moves``
    (the archive's executive moves) makes the talent-flow page; ``mentions`` maps an article id to its
    confident companies and people, which makes their pages, feeds and the badges on article pages.
    """
    with replace_folder(out_dir) as staging:
        builder = _Builder(config, staging, also, moves, mentions)
        for article in articles:
            builder.add(article)
            if progress:
                progress(1)
        builder.lists()
        builder.static()
        return SiteReport(articles=len(builder.items), pages=builder.pages)


def _unique_categories(sources: list[SourceConfig]) -> list[SourceConfig]:
    seen: dict[str, SourceConfig] = {}
    for source in sources:
        seen.setdefault(source.category, source)
    return list(seen.values())


def _short(text: str, limit: int = 120) -> str:
    return text if len(text) <= limit else text[:limit].rstrip() + "…"


__all__ = ["SiteReport", "build_site"]
