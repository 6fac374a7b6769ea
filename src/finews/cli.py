"""The command line: a thin layer over the library (every command calls one library function).

Exit codes (also in ``finews --help``): see :data:`.cli_common.EXIT_CODES`. Outside text is never
read as markup: everything is printed through :func:`.cli_common.say` (see there).

Each command imports the stages it drives itself, after reading finews.toml: ``finews --help`` and a
mistake in finews.toml are told at once, and ``finews search`` does not wait for the fetchers,
extractors and site builder to be imported.
"""

from __future__ import annotations

import errno
import html
import os
import re
import signal
import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Literal

import typer
from rich.text import Text

from . import __version__
from .cli_common import (
    CANNOT_START,
    DISPLAY_ZONE,
    EXIT_CODES,
    FAILED,
    INTERRUPTED,
    ConfigOption,
    Part,
    PlainCommand,
    PlainGroup,
    archive_of,
    console,
    err,
    fail,
    local_time,
    read_config,
    refuse,
    say,
    write_now,
)
from .cli_sources import sources_app
from .config import DEFAULT_CONFIG_NAME
from .errors import FinewsError
from .model import BEIJING

if TYPE_CHECKING:
    from rich.progress import Progress, TaskID

    from .config import Config
    from .pipeline import FetchReport, SourceReport
    from .publish import SiteReport
    from .scheduler import RoundReport
    from .store import SQLArchive

app = typer.Typer(
    help="finews: a self-hosted news desk for Chinese finance and tech news.",
    epilog=EXIT_CODES,
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,  # help texts are plain: no "[default: …]" or "[jekyll|hexo]" read as markup
    cls=PlainGroup,
)
app.add_typer(sources_app, name="sources")

WaitOption = Annotated[
    float,
    typer.Option("--wait", metavar="SECONDS", help="Seconds to wait for another finews process writing the archive."),
]


@contextmanager
def _writing(config: Config, wait: float) -> Iterator[SQLArchive]:
    """The archive, for this process alone to write (two writers would interleave their rounds)."""
    from .store import writer_lock

    with writer_lock(config, wait=wait), archive_of(config) as archive:
        yield archive


@contextmanager
def _stop_on_signals() -> Iterator[threading.Event]:
    """SIGTERM and Ctrl-C ask for a clean stop: sources in flight finish and are saved.

    A second one quits at once. An exception raised here would only reach the main thread, which
    then waits for the worker threads (a slow source can trickle for minutes), so the process ends
    itself: every archive write is one transaction, which SQLite and PostgreSQL roll back whole,
    and the writer lock is the operating system's, released with the process.
    """
    stop = threading.Event()

    def ask(signum: int, _frame: object) -> None:
        name = signal.Signals(signum).name
        if stop.is_set():
            write_now(f"{name} again: quitting now, without waiting for the sources in flight\n")
            os._exit(INTERRUPTED)
        write_now(f"{name}: stopping after the sources in flight; press Ctrl-C again to quit now\n")
        stop.set()

    previous = {sig: signal.signal(sig, ask) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield stop
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _progress() -> Progress:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=True,
        disable=not err.is_terminal,
    )


@app.callback(invoke_without_command=True)
def main(version: Annotated[bool, typer.Option("--version", help="Show the version and exit.")] = False) -> None:
    if version:
        console.print(f"finews {__version__}")
        raise typer.Exit()
    from .allocator import keep_big_blocks_returnable

    keep_big_blocks_returnable()  # fetch, run and worker ingest for hours: freed arrays go back


@app.command(cls=PlainCommand)
def init(
    config: ConfigOption = Path(DEFAULT_CONFIG_NAME),
    sample: Annotated[bool, typer.Option("--sample", help="Use the bundled offline sample sources.")] = False,
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing file.")] = False,
) -> None:
    """Write a commented finews.toml (with the sample sources when --sample)."""
    if config.is_dir():
        raise refuse(f"{config} is a folder: give the path of the file to write, e.g. {config / DEFAULT_CONFIG_NAME}")
    if config.exists() and not force:
        raise refuse(f"{config} exists (use --force to overwrite)", FAILED)
    from .config import install_samples, render_template

    try:
        sources = install_samples(config.resolve().parent / "samples") if sample else []
        config.parent.mkdir(parents=True, exist_ok=True)
        config.write_text(render_template(sources), encoding="utf-8")
    except OSError as exc:
        raise refuse(f"cannot write {exc.filename or config}: {exc.strerror or exc}") from None
    say("wrote ", str(config), f" with {len(sources)} sample sources" if sources else "")


@app.command(cls=PlainCommand)
def fetch(
    config: ConfigOption = Path(DEFAULT_CONFIG_NAME),
    source: Annotated[
        list[str] | None, typer.Option("--source", "-s", metavar="NAME", help="Only this source (repeatable).")
    ] = None,
    wait: WaitOption = 0.0,
) -> None:
    """Ingest every enabled source into the archive. Exit code 1 if any source failed."""
    cfg = read_config(config)
    from .config import flags
    from .pipeline import fetch_all

    try:
        with _writing(cfg, wait) as archive, _stop_on_signals() as stop, _progress() as progress:
            task = progress.add_task("fetching", total=len(source or flags.active_sources(cfg)))

            def done(report: SourceReport) -> None:
                progress.advance(task)
                _print_source(report)

            result = fetch_all(cfg, archive, names=source, on_done=done, stop=stop)
    except FinewsError as exc:
        raise fail(exc, CANNOT_START) from None
    _print_totals(result)
    if result.interrupted:
        raise typer.Exit(INTERRUPTED)
    if result.failed:
        raise typer.Exit(FAILED)


@app.command("import", cls=PlainCommand)
def import_posts(
    folder: Annotated[
        Path,
        typer.Argument(metavar="FOLDER", help="A site (or its _posts/, source/_posts/, content/) or digest folder."),
    ],
    source: Annotated[
        str, typer.Option("--source", "-s", metavar="NAME", help="Source name to file the posts under.")
    ] = "posts",
    format: Annotated[
        Literal["auto", "jekyll", "hexo", "hugo", "digest"], typer.Option("--format", "-f", help="Post format.")
    ] = "auto",
    config: ConfigOption = Path(DEFAULT_CONFIG_NAME),
    wait: WaitOption = 0.0,
) -> None:
    """Migrate existing posts (Jekyll, Hexo, Hugo, daily digests) into the archive."""
    cfg = read_config(config)
    from .pipeline import import_folder

    try:
        zone = cfg.source(source).zone if any(s.name == source for s in cfg.sources) else BEIJING
        with _writing(cfg, wait) as archive:
            report = import_folder(folder, archive, source=source, fmt=format, zone=zone)
    except FinewsError as exc:
        raise fail(exc) from None
    for path, reason in report.problems:
        say(("skipped", "yellow"), " ", f"{path}: {reason}", to=err)
    say(
        f"{report.files} files, {report.entries} entries ({report.repeats} repeats): {report.stored} stored"
        + (f", {len(report.problems)} files skipped" if report.problems else "")
    )


@app.command(cls=PlainCommand)
def run(
    config: ConfigOption = Path(DEFAULT_CONFIG_NAME),
    once: Annotated[bool, typer.Option("--once", help="One round of the due sources, then exit.")] = False,
    wait: WaitOption = 0.0,
) -> None:
    """Keep the archive and the published site current: each source on its interval, until stopped."""
    cfg = read_config(config)
    from .config import flags
    from .scheduler import Scheduler

    try:
        with _writing(cfg, wait) as archive, _stop_on_signals() as stop:
            scheduler = Scheduler(cfg, archive, stop=stop, on_source=_print_source)
            say(f"running {len(flags.active_sources(cfg))} sources (SIGTERM or Ctrl-C to stop)")
            scheduler.run(max_rounds=1 if once else None, on_round=_print_round)
    except FinewsError as exc:
        raise fail(exc, CANNOT_START) from None


def _print_round(report: RoundReport) -> None:
    _print_totals(report.fetched)
    if report.publish_error:
        say(("publish failed:", "red"), " ", report.publish_error, to=err)
    elif report.published is not None:
        site = report.published.site
        parts = [f"site: {site.pages} pages"] if site else []
        parts += [f"{d}: {r.written} written, {r.archived} archived" for d, r in report.published.exports]
        say("published ", "; ".join(parts))


def _print_source(report: SourceReport) -> None:
    if report.ok:
        say(("ok", "green"), "   ", f"{report.name}: {report.summary}")
    else:
        say(("fail", "red"), " ", f"{report.name}: {report.error}", to=err)


def _print_totals(result: FetchReport) -> None:
    failed = len(result.failed)
    failures: list[Part] = [", ", (f"{failed} failed", "red")] if failed else []
    say(f"{len(result.sources)} sources, {result.added} new, {result.updated} updated", *failures)


# -- work distribution: `finews worker` processes on a PostgreSQL task queue, fed by `finews dispatch` --
def _log_to_stderr() -> None:
    import logging

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    for noisy in ("procrastinate", "httpx", "alembic"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def _need_queue_packages() -> None:
    """The queue's packages come with the postgres extra: say so rather than show a traceback."""
    try:
        import procrastinate  # noqa: F401
        import psycopg  # noqa: F401
    except ImportError as exc:
        raise refuse(f"the task queue needs the postgres extra: pip install 'finews[postgres]' ({exc})") from None


@app.command(cls=PlainCommand)
def worker(
    config: ConfigOption = Path(DEFAULT_CONFIG_NAME),
    until_idle: Annotated[bool, typer.Option("--until-idle", help="Exit when the queue is empty.")] = False,
) -> None:
    """Take "fetch source" jobs from the PostgreSQL task queue until stopped; run several for more throughput."""
    _need_queue_packages()
    from .queue import run_worker

    _log_to_stderr()
    try:
        run_worker(read_config(config), wait=not until_idle)
    except FinewsError as exc:
        raise fail(exc, CANNOT_START) from None


@app.command(cls=PlainCommand)
def dispatch(
    config: ConfigOption = Path(DEFAULT_CONFIG_NAME),
    once: Annotated[bool, typer.Option("--once", help="One round, then exit.")] = False,
    publish: Annotated[
        bool, typer.Option("--publish/--no-publish", help="Rebuild the site and exports when workers saved news.")
    ] = True,
) -> None:
    """Enqueue due sources for `finews worker`s, give dead workers' jobs to others, republish; until stopped."""
    _need_queue_packages()
    from .queue import DispatchRound, run_dispatcher

    def show(report: DispatchRound) -> None:
        if report.enqueued or report.retried:
            say(f"enqueued {len(report.enqueued)} sources, {len(report.retried)} jobs retried")
        if report.publish_error:
            say(("publish failed:", "red"), " ", report.publish_error, to=err)

    _log_to_stderr()
    try:
        cfg = read_config(config)
        with _stop_on_signals() as stop:
            run_dispatcher(cfg, stop, publish=publish, max_rounds=1 if once else None, on_round=show)
    except FinewsError as exc:
        raise fail(exc, CANNOT_START) from None


@app.command(cls=PlainCommand)
def export(
    directory: Annotated[Path, typer.Argument(metavar="FOLDER", help="Site folder to write posts into.")],
    format: Annotated[Literal["jekyll", "hexo"], typer.Option("--format", "-f", help="Post format.")] = "jekyll",
    body: Annotated[
        Literal["markdown", "html"] | None, typer.Option(help="Post body: clean Markdown or sanitized HTML.")
    ] = None,
    config: ConfigOption = Path(DEFAULT_CONFIG_NAME),
    archive_after: Annotated[
        int | None,
        typer.Option("--archive-after", min=1, metavar="DAYS", help="Move posts older than DAYS to --archive-folder."),
    ] = None,
    archive_folder: Annotated[
        str, typer.Option(metavar="FOLDER", help="Where --archive-after moves old posts.")
    ] = "old_post",
) -> None:
    """Write archived articles as Jekyll (_posts/) or Hexo (source/_posts/) posts."""
    cfg = read_config(config)
    from .publish import export_posts

    try:
        with archive_of(cfg, read_only=True) as archive, _progress() as progress:
            task = progress.add_task(f"exporting {format}", total=archive.count())
            report = export_posts(
                archive.iter_articles(),
                format,
                directory,
                cfg,
                body=body,
                progress=lambda n: progress.advance(task, n),
                archive_after_days=archive_after,
                archive_folder=archive_folder,
            )
    except FinewsError as exc:
        raise fail(exc) from None
    moved = f", {report.archived} in {archive_folder}" if archive_after else ""
    say(f"{format}: {report.written} written, {report.unchanged} unchanged{moved} in {directory}")
    if report.kept:
        say(("warning: ", "yellow"), report.kept_note(), to=err)


@app.command(cls=PlainCommand)
def build(
    config: ConfigOption = Path(DEFAULT_CONFIG_NAME),
    output: Annotated[
        Path | None, typer.Option("--output", "-o", metavar="FOLDER", help="Folder (default: site.output).")
    ] = None,
    full: Annotated[bool, typer.Option("--full", help="Rebuild every page aside and swap it in.")] = False,
) -> None:
    """Build the static site from the archive (only the pages that changed, after the first build)."""
    cfg = read_config(config)
    from .publish.reading import build_from_archive
    from .publish.site import site_warnings

    try:
        out = output or cfg.site_dir
        with archive_of(cfg, read_only=True) as archive, _progress() as progress:
            task = progress.add_task("rendering pages", total=archive.count())
            report = build_from_archive(cfg, archive, out, progress=_stages(progress, task), full=full)
    except FinewsError as exc:
        raise fail(exc) from None
    say(_build_summary(report, out))
    for warning in site_warnings(cfg.site):  # what the site leaves out, and how to have it
        say(("warning: ", "yellow"), warning)


def _stages(progress: Progress, task: TaskID) -> Callable[[int], None]:
    """Advance the build's bar; once every article page is rendered, name what the build does next."""

    def advance(count: int) -> None:
        progress.advance(task, count)
        current = progress.tasks[task]
        if current.total is not None and current.completed >= current.total:
            progress.update(task, description="list pages, feeds and search index")

    return advance


def _build_summary(report: SiteReport, out: Path) -> str:
    """One count of pages (what the site has) and one of files (what this build touched)."""
    kind = "updated" if report.incremental else "built"
    return (
        f"site {kind} in {out}: {report.pages} pages for {report.articles} articles"
        f" ({report.written} files written, {report.unchanged} unchanged)"
    )


@app.command(cls=PlainCommand)
def serve(
    config: ConfigOption = Path(DEFAULT_CONFIG_NAME),
    host: Annotated[str, typer.Option(metavar="ADDRESS", help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, metavar="PORT", help="Port to listen on.")] = 8000,
) -> None:
    """Serve the built static site over HTTP."""
    cfg = read_config(config)
    import uvicorn

    from .web import create_app

    try:
        application = create_app(cfg, admin_token=cfg.web.admin_token or None)
    except FinewsError as exc:
        raise fail(exc) from None
    listening = _listen(host, port)  # before saying "serving": a port in use is told, not a traceback
    say("serving ", str(cfg.site_dir), f" on http://{_url_host(host)}:{port}/ (Ctrl-C to stop)")
    server = uvicorn.Server(uvicorn.Config(application, log_level="warning"))
    server.run(sockets=[listening])


def _listen(host: str, port: int) -> socket.socket:
    """The listening socket uvicorn then serves on (binding it here leaves no gap for another process)."""
    try:
        family, kind, proto, _name, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
        sock = socket.socket(family, kind, proto)
    except (OSError, UnicodeError) as exc:
        raise refuse(f"cannot listen on {host}:{port}: {getattr(exc, 'strerror', None) or exc}") from None
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(2048)
    except OSError as exc:
        sock.close()
        reason = "the port is in use (another server?)" if exc.errno == errno.EADDRINUSE else exc.strerror or exc
        raise refuse(f"cannot listen on {host}:{port}: {reason}") from None
    sock.set_inheritable(True)
    return sock


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host


@app.command(cls=PlainCommand)
def search(
    query: Annotated[
        str,
        typer.Argument(metavar="WORDS", help="Words to find; every word must appear (2-character Chinese words work)."),
    ],
    config: ConfigOption = Path(DEFAULT_CONFIG_NAME),
    source: Annotated[str | None, typer.Option("--source", "-s", metavar="NAME", help="Only this source.")] = None,
    category: Annotated[
        str | None, typer.Option(metavar="NAME", help="Only this category (e.g. an outlet name).")
    ] = None,
    since: Annotated[
        datetime | None, typer.Option(metavar="YYYY-MM-DD", help="Published on or after (YYYY-MM-DD).")
    ] = None,
    until: Annotated[datetime | None, typer.Option(metavar="YYYY-MM-DD", help="Published before (YYYY-MM-DD).")] = None,
    ticker: Annotated[
        str | None,
        typer.Option(metavar="COMPANY", help="Mentioning this company (600519.SH, 00700.HK, BABA or its name)."),
    ] = None,
    person: Annotated[str | None, typer.Option(metavar="NAME", help="Mentioning this person.")] = None,
    limit: Annotated[int, typer.Option(min=1, max=200, metavar="N", help="Results to show.")] = 20,
) -> None:
    """Search the archive (title and text), best matches first, with highlighted snippets."""
    cfg = read_config(config)
    from .store.search import SearchFilters

    filters = SearchFilters(source=source, category=category, since=_local(since), until=_local(until),
                            ticker=ticker, person=person)  # fmt: skip
    try:
        with archive_of(cfg, read_only=True) as archive:
            results = archive.search(query, filters, limit=limit)
    except FinewsError as exc:
        raise fail(exc) from None
    say(f"{results.total} articles match {query!r}")
    for hit in results.hits:
        when = local_time(hit.article.published, missing="undated")
        say((hit.article.title, "bold"), "  ", (f"{when} {hit.article.source}", "dim"))
        console.print(Text("  ").append(_marked(hit.snippet)), soft_wrap=True, highlight=False)
        say("  ", (hit.article.url, "dim"))


def _marked(snippet: str) -> Text:
    """A search snippet's ``<mark>`` spans as highlighted terminal text (the rest is plain, never markup)."""
    out = Text()
    for index, part in enumerate(re.split(r"</?mark>", snippet)):
        out.append(html.unescape(part), style="bold yellow" if index % 2 else "")
    return out


def _local(value: datetime | None) -> datetime | None:
    """Dates typed on the command line are in the display zone, like every time the command line shows."""
    return value.replace(tzinfo=DISPLAY_ZONE) if value and value.tzinfo is None else value


@app.command(cls=PlainCommand)
def demo(
    directory: Annotated[
        Path, typer.Argument(metavar="FOLDER", help="Folder for the demo config, archive and site.")
    ] = Path("demo"),
) -> None:
    """Set up a demo on the bundled offline samples: init, fetch, build, and say how to serve it."""
    config = directory / DEFAULT_CONFIG_NAME
    if not config.exists():
        init(config=config, sample=True, force=False)
    fetch_failed = False
    try:
        fetch(config=config, source=None)
    except typer.Exit as exc:
        fetch_failed = exc.exit_code != 0
    build(config=config, output=None, full=False)
    cfg = read_config(config)
    console.print(f"\nThe site is in [bold]{cfg.site_dir}[/bold]; serve it with:\n  finews serve -c {config}")
    if fetch_failed:
        raise typer.Exit(1)


if __name__ == "__main__":  # pragma: no cover
    app()
