"""spiff-arena's JSON Schema user task forms (issue 15): the `.json` files deploy beside the diagram, the task's
form is the schema (and the fields the task page renders), and a completion is validated against it."""

from __future__ import annotations

import html
import json
import re

from tests.conftest import DIAGRAMS
from tests.test_web import Pages

SCHEMA = json.loads((DIAGRAMS / "claim-schema.json").read_text())


def _deploy(api, schema=None, ui=None, expect=(200, 201), names=("claim-schema.json", "claim-uischema.json")):
    """Deploy spiff_form.bpmn with its form files (their contents replaced when given)."""
    import io

    files = [((DIAGRAMS / "spiff_form.bpmn").read_bytes(), "spiff_form.bpmn")]
    for name, body in zip(names, (schema, ui), strict=False):
        if body is None:
            data = (DIAGRAMS / name).read_bytes()
        else:
            data = body if isinstance(body, bytes) else json.dumps(body).encode()
        files.append((data, name))
    r = api.client.post("/api/deployments", data={"file": [(io.BytesIO(d), n) for d, n in files]},
                        headers=api._headers(), content_type="multipart/form-data")
    assert r.status_code in (expect if isinstance(expect, tuple) else (expect,)), r.get_json()
    return r.get_json()


def test_a_spiff_model_with_scripts_instructions_and_a_json_schema_form_runs_through_the_api(api):
    _deploy(api)
    started = api.start("spiff_form", {"employee": "Ada", "trips": 2})
    [task] = api.tasks(instance=started["id"])
    assert task["instructions"] == "Claim for Ada: at most 200 EUR."  # after the pre-script set `limit`
    form = api.get(f"/api/tasks/{task['id']}").get_json()["form"]
    assert form["schema"] == SCHEMA and form["ui_schema"]["ui:order"][0] == "category"
    assert [(f["id"], f["type"], f["required"]) for f in form["fields"]] == [
        ("category", "enum", True), ("amount", "number", True), ("nights", "long", True),
        ("urgent", "boolean", False), ("note", "string", False), ("seats", "enum", False)]  # ui:order, then the
    # schema's; the array is not a page field
    assert form["fields"][0]["values"] == [{"id": "travel", "name": "travel"}, {"id": "food", "name": "food"}]
    assert form["fields"][4]["default"] == "none" and form["fields"][4]["maxlength"] == 20
    assert form["fields"][5]["values"] == [{"id": 1, "name": "One"}, {"id": 2, "name": "Two"}]  # rjsf's titled enum

    r = api.post(f"/api/tasks/{task['id']}/complete", {"variables": {
        "amount": -5, "category": "fax", "note": "x" * 21, "receipts": [1]}})
    assert r.status_code == 422, r.get_json()
    errors = {e["field"]: e["message"] for e in r.get_json()["errors"]}
    assert set(errors) == {"amount", "category", "note", "nights", "receipts.0"}, errors
    assert errors["nights"] == "is required" and "minimum of 0" in errors["amount"]
    assert api.tasks(instance=started["id"])[0]["id"] == task["id"]  # nothing completed

    api.complete(task["id"], {"amount": 250, "category": "travel", "nights": 2, "receipts": ["a.pdf"]})
    done = api.instance(started["id"])
    assert done["status"] == "completed", done
    v = done["variables"]
    assert v["paid"] == 200  # the post-script ran after the form was submitted
    assert v["note"] == "none" and v["urgent"] is False  # the schema's defaults fill what was not sent


def test_the_task_page_renders_the_json_schema_form_and_shows_its_errors(app, api):
    _deploy(api)
    started = api.start("spiff_form", {"employee": "Ada", "trips": 1})
    [task] = api.tasks(instance=started["id"])
    pages = Pages(app, api.token)
    assert pages.post(f"/ui/tasks/{task['id']}/claim").status_code == 303
    page = pages.text(f"/ui/tasks/{task['id']}")
    assert "Claim for Ada: at most 100 EUR." in page
    for label in ("Category", "Amount (EUR)", "Nights", "Urgent", "Note"):
        assert label in page
    assert page.index('data-field="category"') < page.index('data-field="amount"')  # ui:order
    r = pages.post(f"/ui/tasks/{task['id']}/complete", {"category": "travel", "amount": "30", "nights": "99"})
    assert r.status_code == 422
    shown = re.search(r'id="error-nights">([^<]*)<', html.unescape(r.get_data(as_text=True)))
    assert shown and "maximum of 30" in shown.group(1)
    r = pages.post(f"/ui/tasks/{task['id']}/complete", {"category": "food", "amount": "30.5", "nights": "1",
                                                        "note": "", "seats": "2"})
    assert r.status_code == 303, r.get_data(as_text=True)[:3000]
    v = api.instance(started["id"])["variables"]
    assert v["amount"] == 30.5 and v["nights"] == 1 and v["paid"] == 30.5 and v["note"] == "none"
    assert v["seats"] == 2  # the option's value, not the text the browser sent


def test_a_missing_or_invalid_form_file_is_refused_naming_the_task_and_the_file(api):
    r = _deploy(api, expect=422, names=("claim-uischema.json",))  # the schema file is not deployed
    assert any(e["element"] == "Claim" and "'claim-schema.json'" in e["message"] and "not in the deployment"
               in e["message"] for e in r["errors"]), r
    r = _deploy(api, schema={"type": "object", "properties": {"amount": {"type": "money"}}}, expect=422)
    assert any(e["element"] == "Claim" and "'claim-schema.json'" in e["message"] and "not a valid JSON Schema"
               in e["message"] for e in r["errors"]), r
    r = _deploy(api, schema=b"{not json", expect=422)
    assert any(e["element"] == "Claim" and "is not JSON" in e["message"] for e in r["errors"]), r
    assert api.get("/api/process-definitions?key=spiff_form").get_json()["items"] == []


def test_a_changed_form_file_makes_a_new_version(api):
    first = _deploy(api)["definitions"][0]
    assert _deploy(api)["definitions"][0]["version"] == first["version"]  # the same files: no new version
    changed = {**SCHEMA, "required": ["amount"]}
    second = _deploy(api, schema=changed)["definitions"][0]
    assert second["version"] == first["version"] + 1
    started = api.start("spiff_form", {"employee": "Ada", "trips": 1})
    [task] = api.tasks(instance=started["id"])
    api.complete(task["id"], {"amount": 3})  # nights and category are optional in the new version
    assert api.instance(started["id"])["status"] == "completed"


def _zip(entries: dict[str, bytes]) -> bytes:
    import io
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, body in entries.items():
            zf.writestr(name, body)
    return out.getvalue()


def _upload(api, name, data):
    import io

    return api.client.post("/api/deployments", data={"file": [(io.BytesIO(data), name)]}, headers=api._headers(),
                           content_type="multipart/form-data")


def test_a_spiff_arena_process_model_folder_deploys_as_one_zip(api):
    folder = {f"claims/{n}": (DIAGRAMS / n).read_bytes()
              for n in ("spiff_form.bpmn", "claim-schema.json", "claim-uischema.json")}
    folder["claims/process_model.json"] = b'{"display_name": "Claims"}'  # spiff-arena's own metadata file
    r = _upload(api, "claims.zip", _zip(folder))
    assert r.status_code == 201, r.get_json()
    assert [d["key"] for d in r.get_json()["definitions"]] == ["spiff_form"]
    started = api.start("spiff_form", {"employee": "Ada", "trips": 1})
    form = api.tasks(instance=started["id"])[0]["form"]
    assert form["schema"] == SCHEMA and form["ui_schema"]["ui:order"][0] == "category"


def test_a_zip_that_leaves_its_folder_or_is_too_big_is_refused_naming_the_entry(api, monkeypatch):
    from bpmn_server.services import model_zip

    bpmn = (DIAGRAMS / "spiff_form.bpmn").read_bytes()
    r = _upload(api, "evil.zip", _zip({"claims/spiff_form.bpmn": bpmn, "../../etc/claim-schema.json": b"{}",
                                        "/abs/x.json": b"{}", "claims/run.sh": b"rm -rf /"}))
    assert r.status_code == 422, r.get_json()
    named = {e["entry"]: e["message"] for e in r.get_json()["errors"]}
    assert set(named) == {"../../etc/claim-schema.json", "/abs/x.json", "claims/run.sh"}, named
    assert "leaves the folder" in named["/abs/x.json"]
    assert ".bpmn, .dmn, .json, .form or script file" in named["claims/run.sh"]  # a shell script is none
    monkeypatch.setattr(model_zip, "MAX_BYTES", 1000)  # a bomb: small packed, large unpacked
    r = _upload(api, "big.zip", _zip({"a.json": b" " * 5000}))
    assert r.status_code == 422 and "unpacks to more than" in r.get_json()["errors"][0]["message"]
    monkeypatch.setattr(model_zip, "MAX_ENTRIES", 2)
    r = _upload(api, "many.zip", _zip({f"{i}.json": b"{}" for i in range(3)}))
    assert r.status_code == 422 and "at most 2" in r.get_json()["errors"][0]["message"]
    assert api.get("/api/process-definitions?key=spiff_form").get_json()["items"] == []


def test_the_command_line_deploys_a_diagram_with_its_form_files(api, database_url):
    from click.testing import CliRunner

    from bpmn_server.cli import main

    env = {"BPMN_SERVER_DATABASE_URL": database_url, "BPMN_SERVER_SCHEDULER": "off"}
    paths = [str(DIAGRAMS / n) for n in ("claim-schema.json", "spiff_form.bpmn", "claim-uischema.json")]
    done = CliRunner().invoke(main, ["deploy", *paths], env=env)
    assert done.exit_code == 0, done.output
    assert "spiff_form.bpmn: spiff_form v1" in done.output
    started = api.start("spiff_form", {"employee": "Ada", "trips": 1})
    assert api.tasks(instance=started["id"])[0]["form"]["schema"] == SCHEMA


def test_a_caller_deployed_later_keeps_the_form_its_callee_was_deployed_with(api):
    _deploy(api)
    api.deploy("spiff_form_caller.bpmn")  # alone: the callee's form files were deployed with the callee
    started = api.start("spiff_form_caller", {"employee": "Ada"})
    [task] = api.tasks()
    assert task["form"]["schema"] == SCHEMA and task["instructions"] == "Claim for Ada: at most 300 EUR."
    r = api.post(f"/api/tasks/{task['id']}/complete", {"variables": {"amount": 5}})
    assert r.status_code == 422 and {e["field"] for e in r.get_json()["errors"]} == {"category", "nights"}
    api.complete(task["id"], {"amount": 500, "category": "food", "nights": 1})
    assert api.instance(started["id"])["status"] == "completed"


def test_a_bundle_carries_the_form_files_to_another_server(api, app_config, tmp_path):
    from tests.client import Api
    from tests.conftest import ADMIN_TOKEN
    from tests.test_bundles import _export, _fresh, _import

    _deploy(api)
    changed = {**SCHEMA, "required": ["amount"]}
    _deploy(api, schema=changed)  # the same diagram, another form: version 2
    bundle = _export(api, all_versions="true")
    target = Api(_fresh(app_config, tmp_path, "target.db"), ADMIN_TOKEN)
    result = _import(target, bundle)
    assert [[(x["key"], x["version"]) for x in d["definitions"]] for d in result["deployed"]] == [
        [("spiff_form", 1)], [("spiff_form", 2)]]
    started = target.start("spiff_form", {"employee": "Ada", "trips": 1})
    form = target.tasks(instance=started["id"])[0]["form"]
    assert form["schema"] == changed and form["ui_schema"]["ui:order"][0] == "category"
    again = _import(target, bundle)  # the same diagram and forms: nothing new
    assert again["deployed"] == [], again
