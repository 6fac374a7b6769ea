"""Which posts in an export folder finews wrote: path → hash of the bytes it wrote there.

An export goes into the user's own Jekyll or Hexo site, beside posts the user wrote. The manifest
(:data:`MANIFEST`, at the top of the export folder) lets the next export tell its own posts from
the user's: a file finews may replace is one it wrote and nobody changed since (its hash is in the
manifest), or one that already holds exactly the bytes finews would write (an export killed
before it saved the manifest, or one made before finews kept it). Any other file at a post's
path is the user's, and is left as it is and reported.

Jekyll leaves out of the built site the files whose name starts with ``_``; Hexo reads only
``source/``: the manifest is never published.
"""

from __future__ import annotations

import json
import os
import stat
from enum import Enum
from pathlib import Path

from .atomic import write_atomic, write_error
from .incremental import digest

MANIFEST = "_finews-posts.json"
VERSION = 1


class Claim(Enum):
    NEW = "new"  # nothing there yet
    SAME = "same"  # already the bytes finews would write
    OURS = "ours"  # finews wrote it and nobody changed it since
    FOREIGN = "foreign"  # the user's file, or finews' post the user edited


class PostManifest:
    def __init__(self, root: Path, posts: dict[str, str]) -> None:
        self.root = root
        self.posts = posts
        self.changed = False

    @classmethod
    def load(cls, root: Path) -> PostManifest:
        path = root / MANIFEST
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return cls(root, {})
        except (OSError, UnicodeDecodeError, ValueError):
            return cls(root, {})  # unreadable: only posts that hold what finews would write are its own
        posts = data.get("posts") if isinstance(data, dict) and data.get("version") == VERSION else None
        if not isinstance(posts, dict):
            return cls(root, {})
        return cls(root, {k: v for k, v in posts.items() if isinstance(k, str) and isinstance(v, str)})

    def claim(self, relative: str, target: Path, payload: bytes) -> Claim:
        """Whose the file at ``target`` is, before finews writes ``payload`` there."""
        try:
            found = os.lstat(target)
        except FileNotFoundError:
            return Claim.NEW
        except OSError as exc:
            raise write_error(target, exc) from None
        if not stat.S_ISREG(found.st_mode):
            return Claim.FOREIGN  # a link or a folder at a post's path is never a post finews wrote
        known = self.posts.get(relative)
        if found.st_size != len(payload) and known is None:
            return Claim.FOREIGN
        try:
            current = target.read_bytes()
        except OSError as exc:
            raise write_error(target, exc) from None
        if current == payload:
            return Claim.SAME
        return Claim.OURS if known == digest(current) else Claim.FOREIGN

    def wrote(self, relative: str, payload: bytes) -> None:
        hashed = digest(payload)
        if self.posts.get(relative) != hashed:
            self.posts[relative] = hashed
            self.changed = True

    def removed(self, relative: str) -> None:
        if self.posts.pop(relative, None) is not None:
            self.changed = True

    def save(self) -> None:
        if not self.changed:
            return
        data = {"version": VERSION, "posts": dict(sorted(self.posts.items()))}
        text = json.dumps(data, ensure_ascii=False, indent=0) + "\n"
        write_atomic(self.root / MANIFEST, text)
        self.changed = False
