"""indexes for the dashboard's daily series (instances completed, started per day) and the heat map (task_id)

Revision ID: charts_dashboard_indexes
Revises: lead_instance_list_indexes
"""

from __future__ import annotations

from alembic import op

revision = "charts_dashboard_indexes"
down_revision = "lead_instance_list_indexes"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_events_task_seq", "events", ["task_id", "seq"], unique=False)
    op.create_index("ix_instances_status_ended", "instances", ["status", "ended_at"], unique=False)
    # ix_instances_started (started_at, id) serves the started-per-day series: lead_instance_list_indexes made it


def downgrade() -> None:
    op.drop_index("ix_instances_status_ended", table_name="instances")
    op.drop_index("ix_events_task_seq", table_name="events")
