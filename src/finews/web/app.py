"""FastAPI application over the library: for now, the static site with correct headers."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.responses import PlainTextResponse
from fastapi.staticfiles import StaticFiles

from ..config import Config


def create_app(config: Config) -> FastAPI:
    """The app ``finews serve`` runs; the site folder may be (re)built while it runs."""
    app = FastAPI(title="finews", docs_url=None, redoc_url=None, openapi_url=None)
    site = config.site_dir
    site.mkdir(parents=True, exist_ok=True)

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> PlainTextResponse:
        return PlainTextResponse("ok")

    app.mount("/", StaticFiles(directory=site, html=True, check_dir=False), name="site")
    return app
