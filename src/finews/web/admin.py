"""Admin actions of the API: fetch a source now, switch a source off or on. Bearer token required.

The token (see :mod:`.auth`) comes from ``web.admin_token`` or the ``FINEWS_ADMIN_TOKEN``
environment variable; without one, every admin action is refused.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Request

from ..config import Config, SourceConfig, flags
from ..pipeline import fetch_all
from ..store import writer_lock
from .api import ArchiveDep, ConfigDep
from .auth import TOKEN_VARIABLE, Credentials, admin_token, expected_token, token_matches
from .schemas import FetchResult, SourceFlag

__all__ = ["TOKEN_VARIABLE", "admin_token", "require_admin", "router"]


def require_admin(request: Request, credentials: Credentials) -> None:
    expected = expected_token(request)
    if not expected:
        raise HTTPException(
            403, f"admin actions are off: no admin token is configured (web.admin_token or ${TOKEN_VARIABLE})"
        )
    if not token_matches(expected, credentials):
        raise HTTPException(401, "missing or wrong admin token", headers={"WWW-Authenticate": "Bearer"})


REFUSALS: dict[int | str, dict[str, Any]] = {
    401: {"description": "Missing or wrong token"},
    403: {"description": "No admin token configured"},
    404: {"description": "No such source"},
}
router = APIRouter(prefix="/api/sources", dependencies=[Depends(require_admin)], responses=REFUSALS)


def _source(cfg: Config, name: str) -> SourceConfig:
    for source in cfg.sources:
        if source.name == name:
            return source
    raise HTTPException(404, f"no source named {name!r}")


@router.post("/{name}/fetch", response_model=FetchResult, responses={409: {"description": "Another fetch runs"}})
def fetch_source(name: str, db: ArchiveDep, cfg: ConfigDep) -> FetchResult:
    """Check one source now (even a disabled one, like ``finews fetch --source``) and save what it brings."""
    _source(cfg, name)
    # the lock `finews run` and `finews fetch` hold: two writers would interleave their rounds
    with writer_lock(cfg):
        report = fetch_all(cfg, db, names=[name]).sources[0]
    return FetchResult(**asdict(report), summary=report.summary)


def _flag(cfg: Config, name: str, disabled: bool) -> SourceFlag:
    source = _source(cfg, name)
    off = flags.set_disabled(cfg, name, disabled)
    return SourceFlag(name=name, enabled=source.enabled, disabled_by_admin=name in off)


@router.post("/{name}/disable", response_model=SourceFlag)
def disable_source(name: str, cfg: ConfigDep) -> SourceFlag:
    """Mark the source off in the admin file beside the archive (finews.toml is left as written)."""
    return _flag(cfg, name, True)


@router.post("/{name}/enable", response_model=SourceFlag)
def enable_source(name: str, cfg: ConfigDep) -> SourceFlag:
    return _flag(cfg, name, False)
