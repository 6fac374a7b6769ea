"""HTML answers on the site's side of ``finews serve`` when there is no page to send.

The API answers problem documents (see :mod:`.problems`); a reader's browser gets a page: the
built site's own ``404.html`` when it has one, else a small page of the app's, and, before the
first ``finews build``, a page saying so rather than a bare "Not Found".
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from http import HTTPStatus
from pathlib import Path

from fastapi import Request
from fastapi.responses import HTMLResponse

from ..config import Config
from .live import render

log = logging.getLogger(__name__)
NOT_BUILT = "no site built yet in {site}: run `finews build` (or `finews run`) to make its pages"


def site_built(site: Path) -> bool:
    return (site / "index.html").is_file()


def say_if_not_built(config: Config) -> None:
    """One line when the server starts with nothing to serve at ``/``."""
    if not site_built(config.site_dir):
        log.warning(NOT_BUILT.format(site=config.site_dir))


def error_page(request: Request, status: int, detail: str, headers: Mapping[str, str] | None = None) -> HTMLResponse:
    site: Path = request.app.state.desk.config.site_dir
    built = site_built(site)
    own = site / "404.html"
    if status == 404 and built and own.is_file():
        try:
            return HTMLResponse(own.read_text(encoding="utf-8"), status_code=404, headers=headers)
        except (OSError, UnicodeDecodeError):  # being rewritten by a build: the app's own page will do
            pass
    try:
        phrase = HTTPStatus(status).phrase
    except ValueError:
        phrase = "Error"
    return render("error.html", status=status, headers=headers, code=status, built=built, phrase=phrase,
                  detail=detail, path=request.url.path)  # fmt: skip
