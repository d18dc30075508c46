"""Camunda 7 compatibility: Camunda Modeler's deploy dialog, authentication, and Camunda's error body."""

from __future__ import annotations

import base64
import io
import re
from typing import Any

from tests.client import DIAGRAMS
from tests.conftest import ADMIN_TOKEN

CAMUNDA_TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+0000")


class Camunda:
    """A client of /engine-rest as Camunda tools are: HTTP Basic with the user name and the token as password."""

    def __init__(self, api: Any, name: str = "admin", token: str = ADMIN_TOKEN):
        self.client = api.client
        credentials = base64.b64encode(f"{name}:{token}".encode()).decode()
        self.headers = {"Authorization": f"Basic {credentials}"}

    @classmethod
    def user(cls, api: Any, name: str, role: str, groups: list[str] | None = None) -> Camunda:
        made = api.as_user(name, role, groups)
        return cls(api, name, made.token)

    def get(self, path: str, **params: Any) -> Any:
        return self.client.get(f"/engine-rest{path}", query_string=params, headers=self.headers)

    def post(self, path: str, json: Any = None, **kw: Any) -> Any:
        if json is None and "data" not in kw:
            return self.client.post(f"/engine-rest{path}", headers=self.headers, **kw)
        return self.client.post(f"/engine-rest{path}", json=json, headers=self.headers, **kw)

    def modeler_deploy(self, filename: str, data: bytes | None = None, **fields: str) -> Any:
        """The request Camunda Modeler's deploy button sends: form fields, then the diagram as a file part
        named after the file."""
        form: dict[str, Any] = {"deployment-name": fields.pop("name", filename.split(".")[0]),
                                "deployment-source": "Camunda Modeler", "deploy-changed-only": "true", **fields}
        form[filename] = (io.BytesIO(data if data is not None else (DIAGRAMS / filename).read_bytes()), filename,
                          "text/xml")
        return self.client.post("/engine-rest/deployment/create", data=form, headers=self.headers,
                                content_type="multipart/form-data")


def _error(r: Any, status: int, type_: str) -> str:
    assert r.status_code == status, (r.status_code, r.get_data(as_text=True))
    assert r.content_type == "application/json"
    body = r.get_json()
    assert set(body) >= {"type", "message"} and body["type"] == type_, body
    return body["message"]


def test_modeler_deploy_then_redeploy_unchanged_and_changed(api):
    analyst = Camunda.user(api, "ana", "analyst")
    assert analyst.get("/version").get_json() == {"version": "7.22.0"}
    # Camunda Modeler's connection check.
    r = analyst.get("/deployment", maxResults=0)
    assert r.status_code == 200 and r.get_json() == []

    r = analyst.modeler_deploy("camunda_order.bpmn", name="orders")
    assert r.status_code == 200, r.get_json()
    body = r.get_json()
    assert body["name"] == "orders" and body["source"] == "Camunda Modeler" and body["tenantId"] is None
    assert CAMUNDA_TIME.fullmatch(body["deploymentTime"])
    [(definition_id, definition)] = body["deployedProcessDefinitions"].items()
    assert definition["id"] == definition_id
    assert definition["key"] == "camunda_order" and definition["version"] == 1
    assert definition["name"] == "Handle an order" and definition["resource"] == "camunda_order.bpmn"
    assert definition["deploymentId"] == body["id"] and definition["suspended"] is False

    # Deploying the same diagram again makes no new version (deploy-changed-only, or duplicate filtering).
    again = analyst.modeler_deploy("camunda_order.bpmn", name="orders", **{"enable-duplicate-filtering": "true"})
    assert list(again.get_json()["deployedProcessDefinitions"]) == [definition_id]
    changed = (DIAGRAMS / "camunda_order.bpmn").read_bytes().replace(b"Approve the order", b"Approve it")
    v2 = analyst.modeler_deploy("camunda_order.bpmn", changed, name="orders").get_json()
    [(v2_id, v2_definition)] = v2["deployedProcessDefinitions"].items()
    assert v2_definition["version"] == 2 and v2["id"] != body["id"]

    listed = analyst.get("/process-definition", key="camunda_order", latestVersion="true").get_json()
    assert [d["id"] for d in listed] == [v2_id]
    assert [d["version"] for d in analyst.get("/process-definition", key="camunda_order").get_json()] == [2, 1]
    assert analyst.get("/process-definition/key/camunda_order").get_json()["id"] == v2_id
    assert analyst.get(f"/process-definition/{definition_id}").get_json()["version"] == 1
    deployments = analyst.get("/deployment").get_json()
    assert [d["id"] for d in deployments] == [v2["id"], body["id"]] and deployments[0]["name"] == "orders"
    assert analyst.get("/deployment", firstResult=1).get_json()[0]["id"] == body["id"]
    # The native API sees the same definitions and the deployment note.
    native = api.get("/api/process-definitions", query_string={"key": "camunda_order"}).get_json()["items"]
    assert {d["id"] for d in native} == {definition_id, v2_id}
    events = api.get("/api/history/events", query_string={"type": "deployment.created"}).get_json()["items"]
    assert [e["actor"] for e in events] == ["ana", "ana"] and events[0]["data"]["note"] == "orders"


def test_bad_diagrams_and_uploads_answer_as_camunda_does(api):
    camunda = Camunda(api)
    broken = (DIAGRAMS / "camunda_order.bpmn").read_bytes().replace(b'targetRef="wait_paid"', b'targetRef="nowhere"')
    r = camunda.modeler_deploy("broken.bpmn", broken)
    message = _error(r, 400, "ParseException")
    # Camunda Modeler recognizes a parse error by this prefix.
    assert message.startswith("ENGINE-09005 Could not parse BPMN process.")
    problems = r.get_json()["details"]["broken.bpmn"]["errors"]
    assert problems and all({"message", "line", "mainElementId"} <= set(p) for p in problems)
    _error(camunda.modeler_deploy("junk.bpmn", b"<definitions"), 400, "ParseException")
    form = {"deployment-name": "x", "form": (io.BytesIO(b"{}"), "start.form")}
    r = camunda.client.post("/engine-rest/deployment/create", data=form, headers=camunda.headers,
                            content_type="multipart/form-data")
    assert "start.form" in _error(r, 400, "InvalidRequestException")
    _error(camunda.post("/deployment/create", {"file": "x"}), 415, "InvalidRequestException")
    # A list filter this layer does not apply is refused rather than ignored.
    _error(camunda.get("/process-definition", versionTagLike="1.%"), 400, "InvalidRequestException")
    _error(camunda.get("/process-definition", maxResults=2000), 400, "InvalidRequestException")
    assert api.get("/api/process-definitions").get_json()["items"] == []


def test_basic_and_bearer_auth_map_to_users_and_roles(api):
    operator = api.as_user("olga", "operator")
    r = api.client.get("/engine-rest/deployment")
    _error(r, 401, "AuthenticationException")
    assert r.headers["WWW-Authenticate"].startswith("Basic")
    # The password is the user's token, and the name must be that token's owner.
    _error(Camunda(api, "olga", "wrong").get("/deployment"), 401, "AuthenticationException")
    _error(Camunda(api, "admin", operator.token).get("/deployment"), 401, "AuthenticationException")
    r = api.client.get("/engine-rest/deployment", headers={"Authorization": "Basic !!!"})
    _error(r, 401, "AuthenticationException")
    assert Camunda(api, "olga", operator.token).get("/deployment").status_code == 200
    bearer = api.client.get("/engine-rest/deployment", headers={"Authorization": f"Bearer {operator.token}"})
    assert bearer.status_code == 200
    # An operator may not deploy: Camunda's AuthorizationException.
    r = Camunda(api, "olga", operator.token).modeler_deploy("camunda_order.bpmn")
    _error(r, 403, "AuthorizationException")
    assert r.get_json()["userId"] == "olga"
    # Errors on the native API stay problem details.
    assert api.client.get("/api/tasks").content_type == "application/problem+json"


def test_openapi_documents_the_compatibility_routes(app):
    paths = app.test_client().get("/api/openapi.json").get_json()["paths"]
    for path in ("/engine-rest/deployment/create", "/engine-rest/process-definition/key/{key}/start",
                 "/engine-rest/external-task/fetchAndLock", "/engine-rest/task/{task_id}/complete",
                 "/engine-rest/message", "/engine-rest/external-task/{task_id}/unlock"):
        assert path in paths, path
