"""The auditor's searches: history by business key, by a variable's value, by text in comments; the
exports keep every filter; `variables.updated` shows old and new values."""

from __future__ import annotations

import json

import pytest

from tests.test_web import Pages

REVIEW = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d" targetNamespace="http://t">
  <bpmn:process id="claims" isExecutable="true">
    <bpmn:startEvent id="start"/>
    <bpmn:userTask id="assess" name="Assess"/>
    <bpmn:userTask id="pay" name="Pay"/>
    <bpmn:endEvent id="end"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="assess"/>
    <bpmn:sequenceFlow id="f2" sourceRef="assess" targetRef="pay"/>
    <bpmn:sequenceFlow id="f3" sourceRef="pay" targetRef="end"/>
  </bpmn:process>
</bpmn:definitions>"""


@pytest.fixture
def claims(api):
    api.deploy(REVIEW)
    first = api.start("claims", {"amount": 800, "region": "north"}, business_key="CL-1")
    second = api.start("claims", {"amount": 120, "region": "south"}, business_key="CL-2")
    r = api.post(f"/api/tasks/{first['tasks'][0]['id']}/complete",
                 {"variables": {"verdict": "pay", "approved": True}, "comment": "Receipts CHECKED by phone"})
    assert r.status_code == 200, r.get_json()
    api.post(f"/api/process-instances/{second['id']}/comments", {"text": "Customer disputes the estimate"})
    return first, second


def _events(api, **params):
    r = api.get("/api/history/events", query_string={"limit": 500, **params})
    assert r.status_code == 200, r.get_json()
    return r.get_json()["items"]


def test_search_by_business_key_variable_and_comment(api, claims):
    first, second = claims
    by_key = _events(api, business_key="CL-2")
    assert by_key and {e["instance_id"] for e in by_key} == {second["id"]}
    assert {e["instance_id"] for e in _events(api, variable="amount", value="800")} == {first["id"]}
    assert {e["instance_id"] for e in _events(api, variable="region", value="south")} == {second["id"]}
    # Submitted with a task; a boolean as typed; with another filter.
    assert {e["instance_id"] for e in _events(api, variable="verdict", value="pay")} == {first["id"]}
    assert {e["instance_id"] for e in _events(api, variable="approved", value="true")} == {first["id"]}
    only = _events(api, variable="amount", value="800", type="task.completed")
    assert [e["type"] for e in only] == ["task.completed"]
    assert _events(api, variable="amount", value="801") == []
    found = _events(api, comment="receipts checked")
    assert [(e["type"], e["instance_id"]) for e in found] == [("task.completed", first["id"])]
    found = _events(api, comment="DISPUTES")
    assert [(e["type"], e["data"]["text"]) for e in found] == [("comment.added", "Customer disputes the estimate")]
    assert _events(api, comment="100%_") == []  # LIKE's wildcards are plain text here


@pytest.mark.parametrize("params, field", [({"value": "1"}, "variable"), ({"variable": "amount"}, "value"),
                                           ({"variable": 'a"b', "value": "1"}, "variable")])
def test_a_search_that_cannot_run_names_its_field(api, params, field):
    for url in ("/api/history/events", "/api/history/export"):
        r = api.get(url, query_string=params)
        assert r.status_code == 422 and r.mimetype == "application/problem+json"
        assert [e["field"] for e in r.get_json()["errors"]] == [field]


def test_exports_keep_the_filters(app, api, claims):
    first, second = claims
    r = api.get("/api/history/export", query_string={"format": "json", "business_key": "CL-1"})
    lines = [json.loads(line) for line in r.get_data(as_text=True).splitlines()]
    assert lines and {e["instance_id"] for e in lines} == {first["id"]}
    r = api.get("/api/history/export", query_string={"format": "csv", "comment": "disputes"})
    assert r.get_data(as_text=True).count("comment.added") == 1 and "Customer disputes" in r.get_data(as_text=True)
    xes = api.get("/api/history/export", query_string={"format": "xes", "variable": "region", "value": "north"})
    assert xes.get_data(as_text=True).count("<trace>") == 1
    pages = Pages(app, api.token)
    page = pages.get("/ui/history?business_key=CL-2&comment=disputes").get_data(as_text=True)
    assert "Customer disputes the estimate" in page and 'name="comment" value="disputes"' in page
    assert "history/export?format=csv&amp;business_key=CL-2&amp;comment=disputes" in page
    refused = pages.get("/ui/history?variable=amount")
    assert refused.status_code == 422 and "give the value to look for" in refused.get_data(as_text=True)
    download = pages.get("/ui/history/export?format=json&business_key=CL-2&comment=disputes")
    assert [json.loads(line)["type"] for line in download.get_data(as_text=True).splitlines()] == ["comment.added"]


def test_variables_updated_shows_old_and_new_values(api, claims):
    first, _ = claims
    r = api.patch(f"/api/process-instances/{first['id']}/variables",
                  {"set": {"amount": 750, "note": "new"}, "unset": ["region"], "reason": "typo in the amount"})
    assert r.status_code == 200, r.get_json()
    [event] = _events(api, instance=first["id"], type="variables.updated")
    assert event["data"]["set"] == {"amount": 750, "note": "new"} and event["data"]["unset"] == ["region"]
    assert event["data"]["old"] == {"amount": 800, "region": "north"}  # `note` was new: no old value
    assert event["data"]["reason"] == "typo in the amount"
    # Found by the value it had before the repair and by the one after.
    assert {e["instance_id"] for e in _events(api, variable="amount", value="750")} == {first["id"]}
