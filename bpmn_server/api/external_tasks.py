"""External workers: fetch-and-lock service tasks, then complete them or report failures."""

from __future__ import annotations

from typing import Any

from flask import Blueprint

from ..auth import current_user
from ..services import external_tasks
from .base import route
from .integration_schemas import (
    ExtendLockSchema,
    ExternalBpmnErrorSchema,
    ExternalCompleteSchema,
    ExternalFailureSchema,
    ExternalTaskListSchema,
    ExternalTaskSchema,
    FetchAndLockSchema,
)

bp = Blueprint("external_tasks", __name__, url_prefix="/api/external-tasks")


@route(bp, "/fetch-and-lock", ["POST"], summary="Lease up to max_tasks open tasks of the topics to a worker",
       permission="external_tasks.work", body=FetchAndLockSchema, response=ExternalTaskListSchema)
def fetch_and_lock(body: dict[str, Any]) -> Any:
    return {"items": external_tasks.fetch_and_lock(body["worker_id"], body["topics"], body["max_tasks"])}


@route(bp, "/<task_id>/complete", ["POST"], summary="Complete a task the worker holds (repeating it is harmless)",
       permission="external_tasks.work", body=ExternalCompleteSchema, response=ExternalTaskSchema)
def complete(task_id: str, body: dict[str, Any]) -> Any:
    return external_tasks.complete(task_id, body["worker_id"], current_user().name, body["variables"])


@route(bp, "/<task_id>/failure", ["POST"], summary="Report a failed attempt: retry after retry_timeout_ms; "
       "retries 0 parks the task with an incident", permission="external_tasks.work", body=ExternalFailureSchema,
       response=ExternalTaskSchema)
def failure(task_id: str, body: dict[str, Any]) -> Any:
    return external_tasks.failure(task_id, body["worker_id"], current_user().name, body["error"], body["retries"],
                                  body["retry_timeout_ms"])


@route(bp, "/<task_id>/bpmn-error", ["POST"], summary="Throw a BPMN error from the task, for an error boundary "
       "event", permission="external_tasks.work", body=ExternalBpmnErrorSchema, response=ExternalTaskSchema)
def bpmn_error(task_id: str, body: dict[str, Any]) -> Any:
    return external_tasks.bpmn_error(task_id, body["worker_id"], current_user().name, body["code"], body["message"],
                                     body["variables"])


@route(bp, "/<task_id>/extend-lock", ["POST"], summary="Extend the worker's lease to now + new_duration_ms",
       permission="external_tasks.work", body=ExtendLockSchema, response=ExternalTaskSchema)
def extend_lock(task_id: str, body: dict[str, Any]) -> Any:
    return external_tasks.extend_lock(task_id, body["worker_id"], body["new_duration_ms"])
