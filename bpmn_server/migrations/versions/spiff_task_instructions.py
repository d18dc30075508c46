"""spiff-arena's instructionsForEndUser: the rendered instructions of a user task

Revision ID: spiff_task_instructions
Revises: c7ext_camunda_fields
Create Date: 2026-12-03 14:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "spiff_task_instructions"
down_revision = "cockpit_task_filters"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("tasks") as batch:
        batch.add_column(sa.Column("instructions", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("tasks") as batch:
        batch.drop_column("instructions")
