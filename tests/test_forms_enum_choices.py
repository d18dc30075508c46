"""An enum form field whose values come from a variable (`<camunda:formField type="enum" defaultValue="#{users}"/>`,
no camunda:value): its choices are the expression's value when the task is created, and a submission is checked
against them."""

from __future__ import annotations

FORM = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="d" targetNamespace="http://bpmn.io/schema/bpmn">
  <bpmn:process id="pick_user" isExecutable="true">
    <bpmn:startEvent id="s">{start}</bpmn:startEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="pick"/>
    <bpmn:userTask id="pick" name="Pick a user"><bpmn:extensionElements><camunda:formData>
      <camunda:formField id="userName" label="Pick a User" type="enum" defaultValue="#{{users}}">
        <camunda:validation><camunda:constraint name="required"/></camunda:validation>
      </camunda:formField>
      <camunda:formField id="note" type="string"/>
    </camunda:formData></bpmn:extensionElements></bpmn:userTask>
    <bpmn:sequenceFlow id="f2" sourceRef="pick" targetRef="e"/>
    <bpmn:endEvent id="e"/>
  </bpmn:process>
</bpmn:definitions>"""


def _field(task, fid):
    return next(f for f in task["form"]["fields"] if f["id"] == fid)


def test_a_list_variable_gives_the_choices_and_the_submission_is_checked_against_them(api):
    api.deploy(FORM.format(start=""))
    task = api.start("pick_user", {"users": ["ann", "bob"]})["tasks"][0]
    field = _field(task, "userName")
    assert field["values"] == [{"id": "ann", "name": "ann"}, {"id": "bob", "name": "bob"}]
    assert "default" not in field  # the expression gives the choices, not a default value
    assert api.get(f"/api/tasks/{task['id']}").get_json()["form"]["fields"][0]["values"] == field["values"]

    r = api.post(f"/api/tasks/{task['id']}/complete", {"variables": {"userName": "carl"}})
    assert r.status_code == 422, r.get_json()
    assert r.get_json()["errors"] == [{"field": "userName", "message": "must be one of: ann, bob"}]
    done = api.complete(task["id"], {"userName": "bob"})
    assert done["status"] == "completed" and done["variables"]["userName"] == "bob"


def test_a_map_variable_gives_ids_and_names(api):
    api.deploy(FORM.format(start=""))
    task = api.start("pick_user", {"users": {"a1": "Ann Arbor", "b2": "Bob Brown"}})["tasks"][0]
    assert _field(task, "userName")["values"] == [{"id": "a1", "name": "Ann Arbor"},
                                                  {"id": "b2", "name": "Bob Brown"}]
    r = api.post(f"/api/tasks/{task['id']}/complete", {"variables": {"userName": "Ann Arbor"}})
    assert r.status_code == 422
    assert api.complete(task["id"], {"userName": "a1"})["status"] == "completed"


def test_a_value_that_is_no_list_or_map_is_an_incident_at_the_task(api):
    api.deploy(FORM.format(start=""))
    r = api.post("/api/process-instances", {"process": "pick_user", "variables": {"users": 5}})
    assert r.status_code == 201, r.get_json()
    instance = api.instance(r.get_json()["id"])
    assert instance["tasks"] == []
    incidents = instance["incidents"]
    assert [i["activity"] for i in incidents] == ["pick"]
    assert "gave int, not a list or map" in incidents[0]["message"]


def test_a_start_form_cannot_take_enum_values_from_a_variable(api):
    start = ('<bpmn:extensionElements><camunda:formData><camunda:formField id="who" type="enum" '
             'defaultValue="${users}"/></camunda:formData></bpmn:extensionElements>')
    errors = api.deploy(FORM.format(start=start), expect=422)["errors"]
    assert [(e["element"], "a start form has none yet" in e["message"]) for e in errors] == [("s", True)]


def test_an_enum_without_values_or_expression_is_still_refused(api):
    xml = FORM.format(start="").replace('defaultValue="#{users}"', 'defaultValue="ann"')
    errors = api.deploy(xml, expect=422)["errors"]
    assert errors[0]["element"] == "pick" and "needs values" in errors[0]["message"]
