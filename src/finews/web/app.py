"""FastAPI application over the library: the static site, and the JSON API under /api."""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

from fastapi import FastAPI, HTTPException, Request
from fastapi.middleware.gzip import GZipMiddleware
from fastapi.openapi.docs import get_swagger_ui_html, get_swagger_ui_oauth2_redirect_html
from fastapi.openapi.utils import get_openapi
from fastapi.responses import HTMLResponse, PlainTextResponse
from fastapi.staticfiles import StaticFiles
from starlette.responses import Response
from starlette.routing import Match, Mount
from starlette.types import Scope

from .. import __version__
from ..config import Config
from ..store import SQLArchive, open_configured
from . import admin, api, live, problems
from .caching import ETagMiddleware
from .ratelimit import RateLimiter
from .security import SecurityHeadersMiddleware, docs_policy
from .sitepages import say_if_not_built


class Desk:
    """What the routes share: the config, the admin token, and one archive for the app's life.

    One engine serves every request: its pool hands each thread its own connection, and SQLite
    in WAL mode lets them read while a fetch writes.
    """

    def __init__(self, config: Config, admin_token: str | None) -> None:
        self.config = config
        self.admin_token = admin_token
        self.config_since = datetime.now(UTC)  # next checks stored before may be from a longer interval
        self._archive: SQLArchive | None = None
        self._lock = threading.Lock()

    def archive(self) -> SQLArchive:
        with self._lock:
            if self._archive is None:
                self._archive = open_configured(self.config)
            return self._archive

    def close(self) -> None:
        with self._lock:
            if self._archive is not None:
                self._archive.close()
                self._archive = None


_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


def _answers(app: FastAPI, request: Request, method: str) -> bool:
    scope = {**request.scope, "method": method}
    routes = (r for r in app.router.routes if getattr(r, "name", None) != "unknown")
    return any(r.matches(scope)[0] == Match.FULL for r in routes if not isinstance(r, Mount))


DOCS = "/api/docs"
API_DESCRIPTION = (
    "Every time is ISO 8601 in Beijing time, the site's display zone, with its offset: "
    "`2022-01-05T15:11:39+08:00`. Query times without a zone are read as Beijing time. "
    "Errors are RFC 9457 problem documents (`application/problem+json`)."
)
DOCS_FILES = "/api/docs-files"  # Swagger UI's script and styles, from the fastapi-offline package


def _docs_pages(app: FastAPI) -> dict[str, str]:
    """FastAPI's Swagger UI page and its OAuth redirect page, rendered once."""
    redirect = f"{DOCS}/oauth2-redirect"
    ui = get_swagger_ui_html(
        openapi_url=app.openapi_url or "",
        title=f"{app.title} API",
        oauth2_redirect_url=redirect,
        swagger_js_url=f"{DOCS_FILES}/swagger-ui-bundle.js",
        swagger_css_url=f"{DOCS_FILES}/swagger-ui.css",
        swagger_favicon_url="data:,",  # no icon rather than FastAPI's, which is on its web site
    )
    return {DOCS: bytes(ui.body).decode(), redirect: bytes(get_swagger_ui_oauth2_redirect_html().body).decode()}


def _constant(page: str) -> Callable[[], HTMLResponse]:
    def answer() -> HTMLResponse:
        return HTMLResponse(page)

    return answer


def create_app(config: Config, *, admin_token: str | None = None) -> FastAPI:
    """The app ``finews serve`` runs; the site folder may be (re)built while it runs."""
    desk = Desk(config, admin_token or admin.admin_token())

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        say_if_not_built(config)
        yield
        desk.close()

    app = FastAPI(
        title="finews",
        version=__version__,
        summary="The news desk's archive: articles, search, sources, stories, entities, executive moves.",
        description=API_DESCRIPTION,
        docs_url=None,  # served below, so its Content-Security-Policy can name its inline script
        redoc_url=None,
        openapi_url="/api/openapi.json",
        lifespan=lifespan,
    )
    app.state.desk = desk
    app.state.search_limiter = RateLimiter(config.web.search_per_minute)
    problems.install(app)
    app.include_router(api.router)
    app.include_router(admin.router)
    app.include_router(live.router)
    docs = _docs_pages(app)
    for path, page in docs.items():
        app.add_api_route(path, _constant(page), methods=["GET"], include_in_schema=False)
    # before /api/{rest}; Swagger UI 5, which reads OpenAPI 3.1 (swagger-ui-bundle's 4.15 does not)
    app.mount(DOCS_FILES, StaticFiles(packages=[("fastapi_offline", "static")]), name="docs-files")

    @app.api_route("/api/{rest:path}", methods=list(_METHODS), include_in_schema=False)
    def unknown(request: Request, rest: str) -> None:
        # reached also by a known path with another method: that is a 405, not a 404
        allowed = [m for m in _METHODS if _answers(app, request, m)]
        if allowed:
            raise HTTPException(405, f"{request.method} is not allowed here", headers={"Allow": ", ".join(allowed)})
        raise HTTPException(404, f"no endpoint /api/{rest}")

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = get_openapi(title=app.title, version=app.version, summary=app.summary,
                                 description=app.description, routes=app.routes)  # fmt: skip
            app.openapi_schema = problems.document(schema)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]  # FastAPI's documented way to extend its schema
    app.add_middleware(ETagMiddleware)
    app.add_middleware(GZipMiddleware, minimum_size=500)  # outside the ETags, so they hash the plain body
    # outermost: every answer, the site's files and errors included, carries the policy
    app.add_middleware(SecurityHeadersMiddleware, pages={path: docs_policy(page) for path, page in docs.items()})

    site = config.site_dir
    site.mkdir(parents=True, exist_ok=True)

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> PlainTextResponse:
        return PlainTextResponse("ok")

    app.mount("/live/static", StaticFiles(packages=[("finews.web", "static")]), name="live-static")
    app.mount("/", SiteFiles(directory=site, html=True, check_dir=False), name="site")
    return app


class SiteFiles(StaticFiles):
    """The built site, without the builder's own files (``.finews-state.db``, the journal, temporaries)."""

    async def get_response(self, path: str, scope: Scope) -> Response:
        # "." is the site's root (its index.html); ".finews-state.db" and the like are not pages
        if any(part.startswith(".") and part != "." for part in path.replace("\\", "/").split("/")):
            raise HTTPException(status_code=404)
        return await super().get_response(path, scope)
