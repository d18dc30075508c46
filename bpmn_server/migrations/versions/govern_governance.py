"""Governed change: idempotency keys, deployment approval, proposed files, process owners and feedback

Revision ID: govern_governance
Revises: c7ext_camunda_fields
Create Date: 2026-12-03 14:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import models.base

revision = "govern_governance"
down_revision = "c7ext_camunda_fields"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "idempotency_keys",
        sa.Column("user_name", sa.String(length=200), nullable=False),
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=True),
        sa.Column("content_type", sa.String(length=200), nullable=True),
        sa.Column("body", sa.LargeBinary(), nullable=True),
        sa.Column("created_at", models.base.UTCDateTime(), nullable=False),
        sa.Column("expires_at", models.base.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("user_name", "key", name=op.f("pk_idempotency_keys")),
    )
    op.create_index(op.f("ix_idempotency_keys_expires_at"), "idempotency_keys", ["expires_at"])
    # Plain ALTER TABLE, not batch mode: on SQLite batch mode copies the table, and dropping the old copy
    # fails while definitions refer to it.
    op.add_column("deployments", sa.Column("status", sa.String(length=20), nullable=False, server_default="approved"))
    op.add_column("deployments", sa.Column("decided_by", sa.String(length=200), nullable=True))
    op.add_column("deployments", sa.Column("decided_at", models.base.UTCDateTime(), nullable=True))
    op.add_column("deployments", sa.Column("decision_reason", sa.Text(), nullable=True))
    op.create_index(op.f("ix_deployments_status"), "deployments", ["status"])
    op.create_table(
        "proposed_files",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("deployment_id", sa.String(length=36), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(["deployment_id"], ["deployments.id"],
                                name=op.f("fk_proposed_files_deployment_id_deployments")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_proposed_files")),
    )
    op.create_index(op.f("ix_proposed_files_deployment_id"), "proposed_files", ["deployment_id"])
    op.create_table(
        "process_settings",
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("owner", sa.String(length=200), nullable=True),
        sa.Column("review_every", sa.String(length=50), nullable=True),
        sa.Column("last_reviewed_at", models.base.UTCDateTime(), nullable=True),
        sa.Column("last_reviewed_by", sa.String(length=200), nullable=True),
        sa.Column("created_at", models.base.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_process_settings")),
    )
    op.create_table(
        "process_feedback",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("process", sa.String(length=255), nullable=False),
        sa.Column("activity", sa.String(length=255), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("author", sa.String(length=200), nullable=False),
        sa.Column("created_at", models.base.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_process_feedback")),
    )
    op.create_index(op.f("ix_process_feedback_process"), "process_feedback", ["process"])


def downgrade() -> None:
    op.drop_index(op.f("ix_process_feedback_process"), table_name="process_feedback")
    op.drop_table("process_feedback")
    op.drop_table("process_settings")
    op.drop_index(op.f("ix_proposed_files_deployment_id"), table_name="proposed_files")
    op.drop_table("proposed_files")
    op.drop_index(op.f("ix_deployments_status"), table_name="deployments")
    for column in ("decision_reason", "decided_at", "decided_by", "status"):
        op.drop_column("deployments", column)  # SQLite 3.35+ drops a column in place
    op.drop_index(op.f("ix_idempotency_keys_expires_at"), table_name="idempotency_keys")
    op.drop_table("idempotency_keys")
