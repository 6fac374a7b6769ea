"""Alembic environment: finews passes its own connection, so no URL lives in an ini file."""

from alembic import context

from finews.store.schema import metadata

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
