"""Camunda 7 task fields: form key and follow-up date of user tasks, priority of external tasks

Revision ID: c7ext_camunda_fields
Revises: 319420a26461
Create Date: 2026-12-03 10:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import models.base

revision = "c7ext_camunda_fields"
down_revision = 'a3f1c9d2e7b4'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("tasks") as batch:
        batch.add_column(sa.Column("form_key", sa.String(length=500), nullable=True))
        batch.add_column(sa.Column("follow_up_at", models.base.UTCDateTime(), nullable=True))
    with op.batch_alter_table("external_tasks") as batch:
        batch.add_column(sa.Column("priority", sa.Integer(), nullable=False, server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("external_tasks") as batch:
        batch.drop_column("priority")
    with op.batch_alter_table("tasks") as batch:
        batch.drop_column("follow_up_at")
        batch.drop_column("form_key")
