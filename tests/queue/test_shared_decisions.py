"""Two workers on one PostgreSQL archive link copies and group stories as one process does.

Each worker keeps its own near-duplicate index and stories in memory. Here every report is carried by
two sources on two hosts, and each pair's feeds answer only once both were asked for: two workers hold
the original and its copy at the same moment, neither archived yet. The archive must still link each
copy to its original, exactly as a single ``fetch_all`` over the same feeds links them.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from finews.fetch.client import Fetcher
from finews.pipeline import fetch_all
from finews.queue.politeness import SharedHostGate
from finews.queue.tasks import WorkerRuntime
from finews.store import open_archive, open_configured
from tests.conftest import make_config
from tests.loopback import LoopbackServer, Reply, Request

from .feeds import HostServer, rss

PAIRS = 6
ITEMS = 3


def _copy(feed: bytes) -> bytes:
    """Another source's feed carrying the same reports under its own links."""
    return feed.replace(b"https://news.example.cn/", b"https://copies.example.cn/")


def _serve(first: LoopbackServer, second: HostServer) -> list[dict]:
    sources = []
    for pair in range(PAIRS):
        asked: list[str] = []
        both_asked = threading.Event()
        feed = rss(pair, ITEMS)
        for server, name, body in ((first, f"orig{pair}", feed), (second, f"copy{pair}", _copy(feed))):

            def answer(
                _request: Request, body: bytes = body, asked: list[str] = asked, both: threading.Event = both_asked
            ) -> Reply:
                asked.append("")
                if len(asked) >= 2:
                    both.set()
                both.wait(20)  # the first time: both workers hold this pair's reports before either saves
                return Reply(200, body, {"Content-Type": "application/rss+xml"})

            server.add(f"/{name}.xml", handler=answer)
            sources.append({"name": name, "url": server.url(f"/{name}.xml")})
    return sources


def _groups(archive) -> tuple[set[frozenset[str]], set[frozenset[str]]]:
    """Reports with their copies, and stories, each as a set of links (ids differ between archives)."""
    articles = list(archive.iter_articles(linked=True))
    url = {a.id: a.url for a in articles}
    copies: dict[str, set[str]] = {}
    stories: dict[int, set[str]] = {}
    for a in articles:
        if a.duplicate_of:
            copies.setdefault(url[a.duplicate_of], {url[a.duplicate_of]}).add(a.url)
        if a.story_id is not None:
            stories.setdefault(a.story_id, set()).add(a.url)
    return {frozenset(g) for g in copies.values()}, {frozenset(s) for s in stories.values()}


def test_two_workers_holding_a_report_and_its_copy_at_once_link_them(tmp_path: Path, queue_db: str):
    with LoopbackServer() as first, HostServer("127.0.0.2") as second:
        sources = _serve(first, second)
        config = make_config(tmp_path, sources, storage={"url": queue_db})
        runtimes = []
        for _ in range(2):
            fetcher = Fetcher(config.fetch)
            fetcher.gate = SharedHostGate(queue_db, 2, 0.0)
            runtimes.append(WorkerRuntime(config, open_configured(config), fetcher))
        try:
            with ThreadPoolExecutor(2) as pool:
                for pair in range(PAIRS):  # each worker takes one source of the pair, both at once
                    jobs = [pool.submit(runtimes[n].fetch, f"{kind}{pair}") for n, kind in enumerate(("orig", "copy"))]
                    assert all(job.result()["ok"] for job in jobs)
            shared = _groups(runtimes[0].archive)
        finally:
            for runtime in runtimes:
                runtime.close()
                runtime.archive.close()

        single = make_config(tmp_path / "one", sources)
        with open_archive(tmp_path / "one" / "archive.db") as archive:
            fetch_all(single, archive)
            alone = _groups(archive)

    copies, stories = shared
    assert len(copies) == PAIRS * ITEMS  # every report linked to its copy, none left as two originals
    assert all(len(group) == 2 for group in copies)
    assert copies == alone[0]
    assert all(any(group <= story for story in stories) for group in copies)  # a copy joins its report's story
    assert stories == alone[1]
