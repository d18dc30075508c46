"""the task list's index also holds the visibility columns (assignee, completed_by, open_to_all): an operator's
page of ids is found in the index alone, without reading the wide rows it passes over

Revision ID: lead_task_list_cover
Revises: lead_variable_types
"""

from __future__ import annotations

from alembic import op

revision = "lead_task_list_cover"
down_revision = "lead_variable_types"
branch_labels = None
depends_on = None


# Plain CREATE/DROP INDEX (no batch mode): SQLite runs them as they are, without copying the table.
def upgrade() -> None:
    op.create_index("ix_tasks_status_due_visible", "tasks", ["status", "due_sort", "created_at", "id", "assignee",
                                                             "completed_by", "open_to_all"], unique=False)
    op.drop_index("ix_tasks_status_due_created", table_name="tasks")


def downgrade() -> None:
    op.create_index("ix_tasks_status_due_created", "tasks", ["status", "due_sort", "created_at", "id"], unique=False)
    op.drop_index("ix_tasks_status_due_visible", table_name="tasks")
