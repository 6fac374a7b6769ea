"""What a test needs from the machine: skip with the reason on a developer's machine, fail in CI.

CI (the ``CI`` variable set) installs every tool and has ``../shared`` beside the clone, so there a
missing tool or data set is a broken install step, never a reason to pass quietly.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest


def in_ci() -> bool:
    return bool(os.environ.get("CI"))


def unavailable(reason: str) -> None:
    """Skip (outside CI) or fail (in CI) with ``reason``; never returns."""
    if in_ci():
        pytest.fail(f"{reason} (required in CI: `make test` installs it)", pytrace=False)
    pytest.skip(reason)


def need_path(path: Path, what: str = "real data") -> Path:
    """``path`` if it exists; otherwise skip (or fail in CI), saying what is missing."""
    if not path.exists():
        unavailable(f"{what} not available: {path} (set FINEWS_SHARED to the shared folder)")
    return path


def need_tool(name: str, hint: str) -> str:
    """The full path of the program ``name`` on PATH; otherwise skip (or fail in CI) with ``hint``."""
    found = shutil.which(name)
    if found is None:
        unavailable(f"{name} is not installed: {hint}")
    return found
