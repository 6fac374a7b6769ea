"""Polite, bounded HTTP (and local file) fetching with httpx.

Bounded in size (``max_bytes``) and in time: ``timeout`` bounds each wait on the network (to
connect, for the next bytes), and the whole request — connecting, the headers, the body and every
redirect — ends within :data:`DEADLINE_FACTOR` × ``timeout``. Without the deadline a server
sending a few bytes every second keeps a worker for as long as it likes. A request cut at its
deadline is not retried: the same server would be as slow again.
"""

from __future__ import annotations

import ipaddress
import random
import threading
import time
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit

import brotli
import httpx

from ..config import FetchConfig
from ..errors import (
    AddressRefused,
    BodyTooLarge,
    DeadlineExceeded,
    FetchConnectError,
    FetchError,
    FetchTimeout,
    HostNotResolved,
    HTTPStatusError,
    RobotsDisallowed,
    TooManyRedirects,
)
from .addresses import Resolver, check_public, system_resolver
from .charset import decode
from .deadline import Deadlines, bound_sockets
from .pinning import Connector, PinnedTransport, direct_connect
from .politeness import HostGate, backoff, max_age_seconds, retry_after_seconds
from .robots import RobotsPolicy

_ACCEPT = "application/rss+xml, application/atom+xml, application/feed+json, application/xml;q=0.9, */*;q=0.8"
# Brotli before 1.2 cannot bound its output, so a tiny bomb could expand to gigabytes in one call:
# only ask for br when the installed package lets us decode it in bounded pieces.
_BROTLI_BOUNDED = hasattr(brotli.Decompressor, "can_accept_more_data")
_ACCEPT_ENCODING = "gzip, deflate, br" if _BROTLI_BOUNDED else "gzip, deflate"
_PIECE = 64 * 1024  # most decoded bytes produced per step, so the size cap is checked often
_ACCEPT_PAGE = "text/html,application/xhtml+xml;q=0.9,*/*;q=0.8"
DEADLINE_FACTOR = 3  # a whole request ends within this many times its timeout


@dataclass
class Response:
    url: str  # after redirects
    status: int
    content: bytes
    headers: dict[str, str] = field(default_factory=dict)  # lower-case names
    etag: str | None = None
    last_modified: str | None = None
    not_modified: bool = False
    _text: tuple[str, str] | None = field(default=None, init=False, repr=False, compare=False)

    def text(self) -> str:
        """The body decoded (BOM, header, declaration, detection); :class:`ParseError` if undecodable."""
        if self._text is None:
            self._text = decode(self.content, self.headers.get("content-type"))
        return self._text[0]

    @property
    def max_age(self) -> int | None:
        """Seconds the server says this answer stays fresh (``Cache-Control: max-age``)."""
        return max_age_seconds(self.headers.get("cache-control"))

    @property
    def encoding(self) -> str:
        """The codec :meth:`text` used."""
        self.text()
        assert self._text is not None
        return self._text[1]


class Fetcher:
    """One connection pool per proxy for a run, shared by all worker threads.

    ``get`` never returns more than the size cap, waits its turn at the host's gate, retries
    transient failures with backoff and jitter, and obeys robots.txt for pages (``page=True``).
    """

    def __init__(
        self,
        config: FetchConfig | None = None,
        base_dir: Path = Path("."),
        *,
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
        resolver: Resolver = system_resolver,
        connect: Connector = direct_connect,
    ) -> None:
        self.config = config or FetchConfig()
        self.resolver = resolver  # names are resolved once, here, and connected to as checked
        self.connect = connect
        self.base_dir = base_dir
        self.gate = HostGate(self.config.per_host, self.config.host_interval, sleep=sleep)
        self.robots = RobotsPolicy(self._robots_text, self.config.user_agent)
        self.requests = 0  # HTTP requests sent, retries included (benchmarks and health pages read it)
        self.bytes = 0  # body bytes received, decoded
        self._sleep = sleep
        self._rng = rng or random.Random()
        self._clients: dict[tuple[str | None, bool], httpx.Client] = {}
        self._lock = threading.Lock()
        self._deadlines = Deadlines()

    def _client(self, proxy: str | None, private: bool) -> httpx.Client:
        """One pool per proxy and per permission: a connection opened for a LAN source never serves another."""
        with self._lock:
            client = self._clients.get((proxy, private))
            if client is None:
                limits = httpx.Limits(max_connections=max(10, self.config.workers * 2))
                transport: httpx.BaseTransport | None = None
                hooks: dict[str, list[Callable[[httpx.Request], None]]] = {}
                if not private and proxy is None:
                    # resolved once, checked, and connected to that address (no DNS rebinding)
                    transport = PinnedTransport(self.resolver, self.connect, limits=limits)
                elif not private:
                    # the proxy resolves names, the user chose it; literal addresses are still checked, every hop
                    hooks["request"] = [_check_literal]
                client = httpx.Client(
                    headers={
                        "User-Agent": self.config.user_agent,
                        "Accept": _ACCEPT,
                        "Accept-Encoding": _ACCEPT_ENCODING,
                    },
                    follow_redirects=True,
                    max_redirects=self.config.max_redirects,
                    timeout=httpx.Timeout(self.config.timeout),
                    proxy=proxy,
                    transport=transport,
                    limits=limits,
                    event_hooks=hooks,
                )
                bound_sockets(client, self._deadlines)
                self._clients[(proxy, private)] = client
            return client

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        with self._lock:
            for client in self._clients.values():
                client.close()
            self._clients.clear()

    def get(
        self,
        url: str,
        *,
        etag: str | None = None,
        last_modified: str | None = None,
        timeout: float | None = None,
        max_bytes: int | None = None,
        proxy: str | None = None,
        page: bool = False,
        allow_private: bool | None = None,
    ) -> Response:
        """Fetch ``url`` (http, https, file or a path under ``base_dir``); any failure is a :class:`FetchError`.

        ``page`` marks a fetch finews decides on by itself (an article page): robots.txt applies.
        """
        cap = max_bytes or self.config.max_bytes
        try:
            parts = urlsplit(url)
            scheme, host = parts.scheme.lower(), parts.hostname or ""
        except ValueError as exc:
            raise FetchError(url, f"invalid URL: {exc}") from None
        if scheme in ("", "file") or (len(scheme) == 1 and url[1:3] in (":\\", ":/")):
            return self._read_file(url, cap)
        if scheme not in ("http", "https"):
            raise FetchError(url, f"unsupported URL scheme {scheme!r} (use http, https or file)")
        private = self.config.allow_private if allow_private is None else allow_private
        if page and self.config.robots and not self.robots.allowed(url, private):
            raise RobotsDisallowed(url, "disallowed by the site's robots.txt")
        headers = {"Accept": _ACCEPT_PAGE} if page else {}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        attempt = 0
        seconds = timeout or self.config.timeout
        while True:
            try:
                with self.gate.slot(host), self._deadlines.within(seconds * DEADLINE_FACTOR):
                    return self._request(url, headers, seconds, cap, proxy, private)
            except FetchError as exc:
                delay = self._retry_delay(exc, attempt)
                if delay is None:
                    raise
            attempt += 1
            self._sleep(delay)

    def _retry_delay(self, exc: FetchError, attempt: int) -> float | None:
        """Seconds to wait before trying again, or None when the failure is final for this run."""
        if attempt >= self.config.retries:
            return None
        if not exc.transient:
            return None
        if exc.retry_after is not None:
            # a long Retry-After is honoured by deferring the source's next check, not by blocking a worker
            return exc.retry_after if exc.retry_after <= self.config.max_retry_after else None
        return backoff(attempt, self.config.retry_wait, self.config.max_retry_after, self._rng)

    def _request(
        self, url: str, headers: dict[str, str], seconds: float, cap: int, proxy: str | None, private: bool
    ) -> Response:
        with self._lock:
            self.requests += 1
        try:
            client = self._client(proxy, private)
            with client.stream("GET", url, headers=headers, timeout=httpx.Timeout(seconds)) as response:
                got = _headers(response)
                if response.status_code == 304:
                    # A 304 may carry fresh validators; otherwise the ones we sent still hold.
                    etag = got.get("etag") or headers.get("If-None-Match")
                    last_modified = got.get("last-modified") or headers.get("If-Modified-Since")
                    return Response(str(response.url), 304, b"", got, etag, last_modified, not_modified=True)
                if response.status_code >= 400:
                    cause = f"HTTP {response.status_code} {response.reason_phrase}".strip()
                    wait = retry_after_seconds(got.get("retry-after"))
                    if wait is not None:
                        cause += f" (retry after {wait:g}s)"
                    raise HTTPStatusError(url, cause, status=response.status_code, retry_after=wait)
                body = _read_capped(response, cap, url)
                with self._lock:
                    self.bytes += len(body)
                return Response(
                    url=str(response.url),
                    status=response.status_code,
                    content=body,
                    headers=got,
                    etag=got.get("etag"),
                    last_modified=got.get("last-modified"),
                )
        except (AddressRefused, HostNotResolved) as refused:  # from the pinned connection or the proxy's hook
            raise refused.for_url(url) from None
        except httpx.TooManyRedirects:
            raise TooManyRedirects(url, f"too many redirects (more than {self.config.max_redirects})") from None
        except httpx.TimeoutException:
            if self._deadlines.reached():
                total = seconds * DEADLINE_FACTOR
                raise DeadlineExceeded(
                    url, f"too slow: not done within {total:g}s ({DEADLINE_FACTOR} × timeout)"
                ) from None
            raise FetchTimeout(url, f"timed out after {seconds:g}s") from None
        except (httpx.InvalidURL, UnicodeError) as exc:  # UnicodeError: a host IDNA cannot encode
            raise FetchError(url, f"invalid URL: {exc}") from None
        except httpx.ConnectError as exc:
            raise FetchConnectError(url, f"cannot connect: {_text(exc)}") from None
        except (httpx.RemoteProtocolError, httpx.ReadError) as exc:
            raise FetchConnectError(url, f"connection lost: {_text(exc)}") from None
        except (httpx.HTTPError, ValueError) as exc:  # ValueError: httpx rejects a malformed proxy URL
            raise FetchError(url, _text(exc)) from None

    def _robots_text(self, url: str, cap: int, allow_private: bool) -> str:
        # the page's own permission to reach its host applies to the host's robots.txt too
        return self.get(url, max_bytes=cap, allow_private=allow_private).text()

    def _read_file(self, url: str, cap: int) -> Response:
        parts = urlsplit(url)
        raw = unquote(parts.path) if parts.scheme.lower() == "file" else url
        path = Path(raw).expanduser()
        if not path.is_absolute():
            path = self.base_dir / path
        try:
            if path.stat().st_size > cap:
                raise BodyTooLarge(url, f"body larger than {cap} bytes")
            with path.open("rb") as handle:
                data = handle.read(cap + 1)  # stat says 0 for pipes and /dev files: the read bounds them
        except FileNotFoundError:
            raise FetchError(url, f"no such file: {path}") from None
        except IsADirectoryError:
            raise FetchError(url, f"is a folder: {path}") from None
        except OSError as exc:
            raise FetchError(url, f"cannot read {path}: {exc.strerror or exc}") from None
        if len(data) > cap:
            raise BodyTooLarge(url, f"body larger than {cap} bytes")
        return Response(url=path.resolve().as_uri(), status=200, content=data)


def _check_literal(request: httpx.Request) -> None:
    """Through a proxy: refuse a private address written in the URL itself (names are the proxy's to resolve)."""
    host = request.url.host
    try:
        literal = [str(ipaddress.ip_address(host.strip("[]")))]
    except ValueError:
        return
    # AddressRefused: httpx passes an event hook's own errors through untouched
    check_public(str(request.url), host, request.url.port or 0, lambda _h, _p: literal)


def _read_capped(response: httpx.Response, cap: int, url: str) -> bytes:
    coding = response.headers.get("content-encoding", "")
    announced = response.headers.get("content-length", "")
    # Content-Length counts encoded bytes; only an unencoded length says the body is too big.
    if announced.isdigit() and int(announced) > cap and coding.strip().lower() in ("", "identity"):
        raise BodyTooLarge(url, f"body larger than {cap} bytes (announced {announced})")
    chunks: list[bytes] = []
    size = 0
    try:
        for chunk in _decoded(response.iter_raw(), coding, url):
            size += len(chunk)
            if size > cap:
                raise BodyTooLarge(url, f"body larger than {cap} bytes")
            chunks.append(chunk)
    except (zlib.error, brotli.error) as exc:
        raise FetchError(url, f"cannot decode {coding} body: {exc}") from None
    return b"".join(chunks)


def _decoded(raw: Iterator[bytes], content_encoding: str, url: str) -> Iterator[bytes]:
    """Undo Content-Encoding in pieces of at most ``_PIECE`` bytes.

    httpx inflates each network chunk whole; 2 KB of brotli can hold a gigabyte of zeros,
    which would be in memory before the size cap ever saw it.
    """
    stream = raw
    for coding in reversed([c.strip().lower() for c in content_encoding.split(",") if c.strip()]):
        if coding in ("gzip", "x-gzip"):
            stream = _inflate(stream, zlib.MAX_WBITS | 16)
        elif coding == "deflate":
            stream = _inflate(stream, None)
        elif coding == "br" and _BROTLI_BOUNDED:
            stream = _unbrotli(stream)
        elif coding != "identity":
            raise FetchError(url, f"unsupported content encoding {coding!r}")
    return stream


def _inflate(chunks: Iterator[bytes], wbits: int | None) -> Iterator[bytes]:
    inflater = None
    for chunk in chunks:
        if inflater is None:
            if not chunk:
                continue
            if wbits is None:
                # "deflate" means zlib-wrapped, but some servers send it raw; the zlib header tells them apart.
                wrapped = chunk[0] & 0x0F == 8 and int.from_bytes(chunk[:2]) % 31 == 0
                wbits = zlib.MAX_WBITS if wrapped else -zlib.MAX_WBITS
            inflater = zlib.decompressobj(wbits)
        while chunk and not inflater.eof:
            yield inflater.decompress(chunk, _PIECE)
            chunk = inflater.unconsumed_tail
    if inflater is not None:
        yield inflater.flush()


def _unbrotli(chunks: Iterator[bytes]) -> Iterator[bytes]:
    decoder = brotli.Decompressor()
    for chunk in chunks:
        yield decoder.process(chunk, output_buffer_limit=_PIECE)
        while not decoder.can_accept_more_data():
            yield decoder.process(b"", output_buffer_limit=_PIECE)


def _headers(response: httpx.Response) -> dict[str, str]:
    return {k.lower(): v for k, v in response.headers.items()}


def _text(exc: Exception) -> str:
    return str(exc) or type(exc).__name__
