"""Camunda Forms deployed as `.form` files beside diagrams and linked from user tasks by
`zeebe:formDefinition formId`: versioned per form id, an unknown formId refused at deploy, bound (latest version)
when the task is created (a start event's when the process is deployed), validated on completion and at start, and
rendered by the task page like an embedded form."""

from __future__ import annotations

import io
import json
import zipfile

from tests.test_zeebe_dialect import FORM, diagram

LINKED = ('<bpmn:userTask id="ask" name="Ask"><bpmn:extensionElements><zeebe:formDefinition formId="order-form"/>'
          '</bpmn:extensionElements></bpmn:userTask>\n\n')


def _form(**changes) -> bytes:
    schema = {**json.loads(FORM), "id": "order-form", **changes}
    return json.dumps(schema).encode()


def _deploy(api, *files: tuple[bytes, str]):
    return api.client.post("/api/deployments", data={"file": [(io.BytesIO(d), n) for d, n in files]},
                           headers=api._headers(), content_type="multipart/form-data")


def test_form_files_deploy_beside_diagrams_versioned_per_form_id(api):
    r = _deploy(api, (diagram("cf_order", LINKED), "order.bpmn"), (_form(), "order.form"))
    assert r.status_code == 201, r.get_json()
    body = r.get_json()
    assert [d["key"] for d in body["definitions"]] == ["cf_order"]
    assert [(f["id"], f["version"]) for f in body["form_definitions"]] == [("order-form", 1)]
    # The same file again makes no new version.
    r = _deploy(api, (_form(), "order.form"))
    assert r.status_code == 200 and r.get_json()["id"] == body["id"]
    r = _deploy(api, (_form(schemaVersion=16), "order.form"))
    assert r.status_code == 201 and r.get_json()["form_definitions"][0]["version"] == 2
    items = api.get("/api/forms").get_json()["items"]
    assert sorted((f["id"], f["version"]) for f in items) == [("order-form", 1), ("order-form", 2)]
    assert all(f["deployment_id"] for f in items)
    [newest] = api.get("/api/forms?latest=true").get_json()["items"]
    assert newest["version"] == 2
    r = api.get("/api/forms/order-form")
    assert r.status_code == 200 and r.get_json()["schemaVersion"] == 16
    assert "schemaVersion" not in api.get("/api/forms/order-form?version=1").get_json()
    assert api.get("/api/forms/nope").status_code == 404


def test_a_malformed_form_file_is_a_422_naming_the_file(api):
    for data, needle in ((b"{not json", "not JSON"), (b'{"components": []}', "no `id`"),
                         (b'{"id": "x"}', "components")):
        r = _deploy(api, (diagram("cf_bad", LINKED), "ok.bpmn"), (data, "broken.form"))
        assert r.status_code == 422, r.get_json()
        errors = r.get_json()["errors"]
        assert any(e["file"] == "broken.form" and needle in e["message"] for e in errors), errors
    assert api.get("/api/forms").get_json()["items"] == []
    assert api.get("/api/process-definitions?key=cf_bad").get_json()["items"] == []


def test_linked_form_binds_the_latest_version_when_the_task_is_created_and_validates(api):
    _deploy(api, (diagram("cf_bind", LINKED), "bind.bpmn"), (_form(), "order.form"))
    first = api.start("cf_bind", {})
    [task] = first["tasks"]
    assert task["form"]["schema"]["id"] == "order-form" and task["form"]["form_version"] == 1
    assert [f["id"] for f in task["form"]["fields"]] == ["name", "qty", "size", "extras", "agree"]
    # A new version of the form: tasks created from now on get it; the open task keeps the one it was bound to.
    newer = json.loads(_form())
    newer["components"].append({"type": "textfield", "key": "note", "validate": {"required": True}})
    assert _deploy(api, (json.dumps(newer).encode(), "order.form")).status_code == 201
    [second] = api.start("cf_bind", {})["tasks"]
    assert second["form"]["form_version"] == 2 and second["form"]["fields"][-1]["id"] == "note"
    assert api.get(f"/api/tasks/{task['id']}").get_json()["form"]["form_version"] == 1
    r = api.post(f"/api/tasks/{task['id']}/complete", {"variables": {"name": "ab", "qty": 9}})
    assert r.status_code == 422 and {e["field"] for e in r.get_json()["errors"]} == {"name", "qty"}
    r = api.post(f"/api/tasks/{task['id']}/complete", {"variables": {"name": "Ann", "qty": 2}})
    assert r.status_code == 200, r.get_json()
    r = api.post(f"/api/tasks/{second['id']}/complete", {"variables": {"name": "Ann", "qty": 2}})
    assert r.status_code == 422 and [e["field"] for e in r.get_json()["errors"]] == ["note"]


def test_an_unknown_form_id_is_refused_at_deploy_naming_element_and_form_id(api):
    r = _deploy(api, (diagram("cf_late", LINKED), "late.bpmn"))
    assert r.status_code == 422, r.get_json()
    [error] = r.get_json()["errors"]
    assert error["element"] == "ask" and error["field"] == "formId" and "'order-form'" in error["message"]
    assert error["file"] == "late.bpmn"
    assert api.get("/api/process-definitions?key=cf_late").get_json()["items"] == []
    # Deployed before, in its own deployment: the diagram deploys alone.
    assert _deploy(api, (_form(), "order.form")).status_code == 201
    assert _deploy(api, (diagram("cf_late", LINKED), "late.bpmn")).status_code == 201
    [task] = api.start("cf_late", {})["tasks"]
    assert task["form"]["form_id"] == "order-form"


def test_a_form_in_the_same_zip_deploys_with_its_diagram(api):
    packed = io.BytesIO()
    with zipfile.ZipFile(packed, "w") as zf:
        zf.writestr("model/order.bpmn", diagram("cf_zip", LINKED))
        zf.writestr("model/order.form", _form())
    r = _deploy(api, (packed.getvalue(), "model.zip"))
    assert r.status_code == 201, r.get_json()
    assert [(f["id"], f["version"]) for f in r.get_json()["form_definitions"]] == [("order-form", 1)]
    [task] = api.start("cf_zip", {})["tasks"]
    assert task["form"]["form_version"] == 1


def test_a_form_removed_after_deploy_is_an_incident_then_retried(app, api):
    # Forms are never removed through the server; a database changed by hand (or from before the deploy check)
    # can still lack one: the task's creation is then an incident naming the task and the formId.
    from models import FormDefinition, db

    _deploy(api, (diagram("cf_gone", LINKED), "gone.bpmn"), (_form(), "order.form"))
    with app.app_context():
        db.session.query(FormDefinition).delete()
        db.session.commit()
    inst = api.start("cf_gone", {})
    assert inst["status"] == "failed" and inst["tasks"] == []
    [incident] = inst["incidents"]
    assert incident["activity"] == "ask" and "order-form" in incident["message"]
    _deploy(api, (_form(), "order.form"))
    fixed = api.post(f"/api/process-instances/{inst['id']}/retry", {"reason": "form deployed"}).get_json()
    assert fixed["status"] == "running", fixed
    [task] = fixed["tasks"]
    assert task["form"]["schema"]["id"] == "order-form"


START = ('<bpmn:process id="cf_start" isExecutable="true">{inside}<bpmn:startEvent id="s">{form}</bpmn:startEvent>'
         '<bpmn:endEvent id="e"/><bpmn:sequenceFlow id="f" sourceRef="s" targetRef="e"/></bpmn:process>')


def _start_diagram(form: str, inside: str = "") -> bytes:
    head = diagram("x", "").split(b"<bpmn:process")[0].decode()
    body = START.format(form=f"<bpmn:extensionElements>{form}</bpmn:extensionElements>", inside=inside)
    return f"{head}{body}</bpmn:definitions>".encode()


def test_a_start_event_form_id_is_the_start_form(api):
    linked = _start_diagram('<zeebe:formDefinition formId="order-form"/>')
    r = _deploy(api, (linked, "start.bpmn"))
    assert r.status_code == 422 and r.get_json()["errors"][0]["element"] == "s"
    assert "'order-form'" in r.get_json()["errors"][0]["message"]
    r = _deploy(api, (linked, "start.bpmn"), (_form(), "order.form"))
    assert r.status_code == 201, r.get_json()
    definition = r.get_json()["definitions"][0]
    got = api.get(f"/api/process-definitions/{definition['id']}").get_json()
    assert got["start_form"]["form_id"] == "order-form" and got["start_form"]["form_version"] == 1
    assert [f["id"] for f in got["start_form"]["fields"]] == ["name", "qty", "size", "extras", "agree"]
    r = api.post("/api/process-instances", {"process": "cf_start", "variables": {"qty": 9}})
    assert r.status_code == 422 and {e["field"] for e in r.get_json()["errors"]} == {"name", "qty"}
    assert api.start("cf_start", {"name": "Ann", "qty": 2})["status"] == "completed"
    # The start form is bound when the process is deployed: the same diagram with a new form is a new version.
    newer = json.loads(_form())
    newer["components"].append({"type": "textfield", "key": "note", "validate": {"required": True}})
    r = _deploy(api, (linked, "start.bpmn"), (json.dumps(newer).encode(), "order.form"))
    assert r.status_code == 201 and r.get_json()["definitions"][0]["version"] == 2
    r = api.post("/api/process-instances", {"process": "cf_start", "variables": {"name": "Ann"}})
    assert r.status_code == 422 and [e["field"] for e in r.get_json()["errors"]] == ["note"]
    assert _deploy(api, (linked, "start.bpmn")).status_code == 200  # nothing changed


def test_an_embedded_start_form_and_forms_where_they_cannot_be(api):
    embedded = _start_diagram('<zeebe:formDefinition formKey="camunda-forms:bpmn:f1"/>',
                              '<bpmn:extensionElements><zeebe:userTaskForm id="f1">'
                              + FORM.replace("&", "&amp;").replace("<", "&lt;")
                              + "</zeebe:userTaskForm></bpmn:extensionElements>")
    api.deploy(embedded)
    r = api.post("/api/process-instances", {"process": "cf_start", "variables": {"qty": 2}})
    assert r.status_code == 422 and [e["field"] for e in r.get_json()["errors"]] == ["name"]
    end = ('<bpmn:intermediateThrowEvent id="done"><bpmn:extensionElements><zeebe:formDefinition formId="order-form"/>'
           '</bpmn:extensionElements></bpmn:intermediateThrowEvent>\n\n')
    r = _deploy(api, (diagram("cf_end", end), "end.bpmn"), (_form(), "order.form"))
    assert r.status_code == 422
    assert any(e["element"] == "done" and "formId on a intermediateThrowEvent" in e["message"]
               for e in r.get_json()["errors"])


def test_form_id_refused_where_it_cannot_run(api):
    computed = LINKED.replace('formId="order-form"', 'formId="= formName"')
    r = api.client.post("/api/deployments", data=diagram("cf_feel", computed),
                        headers={**api._headers(), "Content-Type": "application/xml"})
    assert r.status_code == 422
    assert any(e["element"] == "ask" and "fixed form id" in e["message"] for e in r.get_json()["errors"])


def test_the_task_page_renders_and_submits_a_deployed_form(app, api):
    from tests.test_web import Pages

    _deploy(api, (diagram("cf_page", LINKED), "page.bpmn"), (_form(), "order.form"))
    inst = api.start("cf_page", {})
    task_id = inst["tasks"][0]["id"]
    pages = Pages(app, api.token)
    pages.post(f"/ui/tasks/{task_id}/claim")
    page = pages.text(f"/ui/tasks/{task_id}")
    assert 'name="qty"' in page and '<select multiple id="f-extras"' in page
    r = pages.post(f"/ui/tasks/{task_id}/complete", {"name": "x", "qty": "7"})
    assert r.status_code in (200, 422) and "must be at most 5" in r.get_data(as_text=True)
    r = pages.post(f"/ui/tasks/{task_id}/complete", {"name": "Ann", "qty": "2", "size": "m", "agree": "true"})
    assert r.status_code == 303, r.get_data(as_text=True)[:500]
    assert api.instance(inst["id"])["variables"]["size"] == "m"


def test_validating_a_deployment_checks_its_form_files_and_keeps_nothing(api):
    r = api.client.post("/api/deployments/validate", headers=api._headers(), content_type="multipart/form-data",
                        data={"file": [(io.BytesIO(diagram("cf_check", LINKED)), "check.bpmn"),
                                       (io.BytesIO(b"[]"), "list.form")]})
    body = r.get_json()
    assert r.status_code == 200 and body["valid"] is False
    assert [e["file"] for e in body["errors"]] == ["list.form"]
    r = api.client.post("/api/deployments/validate", headers=api._headers(), content_type="multipart/form-data",
                        data={"file": [(io.BytesIO(diagram("cf_check", LINKED)), "check.bpmn"),
                                       (io.BytesIO(_form()), "order.form")]})
    assert r.get_json()["valid"] is True
    assert api.get("/api/forms").get_json()["items"] == []
