"""Polite, bounded HTTP (and local file) fetching with httpx."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit

import httpx

from ..config import FetchConfig
from ..errors import FetchError
from .charset import decode

_ACCEPT = "application/rss+xml, application/atom+xml, application/feed+json, application/xml;q=0.9, */*;q=0.8"


@dataclass
class Response:
    url: str  # after redirects
    status: int
    content: bytes
    headers: dict[str, str] = field(default_factory=dict)  # lower-case names
    etag: str | None = None
    last_modified: str | None = None
    not_modified: bool = False
    _text: tuple[str, str] | None = field(default=None, repr=False)

    def text(self) -> str:
        """The body decoded (header, declaration, detection); :class:`ParseError` if undecodable."""
        if self._text is None:
            self._text = decode(self.content, self.headers.get("content-type"))
        return self._text[0]

    @property
    def encoding(self) -> str:
        self.text()
        assert self._text is not None
        return self._text[1]


class Fetcher:
    """One connection pool for a run. ``get`` never returns more than the size cap."""

    def __init__(self, config: FetchConfig | None = None, base_dir: Path = Path(".")) -> None:
        self.config = config or FetchConfig()
        self.base_dir = base_dir
        self._client = httpx.Client(
            headers={"User-Agent": self.config.user_agent, "Accept": _ACCEPT, "Accept-Encoding": "gzip, deflate, br"},
            follow_redirects=True,
            max_redirects=self.config.max_redirects,
            timeout=httpx.Timeout(self.config.timeout),
        )

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._client.close()

    def get(
        self,
        url: str,
        *,
        etag: str | None = None,
        last_modified: str | None = None,
        timeout: float | None = None,
        max_bytes: int | None = None,
    ) -> Response:
        cap = max_bytes or self.config.max_bytes
        scheme = urlsplit(url).scheme.lower()
        if scheme in ("", "file") or (len(scheme) == 1 and url[1:3] in (":\\", ":/")):
            return self._read_file(url, cap)
        if scheme not in ("http", "https"):
            raise FetchError(url, f"unsupported URL scheme {scheme!r} (use http, https or file)")
        headers = {}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        seconds = timeout or self.config.timeout
        try:
            with self._client.stream("GET", url, headers=headers, timeout=httpx.Timeout(seconds)) as response:
                if response.status_code == 304:
                    return Response(str(response.url), 304, b"", _headers(response), etag, last_modified, True)
                if response.status_code >= 400:
                    raise FetchError(url, f"HTTP {response.status_code} {response.reason_phrase}".strip(),
                                     status=response.status_code)  # fmt: skip
                body = _read_capped(response, cap, url)
                headers_out = _headers(response)
                return Response(
                    url=str(response.url),
                    status=response.status_code,
                    content=body,
                    headers=headers_out,
                    etag=headers_out.get("etag"),
                    last_modified=headers_out.get("last-modified"),
                )
        except httpx.TooManyRedirects:
            raise FetchError(url, f"too many redirects (more than {self.config.max_redirects})") from None
        except httpx.TimeoutException:
            raise FetchError(url, f"timed out after {seconds:g}s") from None
        except httpx.HTTPError as exc:
            raise FetchError(url, _describe(exc)) from None

    def _read_file(self, url: str, cap: int) -> Response:
        parts = urlsplit(url)
        raw = unquote(parts.path) if parts.scheme.lower() == "file" else url
        path = Path(raw).expanduser()
        if not path.is_absolute():
            path = self.base_dir / path
        try:
            size = path.stat().st_size
            if size > cap:
                raise FetchError(url, f"body larger than {cap} bytes")
            with path.open("rb") as handle:
                data = handle.read(cap + 1)
        except FileNotFoundError:
            raise FetchError(url, f"no such file: {path}") from None
        except IsADirectoryError:
            raise FetchError(url, f"is a folder: {path}") from None
        except OSError as exc:
            raise FetchError(url, f"cannot read {path}: {exc.strerror or exc}") from None
        if len(data) > cap:
            raise FetchError(url, f"body larger than {cap} bytes")
        return Response(url=path.resolve().as_uri(), status=200, content=data)


def _read_capped(response: httpx.Response, cap: int, url: str) -> bytes:
    announced = response.headers.get("content-length", "")
    if announced.isdigit() and int(announced) > cap and "content-encoding" not in response.headers:
        raise FetchError(url, f"body larger than {cap} bytes (announced {announced})")
    chunks: list[bytes] = []
    size = 0
    # iter_bytes yields decoded (gunzipped) data, so the cap also stops compression bombs
    for chunk in response.iter_bytes():
        size += len(chunk)
        if size > cap:
            raise FetchError(url, f"body larger than {cap} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def _headers(response: httpx.Response) -> dict[str, str]:
    return {k.lower(): v for k, v in response.headers.items()}


def _describe(exc: httpx.HTTPError) -> str:
    text = str(exc) or type(exc).__name__
    if isinstance(exc, httpx.ConnectError):
        return f"cannot connect: {text}"
    return text
