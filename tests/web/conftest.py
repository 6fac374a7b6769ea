"""A real archive filled through the pipeline from loopback feeds, served by uvicorn on 127.0.0.1."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import uvicorn

from finews.config import Config
from finews.pipeline import fetch_all
from finews.store import open_archive
from finews.web import create_app

from ..conftest import make_config
from ..loopback import LoopbackServer
from .feeds import ALPHA, BETA, feed

TOKEN = "s3cret-admin-token"


@dataclass
class Served:
    url: str
    config: Config
    feeds: LoopbackServer

    def client(self, **kwargs: object) -> httpx.Client:
        return httpx.Client(base_url=self.url, timeout=30, **kwargs)


class _Server(uvicorn.Server):
    def install_signal_handlers(self) -> None:  # a test thread must leave the runner's signals alone
        pass


def serve(app: object) -> Iterator[str]:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    server = _Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()


def _filled(tmp: Path, feeds: LoopbackServer) -> Config:
    feeds.add("/alpha.xml", feed("alpha", "alpha.example.cn", ALPHA), content_type="application/rss+xml")
    feeds.add("/beta.xml", feed("beta", "beta.example.cn", BETA), content_type="application/rss+xml")
    feeds.add("/broken.xml", status=500)
    sources = [{"name": n, "url": feeds.url(f"/{n}.xml"), "title": n.title()} for n in ("alpha", "beta", "broken")]
    config = make_config(tmp, sources)
    with open_archive(config.database_path) as archive:
        # one source after the other, so alpha's report is the first and beta's the linked one
        for name in ("alpha", "beta", "broken"):
            fetch_all(config, archive, names=[name])
    return config


@pytest.fixture(scope="package")
def feeds() -> Iterator[LoopbackServer]:
    with LoopbackServer() as server:
        yield server


@pytest.fixture(scope="package")
def filled(tmp_path_factory: pytest.TempPathFactory, feeds: LoopbackServer) -> Config:
    return _filled(tmp_path_factory.mktemp("desk"), feeds)


@pytest.fixture(scope="package")
def served(filled: Config, feeds: LoopbackServer) -> Iterator[Served]:
    for url in serve(create_app(filled, admin_token=TOKEN)):
        yield Served(url, filled, feeds)


@pytest.fixture(scope="package")
def tokenless(filled: Config, feeds: LoopbackServer) -> Iterator[Served]:
    """The same archive served with no admin token configured (as without $FINEWS_ADMIN_TOKEN)."""
    with pytest.MonkeyPatch.context() as env:
        env.delenv("FINEWS_ADMIN_TOKEN", raising=False)
        app = create_app(filled, admin_token=None)
    for url in serve(app):
        yield Served(url, filled, feeds)
