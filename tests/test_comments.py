"""Decisions with their rationale, comments on tasks and instances, and planning a task by hand."""

from __future__ import annotations

import pytest

REQUIRED = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="d" targetNamespace="http://t">
  <bpmn:process id="decide" isExecutable="true">
    <bpmn:startEvent id="start"/>
    <bpmn:userTask id="approve" name="Approve" camunda:candidateGroups="approvers">
      <bpmn:extensionElements>
        <camunda:properties><camunda:property name="commentRequired" value="true"/></camunda:properties>
      </bpmn:extensionElements>
    </bpmn:userTask>
    <bpmn:userTask id="file" name="File it" camunda:candidateGroups="approvers"/>
    <bpmn:endEvent id="end"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="approve"/>
    <bpmn:sequenceFlow id="f2" sourceRef="approve" targetRef="file"/>
    <bpmn:sequenceFlow id="f3" sourceRef="file" targetRef="end"/>
  </bpmn:process>
</bpmn:definitions>"""


@pytest.fixture
def started(api):
    api.deploy(REQUIRED)
    return api.post("/api/process-instances", {"process": "decide"}).get_json()


def test_a_required_rationale_is_asked_for_and_kept_in_the_history(api, started):
    task_id = started["tasks"][0]["id"]
    r = api.post(f"/api/tasks/{task_id}/complete", {"variables": {"approved": False}})
    assert r.status_code == 422 and r.get_json()["errors"][0]["field"] == "comment"
    assert api.get(f"/api/tasks/{task_id}").get_json()["status"] == "open"  # nothing lost
    r = api.post(f"/api/tasks/{task_id}/complete", {"variables": {"approved": False},
                                                     "comment": "amount exceeds policy"})
    assert r.status_code == 200
    events = api.get(f"/api/history/events?instance={started['id']}&type=task.completed").get_json()["items"]
    assert events[0]["data"] == {"variables": {"approved": False}, "comment": "amount exceeds policy"}
    file_task = r.get_json()["tasks"][0]["id"]  # an optional comment: none is fine
    assert api.post(f"/api/tasks/{file_task}/complete", {"variables": {}}).status_code == 200


def test_comments_on_tasks_and_instances_are_listed_with_author_and_time(api, started):
    task_id = started["tasks"][0]["id"]
    analyst = api.as_user("ana", "analyst")
    r = analyst.post(f"/api/tasks/{task_id}/comments", {"text": "customer called, waiting for papers"})
    assert r.status_code == 201, r.get_json()
    note = r.get_json()
    assert note["author"] == "ana" and note["text"] == "customer called, waiting for papers"
    assert note["at"].endswith("Z") and note["id"]
    assert api.post(f"/api/process-instances/{started['id']}/comments", {"text": "priority customer"}
                    ).status_code == 201
    on_task = api.get(f"/api/tasks/{task_id}/comments").get_json()["items"]
    assert [c["text"] for c in on_task] == ["customer called, waiting for papers"]
    assert on_task[0]["id"] == note["id"]
    on_instance = api.get(f"/api/process-instances/{started['id']}/comments").get_json()["items"]
    assert [c["text"] for c in on_instance] == ["customer called, waiting for papers", "priority customer"]
    events = api.get(f"/api/history/events?type=comment.added&instance={started['id']}").get_json()["items"]
    assert [e["actor"] for e in events] == ["ana", "admin"]
    export = api.get("/api/history/export?format=json").get_data(as_text=True)
    assert "waiting for papers" in export


def test_bad_comments_and_readers_who_may_not_write(api, started):
    task_id = started["tasks"][0]["id"]
    assert api.post(f"/api/tasks/{task_id}/comments", {"text": ""}).status_code in (400, 422)
    assert api.post(f"/api/tasks/{task_id}/comments", {}).status_code in (400, 422)
    auditor = api.as_user("aud", "auditor")
    assert auditor.post(f"/api/tasks/{task_id}/comments", {"text": "x"}).status_code == 403
    assert auditor.get(f"/api/tasks/{task_id}/comments").status_code == 200
    stranger = api.as_user("olga", "operator", ["elsewhere"])
    assert stranger.post(f"/api/process-instances/{started['id']}/comments", {"text": "x"}).status_code == 404
    assert api.post("/api/tasks/nope/comments", {"text": "x"}).status_code == 404


def test_due_date_follow_up_and_priority_are_changed_by_analysts_and_the_assignee(api, started):
    task_id = started["tasks"][0]["id"]
    analyst = api.as_user("ana", "analyst")
    r = analyst.patch(f"/api/tasks/{task_id}", {"due_at": "2030-01-02T09:00:00Z", "priority": 80})
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["due_at"] == "2030-01-02T09:00:00Z" and r.get_json()["priority"] == 80
    worker = api.as_user("wendy", "operator", ["approvers"])
    assert worker.patch(f"/api/tasks/{task_id}", {"priority": 10}).status_code == 403  # not hers yet
    assert worker.post(f"/api/tasks/{task_id}/claim").status_code == 200
    r = worker.patch(f"/api/tasks/{task_id}", {"follow_up_at": "2029-12-30T09:00:00Z", "due_at": None})
    assert r.status_code == 200 and r.get_json()["due_at"] is None
    assert r.get_json()["follow_up_at"] == "2029-12-30T09:00:00Z"
    events = api.get(f"/api/history/events?type=task.updated&instance={started['id']}").get_json()["items"]
    assert events[0]["data"]["due_at"] == {"from": None, "to": "2030-01-02T09:00:00Z"}
    assert events[1]["actor"] == "wendy" and events[1]["data"]["due_at"]["to"] is None
    assert api.patch(f"/api/tasks/{task_id}", {"priority": 500}).status_code in (400, 422)
    assert api.patch(f"/api/tasks/{task_id}", {"due_at": "tomorrow"}).status_code in (400, 422)
    api.post(f"/api/tasks/{task_id}/complete", {"variables": {}, "comment": "ok"})
    assert api.patch(f"/api/tasks/{task_id}", {"priority": 1}).status_code == 409


def test_the_pages_show_comments_take_a_rationale_and_list_dead_letters(app, api, started):
    from tests.test_web import Pages

    task_id = started["tasks"][0]["id"]
    worker = api.as_user("wendy", "operator", ["approvers"])
    worker.post(f"/api/tasks/{task_id}/claim")
    pages = Pages(app, worker.token)
    page = pages.text(f"/ui/tasks/{task_id}")
    assert "Comment" in page and "required" in page
    r = pages.post(f"/ui/tasks/{task_id}/comments", {"text": "checked the receipts"})
    assert r.status_code == 303
    assert "checked the receipts" in pages.text(f"/ui/tasks/{task_id}")
    r = pages.post(f"/ui/tasks/{task_id}/complete", {"variables": ""})
    assert r.status_code == 422 and "comment" in r.get_data(as_text=True).lower()
    r = pages.post(f"/ui/tasks/{task_id}/complete", {"variables": "", "task_comment": "within budget"})
    assert r.status_code == 303
    events = api.get(f"/api/history/events?type=task.completed&instance={started['id']}").get_json()["items"]
    assert events[0]["data"]["comment"] == "within budget"
    admin_pages = Pages(app, api.token)
    admin_pages.post(f"/ui/instances/{started['id']}/comments", {"text": "closing soon"})
    instance_page = admin_pages.text(f"/ui/instances/{started['id']}")
    assert "closing soon" in instance_page and "checked the receipts" in instance_page
    assert "No dead letters." in admin_pages.text("/ui/deliveries")
    assert pages.get("/ui/deliveries").status_code == 403
