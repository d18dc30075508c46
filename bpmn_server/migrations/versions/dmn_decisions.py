"""decision definitions (DMN)

Revision ID: 7d3e5a1c9b20
Revises: 319420a26461
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import models.base

revision = "7d3e5a1c9b20"
down_revision = "faults_token_expiry"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "decision_definitions",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("deployment_id", sa.String(length=36), nullable=False),
        sa.Column("created_at", models.base.UTCDateTime(), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=True),
        sa.Column("xml", sa.LargeBinary(), nullable=False),
        sa.Column("xml_sha256", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(["deployment_id"], ["deployments.id"],
                                name=op.f("fk_decision_definitions_deployment_id_deployments")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_decision_definitions")),
        sa.UniqueConstraint("key", "version", name="uq_decision_definitions_key_version"),
    )
    with op.batch_alter_table("decision_definitions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_decision_definitions_deployment_id"), ["deployment_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_decision_definitions_key"), ["key"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("decision_definitions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_decision_definitions_key"))
        batch_op.drop_index(batch_op.f("ix_decision_definitions_deployment_id"))
    op.drop_table("decision_definitions")
