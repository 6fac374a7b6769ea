"""File names from untrusted text (never outside the output folder, legal everywhere, stable) and their URLs."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from pathlib import Path
from urllib.parse import quote

from ..errors import PublishError

_ILLEGAL = re.compile(r'[\x00-\x1f\x7f<>:"/\\|?*\u200b-\u200f\u2028\u2029\ufeff]')
_RESERVED = re.compile(r"^(con|prn|aux|nul|com[0-9]|lpt[0-9])(\..*)?$", re.I)
MAX_NAME_BYTES = 120


def safe_name(text: str, *, fallback: str = "untitled", max_bytes: int = MAX_NAME_BYTES) -> str:
    """One path component from ``text``; illegal characters become ``_``; cut on a character boundary."""
    name = unicodedata.normalize("NFC", text or "")
    name = _ILLEGAL.sub("_", name)
    name = re.sub(r"\s+", " ", name).strip(" .")
    name = re.sub(r"_{2,}", "_", name)
    if not name or set(name) <= {".", "_"}:
        name = fallback
    if _RESERVED.match(name):
        name = f"_{name}"
    encoded = name.encode("utf-8")
    if len(encoded) > max_bytes:
        digest = hashlib.sha1(encoded).hexdigest()[:8]
        cut = encoded[: max_bytes - 9].decode("utf-8", "ignore").rstrip(" .")
        name = f"{cut}-{digest}"
    return name


def safe_join(root: Path, *parts: str) -> Path:
    """``root / parts`` after checking the result stays inside ``root``."""
    base = root.resolve()
    path = base.joinpath(*parts).resolve()
    if path != base and base not in path.parents:
        raise PublishError(f"refusing to write outside {base}: {'/'.join(parts)}")
    return path


# what a path of the site keeps as it is in a URL: RFC 3986's unreserved characters and "/"
_PLAIN_PATH = re.compile(r"[A-Za-z0-9._~/-]*")


def site_url(path: str, base: str = "") -> str:
    """The URL of ``path`` (a file or folder of the site, as on disk), percent-encoded per RFC 3986.

    Spaces, non-ASCII letters and every character a URL may not hold raw become ``%XX`` of their
    UTF-8 bytes, so ``person/Sam Altman/`` is linked as ``person/Sam%20Altman/``. Relative as
    given, or absolute under ``base`` (from :func:`base_prefix`). Every link, feed id and sitemap
    location the site writes is made here.
    """
    if not _PLAIN_PATH.fullmatch(path):
        path = quote(path, safe="/", errors="replace")
    return f"{base}{path}"


def base_prefix(base_url: str) -> str:
    """``site.base_url`` as the prefix of absolute URLs (ending in "/"), or "" when it is not set."""
    base = base_url.strip().rstrip("/")
    return f"{base}/" if base else ""
