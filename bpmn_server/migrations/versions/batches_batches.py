"""batches: bulk actions on instances, run in the background with their progress per instance

Revision ID: batches_batches
Revises: charts_dashboard_indexes
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import models.base

revision = "batches_batches"
down_revision = "charts_dashboard_indexes"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "batches",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("action", sa.String(length=20), nullable=False),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("selection", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("created_at", models.base.UTCDateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("ended_at", models.base.UTCDateTime(), nullable=True),
        sa.Column("cancelled_by", sa.String(length=200), nullable=True),
        sa.Column("cancel_reason", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_batches")),
    )
    op.create_index("ix_batches_status_created", "batches", ["status", "created_at"])
    op.create_index("ix_batches_created", "batches", ["created_at", "id"])
    op.create_table(
        "batch_items",
        sa.Column("batch_id", sa.String(length=36), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("instance_id", sa.String(length=36), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("problem", sa.JSON(), nullable=True),
        sa.Column("finished_at", models.base.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["batch_id"], ["batches.id"], name=op.f("fk_batch_items_batch_id_batches"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("batch_id", "position", name=op.f("pk_batch_items")),
    )
    op.create_index("ix_batch_items_batch_status", "batch_items", ["batch_id", "status", "position"])


def downgrade() -> None:
    op.drop_index("ix_batch_items_batch_status", table_name="batch_items")
    op.drop_table("batch_items")
    op.drop_index("ix_batches_created", table_name="batches")
    op.drop_index("ix_batches_status_created", table_name="batches")
    op.drop_table("batches")
