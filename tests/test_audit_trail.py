"""What auditors read: a cancel is a cancel (never a completion), in the history and in every export, and
every change by hand (cancel, variable repair, retry, migration) says why."""

from __future__ import annotations

import csv
import io
import json

import pytest

from tests.client import DIAGRAMS
from tests.test_web import Pages


def _types(api, instance_id):
    return [e["type"] for e in api.history(instance_id)]


def _export(api, fmt):
    r = api.get("/api/history/export", query_string={"format": fmt, "process": "core_parallel_tasks"})
    assert r.status_code == 200
    return r.get_data(as_text=True)


def test_a_cancel_writes_task_cancelled_for_each_open_task_and_instance_cancelled_only(api):
    api.deploy("core_parallel_tasks.bpmn")
    inst = api.start("core_parallel_tasks")
    assert len(inst["tasks"]) == 2
    r = api.post(f"/api/process-instances/{inst['id']}/cancel", {"reason": "  duplicate request  "})
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["status"] == "cancelled" and r.get_json()["ended_at"]
    events = api.history(inst["id"])
    tail = [(e["type"], e["task_id"]) for e in events][-3:]
    assert sorted(tail[:2]) == sorted(("task.cancelled", t["id"]) for t in inst["tasks"])
    assert tail[2] == ("instance.cancelled", None)
    assert "instance.completed" not in _types(api, inst["id"])
    assert events[-1]["data"] == {"reason": "duplicate request"}
    assert [t["status"] for t in api.tasks(instance=inst["id"], status="cancelled")] == ["cancelled"] * 2

    ndjson = [json.loads(line) for line in _export(api, "json").splitlines()]
    assert [e["type"] for e in ndjson if e["type"].startswith("instance.")] == ["instance.started",
                                                                                "instance.cancelled"]
    rows = list(csv.DictReader(io.StringIO(_export(api, "csv"))))
    assert "instance.completed" not in {row["type"] for row in rows}
    assert [row["type"] for row in rows].count("task.cancelled") == 2
    xes = _export(api, "xes")
    assert "instance.completed" not in xes and xes.count('value="pi_abort"') == 1
    assert xes.count('value="ate_abort"') == 2


def test_a_completion_still_writes_instance_completed(api):
    api.deploy("ex_migrate_v1.bpmn")
    inst = api.start("ex_migrate")
    after = api.complete(inst["tasks"][0]["id"])
    done = api.complete(after["tasks"][0]["id"])
    assert done["status"] == "completed"
    assert _types(api, inst["id"]).count("instance.completed") == 1


def _failed_instance(api):
    api.deploy("ex_script_fail.bpmn")
    inst = api.start("ex_script_fail", {"amount": 10, "count": 0})
    assert inst["status"] == "failed"
    return inst


@pytest.mark.parametrize("reason", [None, "", "   ", "missing"])
def test_changes_by_hand_require_a_reason(api, reason):
    inst = _failed_instance(api)
    api.deploy((DIAGRAMS / "ex_script_fail.bpmn").read_text().replace("amount / count", "amount / (count or 1)"))
    url = f"/api/process-instances/{inst['id']}"
    body = {} if reason == "missing" else {"reason": reason}
    before = api.history(inst["id"])
    for method, path, payload in (("patch", "variables", {"set": {"count": 2}}), ("post", "retry", {}),
                                  ("post", "migrate", {"version": 2}), ("post", "cancel", {})):
        r = getattr(api, method)(f"{url}/{path}", {**payload, **body})
        assert r.status_code == 422, (path, r.get_json())
        assert r.mimetype == "application/problem+json"
        problem = r.get_json()
        assert [e["field"] for e in problem["errors"]] == ["reason"], path
        assert "reason" in problem["detail"]
    same = api.instance(inst["id"])
    assert same["status"] == "failed" and same["version"] == 1 and same["variables"]["count"] == 0
    assert api.history(inst["id"]) == before


def test_the_reason_is_kept_in_each_history_event(api):
    inst = _failed_instance(api)
    api.deploy((DIAGRAMS / "ex_script_fail.bpmn").read_text().replace("</bpmn:definitions>",
                                                                      "<!-- v2 --></bpmn:definitions>"))
    url = f"/api/process-instances/{inst['id']}"
    assert api.patch(f"{url}/variables", {"set": {"count": 2}, "reason": "count typed as 0"}).status_code == 200
    assert api.post(f"{url}/migrate", {"version": 2, "reason": "run on the new version"}).status_code == 200
    assert api.post(f"{url}/retry", {"reason": "count repaired"}).get_json()["status"] == "running"
    assert api.post(f"{url}/cancel", {"reason": "not needed any more"}).get_json()["status"] == "cancelled"
    reasons = {e["type"]: e["data"].get("reason") for e in api.history(inst["id"])
               if e["type"] in ("variables.updated", "instance.migrated", "incident.resolved", "instance.cancelled")}
    assert reasons == {"variables.updated": "count typed as 0", "instance.migrated": "run on the new version",
                       "incident.resolved": "count repaired", "instance.cancelled": "not needed any more"}


def test_the_openapi_document_lists_the_reason_as_required(api):
    spec = api.get("/api/openapi.json").get_json()
    for path, method in (("/api/process-instances/{instance_id}/cancel", "post"),
                         ("/api/process-instances/{instance_id}/variables", "patch"),
                         ("/api/process-instances/{instance_id}/retry", "post"),
                         ("/api/process-instances/{instance_id}/migrate", "post")):
        schema = spec["paths"][path][method]["requestBody"]["content"]["application/json"]["schema"]
        if "$ref" in schema:
            schema = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
        assert "reason" in schema["required"], path
        assert schema["properties"]["reason"]["type"] == "string"


def test_the_pages_send_the_reason_of_retry_and_migrate(app, api):
    inst = _failed_instance(api)
    api.deploy((DIAGRAMS / "ex_script_fail.bpmn").read_text().replace("amount / count", "amount / (count or 1)"))
    anna = api.as_user("anna", "analyst")
    pages = Pages(app, anna.token)
    page = pages.text(f"/ui/instances/{inst['id']}")
    for form_id in ("retry-reason", "migrate-reason", "var-reason", "cancel-reason"):
        assert f'id="{form_id}" name="reason" required' in page, form_id
    url = f"/ui/instances/{inst['id']}"
    r = pages.post(f"{url}/migrate", {"version": "2"})
    assert "reason" in pages.text(r.headers["Location"]) and api.instance(inst["id"])["version"] == 1
    pages.post(f"{url}/migrate", {"version": "2", "reason": "the script is fixed in v2"})
    assert api.instance(inst["id"])["version"] == 2
    r = pages.post(f"{url}/retry")
    assert "reason" in pages.text(r.headers["Location"]) and api.instance(inst["id"])["status"] == "failed"
    pages.post(f"{url}/retry", {"reason": "runs on v2"})
    assert api.instance(inst["id"])["status"] == "running"
    reasons = [e["data"].get("reason") for e in api.history(inst["id"])
               if e["type"] in ("instance.migrated", "incident.resolved")]
    assert reasons == ["the script is fixed in v2", "runs on v2"]


def test_camunda_delete_cancels_with_its_reason_or_a_default(api):
    from tests.test_camunda_deploy import Camunda, _error

    api.deploy("core_parallel_tasks.bpmn")
    camunda = Camunda(api)
    one, two = api.start("core_parallel_tasks"), api.start("core_parallel_tasks")
    r = camunda.client.delete(f"/engine-rest/process-instance/{one['id']}", headers=camunda.headers)
    assert r.status_code == 204
    r = camunda.client.delete(f"/engine-rest/process-instance/{two['id']}",
                              query_string={"deleteReason": "order withdrawn", "skipCustomListeners": "true"},
                              headers=camunda.headers)
    assert r.status_code == 204
    for inst, reason in ((one, "deleted through the Camunda REST API (DELETE /process-instance/{id}), which sends "
                                "no reason"), (two, "order withdrawn")):
        assert api.instance(inst["id"])["status"] == "cancelled"
        types = _types(api, inst["id"])
        assert "instance.completed" not in types and types.count("task.cancelled") == 2
        assert api.history(inst["id"])[-1]["data"] == {"reason": reason}
        assert camunda.get(f"/process-instance/{inst['id']}").get_json()["ended"] is True
    # An ended or unknown instance is gone, as in Camunda; failIfNotExists=false makes that a success.
    again = camunda.client.delete(f"/engine-rest/process-instance/{one['id']}", headers=camunda.headers)
    assert "does not exist" in _error(again, 404, "InvalidRequestException")
    _error(camunda.client.delete("/engine-rest/process-instance/nope", headers=camunda.headers), 404,
           "InvalidRequestException")
    r = camunda.client.delete("/engine-rest/process-instance/nope", query_string={"failIfNotExists": "false"},
                              headers=camunda.headers)
    assert r.status_code == 204
    three = api.start("core_parallel_tasks")
    r = camunda.client.delete(f"/engine-rest/process-instance/{three['id']}",
                              query_string={"skipSubprocesses": "true"}, headers=camunda.headers)
    _error(r, 400, "InvalidRequestException")
    operator = Camunda.user(api, "olga", "operator")
    r = operator.client.delete(f"/engine-rest/process-instance/{three['id']}", headers=operator.headers)
    assert r.status_code == 403 and api.instance(three["id"])["status"] == "running"
