"""Addresses as they may be shown to someone: never with a password, and to strangers without secrets at all.

A configured URL can carry credentials (``https://user:pass@host/``) and keys in its query string
(``?token=…``). Messages keep the URL recognisable with the password masked; anonymous readers of
the web API see only where it points: scheme, host, port and path.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit, urlunsplit

_URL = re.compile(r"\b[a-zA-Z][a-zA-Z0-9+.-]*://[^\s\"'<>]+?(?=[.,:;)\]]*(?:[\s\"'<>]|$))")


def without_password(url: str) -> str:
    """``url`` with its password, if any, replaced by ``***``: for messages and logs."""
    parts = urlsplit(url)
    if parts.password:
        netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
        return urlunsplit((parts.scheme, netloc, *parts[2:]))
    return url


def public_url(url: str) -> str:
    """Where ``url`` points, with nothing that can be a secret: no user, password, query or fragment."""
    try:
        parts = urlsplit(url)
        host, port = parts.hostname, parts.port
    except ValueError:  # a malformed port or bracket: show none of it rather than guess
        return ""
    if not host:  # file:///srv/feeds/a.xml keeps its path; an address it cannot read shows nothing
        return "" if parts.netloc else urlunsplit((parts.scheme, "", parts.path, "", ""))
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    netloc = f"{host}:{port}" if port is not None else host
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))


def public_text(text: str) -> str:
    """``text`` (an error message) with every URL in it reduced to :func:`public_url`."""
    return _URL.sub(lambda match: public_url(match.group(0)), text)
