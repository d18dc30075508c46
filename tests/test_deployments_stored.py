"""A diagram with no executable process deploys as in Camunda 7: its file is stored, no definition is made, and the
answer says why in `notes`; Camunda 8's API refuses it, as Zeebe does."""

from __future__ import annotations

import io

import pytest

from tests.client import DIAGRAMS
from tests.conftest import ADMIN_TOKEN
from tests.test_camunda_deploy import Camunda
from tests.test_web import Pages

SKETCH = (DIAGRAMS / "core_bad_no_executable.bpmn").read_bytes()
NS = 'xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="Defs" targetNamespace="http://example.com"'
POOLS = f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions {NS}>
  <bpmn:collaboration id="Collab">
    <bpmn:participant id="P_a" name="Shop" processRef="shop" />
    <bpmn:participant id="P_b" name="Customer" processRef="customer" />
  </bpmn:collaboration>
  <bpmn:process id="shop" isExecutable="false"><bpmn:startEvent id="s1" /></bpmn:process>
  <bpmn:process id="customer" isExecutable="false"><bpmn:task id="t1" /></bpmn:process>
</bpmn:definitions>
""".encode()
NO_PROCESS = f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions {NS}>
  <bpmn:collaboration id="Collab"><bpmn:participant id="P_a" name="Shop" /></bpmn:collaboration>
</bpmn:definitions>
""".encode()


def _upload(api, data: bytes, name: str):
    return api.client.post("/api/deployments", data={"file": [(io.BytesIO(data), name)]},
                           content_type="multipart/form-data", headers={"Authorization": f"Bearer {api.token}"})


def test_a_non_executable_process_is_stored_with_a_note_and_runs_nothing(api):
    r = _upload(api, SKETCH, "sketch.bpmn")
    assert r.status_code == 201, r.get_json()
    body = r.get_json()
    assert body["definitions"] == []
    [note] = body["notes"]
    assert (note["file"], note["element"]) == ("sketch.bpmn", "core_sketch")
    assert 'not executable (isExecutable="false"): stored, not deployed to run' in note["message"]
    assert isinstance(note["line"], int)
    assert api.get("/api/process-definitions").get_json()["items"] == []
    assert api.post("/api/process-instances", {"process": "core_sketch"}).status_code == 422

    got = api.get(f"/api/deployments/{body['id']}").get_json()
    assert got["definitions"] == [] and got["files"] == [{"name": "sketch.bpmn", "processes": []}]
    assert got["notes"] == [note]
    download = api.get(f"/api/deployments/{body['id']}/files/sketch.bpmn")
    assert download.status_code == 200 and download.mimetype == "application/xml" and download.data == SKETCH
    assert api.get(f"/api/deployments/{body['id']}/files/other.bpmn").status_code == 404
    assert body["id"] in [d["id"] for d in api.get("/api/deployments").get_json()["items"]]

    # Byte-identical again: nothing new, the deployment that holds it (200), as for an unchanged process.
    again = _upload(api, SKETCH, "sketch.bpmn")
    assert again.status_code == 200 and again.get_json()["id"] == body["id"]
    assert again.get_json()["notes"] == [note]
    changed = _upload(api, SKETCH.replace(b"Just a sketch", b"A better sketch"), "sketch.bpmn")
    assert changed.status_code == 201 and changed.get_json()["id"] != body["id"]


def test_a_collaboration_of_non_executable_pools_names_each_process(api):
    body = api.deploy(POOLS, expect=201)
    assert body["definitions"] == []
    assert sorted(n["element"] for n in body["notes"]) == ["customer", "shop"]


def test_a_file_with_no_process_is_stored_as_camunda_7_stores_it(api):
    body = api.deploy(NO_PROCESS, expect=201)
    assert body["definitions"] == []
    assert [n["message"] for n in body["notes"]] == ["the file has no process: stored, nothing to run"]


def test_a_mixed_file_deploys_its_executable_process_and_notes_the_other(api):
    body = api.deploy("core_collaboration.bpmn", expect=201)
    assert [d["key"] for d in body["definitions"]] == ["core_lanes"]
    assert [(n["file"], n["element"]) for n in body["notes"]] == [("core_collaboration.bpmn", "core_customer")]
    got = api.get(f"/api/deployments/{body['id']}").get_json()
    assert got["files"] == [{"name": "core_collaboration.bpmn", "processes": ["core_lanes"]}]
    assert got["notes"] == body["notes"]
    # A file with every process executable has no notes.
    assert "notes" not in api.deploy("core_approval.bpmn", expect=201)


def test_a_non_executable_file_still_refused_for_another_problem_is_refused(api):
    broken = SKETCH.replace(b'<bpmn:process id="core_sketch"', b'<bpmn:process id="core_sketch" bogus="1"')
    r = _upload(api, broken, "broken.bpmn")
    assert r.status_code == 422, r.get_json()
    assert not any("not executable" in e["message"] for e in r.get_json()["errors"])


def test_validate_says_what_a_deploy_would_store_without_running(api):
    r = api.client.post("/api/deployments/validate", data={"file": [(io.BytesIO(SKETCH), "sketch.bpmn")]},
                        content_type="multipart/form-data", headers={"Authorization": f"Bearer {api.token}"})
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["valid"] is True and r.get_json()["processes"] == []
    assert [n["element"] for n in r.get_json()["notes"]] == ["core_sketch"]


def test_engine_rest_deploys_it_with_no_process_definition(api):
    r = Camunda(api).modeler_deploy("sketch.bpmn", SKETCH)
    assert r.status_code == 200, r.get_data(as_text=True)
    body = r.get_json()
    assert body["deployedProcessDefinitions"] is None  # as Camunda 7 answers
    assert [n["element"] for n in body["notes"]] == ["core_sketch"]


def test_camunda_8_refuses_it_as_zeebe_does(api):
    r = api.client.post("/v2/deployments", data={"resources": [(io.BytesIO(SKETCH), "sketch.bpmn")]},
                        content_type="multipart/form-data", headers={"Authorization": f"Bearer {api.token}"})
    assert r.status_code in (400, 422), r.get_data(as_text=True)
    assert "Must contain at least one executable process" in r.get_data(as_text=True)
    assert api.get("/api/deployments").get_json()["items"] == []


def test_the_deployment_page_shows_the_note(app, api):
    body = api.deploy(SKETCH, expect=201)
    pages = Pages(app, ADMIN_TOKEN)
    listed = pages.get("/ui/deployments").get_data(as_text=True)
    assert body["id"] in listed
    page = pages.get(f"/ui/deployments/{body['id']}").get_data(as_text=True)
    assert "core_sketch" in page and "stored, not deployed to run" in page


class TestApproval:
    @pytest.fixture
    def app_config(self, app_config):
        return {**app_config, "DEPLOY_APPROVAL": True}

    def test_a_proposal_of_a_non_executable_file_is_approved_into_a_stored_file(self, api):
        anna, paul = api.as_user("anna", "analyst"), api.as_user("paul", "approver")
        r = _upload(anna, SKETCH, "sketch.bpmn")
        assert r.status_code == 202, r.get_json()
        proposal = r.get_json()
        assert proposal["definitions"] == [] and [n["element"] for n in proposal["notes"]] == ["core_sketch"]
        assert api.get(f"/api/deployments/{proposal['id']}/diff").get_json()["processes"] == []
        proposed = api.get(f"/api/deployments/{proposal['id']}").get_json()
        assert proposed["files"] == [{"name": "sketch.bpmn", "processes": []}]
        assert proposed["notes"] == proposal["notes"]
        assert api.get(f"/api/deployments/{proposal['id']}/files/sketch.bpmn").data == SKETCH
        page = Pages(api.app, ADMIN_TOKEN).get(f"/ui/deployments/{proposal['id']}").get_data(as_text=True)
        assert "stored, not deployed to run" in page
        r = paul.post(f"/api/deployments/{proposal['id']}/approve")
        assert r.status_code == 200, r.get_json()
        got = api.get(f"/api/deployments/{proposal['id']}").get_json()
        assert got["status"] == "approved" and got["files"] == [{"name": "sketch.bpmn", "processes": []}]
        # The same bytes again: identical to what is live, nothing to approve.
        again = _upload(anna, SKETCH, "sketch.bpmn")
        assert again.status_code == 200 and again.get_json()["id"] == proposal["id"]


def test_the_upload_page_and_the_editor_land_on_the_deployment(app, api):
    pages = Pages(app, ADMIN_TOKEN)
    r = pages.post("/ui/deploy", {"file": (io.BytesIO(SKETCH), "sketch.bpmn")}, content_type="multipart/form-data")
    assert r.status_code == 303 and "/ui/deployments/" in r.headers["Location"], r.get_data(as_text=True)[:500]
    page = pages.get(r.headers["Location"]).get_data(as_text=True)
    assert "stored, not deployed to run" in page
    r = pages.client.post("/ui/editor/deploy", json={"xml": POOLS.decode(), "filename": "pools.bpmn"},
                          headers={"X-CSRF-Token": pages.csrf})
    assert r.status_code == 200, r.get_data(as_text=True)[:500]
    assert "/ui/deployments/" in r.get_json()["location"]


def test_the_command_line_says_what_it_stored(app, tmp_path):
    from bpmn_server.cli import deploy_files

    path = tmp_path / "sketch.bpmn"
    path.write_bytes(SKETCH)
    with app.app_context():
        lines = deploy_files([path])
    assert any("sketch.bpmn: process 'core_sketch' is not executable" in line for line in lines)


def test_java_in_a_process_that_never_runs_is_stored_like_the_rest(api):
    """Camunda 7 never parses a non-executable process, so the Java it names is no reason to refuse the file; in
    an executable process the same task is refused, naming it."""
    java = POOLS.replace(b'<bpmn:task id="t1" />', b'<bpmn:serviceTask id="t1" camunda:class="com.acme.Pay" />') \
        .replace(b"<bpmn:definitions ", b'<bpmn:definitions xmlns:camunda="http://camunda.org/schema/1.0/bpmn" ')
    r = _upload(api, java, "java_sketch.bpmn")
    assert r.status_code == 201, r.get_json()
    assert r.get_json()["definitions"] == [] and len(r.get_json()["notes"]) == 2
    r = _upload(api, java.replace(b'id="customer" isExecutable="false"', b'id="customer" isExecutable="true"'),
                "java_run.bpmn")
    assert r.status_code == 422 and "t1" in [e["element"] for e in r.get_json()["errors"]], r.get_json()
