"""Tables, in SQLAlchemy Core so the same statements run on SQLite and PostgreSQL.

Times are stored as naive UTC; ``utc_offset`` keeps the minutes east of UTC the source wrote,
so a post can show its original local time.
"""

from __future__ import annotations

from sqlalchemy import Column, DateTime, Index, Integer, MetaData, String, Table, Text

metadata = MetaData()

articles = Table(
    "articles",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("slug", String(80), nullable=False, unique=True),
    Column("source", String(64), nullable=False),
    Column("guid", Text),
    Column("url", Text, nullable=False),
    Column("canonical_url", Text),
    Column("title", Text, nullable=False),
    Column("author", Text),
    Column("summary", Text, nullable=False, default=""),
    Column("content_html", Text, nullable=False, default=""),
    Column("content_markdown", Text, nullable=False, default=""),
    Column("categories", Text, nullable=False, default="[]"),  # JSON list
    Column("annotations", Text, nullable=False, default="[]"),  # JSON list of Annotation
    Column("image", Text),
    Column("enclosure_url", Text),
    Column("enclosure_type", Text),
    Column("published_at", DateTime),
    Column("utc_offset", Integer),  # minutes
    Column("updated_at", DateTime),
    Column("fetched_at", DateTime, nullable=False),
    Column("changed_at", DateTime, nullable=False),  # last insert or content change
    Column("sort_at", DateTime, nullable=False),  # published_at, else fetched_at
    Column("content_hash", String(64), nullable=False),
    Index("ix_articles_canonical_url", "canonical_url", unique=True),
    Index("ix_articles_source_guid", "source", "guid"),
    Index("ix_articles_sort_at", "sort_at"),
    Index("ix_articles_source_sort_at", "source", "sort_at"),
)

sources = Table(
    "sources",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("etag", Text),
    Column("last_modified", Text),
    Column("last_checked", DateTime),
    Column("last_success", DateTime),
    Column("last_error", Text),
    Column("consecutive_failures", Integer, nullable=False, default=0),
    Column("last_new", Integer, nullable=False, default=0),
    Column("last_updated", Integer, nullable=False, default=0),
    Column("next_check", DateTime),
)
