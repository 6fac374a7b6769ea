"""A real HTTP server on 127.0.0.1 for tests: routes are plain Python, every request is recorded.

with LoopbackServer() as server:
    server.add("/feed.xml", body=b"<rss/>", content_type="application/rss+xml")
    server.add("/slow", handler=lambda req: time.sleep(2) or Reply(200, b"late"))
    fetch(server.url("/feed.xml"))
    assert server.hits("/feed.xml") == 1
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit


@dataclass
class Reply:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Request:
    path: str  # with the query string
    headers: dict[str, str]  # lower-case names
    at: float  # time.monotonic() when it arrived

    @property
    def route(self) -> str:
        return urlsplit(self.path).path


Handler = Callable[[Request], Reply]


class _Quiet(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address) -> None:  # clients hanging up early are expected
        pass


class LoopbackServer:
    def __init__(self) -> None:
        self.routes: dict[str, Handler] = {}
        self.requests: list[Request] = []
        self._lock = threading.Lock()
        server = self

        class _Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                import time

                request = Request(self.path, {k.lower(): v for k, v in self.headers.items()}, time.monotonic())
                with server._lock:
                    server.requests.append(request)
                handler = server.routes.get(request.route)
                reply = handler(request) if handler else Reply(404, b"not found")
                self.send_response(reply.status)
                headers = {"Content-Type": "text/plain; charset=utf-8", **reply.headers}
                for name, value in headers.items():
                    self.send_header(name, value)
                if "Content-Length" not in headers and "Transfer-Encoding" not in headers:
                    self.send_header("Content-Length", str(len(reply.body)))
                self.end_headers()
                if reply.body:
                    self.wfile.write(reply.body)

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = _Quiet(("127.0.0.1", 0), _Handler)
        self.port = self.httpd.server_address[1]
        self._thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> LoopbackServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def url(self, path: str = "/") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def add(
        self,
        path: str,
        body: bytes | str = b"",
        *,
        status: int = 200,
        content_type: str = "text/plain; charset=utf-8",
        headers: dict[str, str] | None = None,
        handler: Handler | None = None,
    ) -> None:
        """Serve ``body`` (or whatever ``handler`` returns) at ``path``; replaces an earlier route."""
        if handler is None:
            data = body.encode("utf-8") if isinstance(body, str) else body
            fixed = Reply(status, data, {"Content-Type": content_type, **(headers or {})})

            def handler(_request: Request) -> Reply:
                return fixed

        self.routes[path] = handler

    def hits(self, path: str) -> int:
        with self._lock:
            return sum(1 for r in self.requests if r.route == path)
