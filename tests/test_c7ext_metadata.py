"""Camunda 7 metadata that runs: form keys and follow-up dates on tasks, task priorities of external tasks,
version tags and history time to live on definitions (the latter prunes the process's ended instances)."""

from __future__ import annotations

import datetime as dt


def _started(api):
    deployed = api.deploy("c7ext_meta.bpmn")
    inst = api.start("c7ext_meta", {"follow": "2030-01-01", "prio": 80, "urgency": 9})
    return deployed, inst


def test_definitions_show_version_tag_and_history_time_to_live(api):
    deployed, _ = _started(api)
    [definition] = deployed["definitions"]
    assert definition["version_tag"] == "2.1-release" and definition["history_time_to_live"] == 30
    listed = api.get("/api/process-definitions", query_string={"key": "c7ext_meta"}).get_json()["items"]
    assert listed[0]["version_tag"] == "2.1-release" and listed[0]["history_time_to_live"] == 30
    camunda = api.get(f"/engine-rest/process-definition/{definition['id']}").get_json()
    assert camunda["versionTag"] == "2.1-release" and camunda["historyTimeToLive"] == 30


def test_tasks_say_which_form_the_process_expects(api):
    _, inst = _started(api)
    tasks = {t["activity"]: t for t in api.tasks(instance=inst["id"])}
    embedded, generated = tasks["Embedded"], tasks["Generated"]
    assert embedded["form_key"] == "embedded:app:forms/review.html" and embedded["form"] is None
    assert embedded["follow_up_at"].startswith("2030-01-01") and embedded["due_at"].startswith("2030-01-02T03:04:05")
    assert embedded["priority"] == 80
    # With camunda:formData the server's generated form is there as well.
    assert generated["form_key"] == "app:forms/ignored.html" and generated["form"]["fields"][0]["id"] == "amount"
    camunda = api.get(f"/engine-rest/task/{embedded['id']}").get_json()
    assert camunda["formKey"] == "embedded:app:forms/review.html" and camunda["followUp"].startswith("2030-01-01")


def test_external_tasks_carry_their_priority_and_the_highest_is_fetched_first(api):
    _, inst = _started(api)
    r = api.post("/api/external-tasks/fetch-and-lock",
                 {"worker_id": "w1", "max_tasks": 1, "topics": [{"name": "c7ext-charge", "lock_duration_ms": 60000}]})
    [first] = r.get_json()["items"]
    assert first["activity"] == "Charge" and first["priority"] == 9
    r = api.post("/api/external-tasks/fetch-and-lock",
                 {"worker_id": "w1", "max_tasks": 1, "topics": [{"name": "c7ext-charge", "lock_duration_ms": 60000}]})
    [second] = r.get_json()["items"]
    assert second["activity"] == "Ship" and second["priority"] == 5  # the process's camunda:taskPriority


def test_history_time_to_live_prunes_the_process_ended_instances(api, app):
    from bpmn_server.services import retention

    api.deploy("c7ext_meta.bpmn")
    api.deploy("c7ext_result.bpmn")
    meta = api.start("c7ext_meta", {"follow": None, "prio": None, "urgency": 1})
    cancelled = api.post(f"/api/process-instances/{meta['id']}/cancel", {"reason": "test"})
    assert cancelled.status_code == 200, cancelled.get_json()
    other = api.start("c7ext_result", {})  # no time to live of its own: kept
    now = dt.datetime.now(dt.UTC)
    with app.app_context():
        assert retention.prune_by_process(now=now + dt.timedelta(days=29)).instances == 0
        assert retention.prune_by_process(now=now + dt.timedelta(days=31)).instances == 1
    assert api.get(f"/api/process-instances/{meta['id']}").status_code == 404
    assert api.instance(other["id"])["status"] == "completed"


def test_the_start_form_is_checked_and_names_the_business_key(api):
    deployed = api.deploy("c7ext_start_form.bpmn")
    [definition] = deployed["definitions"]
    assert definition["start_form_key"] == "embedded:app:forms/start.html"
    assert [f["id"] for f in definition["start_form"]["fields"]] == ["order_id", "amount"]
    r = api.post("/api/process-instances", {"process": "c7ext_start_form", "variables": {"amount": "many"}})
    assert r.status_code == 422 and {e["field"] for e in r.get_json()["errors"]} == {"order_id", "amount"}
    started = api.start("c7ext_start_form", {"order_id": "ORD-7"})
    assert started["business_key"] == "ORD-7" and started["variables"] == {"order_id": "ORD-7", "amount": 10}
