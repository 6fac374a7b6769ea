"""Tables, in SQLAlchemy Core so the same statements run on SQLite and PostgreSQL.

Times are stored as naive UTC; ``utc_offset`` keeps the minutes east of UTC the source wrote,
so a post can show its original local time.
"""

from __future__ import annotations

from sqlalchemy import Column, DateTime, Float, Index, Integer, LargeBinary, MetaData, String, Table, Text

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
    Column("duplicate_of", Integer),  # the first report of the same text from another source ("also reported by")
    Column("story_id", Integer),  # stories.id: reports of one ongoing event
    Column("fingerprint", LargeBinary),  # near-duplicate signature, reloaded into the index at start
    Index("ix_articles_canonical_url", "canonical_url", unique=True),
    Index("ix_articles_source_guid", "source", "guid"),
    Index("ix_articles_sort_at", "sort_at"),
    Index("ix_articles_source_sort_at", "source", "sort_at"),
    Index("ix_articles_duplicate_of", "duplicate_of"),
    Index("ix_articles_story_id", "story_id"),
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

stories = Table(
    "stories",
    metadata,
    Column("id", Integer, primary_key=True),  # the id of its first article; a story is one event
    Column("title", Text, nullable=False),  # the first article's title
    Column("size", Integer, nullable=False),
    Column("first_at", DateTime),
    Column("last_at", DateTime),
    Column("state", Text, nullable=False),  # the clusterer's profile (JSON), so clustering resumes after a restart
    Column("thread_id", Integer),  # its storyline: the id of the storyline's first story (its own when first)
    Index("ix_stories_thread_id", "thread_id"),
)

mentions = Table(
    "mentions",
    metadata,
    Column("article_id", Integer, nullable=False),
    Column("kind", String(16), nullable=False),  # company | person
    Column("key", Text, nullable=False),  # ticker (600519.SH) or normalized name
    Column("name", Text, nullable=False),
    Column("text", Text, nullable=False),
    Column("field", String(16), nullable=False),  # title | body | summary: what start/end index
    Column("start", Integer, nullable=False),
    Column("end", Integer, nullable=False),
    Column("confidence", Float, nullable=False),
    Column("origin", String(16), nullable=False),  # annotation | dictionary | ticker | pattern | pos
    Column("role", Text, nullable=False, default=""),
    Column("org", Text, nullable=False, default=""),
    Index("ix_mentions_article", "article_id"),
    Index("ix_mentions_key", "kind", "key"),
)

moves = Table(
    "moves",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("person", Text, nullable=False),
    Column("org_key", Text, nullable=False),
    Column("org", Text, nullable=False),
    Column("role", Text, nullable=False, default=""),
    Column("unit", Text, nullable=False, default=""),
    Column("when", String(10)),  # ISO, as precise as the text: 2021, 2021-08, 2021-08-15
    Column("when_text", Text, nullable=False, default=""),
    Column("destination", Text, nullable=False, default=""),
    Column("evidence", Text, nullable=False, default=""),
    Column("confidence", Float, nullable=False),
    Index("ix_moves_key", "person", "org_key", unique=True),
)

move_reports = Table(
    "move_reports",
    metadata,
    Column("move_id", Integer, primary_key=True),
    Column("article_id", Integer, primary_key=True),
    Column("evidence", Text, nullable=False, default=""),
)
