"""Every error a client sees is RFC 9457 problem+json: 400, 404, 405, 413, 415, 422 and 500."""

from __future__ import annotations

import io

import pytest

from tests.client import DIAGRAMS, Api
from tests.conftest import ADMIN_TOKEN

PROBLEM_KEYS = {"type", "title", "status", "detail"}


def problem(r, status: int) -> dict:
    assert r.status_code == status, (r.status_code, r.get_data(as_text=True)[:500])
    assert r.mimetype == "application/problem+json"
    body = r.get_json()
    assert PROBLEM_KEYS <= set(body)
    assert body["status"] == status
    text = r.get_data(as_text=True)
    assert "Traceback" not in text and "File \"" not in text
    return body


def raw(api, data: bytes, content_type: str = "application/xml"):
    return api.client.post("/api/deployments", data=data, content_type=content_type,
                           headers={"Authorization": f"Bearer {api.token}"})


# 400 -----------------------------------------------------------------------------------------------------------


def test_malformed_xml_gives_line_numbers(api):
    xml = (DIAGRAMS / "core_approval.bpmn").read_text().splitlines(keepends=True)
    # Break the tag on line 8 (a scriptTask's closing tag) so that the parser stops there.
    broken_line = next(i for i, line in enumerate(xml, 1) if "</bpmn:scriptTask>" in line)
    xml[broken_line - 1] = xml[broken_line - 1].replace("</bpmn:scriptTask>", "</bpmn:scriptTsk>")
    body = problem(raw(api, "".join(xml).encode()), 400)
    assert body["errors"], body
    assert body["errors"][0]["line"] == broken_line
    assert "scriptTsk" in body["errors"][0]["message"] or "mismatch" in body["errors"][0]["message"]


@pytest.mark.parametrize("data", [b"", b"not xml at all", b"<bpmn:definitions", "<a>\u00e9</b>".encode("latin-1")],
                         ids=["empty", "text", "truncated", "bad-encoding"])
def test_not_xml_is_400(api, data):
    body = problem(raw(api, data), 400)
    assert body["errors"][0]["line"] >= 1


def test_multipart_without_file_is_400(api):
    r = api.client.post("/api/deployments", data={"note": "forgot the file"}, content_type="multipart/form-data",
                        headers={"Authorization": f"Bearer {api.token}"})
    problem(r, 400)


def test_bad_json_bodies_are_400(api):
    headers = {"Authorization": f"Bearer {api.token}"}
    problem(api.client.post("/api/process-instances", data="{oops", content_type="application/json",
                            headers=headers), 400)
    problem(api.client.post("/api/process-instances", data="[1, 2]", content_type="application/json",
                            headers=headers), 400)
    body = problem(api.post("/api/process-instances", {"process": "x", "surprise": 1}), 400)
    assert body["errors"] == [{"field": "surprise", "message": "Unknown field."}]
    problem(api.post("/api/process-instances", {"variables": {}}), 400)  # no process
    problem(api.post("/api/process-instances", {"process": "x", "version": "two"}), 400)


def test_numbers_beyond_the_database_integers_are_400(api):
    """Versions and retries are 32-bit integers in the database (found by Schemathesis as a 500 on PostgreSQL)."""
    problem(api.post("/api/decision-definitions/key/x/evaluate", {"variables": {}, "version": 2**40}), 400)
    problem(api.post("/api/process-instances", {"process": "x", "version": 2**31}), 400)


def test_bad_queries_are_400(api):
    problem(api.get("/api/process-instances", query_string={"limit": 0}), 400)
    problem(api.get("/api/process-instances", query_string={"limit": "many"}), 400)
    problem(api.get("/api/process-instances", query_string={"after": "not-a-cursor"}), 400)
    problem(api.get("/api/process-definitions", query_string={"latest": "perhaps"}), 400)
    problem(api.get("/api/process-instances", query_string={"colour": "blue"}), 400)


def test_nul_characters_are_400_on_both_databases(api):
    """PostgreSQL's text cannot hold NUL; refusing it everywhere keeps both databases alike (found by
    Schemathesis as a 500 on PostgreSQL)."""
    body = problem(api.post("/api/messages", {"name": "pay\u0000ment"}), 400)
    assert "NUL" in body["detail"]
    body = problem(api.post("/api/process-instances", {"process": "x", "business_key": "k\u0000"}), 400)
    assert body["errors"] == [{"field": "business_key", "message": "contains NUL"}]
    # Variables are kept as JSON, where NUL is escaped: they may hold it.
    assert api.post("/api/process-instances", {"process": "x", "variables": {"a\u0000": "\u0000"}}
                    ).status_code == 422  # for the unknown process, not for the NUL
    problem(api.get("/api/tasks", query_string={"assignee": "ada\x00"}), 400)
    problem(api.get("/api/process-instances/abc%00def"), 400)
    r = api.client.post("/api/deployments", data={"note": "n\x00", "file": (io.BytesIO(b"<x/>"), "a.bpmn")},
                        headers={"Authorization": f"Bearer {api.token}"}, content_type="multipart/form-data")
    problem(r, 400)
    body = problem(api.post("/api/external-tasks/fetch-and-lock",
                            {"worker_id": "w", "topics": [{"name": "a\u0000", "lock_duration_ms": 1000}]}), 400)
    assert body["errors"] == [{"field": "topics.name", "message": "contains NUL"}]
    # An escaped backslash followed by u0000 is plain text, not NUL.
    assert api.post("/api/messages", {"name": "pay\\u0000ment"}).status_code == 404


# 404, 405 ------------------------------------------------------------------------------------------------------


def test_unknown_routes_and_ids_are_404(api):
    for url in ("/api/nope", "/nope", "/api/process-instances/0000/nope", "/api/process-instances/unknown-id",
                "/api/process-definitions/unknown-id"):
        body = problem(api.get(url), 404)
        assert "<html" not in body["detail"].lower()


def test_wrong_method_is_405_with_allow(api):
    r = api.client.delete("/api/process-definitions", headers={"Authorization": f"Bearer {api.token}"})
    problem(r, 405)
    assert "GET" in r.headers["Allow"]
    r = api.client.put("/api/deployments", headers={"Authorization": f"Bearer {api.token}"})
    problem(r, 405)
    assert "POST" in r.headers["Allow"]


# 413 -----------------------------------------------------------------------------------------------------------


@pytest.fixture
def small_limit_api(app_config):
    """A server whose upload limit is 2 KiB (BPMN_SERVER_MAX_UPLOAD_BYTES)."""
    from bpmn_server import create_app
    from models import db

    app = create_app({**app_config, "MAX_CONTENT_LENGTH": 2048})
    yield Api(app, ADMIN_TOKEN)
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def test_upload_over_the_limit_is_413(small_limit_api):
    api = small_limit_api
    big = (DIAGRAMS / "core_expressions.bpmn").read_bytes()
    assert len(big) > 2048
    body = problem(raw(api, big), 413)
    assert "2048" in body["detail"]
    r = api.client.post("/api/deployments", data={"file": [(io.BytesIO(big), "big.bpmn")]},
                        content_type="multipart/form-data", headers={"Authorization": f"Bearer {api.token}"})
    problem(r, 413)
    problem(api.post("/api/process-instances", {"process": "x", "variables": {"blob": "x" * 5000}}), 413)
    # Under the limit is fine.
    small = (DIAGRAMS / "core_callee.bpmn").read_bytes()
    small = small[:small.index(b"  <bpmndi:BPMNDiagram")] + b"</bpmn:definitions>\n"
    assert len(small) < 2048
    assert raw(api, small).status_code == 201


# 415 -----------------------------------------------------------------------------------------------------------


def test_wrong_content_type_is_415(api):
    xml = (DIAGRAMS / "core_approval.bpmn").read_bytes()
    problem(raw(api, xml, "application/json"), 415)
    problem(raw(api, xml, "text/plain"), 415)
    problem(api.client.post("/api/process-instances", data='{"process": "x"}', content_type="text/plain",
                            headers={"Authorization": f"Bearer {api.token}"}), 415)


# 422 -----------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("diagram, elements, words", [
    ("core_bad_dangling.bpmn", ["Flow_dangling"], "Activity_missing"),
    ("core_bad_complex.bpmn", ["Gateway_complex"], "complex gateway"),
    ("core_bad_script.bpmn", ["Activity_broken_1", "Activity_broken_2"], "does not compile"),
    ("core_bad_condition.bpmn", ["Flow_bad"], "does not compile"),
    ("core_bad_script_format.bpmn", ["Activity_groovy"], "groovy"),
    ("core_caller.bpmn", ["Activity_call_price"], "core_callee"),
])
def test_bpmn_that_cannot_run_is_422_naming_each_element(api, diagram, elements, words):
    body = problem(raw(api, (DIAGRAMS / diagram).read_bytes()), 422)
    assert [e["element"] for e in body["errors"]] == elements
    for error in body["errors"]:
        assert words in error["message"]
        assert isinstance(error["line"], int) and error["line"] > 1
    assert api.get("/api/process-definitions").get_json()["items"] == []


def test_script_with_an_import_is_refused_at_deploy(api):
    xml = (DIAGRAMS / "core_callee.bpmn").read_bytes().replace(b"price = quantity * 10",
                                                                b"import os\nprice = quantity * 10")
    body = problem(raw(api, xml), 422)
    assert body["errors"][0]["element"] == "Activity_price"
    assert "import" in body["errors"][0]["message"]


def test_one_bad_file_fails_the_whole_deployment(api):
    r = api.client.post("/api/deployments", headers={"Authorization": f"Bearer {api.token}"},
                        content_type="multipart/form-data",
                        data={"file": [(io.BytesIO((DIAGRAMS / "core_approval.bpmn").read_bytes()), "ok.bpmn"),
                                       (io.BytesIO((DIAGRAMS / "core_bad_complex.bpmn").read_bytes()), "bad.bpmn")]})
    body = problem(r, 422)
    assert [(e["file"], e["element"]) for e in body["errors"]] == [("bad.bpmn", "Gateway_complex")]
    assert api.get("/api/process-definitions").get_json()["items"] == []


def test_unknown_process_or_version_is_422(api):
    problem(api.post("/api/process-instances", {"process": "never_deployed"}), 422)
    api.deploy("core_approval.bpmn")
    problem(api.post("/api/process-instances", {"process": "core_approval", "version": 2}), 422)


# 500 -----------------------------------------------------------------------------------------------------------


def test_unexpected_exception_is_500_without_a_trace(api, monkeypatch):
    from bpmn_server.services import deployments

    def explode(*args, **kwargs):
        raise RuntimeError("secret connection string postgresql://user:hunter2@db")

    monkeypatch.setattr(deployments, "list_definitions", explode)
    r = api.get("/api/process-definitions")
    body = problem(r, 500)
    text = r.get_data(as_text=True)
    assert "hunter2" not in text and "RuntimeError" not in text
    assert set(body) == PROBLEM_KEYS


def test_a_refused_file_names_its_form_problems_with_the_others(api):
    xml = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="D" targetNamespace="t">
  <bpmn:process id="rounds" isExecutable="true">
    <bpmn:startEvent id="S"><bpmn:outgoing>F1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:scriptTask id="Bad" scriptFormat="python"><bpmn:incoming>F1</bpmn:incoming>
      <bpmn:outgoing>F2</bpmn:outgoing><bpmn:script>x = = 1</bpmn:script></bpmn:scriptTask>
    <bpmn:userTask id="U"><bpmn:extensionElements><camunda:formData>
      <camunda:formField id="f" type="colour" /></camunda:formData></bpmn:extensionElements>
      <bpmn:incoming>F2</bpmn:incoming><bpmn:outgoing>F3</bpmn:outgoing></bpmn:userTask>
    <bpmn:endEvent id="E"><bpmn:incoming>F3</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="F1" sourceRef="S" targetRef="Bad" />
    <bpmn:sequenceFlow id="F2" sourceRef="Bad" targetRef="U" />
    <bpmn:sequenceFlow id="F3" sourceRef="U" targetRef="E" />
  </bpmn:process>
</bpmn:definitions>"""
    r = api.deploy(xml, expect=422)
    assert {e["element"] for e in r["errors"]} == {"Bad", "U"}  # one round: the script and the form together
