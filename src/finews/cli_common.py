"""What every command shares: outside text printed plainly, one time zone, plain help pages, exit codes.

Whatever comes from outside (error messages, paths, titles, URLs, server replies) is printed as
plain text, never read as Rich markup: ``[/x]`` in a server's reason phrase must neither crash the
command nor vanish. Markup appears only in our own fixed words, through :func:`say`.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.text import Text
from typer.core import TyperCommand, TyperGroup

from .errors import ConfigError, FinewsError
from .model import BEIJING

if TYPE_CHECKING:  # the store (SQLAlchemy, Alembic) is imported by the commands that open it, not by --help
    # typer carries its own click: the commands, contexts and formatters it passes are of that one
    from typer._click import Command, Context, HelpFormatter

    from .config import Config
    from .store import SQLArchive

EXIT_CODES = (
    "Exit codes: 0 done; 1 a source failed, or the site, posts or archive could not be written;"
    " 2 the command could not start (a usage mistake, a missing or bad finews.toml, the archive busy"
    " or unreadable); 130 stopped by Ctrl-C or SIGTERM."
)
OK, FAILED, CANNOT_START, INTERRUPTED = 0, 1, 2, 130

_BRACKETED = re.compile(r"\[[^\]]*\]")


def _unbroken(text: str) -> str:
    """``[default: …]`` and ``[env var: …]`` kept on one line: click wraps help text at any space."""
    return _BRACKETED.sub(lambda found: found.group(0).replace(" ", "\u00a0"), text)


def _format_params(command: Command, ctx: Context, formatter: HelpFormatter) -> None:
    """The Arguments and Options sections, without type names (``<path>``) after argument names."""
    arguments, options = [], []
    for param in command.get_params(ctx):
        record = param.get_help_record(ctx)
        if record is None:
            continue
        name, text = record
        if param.param_type_name == "argument":
            arguments.append((name.split(" <", 1)[0], _unbroken(text)))
        else:
            options.append((name, _unbroken(text)))
    for title, rows in (("Arguments", arguments), ("Options", options)):
        if rows:
            with formatter.section(title):
                formatter.write_dl(rows)


def _plain_usage(pieces: list[str]) -> list[str]:
    return [piece[1:-1] if piece.startswith("{") and piece.endswith("}") else piece for piece in pieces]


class PlainCommand(TyperCommand):
    def format_options(self, ctx: Context, formatter: HelpFormatter) -> None:
        _format_params(self, ctx, formatter)

    def collect_usage_pieces(self, ctx: Context) -> list[str]:
        return _plain_usage(super().collect_usage_pieces(ctx))


class PlainGroup(TyperGroup):
    def format_options(self, ctx: Context, formatter: HelpFormatter) -> None:
        _format_params(self, ctx, formatter)
        self.format_commands(ctx, formatter)


console = Console()
err = Console(stderr=True)

# Every time the command line shows is in this zone, printed with its offset (the news is Chinese).
DISPLAY_ZONE = BEIJING

Part = str | tuple[str, str]


def say(*parts: Part, to: Console = console) -> None:
    """Print one line. A ``str`` part is outside text, shown exactly as it is (never markup);
    a ``(text, style)`` part is one of our own words, styled."""
    to.print(Text.assemble(*parts), highlight=False, soft_wrap=True)


def local_time(moment: datetime | None, missing: str = "never") -> str:
    """``2026-03-01 08:00 +08:00``: a moment in the display zone, with its offset."""
    if moment is None:
        return missing
    local = (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(DISPLAY_ZONE)
    return local.strftime("%Y-%m-%d %H:%M ") + offset(local)


def offset(moment: datetime) -> str:
    shift = moment.utcoffset()
    minutes = int(shift.total_seconds() // 60) if shift is not None else 0
    sign = "-" if minutes < 0 else "+"
    return f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


ConfigOption = Annotated[
    Path,
    typer.Option(
        "--config",
        "-c",
        envvar="FINEWS_CONFIG",
        show_envvar=False,  # said in the help text: "[env var: …; default: …]" is too long for one line
        metavar="FILE",
        help="Path of finews.toml, or $FINEWS_CONFIG.",
        show_default=True,
    ),
]


def read_config(path: Path) -> Config:
    """finews.toml, validated; a mistake in it ends the command at once (exit code 2), before the
    command imports the stages it drives."""
    from .config import load_config

    try:
        return load_config(path)
    except FinewsError as exc:
        raise fail(exc, CANNOT_START) from None


@contextmanager
def archive_of(config: Config, *, read_only: bool = False) -> Iterator[SQLArchive]:
    """The configured archive; ``read_only`` for commands that only read it (it may sit in a read-only folder)."""
    from .store import open_configured

    archive = open_configured(config, read_only=read_only)
    try:
        yield archive
    finally:
        archive.close()


def write_now(text: str) -> None:
    """Straight to stderr, unbuffered: safe inside a signal handler, even while Rich is printing."""
    try:
        sys.stdout.flush()
        os.write(2, text.encode("utf-8", "replace"))
    except (OSError, ValueError):
        pass


def fail(exc: FinewsError, code: int | None = None) -> typer.Exit:
    """One ``error:`` line per line of the message; the exit code says whether the command could start."""
    for line in str(exc).splitlines() or [type(exc).__name__]:
        say(("error:", "red"), " ", line, to=err)
    if code is None:
        code = CANNOT_START if _cannot_start(exc) else FAILED
    return typer.Exit(code)


def _cannot_start(exc: FinewsError) -> bool:
    """A bad finews.toml, or an archive busy or unreadable.

    A bad finews.toml is told before anything opens the archive: it is recognised without importing the store.
    """
    if isinstance(exc, ConfigError):
        return True
    from .store import ArchiveBusy, StorageError

    return isinstance(exc, ArchiveBusy | StorageError)


def refuse(message: str, code: int = CANNOT_START) -> typer.Exit:
    say(("error:", "red"), " ", message, to=err)
    return typer.Exit(code)


def zone_label() -> str:
    now = datetime.now(DISPLAY_ZONE)
    return f"{DISPLAY_ZONE.tzname(now)} ({offset(now)})"
