"""Chinese full-text search on PostgreSQL: a GIN-indexed tsvector of jieba-cut words, filled for the archive.

SQLite got its FTS5 table in 0004; this revision does nothing there.

Revision ID: 0005
Revises: 0004
"""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

from finews.model import Article
from finews.store import search_pg

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    for statement in search_pg.CREATE:
        op.execute(statement)
    # only the columns this revision knows, so later revisions of the table cannot break it
    rows: Sequence[Any] = bind.execute(
        sa.select(
            sa.column("id"), sa.column("source"), sa.column("url"), sa.column("title"), sa.column("summary"),
            sa.column("content_html"), sa.column("published_at", sa.DateTime), sa.column("fetched_at", sa.DateTime),
            sa.column("duplicate_of"),
        ).select_from(sa.table("articles")).order_by(sa.column("id"))
    ).all()  # fmt: skip
    for start in range(0, len(rows), 500):
        batch = [
            Article(id=row.id, source=row.source, url=row.url, title=row.title, summary=row.summary,
                    content_html=row.content_html, published=row.published_at, fetched_at=row.fetched_at,
                    duplicate_of=row.duplicate_of)
            for row in rows[start : start + 500]
        ]  # fmt: skip
        search_pg.update_index(bind, batch)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for statement in search_pg.DROP:
            op.execute(statement)
