"""The site's cross-cutting pages: companies and people, stories, the day-by-day archive, sitemap and robots.txt.

All of them are made after the articles have streamed by, from the light items the builder kept.
"""

from __future__ import annotations

import hashlib
import itertools
from collections import defaultdict
from datetime import datetime
from typing import TYPE_CHECKING

from .incremental import digest
from .paths import safe_name

if TYPE_CHECKING:
    from .site import Item, _Builder

ENTITY_KINDS = {"company": "公司", "person": "人物"}
# an article page keeps its related section between these, so a later build can replace it in place
RELATED_START, RELATED_END = "<!--finews:related-->", "<!--/finews:related-->"
RELATED_SHOWN = 10  # other reports listed on an article page; the story page lists them all
SITEMAP_LIMIT = 50_000  # URLs per sitemap file, the protocol's cap
# names a key must not take: they are files or folders of the listing that holds it
_TAKEN = {"index.html", "page", "atom.xml", "rss.xml", "feed.json"}


def entity_folder(kind: str, key: str, used: set[str]) -> str:
    """``kind/<safe key>/``, unique even when two keys make the same safe name."""
    name = safe_name(key, fallback="_")
    if name.lower() in _TAKEN:
        name = f"_{name}"
    folder = f"{kind}/{name}/"
    if folder.lower() in used:
        folder = f"{kind}/{name}-{hashlib.sha1(key.encode('utf-8')).hexdigest()[:8]}/"
    used.add(folder.lower())  # case-insensitive file systems would merge two folders otherwise
    return folder


def entity_pages(builder: _Builder) -> None:
    by_kind: dict[str, list[dict[str, object]]] = defaultdict(list)
    for entity in builder.entities.values():
        heading = entity.name if entity.name == entity.key else f"{entity.name}（{entity.key}）"
        builder.paginate(entity.folder, entity.items, heading=heading, feed=True)
        builder.feed(entity.folder, f"{heading} · {builder.site.title}")
        by_kind[entity.kind].append(
            {"name": entity.name, "key": entity.key, "href": entity.folder.split("/", 1)[1], "count": len(entity.items)}
        )
    for kind, label in ENTITY_KINDS.items():
        listed = sorted(by_kind.get(kind, []), key=lambda e: (-int(e["count"]), str(e["name"])))  # type: ignore[call-overload]
        newest = _newest(builder.items)
        builder.write(f"{kind}/index.html", "entities.html", lastmod=newest, heading=label, entities=listed)


def story_pages(builder: _Builder) -> None:
    """A page per story with two or more published reports, and the related list on each report's page.

    An article page is written before its story is known, with an empty related section; the
    section is put in afterwards, and only into the pages whose section changed since the last build.
    """
    related = builder.env.get_template("related.html")
    output = builder.output
    for story_id, members in builder.stories.items():
        sections: dict[str, str] = {}
        if len(members) >= 2:
            folder = f"story/{story_id}/"
            sections = {
                item.slug: related.render(
                    root="../",
                    others=[m for m in members if m is not item][:RELATED_SHOWN],
                    total=len(members),
                    story=folder,
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
                    output.write(page, html[: start + len(RELATED_START)] + section + html[end:])
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
                      heading=oldest_first[0].title, reports=reports)  # fmt: skip


def archive_pages(builder: _Builder) -> None:
    days = []
    for day, group in itertools.groupby(builder.items, key=lambda i: i.time.date()):
        items = list(group)
        folder = f"archive/{day:%Y/%m/%d}/"
        builder.paginate(folder, items, heading=f"{day:%Y年%m月%d日}", feed=False)
        days.append({"day": day, "count": len(items), "href": f"{day:%Y/%m/%d}/index.html"})
    months = [
        (month, list(group)) for month, group in itertools.groupby(days, key=lambda d: d["day"].strftime("%Y年%m月"))
    ]
    builder.write("archive/index.html", "archive.html", lastmod=_newest(builder.items), months=months)


def sitemap_and_robots(builder: _Builder) -> None:
    """The sitemap, in files of at most 50,000 URLs; a file whose URLs and dates did not change is kept.

    Article pages come oldest first, so a new article changes only the last files, not every one.
    """
    base = builder.site.base_url.rstrip("/")
    prefix = f"{base}/" if base else ""
    entries = builder.sitemap_articles[::-1] + builder.sitemap
    template = builder.env.get_template("sitemap.xml")
    output = builder.output

    def write(path: str, part: list[tuple[str, str]]) -> None:
        inputs = digest("\n".join(f"{loc} {when}" for loc, when in part))
        output.inputs[path] = inputs
        if output.old_inputs.get(path) == inputs and output.carry(path):
            return
        output.write(path, template.render(urls=[{"loc": prefix + loc, "lastmod": when} for loc, when in part]))

    if len(entries) <= SITEMAP_LIMIT:
        write("sitemap.xml", entries)
    else:
        parts = [entries[i : i + SITEMAP_LIMIT] for i in range(0, len(entries), SITEMAP_LIMIT)]
        for number, part in enumerate(parts, 1):
            write(f"sitemap-{number}.xml", part)
        files = [{"loc": f"{prefix}sitemap-{n}.xml"} for n in range(1, len(parts) + 1)]
        output.write("sitemap.xml", template.render(sitemaps=files))
    lines = ["User-agent: *", "Allow: /"]
    if base:  # the protocol wants an absolute URL here
        lines += ["", f"Sitemap: {prefix}sitemap.xml"]
    output.write("robots.txt", "\n".join(lines) + "\n")


def _newest(items: list[Item]) -> datetime | None:
    return items[0].time if items else None
