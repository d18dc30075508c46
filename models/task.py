from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .base import UTCDateTime, db, utcnow


class Task(db.Model):
    """A user task, derived from the instance step. The id is SpiffWorkflow's task id."""

    __tablename__ = "tasks"
    __table_args__ = (
        # The task list's order, with `id` as the last key of the cursor: one index scan serves a page. The
        # visibility columns follow, so a page's ids are found in the index alone (services/pagination.py:
        # page_narrow), without reading the wide rows it passes over for an operator.
        Index("ix_tasks_status_due_visible", "status", "due_sort", "created_at", "id", "assignee", "completed_by",
              "open_to_all"),
        # "My tasks" and one process's tasks, each already in list order.
        Index("ix_tasks_assignee_status_due", "assignee", "status", "due_sort", "created_at", "id"),
        Index("ix_tasks_process_status_due", "process", "status", "due_sort", "created_at", "id"),
        Index("ix_tasks_instance_status", "instance_id", "status"),
        # Which instances have a task open to every operator (an operator's instance list).
        Index("ix_tasks_open_to_all_instance", "open_to_all", "instance_id"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    instance_id: Mapped[str] = mapped_column(ForeignKey("instances.id"))
    process: Mapped[str] = mapped_column(String(255))
    business_key: Mapped[str | None] = mapped_column(String(255), nullable=True)
    activity: Mapped[str] = mapped_column(String(255))
    name: Mapped[str] = mapped_column(String(255))
    status: Mapped[str] = mapped_column(String(20))
    assignee: Mapped[str | None] = mapped_column(String(200), nullable=True)
    candidate_groups: Mapped[list] = mapped_column(JSON, default=list)
    candidate_users: Mapped[list] = mapped_column(JSON, default=list)
    open_to_all: Mapped[bool] = mapped_column(default=False)
    due_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # due_at with NULL pushed last, so one index serves "oldest due first, then oldest created".
    due_sort: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    priority: Mapped[int] = mapped_column(Integer, default=50)
    form: Mapped[dict | None] = mapped_column(JSON, nullable=True)
    # camunda:formKey / formRef: the form the process expects (the generated `form` needs camunda:formData).
    form_key: Mapped[str | None] = mapped_column(String(500), nullable=True)
    # spiff-arena's instructionsForEndUser, rendered when the task was created (markdown source).
    instructions: Mapped[str | None] = mapped_column(Text, nullable=True)
    follow_up_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    claimed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    completed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    completed_by: Mapped[str | None] = mapped_column(String(200), nullable=True)


class TaskCandidate(db.Model):
    """One candidate group or user of a task (the task list query joins on this index), or one user
    who held it (`holder`: assigned, claimed or completed it), kept after the task ends: together
    they say which instances an operator may read (services/visibility.py)."""

    __tablename__ = "task_candidates"
    __table_args__ = (
        Index("ix_task_candidates_lookup", "kind", "value", "task_id"),
        # The instances offered to or held by a user or group, read from the index alone.
        Index("ix_task_candidates_instance", "kind", "value", "instance_id"),
    )

    task_id: Mapped[str] = mapped_column(ForeignKey("tasks.id", ondelete="CASCADE"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(10), primary_key=True)  # group | user | holder
    instance_id: Mapped[str] = mapped_column(String(36))  # the task's, so that no join to tasks is needed
    value: Mapped[str] = mapped_column(String(200), primary_key=True)
