"""indexes for the dashboard's daily series (instances completed, started per day) and the heat map (task_id)

Revision ID: charts_dashboard_indexes
Revises: c8forms_form_definitions
"""

from __future__ import annotations

from alembic import op

revision = "charts_dashboard_indexes"
down_revision = "c8forms_form_definitions"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_events_task_seq", "events", ["task_id", "seq"], unique=False)
    op.create_index("ix_instances_status_ended", "instances", ["status", "ended_at"], unique=False)
    op.create_index("ix_instances_started", "instances", ["started_at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_instances_started", table_name="instances")
    op.drop_index("ix_instances_status_ended", table_name="instances")
    op.drop_index("ix_events_task_seq", table_name="events")
