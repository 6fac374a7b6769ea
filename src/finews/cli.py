"""The command line: a thin layer over the library (every command calls one library function)."""

from __future__ import annotations

import html
import re
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Annotated, Literal

import typer
from rich.console import Console
from rich.markup import escape as rich_escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from . import __version__
from .allocator import keep_big_blocks_returnable
from .config import DEFAULT_CONFIG_NAME, Config, install_samples, load_config, render_template
from .errors import FinewsError
from .model import BEIJING
from .pipeline import FetchReport, SourceReport, fetch_all, import_folder
from .publish import export_posts
from .scheduler import RoundReport, Scheduler
from .store import SQLArchive, open_configured, writer_lock
from .store.search import SearchFilters

app = typer.Typer(
    help="finews: a self-hosted news desk for Chinese finance and tech news.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
console = Console()
err = Console(stderr=True)

ConfigOption = Annotated[
    Path,
    typer.Option("--config", "-c", envvar="FINEWS_CONFIG", help="Path of finews.toml.", show_default=True),
]


WaitOption = Annotated[
    float, typer.Option("--wait", help="Seconds to wait for another finews process writing the archive.")
]


@contextmanager
def _archive(config: Config) -> Iterator[SQLArchive]:
    archive = open_configured(config)
    try:
        yield archive
    finally:
        archive.close()


@contextmanager
def _writing(config: Config, wait: float) -> Iterator[SQLArchive]:
    """The archive, for this process alone to write (two writers would interleave their rounds)."""
    with writer_lock(config, wait=wait), _archive(config) as archive:
        yield archive


@contextmanager
def _stop_on_signals() -> Iterator[threading.Event]:
    """SIGTERM and Ctrl-C ask for a clean stop: sources in flight finish and are saved."""
    stop = threading.Event()

    def ask(signum: int, _frame: object) -> None:
        if stop.is_set():
            raise KeyboardInterrupt  # a second signal: stop now
        err.print(f"{signal.Signals(signum).name}: finishing the sources in flight, then stopping")
        stop.set()

    previous = {sig: signal.signal(sig, ask) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield stop
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _progress() -> Progress:
    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=True,
        disable=not err.is_terminal,
    )


def _fail(exc: FinewsError, code: int = 1) -> typer.Exit:
    for line in str(exc).splitlines():
        err.print(f"[red]error:[/red] {line}", highlight=False, markup=True, soft_wrap=True)
    return typer.Exit(code)


@app.callback(invoke_without_command=True)
def main(version: Annotated[bool, typer.Option("--version", help="Show the version and exit.")] = False) -> None:
    if version:
        console.print(f"finews {__version__}")
        raise typer.Exit()
    keep_big_blocks_returnable()  # fetch, run and worker ingest for hours: freed arrays go back


@app.command()
def init(
    config: ConfigOption = Path(DEFAULT_CONFIG_NAME),
    sample: Annotated[bool, typer.Option(help="Use the bundled offline sample sources.")] = False,
    force: Annotated[bool, typer.Option(help="Overwrite an existing file.")] = False,
) -> None:
    """Write a commented finews.toml (with the sample sources when --sample)."""
    if config.exists() and not force:
        err.print(f"[red]error:[/red] {config} exists (use --force to overwrite)")
        raise typer.Exit(1)
    sources = []
    if sample:
        sources = install_samples(config.resolve().parent / "samples")
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text(render_template(sources), encoding="utf-8")
    console.print(f"wrote {config}" + (f" with {len(sources)} sample sources" if sources else ""))


@app.command()
def fetch(
    config: ConfigOption = Path(DEFAULT_CONFIG_NAME),
    source: Annotated[list[str] | None, typer.Option("--source", "-s", help="Only this source (repeatable).")] = None,
    wait: WaitOption = 0.0,
) -> None:
    """Ingest every enabled source into the archive. Exit code 1 if any source failed."""
    try:
        cfg = load_config(config)
        with _writing(cfg, wait) as archive, _stop_on_signals() as stop, _progress() as progress:
            task = progress.add_task("fetching", total=len(source or [s for s in cfg.sources if s.enabled]))

            def done(report: SourceReport) -> None:
                progress.advance(task)
                _print_source(report)

            result = fetch_all(cfg, archive, names=source, on_done=done, stop=stop)
    except FinewsError as exc:
        raise _fail(exc, 2) from None
    _print_totals(result)
    if result.interrupted:
        raise typer.Exit(130)
    if result.failed:
        raise typer.Exit(1)


@app.command("import")
def import_posts(
    folder: Annotated[Path, typer.Argument(help="A site (or its _posts/, source/_posts/, content/) or digest folder.")],
    source: Annotated[str, typer.Option("--source", "-s", help="Source name to file the posts under.")] = "posts",
    format: Annotated[
        Literal["auto", "jekyll", "hexo", "hugo", "digest"], typer.Option("--format", "-f", help="Post format.")
    ] = "auto",
    config: ConfigOption = Path(DEFAULT_CONFIG_NAME),
    wait: WaitOption = 0.0,
) -> None:
    """Migrate existing posts (Jekyll, Hexo, Hugo, daily digests) into the archive."""
    try:
        cfg = load_config(config)
        zone = cfg.source(source).zone if any(s.name == source for s in cfg.sources) else BEIJING
        with _writing(cfg, wait) as archive:
            report = import_folder(folder, archive, source=source, fmt=format, zone=zone)
    except FinewsError as exc:
        raise _fail(exc) from None
    for path, reason in report.problems:
        err.print(f"[yellow]skipped[/yellow] {path}: {reason}", highlight=False, soft_wrap=True)
    console.print(
        f"{report.files} files, {report.entries} entries ({report.repeats} repeats): {report.stored} stored"
        + (f", {len(report.problems)} files skipped" if report.problems else ""),
        highlight=False,
    )


@app.command()
def run(
    config: ConfigOption = Path(DEFAULT_CONFIG_NAME),
    once: Annotated[bool, typer.Option("--once", help="One round of the due sources, then exit.")] = False,
    wait: WaitOption = 0.0,
) -> None:
    """Keep the archive and the published site current: each source on its interval, until stopped."""
    try:
        cfg = load_config(config)
        with _writing(cfg, wait) as archive, _stop_on_signals() as stop:
            scheduler = Scheduler(cfg, archive, stop=stop, on_source=_print_source)
            console.print(f"running {sum(s.enabled for s in cfg.sources)} sources (SIGTERM or Ctrl-C to stop)")
            scheduler.run(max_rounds=1 if once else None, on_round=_print_round)
    except FinewsError as exc:
        raise _fail(exc, 2) from None


def _print_round(report: RoundReport) -> None:
    _print_totals(report.fetched)
    if report.publish_error:
        err.print(f"[red]publish failed:[/red] {report.publish_error}", highlight=False, soft_wrap=True)
    elif report.published is not None:
        site = report.published.site
        parts = [f"site: {site.pages} pages"] if site else []
        parts += [f"{d}: {r.written} written, {r.archived} archived" for d, r in report.published.exports]
        console.print("published " + "; ".join(parts), highlight=False)


def _print_source(report: SourceReport) -> None:
    if report.ok:
        console.print(f"[green]ok[/green]   {report.name}: {report.summary}", highlight=False, soft_wrap=True)
    else:
        err.print(f"[red]fail[/red] {report.name}: {report.error}", highlight=False, soft_wrap=True)


def _print_totals(result: FetchReport) -> None:
    failed = len(result.failed)
    console.print(
        f"{len(result.sources)} sources, {result.added} new, {result.updated} updated"
        + (f", [red]{failed} failed[/red]" if failed else ""),
        highlight=False,
    )


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
        err.print(f"[red]error:[/red] the task queue needs the postgres extra: pip install 'finews[postgres]' ({exc})")
        raise typer.Exit(2) from None


@app.command()
def worker(
    config: ConfigOption = Path(DEFAULT_CONFIG_NAME),
    until_idle: Annotated[bool, typer.Option("--until-idle", help="Exit when the queue is empty.")] = False,
) -> None:
    """Take "fetch source" jobs from the PostgreSQL task queue until stopped; run several for more throughput."""
    _need_queue_packages()
    from .queue import run_worker

    _log_to_stderr()
    try:
        run_worker(load_config(config), wait=not until_idle)
    except FinewsError as exc:
        raise _fail(exc, 2) from None


@app.command()
def dispatch(
    config: ConfigOption = Path(DEFAULT_CONFIG_NAME),
    once: Annotated[bool, typer.Option("--once", help="One round, then exit.")] = False,
    publish: Annotated[bool, typer.Option(help="Rebuild the site and exports when workers saved news.")] = True,
) -> None:
    """Enqueue due sources for `finews worker`s, give dead workers' jobs to others, republish; until stopped."""
    _need_queue_packages()
    from .queue import DispatchRound, run_dispatcher

    def show(report: DispatchRound) -> None:
        if report.enqueued or report.retried:
            text = f"enqueued {len(report.enqueued)} sources, {len(report.retried)} jobs retried"
            console.print(text, highlight=False)
        if report.publish_error:
            err.print(f"[red]publish failed:[/red] {report.publish_error}", highlight=False, soft_wrap=True)

    _log_to_stderr()
    try:
        cfg = load_config(config)
        with _stop_on_signals() as stop:
            run_dispatcher(cfg, stop, publish=publish, max_rounds=1 if once else None, on_round=show)
    except FinewsError as exc:
        raise _fail(exc, 2) from None


@app.command()
def export(
    directory: Annotated[Path, typer.Argument(help="Site folder to write posts into.")],
    format: Annotated[Literal["jekyll", "hexo"], typer.Option("--format", "-f", help="Post format.")] = "jekyll",
    body: Annotated[
        Literal["markdown", "html"] | None, typer.Option(help="Post body: clean Markdown or sanitized HTML.")
    ] = None,
    config: ConfigOption = Path(DEFAULT_CONFIG_NAME),
    archive_after: Annotated[
        int | None, typer.Option("--archive-after", min=1, help="Move posts older than DAYS to --archive-folder.")
    ] = None,
    archive_folder: Annotated[str, typer.Option(help="Where --archive-after moves old posts.")] = "old_post",
) -> None:
    """Write archived articles as Jekyll (_posts/) or Hexo (source/_posts/) posts."""
    try:
        cfg = load_config(config)
        with _archive(cfg) as archive, _progress() as progress:
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
        raise _fail(exc) from None
    moved = f", {report.archived} in {archive_folder}" if archive_after else ""
    console.print(f"{format}: {report.written} written, {report.unchanged} unchanged{moved} in {directory}")


@app.command()
def build(
    config: ConfigOption = Path(DEFAULT_CONFIG_NAME),
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Folder (default: site.output).")] = None,
    full: Annotated[bool, typer.Option("--full", help="Rebuild every page aside and swap it in.")] = False,
) -> None:
    """Build the static site from the archive (only the pages that changed, after the first build)."""
    from .publish.reading import build_from_archive

    try:
        cfg = load_config(config)
        out = output or cfg.site_dir
        with _archive(cfg) as archive, _progress() as progress:
            task = progress.add_task("building site", total=archive.count())
            report = build_from_archive(cfg, archive, out, progress=lambda n: progress.advance(task, n), full=full)
    except FinewsError as exc:
        raise _fail(exc) from None
    console.print(f"site: {report.pages} pages for {report.articles} articles in {out}")
    console.print(f"{report.written} pages written, {report.unchanged} unchanged")


@app.command()
def serve(
    config: ConfigOption = Path(DEFAULT_CONFIG_NAME),
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
) -> None:
    """Serve the built static site over HTTP."""
    import uvicorn

    from .web import create_app

    try:
        cfg = load_config(config)
        application = create_app(cfg, admin_token=cfg.web.admin_token or None)
    except FinewsError as exc:
        raise _fail(exc) from None
    console.print(f"serving {cfg.site_dir} on http://{host}:{port}/ (Ctrl-C to stop)")
    uvicorn.run(application, host=host, port=port, log_level="warning")


@app.command()
def search(
    query: Annotated[
        str, typer.Argument(help="Words to find; every word must appear (2-character Chinese words work).")
    ],
    config: ConfigOption = Path(DEFAULT_CONFIG_NAME),
    source: Annotated[str | None, typer.Option("--source", "-s", help="Only this source.")] = None,
    category: Annotated[str | None, typer.Option(help="Only this category (e.g. an outlet name).")] = None,
    since: Annotated[datetime | None, typer.Option(help="Published on or after (YYYY-MM-DD).")] = None,
    until: Annotated[datetime | None, typer.Option(help="Published before (YYYY-MM-DD).")] = None,
    ticker: Annotated[
        str | None, typer.Option(help="Mentioning this company (600519.SH, 00700.HK, BABA or its name).")
    ] = None,
    person: Annotated[str | None, typer.Option(help="Mentioning this person.")] = None,
    limit: Annotated[int, typer.Option(min=1, max=200, help="Results to show.")] = 20,
) -> None:
    """Search the archive (title and text), best matches first, with highlighted snippets."""
    filters = SearchFilters(source=source, category=category, since=_local(since), until=_local(until),
                            ticker=ticker, person=person)  # fmt: skip
    try:
        cfg = load_config(config)
        with _archive(cfg) as archive:
            results = archive.search(query, filters, limit=limit)
    except FinewsError as exc:
        raise _fail(exc) from None
    console.print(f"{results.total} articles match {query!r}", highlight=False)
    for hit in results.hits:
        when = hit.article.published.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M") if hit.article.published else ""
        console.print(f"[bold]{rich_escape(hit.article.title)}[/bold]  [dim]{when} {hit.article.source}[/dim]")
        console.print(Text("  ").append(_marked(hit.snippet)), soft_wrap=True, highlight=False)
        console.print(f"  [dim]{rich_escape(hit.article.url)}[/dim]", highlight=False)


def _marked(snippet: str) -> Text:
    """A search snippet's ``<mark>`` spans as highlighted terminal text (the rest is plain, never markup)."""
    out = Text()
    for index, part in enumerate(re.split(r"</?mark>", snippet)):
        out.append(html.unescape(part), style="bold yellow" if index % 2 else "")
    return out


def _local(value: datetime | None) -> datetime | None:
    """Dates typed on the command line are Beijing dates, like the articles'."""
    return value.replace(tzinfo=BEIJING) if value and value.tzinfo is None else value


@app.command("sources")
def list_sources(config: ConfigOption = Path(DEFAULT_CONFIG_NAME)) -> None:
    """List configured sources with the result of their last check."""
    try:
        cfg = load_config(config)
        with _archive(cfg) as archive:
            states = {s.name: s for s in archive.source_states()}
            counts = {s.name: archive.count(source=s.name) for s in cfg.sources}
    except FinewsError as exc:
        raise _fail(exc) from None
    table = Table()
    table.add_column("name", no_wrap=True)  # the key users type: never cut, whatever the terminal width
    for heading in ("title", "enabled", "articles", "last check", "last success", "failures", "next check"):
        table.add_column(heading)
    table.add_column("last result", overflow="fold")
    for source in cfg.sources:
        state = states.get(source.name)
        checked = state.last_checked.strftime("%Y-%m-%d %H:%M") if state and state.last_checked else "never"
        success = state.last_success.strftime("%Y-%m-%d %H:%M") if state and state.last_success else "never"
        if state is None or state.last_checked is None:
            result = "-"
        elif state.last_error:
            result = f"[red]{state.last_error}[/red]"
        else:
            result = f"{state.last_new} new, {state.last_updated} updated"
        failures = str(state.consecutive_failures) if state else "0"
        due = state.next_check.strftime("%Y-%m-%d %H:%M") if state and state.next_check else "now"
        enabled = "yes" if source.enabled else "no"
        row = (source.name, source.title, enabled, str(counts[source.name]), checked, success, failures, due, result)
        table.add_row(*row)
    console.print(table)


@app.command()
def demo(
    directory: Annotated[Path, typer.Argument(help="Folder for the demo config, archive and site.")] = Path("demo"),
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
    cfg = load_config(config)
    console.print(f"\nThe site is in [bold]{cfg.site_dir}[/bold]; serve it with:\n  finews serve -c {config}")
    if fetch_failed:
        raise typer.Exit(1)


if __name__ == "__main__":  # pragma: no cover
    app()
