"""instances keep the Camunda types their clients declared for variables whose JSON value does not tell them
(a Long or Short that fits 32 bits, a String that reads as a Date)

Revision ID: lead_variable_types
Revises: zeebe_error_details
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "lead_variable_types"
down_revision = "zeebe_error_details"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("instances", schema=None) as batch_op:
        batch_op.add_column(sa.Column("variable_types", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("instances", schema=None) as batch_op:
        batch_op.drop_column("variable_types")
