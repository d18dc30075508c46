"""spiff-arena's dialect (issue 15): pre- and post-scripts, service task operators as external tasks, unit tests
kept as metadata, and every other spiffworkflow: extension refused at deploy naming it."""

from __future__ import annotations

from tests.conftest import DIAGRAMS
from tests.test_web import Pages


def _work(api, worker, topic):
    r = api.post("/api/external-tasks/fetch-and-lock",
                 {"worker_id": worker, "topics": [{"name": topic, "lock_duration_ms": 60_000}]})
    assert r.status_code == 200, r.get_json()
    return r.get_json()["items"]


def test_pre_and_post_scripts_and_an_operator_run_as_spiff_arena_runs_them(api):
    api.deploy("spiff_scripts.bpmn")
    started = api.start("spiff_scripts", {"name": "Ada", "amount": 3, "currency": "EUR", "log": [],
                                          "lines": ["rent", "food"]})
    assert started["variables"]["greeting"] == "Hello Ada"  # the pre-script ran when the task was entered
    [task] = api.tasks(instance=started["id"])
    api.complete(task["id"], {"approved": True})

    [job] = _work(api, "w1", "http/GetRequest")  # the operator id is the topic
    variables = job["variables"]
    assert variables["url"] == "https://rates.example/EUR" and variables["timeout"] == 7  # parameters, evaluated
    r = api.post(f"/api/external-tasks/{job['id']}/complete",
                 {"worker_id": "w1", "variables": {"result": {"rate": 1.1}}})
    assert r.status_code == 200, r.get_json()
    done = api.instance(started["id"])
    assert done["status"] == "completed", done
    v = done["variables"]
    assert v["log"] == ["pre approve", "post approve True", "pre script", "script", "post script"]
    assert v["total"] == 6
    assert v["response"] == {"rate": 1.1} and v["rate"] == 1.1  # resultVariable; the post-script sees it
    for local in ("url", "timeout", "result"):  # the operator's parameters and raw result stay in the task
        assert local not in v


def test_refused_spiff_extensions_are_named_at_once(api):
    r = api.deploy("spiff_refused.bpmn", expect=422)
    messages = {(e["element"], e["message"].split("]")[0] + "]") for e in r["errors"]}
    assert ("Fill", "[spiffworkflow:property formJsonSchemaFilename]") in messages
    assert ("Fill", "[spiffworkflow:fancyNewThing]") in messages
    assert ("Msg", "[spiffworkflow:messageVariable]") in messages


def test_a_file_mixing_spiff_and_camunda_extensions_is_refused(api):
    xml = (DIAGRAMS / "spiff_scripts.bpmn").read_bytes().replace(
        b'xmlns:spiffworkflow=', b'xmlns:camunda="http://camunda.org/schema/1.0/bpmn" xmlns:spiffworkflow=').replace(
        b'<bpmn:userTask id="Approve" name="Approve">', b'<bpmn:userTask id="Approve" name="Approve" '
                                                       b'camunda:assignee="demo">')
    r = api.deploy(xml, expect=422)
    assert any("mixes spiff-arena's" in e["message"] for e in r["errors"]), r


def test_instructions_are_rendered_with_the_variables_in_the_api_and_on_the_task_page(app, api):
    api.deploy("spiff_scripts.bpmn")
    started = api.start("spiff_scripts", {"name": "Ada", "amount": 3, "currency": "EUR", "log": [],
                                          "lines": ["rent", "food"]})
    [task] = api.tasks(instance=started["id"])
    expected = "## Hello Ada\nPlease approve **3 EUR**.\n- rent\n- food\n<script>alert(1)</script>"
    assert task["instructions"] == expected  # rendered after the pre-script set `greeting`
    assert api.get(f"/api/tasks/{task['id']}").get_json()["instructions"] == expected
    r = Pages(app, api.token).get(f"/ui/tasks/{task['id']}")
    page = r.get_data(as_text=True)
    assert r.status_code == 200 and "Please approve **3 EUR**." in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>alert(1)" not in page  # text, not HTML


def test_a_template_that_fails_is_an_incident_and_one_that_does_not_compile_is_refused(api):
    xml = (DIAGRAMS / "spiff_scripts.bpmn").read_bytes()
    broken = xml.replace(b"{% for line in lines %}", b"{% for line in %}")
    r = api.deploy(broken, expect=422)
    assert any(e["element"] == "Approve" and "[spiffworkflow:instructionsForEndUser]" in e["message"]
               for e in r["errors"]), r
    api.deploy(xml)
    started = api.start("spiff_scripts", {"name": "Ada", "amount": 3, "currency": "EUR", "log": [], "lines": 5})
    [incident] = started["incidents"]
    assert incident["activity"] == "Approve" and "instructionsForEndUser" in incident["message"], incident


MANUAL = b"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" id="Defs_manual" targetNamespace="x">
  <bpmn:process id="spiff_manual" isExecutable="true">
    <bpmn:startEvent id="Start"><bpmn:outgoing>F1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:manualTask id="Sign" name="Sign the paper">
      <bpmn:extensionElements>
        <spiffworkflow:instructionsForEndUser>Sign contract {{ contract }}.</spiffworkflow:instructionsForEndUser>
        <spiffworkflow:postScript>signed = True</spiffworkflow:postScript>
      </bpmn:extensionElements>
      <bpmn:incoming>F1</bpmn:incoming><bpmn:outgoing>F2</bpmn:outgoing>
    </bpmn:manualTask>
    <bpmn:endEvent id="End"><bpmn:incoming>F2</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="F1" sourceRef="Start" targetRef="Sign" />
    <bpmn:sequenceFlow id="F2" sourceRef="Sign" targetRef="End" />
  </bpmn:process>
</bpmn:definitions>
"""


def test_a_manual_task_shows_its_instructions_and_runs_its_post_script(api):
    api.deploy(MANUAL)
    started = api.start("spiff_manual", {"contract": "C-7"})
    [task] = api.tasks(instance=started["id"])
    assert task["name"] == "Sign the paper" and task["instructions"] == "Sign contract C-7."
    done = api.complete(task["id"], {})
    assert done["status"] == "completed" and done["variables"]["signed"] is True


def test_instructions_on_an_end_event_are_refused_naming_it(api):
    xml = MANUAL.replace(b'<bpmn:endEvent id="End">', b'<bpmn:endEvent id="End"><bpmn:extensionElements>'
                         b'<spiffworkflow:instructionsForEndUser>Done</spiffworkflow:instructionsForEndUser>'
                         b'</bpmn:extensionElements>')
    r = api.deploy(xml, expect=422)
    assert [e["element"] for e in r["errors"]] == ["End"], r
