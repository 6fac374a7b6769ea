"""Canonical URLs: one article, one URL, whatever tracking a feed glued onto it."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

# Parameters that identify a campaign or a click, never the article itself.
TRACKING_PARAMS = frozenset(
    {
        "spm",
        "from",
        "source",
        "ref",
        "ref_src",
        "referer",
        "share_token",
        "share_from",
        "sharesource",
        "scene",
        "tt_from",
        "timestamp",
        "fbclid",
        "gclid",
        "dclid",
        "msclkid",
        "yclid",
        "igshid",
        "mc_cid",
        "mc_eid",
        "_hsenc",
        "_hsmi",
        "isappinstalled",
        "wt.mc_id",
        "cmpid",
        "rss",
    }
)
TRACKING_PREFIXES = ("utm_", "__twitter", "pk_", "mtm_", "hmsr", "hmpl", "hmcu", "hmkw", "hmci")


def _is_tracking(name: str) -> bool:
    lower = name.lower()
    return lower in TRACKING_PARAMS or lower.startswith(TRACKING_PREFIXES)


def canonical_url(url: str, base: str | None = None) -> str:
    """Absolute, lower-case host, default port and fragment dropped, tracking parameters removed.

    Parameter order is kept: some sites route on it, so sorting could point at another page.
    """
    url = (url or "").strip()
    if not url:
        return ""
    if base:
        url = urljoin(base, url)
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        return url
    host = (parts.hostname or "").lower().rstrip(".")
    if not host:
        return url
    try:
        port = parts.port
    except ValueError:
        port = None
    netloc = host if port is None or (scheme, port) in (("http", 80), ("https", 443)) else f"{host}:{port}"
    if ":" in host and not host.startswith("["):
        netloc = f"[{host}]" + netloc[len(host) :]
    query = urlencode([(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not _is_tracking(k)])
    path = parts.path or "/"
    return urlunsplit((scheme, netloc, path, query, ""))
