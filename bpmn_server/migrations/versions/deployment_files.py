"""deployment files: the files of a deployment that made no process definition (no executable process)

Revision ID: deployment_files
Revises: cache_generations
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import models.base

revision = "deployment_files"
down_revision = "cache_generations"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "deployment_files",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("deployment_id", sa.String(length=36), nullable=False),
        sa.Column("created_at", models.base.UTCDateTime(), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("notes", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["deployment_id"], ["deployments.id"],
                                name=op.f("fk_deployment_files_deployment_id_deployments")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deployment_files")),
    )
    op.create_index(op.f("ix_deployment_files_deployment_id"), "deployment_files", ["deployment_id"])
    op.create_index(op.f("ix_deployment_files_sha256"), "deployment_files", ["sha256"])


def downgrade() -> None:
    op.drop_index(op.f("ix_deployment_files_sha256"), table_name="deployment_files")
    op.drop_index(op.f("ix_deployment_files_deployment_id"), table_name="deployment_files")
    op.drop_table("deployment_files")
