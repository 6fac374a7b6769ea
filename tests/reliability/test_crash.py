"""Crash safety: ``finews fetch`` (and ``run``, ``export``, ``build``) killed with SIGKILL at random moments.

Each trial publishes new items on a loopback feed server, starts a real finews process, kills it
at a moment drawn from a seeded RNG (0.05-1 s after it starts, while it fetches, extracts, saves
or publishes), then runs ``finews fetch`` again to completion. At the end the archive must hold
every item served exactly once and pass ``PRAGMA integrity_check``, and a final export and build
must match the archive with no half-written file or leftover folder.

FINEWS_CRASH_TRIALS sets the number of trials (50 by default; run more as a bench).
"""

from __future__ import annotations

import collections
import contextlib
import os
import random
import signal
import sqlite3
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import yaml

from ..loopback import LoopbackServer
from .harness import GrowingFeeds, Zygote, archived_links, corpus_items, integrity, published_slugs, write_config

TRIALS = int(os.environ.get("FINEWS_CRASH_TRIALS", "50"))
SEED = 20261126
NAMES = ["alpha", "beta", "gamma"]


@dataclass
class Outcome:
    root: Path
    killed: int = 0
    finished: int = 0
    kills: collections.Counter[str] = field(default_factory=collections.Counter)
    served: set[str] = field(default_factory=set)
    links: list[str] = field(default_factory=list)
    integrity: str = ""
    seconds: float = 0.0


def _command(trial: int, config: Path, hexo: Path) -> list[str]:
    """Mostly fetch; every few trials a run (which also publishes), an export or a build is the victim."""
    kind = trial % 6
    if kind == 2:
        return ["run", "--once", "-c", str(config)]
    if kind == 4:
        return ["export", "--format", "hexo", str(hexo), "-c", str(config)]
    if kind == 5 and trial % 12 == 5:
        return ["build", "-c", str(config)]
    return ["fetch", "-c", str(config)]


def _make_due(db: Path) -> None:
    """Time passing, for ``run --once``: every source due now (intervals are at least 30 s)."""
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE sources SET next_check = NULL")


def _leftovers(root: Path) -> list[Path]:
    """Temporary files and staging or old folders: what a half-done write would leave."""
    return [p for p in root.rglob("*") if p.name.startswith(".") or p.name.endswith(".tmp")]


@pytest.fixture(scope="module")
def outcome(tmp_path_factory: pytest.TempPathFactory, zygote: Zygote) -> Outcome:
    from ..conftest import CORPORA, need

    root = tmp_path_factory.mktemp("crash")
    result = Outcome(root)
    rng = random.Random(SEED)
    started = time.monotonic()
    with LoopbackServer() as server:
        feeds = GrowingFeeds(server, NAMES, corpus_items(need(CORPORA), 1500), window=12)
        posts, hexo = root / "posts", root / "hexo"
        config = write_config(
            root / "finews.toml", feeds, f'[[run.exports]]\nformat = "jekyll"\ndirectory = "{posts}"\n'
        )
        db = root / "finews.db"
        for trial in range(TRIALS):
            feeds.advance(rng.randint(1, 4))
            args = _command(trial, config, hexo)
            if args[0] == "run" and db.exists():
                _make_due(db)
            log = root / f"trial-{trial}.log"
            pid = zygote.start(args, log)
            code = zygote.wait(rng.uniform(0.05, 1.0))
            if code is None:
                with contextlib.suppress(ProcessLookupError):  # it may end on its own at this very moment
                    os.kill(pid, signal.SIGKILL)
                code = zygote.wait(30)
            if code != -signal.SIGKILL:
                assert code == 0, log.read_text()
                result.finished += 1
                continue
            result.killed += 1
            result.kills[args[0]] += 1
            # then run it again, to the end: it must succeed whatever state the kill left
            again = root / f"again-{trial}.log"
            assert zygote.run(["fetch", "-c", str(config)], again) == 0, again.read_text()
        result.integrity = integrity(db)
        result.links = archived_links(db)
        result.served = feeds.links()
        # publishing after the crashes, into the very folders the killed processes were writing
        for args in (
            ["export", "--format", "jekyll", str(posts)],
            ["export", "--format", "hexo", str(hexo)],
            ["build"],
        ):
            log = root / f"final-{args[0]}.log"
            assert zygote.run([*args, "-c", str(config)], log) == 0, log.read_text()
    result.seconds = time.monotonic() - started
    return result


def test_sigkill_at_random_moments_loses_and_duplicates_nothing(outcome: Outcome):
    counts = collections.Counter(outcome.links)
    lost = len(outcome.served - set(counts))
    duplicated = sum(n - 1 for n in counts.values() if n > 1)
    print(
        f"\ncrash trials run: {TRIALS}, killed mid-run: {outcome.killed} {dict(outcome.kills)}, finished before "
        f"the kill: {outcome.finished}; items served: {len(outcome.served)}, lost: {lost}, duplicated: "
        f"{duplicated}; integrity_check: {outcome.integrity}; {outcome.seconds:.1f}s"
    )
    assert outcome.killed >= TRIALS // 3  # the kills did land mid-run, or this test proved nothing
    assert (lost, duplicated, set(counts) - outcome.served) == (0, 0, set())
    assert outcome.integrity == "ok"


def test_exports_and_site_match_the_archive_after_the_crashes(outcome: Outcome):
    slugs = published_slugs(outcome.root / "finews.db")
    for folder, pattern in ((outcome.root / "posts", "_posts/*.md"), (outcome.root / "hexo", "source/_posts/**/*.md")):
        files = sorted(folder.glob(pattern))
        assert {f.stem.split("-", 3)[3] for f in files} == slugs, folder
        for file in files:  # every post whole: front matter that parses, a body after it
            head, _, body = file.read_text(encoding="utf-8").removeprefix("---\n").partition("\n---\n")
            assert yaml.safe_load(head)["title"] and body.strip(), file
    site = outcome.root / "site"
    assert {p.stem for p in (site / "a").glob("*.html")} == slugs


def test_no_temporary_file_or_staging_folder_is_left_behind(outcome: Outcome):
    own = ".finews-"  # the incremental build's own journal and state, not leftovers
    left = _leftovers(outcome.root / "posts") + _leftovers(outcome.root / "hexo")
    left += [p for p in _leftovers(outcome.root / "site") if not any(q.startswith(own) for q in p.parts)]
    left += [p for p in outcome.root.iterdir() if p.name.startswith(".site")]
    print(f"\nleft behind by killed processes: {len(left)} ({', '.join(sorted({p.name[:24] for p in left})[:5])})")
    assert not left
