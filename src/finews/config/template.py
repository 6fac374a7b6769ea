"""The commented finews.toml that ``finews init`` writes, and the bundled sample sources."""

from __future__ import annotations

import shutil
import tomllib
from importlib import resources
from pathlib import Path

TEMPLATE = """\
# finews configuration. Paths are relative to this file. Every setting is listed with its default;
# a commented-out line is an example of a setting left at its default.

[storage]
# SQLite archive (WAL mode). Created and migrated on first use.
path = "finews.db"
# url = "postgresql://finews:secret@db.example.lan/finews"   # PostgreSQL instead (pip install 'finews[postgres]')

[fetch]
# user_agent = "finews/0.1 (+https://github.com/finews/finews; self-hosted news desk)"
timeout = 20            # seconds of one wait on the network (to connect, for the next bytes);
                        # a whole request, redirects included, ends within 3 × timeout
max_bytes = 10485760    # bodies larger than this are refused
max_redirects = 5
workers = 8             # sources checked at the same time
per_host = 2            # requests in flight to one host
host_interval = 1.0     # least seconds between two requests to one host
retries = 2             # retries of connect errors, 5xx and 429, with exponential backoff and jitter
retry_wait = 1.0        # seconds before the first retry; doubles each time, with jitter
max_retry_after = 30.0  # a longer Retry-After is not waited in place: the source's next check is deferred
robots = true           # obey robots.txt when fetching article pages
max_backoff = 86400     # a failing source is retried at most this many seconds apart, never dropped
allow_private = false   # true lets sources reach loopback/private addresses (refused by default: SSRF)

[site]
title = "finews"
description = "财经与科技新闻"
base_url = ""           # e.g. "https://news.example.com": the sitemap, feed links and canonical links need it
output = "site"         # where 'finews build' writes the static site
per_page = 20
feed_items = 50         # entries in each Atom feed
# theme = "mytheme"     # templates/ and static/ there replace the packaged ones by name

[export]
body = "markdown"       # or "html" for themes that expect HTML bodies
layout = "post"         # Jekyll layout
back_links = true       # Jekyll: "[返回<category>](//site/<category>/)｜[返回首页](//site/)"
site_url = ""           # prefix of back links, e.g. "//news.example.com"
home_label = "返回首页"  # text of the back link to the home page
fallback_image = ""     # Hexo headimg/thumbnail when an article has no image

[understand]
enabled = true          # near-duplicates, stories, companies, people and executive moves of each article

[web]
# admin_token = ""      # 'finews serve': admin API actions need "Authorization: Bearer <token>"; empty refuses them
search_per_minute = 120 # API searches per client address per minute; 0: no limit

# [queue]               # 'finews worker' / 'finews dispatch' on a PostgreSQL archive
# url = ""              # default: storage.url
# name = "finews"       # procrastinate queue name: several deployments can share one database
# poll = 5.0            # seconds between dispatcher rounds and between a worker's looks for a job
# heartbeat = 10.0      # seconds between a worker's heartbeats
# stalled_after = 30    # seconds of silence before a worker's job goes to another worker

[run]
# 'finews run' checks each source on its own interval, then republishes what changed.
site = true             # rebuild the static site after a round that changed the archive
idle = 60.0             # longest sleep between two looks at the schedule, seconds (config edits show up)
# [[run.exports]]           # posts kept up to date after each round that changed something
# format = "jekyll"         # or "hexo"
# directory = "../blog"
# body = "markdown"         # default: export.body
# archive_after_days = 3    # posts older than this move from _posts/ to archive_folder
# archive_folder = "old_post"

# Article pages of a site can be cleaned before the main text is extracted (packaged rules cover
# cnBeta, OSCHINA and 36kr; a table here replaces the packaged one for the same domain):
# [sites."example.cn"]
# remove = [".share-bar", ".related-news"]
# keep = "div.article-body"

# One [[sources]] table per source. type = "feed" reads RSS 0.9x/1.0/2.0, Atom and JSON Feed;
# "json" a JSON web API ([sources.api], presets for eastmoney and 36kr); "html" a list page
# ([sources.html] CSS selectors); "posts" an existing Jekyll/Hexo/Hugo post folder.
# url may be http(s)://, file:// or a path relative to this file.
{sources}
# A [[sources]] table may end with the tables of its type (after its own keys):
# [sources.api]             # type = "json": where the items are and which field is what
# preset = ""               # fills unset keys: eastmoney-rolling, eastmoney-media, eastmoney-market, kr36-newsflash
# items = "data.list"       # dotted path to the list of items (required without a preset)
# id = "id"                 # fields: dotted paths, "a|b" tries a, then b
# title = "title"
# url = "url"
# time = ""
# summary = ""
# content = ""
# author = ""
# media = ""                # media/outlet name, kept as the article's category
# media_category = false    # post category = pinyin of the media name (新浪财经 → xinlangcaijing)
# image = ""
# url_template = ""         # article URL from fields when the API gives none: "https://36kr.com/newsflashes/{{id}}"
# strip_lead = false        # drop a 【…】 lead from the summary
# detail_url = "https://api.example.cn/detail?code={{infoCode}}"   # fetch each item's text there
# detail_content = "content"
# pages = 1                 # list pages read per check
# page_param = "page"
# page_start = 1
# [sources.html]            # type = "html": CSS selectors on a list page with no feed
# item = "ul.news li"       # one element per article (required)
# link = "a"                # its href is the article URL
# title = ""                # default: the link's text
# time = ""                 # text or datetime attribute
# summary = ""
# image = ""
# [sources.posts]           # type = "posts": an existing post folder
# format = "auto"           # or "jekyll", "hexo", "hugo", "digest"
"""

SOURCE_TEMPLATE = """\
[[sources]]
name = "{name}"             # stable key: lowercase letters, digits, - and _
title = "{title}"
type = "feed"
url = "{url}"
category = "{category}"     # slug used in paths and Jekyll categories
category_name = "{category_name}"
tags = [{tags}]
hexo_categories = [{hexo}]  # Hexo's three-level categories
# timezone = "Asia/Shanghai"  # for dates given without an offset
# interval = 1800           # seconds between checks under 'finews run'
# full_text = true          # fetch each article page for its main text (summary-only feeds)
# proxy = "http://127.0.0.1:3128"
# allow_private = true      # this source reads a feed on your own network
# timeout = 20              # this source's fetch.timeout (3 × it bounds a whole request)
# max_bytes = 10485760      # this source's fetch.max_bytes
# enabled = false
"""


def render_template(sources: list[dict]) -> str:
    """The commented finews.toml, with ``sources`` as ``[[sources]]`` tables."""
    blocks = []
    for s in sources:
        blocks.append(
            SOURCE_TEMPLATE.format(
                name=s["name"],
                title=s.get("title", s["name"]),
                url=s["url"],
                category=s.get("category", s["name"]),
                category_name=s.get("category_name", s.get("title", s["name"])),
                tags=", ".join(f'"{t}"' for t in s.get("tags", [])),
                hexo=", ".join(f'"{t}"' for t in s.get("hexo_categories", [])),
            )
        )
    example = blocks or [
        SOURCE_TEMPLATE.format(
            name="example",
            title="示例",
            url="https://example.com/feed.xml",
            category="example",
            category_name="示例",
            tags='"示例新闻"',
            hexo='"新媒体", "示例", "资讯"',
        ).replace("[[sources]]", "# [[sources]]", 1)
    ]
    return TEMPLATE.format(sources="\n".join(blocks) if blocks else _comment_out(example[0]))


def _comment_out(block: str) -> str:
    return "".join(line if line.startswith("#") else f"# {line}" for line in block.splitlines(True))


def install_samples(target: Path) -> list[dict]:
    """Copy the bundled offline sample feeds to ``target``; return their ``[[sources]]`` definitions."""
    package = resources.files("finews") / "samples"
    target.mkdir(parents=True, exist_ok=True)
    for item in package.iterdir():
        if item.is_file() and not item.name.endswith((".toml", ".md")):
            with resources.as_file(item) as path:
                shutil.copyfile(path, target / item.name)
    definitions = tomllib.loads((package / "sources.toml").read_text(encoding="utf-8"))["sources"]
    for definition in definitions:
        definition["url"] = f"{target.name}/{Path(definition['url']).name}"
    return definitions
