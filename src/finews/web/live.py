"""Server-rendered live pages: search over the archive, and the sources' health.

The static site is rebuilt after each round; these pages read the archive at request time, so a
search finds what was fetched a minute ago and the health page shows the schedule as it stands.
They carry no script at all (the CSP allows none inline): filters are a plain GET form.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlencode, urlsplit

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

from ..model import BEIJING, Article
from ..publish.posts import post_slug
from ..store.search import SearchFilters
from . import api
from .ratelimit import retry_after
from .schemas import Source

PER_PAGE = 20
MAX_QUERY = 200  # what search reads of a query; more is cut, not refused

router = APIRouter(prefix="/live", include_in_schema=False)
_env = Environment(
    loader=PackageLoader("finews.web", "templates"),
    autoescape=select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
)
FORM_CHARS = 1000  # what is kept (and shown back) of each form field; longer input is cut, not refused
Text = Annotated[str, Query()]


def render(
    template: str, status: int = 200, headers: Mapping[str, str] | None = None, **context: object
) -> HTMLResponse:
    html = _env.get_template(template).render(**context)
    # the live pages change with every fetch: never served from a cache without asking
    return HTMLResponse(html, status_code=status, headers={"Cache-Control": "no-cache", **(headers or {})})


def web_url(url: str | None) -> str | None:
    """``url`` when it is an http(s) address, else None: a feed's link is data, never a script."""
    if not url:
        return None
    parts = urlsplit(url.strip())
    return url.strip() if parts.scheme in ("http", "https") and parts.netloc else None


def beijing(value: datetime | None) -> str:
    if value is None:
        return ""
    aware = value if value.tzinfo else value.replace(tzinfo=UTC)
    return aware.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M")


def relative(value: datetime | None, now: datetime) -> str:
    """ "3 分钟前" / "2 小时后": how far ``value`` is from ``now``, in the largest whole unit."""
    if value is None:
        return ""
    aware = value if value.tzinfo else value.replace(tzinfo=UTC)
    seconds = (aware - now).total_seconds()
    ahead, seconds = seconds > 0, abs(seconds)
    for unit, size in (("天", 86400), ("小时", 3600), ("分钟", 60)):
        if seconds >= size:
            return f"{int(seconds // size)} {unit}{'后' if ahead else '前'}"
    return "即将" if ahead else "刚刚"


_env.filters["beijing"] = beijing


def _day(value: str, name: str, errors: list[str]) -> datetime | None:
    if not value.strip():
        return None
    try:
        return datetime.combine(date.fromisoformat(value.strip()), datetime.min.time(), BEIJING)
    except ValueError:
        errors.append(f"{name}：日期应写作 YYYY-MM-DD")
        return None


@dataclass
class ShownHit:
    title: str
    href: str | None  # the site's page when it is built, else the original article
    original: str | None
    source: str
    published: str
    categories: list[str]
    snippet: Markup


def _hit(article: Article, snippet: str, site: Path, titles: dict[str, str]) -> ShownHit:
    slug = post_slug(article)
    local = f"/a/{slug}.html" if (site / "a" / f"{slug}.html").is_file() else None
    original = web_url(article.url)
    return ShownHit(
        title=article.title,
        href=local or original,
        original=original,
        source=titles.get(article.source, article.source),
        published=beijing(article.published),
        categories=article.categories,
        snippet=Markup(snippet),  # search escapes the text and adds only <mark> around matches
    )


@router.get("", response_class=RedirectResponse)
@router.get("/", response_class=RedirectResponse)
def live_index() -> RedirectResponse:
    return RedirectResponse("/live/search", status_code=307)


@router.get("/search", response_class=HTMLResponse)
def live_search(
    request: Request, db: api.ArchiveDep, cfg: api.ConfigDep,
    q: Text = "", source: Text = "", category: Text = "", since: Text = "", until: Text = "",
    ticker: Text = "", person: Text = "", page: Text = "1",
) -> Response:  # fmt: skip
    """Search with the archive's own engine (2-character Chinese words work), filters and pages."""
    errors: list[str] = []
    q, source, category, since, until, ticker, person = (
        value[:FORM_CHARS] for value in (q, source, category, since, until, ticker, person)
    )
    number = int(page) if page.isdigit() and 0 < int(page) < 10_000 else 1
    form = {"q": q, "source": source, "category": category, "since": since, "until": until,
            "ticker": ticker, "person": person}  # fmt: skip
    titles = {s.name: s.title for s in cfg.sources}
    context: dict[str, Any] = {"form": form, "sources": cfg.sources, "errors": errors, "hits": [], "total": None}
    filters = SearchFilters(
        source=source.strip() or None, category=category.strip() or None,
        since=_day(since, "起始日期", errors), until=_day(until, "截止日期", errors),
        ticker=ticker.strip() or None, person=person.strip() or None,
    )  # fmt: skip
    if filters.until:
        filters.until += timedelta(days=1)  # "until 2024-05-01" includes that day
    if not q.strip() or errors:
        return render("search.html", status=422 if errors else 200, **context)
    wait = request.app.state.search_limiter.take(request.client.host if request.client else "-")
    if wait:
        errors.append("搜索太频繁，请稍后再试")
        return render("search.html", status=429, headers={"Retry-After": retry_after(wait)}, **context)
    found = db.search(q[:MAX_QUERY], filters, limit=PER_PAGE, offset=(number - 1) * PER_PAGE)
    pages = max(1, -(-found.total // PER_PAGE))
    query = {k: v for k, v in form.items() if v}

    def link(n: int) -> str | None:
        return f"/live/search?{urlencode({**query, 'page': n})}" if 1 <= n <= pages and n != number else None

    context.update(
        total=found.total,
        hits=[_hit(h.article, h.snippet, cfg.site_dir, titles) for h in found.hits],
        page={"number": number, "count": pages, "prev": link(number - 1), "next": link(number + 1)},
    )
    return render("search.html", **context)


@dataclass
class ShownSource:
    source: Source
    status: str  # ok | failing | never | disabled
    last_checked: str
    last_success: str
    next_check: str
    next_in: str
    last_success_ago: str


def _status(s: Source) -> str:
    if not s.enabled or s.disabled_by_admin:
        return "disabled"
    if s.consecutive_failures:
        return "failing"
    return "ok" if s.last_success else "never"


@router.get("/sources", response_class=HTMLResponse)
def live_sources(db: api.ArchiveDep, cfg: api.ConfigDep, config_since: api.ConfigSince) -> Response:
    """Each source's last success, last error, failures in a row and next check."""
    now = datetime.now(UTC)
    shown = [
        ShownSource(
            source=s, status=_status(s), last_checked=beijing(s.last_checked), last_success=beijing(s.last_success),
            next_check=beijing(s.next_check), next_in=relative(s.next_check, now),
            last_success_ago=relative(s.last_success, now),
        )
        for s in api.list_sources(db, cfg, config_since=config_since)
    ]  # fmt: skip
    counts = {k: sum(1 for s in shown if s.status == k) for k in ("ok", "failing", "never", "disabled")}
    return render("sources.html", sources=shown, counts=counts, now=beijing(now))
