"""An index on articles.changed_at: a site build asks only for the articles changed since the last one.

Revision ID: 0006
Revises: 0005
"""

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_articles_changed_at", "articles", ["changed_at"])


def downgrade() -> None:
    op.drop_index("ix_articles_changed_at", table_name="articles")
