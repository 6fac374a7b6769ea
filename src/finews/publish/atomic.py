"""Writes that are all-or-nothing: a crash leaves the old file or folder, never half a new one."""

from __future__ import annotations

import ctypes
import errno
import fcntl
import os
import re
import shutil
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ..errors import PublishError

_REASONS = {errno.ENOSPC: "disk full", errno.EROFS: "read-only file system", errno.EACCES: "permission denied"}


def write_error(path: Path, exc: OSError) -> PublishError:
    reason = _REASONS.get(exc.errno or 0, exc.strerror or str(exc))
    return PublishError(f"{path}: cannot write: {reason}")


_UMASK_LOCK = threading.Lock()


def current_umask() -> int:
    """The process's umask, read without changing it (``os.umask`` sets it, which other threads would see)."""
    try:
        with open("/proc/self/status", "rb") as status:
            for line in status:
                if line.startswith(b"Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    with _UMASK_LOCK:  # no /proc: set and restore, as briefly as possible
        mask = os.umask(0o077)
        os.umask(mask)
    return mask


def file_mode() -> int:
    """The mode a plainly created file gets (0644 under umask 022): web servers and site builders read it."""
    return 0o666 & ~current_umask()


def folder_mode() -> int:
    return 0o777 & ~current_umask()


def write_atomic(path: Path, data: str | bytes, *, sync: bool = True) -> None:
    """Write ``data`` to ``path`` through a temporary file in the same folder and a rename.

    The file gets the mode a plainly created one would (the temporary file is private until then).
    ``sync=False`` leaves flushing to the caller (:func:`sync_folder` once for a whole build costs
    one disk flush where a flush per file cost most of the build's time).
    """
    payload = data.encode("utf-8") if isinstance(data, str) else data
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        # the pid in the name lets a later run tell a killed writer's leftover from a live one's file
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name[:40]}.{os.getpid()}-", suffix=".tmp")
    except OSError as exc:
        raise write_error(path, exc) from None
    try:
        os.fchmod(fd, file_mode())
        with os.fdopen(fd, "wb") as handle:
            handle.write(payload)
            if sync:
                handle.flush()
                os.fsync(handle.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise write_error(path, exc) from None


_TEMPORARY = re.compile(r"^\..*\.(\d+)-[^.]*\.tmp$")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process
        return True
    return True


def remove_stale_temporaries(folder: Path) -> int:
    """Delete the temporary files that writers killed mid-write left in ``folder`` (not recursive)."""
    removed = 0
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return 0
    for entry in entries:
        match = _TEMPORARY.match(entry.name)
        if match and not _alive(int(match[1])) and entry.is_file(follow_symlinks=False):
            Path(entry.path).unlink(missing_ok=True)
            removed += 1
    return removed


def write_if_changed(path: Path, data: str) -> bool:
    """Write only when the content differs, so re-exports keep mtimes and cost no disk writes.

    Flushing is left to the caller (:func:`sync_folder` once for a whole export).
    """
    payload = data.encode("utf-8")
    try:
        if path.stat().st_size == len(payload) and path.read_bytes() == payload:
            return False
    except FileNotFoundError:
        pass
    except OSError as exc:
        raise write_error(path, exc) from None
    write_atomic(path, payload, sync=False)
    return True


def sync_folder(path: Path) -> None:
    """Flush every file written under ``path`` to disk: syncfs(2) on its file system, else sync(2)."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        fd = os.open(path, os.O_RDONLY)
    except (OSError, AttributeError):
        os.sync()
        return
    try:
        if getattr(libc, "syncfs", None) is None or libc.syncfs(fd) != 0:
            os.sync()
    finally:
        os.close(fd)


def sync_files(root: Path, relatives: set[str]) -> None:
    """Flush a few files and their folders: cheaper than :func:`sync_folder` when others write to the disk too."""
    folders = {root}
    for relative in relatives:
        path = root / relative
        folders.add(path.parent)
        try:
            fd = os.open(path, os.O_RDONLY)
        except FileNotFoundError:  # written, then removed by the same build
            continue
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
    for folder in folders:
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


@contextmanager
def replace_folder(target: Path) -> Iterator[Path]:
    """Yield an empty sibling folder to build into; swap it in for ``target`` only on success.

    The staging folder, and the old folder while it is removed, are held with ``flock``: a build
    killed at any moment leaves them unheld, and the next build of ``target`` removes them (see
    :func:`remove_stale_siblings`). The caller checks that ``target`` is finews' to replace.
    """
    target = target.resolve()
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        remove_stale_siblings(target)
        staging = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}.building-{os.getpid()}-"))
    except OSError as exc:
        raise write_error(target, exc) from None
    held = _hold(staging)
    try:
        os.chmod(staging, folder_mode())  # mkdtemp makes it 0700: the live site would be unreadable to the web server
        yield staging
        old = target.with_name(f".{target.name}.old-{os.getpid()}-{time.monotonic_ns()}")
        old_held = None
        if target.exists():
            old_held = _hold(target)  # held before it moves aside, so no other build takes it for a leftover
            os.replace(target, old)
        try:
            os.replace(staging, target)
        except OSError:
            if old_held is not None:
                os.replace(old, target)  # the old site back where it was
                _release(old_held)
            raise
        # the new site is live; removing the old one (slow on some disks: a file system call per file)
        # goes on beside the caller, and the interpreter waits for it before it exits
        threading.Thread(target=_remove_held, args=(old, old_held)).start()
    except OSError as exc:
        shutil.rmtree(staging, ignore_errors=True)
        raise write_error(target, exc) from None
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    finally:
        _release(held)


def _hold(folder: Path) -> int | None:
    """An open descriptor of ``folder`` holding its exclusive lock; None when another process holds it."""
    try:
        fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    except OSError:
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:  # another process holds it
        os.close(fd)
        return None
    except OSError:  # no locks on this file system: the pid in the name is all there is to go by
        pass
    return fd


def _release(fd: int | None) -> None:
    if fd is not None:
        os.close(fd)


def _remove_held(folder: Path, fd: int | None) -> None:
    try:
        shutil.rmtree(folder, ignore_errors=True)
    finally:
        _release(fd)


def remove_stale_siblings(target: Path) -> int:
    """Remove the staging and old folders beside ``target`` that killed builds left; how many went.

    A folder is a leftover when no process holds its lock. The pid in its name is not enough: it may
    be reused (a container starts finews as the same pid every time), and a folder named with
    another live process's pid is left alone, as that process may have made it an instant ago.
    """
    pattern = re.compile(rf"^\.{re.escape(target.name)}\.(?:building|old)-(\d+)-")
    removed = 0
    try:
        entries = list(os.scandir(target.parent))
    except OSError:
        return 0
    for entry in entries:
        match = pattern.match(entry.name)
        if not match or not entry.is_dir(follow_symlinks=False):
            continue
        pid = int(match[1])
        if pid != os.getpid() and _alive(pid):
            continue
        held = _hold(Path(entry.path))
        if held is None:  # a live build holds it
            continue
        try:
            shutil.rmtree(entry.path, ignore_errors=True)
        finally:
            _release(held)
        removed += 1
    return removed
