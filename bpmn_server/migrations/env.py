"""Alembic environment: runs on the connection that bpmn_server.db.upgrade hands over."""

from __future__ import annotations

from alembic import context

from models import db

config = context.config
connection = config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through `bpmn-server db upgrade`, which provides the connection")

context.configure(connection=connection, target_metadata=db.metadata, render_as_batch=True,
                  compare_type=True)
with context.begin_transaction():
    context.run_migrations()
