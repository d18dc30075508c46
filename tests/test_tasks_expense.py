"""The expense approval example in processes/, end to end through the task list."""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree

EXAMPLE = Path(__file__).resolve().parent.parent / "processes" / "expense_approval.bpmn"
NS = {"bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL", "bpmndi": "http://www.omg.org/spec/BPMN/20100524/DI"}
REPORT = {"description": "Train to the customer", "amount": 320, "category": "travel", "expense_date": "2026-11-02",
          "receipt_attached": True}


@pytest.fixture
def team(api):
    api.deploy(EXAMPLE.read_bytes())
    return {
        "erin": api.as_user("erin", "operator", ["employee"]),
        "lee": api.as_user("lee", "operator", ["team-lead"]),
        "fay": api.as_user("fay", "operator", ["finance"]),
    }


def only_task(client):
    tasks = client.tasks()
    assert len(tasks) == 1, tasks
    return tasks[0]


def submit(team, api, report):
    inst = team["erin"].start("expense_approval", {"employee": "erin"})
    task = only_task(team["erin"])
    assert (task["activity"], task["assignee"], task["instance_id"]) == ("Task_submit", "erin", inst["id"])
    return team["erin"].complete(task["id"], report)


def test_the_example_is_drawn_with_every_shape_and_edge():
    root = etree.parse(str(EXAMPLE)).getroot()
    proc = root.find("bpmn:process", NS)
    drawn = {el.get("bpmnElement") for el in root.iterfind(".//bpmndi:BPMNShape", NS)}
    drawn |= {el.get("bpmnElement") for el in root.iterfind(".//bpmndi:BPMNEdge", NS)}
    elements = {el.get("id") for el in proc if el.get("id") and etree.QName(el).localname != "laneSet"}
    elements |= {lane.get("id") for lane in proc.iterfind(".//bpmn:lane", NS)}
    assert elements - drawn == set()
    assert [lane.get("name") for lane in proc.iterfind(".//bpmn:lane", NS)] == ["Employee", "Team Lead", "Finance"]


def test_a_small_expense_needs_only_the_team_lead(api, team):
    inst = submit(team, api, REPORT)
    assert team["erin"].tasks() == [] and team["fay"].tasks() == []
    lead_task = only_task(team["lee"])
    assert lead_task["activity"] == "Task_lead_approval" and lead_task["candidate_groups"] == ["team-lead"]
    assert lead_task["due_at"] is not None
    assert [f["id"] for f in lead_task["form"]["fields"]] == ["approved", "lead_comment"]
    assert team["lee"].post(f"/api/tasks/{lead_task['id']}/claim").status_code == 200
    done = team["lee"].complete(lead_task["id"], {"approved": True})
    assert done["id"] == inst["id"] and done["status"] == "completed"
    assert done["variables"]["payout_status"] == "scheduled" and done["variables"]["payout_amount"] == 320


def test_a_large_expense_goes_to_finance(api, team):
    inst = submit(team, api, {**REPORT, "amount": 900})
    lead_task = only_task(team["lee"])
    # Finance has no task in this instance yet, so it is unknown to fay (tests/test_visibility.py).
    assert team["fay"].post(f"/api/tasks/{lead_task['id']}/complete", {"variables": {"approved": True}}
                            ).status_code == 404
    team["lee"].complete(lead_task["id"], {"approved": True, "lead_comment": "ok"})
    fin_task = only_task(team["fay"])
    assert (fin_task["activity"], fin_task["candidate_groups"], fin_task["priority"]) == (
        "Task_finance_approval", ["finance"], 70)
    r = team["fay"].post(f"/api/tasks/{fin_task['id']}/complete", {"variables": {"finance_approved": True,
                                                                                 "cost_center": "CC"}})
    assert r.status_code == 422 and r.get_json()["errors"][0]["field"] == "cost_center"
    done = team["fay"].complete(fin_task["id"], {"finance_approved": True, "cost_center": "CC-100"})
    assert done["status"] == "completed" and done["variables"]["payout_amount"] == 900
    types = [e["type"] for e in api.history(inst["id"])]
    assert types.count("task.completed") == 3 and types[-1] == "instance.completed"


def test_a_rejection_goes_back_to_the_employee_who_revises_or_withdraws(api, team):
    inst = submit(team, api, {**REPORT, "amount": 900})
    team["lee"].complete(only_task(team["lee"])["id"], {"approved": False, "lead_comment": "receipt?"})
    revise = only_task(team["erin"])
    assert (revise["activity"], revise["assignee"]) == ("Task_revise", "erin")
    r = team["erin"].post(f"/api/tasks/{revise['id']}/complete", {"variables": {"decision": "maybe"}})
    assert r.status_code == 422
    team["erin"].complete(revise["id"], {"decision": "revise", "amount": 450})
    second = only_task(team["lee"])  # the loop creates a new task for the same activity
    assert second["activity"] == "Task_lead_approval" and second["id"] != revise["id"]
    done = team["lee"].complete(second["id"], {"approved": True})
    assert done["status"] == "completed" and done["variables"]["payout_amount"] == 450  # under 500 now

    # Finance can reject too; then the employee withdraws.
    other = submit(team, api, {**REPORT, "amount": 2000})
    team["lee"].complete(only_task(team["lee"])["id"], {"approved": True})
    team["fay"].complete(only_task(team["fay"])["id"], {"finance_approved": False, "cost_center": "CC-100"})
    withdrawn = team["erin"].complete(only_task(team["erin"])["id"], {"decision": "withdraw"})
    assert withdrawn["id"] == other["id"] and withdrawn["status"] == "completed"
    assert "payout_status" not in withdrawn["variables"]
    ends = [e["activity"] for e in api.history(other["id"]) if e["type"] == "activity.completed"]
    assert "EndEvent_withdrawn" in ends and "EndEvent_approved" not in ends
    assert inst["id"] != other["id"]


def test_the_report_form_is_validated(api, team):
    team["erin"].start("expense_approval", {"employee": "erin"})
    task = only_task(team["erin"])
    r = team["erin"].post(f"/api/tasks/{task['id']}/complete", {"variables": {
        "amount": -5, "category": "yacht", "expense_date": "yesterday", "receipt_attached": "yes"}})
    assert r.status_code == 422
    assert sorted(e["field"] for e in r.get_json()["errors"]) == [
        "amount", "category", "description", "expense_date", "receipt_attached"]
    inst = team["erin"].complete(task["id"], {k: v for k, v in REPORT.items() if k != "category"})
    assert inst["variables"]["category"] == "other"  # the default
