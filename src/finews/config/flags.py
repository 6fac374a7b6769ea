"""Sources switched off from the web admin, kept in a small JSON file beside the archive.

finews.toml stays the user's file (comments, order, formatting): the admin never rewrites it.
Only the standard library is used here, so the fetch side can read the flags without FastAPI.
"""

from __future__ import annotations

import json
import os
import tempfile
import threading
from pathlib import Path

from .models import Config

_write_lock = threading.Lock()


def flags_path(config: Config) -> Path:
    return config.database_path.with_name(config.database_path.name + ".admin.json")


def disabled_sources(config: Config) -> set[str]:
    """Names switched off by an admin; a missing or unreadable file switches nothing off."""
    try:
        data = json.loads(flags_path(config).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return set()
    names = data.get("disabled") if isinstance(data, dict) else None
    return {n for n in names if isinstance(n, str)} if isinstance(names, list) else set()


def set_disabled(config: Config, name: str, disabled: bool) -> set[str]:
    """Switch ``name`` off (or back on); written atomically so a reader never sees half a file."""
    with _write_lock:
        names = disabled_sources(config)
        (names.add if disabled else names.discard)(name)
        path = flags_path(config)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=path.name, suffix=".tmp", dir=path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                json.dump({"disabled": sorted(names)}, out, ensure_ascii=False, indent=1)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return names


def active_sources(config: Config) -> list:
    """The sources to check: enabled in finews.toml and not switched off by an admin (read each time)."""
    off = disabled_sources(config)
    return [s for s in config.sources if s.enabled and s.name not in off]
