"""Task forms from camunda:formData: their description, and completion validated against them."""

from __future__ import annotations

import pytest

VALID = {"title": "Paper", "quantity": 5, "urgent": True, "needed_by": "2026-12-24", "channel": "phone",
         "note": "A4, white"}


@pytest.fixture
def form_task(api):
    """The open `fill` task of a fresh task_form instance."""
    api.deploy("task_form.bpmn")
    return api.start("task_form")["tasks"][0]


def errors_of(api, task_id, variables):
    r = api.post(f"/api/tasks/{task_id}/complete", {"variables": variables})
    assert r.status_code == 422, r.get_json()
    assert r.headers["Content-Type"] == "application/problem+json"
    return {e["field"]: e["message"] for e in r.get_json()["errors"]}


def test_the_task_carries_its_form(form_task):
    fields = {f["id"]: f for f in form_task["form"]["fields"]}
    assert list(fields) == ["title", "quantity", "urgent", "needed_by", "channel", "note", "code"]
    assert fields["title"] == {"id": "title", "label": "Title", "type": "string", "required": True,
                               "minlength": 3, "maxlength": 10}
    assert fields["quantity"]["type"] == "long" and fields["quantity"]["default"] == 1
    assert (fields["quantity"]["min"], fields["quantity"]["max"]) == (1, 100)
    assert fields["urgent"] == {"id": "urgent", "label": "Urgent?", "type": "boolean", "required": False,
                                "default": False}
    assert fields["needed_by"]["type"] == "date" and "default" not in fields["needed_by"]
    assert fields["channel"]["values"] == [{"id": "web", "name": "Web shop"}, {"id": "phone", "name": "Phone"}]
    assert fields["channel"]["default"] == "web"
    assert fields["code"]["readonly"] is True
    assert "values" not in fields["title"]


def test_valid_values_complete_the_task_and_become_variables(api, form_task):
    inst = api.complete(form_task["id"], VALID)
    assert inst["status"] == "running" and [t["activity"] for t in inst["tasks"]] == ["after"]
    for name, value in VALID.items():
        assert inst["variables"][name] == value
    assert inst["variables"]["code"] == "X-1"  # a read-only field keeps its default


def test_fields_not_sent_take_their_defaults(api, form_task):
    inst = api.complete(form_task["id"], {"title": "Pens", "extra": {"kept": [1, 2]}})
    v = inst["variables"]
    assert (v["quantity"], v["urgent"], v["channel"], v["code"]) == (1, False, "web", "X-1")
    assert "needed_by" not in v and "note" not in v
    assert v["extra"] == {"kept": [1, 2]}  # variables that are not form fields pass through


BAD_VALUES = [
    ("title", 42, "must be a string"),
    ("title", "ab", "at least 3"),
    ("title", "abcdefghijk", "at most 10"),
    ("title", "", "is required"),
    ("title", "   ", "is required"),
    ("title", None, "is required"),
    ("quantity", "5", "whole number"),
    ("quantity", 2.5, "whole number"),
    ("quantity", True, "whole number"),
    ("quantity", 0, "at least 1"),
    ("quantity", 101, "at most 100"),
    ("quantity", 2**63, "64-bit"),
    ("urgent", 1, "true or false"),
    ("urgent", "true", "true or false"),
    ("needed_by", "2026-02-30", "ISO 8601"),
    ("needed_by", "next week", "ISO 8601"),
    ("needed_by", 20261224, "ISO 8601"),
    ("channel", "fax", "one of: web, phone"),
    ("channel", 1, "must be a string"),
    ("code", "X-2", "read-only"),
]


def test_each_type_and_constraint_is_checked(api, form_task):
    # One task for every case: a refused completion changes nothing, so the cases cannot interfere.
    for field, value, message in BAD_VALUES:
        errors = errors_of(api, form_task["id"], {**VALID, field: value})
        assert list(errors) == [field], (field, value, errors)
        assert message in errors[field], (field, value, errors)
    assert api.get(f"/api/tasks/{form_task['id']}").get_json()["status"] == "open"


def test_a_missing_required_field(api, form_task):
    assert errors_of(api, form_task["id"], {"quantity": 3}) == {"title": "is required"}


def test_the_422_lists_every_bad_field_at_once(api, form_task):
    bad = {"title": "x", "quantity": 500, "urgent": "yes", "needed_by": "soon", "channel": "mail", "code": "Y"}
    errors = errors_of(api, form_task["id"], bad)
    assert sorted(errors) == ["channel", "code", "needed_by", "quantity", "title", "urgent"]


def test_valid_dates_and_nulls_for_optional_fields(api, form_task):
    inst = api.complete(form_task["id"], {**VALID, "needed_by": "2026-12-24T17:00:00Z", "note": None})
    assert inst["variables"]["needed_by"] == "2026-12-24T17:00:00Z" and inst["variables"]["note"] is None


def test_a_task_without_a_form_accepts_any_json_object(api, form_task):
    inst = api.complete(form_task["id"], VALID)
    after = inst["tasks"][0]
    assert after["form"] is None
    anything = {"n": 1.5, "flag": False, "nested": {"list": [1, "two", None]}, "nothing": None}
    done = api.complete(after["id"], anything)
    assert done["status"] == "completed"
    for name, value in anything.items():
        assert done["variables"][name] == value
    events = [e for e in api.history(inst["id"]) if e["type"] == "task.completed"]
    assert events[-1]["data"] == {"variables": anything}


def test_variables_must_be_an_object(api, form_task):
    r = api.post(f"/api/tasks/{form_task['id']}/complete", {"variables": [1, 2]})
    assert r.status_code == 400
    r = api.post(f"/api/tasks/{form_task['id']}/complete", data="nope", headers={"Content-Type": "text/plain"})
    assert r.status_code == 415


FORM = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="d" targetNamespace="http://bpmn.io/schema/bpmn">
  <bpmn:process id="bad_form" isExecutable="true">
    <bpmn:startEvent id="s"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:userTask id="u"><bpmn:extensionElements><camunda:formData>
      {fields}
    </camunda:formData></bpmn:extensionElements><bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing>
    </bpmn:userTask>
    <bpmn:endEvent id="e"><bpmn:incoming>f2</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="u"/><bpmn:sequenceFlow id="f2" sourceRef="u" targetRef="e"/>
  </bpmn:process>
</bpmn:definitions>"""


BAD_FORMS = [
    ('<camunda:formField id="c" type="enum" />', "needs values"),
    ('<camunda:formField id="n" type="long"><camunda:validation>'
     '<camunda:constraint name="max" config="lots" /></camunda:validation></camunda:formField>', "number"),
    ('<camunda:formField id="m" type="email" />', "type 'email'"),
    ('<camunda:formField label="no id" type="string" />', "no id"),
    ('<camunda:formField id="a" /><camunda:formField id="a" />', "declared twice"),
    ('<camunda:formField id="v"><camunda:validation>'
     '<camunda:constraint name="validator" config="com.acme.Check" /></camunda:validation></camunda:formField>',
     "not supported"),
]


def test_a_form_that_cannot_be_checked_is_refused_at_deploy(api):
    for fields, message in BAD_FORMS:
        r = api.post("/api/deployments", data=FORM.replace("{fields}", fields).encode(),
                     headers={"Content-Type": "application/xml"})
        assert r.status_code == 422, (fields, r.get_json())
        errors = r.get_json()["errors"]
        assert errors[0]["element"] == "u" and errors[0]["line"] and message in errors[0]["message"], errors
    assert api.get("/api/process-definitions").get_json()["items"] == []
