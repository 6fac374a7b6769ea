"""What a build or an export may replace: only what finews wrote, never a user's folder or files.

A site folder is finews' when its build state (:data:`.state.STATE`) is in it: every build leaves
it there, and it lists each file the build wrote. A site build may go into a folder that does not
exist, an empty one, or one with that state; any other folder, a file, ``/``, the home folder and
any folder holding the config, the archive or the theme are refused before anything is written.
Files in a site folder that the state does not list (a ``CNAME``, a ``.well-known/`` the user
added) are the user's: a build aside carries them into the new site (:func:`carry_foreign`).
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import sqlite3
from pathlib import Path

from ..config import Config
from ..errors import PublishError
from .atomic import remove_stale_siblings
from .state import STATE
from .theme import theme_folder

OWN_PREFIX = ".finews-"  # the state, its journal and any file of ours at the site's top level
_TEMPORARY = re.compile(r"^\..*\.\d+-[^.]*\.tmp$")  # write_atomic's, left by a killed writer
NAMED = 5  # foreign files an error names before it says "and N more"


def special_folders() -> list[tuple[Path, str]]:
    """Folders no build or export ever writes into directly, with what each is."""
    folders = [(Path("/"), "the root folder")]
    with contextlib.suppress(RuntimeError):  # no home folder (HOME unset, no passwd entry)
        folders.append((Path.home().resolve(), "the home folder"))
    return folders


def _protected(config: Config) -> list[tuple[Path, str]]:
    """Folders a site build must never replace, nor any folder holding them."""
    held = [
        (config.base_dir.resolve(), "the config"),
        (config.database_path.resolve().parent, "the archive"),
    ]
    theme = theme_folder(config)
    if theme is not None:
        held.append((theme.resolve(), "the theme"))
    return held


def check_site_folder(out_dir: Path, config: Config) -> Path:
    """Refuse (:class:`PublishError`, nothing touched) a site folder that is not finews' to replace.

    Also removes what killed builds of it left beside it. Returns the folder, resolved.
    """
    target = out_dir.expanduser().resolve()
    refusal = f"{out_dir}: refusing to build the site there"
    for folder, what in special_folders():
        if target == folder or target in folder.parents:
            raise PublishError(f"{refusal}: it is {what}" if target == folder else f"{refusal}: it holds {what}")
    for folder, what in _protected(config):
        if target == folder or target in folder.parents:
            raise PublishError(f"{refusal}: it holds {what} ({folder})")
    if target.exists() or target.is_symlink():
        if not target.is_dir():
            raise PublishError(f"{refusal}: it is a file, not a folder")
        if not (target / STATE).is_file() and _has_entries(target):
            raise PublishError(
                f"{refusal}: the folder is not empty and no finews build made it (no {STATE} in it); "
                "choose an empty or new folder"
            )
    if target.parent.is_dir():
        remove_stale_siblings(target)
    return target


def check_export_folder(out_dir: Path) -> Path:
    """Refuse an export folder that is ``/``, the home folder or a file; the folder, resolved."""
    target = out_dir.expanduser().resolve()
    refusal = f"{out_dir}: refusing to export posts there"
    for folder, what in special_folders():
        if target == folder:
            raise PublishError(f"{refusal}: it is {what}; give the site's own folder")
    if target.exists() and not target.is_dir():
        raise PublishError(f"{refusal}: it is a file, not a folder")
    return target


def _has_entries(folder: Path) -> bool:
    try:
        with os.scandir(folder) as entries:
            return next(entries, None) is not None
    except OSError as exc:
        raise PublishError(f"{folder}: cannot read: {exc.strerror or exc}") from None


def written_files(site: Path) -> set[str] | None:
    """The files the last build of ``site`` wrote, from its state; None when it cannot be read."""
    path = site / STATE
    if not path.is_file():
        return None
    try:
        db = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        try:
            return {row[0] for row in db.execute("SELECT path FROM files WHERE hash != ''")}
        finally:
            db.close()
    except sqlite3.Error:
        return None


def foreign_files(site: Path, written: set[str]) -> list[str]:
    """Files (and links) in ``site`` that are neither in ``written`` nor finews' own state and temporaries."""
    found: list[str] = []
    for folder, dirs, files in os.walk(site):
        relative_folder = os.path.relpath(folder, site)
        prefix = "" if relative_folder == "." else relative_folder + "/"
        if not prefix:
            dirs[:] = [d for d in dirs if not d.startswith(OWN_PREFIX)]
        for name in [*files, *(d for d in dirs if os.path.islink(os.path.join(folder, d)))]:
            relative = prefix + name
            if (not prefix and name.startswith(OWN_PREFIX)) or _TEMPORARY.match(name) or relative in written:
                continue
            found.append(relative)
    return sorted(found)


def carry_foreign(old_site: Path, new_site: Path, new_files: set[str]) -> list[str]:
    """Put the user's files of ``old_site`` into ``new_site`` (built aside, not live yet); their paths.

    A user's file at a path the new build wrote is not overwritten by either: the build is refused,
    naming the files, and the old site stays live.
    """
    if not (old_site / STATE).is_file():
        return []  # a new or empty folder
    written = written_files(old_site)
    known = written is not None
    foreign = foreign_files(old_site, written or set())
    clashes = [path for path in foreign if path in new_files]
    if known and clashes:
        more = f" and {len(clashes) - NAMED} more" if len(clashes) > NAMED else ""
        raise PublishError(
            f"{old_site}: finews now writes {', '.join(clashes[:NAMED])}{more}, which finews did not write "
            "there; move them out of the site folder and build again"
        )
    carried = []
    for relative in foreign:
        if relative in new_files:
            continue  # the state could not be read: what the new build wrote wins, as before
        _carry(old_site / relative, new_site / relative)
        carried.append(relative)
    return carried


def _carry(source: Path, target: Path) -> None:
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        if source.is_symlink():
            os.symlink(os.readlink(source), target)
            return
        try:
            os.link(source, target)  # same file system (the new site is built beside the old): no copy
        except OSError:
            shutil.copy2(source, target)
    except OSError as exc:
        raise PublishError(f"{source}: cannot carry it into the new site: {exc.strerror or exc}") from None
