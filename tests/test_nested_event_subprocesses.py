"""Non-interrupting event subprocesses inside a subprocess, started by a message or a signal (issue 15), as
Camunda 7 runs them: while the subprocess runs, a message correlated to the instance (or a signal, from outside
or thrown inside the instance) starts one, as often as it comes; the subprocess ends when its main flow and the
handlers it started have ended; then they stop waiting. On a condition they stay refused at deploy."""

from __future__ import annotations

from tests.conftest import DIAGRAMS

KEY = "c7_nested_event_subprocess"


def _activities(api, instance_id):
    return sorted(t["activity"] for t in api.tasks(instance=instance_id))


def _task(api, instance_id, activity):
    return next(t for t in api.tasks(instance=instance_id) if t["activity"] == activity)


def test_a_message_starts_the_nested_event_subprocess_while_the_subprocess_runs(api):
    api.deploy("c7_nested_event_subprocess.bpmn")
    inst = api.start(KEY, {"alerts": 0}, business_key="N-1")
    waiting = {(w["type"], w["name"], w["activity"]) for w in api.instance(inst["id"])["waiting"]}
    assert ("message", "extra-check", "ExtraStart") in waiting and ("signal", "alert", "AlertStart") in waiting
    r = api.post("/api/messages", {"name": "extra-check", "business_key": "N-1", "variables": {"reason": "audit"}})
    assert r.status_code == 200 and r.get_json()["instance_id"] == inst["id"], r.get_json()
    assert _activities(api, inst["id"]) == ["Extra", "Work"]  # non-interrupting: the subprocess runs on
    api.post("/api/messages", {"name": "extra-check", "business_key": "N-1"})  # and again: a second one
    assert _activities(api, inst["id"]) == ["Extra", "Extra", "Work"]
    for task in [t for t in api.tasks(instance=inst["id"]) if t["activity"] == "Extra"]:
        api.complete(task["id"])
    assert _activities(api, inst["id"]) == ["Work"]


def test_the_subprocess_ends_after_its_handlers_and_then_they_stop_waiting(api):
    api.deploy("c7_nested_event_subprocess.bpmn")
    inst = api.start(KEY, {"alerts": 0}, business_key="N-2")
    api.post("/api/messages", {"name": "extra-check", "business_key": "N-2"})
    api.complete(_task(api, inst["id"], "Work")["id"])  # throws 'note' inside: its handler starts too
    assert _activities(api, inst["id"]) == ["Extra", "ReadNote"]  # the subprocess waits for its handlers
    api.complete(_task(api, inst["id"], "ReadNote")["id"])
    api.complete(_task(api, inst["id"], "Extra")["id"])
    assert _activities(api, inst["id"]) == ["After"]  # the subprocess has ended
    assert not [w for w in api.instance(inst["id"])["waiting"] if w["type"] in ("message", "signal")]
    r = api.post("/api/messages", {"name": "extra-check", "business_key": "N-2"})
    assert r.status_code == 404, r.get_json()
    done = api.complete(_task(api, inst["id"], "After")["id"])
    assert done["status"] == "completed", done


def test_a_signal_starts_the_nested_event_subprocess_of_every_instance_in_the_subprocess(api):
    api.deploy("c7_nested_event_subprocess.bpmn")
    first = api.start(KEY, {"alerts": 0})
    second = api.start(KEY, {"alerts": 0})
    r = api.post("/api/signals", {"name": "alert", "variables": {}})
    assert r.status_code == 200, r.get_json()
    for inst in (first, second):
        assert _activities(api, inst["id"]) == ["Work"]  # the handler ran its script and ended
        history = [e for e in api.history(inst["id"]) if e.get("activity") == "CountAlert"]
        assert history, api.history(inst["id"])


def test_a_conditional_nested_event_subprocess_is_still_refused_at_deploy(api):
    xml = (DIAGRAMS / "c7_nested_event_subprocess.bpmn").read_text().replace(
        '<bpmn:signalEventDefinition signalRef="Sig_alert" />',
        '<bpmn:conditionalEventDefinition><bpmn:condition>alerts &gt; 3</bpmn:condition>'
        '</bpmn:conditionalEventDefinition>')
    r = api.deploy(xml, expect=(422,))
    assert any(e["element"] == "AlertStart" and "[unsupported-nested-event-subprocess]" in e["message"]
               for e in r["errors"]), r


def test_what_the_handlers_set_becomes_the_processs_variables(api):
    api.deploy("c7_nested_event_subprocess.bpmn")
    inst = api.start(KEY, {"alerts": 0}, business_key="N-3")
    api.post("/api/signals", {"name": "alert", "variables": {"severity": "high"}})
    api.post("/api/messages", {"name": "extra-check", "business_key": "N-3", "variables": {"reason": "audit"}})
    api.complete(_task(api, inst["id"], "Work")["id"], {"worked": True})
    api.complete(_task(api, inst["id"], "ReadNote")["id"], {"read": True})
    api.complete(_task(api, inst["id"], "Extra")["id"], {"checked": True})
    assert _activities(api, inst["id"]) == ["After"]
    assert api.instance(inst["id"])["variables"] == {"alerts": 1, "severity": "high", "reason": "audit",
                                                     "worked": True, "read": True, "checked": True}
