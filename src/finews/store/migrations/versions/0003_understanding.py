"""Understanding: duplicate links, stories, entity mentions and executive moves.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("articles") as batch:
        batch.add_column(sa.Column("duplicate_of", sa.Integer))
        batch.add_column(sa.Column("story_id", sa.Integer))
        batch.add_column(sa.Column("fingerprint", sa.LargeBinary))
    op.create_index("ix_articles_duplicate_of", "articles", ["duplicate_of"])
    op.create_index("ix_articles_story_id", "articles", ["story_id"])
    op.create_table(
        "stories",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("size", sa.Integer, nullable=False),
        sa.Column("first_at", sa.DateTime),
        sa.Column("last_at", sa.DateTime),
        sa.Column("state", sa.Text, nullable=False),
    )
    op.create_table(
        "mentions",
        sa.Column("article_id", sa.Integer, nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("key", sa.Text, nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("field", sa.String(16), nullable=False),
        sa.Column("start", sa.Integer, nullable=False),
        sa.Column("end", sa.Integer, nullable=False),
        sa.Column("confidence", sa.Float, nullable=False),
        sa.Column("origin", sa.String(16), nullable=False),
        sa.Column("role", sa.Text, nullable=False, server_default=""),
        sa.Column("org", sa.Text, nullable=False, server_default=""),
    )
    op.create_index("ix_mentions_article", "mentions", ["article_id"])
    op.create_index("ix_mentions_key", "mentions", ["kind", "key"])
    op.create_table(
        "moves",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("person", sa.Text, nullable=False),
        sa.Column("org_key", sa.Text, nullable=False),
        sa.Column("org", sa.Text, nullable=False),
        sa.Column("role", sa.Text, nullable=False, server_default=""),
        sa.Column("unit", sa.Text, nullable=False, server_default=""),
        sa.Column("when", sa.String(10)),
        sa.Column("when_text", sa.Text, nullable=False, server_default=""),
        sa.Column("destination", sa.Text, nullable=False, server_default=""),
        sa.Column("evidence", sa.Text, nullable=False, server_default=""),
        sa.Column("confidence", sa.Float, nullable=False),
    )
    op.create_index("ix_moves_key", "moves", ["person", "org_key"], unique=True)
    op.create_table(
        "move_reports",
        sa.Column("move_id", sa.Integer, primary_key=True),
        sa.Column("article_id", sa.Integer, primary_key=True),
        sa.Column("evidence", sa.Text, nullable=False, server_default=""),
    )


def downgrade() -> None:
    op.drop_table("move_reports")
    op.drop_table("moves")
    op.drop_table("mentions")
    op.drop_table("stories")
    op.drop_index("ix_articles_story_id", "articles")
    op.drop_index("ix_articles_duplicate_of", "articles")
    with op.batch_alter_table("articles") as batch:
        batch.drop_column("fingerprint")
        batch.drop_column("story_id")
        batch.drop_column("duplicate_of")
