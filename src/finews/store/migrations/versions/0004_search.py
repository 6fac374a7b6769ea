"""Chinese full-text search: an FTS5 table of jieba-cut words, filled for the articles already archived.

Revision ID: 0004
Revises: 0003
"""

from typing import Any

import sqlalchemy as sa
from alembic import op

from finews.model import Article
from finews.store import search_sqlite as search

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        return
    for statement in search.CREATE:
        op.execute(statement)
    batch = []
    # only the columns this revision knows, so later revisions of the table cannot break it
    rows: sa.CursorResult[Any] = bind.execute(
        sa.select(
            sa.column("id"), sa.column("source"), sa.column("url"), sa.column("title"), sa.column("summary"),
            sa.column("content_html"), sa.column("published_at", sa.DateTime), sa.column("fetched_at", sa.DateTime),
            sa.column("duplicate_of"),
        ).select_from(sa.table("articles"))
    )  # fmt: skip
    for row in rows:
        batch.append(Article(id=row.id, source=row.source, url=row.url, title=row.title, summary=row.summary,
                             content_html=row.content_html, published=row.published_at, fetched_at=row.fetched_at,
                             duplicate_of=row.duplicate_of))  # fmt: skip
        if len(batch) >= 500:
            search.update_index(bind, batch)
            batch = []
    search.update_index(bind, batch)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TABLE IF EXISTS articles_fts")
        op.execute("DROP TABLE IF EXISTS search_docs")
