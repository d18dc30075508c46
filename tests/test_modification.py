"""Instance modification: move tokens by hand (cancel, start before, start after), with a reason."""

from __future__ import annotations

import json
import re

from tests.test_web import Pages


def _modify(api, instance_id, instructions, reason="repair", expect=200, **extra):
    r = api.post(f"/api/process-instances/{instance_id}/modify",
                 {"instructions": instructions, "reason": reason, **extra})
    assert r.status_code == expect, r.get_json()
    return r.get_json()


def _drawing(app, api, instance_id):
    page = Pages(app, api.token).text(f"/ui/instances/{instance_id}")
    return json.loads(re.search(r'id="instance-diagram-data">(.*?)</script>', page, re.S).group(1))


def test_a_token_moves_past_a_failed_script_task(app, api):
    api.deploy("ex_script_fail.bpmn")
    inst = api.start("ex_script_fail", {"amount": 10, "count": 0})
    assert inst["status"] == "failed" and inst["incidents"][0]["activity"] == "calc"

    moved = _modify(api, inst["id"], [{"cancel": "calc"}, {"start_after": "calc", "variables": {"ratio": 0}}],
                    reason="count 0 is valid: skip the ratio")
    assert moved["status"] == "running"
    assert [t["activity"] for t in moved["tasks"]] == ["review"]
    assert moved["variables"]["ratio"] == 0 and moved["variables"]["prepared"] is True
    assert all(i["resolved_at"] for i in moved["incidents"])

    events = api.history(inst["id"])
    types = [e["type"] for e in events]
    at = types.index("instance.modified")
    modified = events[at]
    assert modified["data"]["reason"] == "count 0 is valid: skip the ratio"
    assert modified["data"]["instructions"][0] == {"cancel": "calc"}
    assert [(e["type"], e["activity"]) for e in events[at + 1:at + 3]] == [
        ("activity.cancelled", "calc"), ("activity.started", "review")]
    assert "task.created" in types[at:] and "incident.resolved" in types[at:]
    block = _drawing(app, api, inst["id"])
    assert "active" in block["markers"]["review"] and "incident" not in block["markers"].get("calc", [])

    done = api.complete(moved["tasks"][0]["id"])
    assert done["status"] == "completed"


def test_a_finished_parallel_branch_restarts(app, api):
    api.deploy("core_parallel_tasks.bpmn")
    inst = api.start("core_parallel_tasks")
    legal = next(t for t in inst["tasks"] if t["activity"] == "Activity_legal")
    after = api.complete(legal["id"], {"legal_ok": True})
    assert [t["activity"] for t in after["tasks"]] == ["Activity_finance"]

    moved = _modify(api, inst["id"], [{"start_before": "Activity_legal"}], reason="legal must look again")
    assert sorted(t["activity"] for t in moved["tasks"]) == ["Activity_finance", "Activity_legal"]
    block = _drawing(app, api, inst["id"])
    assert "active" in block["markers"]["Activity_legal"]
    [started] = [e for e in api.history(inst["id"]) if e["type"] == "activity.started"]
    assert started["activity"] == "Activity_legal" and started["data"]["reason"] == "legal must look again"

    again = next(t for t in moved["tasks"] if t["activity"] == "Activity_legal")
    finance = next(t for t in moved["tasks"] if t["activity"] == "Activity_finance")
    api.complete(again["id"], {"legal_ok": False})
    done = api.complete(finance["id"], {"finance_ok": True})
    # The join counts the restarted branch once: the process ends once, with the second answer.
    assert done["status"] == "completed" and done["variables"]["approved"] is False
    assert [e["type"] for e in api.history(inst["id"])].count("instance.completed") == 1


def test_a_waiting_task_is_moved_back_and_its_task_is_cancelled(api):
    api.deploy("gov_review.bpmn")
    inst = api.start("gov_review", {"amount": 2})
    [task] = inst["tasks"]
    moved = _modify(api, inst["id"], [{"cancel": "review"}, {"start_before": "prepare", "variables": {"amount": 5}}])
    [new] = moved["tasks"]
    assert new["id"] != task["id"] and moved["variables"]["total"] == 10
    assert api.get(f"/api/tasks/{task['id']}").get_json()["status"] == "cancelled"


def test_cancelling_the_last_token_needs_allow_end(api):
    api.deploy("gov_review.bpmn")
    inst = api.start("gov_review", {"amount": 2})
    problem = _modify(api, inst["id"], [{"cancel": "review"}], expect=422)
    assert "allow_end" in problem["detail"] or "allow_end" in json.dumps(problem["errors"])
    assert api.instance(inst["id"])["status"] == "running"

    ended = _modify(api, inst["id"], [{"cancel": "review"}], reason="duplicate claim", allow_end=True)
    assert ended["status"] == "cancelled" and ended["tasks"] == [] and ended["ended_at"]
    types = [e["type"] for e in api.history(inst["id"])]
    assert "instance.cancelled" in types and "instance.completed" not in types
    _modify(api, inst["id"], [{"start_before": "review"}], expect=409)


def test_bad_instructions_are_refused_naming_them(api):
    api.deploy("gov_review.bpmn")
    inst = api.start("gov_review", {"amount": 2})
    problem = _modify(api, inst["id"], [{"cancel": "nope"}, {"start_before": "ghost"}], expect=422)
    assert {e["element"] for e in problem["errors"]} == {"nope", "ghost"}
    assert "nope" in problem["detail"] and "ghost" in problem["detail"]
    problem = _modify(api, inst["id"], [{"cancel": "archive"}], expect=422)  # no token there
    assert problem["errors"][0]["element"] == "archive"
    problem = _modify(api, inst["id"], [{"cancel": "review", "start_before": "archive"}], expect=422)
    assert problem["errors"][0]["field"] == "instructions[0]"
    _modify(api, inst["id"], [], expect=422)
    _modify(api, inst["id"], [{"cancel": "review"}], reason="", expect=422)
    _modify(api, "nope", [{"cancel": "review"}], expect=404)
    operator = api.as_user("otto", "operator")
    r = operator.post(f"/api/process-instances/{inst['id']}/modify", {"instructions": [{"cancel": "review"}],
                                                                      "reason": "x"})
    assert r.status_code == 403
    same = api.instance(inst["id"])
    assert [t["activity"] for t in same["tasks"]] == ["review"]
    assert "instance.modified" not in [e["type"] for e in api.history(inst["id"])]


MULTI = b"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" id="d" targetNamespace="http://x">
  <bpmn:process id="mod_multi" isExecutable="true">
    <bpmn:startEvent id="start"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="wait"/>
    <bpmn:userTask id="wait" name="Wait"/>
    <bpmn:sequenceFlow id="f2" sourceRef="wait" targetRef="each"/>
    <bpmn:scriptTask id="each" name="Each" scriptFormat="python">
      <bpmn:multiInstanceLoopCharacteristics isSequential="true">
        <bpmn:loopCardinality xsi:type="bpmn:tFormalExpression">2</bpmn:loopCardinality>
      </bpmn:multiInstanceLoopCharacteristics>
      <bpmn:script>x = 1</bpmn:script>
    </bpmn:scriptTask>
    <bpmn:sequenceFlow id="f3" sourceRef="each" targetRef="end"/>
    <bpmn:endEvent id="end"/>
  </bpmn:process>
</bpmn:definitions>"""


def test_a_multi_instance_activity_cannot_be_started_by_hand(api):
    api.deploy(MULTI)
    inst = api.start("mod_multi")
    problem = _modify(api, inst["id"], [{"start_before": "each"}], expect=422)
    assert problem["errors"][0]["element"] == "each" and "multi-instance" in problem["errors"][0]["message"]


def test_a_modification_with_an_idempotency_key_is_applied_once(api):
    api.deploy("core_parallel_tasks.bpmn")
    inst = api.start("core_parallel_tasks")
    body = {"instructions": [{"start_before": "Activity_legal"}], "reason": "once"}
    answers = [api.post(f"/api/process-instances/{inst['id']}/modify", body, headers={"Idempotency-Key": "m1"})
               for _ in range(2)]
    assert [r.status_code for r in answers] == [200, 200] and answers[0].get_json() == answers[1].get_json()
    assert [e["type"] for e in api.history(inst["id"])].count("instance.modified") == 1
    assert len(api.instance(inst["id"])["tasks"]) == 3
