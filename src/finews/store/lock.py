"""One writer per archive: a lock file beside it, held by ``finews fetch`` and ``finews run``.

The lock is an OS-level ``flock`` (through filelock), so a killed process releases it at once
and no stale lock ever needs cleaning up by hand.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from types import TracebackType

from filelock import FileLock, Timeout

from ..errors import FinewsError


class ArchiveBusy(FinewsError):
    """Another finews process is writing this archive."""


class ArchiveLock:
    def __init__(self, path: Path, *, wait: float = 0.0) -> None:
        self.path = path
        self.wait = wait
        self._lock = FileLock(str(path))

    def __enter__(self) -> ArchiveLock:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._lock.acquire(timeout=self.wait)
        except Timeout:
            holder = _holder(self.path)
            waited = f" after waiting {self.wait:g}s" if self.wait else ""
            raise ArchiveBusy(
                f"{self.path}: another finews process{holder} is writing this archive{waited}; "
                "let it finish, stop it, or pass --wait SECONDS"
            ) from None
        except OSError as exc:
            raise ArchiveBusy(f"{self.path}: cannot take the archive lock: {exc.strerror or exc}") from None
        with contextlib.suppress(OSError):  # the pid only improves the message above
            self.path.write_text(f"{os.getpid()}\n", encoding="ascii")
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._lock.release()


def _holder(path: Path) -> str:
    try:
        pid = path.read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError):
        return ""
    return f" (pid {pid})" if pid.isdigit() else ""
