"""tokens can expire

Revision ID: faults_token_expiry
Revises: 319420a26461
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import models.base

revision = 'faults_token_expiry'
down_revision = '319420a26461'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('users') as batch:
        batch.add_column(sa.Column('token_expires_at', models.base.UTCDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('users') as batch:
        batch.drop_column('token_expires_at')
