"""External tasks for Camunda workers: fetchAndLock (with long polling and Camunda's filters), lock, complete,
failure (its errorDetails kept apart), bpmnError, extendLock, unlock. The lease, retries and incidents are those of
/api/external-tasks."""

from __future__ import annotations

import time
from typing import Any

from flask import Response, request
from marshmallow import fields, validate

from ...auth import current_user
from ...exceptions import BadRequest, Conflict, NotFound
from ...services import external_tasks
from .base import Lenient, camunda_time, endpoint, no_content
from .variables import declared_types, from_typed, to_typed

WEEK_MS = 7 * 24 * 3600 * 1000
# Long polling holds a server thread (or a whole process under `--threads 1`, where gunicorn restarts a
# worker busy for 30 s): a poll waits at most this long, and the worker simply asks again.
MAX_WAIT_MS = 20_000
POLL_FIRST_SLEEP, POLL_MAX_SLEEP = 0.05, 0.5  # seconds between looks while a poll waits
ERROR_LIMIT = 4000


class TopicBody(Lenient):
    topic_name = fields.String(data_key="topicName", required=True, validate=validate.Length(1, 255))
    lock_duration = fields.Integer(data_key="lockDuration", required=True, validate=validate.Range(1, WEEK_MS))
    variables = fields.List(fields.String(), load_default=None, allow_none=True)
    local_variables = fields.Boolean(data_key="localVariables", load_default=False)
    # Filters: a task of the topic is fetched only when its instance matches them all.
    process_variables = fields.Dict(keys=fields.String(), data_key="processVariables", load_default=None,
                                    allow_none=True)
    business_key = fields.String(data_key="businessKey", load_default=None, allow_none=True)
    definition_id = fields.String(data_key="processDefinitionId", load_default=None, allow_none=True)
    definition_id_in = fields.List(fields.String(), data_key="processDefinitionIdIn", load_default=None,
                                   allow_none=True)
    definition_key = fields.String(data_key="processDefinitionKey", load_default=None, allow_none=True)
    definition_key_in = fields.List(fields.String(), data_key="processDefinitionKeyIn", load_default=None,
                                    allow_none=True)
    # Refused when set, so that a worker never takes a task it filtered out: there are no version tags to match.
    version_tag = fields.Raw(data_key="processDefinitionVersionTag", load_default=None)


UNSUPPORTED_FILTERS = {"version_tag": "processDefinitionVersionTag"}


class FetchBody(Lenient):
    worker_id = fields.String(data_key="workerId", required=True, validate=validate.Length(1, 255))
    max_tasks = fields.Integer(data_key="maxTasks", load_default=1, validate=validate.Range(0, 500))
    topics = fields.List(fields.Nested(TopicBody), load_default=list, validate=validate.Length(max=100))
    async_response_timeout = fields.Integer(data_key="asyncResponseTimeout", load_default=0,
                                            validate=validate.Range(0, 1_800_000))


class WorkerBody(Lenient):
    worker_id = fields.String(data_key="workerId", required=True, validate=validate.Length(1, 255))
    variables = fields.Raw(load_default=None)
    local_variables = fields.Raw(data_key="localVariables", load_default=None)


class FailureBody(WorkerBody):
    error_message = fields.String(data_key="errorMessage", load_default="", allow_none=True)
    error_details = fields.String(data_key="errorDetails", load_default=None, allow_none=True)
    retries = fields.Integer(required=True, validate=validate.Range(min=0, max=2**31 - 1))
    retry_timeout = fields.Integer(data_key="retryTimeout", load_default=0, validate=validate.Range(0, 30 * WEEK_MS))


class BpmnErrorBody(WorkerBody):
    error_code = fields.String(data_key="errorCode", required=True, validate=validate.Length(1, 255))
    error_message = fields.String(data_key="errorMessage", load_default=None, allow_none=True)


class LockBody(Lenient):
    worker_id = fields.String(data_key="workerId", required=True, validate=validate.Length(1, 255))
    lock_duration = fields.Integer(data_key="lockDuration", required=True, validate=validate.Range(1, WEEK_MS))


class ExtendBody(Lenient):
    worker_id = fields.String(data_key="workerId", required=True, validate=validate.Length(1, 255))
    new_duration = fields.Integer(data_key="newDuration", required=True, validate=validate.Range(1, WEEK_MS))


def locked_dto(task: dict[str, Any], names: list[str] | None, local_only: bool) -> dict[str, Any]:
    """Camunda's LockedExternalTaskDto (variables typed; only the topic's `variables` when it lists them)."""
    return {"activityId": task["activity"], "activityInstanceId": None, "errorMessage": task["error_message"],
            "errorDetails": task.get("error_details"), "executionId": task["instance_id"], "id": task["id"],
            "lockExpirationTime": camunda_time(task["lock_expires_at"]),
            "processDefinitionId": task.get("definition_id"),
            "processDefinitionKey": task["process"], "processDefinitionVersionTag": None,
            "processInstanceId": task["instance_id"], "retries": task["retries"], "suspended": False,
            "workerId": task["worker_id"], "topicName": task["topic"], "tenantId": None,
            "priority": task.get("priority", 0), "businessKey": task["business_key"],
            "extensionProperties": task.get("headers") or {},
            "variables": {} if local_only else to_typed(task["variables"], names, task.get("variable_types"))}


def _task_errors(exc: Exception) -> tuple[int, str, str] | None:
    """Camunda deletes a finished external task (404); a lock held by someone else is a bad request (400)."""
    task_id = (request.view_args or {}).get("task_id", "")
    if isinstance(exc, NotFound) or (isinstance(exc, Conflict) and "state" in exc.extra):
        return 404, "RestException", f"External task with id {task_id} does not exist"
    if isinstance(exc, Conflict):
        return 400, "BadUserRequestException", str(exc)
    return None


def _topics(body: dict[str, Any]) -> list[dict[str, Any]]:
    for topic in body["topics"]:
        used = [name for key, name in UNSUPPORTED_FILTERS.items() if topic[key] not in (None, [], {}, "")]
        if used:
            raise BadRequest(f"topic '{topic['topic_name']}': the filters {', '.join(used)} are not supported; "
                             "fetch by topic name")
    return [{"name": t["topic_name"], "lock_duration_ms": t["lock_duration"], "business_key": t["business_key"],
             "process_keys": [k for k in [t["definition_key"], *(t["definition_key_in"] or [])] if k],
             "definition_ids": [i for i in [t["definition_id"], *(t["definition_id_in"] or [])] if i],
             "process_variables": t["process_variables"] or {}} for t in body["topics"]]


def _no_local(body: dict[str, Any]) -> dict[str, Any]:
    if body["local_variables"]:
        raise BadRequest("localVariables are only taken on complete")
    return from_typed(body["variables"])


@endpoint("/external-task/fetchAndLock", ["POST"], summary="lease up to maxTasks tasks of the topics to the worker;"
          f" with asyncResponseTimeout, wait for one (long polling, at most {MAX_WAIT_MS // 1000} s)",
          permission="external_tasks.work", body=FetchBody)
def external_task_fetch(body: dict[str, Any]) -> Any:
    topics = _topics(body)
    if not topics or body["max_tasks"] == 0:
        return []
    by_topic = {t["topic_name"]: t for t in body["topics"]}
    deadline = time.monotonic() + min(body["async_response_timeout"], MAX_WAIT_MS) / 1000
    pause = POLL_FIRST_SLEEP
    while True:
        found = external_tasks.fetch_and_lock(body["worker_id"], topics, body["max_tasks"])
        left = deadline - time.monotonic()
        if found or left <= 0:
            break
        time.sleep(min(pause, left))
        pause = min(pause * 2, POLL_MAX_SLEEP)
    return [locked_dto(t, by_topic[t["topic"]]["variables"], by_topic[t["topic"]]["local_variables"]) for t in found]


@endpoint("/external-task/<task_id>/complete", ["POST"], summary="complete a task the worker holds, with typed "
          "variables", permission="external_tasks.work", body=WorkerBody, errors=_task_errors, status=204)
def external_task_complete(task_id: str, body: dict[str, Any]) -> Any:
    external_tasks.complete(task_id, body["worker_id"], current_user().name, from_typed(body["variables"]),
                            local=from_typed(body["local_variables"], "localVariables"),
                            types=declared_types(body["variables"]))
    return no_content()


@endpoint("/external-task/<task_id>/failure", ["POST"], summary="report a failure: retry after retryTimeout ms; "
          "retries 0 raises an incident", permission="external_tasks.work", body=FailureBody, errors=_task_errors,
          status=204)
def external_task_failure(task_id: str, body: dict[str, Any]) -> Any:
    if _no_local(body):
        raise BadRequest("variables on a failure are not supported; complete the task to set variables")
    # The message and the details stay apart, as in Camunda (the details at GET .../errorDetails).
    external_tasks.failure(task_id, body["worker_id"], current_user().name, (body["error_message"] or "")[:ERROR_LIMIT],
                           body["retries"], body["retry_timeout"], details=body["error_details"] or None)
    return no_content()


@endpoint("/external-task/<task_id>/errorDetails", ["GET"], summary="the error details of the latest failure "
          "(text; empty when none was reported)", permission="external_tasks.work", errors=_task_errors,
          produces="text/plain")
def external_task_error_details(task_id: str) -> Any:
    return Response(external_tasks.get(task_id)["error_details"] or "", mimetype="text/plain")


@endpoint("/external-task/<task_id>/lock", ["POST"], summary="lock one task by id for the worker for lockDuration "
          "ms (400 when another worker holds it)", permission="external_tasks.work", body=LockBody,
          errors=_task_errors, status=204)
def external_task_lock(task_id: str, body: dict[str, Any]) -> Any:
    external_tasks.lock(task_id, body["worker_id"], body["lock_duration"])
    return no_content()


@endpoint("/external-task/<task_id>/bpmnError", ["POST"], summary="throw a BPMN error (errorCode) for an error "
          "boundary event", permission="external_tasks.work", body=BpmnErrorBody, errors=_task_errors, status=204)
def external_task_bpmn_error(task_id: str, body: dict[str, Any]) -> Any:
    external_tasks.bpmn_error(task_id, body["worker_id"], current_user().name, body["error_code"],
                              (body["error_message"] or "")[:ERROR_LIMIT] or None, _no_local(body))
    return no_content()


@endpoint("/external-task/<task_id>/extendLock", ["POST"], summary="extend the worker's lock to now + newDuration ms",
          permission="external_tasks.work", body=ExtendBody, errors=_task_errors, status=204)
def external_task_extend_lock(task_id: str, body: dict[str, Any]) -> Any:
    external_tasks.extend_lock(task_id, body["worker_id"], body["new_duration"])
    return no_content()


@endpoint("/external-task/<task_id>/unlock", ["POST"], summary="release the lock, whoever holds it",
          permission="external_tasks.work", errors=_task_errors, status=204)
def external_task_unlock(task_id: str) -> Any:
    external_tasks.unlock(task_id)
    return no_content()
