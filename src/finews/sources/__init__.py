"""The sources stage: each configured source type knows how to collect raw articles."""

from __future__ import annotations

from ..config import SourceConfig
from .base import Collected, Source
from .feed import FeedSource, parse_feed
from .htmllist import HtmlListSource
from .jsonapi import JsonApiSource
from .postfolder import PostFolderSource

SOURCE_TYPES: dict[str, type] = {
    "feed": FeedSource,
    "json": JsonApiSource,
    "html": HtmlListSource,
    "posts": PostFolderSource,
}


def build_source(config: SourceConfig) -> Source:
    """The source object for ``config``; new types register in :data:`SOURCE_TYPES`."""
    return SOURCE_TYPES[config.type](config)


__all__ = [
    "SOURCE_TYPES",
    "Collected",
    "FeedSource",
    "HtmlListSource",
    "JsonApiSource",
    "Source",
    "build_source",
    "parse_feed",
]
