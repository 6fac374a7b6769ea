"""The admin bearer token: who may act on the desk, and who may see a source's full address.

The token comes from ``web.admin_token`` or the ``FINEWS_ADMIN_TOKEN`` environment variable; without
one nobody is an admin, so an exposed ``finews serve`` never lets anyone start fetches.
"""

from __future__ import annotations

import hmac
import os
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from fastapi.security.utils import get_authorization_scheme_param

TOKEN_VARIABLE = "FINEWS_ADMIN_TOKEN"
bearer = HTTPBearer(auto_error=False, description=f"web.admin_token of finews.toml (or ${TOKEN_VARIABLE})")
Credentials = Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]


def admin_token() -> str | None:
    return os.environ.get(TOKEN_VARIABLE) or None


def expected_token(request: Request) -> str | None:
    return request.app.state.desk.admin_token


def token_matches(expected: str, credentials: HTTPAuthorizationCredentials | None) -> bool:
    given = credentials.credentials if credentials else ""
    # constant time: how much of a guess matched must not show in how long the answer takes
    return hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8"))


def is_admin(request: Request) -> bool:
    """True when the request carries the configured admin token; never when none is configured.

    For answers that anyone may have and an admin sees more of: read from the header, not through
    the bearer scheme, so the OpenAPI document does not call the endpoint protected.
    """
    expected = expected_token(request)
    scheme, token = get_authorization_scheme_param(request.headers.get("Authorization"))
    if not expected or scheme.lower() != "bearer" or not token:
        return False
    return token_matches(expected, HTTPAuthorizationCredentials(scheme=scheme, credentials=token))


AdminView = Annotated[bool, Depends(is_admin)]
