"""Camunda 7 extensions that run (issue 15): input/output mappings with Camunda's local scope, execution
and task listeners in Camunda's order, camunda:in/out on call activities, initiator and resultVariable."""

from __future__ import annotations

from tests.conftest import DIAGRAMS


def test_the_issue_example_ends_with_y_and_z(api):
    api.deploy("c7ext_issue.bpmn")
    done = api.start("c7ext_issue", {"x": 5})
    assert done["status"] == "completed"
    assert done["variables"] == {"x": 5, "w": 1, "y": 11, "z": 7}  # local_x stayed inside the task


def test_input_output_mapping_with_lists_maps_scripts_and_local_scope(api):
    api.deploy("c7ext_io.bpmn")
    done = api.start("c7ext_io", {"x": 1, "name": "Ada"})
    assert done["status"] == "completed", done
    v = done["variables"]
    assert v["summary"] == "Hello Ada! plain text"
    # Inside the task x was the local 101 (shadowing the process's 1), so the script doubled 101.
    assert v["doubled"] == 202 and v["from_script"] == [101, 202] and v["computed_out"] == 2 * 101 + 3
    # Parameters are set in order: later ones see the local x already.
    assert v["items_out"] == ["first", 101, {"inner": "Ada"}]
    assert v["config_out"] == {"limit": 303, "label": "fixed", "tags": ["a", "b"]}
    assert v["x"] == 1  # the shadowed variable is the process's again
    # Without output parameters, local variables do not leak; what the script creates does.
    assert v["created"] == 1001 and "temp" not in v
    for local in ("greeting", "constant", "items", "config", "computed"):
        assert local not in v


def test_listeners_run_in_camunda_order_around_the_activity(api):
    api.deploy("c7ext_listeners.bpmn")
    started = api.start("c7ext_listeners", {"log": []})
    assert started["variables"]["starter"] == "admin"  # camunda:initiator: the user who started it
    [task] = api.tasks(instance=started["id"])
    assert task["assignee"] == "demo"
    done = api.complete(task["id"], {"decision": "yes"})
    assert done["status"] == "completed", done
    v = done["variables"]
    assert v["log"] == ["start event end", "take F1", "start", "assignment", "create", "complete:yes", "end",
                        "end expression", "take Yes", "end event start"]
    assert v["at_output"] == ["start event end", "take F1", "start", "assignment", "create", "complete:yes"]
    assert "at_input" not in v


def test_take_listener_runs_only_on_the_flow_taken(api):
    api.deploy("c7ext_listeners.bpmn")
    started = api.start("c7ext_listeners", {"log": []})
    [task] = api.tasks(instance=started["id"])
    done = api.complete(task["id"], {"decision": "no"})
    assert done["variables"]["log"][-2:] == ["end expression", "take No"]


def test_delete_listener_runs_when_the_task_is_cancelled_not_when_completed(api):
    api.deploy("c7ext_delete.bpmn")
    first = api.start("c7ext_delete", {})
    r = api.post("/api/messages", {"name": "c7ext_stop"})
    assert r.status_code == 200, r.get_json()
    stopped = api.instance(first["id"])
    assert stopped["status"] == "completed" and stopped["variables"].get("deleted") == "Work", stopped
    assert "completed" not in stopped["variables"]
    assert stopped["variables"]["ended"] == "after delete of Work"  # end listeners run on cancellation too
    second = api.start("c7ext_delete", {})
    [task] = api.tasks(instance=second["id"])
    done = api.complete(task["id"])
    assert done["variables"].get("completed") is True and "deleted" not in done["variables"]
    assert done["variables"]["ended"] == "normally"


def test_call_activity_passes_variables_both_ways_and_the_business_key(api):
    api.deploy("c7ext_call.bpmn")
    done = api.start("c7ext_call", {"a": 4, "secret": "s"})
    assert done["status"] == "completed", done
    v = done["variables"]
    # First call: only camunda:in reaches the callee, only camunda:out comes back.
    assert v["r"] == 44 and v["r2"] == 88 and v["first_bk"] == "ORDER-4" and v["first_saw_secret"] is False
    # The second call passes everything both ways (variables="all"), so the callee's own variables come back.
    assert v["result"] == 8 and v["callee_only"] == 1 and v["secret"] == "s" and v["saw_secret"] is True
    assert v["bk_seen"] is None  # no business key passed the second time


def test_call_activity_with_in_only_returns_nothing(api):
    text = (DIAGRAMS / "c7ext_call.bpmn").read_text()
    text = text.replace('<camunda:out variables="all" />', "").replace('id="c7ext_call"', 'id="c7ext_call_in"') \
        .replace('id="c7ext_callee"', 'id="c7ext_callee_in"').replace('calledElement="c7ext_callee"',
                                                                     'calledElement="c7ext_callee_in"')
    api.deploy(text)
    v = api.start("c7ext_call_in", {"a": 1})["variables"]
    assert "result" not in v and "callee_only" not in v and v["r"] == 11


def test_result_variable_and_initiator(api):
    api.deploy("c7ext_result.bpmn")
    erin = api.as_user("erin", "operator")
    done = erin.start("c7ext_result", {})
    assert done["variables"] == {"a": 2, "total": 42, "starter": "erin"}


def test_refused_extensions_are_named_at_deploy(api):
    r = api.deploy("c7ext_refused.bpmn", expect=422)
    errors = r["errors"]
    by_element = {}
    for e in errors:
        by_element.setdefault(e["element"], []).append(e["message"])
    # Java listeners and connectors are named by engine/delegates.py, once each.
    assert any("executionListener" in m and "runs Java (class=" in m for m in by_element["Java"]), errors
    assert any("connector" in m for m in by_element["Java"])
    assert any("groovy" in m for m in by_element["Groovy"])
    assert any("camunda:madeUp" in m for m in by_element["End"])
    assert any("camunda:inputOutput" in m and "startEvent" in m for m in by_element["Start"])


def test_error_code_and_message_variables_of_a_caught_error(api):
    api.deploy("c7ext_error_vars.bpmn")
    done = api.start("c7ext_error_vars", {})
    assert done["status"] == "completed", done
    assert done["variables"]["code"] == "E-REJECT" and done["variables"]["msg"] == "the order was rejected"


WORKER_ERROR = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="D" targetNamespace="t">
  <bpmn:error id="Err" errorCode="E-CARD" />
  <bpmn:process id="c7ext_worker_error" isExecutable="true">
    <bpmn:startEvent id="Start"><bpmn:outgoing>F1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:serviceTask id="Charge" camunda:type="external" camunda:topic="c7ext-card">
      <bpmn:incoming>F1</bpmn:incoming><bpmn:outgoing>F2</bpmn:outgoing>
    </bpmn:serviceTask>
    <bpmn:boundaryEvent id="Declined" attachedToRef="Charge">
      <bpmn:outgoing>F3</bpmn:outgoing>
      <bpmn:errorEventDefinition errorRef="Err" camunda:errorCodeVariable="code" camunda:errorMessageVariable="msg" />
    </bpmn:boundaryEvent>
    <bpmn:endEvent id="End"><bpmn:incoming>F2</bpmn:incoming></bpmn:endEvent>
    <bpmn:endEvent id="Failed"><bpmn:incoming>F3</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="F1" sourceRef="Start" targetRef="Charge" />
    <bpmn:sequenceFlow id="F2" sourceRef="Charge" targetRef="End" />
    <bpmn:sequenceFlow id="F3" sourceRef="Declined" targetRef="Failed" />
  </bpmn:process>
</bpmn:definitions>"""


def test_error_message_variable_of_an_error_a_worker_reports(api):
    api.deploy(WORKER_ERROR)
    inst = api.start("c7ext_worker_error", {})
    r = api.post("/api/external-tasks/fetch-and-lock",
                 {"worker_id": "w", "max_tasks": 1, "topics": [{"name": "c7ext-card", "lock_duration_ms": 60000}]})
    [task] = r.get_json()["items"]
    r = api.post(f"/api/external-tasks/{task['id']}/bpmn-error",
                 {"worker_id": "w", "code": "E-CARD", "message": "card declined"})
    assert r.status_code == 200, r.get_json()
    done = api.instance(inst["id"])
    assert done["status"] == "completed" and done["variables"] == {"code": "E-CARD", "msg": "card declined"}


def test_timeout_listeners_run_when_their_timers_fire_and_the_task_stays_open(api, app):
    import datetime as dt

    from tests.test_timers import fire_due

    api.deploy("c7ext_timeout.bpmn")
    inst = api.start("c7ext_timeout", {"reminders": 0, "log": [], "escalate_after": "PT90M"})
    now = dt.datetime.now(dt.UTC)
    timers = sorted(w["due_at"] for w in api.instance(inst["id"])["waiting"] if w["type"] == "timer")
    assert len(timers) == 2  # the reminder cycle's first occurrence and the escalation
    assert fire_due(app, now + dt.timedelta(minutes=61)) == 1
    v = api.instance(inst["id"])["variables"]
    assert v["reminders"] == 1 and v["log"] == []
    assert fire_due(app, now + dt.timedelta(minutes=91)) == 1
    assert api.instance(inst["id"])["variables"]["log"] == ["escalated"]
    assert fire_due(app, now + dt.timedelta(minutes=121)) == 1  # the cycle's second and last occurrence
    assert fire_due(app, now + dt.timedelta(minutes=300)) == 0
    [task] = api.tasks(instance=inst["id"])  # still open, once
    done = api.complete(task["id"])
    assert done["status"] == "completed" and done["variables"]["reminders"] == 2


def test_conditional_event_is_evaluated_again_only_when_its_variable_changes(api):
    api.deploy("c7ext_condition.bpmn")
    inst = api.start("c7ext_condition", {"force": False})
    [task] = api.tasks(instance=inst["id"])
    after = api.complete(task["id"], {"force": True})
    assert after["status"] == "running"  # force changed, but the event watches `ready`
    r = api.patch(f"/api/process-instances/{inst['id']}/variables", {"set": {"ready": 1}, "reason": "go"})
    assert r.status_code == 200, r.get_json()
    assert api.instance(inst["id"])["status"] == "completed"  # `ready` was created: evaluated, force holds


CLAIMED = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="D" targetNamespace="t">
  <bpmn:process id="c7ext_claimed" isExecutable="true">
    <bpmn:startEvent id="Start"><bpmn:outgoing>F1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:userTask id="Check" camunda:candidateUsers="erin">
      <bpmn:extensionElements>
        <camunda:taskListener event="assignment">
          <camunda:script scriptFormat="python">log = log + ['assigned']</camunda:script>
        </camunda:taskListener>
      </bpmn:extensionElements>
      <bpmn:incoming>F1</bpmn:incoming><bpmn:outgoing>F2</bpmn:outgoing>
    </bpmn:userTask>
    <bpmn:endEvent id="End"><bpmn:incoming>F2</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="F1" sourceRef="Start" targetRef="Check" />
    <bpmn:sequenceFlow id="F2" sourceRef="Check" targetRef="End" />
  </bpmn:process>
</bpmn:definitions>"""


def test_assignment_listener_runs_when_the_task_is_claimed_or_assigned(api):
    api.deploy(CLAIMED)
    erin = api.as_user("erin", "operator")
    api.as_user("fred", "operator")
    inst = api.start("c7ext_claimed", {"log": []})
    assert api.instance(inst["id"])["variables"]["log"] == []  # no assignee yet
    [task] = erin.tasks()
    assert erin.post(f"/api/tasks/{task['id']}/claim").status_code == 200
    assert api.instance(inst["id"])["variables"]["log"] == ["assigned"]
    r = api.post(f"/api/tasks/{task['id']}/assign", {"user": "fred"})
    assert r.status_code == 200, r.get_json()
    assert api.instance(inst["id"])["variables"]["log"] == ["assigned", "assigned"]


def test_out_local_is_local_to_the_call_activity(api):
    text = (DIAGRAMS / "c7ext_call.bpmn").read_text()
    text = text.replace('<camunda:out variables="all" />', '<camunda:out variables="all" local="true" />'
                        '<camunda:inputOutput><camunda:outputParameter name="picked">${callee_only + 1}'
                        '</camunda:outputParameter></camunda:inputOutput>')
    text = text.replace('id="c7ext_call"', 'id="c7ext_call_local"').replace('id="c7ext_callee"', 'id="c7ext_callee_l"')
    text = text.replace('calledElement="c7ext_callee"', 'calledElement="c7ext_callee_l"')
    api.deploy(text)
    v = api.start("c7ext_call_local", {"a": 1, "secret": "s"})["variables"]
    assert v["picked"] == 2 and "callee_only" not in v and "result" not in v


def test_listeners_of_the_process_run_at_its_start_and_end(api):
    api.deploy("c7ext_process_listeners.bpmn")
    done = api.start("c7ext_process_listeners", {"n": 3})
    assert done["variables"]["log"] == ["process start:3", "start event", "end event", "process end"]


def test_escalation_code_variable_of_a_caught_escalation(api):
    api.deploy("c7ext_escalation_vars.bpmn")
    done = api.start("c7ext_escalation_vars", {})
    assert done["status"] == "completed", done
    assert done["variables"]["code"] == "ESC-LATE"


def test_feel_values_in_input_output_mappings(api):
    """`= expr` (Camunda 8's convention) and `camunda:script scriptFormat="feel"` are FEEL values (issue 17)."""
    api.deploy("c7ext_feel_io.bpmn")
    items = [{"price": 10, "qty": 2}, {"price": 2.5, "qty": 4}]
    done = api.start("c7ext_feel_io", {"items": items, "customer": {"name": "Ada", "vip": True}})
    assert done["status"] == "completed", done
    v = done["variables"]
    assert v["total"] == 33.0 and v["label"] == "order of Ada" and v["lines"] == [2, "plain"]
    assert "net" not in v and "rate" not in v  # inputs stay local to the task


def test_feel_mapping_errors_are_named_at_deploy(api):
    xml = (DIAGRAMS / "c7ext_feel_io.bpmn").read_text()
    broken = xml.replace("= gross", "= gross +")
    r = api.deploy(broken, expect=422)
    assert any(e["element"] == "Script" and "total" in e["message"] and "FEEL" in e["message"]
               for e in r["errors"]), r["errors"]
    listener = xml.replace("</camunda:inputOutput>", "</camunda:inputOutput><camunda:executionListener event=\"end\">"
                           "<camunda:script scriptFormat=\"feel\">1</camunda:script></camunda:executionListener>")
    r = api.deploy(listener, expect=422)
    assert any("FEEL script gives a value" in e["message"] for e in r["errors"]), r["errors"]
