"""finews.toml as typed models: reading and validating (an unknown key is an error that names it)."""

from __future__ import annotations

import difflib
import re
import tomllib
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from ..errors import ConfigError
from .presets import API_PRESETS

USER_AGENT = "finews/0.1 (+https://github.com/finews/finews; self-hosted news desk)"
_SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True)


class FetchConfig(_Strict):
    user_agent: str = USER_AGENT
    # one wait on the network; the whole request ends within fetch.client.DEADLINE_FACTOR (3) × this
    timeout: float = Field(20.0, gt=0, description="seconds of one wait on the network; a request ends within 3 ×")
    max_bytes: int = Field(10 * 1024 * 1024, gt=0, description="body size cap")
    max_redirects: int = Field(5, ge=0)
    workers: int = Field(8, ge=1, le=256, description="sources checked at the same time")
    per_host: int = Field(2, ge=1, le=64, description="requests in flight to one host")
    host_interval: float = Field(1.0, ge=0, description="least seconds between two requests to one host")
    retries: int = Field(2, ge=0, le=10, description="retries of a failed request (connect errors, 5xx, 429)")
    retry_wait: float = Field(1.0, ge=0, description="first retry delay in seconds; doubles, with jitter")
    max_retry_after: float = Field(30.0, ge=0, description="longest Retry-After waited in place; longer ones defer")
    robots: bool = True  # obey robots.txt for article pages (feeds and APIs are meant to be polled)
    max_backoff: int = Field(86400, ge=60, description="longest delay after repeated failures, seconds")
    allow_private: bool = False  # fetch from loopback/private/link-local addresses (feeds on your own network)


class StorageConfig(_Strict):
    path: str = "finews.db"  # the SQLite archive, used when no url is set
    # a PostgreSQL archive instead: "postgresql://user:password@host:5432/finews" (read with psycopg 3)
    url: str | None = None

    @field_validator("url")
    @classmethod
    def _database_url(cls, value: str | None) -> str | None:
        """``postgresql://`` and ``postgres://`` mean the psycopg 3 driver, the one finews installs."""
        if value is None or not value.strip():
            return None
        value = value.strip()
        scheme, sep, rest = value.partition("://")
        if not sep:
            raise ValueError(f"not a database URL: {value!r} (expected postgresql://user@host/dbname)")
        if scheme in ("postgresql", "postgres", "postgresql+psycopg"):
            return f"postgresql+psycopg://{rest}"
        if scheme == "sqlite":
            return value
        raise ValueError(f"unsupported database {scheme!r} (use postgresql://…, or storage.path for SQLite)")


class RunExport(_Strict):
    """Posts ``finews run`` keeps up to date after each round that changed something."""

    format: Literal["jekyll", "hexo"] = "jekyll"
    directory: str
    body: Literal["markdown", "html"] | None = None
    archive_after_days: int | None = Field(None, ge=1, description="older posts move to archive_folder")
    archive_folder: str = "old_post"


class WebConfig(_Strict):
    # admin actions of the JSON API (add/disable a source, fetch now) need "Authorization: Bearer <token>";
    # empty: they are refused. FINEWS_ADMIN_TOKEN in the environment is used when this is empty.
    admin_token: str = ""
    search_per_minute: int = Field(120, ge=0, description="API searches per client address per minute; 0: no limit")


class UnderstandConfig(_Strict):
    # near-duplicates, stories, companies, people and executive moves on every fetched article
    enabled: bool = True


class QueueConfig(_Strict):
    """``finews worker`` / ``finews dispatch``: fetch jobs in a PostgreSQL task queue (procrastinate)."""

    url: str = ""  # postgresql://user@host/db for the queue; "" uses storage.url (the PostgreSQL archive)
    name: str = "finews"  # procrastinate queue name: several deployments can share one database
    poll: float = Field(5.0, gt=0, description="seconds between dispatcher rounds and between a worker's looks")
    heartbeat: float = Field(10.0, gt=0, description="seconds between a worker's heartbeats")
    stalled_after: float = Field(30.0, gt=0, description="a job whose worker is silent this long goes to another")


class RunConfig(_Strict):
    site: bool = True  # rebuild the static site after a round that changed the archive
    exports: list[RunExport] = Field(default_factory=list)
    idle: float = Field(60.0, gt=0, description="longest sleep between two looks at the schedule, seconds")


class SiteConfig(_Strict):
    title: str = "finews"
    description: str = "财经与科技新闻"
    base_url: str = ""  # the published site's address; "" leaves out the sitemap and what must be absolute
    output: str = "site"
    per_page: int = Field(20, ge=1, le=500)
    feed_items: int = Field(50, ge=1, le=1000)
    theme: str = ""  # folder whose templates/ and static/ files replace the packaged ones of the same name


class ExportConfig(_Strict):
    body: Literal["markdown", "html"] = "markdown"
    layout: str = "post"
    back_links: bool = True
    site_url: str = ""  # prefix of back links, e.g. "//news.example.com"
    home_label: str = "返回首页"
    fallback_image: str = ""  # Hexo headimg/thumbnail when an article has no image


class JsonApiConfig(_Strict):
    """Where a JSON API keeps its items and which field is what (dotted paths, ``a|b`` alternatives)."""

    preset: str = ""  # fills every unset key from PRESETS
    items: str = ""
    id: str = "id"
    title: str = "title"
    url: str = "url"
    time: str = ""
    summary: str = ""
    content: str = ""
    author: str = ""
    media: str = ""  # media/outlet name, kept as the article's category
    media_category: bool = False  # post category = pinyin of the media name (新浪财经 → xinlangcaijing)
    image: str = ""
    url_template: str = ""  # article URL from fields when the API gives none: "https://36kr.com/newsflashes/{id}"
    strip_lead: bool = False  # drop a 【…】 lead from the summary
    detail_url: str | None = None  # e.g. "https://api.example.cn/detail?code={infoCode}"
    detail_content: str = "content"
    pages: int = Field(1, ge=1, le=50)
    page_param: str = "page"
    page_start: int = 1

    @model_validator(mode="after")
    def _apply_preset(self) -> JsonApiConfig:
        if self.preset:
            if self.preset not in API_PRESETS:
                raise ValueError(f"unknown preset {self.preset!r} (known: {', '.join(API_PRESETS)})")
            for key, value in API_PRESETS[self.preset].items():
                if key not in self.model_fields_set:
                    object.__setattr__(self, key, value)
        if not self.items:
            raise ValueError("items: the path to the list of items is required (or a preset)")
        return self


class HtmlListConfig(_Strict):
    """A list page with no feed: CSS selectors for each item and, inside it, its fields."""

    item: str  # one element per article, e.g. "ul.news li"
    link: str = "a"  # its href is the article URL
    title: str = ""  # default: the link's text
    time: str = ""  # text or datetime attribute
    summary: str = ""
    image: str = ""


class SiteRuleConfig(_Strict):
    """Cleanup for one site's article pages before extraction (matches the domain and its subdomains)."""

    remove: list[str] = Field(default_factory=list)  # CSS selectors dropped with their content
    keep: str | None = None  # when it matches, only these elements are the article


class PostFolderConfig(_Strict):
    format: Literal["auto", "jekyll", "hexo", "hugo", "digest"] = "auto"


class SourceConfig(_Strict):
    name: str = Field(description="stable key: lowercase letters, digits, - and _")
    type: Literal["feed", "json", "html", "posts"] = "feed"
    url: str
    api: JsonApiConfig | None = None  # type = "json": where the items are and what each field is
    html: HtmlListConfig | None = None  # type = "html": selectors on the list page
    posts: PostFolderConfig = Field(default_factory=PostFolderConfig)  # type = "posts": a site's post folder
    full_text: bool | None = None  # fetch each article page for its main text; default: only for type = "html"
    interval: int = Field(1800, ge=30, description="seconds between checks under 'finews run'")
    proxy: str | None = None  # e.g. "http://127.0.0.1:3128" or "socks5://…"
    allow_private: bool | None = None  # this source may reach private/loopback addresses; default: fetch's
    title: str = ""
    enabled: bool = True
    category: str = ""  # slug used in paths; defaults to name
    category_name: str = ""  # display name; defaults to title
    tags: list[str] = Field(default_factory=list)
    hexo_categories: list[str] = Field(default_factory=list)
    timezone: str = "Asia/Shanghai"  # for dates the source gives without an offset
    timeout: float | None = Field(None, gt=0, description="this source's fetch.timeout")
    max_bytes: int | None = Field(None, gt=0, description="this source's fetch.max_bytes")

    @field_validator("name")
    @classmethod
    def _slug_name(cls, value: str) -> str:
        if not _SLUG_RE.match(value):
            raise ValueError("must be lowercase letters, digits, '-' or '_' (at most 64)")
        return value

    @field_validator("category")
    @classmethod
    def _slug_category(cls, value: str) -> str:
        if value and not _SLUG_RE.match(value):
            raise ValueError("must be lowercase letters, digits, '-' or '_' (at most 64)")
        return value

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r}") from None
        return value

    @model_validator(mode="after")
    def _defaults(self) -> SourceConfig:
        if self.type == "json" and self.api is None:
            raise ValueError('type = "json" needs an [sources.api] table (items path and fields, or a preset)')
        if self.type == "html" and self.html is None:
            raise ValueError('type = "html" needs an [sources.html] table (at least the item selector)')
        if self.full_text is None:
            object.__setattr__(self, "full_text", self.type == "html")
        # Derived defaults are written back so every later stage reads one value.
        object.__setattr__(self, "title", self.title or self.name)
        object.__setattr__(self, "category", self.category or self.name)
        object.__setattr__(self, "category_name", self.category_name or self.title)
        if not self.tags:
            object.__setattr__(self, "tags", [f"{self.title}新闻"])
        if not self.hexo_categories:
            levels = [self.category_name] if self.category_name == self.title else [self.category_name, self.title]
            object.__setattr__(self, "hexo_categories", levels)
        return self

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


class Config(_Strict):
    storage: StorageConfig = Field(default_factory=StorageConfig)
    fetch: FetchConfig = Field(default_factory=FetchConfig)
    site: SiteConfig = Field(default_factory=SiteConfig)
    export: ExportConfig = Field(default_factory=ExportConfig)
    run: RunConfig = Field(default_factory=RunConfig)
    understand: UnderstandConfig = Field(default_factory=UnderstandConfig)
    web: WebConfig = Field(default_factory=WebConfig)
    queue: QueueConfig = Field(default_factory=QueueConfig)
    sites: dict[str, SiteRuleConfig] = Field(default_factory=dict)  # [sites."example.cn"]: added to the packaged rules
    sources: list[SourceConfig] = Field(default_factory=list)
    base_dir: Path = Field(default=Path("."), exclude=True)

    @model_validator(mode="after")
    def _unique_names(self) -> Config:
        seen: set[str] = set()
        for source in self.sources:
            if source.name in seen:
                raise ValueError(f"two sources are named {source.name!r}")
            seen.add(source.name)
        return self

    def resolve(self, path: str) -> Path:
        """A path from the config, relative to the config file's folder."""
        p = Path(path).expanduser()
        return p if p.is_absolute() else self.base_dir / p

    @property
    def database_path(self) -> Path:
        return self.resolve(self.storage.path)

    @property
    def site_dir(self) -> Path:
        return self.resolve(self.site.output)

    @property
    def lock_path(self) -> Path:
        """The file whose lock keeps two runs from writing one archive."""
        return self.database_path.with_name(self.database_path.name + ".lock")

    def source(self, name: str) -> SourceConfig:
        for source in self.sources:
            if source.name == name:
                return source
        raise ConfigError(f"no source named {name!r} (known: {', '.join(s.name for s in self.sources)})")


def load_config(path: Path) -> Config:
    """Read and validate ``path``; every problem becomes one :class:`ConfigError` line per key."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8-sig"))  # a BOM (Windows editors) is harmless
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such file (run 'finews init' to write one)") from None
    except IsADirectoryError:
        raise ConfigError(f"{path}: is a folder, not a finews.toml (give the file's path with -c)") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(
            f"{path}: not UTF-8 (byte {exc.object[exc.start]:#04x} at offset {exc.start}); save it as UTF-8"
        ) from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror or exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    return config_from_dict(data, base_dir=path.resolve().parent, origin=str(path))


def config_from_dict(data: dict, *, base_dir: Path = Path("."), origin: str = "config") -> Config:
    if "base_dir" in data:
        raise ConfigError(f"{origin}: base_dir: unknown key")
    try:
        return Config.model_validate({**data, "base_dir": base_dir})
    except ValidationError as exc:
        raise ConfigError(_describe(exc, data, origin)) from None


def _describe(exc: ValidationError, data: dict, origin: str) -> str:
    lines = []
    for err in exc.errors():
        loc = err["loc"]
        where = ".".join(f"[{p}]" if isinstance(p, int) else str(p) for p in loc).replace(".[", "[")
        if err["type"] == "extra_forbidden":
            known = _known_keys(loc[:-1])
            hint = difflib.get_close_matches(str(loc[-1]), known, n=1)
            suggestion = f" (did you mean {hint[0]!r}?)" if hint else f" (known: {', '.join(known)})"
            lines.append(f"{origin}: {where}: unknown key{suggestion}")
        else:
            named = _source_name(data, loc)
            lines.append(f"{origin}: {where}{named}: {err['msg']}")
    return "\n".join(lines)


def _known_keys(loc: tuple) -> list[str]:
    model: type[BaseModel] = Config
    for part in loc:
        if isinstance(part, int):
            continue
        field = model.model_fields.get(str(part))
        if field is None:
            break
        annotation = field.annotation
        inner = getattr(annotation, "__args__", (annotation,))[0]
        if isinstance(inner, type) and issubclass(inner, BaseModel):
            model = inner
        elif isinstance(annotation, type) and issubclass(annotation, BaseModel):
            model = annotation
    return [k for k in model.model_fields if k != "base_dir"]


def _source_name(data: dict, loc: tuple) -> str:
    if len(loc) >= 2 and loc[0] == "sources" and isinstance(loc[1], int):
        try:
            return f" (source {data['sources'][loc[1]].get('name')!r})"
        except (KeyError, IndexError, AttributeError, TypeError):
            return ""
    return ""
