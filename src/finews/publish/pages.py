"""The site's cross-cutting pages: companies and people, stories, the day-by-day archive, sitemap and robots.txt.

All of them are made after the articles have streamed by, from the light items the builder kept.
"""

from __future__ import annotations

import hashlib
import itertools
from collections import defaultdict
from collections.abc import Callable, Sequence
from datetime import date, datetime
from html import escape
from typing import TYPE_CHECKING

from .feeds import legal_chars
from .incremental import digest
from .paths import base_prefix, safe_name, site_url
from .records import C_LASTMOD, C_SLUG, C_TIME

if TYPE_CHECKING:
    from .site import EntityPage, Item, _Builder

ENTITY_KINDS = {"company": "公司", "person": "人物"}
# an article page keeps its related section between these, so a later build can replace it in place
RELATED_START, RELATED_END = "<!--finews:related-->", "<!--/finews:related-->"
RELATED_SHOWN = 10  # other reports listed on an article page; the story page lists them all
SITEMAP_LIMIT = 50_000  # URLs per sitemap file, the protocol's cap
# names a key must not take: they are files or folders of the listing that holds it
_TAKEN = {"index.html", "page", "atom.xml", "rss.xml", "feed.json"}


def entity_base(kind: str, key: str) -> str:
    """``kind/<safe key>/``: the folder of a company or person (on disk) unless another key took it."""
    name = safe_name(key, fallback="_")
    if name.lower() in _TAKEN:
        name = f"_{name}"
    return f"{kind}/{name}/"


def entity_folder(kind: str, key: str, used: set[str]) -> str:
    """:func:`entity_base`, unique even when two keys make the same safe name."""
    folder = entity_base(kind, key)
    if folder.lower() in used:
        folder = f"{folder[:-1]}-{hashlib.sha1(key.encode('utf-8')).hexdigest()[:8]}/"
    used.add(folder.lower())  # case-insensitive file systems would merge two folders otherwise
    return folder


def entity_pages(builder: _Builder) -> None:
    entities = builder.entities.values()
    for entity in entities:
        entity_listing(builder, entity, entity.items)
    entity_indexes(builder, [(entity, len(entity.items)) for entity in entities], _newest(builder.items))


def entity_heading(entity: EntityPage) -> str:
    """A company as 贵州茅台（600519.SH）, a person by name."""
    return entity.name if entity.name == entity.key else f"{entity.name}（{entity.key}）"


def entity_listing(builder: _Builder, entity: EntityPage, items: Sequence[Item]) -> None:
    """A company's or a person's pages and feeds (``items`` newest first)."""
    heading = entity_heading(entity)
    builder.paginate(entity.folder, items, heading=heading, feed=True)
    builder.feed(entity.folder, f"{heading} · {builder.site.title}")


def entity_indexes(builder: _Builder, counted: list[tuple[EntityPage, int]], newest: datetime | None) -> None:
    """The page of all companies and the page of all people, each with its count of articles."""
    by_kind: dict[str, list[dict[str, object]]] = defaultdict(list)
    for entity, count in counted:
        by_kind[entity.kind].append(
            {"name": entity.name, "key": entity.key, "href": entity.folder.split("/", 1)[1], "count": count}
        )
    for kind, label in ENTITY_KINDS.items():
        # a template's rows: each value its own type, "count" an int
        listed = sorted(by_kind.get(kind, []), key=lambda e: (-int(e["count"]), str(e["name"])))  # type: ignore[call-overload]
        builder.write(f"{kind}/index.html", "entities.html", lastmod=newest, heading=label, entities=listed)


def story_pages(builder: _Builder) -> None:
    """A page per story (one event) with two or more published reports, and on each report's page its
    related section: the event's other reports ("同一事件") and the lead reports of the other events of
    its storyline ("相关进展").

    An article page is written before its story is known, with an empty related section; the
    section is put in afterwards, and only into the pages whose section changed since the last build.
    """
    related = builder.env.get_template("related.html")
    output = builder.output
    threads = storylines(builder)
    for story_id, members in builder.stories.items():
        sections: dict[str, str] = {}
        progress = [event for event in threads.get(story_id, []) if event["story"] != story_id]
        folder = f"story/{story_id}/"
        if len(members) >= 2 or progress:
            sections = {
                item.slug: related.render(
                    root="../",
                    others=[m for m in members if m is not item][:RELATED_SHOWN],
                    total=len(members),
                    story=folder if len(members) >= 2 else "",
                    progress=progress[-RELATED_SHOWN:],
                )
                for item in members
            }
        for item in members:
            page = f"a/{item.slug}.html"
            section = sections.get(item.slug, "")
            hashed = digest(section)
            output.inputs[f"{page}#related"] = hashed
            was = digest("") if page in builder.rendered else output.old_inputs.get(f"{page}#related", digest(""))
            if hashed != was:
                html = output.read(page)
                start, end = html.find(RELATED_START), html.find(RELATED_END)
                if start >= 0 and end > start:
                    output.write(page, html[: start + len(RELATED_START)] + legal_chars(section) + html[end:])
        if len(members) < 2:
            continue
        oldest_first = members[::-1]
        reports = [
            {
                "item": item,
                "also": [builder.source(other.source).title for other in builder.also.get(item.id or -1, [])],
            }
            for item in oldest_first
        ]
        builder.write(f"story/{story_id}/index.html", "story.html", lastmod=members[0].time,
                      heading=oldest_first[0].title, reports=reports, story_id=story_id,
                      progress=threads.get(story_id, []))  # fmt: skip


def storylines(builder: _Builder) -> dict[int, list[dict[str, object]]]:
    """Story id → the events of its storyline, oldest first, each by its first report (only storylines
    of two or more events the builder holds reports of)."""
    by_thread: dict[int, list[int]] = defaultdict(list)
    for story_id in builder.stories:
        thread = builder.threads.get(story_id)
        if thread is not None and builder.stories[story_id]:
            by_thread[thread].append(story_id)
    found: dict[int, list[dict[str, object]]] = {}
    for events in by_thread.values():
        if len(events) < 2:
            continue
        listed = []
        for story_id in events:
            members = builder.stories[story_id]
            lead = members[-1]  # members are newest first
            href = f"story/{story_id}/index.html" if len(members) >= 2 else f"a/{lead.slug}.html"
            listed.append({"story": story_id, "item": lead, "href": href, "size": len(members)})
        listed.sort(key=lambda event: (event["item"].time, event["story"]))  # type: ignore[attr-defined]  # an Item
        for story_id in events:
            found[story_id] = listed
    return found


def archive_pages(builder: _Builder) -> None:
    days = []
    for day, group in itertools.groupby(builder.items, key=lambda i: i.time.date()):
        items = list(group)
        day_listing(builder, day, items)
        days.append((day, len(items)))
    archive_index(builder, days, _newest(builder.items))


def day_listing(builder: _Builder, day: date, items: Sequence[Item]) -> None:
    builder.paginate(f"archive/{day:%Y/%m/%d}/", items, heading=f"{day:%Y年%m月%d日}", feed=False)


def archive_index(builder: _Builder, counted: list[tuple[date, int]], newest: datetime | None) -> None:
    """The day-by-day archive's index: each day (newest first) with its count, by month."""
    days = [{"day": day, "count": count, "href": f"{day:%Y/%m/%d}/index.html"} for day, count in counted]
    months = [(month, list(group)) for month, group in itertools.groupby(days, key=lambda d: f"{d['day']:%Y年%m月}")]
    builder.write("archive/index.html", "archive.html", lastmod=newest, months=months)


def sitemap_and_robots(builder: _Builder) -> None:
    """The sitemap of a build that saw every article (their pages by month, from its records)."""
    months: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for record in builder.records:
        months[record[C_TIME][:7]].append((f"a/{record[C_SLUG]}.html", record[C_LASTMOD]))
    counts = {month: len(pages) for month, pages in months.items()}
    write_sitemaps(builder, counts, lambda month: sorted(months[month]), sorted(builder.sitemap), set(counts))


def write_sitemaps(
    builder: _Builder,
    counts: dict[str, int],
    articles_of: Callable[[str], list[tuple[str, str]]],
    pages: list[tuple[str, str]],
    changed: set[str],
) -> None:
    """The sitemap and robots.txt: one file while the site has at most 50,000 pages, else an index.

    The protocol wants absolute URLs: without ``site.base_url`` there is no sitemap (the build
    says so, :func:`.site.site_warnings`) and robots.txt names none. The index lists the article
    pages a file per month (of publication, in files of 50,000) and the other pages after them;
    ``counts`` is the articles per month, ``articles_of`` a month's (page, lastmod) by page,
    ``pages`` the other pages', ``changed`` the months whose files may have changed (the others
    are left as they are).
    """
    prefix = base_prefix(builder.site.base_url)
    output = builder.output
    if not prefix:
        output.write("robots.txt", "User-agent: *\nAllow: /\n")
        return

    def write(path: str, part: list[tuple[str, str]]) -> None:
        inputs = digest("\n".join(f"{loc} {when}" for loc, when in part))
        output.inputs[path] = inputs
        if output.old_inputs.get(path) == inputs and output.carry(path):
            return
        output.write(path, _urlset(prefix, part))

    if sum(counts.values()) + len(pages) <= SITEMAP_LIMIT:
        write("sitemap.xml", [entry for month in sorted(counts) for entry in articles_of(month)] + pages)
    else:
        files: list[str] = []
        for month in sorted(counts):
            names = _parts(f"sitemap/articles-{month}", counts[month])
            if month in changed:
                entries = articles_of(month)
                for number, name in enumerate(names):
                    write(name, entries[number * SITEMAP_LIMIT : (number + 1) * SITEMAP_LIMIT])
            elif output.complete:
                for name in names:
                    output.keep(name)
            files += names
        names = _parts("sitemap/pages", len(pages))
        for number, name in enumerate(names):
            write(name, pages[number * SITEMAP_LIMIT : (number + 1) * SITEMAP_LIMIT])
        files += names
        listed = "".join(f"  <sitemap><loc>{escape(site_url(name, prefix))}</loc></sitemap>\n" for name in files)
        output.write("sitemap.xml", legal_chars(f'{_XML}<sitemapindex xmlns="{_SITEMAPS}">\n{listed}</sitemapindex>\n'))
    output.write("robots.txt", f"User-agent: *\nAllow: /\n\nSitemap: {site_url('sitemap.xml', prefix)}\n")


_XML = '<?xml version="1.0" encoding="utf-8"?>\n'
_SITEMAPS = "http://www.sitemaps.org/schemas/sitemap/0.9"


def _urlset(prefix: str, urls: list[tuple[str, str]]) -> str:
    """A sitemap file (made here, not by a template: a file is up to 50,000 URLs and is made often)."""
    lines = [
        f"  <url><loc>{escape(site_url(loc, prefix))}</loc><lastmod>{when}</lastmod></url>\n"
        if when
        else f"  <url><loc>{escape(site_url(loc, prefix))}</loc></url>\n"
        for loc, when in urls
    ]
    return legal_chars(f'{_XML}<urlset xmlns="{_SITEMAPS}">\n{"".join(lines)}</urlset>\n')


def _parts(stem: str, count: int) -> list[str]:
    """File names for ``count`` URLs: ``stem.xml``, then ``stem-2.xml`` … past 50,000 each."""
    return [f"{stem}.xml" if n == 0 else f"{stem}-{n + 1}.xml" for n in range(max(1, -(-count // SITEMAP_LIMIT)))]


def _newest(items: list[Item]) -> datetime | None:
    return items[0].time if items else None
