"""Camunda 8 (Zeebe) extensions run with Camunda 8's meaning or are refused at deploy naming the element and the
extension; every type and property of Zeebe's schema is classified (engine/zeebe_catalogue.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bpmn_server.engine.camunda_catalogue import Status
from bpmn_server.engine.zeebe_catalogue import CATALOGUE
from tests.conformance import camunda_schema

HEAD = ('<?xml version="1.0" encoding="UTF-8"?>\n<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/'
        'MODEL" xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="D" targetNamespace="t">')


def diagram(key: str, body: str, defs: str = "") -> bytes:
    """A process whose nodes in `body` are chained in order from a start to an end event (ids n0, n1, ...)."""
    nodes = [n for n in body.split("\n\n") if n.strip()]
    ids = [n.split('id="')[1].split('"')[0] for n in nodes]
    chain = ["s", *ids, "e"]
    flows = "".join(f'<bpmn:sequenceFlow id="f{i}" sourceRef="{a}" targetRef="{b}"/>'
                    for i, (a, b) in enumerate(zip(chain, chain[1:], strict=False)))
    return (f'{HEAD}{defs}<bpmn:process id="{key}" isExecutable="true"><bpmn:startEvent id="s"/>{"".join(nodes)}'
            f'<bpmn:endEvent id="e"/>{flows}</bpmn:process></bpmn:definitions>').encode()


def job(task_id: str, kind: str, ext: str = "", tag: str = "serviceTask") -> str:
    return (f'<bpmn:{tag} id="{task_id}"><bpmn:extensionElements><zeebe:taskDefinition type="{kind}" retries="5"/>'
            f"{ext}</bpmn:extensionElements></bpmn:{tag}>\n\n")


def _fetch(api, topic):
    r = api.post("/api/external-tasks/fetch-and-lock",
                 {"worker_id": "w", "topics": [{"name": topic, "lock_duration_ms": 60000}], "max_tasks": 5})
    assert r.status_code == 200, r.get_json()
    return r.get_json()["items"]


def _complete(api, task, variables=None):
    r = api.post(f"/api/external-tasks/{task['id']}/complete", {"worker_id": "w", "variables": variables or {}})
    assert r.status_code == 200, r.get_json()


@pytest.fixture(scope="session")
def descriptor(tmp_path_factory: pytest.TempPathFactory) -> dict:
    found = camunda_schema.fetch(Path(tmp_path_factory.mktemp("npm")), "zeebe-bpmn-moddle", "zeebe.json")
    if isinstance(found, str):
        pytest.skip(found)
    return found


def test_every_type_and_property_is_classified(descriptor):
    names = camunda_schema.names(descriptor)
    assert len(descriptor["types"]) >= 30
    missing = [n for n in names if n not in CATALOGUE]
    assert missing == [], f"unclassified Zeebe extensions: {missing}"
    assert {CATALOGUE[n][0] for n in names} <= set(Status)
    assert all(CATALOGUE[n][1].strip() for n in names)
    stale = sorted(set(CATALOGUE) - set(names))
    assert stale == [], f"catalogue entries the schema does not have: {stale}"


def test_a_job_carries_headers_and_retries_and_only_its_outputs_leave_it(api):
    mapping = ('<zeebe:taskHeaders><zeebe:header key="url" value="https://example.com"/></zeebe:taskHeaders>'
               '<zeebe:ioMapping><zeebe:input source="= amount * 2" target="doubled"/>'
               '<zeebe:output source="= charged + 1" target="total"/></zeebe:ioMapping>')
    api.deploy(diagram("zb_job", job("charge", "payment", mapping)))
    inst = api.start("zb_job", {"amount": 21})
    [task] = _fetch(api, "payment")
    assert task["headers"] == {"url": "https://example.com"} and task["job_retries"] == 5
    assert task["variables"]["doubled"] == 42  # the input mapping, local to the job
    _complete(api, task, {"charged": 41, "receipt": "r-1"})
    done = api.instance(inst["id"])
    assert done["status"] == "completed"
    assert done["variables"] == {"amount": 21, "total": 42}  # with output mappings only they leave the job


def test_camunda7_workers_see_the_headers_as_extension_properties(api):
    api.deploy(diagram("zb_c7", job("charge", "payment",
                                    '<zeebe:taskHeaders><zeebe:header key="k" value="v"/></zeebe:taskHeaders>')))
    api.start("zb_c7", {})
    r = api.post("/engine-rest/external-task/fetchAndLock", {"workerId": "w", "maxTasks": 1, "topics": [
        {"topicName": "payment", "lockDuration": 1000}]})
    assert r.status_code == 200, r.get_json()
    assert r.get_json()[0]["extensionProperties"] == {"k": "v"}


def test_user_task_assignment_schedule_and_priority_static_and_feel(api):
    task = ('<bpmn:userTask id="review"><bpmn:extensionElements><zeebe:userTask/>'
            '<zeebe:assignmentDefinition assignee="= owner" candidateGroups="= [&quot;ops&quot;, region]" '
            'candidateUsers="ann, bob"/><zeebe:taskSchedule dueDate="2031-01-02T03:04:05Z" '
            'followUpDate="= &quot;2031-01-01T00:00:00Z&quot;"/><zeebe:priorityDefinition priority="= 40 + 2"/>'
            '</bpmn:extensionElements></bpmn:userTask>\n\n')
    api.deploy(diagram("zb_user", task))
    inst = api.start("zb_user", {"owner": "carol", "region": "emea"})
    [row] = inst["tasks"]
    assert row["assignee"] == "carol" and sorted(row["candidate_groups"]) == ["emea", "ops"]
    assert row["candidate_users"] == ["ann", "bob"]
    assert row["due_at"].startswith("2031-01-02T03:04:05") and row["follow_up_at"].startswith("2031-01-01")
    assert row["priority"] == 42


def test_call_activity_propagation(api):
    child = job("work", "child-work", '<zeebe:ioMapping><zeebe:output source="= made" target="made"/>'
                '<zeebe:output source="= if secret = null then &quot;no&quot; else &quot;yes&quot;" target="saw"/>'
                '</zeebe:ioMapping>')
    api.deploy(diagram("zb_child", child))
    call = ('<bpmn:callActivity id="call"><bpmn:extensionElements><zeebe:calledElement processId="zb_child" '
            'propagateAllChildVariables="false" propagateAllParentVariables="false"/><zeebe:ioMapping>'
            '<zeebe:input source="= a" target="given"/><zeebe:output source="= made" target="result"/>'
            '<zeebe:output source="= saw" target="childSaw"/>'
            '</zeebe:ioMapping></bpmn:extensionElements></bpmn:callActivity>\n\n')
    api.deploy(diagram("zb_parent", call))
    inst = api.start("zb_parent", {"a": 1, "secret": "s"})
    [task] = _fetch(api, "child-work")
    _complete(api, task, {"made": 7, "scratch": True})
    done = api.instance(inst["id"])
    assert done["status"] == "completed"
    # Only the input mapping entered the child (it did not see `secret`); only the output mapping came back.
    assert done["variables"] == {"a": 1, "secret": "s", "result": 7, "childSaw": "no"}


def test_feel_script_task_and_multi_instance_over_a_collection(api):
    script = ('<bpmn:scriptTask id="calc"><bpmn:extensionElements><zeebe:script expression="= sum(items) * 2" '
              'resultVariable="double"/></bpmn:extensionElements></bpmn:scriptTask>\n\n')
    each = ('<bpmn:serviceTask id="ship"><bpmn:extensionElements><zeebe:taskDefinition type="ship"/>'
            '</bpmn:extensionElements><bpmn:multiInstanceLoopCharacteristics><bpmn:extensionElements>'
            '<zeebe:loopCharacteristics inputCollection="= items" inputElement="item"/></bpmn:extensionElements>'
            '</bpmn:multiInstanceLoopCharacteristics></bpmn:serviceTask>\n\n')
    api.deploy(diagram("zb_script", script + each))
    inst = api.start("zb_script", {"items": [1, 2, 3]})
    assert api.instance(inst["id"])["variables"]["double"] == 12
    tasks = _fetch(api, "ship")
    assert len(tasks) == 3  # one job per element
    for task in tasks:
        _complete(api, task)
    assert api.instance(inst["id"])["status"] == "completed"


def test_message_catch_correlates_by_its_key_and_a_message_throw_is_a_job(api):
    defs = ('<bpmn:message id="m" name="paid"><bpmn:extensionElements><zeebe:subscription '
            'correlationKey="= orderId"/></bpmn:extensionElements></bpmn:message>')
    body = ('<bpmn:intermediateCatchEvent id="wait"><bpmn:messageEventDefinition messageRef="m"/>'
            '</bpmn:intermediateCatchEvent>\n\n'
            '<bpmn:intermediateThrowEvent id="notify"><bpmn:extensionElements><zeebe:taskDefinition type="notify"/>'
            '</bpmn:extensionElements><bpmn:messageEventDefinition/></bpmn:intermediateThrowEvent>\n\n')
    api.deploy(diagram("zb_msg", body, defs))
    one, two = api.start("zb_msg", {"orderId": "o-1"}), api.start("zb_msg", {"orderId": "o-2"})
    r = api.post("/api/messages", {"name": "paid", "correlation": {"orderId": "o-2"}})
    assert r.status_code == 200 and r.get_json()["instance_id"] == two["id"]
    [task] = _fetch(api, "notify")
    assert task["instance_id"] == two["id"] and task["activity"] == "notify"
    _complete(api, task)
    assert api.instance(two["id"])["status"] == "completed" and api.instance(one["id"])["status"] == "running"


@pytest.mark.parametrize("ext,needle", [
    ('<zeebe:executionListeners><zeebe:executionListener eventType="start" type="x"/></zeebe:executionListeners>',
     "zeebe:ExecutionListeners"),
    ('<zeebe:taskDefinition type="= kind"/>', "a job type computed by FEEL"),
    ('<zeebe:taskDefinition type="t"/><zeebe:ioMapping><zeebe:output source="= a" target="x.y"/></zeebe:ioMapping>',
     "dotted output target"),
    ('<zeebe:taskDefinition type="t"/><zeebe:ioMapping><zeebe:input source="= a +" target="x"/></zeebe:ioMapping>',
     "is not FEEL"),
    ('<zeebe:taskDefinition type="t"/><zeebe:somethingNew/>', "zeebe:SomethingNew"),
    ('<zeebe:taskDefinition type="t"/><zeebe:linkedResources/>', "linked resources"),
])
def test_refused_extensions_name_element_and_extension(api, ext, needle):
    xml = diagram("zb_bad", f'<bpmn:serviceTask id="bad"><bpmn:extensionElements>{ext}</bpmn:extensionElements>'
                            "</bpmn:serviceTask>\n\n")
    r = api.client.post("/api/deployments", data=xml, headers={**api._headers(), "Content-Type": "application/xml"})
    assert r.status_code == 422, r.get_json()
    errors = r.get_json()["errors"]
    assert any(e["element"] == "bad" and needle in e["message"] for e in errors), errors


def test_user_task_forms_refused_when_they_do_not_link(api):
    task = ('<bpmn:manualTask id="ask"><bpmn:extensionElements><zeebe:formDefinition formId="invoice-form"/>'
            '</bpmn:extensionElements></bpmn:manualTask>\n\n')
    r = api.client.post("/api/deployments", data=diagram("zb_form", task),
                        headers={**api._headers(), "Content-Type": "application/xml"})
    assert r.status_code == 422 and any(e["element"] == "ask" and "formId" in e["message"]
                                        for e in r.get_json()["errors"])
    task = task.replace('formId="invoice-form"', 'formKey="camunda-forms:bpmn:missing"').replace("manual", "user")
    r = api.client.post("/api/deployments", data=diagram("zb_form", task),
                        headers={**api._headers(), "Content-Type": "application/xml"})
    assert r.status_code == 422 and any("names no zeebe:userTaskForm" in e["message"] for e in r.get_json()["errors"])


FORM = ('{"id": "f", "type": "default", "components": [{"type": "textfield", "key": "name", "label": "Name", '
        '"validate": {"required": true, "minLength": 2, "pattern": "^[A-Z]"}}, {"type": "number", "key": "qty", '
        '"validate": {"min": 1, "max": 5}}, {"type": "select", "key": "size", "values": [{"label": "S", "value": "s"},'
        ' {"label": "M", "value": "m"}]}, {"type": "checklist", "key": "extras", "values": [{"label": "Gift", '
        '"value": "gift"}]}, {"type": "group", "components": [{"type": "checkbox", "key": "agree"}]}]}')


def test_embedded_camunda_form_validates_completion(api):
    body = ('<bpmn:userTask id="ask"><bpmn:extensionElements><zeebe:formDefinition formKey="camunda-forms:bpmn:f1"/>'
            '</bpmn:extensionElements></bpmn:userTask>\n\n')
    xml = diagram("zb_forms", body).replace(
        b'<bpmn:startEvent id="s"/>', b'<bpmn:extensionElements><zeebe:userTaskForm id="f1">'
        + FORM.replace("&", "&amp;").replace("<", "&lt;").encode() + b'</zeebe:userTaskForm></bpmn:extensionElements>'
        b'<bpmn:startEvent id="s"/>')
    api.deploy(xml)
    inst = api.start("zb_forms", {})
    [task] = inst["tasks"]
    assert task["form"]["schema"]["id"] == "f"
    assert [f["id"] for f in task["form"]["fields"]] == ["name", "qty", "size", "extras", "agree"]
    r = api.post(f"/api/tasks/{task['id']}/complete", {"variables": {
        "name": "ab", "qty": 9, "size": "xl", "extras": ["cake"], "agree": "yes"}})
    assert r.status_code == 422
    assert {e["field"] for e in r.get_json()["errors"]} == {"name", "qty", "size", "extras", "agree"}
    r = api.post(f"/api/tasks/{task['id']}/complete", {"variables": {"qty": 2}})
    assert r.status_code == 422 and [e["field"] for e in r.get_json()["errors"]] == ["name"]
    r = api.post(f"/api/tasks/{task['id']}/complete", {"variables": {
        "name": "Ann", "qty": 2.5, "size": "m", "extras": ["gift"], "agree": True}})
    assert r.status_code == 200, r.get_json()
    assert api.instance(inst["id"])["variables"]["size"] == "m"


def test_a_feel_error_in_a_mapping_at_run_time_is_an_incident_naming_element_and_expression(api):
    mapping = ('<zeebe:ioMapping><zeebe:input source="= for i in 1..100000000 return i" target="huge"/>'
               '</zeebe:ioMapping>')
    api.deploy(diagram("zb_feel_error", job("charge", "payment", mapping)))
    inst = api.start("zb_feel_error", {})
    assert inst["status"] == "failed"
    [incident] = inst["incidents"]
    assert incident["activity"] == "charge"
    assert "huge" in incident["message"] and "FEEL expression" in incident["message"]
    assert "return i" in incident["message"]


def test_the_task_page_renders_and_submits_a_camunda_form(app, api):
    from tests.test_web import Pages

    body = ('<bpmn:userTask id="ask"><bpmn:extensionElements><zeebe:formDefinition formKey="camunda-forms:bpmn:f1"/>'
            '</bpmn:extensionElements></bpmn:userTask>\n\n')
    api.deploy(diagram("zb_form_page", body).replace(
        b'<bpmn:startEvent id="s"/>', b'<bpmn:extensionElements><zeebe:userTaskForm id="f1">'
        + FORM.encode() + b'</zeebe:userTaskForm></bpmn:extensionElements><bpmn:startEvent id="s"/>'))
    inst = api.start("zb_form_page", {})
    task_id = inst["tasks"][0]["id"]
    pages = Pages(app, api.token)
    pages.post(f"/ui/tasks/{task_id}/claim")
    page = pages.text(f"/ui/tasks/{task_id}")
    assert 'name="qty"' in page and 'inputmode="decimal"' in page and '<select multiple id="f-extras"' in page
    r = pages.post(f"/ui/tasks/{task_id}/complete", {"name": "x", "qty": "7"})
    assert r.status_code in (200, 422) and "must be at most 5" in r.get_data(as_text=True)
    r = pages.post(f"/ui/tasks/{task_id}/complete", {"name": "Ann", "qty": "2.5", "size": "m", "extras": "gift",
                                                     "agree": "true"})
    assert r.status_code == 303, r.get_data(as_text=True)[:500]
    done = api.instance(inst["id"])["variables"]
    assert done["qty"] == 2.5 and done["extras"] == ["gift"] and done["agree"] is True


def test_a_feel_error_in_an_output_mapping_is_an_incident_when_the_job_completes(api):
    mapping = ('<zeebe:ioMapping><zeebe:output source="= for i in 1..100000000 return i" target="all"/>'
               '</zeebe:ioMapping>')
    api.deploy(diagram("zb_feel_out", job("ship", "shipping", mapping)))
    inst = api.start("zb_feel_out", {})
    [task] = _fetch(api, "shipping")
    r = api.post(f"/api/external-tasks/{task['id']}/complete", {"worker_id": "w", "variables": {"x": 1}})
    assert r.status_code == 200, r.get_json()  # the worker is done; the mapping is the diagram's problem
    failed = api.instance(inst["id"])
    assert failed["status"] == "failed", failed
    [incident] = failed["incidents"]
    assert incident["activity"] == "ship" and "all" in incident["message"] and "return i" in incident["message"]
