"""A whole desk for the browser: feeds on loopback, fetched by the pipeline, the site built, `finews serve` up."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from finews.config import Config
from finews.pipeline import fetch_all
from finews.publish.outputs import publish_all
from finews.store import open_archive
from finews.web import create_app

from ..conftest import make_config
from ..web.conftest import serve


@dataclass
class Desk:
    url: str  # `finews serve` on 127.0.0.1
    config: Config

    @property
    def site(self) -> Path:
        return self.config.site_dir

    def pages(self) -> list[str]:
        """Every page of the built site a reader's browser may open: HTML, and the feeds it links to."""
        files = sorted(p for p in self.site.rglob("*") if p.is_file() and p.suffix in (".html", ".xml", ".json"))
        return [f"{self.url}/{p.relative_to(self.site).as_posix()}" for p in files if "pagefind" not in p.parts]


def _fill_and_build(config: Config, names: list[str]) -> None:
    with open_archive(config.database_path) as archive:
        for name in names:
            fetch_all(config, archive, names=[name])  # a failing source is part of some desks
        publish_all(config, archive)


@contextmanager
def running_desk(folder: Path, sources: list[dict], **sections: dict) -> Iterator[Desk]:
    """Fetch ``sources`` one after the other (so the first one's reports come first), build, serve."""
    config = make_config(folder, sources, **sections)
    # in a thread of its own: the pipeline and the search index run asyncio loops, which cannot
    # start in the thread where Playwright's sync API keeps its loop running
    with ThreadPoolExecutor(1) as worker:
        worker.submit(_fill_and_build, config, [s["name"] for s in sources]).result()
    served = serve(create_app(config))
    url = next(served)
    try:
        yield Desk(url, config)
    finally:
        served.close()  # the generator's finally stops uvicorn
