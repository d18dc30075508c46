"""The Camunda 8 Orchestration Cluster REST API under /v2, the subset job workers and simple clients use:
deployments, job activation (long polling), completion, failure, BPMN errors, process instance creation, message
publication and correlation; user tasks are in api/camunda8_tasks.py. Another client of the same services as /api
and /engine-rest (services/jobs.py); errors are RFC 9457 problem details, as Camunda 8 answers; HTTP Basic (user
name and token) or a bearer token.
Keys are decimal strings, as Camunda 8 clients expect (services/jobs.py: key_of).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Blueprint, Response, request
from marshmallow import EXCLUDE, Schema, fields, validate

from ..auth import current_user
from ..exceptions import BadRequest, UnsupportedMediaType
from ..services import approval, instances, jobs
from ..services.deployments import Upload
from .base import route
from .camunda import auth

bp = Blueprint("camunda8", __name__, url_prefix="/v2")
auth.install(bp)
TENANT = "<default>"
DAY_MS = 24 * 3600 * 1000


class LenientBody(Schema):
    class Meta:
        unknown = EXCLUDE  # tenant ids, fetchVariable and the like change nothing here


class ActivationBody(LenientBody):
    type = fields.String(required=True, validate=validate.Length(1, 255))
    worker = fields.String(load_default="default", validate=validate.Length(1, 255))
    timeout = fields.Integer(required=True, validate=validate.Range(1, 7 * DAY_MS))
    max_jobs = fields.Integer(data_key="maxJobsToActivate", required=True, validate=validate.Range(1, 500))
    request_timeout = fields.Integer(data_key="requestTimeout", load_default=0, validate=validate.Range(-1, DAY_MS))


class CompletionBody(LenientBody):
    variables = fields.Dict(load_default=None, allow_none=True)
    result = fields.Raw(load_default=None)


class FailureBody(LenientBody):
    retries = fields.Integer(load_default=0, validate=validate.Range(min=0))
    error_message = fields.String(data_key="errorMessage", load_default="", allow_none=True)
    retry_back_off = fields.Integer(data_key="retryBackOff", load_default=0, validate=validate.Range(0, 30 * DAY_MS))
    variables = fields.Dict(load_default=None, allow_none=True)


class ErrorBody(LenientBody):
    error_code = fields.String(data_key="errorCode", required=True, validate=validate.Length(1, 255))
    error_message = fields.String(data_key="errorMessage", load_default=None, allow_none=True)
    variables = fields.Dict(load_default=None, allow_none=True)


class CreateBody(LenientBody):
    process_id = fields.String(data_key="processDefinitionId", load_default=None, validate=validate.Length(1, 255))
    process_key = fields.String(data_key="processDefinitionKey", load_default=None)
    version = fields.Integer(data_key="processDefinitionVersion", load_default=-1)
    variables = fields.Dict(load_default=None, allow_none=True)
    await_completion = fields.Boolean(data_key="awaitCompletion", load_default=False)
    start_instructions = fields.List(fields.Raw(), data_key="startInstructions", load_default=None)


class MessageBody(LenientBody):
    name = fields.String(required=True, validate=validate.Length(1, 255))
    correlation_key = fields.String(data_key="correlationKey", load_default="", allow_none=True)
    variables = fields.Dict(load_default=None, allow_none=True)
    time_to_live = fields.Integer(data_key="timeToLive", load_default=0, validate=validate.Range(min=0))
    message_id = fields.String(data_key="messageId", load_default=None, allow_none=True)


def _epoch_ms(value: dt.datetime | None) -> int:
    if value is None:
        return 0
    return int((value if value.tzinfo else value.replace(tzinfo=dt.UTC)).timestamp() * 1000)


def _job(job: dict[str, Any], job_type: str, worker: str) -> dict[str, Any]:
    retries = job["retries"] if job["retries"] is not None else (job.get("job_retries") or 3)
    return {"type": job_type, "processDefinitionId": job["process"], "processDefinitionVersion": job["version"],
            "elementId": job["activity"], "customHeaders": job.get("headers") or {}, "worker": worker,
            "retries": retries, "deadline": _epoch_ms(job["lock_expires_at"]), "variables": job["variables"],
            "tenantId": TENANT, "physicalTenantId": TENANT, "jobKey": jobs.key_of(job["id"]),
            "processInstanceKey": jobs.key_of(job["instance_id"]),
            "processDefinitionKey": jobs.key_of(job["definition_id"]), "elementInstanceKey": jobs.key_of(job["id"]),
            "kind": "BPMN_ELEMENT", "listenerEventType": "UNSPECIFIED", "userTask": None, "tags": [],
            "rootProcessInstanceKey": jobs.key_of(job["instance_id"]), "businessId": job["business_key"],
            "priority": job.get("priority") or 0, "jobLeaseToken": None}


def _no_content() -> Response:
    return Response(status=204)


@route(bp, "/jobs/activation", ["POST"], summary="Camunda 8: activate jobs of a type (long polling with "
       f"requestTimeout, at most {jobs.MAX_WAIT_MS // 1000} s)", permission="external_tasks.work",
       body=ActivationBody)
def v2_activate_jobs(body: dict[str, Any]) -> Any:
    found = jobs.activate(body["type"], body["worker"], body["timeout"], body["max_jobs"],
                          body["request_timeout"] if body["request_timeout"] > 0 else 0)
    return {"jobs": [_job(job, body["type"], body["worker"]) for job in found]}


@route(bp, "/jobs/<job_key>/completion", ["POST"], summary="Camunda 8: complete a job",
       permission="external_tasks.work", body=CompletionBody)
def v2_complete_job(job_key: str, body: dict[str, Any]) -> Any:
    if body["result"]:
        raise BadRequest("job results (user task listeners, ad-hoc subprocesses) are not supported")
    jobs.complete(job_key, current_user().name, body["variables"])
    return _no_content()


@route(bp, "/jobs/<job_key>/failure", ["POST"], summary="Camunda 8: fail a job (retries after retryBackOff ms; "
       "0 retries opens an incident)", permission="external_tasks.work", body=FailureBody)
def v2_fail_job(job_key: str, body: dict[str, Any]) -> Any:
    if body["variables"]:
        raise BadRequest("variables on a failure are not supported; complete the job to set variables")
    jobs.fail(job_key, current_user().name, body["retries"], (body["error_message"] or "")[:4000],
              body["retry_back_off"])
    return _no_content()


@route(bp, "/jobs/<job_key>/error", ["POST"], summary="Camunda 8: throw a BPMN error from a job",
       permission="external_tasks.work", body=ErrorBody)
def v2_throw_job_error(job_key: str, body: dict[str, Any]) -> Any:
    jobs.throw_error(job_key, current_user().name, body["error_code"], body["error_message"], body["variables"])
    return _no_content()


@route(bp, "/process-instances", ["POST"], summary="Camunda 8: create a process instance by processDefinitionId "
       "(latest or a given version)", permission="instances.start", body=CreateBody)
def v2_create_process_instance(body: dict[str, Any]) -> Any:
    if body["process_key"] or body["await_completion"] or body["start_instructions"]:
        raise BadRequest("create by processDefinitionId, without awaitCompletion or startInstructions")
    if not body["process_id"]:
        raise BadRequest("processDefinitionId is required")
    user = current_user()
    inst = instances.start(body["process_id"], user.name, body["variables"] or {},
                           body["version"] if body["version"] > 0 else None, user=user)
    return {"processDefinitionId": inst.process, "processDefinitionVersion": inst.version, "tenantId": TENANT,
            "variables": {}, "processDefinitionKey": jobs.key_of(inst.definition_id),
            "processInstanceKey": jobs.key_of(inst.id), "tags": [], "businessId": inst.business_key}


@route(bp, "/messages/correlation", ["POST"], summary="Camunda 8: correlate a message by name and correlation key "
       "to the waiting instance (or start one); 404 when none", permission="messages.send", body=MessageBody)
def v2_correlate_message(body: dict[str, Any]) -> Any:
    instance_id, _ = jobs.correlate(body["name"], body["correlation_key"], current_user().name, body["variables"])
    return {"tenantId": TENANT, "messageKey": jobs.key_of(instance_id), "processInstanceKey": jobs.key_of(instance_id)}


@route(bp, "/messages/publication", ["POST"], summary="Camunda 8: publish a message: correlated now, or dropped "
       "when nobody waits and timeToLive is 0 (no buffering)", permission="messages.send", body=MessageBody)
def v2_publish_message(body: dict[str, Any]) -> Any:
    instance_id = jobs.publish(body["name"], body["correlation_key"], current_user().name, body["variables"],
                               body["time_to_live"])
    return {"tenantId": TENANT, "messageKey": jobs.key_of(instance_id) or "0"}


def _deployed(result: Any) -> list[dict[str, Any]]:
    """Camunda 8's `deployments`: one entry per process, decision and form, the keys of the other kinds null (as
    the current clients, Python's camunda-orchestration-sdk 10 and npm's orchestration-cluster-api 9, require)."""
    empty = {"processDefinition": None, "decisionDefinition": None, "decisionRequirements": None, "form": None,
             "resource": None}
    found = [{**empty, "processDefinition": {
        "processDefinitionId": d.key, "processDefinitionVersion": d.version, "resourceName": d.filename or d.key,
        "tenantId": TENANT, "processDefinitionKey": jobs.key_of(d.id)}} for d in result.definitions]
    found += [{**empty, "decisionDefinition": {
        "decisionDefinitionId": d.key, "version": d.version, "name": d.name or d.key, "tenantId": TENANT,
        "decisionRequirementsId": d.filename or d.key, "decisionDefinitionKey": jobs.key_of(d.id),
        "decisionRequirementsKey": jobs.key_of(d.deployment_id)}} for d in result.decisions]
    found += [{**empty, "form": {"formId": f.key, "version": f.version, "resourceName": f.filename or f.key,
                                 "tenantId": TENANT, "formKey": jobs.key_of(f.id)}} for f in result.forms]
    return found


@route(bp, "/deployments", ["POST"], summary="Camunda 8: deploy BPMN, DMN and form files (multipart `resources` "
       "parts); with four-eyes approval on, a proposal (202, nothing deployed yet)", permission="definitions.deploy",
       upload="resources", also=[202])
def v2_create_deployment() -> Any:
    if (request.mimetype or "") != "multipart/form-data":
        raise UnsupportedMediaType("send multipart/form-data with one `resources` part per file")
    parts = request.files.getlist("resources")
    if not parts:
        raise BadRequest("the form has no 'resources' part", errors=[{"field": "resources", "message": "required"}])
    if (request.form.get("tenantId") or TENANT) != TENANT:
        raise BadRequest("only the default tenant is served", errors=[{"field": "tenantId", "message": "unknown"}])
    result = approval.submit([Upload(f.filename or "resource.bpmn", f.read()) for f in parts], current_user(), None,
                             executable_only=True)  # Zeebe refuses a file with no executable process
    proposed = result.deployment.status == approval.DeploymentStatus.PROPOSED
    body = {"deploymentKey": jobs.key_of(result.deployment.id), "tenantId": TENANT,
            "deployments": [] if proposed else _deployed(result)}
    return body, 202 if proposed else 200
