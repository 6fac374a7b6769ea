"""robots.txt for the pages finews fetches on its own initiative (article pages, list pages).

Feeds and APIs are published to be polled, so they are not checked. Parsing is Protego's
(the parser Scrapy uses: wildcards, ``Allow`` precedence, ``Crawl-delay``). Answers follow RFC 9309:
no robots.txt (4xx) allows everything; an unreachable one (5xx, network error) disallows
everything until the next try.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from urllib.parse import urlsplit

from protego import Protego

from ..errors import FetchError

_ALLOW_ALL = Protego.parse("")
_DISALLOW_ALL = Protego.parse("User-agent: *\nDisallow: /")
_RETRY_UNREACHABLE = 600.0
_MAX_BYTES = 512 * 1024  # Google reads the first 500 KiB; more is not a robots file


class RobotsPolicy:
    def __init__(
        self,
        fetch_text: Callable[[str, int, bool], str],  # (url, byte cap, allow_private) -> text
        user_agent: str,
        *,
        ttl: float = 86400.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._fetch_text = fetch_text
        self._agent = user_agent.split("/", 1)[0]
        self._ttl = ttl
        self._clock = clock
        self._lock = threading.Lock()
        self._cache: dict[str, tuple[float, Protego]] = {}

    def allowed(self, url: str, allow_private: bool = False) -> bool:
        """Whether robots.txt lets us fetch ``url``; ``allow_private``: may its robots.txt be on a private address."""
        return self._rules(url, allow_private).can_fetch(url, self._agent)

    def _rules(self, url: str, allow_private: bool) -> Protego:
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        with self._lock:
            cached = self._cache.get(origin)
        if cached and cached[0] > self._clock():
            return cached[1]
        rules, ttl = self._load(origin, allow_private)
        with self._lock:
            self._cache[origin] = (self._clock() + ttl, rules)
        return rules

    def _load(self, origin: str, allow_private: bool) -> tuple[Protego, float]:
        try:
            return Protego.parse(self._fetch_text(f"{origin}/robots.txt", _MAX_BYTES, allow_private)), self._ttl
        except FetchError as exc:
            if exc.status is not None and 400 <= exc.status < 500:
                return _ALLOW_ALL, self._ttl
            # an outage is short-lived: ask again soon rather than shunning the site for a day
            return _DISALLOW_ALL, min(self._ttl, _RETRY_UNREACHABLE)
