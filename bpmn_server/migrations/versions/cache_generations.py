"""cache generations: a token per kind of cached shared data (process definitions, webhooks)

Revision ID: cache_generations
Revises: lead_task_list_cover
"""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from alembic import op

revision = "cache_generations"
down_revision = "lead_task_list_cover"
branch_labels = None
depends_on = None


def upgrade() -> None:
    table = op.create_table(
        "cache_generations",
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("value", sa.String(length=36), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )
    op.bulk_insert(table, [{"name": n, "value": str(uuid.uuid4())} for n in ("definitions", "webhooks")])


def downgrade() -> None:
    op.drop_table("cache_generations")
