"""Camunda 7 modelling that real diagrams use and Camunda 7 runs: the older `activiti:` namespace, exclusive
gateway flows without a condition, boundary events without an outgoing flow, and Java delegates (refused naming
every one, or handed to external workers with BPMN_SERVER_JAVA_DELEGATES=external)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import ADMIN_TOKEN
from tests.test_external_tasks import _call, _fetch

HEAD = ('<?xml version="1.0" encoding="UTF-8"?>\n<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/'
        'MODEL" xmlns:camunda="{ns}" xmlns:activiti="http://activiti.org/bpmn" id="d" targetNamespace="t">\n')


def _diagram(body: str, ns: str = "http://camunda.org/schema/1.0/bpmn", extra: str = "") -> str:
    return HEAD.format(ns=ns) + extra + f'<bpmn:process id="p" isExecutable="true">{body}</bpmn:process>' \
        "</bpmn:definitions>"


def _flow(fid: str, source: str, target: str, condition: str | None = None) -> str:
    inner = f"<bpmn:conditionExpression>{condition}</bpmn:conditionExpression>" if condition else ""
    return f'<bpmn:sequenceFlow id="{fid}" sourceRef="{source}" targetRef="{target}">{inner}</bpmn:sequenceFlow>'


ACTIVITI = _diagram(
    '<bpmn:startEvent id="start"/>'
    '<bpmn:userTask id="review" name="Review" camunda:candidateGroups="auditors"/>'
    '<bpmn:userTask id="sign" name="Sign" activiti:assignee="${boss}"/>'
    '<bpmn:endEvent id="end"/>' + _flow("f1", "start", "review") + _flow("f2", "review", "sign")
    + _flow("f3", "sign", "end"), ns="http://activiti.org/bpmn").replace(
    '<bpmn:process id="p"', '<bpmn:laneSet><bpmn:lane id="l" name="Clerks"><bpmn:flowNodeRef>review</bpmn:flowNodeRef>'
    '</bpmn:lane></bpmn:laneSet><bpmn:process id="p"').replace(
    '<bpmn:laneSet><bpmn:lane id="l" name="Clerks"><bpmn:flowNodeRef>review</bpmn:flowNodeRef></bpmn:lane>'
    '</bpmn:laneSet><bpmn:process id="p" isExecutable="true">',
    '<bpmn:process id="p" isExecutable="true"><bpmn:laneSet><bpmn:lane id="l" name="Clerks">'
    '<bpmn:flowNodeRef>review</bpmn:flowNodeRef></bpmn:lane></bpmn:laneSet>')


def test_activiti_namespace_runs_as_camunda_with_its_candidate_groups(api):
    api.deploy(ACTIVITI)
    auditor = api.as_user("ada", "operator", ["auditors"])
    clerk = api.as_user("carl", "operator", ["clerks"])
    inst = api.start("p", {"boss": "bea"})
    [task] = inst["tasks"]
    assert task["activity"] == "review"
    assert [t["activity"] for t in auditor.tasks()] == ["review"]  # the diagram's group, not the lane's
    assert clerk.tasks() == []
    auditor.post(f"/api/tasks/{task['id']}/claim")
    auditor.complete(task["id"])
    [sign] = api.instance(inst["id"])["tasks"]
    assert sign["activity"] == "sign" and sign["assignee"] == "bea"  # activiti:assignee with an expression


GATEWAY = _diagram(
    '<bpmn:startEvent id="start"/><bpmn:exclusiveGateway id="gw" default="f_default"/>'
    '<bpmn:userTask id="big"/><bpmn:userTask id="plain"/><bpmn:userTask id="other"/><bpmn:userTask id="fallback"/>'
    '<bpmn:endEvent id="e1"/>' + "".join(_flow(f"o_{t}", t, "e1") for t in ("big", "plain", "other", "fallback"))
    + _flow("f1", "start", "gw") + _flow("f_big", "gw", "big", "${amount &gt; 100}")
    + _flow("f_plain", "gw", "plain") + _flow("f_other", "gw", "other", "${amount &gt; 10}")
    + _flow("f_default", "gw", "fallback"))


@pytest.mark.parametrize("amount, taken", [(500, "big"), (50, "plain"), (5, "plain")])
def test_exclusive_gateway_flow_without_condition_counts_as_true_in_document_order(api, amount, taken):
    api.deploy(GATEWAY)
    inst = api.start("p", {"amount": amount})
    assert [t["activity"] for t in inst["tasks"]] == [taken]


BOUNDARY = _diagram(
    '<bpmn:startEvent id="start"/><bpmn:userTask id="work"/><bpmn:endEvent id="end"/>'
    '<bpmn:boundaryEvent id="stop" attachedToRef="work"><bpmn:messageEventDefinition messageRef="m"/>'
    '</bpmn:boundaryEvent>' + _flow("f1", "start", "work") + _flow("f2", "work", "end"),
    extra='<bpmn:message id="m" name="stop"/>')


def test_boundary_event_without_outgoing_flow_ends_its_token(api):
    api.deploy(BOUNDARY)
    inst = api.start("p", business_key="B-1")
    r = api.post("/api/messages", {"name": "stop", "business_key": "B-1"})
    assert r.status_code == 200, r.get_json()
    done = api.instance(inst["id"])
    assert done["status"] == "completed" and done["tasks"] == []
    assert api.tasks() == []


JAVA = _diagram(
    '<bpmn:startEvent id="start"/>'
    '<bpmn:serviceTask id="charge" camunda:class="com.acme.payment.ChargeCard"/>'
    '<bpmn:serviceTask id="score" camunda:delegateExpression="${scoringDelegate}"/>'
    '<bpmn:sendTask id="notify" camunda:expression="${mailer.send(execution, amount)}"/>'
    '<bpmn:endEvent id="end"/>' + _flow("f1", "start", "charge") + _flow("f2", "charge", "score")
    + _flow("f3", "score", "notify") + _flow("f4", "notify", "end"))


def test_java_delegates_are_refused_naming_every_task(api):
    body = api.deploy(JAVA, expect=422)
    named = {e["element"]: e["message"] for e in body["errors"]}
    assert set(named) == {"charge", "score", "notify"}
    assert 'camunda:class="com.acme.payment.ChargeCard"' in named["charge"] and "topic 'ChargeCard'" in named["charge"]
    assert "topic 'scoringDelegate'" in named["score"] and "topic 'mailer'" in named["notify"]
    assert all(m.startswith("[java-delegate]") and "BPMN_SERVER_JAVA_DELEGATES=external" in m for m in named.values())


def test_java_listener_and_other_problems_are_named_together(api):
    xml = JAVA.replace('<bpmn:endEvent id="end"/>', '<bpmn:endEvent id="end"><bpmn:extensionElements>'
                       '<camunda:executionListener class="com.acme.Audit" event="end"/></bpmn:extensionElements>'
                       '</bpmn:endEvent><bpmn:scriptTask id="groovy" scriptFormat="groovy"><bpmn:script>x = 1'
                       '</bpmn:script></bpmn:scriptTask>') + ""
    xml = xml.replace(_flow("f4", "notify", "end"), _flow("f4", "notify", "groovy") + _flow("f5", "groovy", "end"))
    body = api.deploy(xml, expect=422)
    named = {e["element"] for e in body["errors"]}
    assert {"charge", "score", "notify", "end", "groovy"} <= named
    assert any("[java-listener]" in e["message"] and "com.acme.Audit" in e["message"] for e in body["errors"])


@pytest.fixture
def external_app(app_config: dict[str, Any]) -> Any:
    from bpmn_server import create_app
    from bpmn_server.engine import set_java_delegates
    from models import db

    app = create_app({**app_config, "JAVA_DELEGATES": "external"})
    yield app
    set_java_delegates("refuse")  # the mode is process-wide: leave the default for the other tests
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def test_with_the_setting_java_delegates_run_as_external_tasks(external_app):
    from tests.client import Api

    api = Api(external_app, ADMIN_TOKEN)
    api.deploy(JAVA)
    inst = api.start("p", {"amount": 12})
    assert inst["waiting"] == [{"type": "external", "activity": "charge", "name": "ChargeCard"}]
    for topic, result in (("ChargeCard", {"charged": True}), ("scoringDelegate", {"score": 7}),
                          ("mailer", {"mailed": 1})):
        [task] = _fetch(api, "w1", [{"name": topic, "lock_duration_ms": 60_000}])
        _call(api, task["id"], "complete", worker_id="w1", variables=result)
    done = api.instance(inst["id"])
    assert done["status"] == "completed"
    assert done["variables"] == {"amount": 12, "charged": True, "score": 7, "mailed": 1}


def _js(script: str) -> str:
    return _diagram('<bpmn:startEvent id="start"/><bpmn:scriptTask id="calc" scriptFormat="javascript">'
                    f'<bpmn:script>{script}</bpmn:script></bpmn:scriptTask><bpmn:userTask id="check"/>'
                    '<bpmn:endEvent id="end"/>' + _flow("f1", "start", "calc") + _flow("f2", "calc", "check")
                    + _flow("f3", "check", "end"))


def test_javascript_script_task_sets_variables(api):
    api.deploy(_js("var total = execution.getVariable('price') * qty;\n"
                   "execution.setVariable('total', total);\n"
                   "execution.setVariable('lines', [{sku: 'A', qty: qty}]);\n"
                   "qty = qty + 1;"))
    inst = api.start("p", {"price": 2.5, "qty": 4})
    assert inst["status"] == "running", inst
    assert api.instance(inst["id"])["variables"] == {"price": 2.5, "qty": 5, "total": 10,
                                                      "lines": [{"sku": "A", "qty": 4}]}


def test_a_runaway_javascript_loop_is_stopped_by_the_time_limit(api):
    api.deploy(_js("while (true) {}"))
    inst = api.start("p")
    assert inst["status"] == "failed"
    [incident] = inst["incidents"]
    assert incident["activity"] == "calc" and incident["type"] == "timeout", incident
    assert "longer than" in incident["message"]


def test_javascript_with_a_syntax_error_and_groovy_are_refused_naming_them(api):
    xml = _js("var x = ;").replace('<bpmn:userTask id="check"/>', '<bpmn:scriptTask id="check" '
                                   'scriptFormat="groovy"><bpmn:script>x = 1</bpmn:script></bpmn:scriptTask>')
    named = {e["element"]: e["message"] for e in api.deploy(xml, expect=422)["errors"]}
    assert "JavaScript does not compile" in named["calc"] and "groovy" in named["check"]


def test_stale_incoming_outgoing_entries_are_ignored_but_a_flow_left_unlisted_is_refused(api):
    listed = _diagram(
        '<bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing><bpmn:outgoing>gone</bpmn:outgoing>'
        '</bpmn:startEvent><bpmn:userTask id="work"><bpmn:incoming>f1</bpmn:incoming><bpmn:incoming>old</bpmn:incoming>'
        '<bpmn:outgoing>f2</bpmn:outgoing></bpmn:userTask><bpmn:endEvent id="end"><bpmn:incoming>f2</bpmn:incoming>'
        '</bpmn:endEvent>' + _flow("f1", "start", "work") + _flow("f2", "work", "end"))
    api.deploy(listed)
    assert [t["activity"] for t in api.start("p")["tasks"]] == ["work"]
    # BPMN's EXT.023 (betsy): a node that lists its flows must list each of them.
    body = api.deploy(listed.replace("<bpmn:incoming>f2</bpmn:incoming>", "<bpmn:incoming>old</bpmn:incoming>"),
                      expect=422)
    assert [e["element"] for e in body["errors"] if "[flow-node-refs]" in e["message"]] == ["end"]


def test_a_refused_file_names_the_parser_problem_together_with_the_others(api):
    # An unknown ref (the validator) and a service task with no implementation (SpiffWorkflow's parser).
    xml = _diagram('<bpmn:startEvent id="start"/><bpmn:serviceTask id="blank"/><bpmn:userTask id="work">'
                   '<bpmn:incoming>f2</bpmn:incoming></bpmn:userTask><bpmn:endEvent id="end"/>'
                   + _flow("f1", "start", "blank") + _flow("f2", "blank", "work") + _flow("f3", "work", "end")
                   + '<bpmn:intermediateThrowEvent id="shout"><bpmn:incoming>f9</bpmn:incoming>'
                   '<bpmn:signalEventDefinition signalRef="nowhere"/></bpmn:intermediateThrowEvent>')
    named = {e["element"] for e in api.deploy(xml, expect=422)["errors"]}
    assert {"shout", "blank"} <= named


def test_javascript_over_the_heap_limit_is_an_incident(api):
    # 32 MB a step: over the 64 MiB heap in a few steps, long before the 2 s time limit even on a busy machine
    api.deploy(_js("var a = []; while (true) { a.push(new Array(4000000).fill(1.5)); }"))
    inst = api.start("p")
    assert inst["status"] == "failed"
    [incident] = inst["incidents"]
    assert incident["activity"] == "calc" and "MiB" in incident["message"], incident
