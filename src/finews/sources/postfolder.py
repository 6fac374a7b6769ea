"""A site's post folder as a source: years of Jekyll, Hexo, Hugo posts or daily digests into the archive.

Files are read one at a time, so a folder of any size imports in bounded memory (plus one set of the
links already seen, which keeps a story repeated on later days at its first date). A file that cannot
be read or parsed is skipped and reported as ``(path, reason)``; it never stops the import.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
from collections.abc import Iterator
from datetime import tzinfo
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import unquote, urlsplit

from ..errors import ParseError
from ..model import BEIJING, Article, SourceState
from .base import Collected
from .postdigest import parse_digest
from .postparse import PostError, post_article, split_front_matter

if TYPE_CHECKING:
    from ..config import SourceConfig
    from ..fetch.client import Fetcher

log = logging.getLogger(__name__)

FORMATS = ("jekyll", "hexo", "hugo", "digest")
MAX_FILE_BYTES = 16 * 1024 * 1024
_POST_SUFFIXES = frozenset({".md", ".markdown", ".mdown", ".mkd", ".html", ".htm"})
_DIGEST_HINT = re.compile(r"^(?:#{1,2}[ \t]+\d{4}-\d{1,2}-\d{1,2}[ \t]*|(?:### |## | )\[.*)$", re.M)
_DATED_NAME = re.compile(r"^\d{4}-\d{1,2}-\d{1,2}-")
_NUMBERS = re.compile(r"(\d+)")


def detect_format(root: Path) -> str:
    """``jekyll``, ``hexo``, ``hugo`` or ``digest`` from the folder's layout, else from a few of its files."""
    root = Path(root)
    if not root.is_dir():
        raise ParseError(f"{root}: not a folder")
    if root.name == "_posts":
        return "hexo" if root.parent.name == "source" else "jekyll"
    if root.name == "content":
        return "hugo"
    if (root / "source" / "_posts").is_dir():
        return "hexo"
    if (root / "_posts").is_dir():
        return "jekyll"
    if (root / "content").is_dir():
        return "hugo"
    for seen, path in enumerate(_walk(root, _POST_SUFFIXES)):
        if seen >= 20:
            break
        try:
            with path.open("rb") as handle:
                head = handle.read(4096).decode("utf-8", "ignore").lstrip("\ufeff")
        except OSError:
            continue
        if head.startswith("+++"):
            return "hugo"
        if head.startswith("---"):
            return "jekyll" if _DATED_NAME.match(path.name) else "hugo"
        if path.suffix == ".md" and _DIGEST_HINT.search(head):
            return "digest"
    raise ParseError(f"{root}: cannot tell the post format (set posts.format to jekyll, hexo, hugo or digest)")


class PostFolderReader:
    """Iterate raw articles of one folder; afterwards ``problems``, ``entries`` and the other counts say what
    happened. Iterating twice reads the folder twice."""

    def __init__(
        self,
        root: Path,
        source: str,
        fmt: str = "auto",
        *,
        zone: tzinfo = BEIJING,
        problems: list[tuple[Path, str]] | None = None,
    ) -> None:
        self.root = Path(root)
        self.source = source
        self.format = detect_format(self.root) if fmt == "auto" else fmt
        if self.format not in FORMATS:
            raise ParseError(f"unknown post format {fmt!r} (use auto, {', '.join(FORMATS)})")
        self.zone = zone
        self.problems: list[tuple[Path, str]] = [] if problems is None else problems
        self.files = 0  # files read
        self.entries = 0  # posts or digest entries parsed, repeats and drafts included
        self.repeats = 0  # entries whose link an earlier file or entry already gave
        self.drafts = 0

    def folders(self) -> list[Path]:
        """Where the posts are: ``_posts`` and ``old_post`` of a Jekyll site, ``source/_posts``, ``content``."""
        root = self.root
        if self.format == "jekyll" and root.name not in ("_posts", "old_post"):
            found = [root / name for name in ("_posts", "old_post") if (root / name).is_dir()]
            return found or [root]
        if self.format == "hexo" and (root / "source" / "_posts").is_dir():
            return [root / "source" / "_posts"]
        if self.format == "hugo" and (root / "content").is_dir():
            return [root / "content"]
        return [root]

    def paths(self) -> Iterator[tuple[Path, Path]]:
        """``(file, folder it belongs to)`` in natural order, so ``2021/1-2.md`` comes before ``2021/1-10.md``."""
        suffixes = frozenset({".md"}) if self.format == "digest" else _POST_SUFFIXES
        for folder in self.folders():
            for path in _walk(folder, suffixes):
                if self.format == "digest" and path.name.lower() == "readme.md":
                    continue  # the aggregator's README repeats the newest day
                if self.format == "hugo" and path.stem == "_index":
                    continue  # a section's list page, not a post
                yield path, folder

    def signature(self) -> str:
        """Changes whenever a post file is added, removed or modified: a folder's ETag."""
        digest = hashlib.sha1()
        for path, _ in self.paths():
            try:
                stat = path.stat()
            except OSError:
                continue
            digest.update(f"{path}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode("utf-8", "surrogateescape"))
        return "posts:" + digest.hexdigest()

    def __iter__(self) -> Iterator[Article]:
        seen_links: set[str] = set()
        for path, folder in self.paths():
            for article in self._read(path, folder):
                if article.url:
                    if article.url in seen_links:
                        self.repeats += 1
                        continue
                    seen_links.add(article.url)
                yield article

    def _read(self, path: Path, folder: Path) -> list[Article]:
        # One file is parsed completely before any of it is yielded: a file that fails halfway is skipped whole.
        try:
            text = _read_text(path)
            self.files += 1
            rel = path.relative_to(folder).as_posix()
            if self.format == "digest":
                articles = list(parse_digest(text, rel, self.source, self.zone))
                self.entries += len(articles)
                return articles
            meta, body = split_front_matter(text, self.format)
            self.entries += 1
            name, suffix = path.name, path.suffix.lower()
            article = post_article(
                meta,
                body,
                fmt=self.format,
                name=name,
                suffix=suffix,
                guid=f"posts:{rel}",
                source=self.source,
                zone=self.zone,
            )
        except PostError as exc:
            return self._problem(path, str(exc))
        except Exception as exc:  # a parser surprise on one file must not end a migration of thousands
            return self._problem(path, f"{type(exc).__name__}: {exc}")
        if article is None:
            self.drafts += 1
            return []
        return [article]

    def _problem(self, path: Path, reason: str) -> list[Article]:
        log.warning("skipped %s: %s", path, reason)
        self.problems.append((path, reason))
        return []


def iter_post_folder(
    root: Path,
    source: str,
    fmt: str = "auto",
    *,
    zone: tzinfo = BEIJING,
    problems: list[tuple[Path, str]] | None = None,
) -> Iterator[Article]:
    """Raw articles of the posts under ``root``, streamed; skipped files are appended to ``problems``."""
    yield from PostFolderReader(root, source, fmt, zone=zone, problems=problems)


class PostFolderSource:
    """``type = "posts"``: a local folder of posts, imported again only when one of its files changed."""

    def __init__(self, config: SourceConfig) -> None:
        self.config = config

    def collect(self, fetcher: Fetcher, state: SourceState) -> Collected:
        config = self.config
        reader = PostFolderReader(self.folder(fetcher.base_dir), config.name, config.posts.format, zone=config.zone)
        signature = reader.signature()
        if state.etag == signature:
            return Collected(not_modified=True, etag=signature)
        articles = list(reader)
        if reader.problems:
            log.warning("source %s: %d post files skipped", config.name, len(reader.problems))
        return Collected(articles=articles, etag=signature)

    def folder(self, base_dir: Path) -> Path:
        url = self.config.url
        raw = unquote(urlsplit(url).path) if url.lower().startswith("file:") else url
        path = Path(raw).expanduser()
        path = path if path.is_absolute() else base_dir / path
        if not path.is_dir():
            raise ParseError(f"{path}: no such folder")
        return path


def _read_text(path: Path) -> str:
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise PostError(f"larger than {MAX_FILE_BYTES // (1024 * 1024)} MB")
        data = path.read_bytes()
    except OSError as exc:
        raise PostError(f"cannot read: {exc.strerror or exc}") from None
    if b"\x00" in data:
        raise PostError("binary file (NUL bytes), not a text post")
    try:
        return data.decode("utf-8-sig").replace("\r\n", "\n")
    except UnicodeDecodeError as exc:
        raise PostError(f"not UTF-8 (invalid byte at offset {exc.start})") from None


def _walk(folder: Path, suffixes: frozenset[str]) -> Iterator[Path]:
    """Files under ``folder`` with one of ``suffixes``, depth first in natural order; hidden entries and
    symlinked folders (which could loop) are left out."""
    try:
        entries = sorted(os.scandir(folder), key=lambda e: _natural(e.name))
    except OSError as exc:
        log.warning("cannot list %s: %s", folder, exc)
        return
    for entry in entries:
        if entry.name.startswith("."):
            continue
        if entry.is_dir(follow_symlinks=False):
            yield from _walk(Path(entry.path), suffixes)
        elif entry.is_file() and Path(entry.name).suffix.lower() in suffixes:
            yield Path(entry.path)


def _natural(name: str) -> list[int | str]:
    return [int(part) if part.isdigit() else part.lower() for part in _NUMBERS.split(name)]
