"""Errors of the API as RFC 9457 problem details (``application/problem+json``).

Only paths under ``/api`` answer with problem documents; the site's side answers HTML pages
(see :mod:`.sitepages`).
"""

from __future__ import annotations

from collections.abc import Mapping
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exception_handlers import request_validation_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

from ..store import ArchiveBusy, StorageError
from .sitepages import error_page

MEDIA_TYPE = "application/problem+json"
API_PREFIX = "/api"


class Problem(BaseModel):
    type: str = "about:blank"
    title: str
    status: int
    detail: str = ""
    instance: str = ""
    errors: list[dict[str, Any]] | None = None  # 422 only: which parameter, and why


def problem(status: int, detail: str = "", *, instance: str = "", headers: Mapping[str, str] | None = None,
            errors: list[dict[str, Any]] | None = None) -> JSONResponse:  # fmt: skip
    body = Problem(title=HTTPStatus(status).phrase, status=status, detail=detail, instance=instance, errors=errors)
    return JSONResponse(body.model_dump(exclude_none=True), status_code=status, headers=headers, media_type=MEDIA_TYPE)


def _is_api(request: Request) -> bool:
    path = request.url.path
    return path == API_PREFIX or path.startswith(API_PREFIX + "/")


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    if exc.status_code in (204, 304):  # answers without a body
        return Response(status_code=exc.status_code, headers=exc.headers)
    if not _is_api(request):
        detail = exc.detail if isinstance(exc.detail, str) else ""
        return error_page(request, exc.status_code, detail, headers=exc.headers)
    detail = exc.detail if isinstance(exc.detail, str) else ""
    return problem(exc.status_code, detail, instance=request.url.path, headers=exc.headers)


async def _invalid(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    if not _is_api(request):
        return await request_validation_exception_handler(request, exc)
    errors = [
        {"loc": [str(part) for part in e.get("loc", ())], "msg": str(e.get("msg", "")), "type": str(e.get("type", ""))}
        for e in exc.errors()
    ]
    detail = "; ".join(f"{'.'.join(e['loc'])}: {e['msg']}" for e in errors)
    return problem(422, detail, instance=request.url.path, errors=errors)


async def _busy(request: Request, exc: Exception) -> Response:
    return problem(409, str(exc), instance=request.url.path)


async def _storage(request: Request, exc: Exception) -> Response:
    return problem(503, str(exc), instance=request.url.path)


def install(app: FastAPI) -> None:
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _invalid)
    app.add_exception_handler(ArchiveBusy, _busy)
    app.add_exception_handler(StorageError, _storage)


def document(schema: dict[str, Any]) -> dict[str, Any]:
    """Make the OpenAPI document say what the handlers above really send: every error is a Problem."""
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    components["Problem"] = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
    for name in ("HTTPValidationError", "ValidationError"):
        components.pop(name, None)
    ref = {"$ref": "#/components/schemas/Problem"}
    for operations in schema.get("paths", {}).values():
        for method, operation in operations.items():
            responses = operation.setdefault("responses", {})
            for code, response in responses.items():
                if code[0] in "45":
                    response["content"] = {MEDIA_TYPE: {"schema": ref}}
            if method == "get":
                responses.setdefault("304", {"description": "Not Modified (the ETag in If-None-Match is current)"})
    return schema
