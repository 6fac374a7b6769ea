"""Writes that are all-or-nothing: a crash leaves the old file or folder, never half a new one."""

from __future__ import annotations

import errno
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ..errors import PublishError

_REASONS = {errno.ENOSPC: "disk full", errno.EROFS: "read-only file system", errno.EACCES: "permission denied"}


def _error(path: Path, exc: OSError) -> PublishError:
    reason = _REASONS.get(exc.errno or 0, exc.strerror or str(exc))
    return PublishError(f"{path}: cannot write: {reason}")


def write_atomic(path: Path, data: str | bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file in the same folder and a rename."""
    payload = data.encode("utf-8") if isinstance(data, str) else data
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name[:40]}.", suffix=".tmp")
    except OSError as exc:
        raise _error(path, exc) from None
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(payload)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise _error(path, exc) from None


def write_if_changed(path: Path, data: str) -> bool:
    """Write only when the content differs, so re-exports keep mtimes and cost no disk writes."""
    payload = data.encode("utf-8")
    try:
        if path.stat().st_size == len(payload) and path.read_bytes() == payload:
            return False
    except FileNotFoundError:
        pass
    except OSError as exc:
        raise _error(path, exc) from None
    write_atomic(path, payload)
    return True


@contextmanager
def replace_folder(target: Path) -> Iterator[Path]:
    """Yield an empty sibling folder to build into; swap it in for ``target`` only on success."""
    target = target.resolve()
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}.building-"))
    except OSError as exc:
        raise _error(target, exc) from None
    try:
        yield staging
        old = target.with_name(f".{target.name}.old-{os.getpid()}")
        if target.exists():
            os.replace(target, old)
        os.replace(staging, target)
        shutil.rmtree(old, ignore_errors=True)
    except OSError as exc:
        shutil.rmtree(staging, ignore_errors=True)
        raise _error(target, exc) from None
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
