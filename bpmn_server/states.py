"""Statuses and roles, each defined once. String Enums: they compare equal to, and are stored as, their
values, so rows, JSON and the API keep the plain strings of CONTRACT.md."""

from __future__ import annotations

from enum import StrEnum


class InstanceStatus(StrEnum):
    RUNNING = "running"
    COMPLETED = "completed"
    CANCELLED = "cancelled"
    FAILED = "failed"
    SUSPENDED = "suspended"


ENDED = (InstanceStatus.COMPLETED, InstanceStatus.CANCELLED)


class TaskStatus(StrEnum):
    OPEN = "open"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


class ExternalTaskState(StrEnum):
    OPEN = "open"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


class IncidentStatus(StrEnum):
    OPEN = "open"
    RESOLVED = "resolved"


class TimerState(StrEnum):
    WAITING = "waiting"
    FIRED = "fired"
    CANCELLED = "cancelled"
    DISCARDED = "discarded"


class Role(StrEnum):
    """A user's one role (CONTRACT.md, Roles); `approver` approves proposed deployments (docs/GOVERNANCE.md)."""

    ADMIN = "admin"
    ANALYST = "analyst"
    OPERATOR = "operator"
    AUDITOR = "auditor"
    APPROVER = "approver"


ROLES = tuple(role.value for role in Role)
READ_ALL = (Role.ADMIN, Role.ANALYST, Role.AUDITOR)  # roles that see every instance and task
WORKERS = (Role.ADMIN, Role.OPERATOR)  # roles that may hold a task
STARTERS_EXEMPT = (Role.ADMIN, Role.ANALYST)  # start any process, whatever its candidate starters say
MAY_START = (Role.ADMIN, Role.ANALYST, Role.OPERATOR)


class BatchAction(StrEnum):
    """What a batch does to each of its instances (services/batches.py): the single-instance service of
    the same name, with the same rules."""

    RETRY = "retry"
    CANCEL = "cancel"
    SUSPEND = "suspend"
    RESUME = "resume"
    MIGRATE = "migrate"
    MODIFY = "modify"


class BatchStatus(StrEnum):
    RUNNING = "running"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


class BatchItemStatus(StrEnum):
    PENDING = "pending"
    OK = "ok"
    ERROR = "error"
    SKIPPED = "skipped"  # the batch was cancelled before its turn
