"""``finews sources``: the list (no subcommand), ``enable`` and ``disable``."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.text import Text

from .cli_common import (
    EXIT_CODES,
    FAILED,
    ConfigOption,
    PlainCommand,
    PlainGroup,
    archive_of,
    console,
    fail,
    local_time,
    refuse,
    say,
    zone_label,
)
from .config import DEFAULT_CONFIG_NAME
from .errors import FinewsError

if TYPE_CHECKING:
    from .config import SourceConfig
    from .model import SourceState

sources_app = typer.Typer(
    help="List the sources (no subcommand), or switch one on or off.",
    epilog=EXIT_CODES,
    add_completion=False,
    rich_markup_mode=None,
    cls=PlainGroup,
)


@sources_app.callback(invoke_without_command=True)
def sources(ctx: typer.Context, config: ConfigOption = Path(DEFAULT_CONFIG_NAME)) -> None:
    """List the sources: switched on or off, articles, last check and its result."""
    ctx.obj = config
    if ctx.invoked_subcommand is None:
        _list_sources(config)


SourceName = Annotated[str, typer.Argument(metavar="NAME", help="The source's name, as in finews.toml.")]
SubConfigOption = Annotated[
    Path | None,
    typer.Option(
        "--config",
        "-c",
        envvar="FINEWS_CONFIG",
        show_envvar=False,
        metavar="FILE",
        help="Path of finews.toml, or $FINEWS_CONFIG (default: the one given to 'finews sources').",
        show_default=False,
    ),
]


@sources_app.command("enable", cls=PlainCommand)
def enable_source(ctx: typer.Context, name: SourceName, config: SubConfigOption = None) -> None:
    """Switch a source back on (undoes 'finews sources disable' and the web admin's disable)."""
    _switch(config or ctx.obj, name, disabled=False)


@sources_app.command("disable", cls=PlainCommand)
def disable_source(ctx: typer.Context, name: SourceName, config: SubConfigOption = None) -> None:
    """Switch a source off for 'finews fetch' and 'finews run', leaving finews.toml as written."""
    _switch(config or ctx.obj, name, disabled=True)


def _switch(config: Path, name: str, *, disabled: bool) -> None:
    from .config import flags, load_config

    try:
        cfg = load_config(config)
        source = cfg.source(name)
        flags.set_disabled(cfg, name, disabled)
    except FinewsError as exc:
        raise fail(exc) from None
    except OSError as exc:
        raise refuse(f"cannot write {exc.filename or flags.flags_path(cfg)}: {exc.strerror or exc}", FAILED) from None
    if disabled:
        say(f"{name}: disabled (finews fetch and finews run skip it; 'finews sources enable {name}' undoes it)")
    elif not source.enabled:
        say(f"{name}: still off: finews.toml says enabled = false for it; change that to switch it on")
    else:
        say(f"{name}: enabled")


def _switched(source: SourceConfig, off_by_admin: set[str]) -> Text:
    if not source.enabled:
        return Text("off (toml)", style="yellow")
    if source.name in off_by_admin:
        return Text("off (admin)", style="yellow")
    return Text("on")


def _last_result(state: SourceState | None) -> Text:
    """What the last check brought and, after a failure, how many in a row and the last success."""
    if state is None or state.last_checked is None:
        return Text("-")
    if state.last_error:
        times = f" ({state.consecutive_failures} in a row)" if state.consecutive_failures > 1 else ""
        success = f"; last success {local_time(state.last_success)}"
        return Text.assemble(("failed", "red"), times, ": ", state.last_error, success)
    return Text(f"{state.last_new} new, {state.last_updated} updated")


def _checks(state: SourceState | None) -> Text:
    """The last check and, below it, the next one: each time whole on its line."""
    checked = local_time(state.last_checked if state else None)
    due = local_time(state.next_check if state else None, missing="now")
    return Text.assemble(checked, "\n", (due, "dim"))


def _list_sources(config: Path) -> None:
    from rich import box
    from rich.table import Table

    from .config import flags, load_config

    try:
        cfg = load_config(config)
        with archive_of(cfg, read_only=True) as archive:
            states = {s.name: s for s in archive.source_states()}
            counts = {s.name: archive.count(source=s.name) for s in cfg.sources}
    except FinewsError as exc:
        raise fail(exc) from None
    off = flags.disabled_sources(cfg)
    # Five columns, the long text last and folded: readable at 80 columns. Names and times never wrap.
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False, caption=f"times: {zone_label()}", caption_justify="left")
    table.add_column("name", no_wrap=True)
    table.add_column("state", no_wrap=True)
    table.add_column("articles", justify="right", no_wrap=True)
    table.add_column(Text.assemble("last check\n", ("next check", "dim")), no_wrap=True)
    table.add_column("last result", overflow="fold", ratio=1, min_width=20)
    for source in cfg.sources:
        state = states.get(source.name)
        count = Text(str(counts[source.name]))
        table.add_row(Text(source.name), _switched(source, off), count, _checks(state), _last_result(state))
    console.print(table)
