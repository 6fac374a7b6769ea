"""Search in the browser with no server: a Pagefind index of the article pages, written under /pagefind/.

Pagefind does not read the article pages themselves: each is given to it as a page of words made
by :mod:`.search_records` (the archive search's folded terms: CJK bigrams, whole Latin tokens), so
that the search page, asking for each part of a query as an exact phrase of those words, finds
every article whose title or text holds the query and no other, as the archive search does.
Each bundle also carries :data:`FOLD`, how the search page folds a query as its text was folded.

Measured by ``bench/site_search.py`` against Ctrl+F over the folded title and text (6,460 article
pages from the real cnBeta, 知乎 and InfoQ items; 15 sampled queries of each kind: jieba words, parts
of words, CJK strings of 2, 3, 4 and 6 characters, Latin tokens, Latin beside CJK, two words): recall
and precision 1.000 for every kind. Pagefind reading the pages itself (its Chinese words, on 1,500 of
them) found 23% of the articles holding 特斯拉, 21% for 英伟达, and 642 pages for 技术包, 1 holding it.
The index is about twice as large (6 kB per article page against 3.7 kB); Pagefind takes about as
long, the pages of words being quicker to read than HTML to segment, and making them costs about
2 ms per page here.

Pagefind indexes on one core once it has read the pages (for 10k pages, about 12 s on two cores,
then 25 s on one), so a large site is indexed in shards, one Pagefind process per core, each its
own bundle (``pagefind/``, ``pagefind-2/`` …), their pages of words made first, a process per core;
the search page merges them, and a query searches all. Pagefind's time grows with the distinct words
of each page, not with its length (a text given twice took a fifth longer): on the real items, 160k
of a shard's 170k words are CJK bigrams, most of them found on one page only. Each index is made in
a folder aside and its files go into the site through the build's :class:`~.incremental.Output`,
which writes only the files whose bytes changed.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import shutil
import subprocess
import tempfile
import threading
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import PublishError
from .search_records import LANGUAGE, fold_table, record, separators

BUNDLE = "pagefind"  # the first shard's bundle, which also carries the search UI the search page loads
NOTHING_TO_INDEX = "not able to build an index"  # what Pagefind says when no page has a word to index
DELTA = "pagefind-new"  # the index of the pages added since BUNDLE was made, merged in by the search page
DELTA_LIMIT = 2000  # past this many new pages the whole index is made again and the delta dropped
RECORDS = 2  # what the index's words are: a bundle made of other words is not merged with these
FOLD = "finews-fold.json"  # in each bundle: unicode61's separators and Traditional → Simplified for its text
SHARD_PAGES = 2000  # a site with more article pages is indexed in shards; below, one index is quicker to search
SHARD_LIMIT = 4  # each shard is one more index every query loads in the browser
CORES = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
SCRATCH = "/dev/shm"  # Pagefind writes its bundles here when it is a folder in memory with room
SCRATCH_SPARE = 256 * 2**20  # bytes left free in SCRATCH for everything else on the machine
ERROR_TAIL = 1500  # characters of Pagefind's output quoted when it fails


def bundle_name(number: int) -> str:
    """The folder of shard ``number`` (0 is BUNDLE)."""
    return BUNDLE if number == 0 else f"{BUNDLE}-{number + 1}"


def shard_count(pages: int) -> int:
    """How many shards to index ``pages`` article pages in: one per core, on a site large enough."""
    if pages <= SHARD_PAGES:
        return 1
    return max(1, min(CORES, SHARD_LIMIT, pages))


@dataclass
class Plan:
    """Which index to make: all article pages into the shard bundles, or only the new ones into DELTA.

    Pagefind cannot add to an index, and indexing 100k pages takes minutes, so a page new since
    the last full index goes into a small second index the search page merges. A page already
    in the main index that changed or went away makes the main index again (else it would be
    found twice, or found and missing).
    """

    full: bool
    main: list[str] = field(default_factory=list)
    delta: list[str] = field(default_factory=list)
    index_delta: bool = False  # the delta's pages changed: make it again
    bundles: list[str] = field(default_factory=lambda: [BUNDLE])  # the main index's shards, BUNDLE first

    def state(self) -> dict[str, object]:
        return {"main": self.main, "delta": self.delta, "bundles": self.bundles, "records": RECORDS}

    def merge(self) -> list[str]:
        """The bundles the search page merges into BUNDLE: the other shards, then the delta."""
        return [f"{b}/" for b in self.bundles[1:]] + ([f"{DELTA}/"] if self.delta else [])

    def shards(self) -> dict[str, list[str]]:
        """Bundle folder → its pages: contiguous runs of the sorted pages, so the same site makes the same files."""
        pages = sorted(self.main)
        count = len(self.bundles)
        size, extra = divmod(len(pages), count)
        shards: dict[str, list[str]] = {}
        start = 0
        for number, name in enumerate(self.bundles):
            end = start + size + (1 if number < extra else 0)
            shards[name] = pages[start:end]
            start = end
        return shards


def plan(previous: dict | None, pages: list[str], rendered: set[str], *, bundle_there: bool) -> Plan:
    """What to index now, from the last build's state, the article pages and those rendered this build."""
    full = Plan(full=True, main=pages, bundles=[bundle_name(n) for n in range(shard_count(len(pages)))])
    if not previous or not bundle_there or previous.get("records") != RECORDS:
        return full  # an index of other words (made by another version) is made again
    main = previous.get("main", [])
    in_main = set(main)
    now = set(pages)
    old_delta = [p for p in previous.get("delta", []) if p in now]
    fresh = [p for p in pages if p in rendered and p not in in_main and p not in old_delta]
    delta = old_delta + fresh
    if (in_main - now) or (rendered & in_main) or len(delta) > DELTA_LIMIT:
        return full
    changed = bool(fresh) or len(old_delta) != len(previous.get("delta", []))
    return Plan(full=False, main=main, delta=delta, index_delta=changed and bool(delta),
                bundles=previous_bundles(previous))  # fmt: skip


def previous_bundles(previous: dict | None) -> list[str]:
    """The shard folders the last full index made (a state from before shards names none: one)."""
    return list((previous or {}).get("bundles") or [BUNDLE])


def index_groups(site: Path, groups: dict[str, list[str]]) -> dict[str, bytes]:
    """Index each group of pages (paths in ``site``) into the bundle folder it is keyed by, all at once.

    One Pagefind process per group, run side by side; the bundles' files by their path in the site.
    """
    binary = executable()
    pages = Path(tempfile.mkdtemp(prefix="finews-pagefind-"))
    outputs = _scratch(site, groups)
    folders = [pages] if outputs is None else [pages, outputs]
    done = False
    try:
        wordless, chars = _run(binary, site, groups, pages, outputs or pages / "out")
        files: dict[str, bytes] = {}
        for name in groups:
            if name in wordless:
                continue  # nothing to find there: no bundle, and the search page finds nothing
            out = (outputs or pages / "out") / name
            _check(out, name)
            for path in sorted(out.rglob("*")):
                if path.is_file():
                    files[f"{name}/{path.relative_to(out).as_posix()}"] = path.read_bytes()
            files[f"{name}/{FOLD}"] = _fold_file(chars[name])
        done = True
        return files
    finally:
        for folder in folders:
            if done:  # unlinking 20k files takes seconds on one core: let it run while the build writes the index
                threading.Thread(target=shutil.rmtree, args=(folder,), kwargs={"ignore_errors": True}).start()
            else:
                shutil.rmtree(folder, ignore_errors=True)


def _scratch(site: Path, groups: dict[str, list[str]]) -> Path | None:
    """A folder in memory (``/dev/shm``) for Pagefind's output, when there is one with room to spare.

    Pagefind creates a file per page and per word chunk, each through its own thread; on a disk file
    system that took a third of its time (on 2,500 pages: 20-28 s there, 11-21 s in memory).
    """
    memory = Path(SCRATCH)
    if not memory.is_dir() or not os.access(memory, os.W_OK | os.X_OK):
        return None
    try:
        need = sum((site / page).stat().st_size for pages in groups.values() for page in pages)
        if shutil.disk_usage(memory).free < 2 * need + SCRATCH_SPARE:  # the bundle is smaller than its pages
            return None
        return Path(tempfile.mkdtemp(prefix="finews-pagefind-out-", dir=memory))
    except OSError:
        return None


def _run(
    binary: Path, site: Path, groups: dict[str, list[str]], root: Path, outputs: Path
) -> tuple[set[str], dict[str, set[str]]]:
    """Pagefind over each group's pages of words, written into ``root/pages/<group>``, into ``outputs/<group>``.
    Returns the groups whose pages hold no word at all (untitled, empty articles), which Pagefind refuses,
    and each group's CJK characters."""
    wordless: set[str] = set()
    running: list[tuple[str, subprocess.Popen, Path]] = []
    try:
        chars = _all_records(site, groups, root)
        for name in groups:
            source = root / "pages" / name
            command = [str(binary), "--site", str(source), "--glob", "**/*.html", "--force-language", LANGUAGE,
                       "--keep-index-url", "--quiet", "--output-path", str(outputs / name)]  # fmt: skip
            log = root / f"{name}.log"
            with log.open("wb") as out:  # a file, not a pipe: no process blocks on a full pipe
                # run in the temp folder: Pagefind reads a pagefind.yml/.toml/.json it finds where it runs
                process = subprocess.Popen(command, cwd=root, stdin=subprocess.DEVNULL, stdout=out, stderr=out)
            running.append((name, process, log))
        for name, process, log in running:
            if process.wait() != 0:
                said = log.read_text(encoding="utf-8", errors="replace").strip()
                if NOTHING_TO_INDEX in said:
                    wordless.add(name)
                    continue
                raise PublishError(
                    f"search index: Pagefind failed (exit {process.returncode}) on {name}/: {said[-ERROR_TAIL:]}"
                )
        return wordless, chars
    finally:
        for _, process, _ in running:  # a failed shard or a stopped build leaves no Pagefind running
            if process.poll() is None:
                process.kill()
                process.wait()


def index_subset(site: Path, pages: list[str]) -> dict[str, bytes]:
    """Index only ``pages`` (paths in the site) into DELTA."""
    return index_groups(site, {DELTA: pages})


def executable() -> Path:
    """Pagefind's binary, found as its Python package finds it (``PAGEFIND_BINARY_PATH`` first).

    The pages it indexes are already cut into words, so the plain binary does as well as the extended one.
    """
    try:
        from pagefind.service import get_executable  # only a build with search needs Pagefind
    except ImportError:
        raise PublishError("search index: Pagefind is not installed: pip install 'pagefind[extended]'") from None
    found = get_executable()
    if found is None or not Path(found).is_file():
        raise PublishError(f"search index: Pagefind's binary was not found{f' at {found}' if found else ''}")
    return Path(found)


def _all_records(site: Path, groups: dict[str, list[str]], root: Path) -> dict[str, set[str]]:
    """Each group's pages of words, written into ``root/pages/<group>``; each group's CJK characters.

    Several groups are made side by side, a process per core (forked: nothing to import again). Made
    in this process while the previous group's Pagefind ran, they left that Pagefind one core (on
    3,000 pages: 13.4 s for the search index, 2.8 s of it the pages of words).
    """
    folders = {name: root / "pages" / name for name in groups}
    workers = min(len(groups), CORES)
    if workers < 2 or "fork" not in multiprocessing.get_all_start_methods():
        return {name: _records(site, pages, folders[name]) for name, pages in groups.items()}
    with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("fork")) as pool:
        made = {name: pool.submit(_records, site, pages, folders[name]) for name, pages in groups.items()}
        return {name: future.result() for name, future in made.items()}


def _records(site: Path, pages: list[str], folder: Path) -> set[str]:
    """Write each page's page of words into ``folder`` at its path in the site (so the index has the
    site's URLs); the CJK characters they hold."""
    made: set[Path] = set()
    chars: set[str] = set()
    for page in pages:
        target = folder / page
        if target.parent not in made:
            target.parent.mkdir(parents=True, exist_ok=True)
            made.add(target.parent)
        try:
            made_record = record((site / page).read_text(encoding="utf-8", errors="replace"))
        except OSError as exc:
            raise PublishError(f"search index: cannot read {site / page}: {exc.strerror or exc}") from None
        target.write_text(made_record.page, encoding="utf-8")
        chars |= made_record.chars
    return chars


def _fold_file(chars: set[str]) -> bytes:
    """The bundle's ``FOLD``: how the search page folds a query as the bundle's text was folded."""
    data = {"separators": separators(), "t2s": fold_table(chars)}
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()


def _check(out: Path, name: str) -> None:
    """Pagefind exits 0 having indexed nothing when no page matched: say so rather than publish an empty index."""
    try:
        entry = json.loads((out / "pagefind-entry.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        raise PublishError(f"search index: Pagefind wrote no index for {name}/") from None
    if not sum(int(language.get("page_count", 0)) for language in entry.get("languages", {}).values()):
        raise PublishError(f"search index: Pagefind indexed no page for {name}/")
