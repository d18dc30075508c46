"""Saved task filters (issue 23): per user, optionally shared with a group

Revision ID: cockpit_task_filters
Revises: c7ext_camunda_fields
Create Date: 2026-12-03 14:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import models.base

revision = "cockpit_task_filters"
down_revision = "notify_outbox"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "task_filters",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("owner", sa.String(length=200), nullable=False),
        sa.Column("shared_group", sa.String(length=200), nullable=True),
        sa.Column("criteria", sa.JSON(), nullable=False),
        sa.Column("columns", sa.JSON(), nullable=False),
        sa.Column("sort", sa.String(length=20), nullable=False),
        sa.Column("created_at", models.base.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_task_filters_owner", "task_filters", ["owner"])
    op.create_index("ix_task_filters_group", "task_filters", ["shared_group"])


def downgrade() -> None:
    op.drop_index("ix_task_filters_group", table_name="task_filters")
    op.drop_index("ix_task_filters_owner", table_name="task_filters")
    op.drop_table("task_filters")
