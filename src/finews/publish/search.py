"""Search in the browser with no server: a Pagefind index of the article pages, written under /pagefind/.

Pagefind reads the built pages (``data-pagefind-body`` marks the article, ``data-pagefind-filter``
its source and category); its extended binary splits Chinese into words when told the language
is zh, so a 2-character query such as 茅台 finds 贵州茅台发布年报 (the plain binary would not).
The index is made in a folder aside and its files go into the site through the build's
:class:`~.incremental.Output`, which writes only the files whose bytes changed.
"""

from __future__ import annotations

import asyncio
import importlib.util
import os
import shutil
import tempfile
from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import PublishError

BUNDLE = "pagefind"
DELTA = "pagefind-new"  # the index of the pages added since BUNDLE was made, merged in by the search page
DELTA_LIMIT = 2000  # past this many new pages the whole index is made again and the delta dropped
LANGUAGE = "zh"  # Pagefind's name for Chinese; pages say zh-CN and it would guess the same


@dataclass
class Plan:
    """Which index to make: all article pages into BUNDLE, or only the new ones into DELTA.

    Pagefind cannot add to an index, and indexing 100k pages takes minutes, so a page new since
    the last full index goes into a small second index the search page merges. A page already
    in the main index that changed or went away makes the main index again (else it would be
    found twice, or found and missing).
    """

    full: bool
    main: list[str] = field(default_factory=list)
    delta: list[str] = field(default_factory=list)
    index_delta: bool = False  # the delta's pages changed: make it again

    def state(self) -> dict[str, list[str]]:
        return {"main": self.main, "delta": self.delta}


def plan(previous: dict | None, pages: list[str], rendered: set[str], *, bundle_there: bool) -> Plan:
    """What to index now, from the last build's state, the article pages and those rendered this build."""
    if not previous or not bundle_there:
        return Plan(full=True, main=pages)
    main = previous.get("main", [])
    in_main = set(main)
    now = set(pages)
    old_delta = [p for p in previous.get("delta", []) if p in now]
    fresh = [p for p in pages if p in rendered and p not in in_main and p not in old_delta]
    delta = old_delta + fresh
    if (in_main - now) or (rendered & in_main) or len(delta) > DELTA_LIMIT:
        return Plan(full=True, main=pages)
    changed = bool(fresh) or len(old_delta) != len(previous.get("delta", []))
    return Plan(full=False, main=main, delta=delta, index_delta=changed and bool(delta))


def index_subset(site: Path, pages: list[str]) -> dict[str, bytes]:
    """Index only ``pages`` (paths in the site): linked into a folder of their own, keeping their paths."""
    with tempfile.TemporaryDirectory(prefix="finews-pagefind-pages-") as tmp:
        for page in pages:
            target = Path(tmp) / page
            target.parent.mkdir(parents=True, exist_ok=True)
            try:
                os.link(site / page, target)
            except OSError:  # another file system: a copy does as well
                shutil.copyfile(site / page, target)
        return {
            path.replace(f"{BUNDLE}/", f"{DELTA}/", 1): data
            for path, data in index_pages(Path(tmp), glob="**/*.html").items()
        }


def index_pages(site: Path, glob: str = "a/*.html") -> dict[str, bytes]:
    """Index ``glob`` under ``site``; the bundle's files by their path in the site (``pagefind/…``)."""
    with tempfile.TemporaryDirectory(prefix="finews-pagefind-") as tmp:
        pages = _run_coroutine(_index(site, glob, Path(tmp)))
        files = {
            f"{BUNDLE}/{path.relative_to(tmp).as_posix()}": path.read_bytes()
            for path in sorted(Path(tmp).rglob("*"))
            if path.is_file()
        }
    if pages == 0 and not files:
        raise PublishError("search index: Pagefind indexed no page")
    return files


def _run_coroutine(coroutine: Coroutine[Any, Any, int]) -> int:
    """Pagefind's Python API is async; a build may be asked for from inside an event loop (the
    web app's admin actions, a test driving a browser), where asyncio.run refuses: use a thread."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coroutine)
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


async def _index(site: Path, glob: str, out: Path) -> int:
    from pagefind.index import PagefindIndex  # only a build with search needs the binary

    if importlib.util.find_spec("pagefind_bin_extended") is None and not os.environ.get("PAGEFIND_BINARY_PATH"):
        # the plain binary indexes a run of Chinese as one word: 茅台 would not find 贵州茅台发布年报
        raise PublishError("search index: Chinese needs Pagefind's extended binary: pip install 'pagefind[extended]'")

    # one request for the whole folder: the Python service answers each request after a 0.1 s poll,
    # so a record per article would take minutes where the folder takes seconds
    config = {"force_language": LANGUAGE, "keep_index_url": True, "output_path": str(out)}
    try:
        async with PagefindIndex(config) as index:  # type: ignore[arg-type]
            result = await index.add_directory(str(site), glob=glob)
            return int(result.get("page_count", 0))  # leaving the block writes the files to output_path
    except PublishError:
        raise
    except Exception as exc:  # the service reports failures as bare exceptions
        raise PublishError(f"search index: Pagefind failed: {exc}") from None
