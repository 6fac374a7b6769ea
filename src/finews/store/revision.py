"""Whether the archive's schema is current, told without importing Alembic.

Importing Alembic takes about 0.15 s, a third of a whole ``finews search``, and it is needed only to
migrate. Every revision file names itself and its parent in plain assignments (``revision = "0007"``,
``down_revision = "0006"``): the newest is the one no other file names as its parent. Anything
else (several newest, a merge, a file written otherwise) answers "not known to be current", and
the caller asks Alembic, which migrates if need be.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path

from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection

VERSIONS = Path(__file__).parent / "migrations" / "versions"
VERSION_TABLE = "alembic_version"  # Alembic's default, which migrations/env.py keeps
_ASSIGNMENT = re.compile(r"""^(revision|down_revision)\s*=\s*(?:["']([^"']+)["']|(None))\s*$""", re.M)
_NAMES = re.compile(r"^(?:revision|down_revision)\b\s*[:=]", re.M)  # annotated ones too


@functools.cache
def head_revision() -> str | None:
    """The newest revision in :data:`VERSIONS`, or None when the files do not tell one plainly."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in VERSIONS.glob("*.py"):
        source = path.read_text(encoding="utf-8")
        found = {match.group(1): match.group(2) for match in _ASSIGNMENT.finditer(source)}
        if "revision" not in found or found["revision"] is None or len(_NAMES.findall(source)) != len(found):
            return None  # no revision of its own, or one of the two written in a way not read here
        if found["revision"] in revisions:
            return None
        revisions.add(found["revision"])
        if found.get("down_revision"):
            parents.add(found["down_revision"])
    newest = revisions - parents
    return newest.pop() if len(newest) == 1 and parents <= revisions else None


def is_current(connection: Connection) -> bool:
    """The archive holds the newest revision (one row in Alembic's version table, naming it)."""
    head = head_revision()
    if head is None or not inspect(connection).has_table(VERSION_TABLE):
        return False
    stored = connection.execute(text(f"SELECT version_num FROM {VERSION_TABLE}")).scalars().all()
    return stored == [head]
