"""Version and deployments: what Camunda Modeler's deploy dialog calls.

The Modeler checks the connection with `GET /deployment?maxResults=0`, reads `GET /version`, and deploys
with `POST /deployment/create`: a multipart form with `deployment-name`, `deployment-source`,
`deploy-changed-only` or `enable-duplicate-filtering`, and one file part per diagram, named after the file.
"""

from __future__ import annotations

from typing import Any

from flask import g, request
from marshmallow import fields

from ...auth import current_user
from ...engine import BpmnInvalid, BpmnMalformed
from ...exceptions import BadRequest, UnsupportedMediaType
from ...services import deployments, model_zip
from .base import COMPAT_VERSION, ListQuery, camunda_time, endpoint, window
from .definitions import definition_dto
from .errors import details

BPMN_SUFFIXES = (".bpmn", ".bpmn20.xml", ".bpmn2", ".xml")


def deployment_dto(deployment: Any, source: str | None = None) -> dict[str, Any]:
    """Camunda's deployment: the name is our deployment note."""
    return {"links": [], "id": deployment.id, "name": deployment.note, "source": source,
            "deploymentTime": camunda_time(deployment.created_at), "tenantId": None}


def _parse_errors(exc: Exception) -> tuple[int, str, str, dict[str, Any]] | None:
    """A diagram that does not parse or cannot run: Camunda's ParseException, whose message prefix
    Camunda Modeler recognizes, with the problems per resource in `details`."""
    if not isinstance(exc, (BpmnInvalid, BpmnMalformed)):
        return None
    by_file: dict[str, dict[str, list[dict[str, Any]]]] = {}
    for e in exc.errors or []:
        problems = by_file.setdefault(e.get("file") or g.get("camunda_resource", ""),
                                      {"errors": [], "warnings": []})
        problems["errors"].append({"message": e.get("message"), "line": e.get("line"), "column": None,
                                   "mainElementId": e.get("element"),
                                   "elementIds": [e["element"]] if e.get("element") else []})
    return 400, "ParseException", f"ENGINE-09005 Could not parse BPMN process. Errors: {details(exc)}", \
        {"details": by_file}


def _uploads() -> list[deployments.Upload]:
    if (request.mimetype or "") != "multipart/form-data":
        raise UnsupportedMediaType("send the deployment as multipart/form-data, as Camunda Modeler does")
    uploads, refused = [], []
    for part, storage in request.files.items(multi=True):
        filename = storage.filename or part
        # Camunda Forms and script files (camunda:resource) deploy beside their diagrams.
        if filename.lower().endswith((*BPMN_SUFFIXES, ".form", *model_zip.SCRIPTS)):
            uploads.append(deployments.Upload(filename, storage.read()))
        else:
            refused.append(filename)
    if refused:
        raise BadRequest(f"only BPMN diagrams, Camunda Forms (.form) and script files can be deployed here, not "
                         f"{', '.join(refused)}")
    if not uploads:
        raise BadRequest("the form has no file part; add the diagram as a file part")
    diagrams = [u for u in uploads if not model_zip.is_script(u.filename)]
    if len(diagrams) == 1:
        g.camunda_resource = diagrams[0].filename
    return uploads


class DeploymentQuery(ListQuery):
    id = fields.String(load_default=None)
    name = fields.String(load_default=None)


@endpoint("/version", ["GET"], summary="the Camunda REST API version this layer follows", public=True)
def version() -> Any:
    return {"version": COMPAT_VERSION}


@endpoint("/deployment/create", ["POST"], summary="deploy diagrams from a multipart form (deployment-name, "
          "deployment-source, deploy-changed-only, enable-duplicate-filtering, one file part per diagram); "
          "a diagram identical to the latest version of its process makes no new version",
          permission="definitions.deploy", errors=_parse_errors)
def deployment_create() -> Any:
    files = _uploads()
    name = request.form.get("deployment-name") or None
    result = deployments.deploy(files, current_user().name, name)
    dto = deployment_dto(result.deployment, request.form.get("deployment-source"))
    # None, as Camunda says, for a deployment of non-executable processes only; `notes` (not Camunda's) says why.
    return {**dto, "deployedProcessDefinitions": {d.id: definition_dto(d) for d in result.definitions} or None,
            "deployedCaseDefinitions": None, "deployedDecisionDefinitions": None,
            "deployedDecisionRequirementsDefinitions": None, **({"notes": result.notes} if result.notes else {})}


@endpoint("/deployment", ["GET"], summary="list deployments, newest first (id, name, firstResult, maxResults)",
          permission="definitions.read", query=DeploymentQuery)
def deployment_list(query: dict[str, Any]) -> Any:
    first, count = window(query)
    if count == 0:
        return []
    found = deployments.list_deployments(first + count, None, query["id"], query["name"])
    return [deployment_dto(d) for d in found.items[first:]]
