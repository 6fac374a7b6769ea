"""Stories are events, linked into storylines: stories.thread_id names the storyline of each event.

A storyline is known by the id of its first event. Stories archived before this revision were
clustered as topics, not events; each becomes a storyline of its own.

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("stories", sa.Column("thread_id", sa.Integer()))
    op.execute("UPDATE stories SET thread_id = id")
    op.create_index("ix_stories_thread_id", "stories", ["thread_id"])


def downgrade() -> None:
    op.drop_index("ix_stories_thread_id", table_name="stories")
    op.drop_column("stories", "thread_id")
