"""Deployments and process definitions: upload forms, versions, identical redeploys, reading back."""

from __future__ import annotations

import io

from tests.client import DIAGRAMS

APPROVAL = (DIAGRAMS / "core_approval.bpmn").read_bytes()


def _variant(n: int) -> bytes:
    """The approval diagram with a different process name: a new version of the same key."""
    return APPROVAL.replace(b'name="Approval"', f'name="Approval rev {n}"'.encode())


def _definitions(api, **params):
    r = api.get("/api/process-definitions", query_string=params)
    assert r.status_code == 200, r.get_json()
    return r.get_json()


def _deploy_raw(api, data: bytes, **params):
    return api.client.post("/api/deployments", data=data, content_type="application/xml",
                           query_string=params, headers={"Authorization": f"Bearer {api.token}"})


def test_multipart_with_several_files_and_a_note(api):
    r = api.client.post("/api/deployments", headers={"Authorization": f"Bearer {api.token}"},
                        content_type="multipart/form-data",
                        data={"file": [(io.BytesIO(APPROVAL), "core_approval.bpmn"),
                                       (io.BytesIO((DIAGRAMS / "core_exclusive.bpmn").read_bytes()),
                                        "core_exclusive.bpmn")],
                              "note": "approval and routing, first cut"})
    assert r.status_code == 201, r.get_json()
    body = r.get_json()
    assert set(body) == {"id", "created_at", "created_by", "note", "definitions"}
    assert body["note"] == "approval and routing, first cut"
    assert body["created_by"] == "admin"
    assert body["created_at"].endswith("Z")
    defs = {d["key"]: d for d in body["definitions"]}
    assert set(defs) == {"core_approval", "core_exclusive"}
    for d in defs.values():
        assert set(d) == {"id", "key", "name", "version", "deployment_id", "created_at", "version_tag",
                          "history_time_to_live", "start_form_key", "start_form",
                          "candidate_starter_groups", "candidate_starter_users"}
        assert d["candidate_starter_groups"] == [] and d["candidate_starter_users"] == []
        assert d["version"] == 1
        assert d["deployment_id"] == body["id"]
        assert d["created_at"].endswith("Z")
    assert defs["core_approval"]["name"] == "Approval"
    assert defs["core_exclusive"]["name"] == "Exclusive routing"


def test_raw_xml_upload(api):
    r = _deploy_raw(api, APPROVAL)
    assert r.status_code == 201, r.get_json()
    body = r.get_json()
    assert [d["key"] for d in body["definitions"]] == ["core_approval"]
    assert body["note"] is None
    inst = api.start("core_approval", {"amount": 10})
    assert inst["status"] == "completed"


def test_raw_xml_upload_takes_a_note_in_the_query(api):
    r = _deploy_raw(api, APPROVAL, note="uploaded with curl")
    assert r.status_code == 201
    assert r.get_json()["note"] == "uploaded with curl"


def test_versions_count_per_key(api):
    first = api.deploy("core_approval.bpmn")["definitions"][0]
    api.deploy("core_exclusive.bpmn")
    second = api.deploy(_variant(2))["definitions"][0]
    third = api.deploy(_variant(3))["definitions"][0]
    assert [first["version"], second["version"], third["version"]] == [1, 2, 3]
    assert len({first["id"], second["id"], third["id"]}) == 3
    assert third["name"] == "Approval rev 3"

    listed = _definitions(api, key="core_approval")["items"]
    assert [d["version"] for d in listed] == [3, 2, 1]  # newest first
    latest = _definitions(api, key="core_approval", latest="true")["items"]
    assert [(d["key"], d["version"]) for d in latest] == [("core_approval", 3)]
    every_latest = _definitions(api, latest="true")["items"]
    assert sorted((d["key"], d["version"]) for d in every_latest) == [("core_approval", 3), ("core_exclusive", 1)]

    # The other key keeps counting on its own.
    assert [d["version"] for d in _definitions(api, key="core_exclusive")["items"]] == [1]

    # Starting uses the latest version unless one is asked for.
    assert api.start("core_approval", {"amount": 1})["version"] == 3
    old = api.start("core_approval", {"amount": 1}, version=1)
    assert (old["version"], old["definition_id"]) == (1, first["id"])


def test_identical_redeploy_makes_no_new_version(api):
    first = api.deploy("core_approval.bpmn", note="v1")
    again_r = api.client.post("/api/deployments", headers={"Authorization": f"Bearer {api.token}"},
                              content_type="multipart/form-data",
                              data={"file": [(io.BytesIO(APPROVAL), "core_approval.bpmn")], "note": "again"})
    assert again_r.status_code == 200, again_r.get_json()
    again = again_r.get_json()
    assert again["definitions"] == first["definitions"]
    assert again["id"] == first["id"]
    raw = _deploy_raw(api, APPROVAL)
    assert raw.status_code == 200
    assert raw.get_json()["definitions"] == first["definitions"]
    assert [d["version"] for d in _definitions(api, key="core_approval")["items"]] == [1]
    created = api.get("/api/history/events", query_string={"type": "deployment.created"}).get_json()["items"]
    assert len(created) == 1


def test_identical_bytes_of_an_older_version_make_a_new_version(api):
    """Only the latest version counts: going back to v1's bytes is a change after v2."""
    api.deploy("core_approval.bpmn")
    api.deploy(_variant(2))
    back = api.deploy("core_approval.bpmn", expect=201)["definitions"][0]
    assert back["version"] == 3


def test_changed_and_unchanged_files_in_one_deployment(api):
    original = api.deploy("core_approval.bpmn")["definitions"][0]
    body = api.deploy("core_approval.bpmn", "core_exclusive.bpmn", expect=201)
    defs = {d["key"]: d for d in body["definitions"]}
    assert defs["core_approval"] == original
    assert defs["core_exclusive"]["version"] == 1
    assert defs["core_exclusive"]["deployment_id"] == body["id"]


def test_several_processes_in_one_file(api):
    body = api.deploy("core_two_processes.bpmn", expect=201)
    assert sorted(d["key"] for d in body["definitions"]) == ["core_archive", "core_intake"]
    assert api.start("core_intake")["variables"]["registered"] == "intake"
    assert api.start("core_archive")["variables"]["registered"] == "archive"


def test_collaboration_with_pools_and_lanes(api):
    body = api.deploy("core_collaboration.bpmn", expect=201)
    # The customer's pool is not executable: it documents, it does not run.
    assert [d["key"] for d in body["definitions"]] == ["core_lanes"]
    assert body["definitions"][0]["name"] == "Order handling"
    r = api.post("/api/process-instances", {"process": "core_customer"})
    assert r.status_code == 422
    inst = api.start("core_lanes")
    assert [t["activity"] for t in inst["tasks"]] == ["Activity_check_order"]
    # The lane names the candidate group.
    assert inst["tasks"][0]["candidate_groups"] == ["sales-team"]


def test_get_definition_and_its_exact_bytes(api):
    defn = api.deploy("core_approval.bpmn")["definitions"][0]
    r = api.get(f"/api/process-definitions/{defn['id']}")
    assert r.status_code == 200
    assert r.get_json() == defn
    xml = api.get(f"/api/process-definitions/{defn['id']}/xml")
    assert xml.status_code == 200
    assert xml.mimetype == "application/xml"
    assert xml.data == APPROVAL


def test_unknown_definition_is_404(api):
    for url in ("/api/process-definitions/nope", "/api/process-definitions/nope/xml"):
        r = api.get(url)
        assert r.status_code == 404
        assert r.mimetype == "application/problem+json"


def test_definition_list_pages(api):
    api.deploy("core_approval.bpmn")
    for n in range(2, 7):
        api.deploy(_variant(n))
    first = _definitions(api, key="core_approval", limit=2)
    assert [d["version"] for d in first["items"]] == [6, 5]
    second = _definitions(api, key="core_approval", limit=2, after=first["next"])
    assert [d["version"] for d in second["items"]] == [4, 3]
    third = _definitions(api, key="core_approval", limit=2, after=second["next"])
    assert [d["version"] for d in third["items"]] == [2, 1]
    assert third["next"] is None


def test_deployment_created_event(api):
    analyst = api.as_user("ana", "analyst")
    body = analyst.deploy("core_two_processes.bpmn", note="intake and archive")
    events = api.get("/api/history/events", query_string={"type": "deployment.created"}).get_json()["items"]
    assert len(events) == 1
    event = events[0]
    assert event["actor"] == "ana"
    assert event["data"]["deployment_id"] == body["id"]
    assert event["data"]["note"] == "intake and archive"
    assert sorted((d["key"], d["version"], d["id"]) for d in event["data"]["definitions"]) == sorted(
        (d["key"], d["version"], d["id"]) for d in body["definitions"])


def test_the_same_process_twice_in_one_deployment_is_refused(api):
    r = api.client.post("/api/deployments", headers={"Authorization": f"Bearer {api.token}"},
                        content_type="multipart/form-data",
                        data={"file": [(io.BytesIO(APPROVAL), "a.bpmn"), (io.BytesIO(_variant(2)), "b.bpmn")]})
    assert r.status_code == 422
    [error] = r.get_json()["errors"]
    assert (error["element"], error["file"]) == ("core_approval", "b.bpmn")
    assert "a.bpmn" in error["message"]
    assert _definitions(api)["items"] == []
