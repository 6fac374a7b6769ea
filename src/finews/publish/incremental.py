"""Where a site build writes: only files whose content changed, with a journal that can undo the build.

The last build leaves its state in the site folder (:mod:`.state`): page → hash of its bytes, plus
the fingerprint of what went into each page (so an unchanged article is not even rendered).
An incremental build writes in place, each file through a rename, and first links the file it
replaces into ``.finews-journal/``; a build that fails rolls every change back, and a build that was
killed is rolled back by the next one before it starts. Readers of the site never see half a file,
and new pages are written before the lists that link to them; deletions come last.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import uuid
from collections.abc import Iterator, MutableMapping
from pathlib import Path
from typing import IO

from ..errors import PublishError
from .atomic import remove_stale_temporaries, sync_files, sync_folder, write_atomic, write_error
from .state import BuildState, committed_build

JOURNAL = ".finews-journal"
FEW = 500  # files a build flushes one by one; past that, the whole file system at once


def digest(data: bytes | str) -> str:
    payload = data.encode("utf-8") if isinstance(data, str) else data
    return hashlib.blake2b(payload, digest_size=16).hexdigest()


class _Looked(MutableMapping[str, str]):
    """The last build's hashes (or inputs) of files, looked up one by one in its state.

    A build after a few new articles touches a few hundred of 200k files: loading them all took
    longer than the whole build should.
    """

    def __init__(self, state: BuildState, column: int) -> None:
        self.state = state
        self.column = column
        self.dropped: set[str] = set()

    def __getitem__(self, path: str) -> str:
        row = None if path in self.dropped else self.state.file(path)
        value = row[self.column] if row is not None else None
        if not value:  # "" is a row of inputs only (a page's section)
            raise KeyError(path)
        return value

    def __contains__(self, path: object) -> bool:
        return isinstance(path, str) and self.get(path) is not None

    def __setitem__(self, path: str, value: str) -> None:
        raise TypeError("the last build's files are read-only")

    def __delitem__(self, path: str) -> None:
        self.dropped.add(path)

    def __iter__(self) -> Iterator[str]:
        return (path for path, _, _ in self.state.files() if path not in self.dropped)

    def __len__(self) -> int:
        return sum(1 for _ in self)


class Output:
    """Writes into ``root`` comparing with the last build's state; with ``journal``, every change can be undone.

    A ``complete`` build names every file the site has (what it neither writes nor keeps is deleted);
    otherwise only the files it writes, keeps or :meth:`remove` s change, and the rest stay as they are.
    """

    def __init__(self, root: Path, previous: BuildState | None, *, journal: bool, complete: bool = True) -> None:
        self.root = root
        self.complete = complete
        self.old_files: MutableMapping[str, str]
        self.old_inputs: MutableMapping[str, str]
        if previous is None:
            self.old_files, self.old_inputs = {}, {}
        elif complete:
            self.old_files, self.old_inputs = {}, {}
            for path, hashed, inputs in previous.files():
                if hashed:
                    self.old_files[path] = hashed
                if inputs is not None:
                    self.old_inputs[path] = inputs
        else:
            self.old_files, self.old_inputs = _Looked(previous, 0), _Looked(previous, 1)
        self.files: dict[str, str] = {}
        self.inputs: dict[str, str] = {}
        self.removed: set[str] = set()
        self.written = 0
        self.unchanged = 0
        self.written_paths: set[str] = set()
        self.token = uuid.uuid4().hex
        self._log: IO[str] | None = None
        self._touched: set[str] = set()
        self._backups = 0
        self._folders: set[Path] = set()
        if journal:
            recover(root)
            folder = root / JOURNAL
            try:
                folder.mkdir()
                self._log = (folder / "log").open("a", encoding="utf-8")
                self._log.write(json.dumps(["build", self.token]) + "\n")
            except OSError as exc:  # a read-only or full disk: say which folder, keep the old site
                raise write_error(folder, exc) from None

    def write(self, relative: str, data: str | bytes) -> bool:
        """Write ``relative`` unless the last build wrote the same bytes there; True when written."""
        payload = data.encode("utf-8") if isinstance(data, str) else data
        hashed = digest(payload)
        self.files[relative] = hashed
        if self.old_files.get(relative) == hashed and relative not in self.written_paths:
            self.unchanged += 1
            return False
        if self._log is not None and relative not in self.old_files and relative not in self.written_paths:
            _refuse_foreign(self.root / relative)
        self._journal(relative)
        if self._log is None and relative not in self.old_files:
            self._write_new(relative, payload)
        else:
            write_atomic(self.root / relative, payload, sync=False)  # flushed once, in finish()
        if relative not in self.written_paths:
            self.written_paths.add(relative)
            self.written += 1
        return True

    def _write_new(self, relative: str, payload: bytes) -> None:
        """A file no one reads yet (the folder aside is not live): no temporary file and rename needed."""
        target = self.root / relative
        if target.parent not in self._folders:
            target.parent.mkdir(parents=True, exist_ok=True)
            self._folders.add(target.parent)
        try:
            target.write_bytes(payload)
        except OSError as exc:
            raise PublishError(f"{target}: cannot write: {exc.strerror or exc}") from None

    def keep(self, relative: str) -> bool:
        """Carry a page over unchanged from the last build; False when the last build did not make it.

        The state is trusted: checking that each of 100k kept files is still there took 15 s of a
        60 s build. A file removed behind the builder's back comes back with a ``--full`` build.
        """
        hashed = self.old_files.get(relative)
        if hashed is None:
            return False
        self.files[relative] = hashed
        self.unchanged += 1
        return True

    def carry(self, relative: str) -> bool:
        """Keep a page and what went into it as the last build left them (its inputs did not change)."""
        inputs = self.old_inputs.get(relative)
        if inputs is None or not self.keep(relative):
            return False
        self.inputs[relative] = inputs
        return True

    def read(self, relative: str) -> str:
        return (self.root / relative).read_text(encoding="utf-8")

    def remove(self, relative: str) -> None:
        """A page the last build made that the site no longer has (builds that are not complete)."""
        self.removed.add(relative)

    def finish(self, state: BuildState) -> None:
        """Delete what the site no longer has, save the build's state, drop the journal.

        ``state`` is where this build's changes go: a new state for a complete build, the last
        build's (open, its changes not yet committed) for one that is not.
        """
        gone = set(self.old_files) - set(self.files) if self.complete else self.removed - set(self.files)
        for relative in sorted(gone, reverse=True):
            self._journal(relative)
            (self.root / relative).unlink(missing_ok=True)
            _prune_empty(self.root, (self.root / relative).parent)
        # the pages are on disk before the state says they are there
        if self.complete or len(self.written_paths) > FEW:
            sync_folder(self.root)
        else:
            sync_files(self.root, self.written_paths)
        paths = self.files.keys() | self.inputs.keys()
        if self.complete:
            state.put_files((p, self.files.get(p, ""), self.inputs.get(p)) for p in paths)
        else:
            rows = []
            for path in paths:
                old = state.file(path) if path not in self.removed else None
                hashed = self.files.get(path) or (old[0] if old else "")
                inputs = self.inputs.get(path) or (old[1] if old else None)
                if old is None or old != (hashed, inputs):
                    rows.append((path, hashed, inputs))
            state.put_files(rows)
            state.drop_files(gone)
        state.commit(self.token)
        if self._log is not None:
            self._log.close()
            self._log = None
            shutil.rmtree(self.root / JOURNAL, ignore_errors=True)

    def rollback(self) -> None:
        if self._log is not None:
            self._log.close()
            self._log = None
            recover(self.root)

    def _journal(self, relative: str) -> None:
        """Before the first change to a file, keep its old version (or note that it is new)."""
        if self._log is None or relative in self._touched:
            return
        self._touched.add(relative)
        target = self.root / relative
        missing = [p for p in reversed(target.parents) if self.root in p.parents and not p.exists()]
        for folder in missing:
            self._log.write(json.dumps(["mkdir", str(folder.relative_to(self.root))]) + "\n")
        backup = ""
        if target.exists():
            self._backups += 1
            backup = str(self._backups)
            try:
                os.link(target, self.root / JOURNAL / backup)
            except OSError as exc:
                raise PublishError(f"{target}: cannot keep the previous version: {exc.strerror or exc}") from None
        self._log.write(json.dumps(["file", relative, backup]) + "\n")
        self._log.flush()


def recover(root: Path) -> bool:
    """Undo a build that did not finish (its journal is still there); True when there was one."""
    folder = root / JOURNAL
    if not folder.is_dir():
        return False
    entries: list[list] = []
    try:
        for line in (folder / "log").read_text(encoding="utf-8").splitlines():
            if not entries and line.startswith('["build"'):
                if json.loads(line)[1] == committed_build(root):
                    # killed after its state was saved: the build is whole, only its journal was left
                    shutil.rmtree(folder, ignore_errors=True)
                    return False
                continue
            try:
                entries.append(json.loads(line))
            except ValueError:  # the last line of a killed build may be cut short
                break
    except FileNotFoundError:
        pass
    folders: set[Path] = set()
    for entry in reversed(entries):
        if entry[0] == "file":
            target = root / entry[1]
            folders.add(target.parent)
            backup = folder / entry[2] if entry[2] else None
            if backup is not None and backup.exists():
                target.parent.mkdir(parents=True, exist_ok=True)  # the build may have pruned it
                os.replace(backup, target)
            elif backup is None:
                target.unlink(missing_ok=True)
        elif entry[0] == "mkdir":
            shutil.rmtree(root / entry[1], ignore_errors=True)
    for touched in folders:  # a write the kill cut short left its temporary file there
        remove_stale_temporaries(touched)
    shutil.rmtree(folder, ignore_errors=True)
    return True


def _refuse_foreign(target: Path) -> None:
    """A file the last build did not write is the user's: the build is undone rather than replace it."""
    if os.path.lexists(target):
        raise PublishError(
            f"{target}: finews now writes this file, which finews did not write there; "
            "move it out of the site folder and build again"
        )


def _prune_empty(root: Path, folder: Path) -> None:
    while folder != root and root in folder.parents:
        try:
            folder.rmdir()
        except OSError:
            return
        folder = folder.parent
