"""DNS rebinding: the name is resolved once and the connection goes to the address that was checked.

The resolver is the test's own: it answers a public address first and 127.0.0.1 afterwards, as a
hostile DNS server with a zero TTL would. The "public" address is routed by the test's connector to
a loopback server, so nothing ever leaves the machine; any other address is refused by the router.
"""

from __future__ import annotations

import re
import socket
import ssl
import subprocess
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from finews.config import FetchConfig
from finews.errors import FetchError
from finews.fetch import Fetcher

from ..loopback import LoopbackServer

PUBLIC = "93.184.216.34"  # a global address; the router below sends it to the loopback server
NAME = "feeds.example.com"


class Rebinding:
    """Public on the first question, loopback on every later one; counts the questions."""

    def __init__(self) -> None:
        self.questions: list[str] = []

    def __call__(self, host: str, port: int) -> list[str]:
        self.questions.append(host)
        return [PUBLIC] if len(self.questions) == 1 else ["127.0.0.1"]


class Router:
    """Connects the fake public address to the local server; refuses everything else (no traffic out)."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.dialled: list[tuple[str, int]] = []

    def __call__(self, address: tuple[str, int], timeout: float | None) -> socket.socket:
        self.dialled.append(address)
        if address != (PUBLIC, self.port):
            raise ConnectionRefusedError(f"router: {address} is not the checked address")
        return socket.create_connection(("127.0.0.1", self.port), timeout)


def test_the_checked_address_is_the_one_connected_to():
    resolver = Rebinding()
    with LoopbackServer() as server:
        server.add("/feed.xml", "<rss/>", content_type="application/rss+xml")
        router = Router(server.port)
        url = f"http://{NAME}:{server.port}/feed.xml"
        with Fetcher(FetchConfig(retries=0, allow_private=False), resolver=resolver, connect=router) as fetcher:
            assert fetcher.get(url).content == b"<rss/>"
        # one question, one connection, to the answer that was checked; the Host header keeps the name
        assert resolver.questions == [NAME] and router.dialled == [(PUBLIC, server.port)]
        assert server.requests[0].headers["host"] == f"{NAME}:{server.port}"

        # a new connection asks again; now the answer is loopback and nothing is dialled
        again = Fetcher(FetchConfig(retries=0, allow_private=False), resolver=resolver, connect=router)
        with again, pytest.raises(FetchError, match=re.escape(f"{url}: refused: {NAME} is 127.0.0.1")) as info:
            again.get(url)
        assert "allow_private" in str(info.value)
        assert router.dialled == [(PUBLIC, server.port)] and server.hits("/feed.xml") == 1


def test_one_private_answer_among_public_ones_refuses_the_name():
    with LoopbackServer() as server:
        router = Router(server.port)

        def resolver(host: str, port: int) -> list[str]:
            return [PUBLIC, "169.254.169.254"]

        fetcher = Fetcher(FetchConfig(retries=0), resolver=resolver, connect=router)
        with fetcher, pytest.raises(FetchError, match=r"refused: .* is 169\.254\.169\.254"):
            fetcher.get(f"http://{NAME}:{server.port}/")
        assert router.dialled == [] and server.requests == []


def test_allow_private_still_reaches_the_lan():
    with LoopbackServer() as server:
        server.add("/lan.xml", "<rss/>")
        with Fetcher(FetchConfig(retries=0, allow_private=True)) as fetcher:
            assert fetcher.get(server.url("/lan.xml").replace("127.0.0.1", "localhost")).content == b"<rss/>"


@pytest.fixture
def tls_server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[int, list[str]]]:
    """An HTTPS server on loopback with a certificate for NAME only, trusted through SSL_CERT_FILE."""
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            f"/CN={NAME}",
            "-addext",
            f"subjectAltName=DNS:{NAME}",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
    )
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))
    names: list[str] = []
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    context.sni_callback = lambda _sock, name, _ctx: names.append(name)  # type: ignore[assignment,return-value]

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = self.headers["Host"].encode()
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.socket = context.wrap_socket(httpd.socket, server_side=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd.server_address[1], names
    httpd.shutdown()
    httpd.server_close()


def test_tls_is_for_the_name_while_the_socket_is_pinned(tls_server):
    port, names = tls_server
    router = Router(port)
    with Fetcher(FetchConfig(retries=0), resolver=lambda h, p: [PUBLIC], connect=router) as fetcher:
        response = fetcher.get(f"https://{NAME}:{port}/")
    # the certificate was verified for the name, SNI carried the name, the socket went to the checked address
    assert response.content == f"{NAME}:{port}".encode()
    assert names == [NAME] and router.dialled == [(PUBLIC, port)]
