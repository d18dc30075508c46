"""external tasks keep a failure's error details apart from its message (Camunda 7's errorDetails)

Revision ID: zeebe_error_details
Revises: batches_batches
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "zeebe_error_details"
down_revision = "batches_batches"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("external_tasks", schema=None) as batch_op:
        batch_op.add_column(sa.Column("error_details", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("external_tasks", schema=None) as batch_op:
        batch_op.drop_column("error_details")
