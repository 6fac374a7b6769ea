"""Search that finds what Ctrl+F finds: the index holds CJK bigrams and whole tokens, not jieba words.

The index tables are dropped, made again in the layout of :mod:`finews.store.search_terms` and
filled for every archived article, on SQLite and on PostgreSQL. Going back is not offered: the
previous layout was filled by code this release no longer has.

Revision ID: 0007
Revises: 0006
"""

from typing import Any

import sqlalchemy as sa
from alembic import op

from finews.model import Article
from finews.store import search_pg, search_sqlite

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

BATCH = 500


def upgrade() -> None:
    bind = op.get_bind()
    backend = search_pg if bind.dialect.name == "postgresql" else search_sqlite
    for statement in (*backend.DROP, *backend.CREATE):
        op.execute(statement)
    # only the columns this revision knows, so later revisions of the table cannot break it
    columns: list[sa.ColumnClause[Any]] = [
        sa.column(name) for name in ("id", "source", "url", "title", "summary", "content_html", "duplicate_of")
    ]
    columns += [sa.column("published_at", sa.DateTime), sa.column("fetched_at", sa.DateTime)]
    last = 0
    while True:
        rows = bind.execute(
            sa.select(*columns).select_from(sa.table("articles"))
            .where(sa.column("id") > last).order_by(sa.column("id")).limit(BATCH)
        ).all()  # fmt: skip
        if not rows:
            return
        batch = [
            Article(id=row.id, source=row.source, url=row.url, title=row.title, summary=row.summary,
                    content_html=row.content_html, published=row.published_at, fetched_at=row.fetched_at,
                    duplicate_of=row.duplicate_of)
            for row in rows
        ]  # fmt: skip
        backend.update_index(bind, batch)
        last = rows[-1].id


def downgrade() -> None:
    raise NotImplementedError("the search index cannot be made again in the layout of revision 0006")
