"""form definitions: deployed Camunda Forms (.form files), versioned per form id

Revision ID: c8forms_form_definitions
Revises: spiff_task_instructions
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import models.base

revision = "c8forms_form_definitions"
down_revision = "spiff_task_instructions"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "form_definitions",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("deployment_id", sa.String(length=36), nullable=False),
        sa.Column("created_at", models.base.UTCDateTime(), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=True),
        sa.Column("body", sa.LargeBinary(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(["deployment_id"], ["deployments.id"],
                                name=op.f("fk_form_definitions_deployment_id_deployments")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_form_definitions")),
        sa.UniqueConstraint("key", "version", name="uq_form_definitions_key_version"),
    )
    with op.batch_alter_table("form_definitions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_form_definitions_deployment_id"), ["deployment_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_form_definitions_key"), ["key"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("form_definitions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_form_definitions_key"))
        batch_op.drop_index(batch_op.f("ix_form_definitions_deployment_id"))
    op.drop_table("form_definitions")
