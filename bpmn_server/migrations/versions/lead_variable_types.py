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


# Plain ALTER TABLE (no batch mode): SQLite adds and drops the column in place (3.35+), where a batch copy
# of `instances` would have to drop a table other tables' foreign keys point to.
def upgrade() -> None:
    op.add_column("instances", sa.Column("variable_types", sa.JSON(), nullable=True))


def downgrade() -> None:
    op.drop_column("instances", "variable_types")
