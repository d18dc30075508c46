"""Constructs SpiffWorkflow lacks, run through parse-time rewrites (engine/implicit.py, engine/complex_gateway.py),
and those still refused at deploy (engine/validator_support.py). Everything through the HTTP API."""

from __future__ import annotations

import pytest

NS = ('xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
      'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"')


def diagram(body: str, pid: str = "p", head: str = "") -> str:
    return (f'<bpmn:definitions {NS} id="d_{pid}" targetNamespace="t">{head}'
            f'<bpmn:process id="{pid}" isExecutable="true">{body}</bpmn:process></bpmn:definitions>')


def flow(fid: str, source: str, target: str, condition: str | None = None) -> str:
    if condition is None:
        return f'<bpmn:sequenceFlow id="{fid}" sourceRef="{source}" targetRef="{target}"/>'
    return (f'<bpmn:sequenceFlow id="{fid}" sourceRef="{source}" targetRef="{target}">'
            f'<bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">{condition}</bpmn:conditionExpression>'
            '</bpmn:sequenceFlow>')


def script(sid: str, code: str = "pass", attrs: str = "") -> str:
    return (f'<bpmn:scriptTask id="{sid}" scriptFormat="python" {attrs}><bpmn:script>{code}</bpmn:script>'
            '</bpmn:scriptTask>')


def done(api, instance_id: str) -> list[str]:
    return [e["activity"] for e in api.history(instance_id) if e["type"] == "activity.completed"]


def refusal(api, xml: str) -> list[dict]:
    r = api.post("/api/deployments", data=xml.encode(), content_type="application/xml")
    assert r.status_code == 422, r.get_json()
    return r.get_json()["errors"]


def test_ids_spiffworkflow_reserves_run_and_show_as_modelled(api):
    """`Start`/`End` collided with SpiffWorkflow's internal task specs: starting was an HTTP 500."""
    xml = diagram('<bpmn:startEvent id="Start"/>' + flow("f1", "Start", "End_task") + script("End_task")
                  + flow("f2", "End_task", "End") + '<bpmn:endEvent id="End"/>')
    api.deploy(xml)
    inst = api.start("p")
    assert inst["status"] == "completed"
    assert done(api, inst["id"]) == ["Start", "End_task", "End"]
    definition = api.get("/api/process-definitions", query_string={"key": "p"}).get_json()["items"][0]
    assert api.get(f"/api/process-definitions/{definition['id']}/xml").data == xml.encode()  # bytes as uploaded


def test_a_process_spiffworkflow_cannot_start_is_a_422_not_a_500(api, monkeypatch):
    from SpiffWorkflow.exceptions import WorkflowException

    from bpmn_server.engine import runtime

    api.deploy(diagram('<bpmn:startEvent id="s"/>' + flow("f", "s", "e") + '<bpmn:endEvent id="e"/>'))

    def broken(*args, **kwargs):
        raise WorkflowException("No output task connected.")

    monkeypatch.setattr(runtime, "new_workflow", broken)
    r = api.post("/api/process-instances", {"process": "p"})
    assert r.status_code == 422, r.get_json()
    assert "No output task connected" in r.get_json()["errors"][0]["message"]


@pytest.mark.parametrize("value, ran", [(1, {"a", "b", "c"}), (5, {"a", "b", "d"})])
def test_several_outgoing_flows_of_a_task_split_the_token(api, value, ran):
    """Unconditional flows all fire, conditional ones when true, the default when no condition holds."""
    body = ('<bpmn:startEvent id="s"/>' + flow("f0", "s", "t") + script("t", attrs='default="fd"')
            + flow("fa", "t", "a") + flow("fb", "t", "b") + flow("fc", "t", "c", "x &lt; 3") + flow("fd", "t", "d")
            + "".join(script(n) + flow(f"{n}e", n, f"e{n}") + f'<bpmn:endEvent id="e{n}"/>' for n in "abcd"))
    api.deploy(diagram(body))
    inst = api.start("p", {"x": value})
    assert inst["status"] == "completed"
    assert {a for a in done(api, inst["id"]) if a in "abcd"} == ran


def test_a_complex_join_fires_on_the_first_token_and_swallows_the_rest(api):
    """Discriminator: the branch that is still waiting does not hold up, nor repeat, what follows the join."""
    body = ('<bpmn:startEvent id="s"/>' + flow("f0", "s", "split") + '<bpmn:parallelGateway id="split"/>'
            + flow("f1", "split", "fast") + flow("f2", "split", "slow") + script("fast")
            + '<bpmn:userTask id="slow"/>' + flow("f3", "fast", "join") + flow("f4", "slow", "join")
            + '<bpmn:complexGateway id="join"><bpmn:activationCondition xsi:type="bpmn:tFormalExpression">'
              'activationCount &gt;= 1</bpmn:activationCondition></bpmn:complexGateway>'
            + flow("f5", "join", "after") + script("after") + flow("f6", "after", "e") + '<bpmn:endEvent id="e"/>')
    api.deploy(diagram(body))
    inst = api.start("p")
    assert done(api, inst["id"]).count("after") == 1 and inst["status"] == "running"
    api.complete(api.instance(inst["id"])["tasks"][0]["id"])
    assert api.instance(inst["id"])["status"] == "completed"
    assert done(api, inst["id"]).count("after") == 1


def test_token_quantities(api):
    """completionQuantity=2 sends two tokens; startQuantity=2 waits for two, and a single one stays waiting."""
    body = ('<bpmn:startEvent id="s"/>' + flow("f0", "s", "send") + script("send", attrs='completionQuantity="2"')
            + flow("f1", "send", "middle") + script("middle") + flow("f2", "middle", "receive")
            + script("receive", attrs='startQuantity="2"') + flow("f3", "receive", "e") + '<bpmn:endEvent id="e"/>')
    api.deploy(diagram(body))
    inst = api.start("p")
    ran = done(api, inst["id"])
    assert (ran.count("send"), ran.count("middle"), ran.count("receive")) == (1, 2, 1)
    body = ('<bpmn:startEvent id="s"/>' + flow("f0", "s", "one") + script("one") + flow("f1", "one", "two")
            + script("two", attrs='startQuantity="2"') + flow("f2", "two", "e") + '<bpmn:endEvent id="e"/>')
    api.deploy(diagram(body, "q"))
    inst = api.start("q")
    assert inst["status"] == "running" and "two" not in done(api, inst["id"])


def test_link_events_a_global_script_and_referenced_definitions(api):
    head = ('<bpmn:globalScriptTask id="shared"><bpmn:script>shared_ran = True</bpmn:script>'
            '</bpmn:globalScriptTask>')
    body = ('<bpmn:startEvent id="s"/>' + flow("f0", "s", "call")
            + '<bpmn:callActivity id="call" calledElement="shared"/>'
            + flow("f1", "call", "go") + '<bpmn:intermediateThrowEvent id="go">'
              '<bpmn:linkEventDefinition id="l1" name="jump"/></bpmn:intermediateThrowEvent>'
            + '<bpmn:intermediateCatchEvent id="land"><bpmn:linkEventDefinition id="l2" name="jump"/>'
              '</bpmn:intermediateCatchEvent>' + flow("f2", "land", "e") + '<bpmn:endEvent id="e"/>')
    api.deploy(diagram(body, head=head))
    inst = api.start("p")
    assert inst["status"] == "completed" and inst["variables"]["shared_ran"] is True
    assert done(api, inst["id"]) == ["s", "call", "go", "land", "e"]


def test_an_interrupting_boundary_event_caught_from_inside_stops_the_subprocess(api):
    head = '<bpmn:escalation id="esc" escalationCode="ESC"/>'
    body = ('<bpmn:startEvent id="s"/>' + flow("f0", "s", "sub") + '<bpmn:subProcess id="sub">'
            '<bpmn:startEvent id="ss"/>' + flow("g0", "ss", "raise") + '<bpmn:intermediateThrowEvent id="raise">'
            '<bpmn:escalationEventDefinition escalationRef="esc"/></bpmn:intermediateThrowEvent>'
            + flow("g1", "raise", "after") + script("after") + flow("g2", "after", "se") + '<bpmn:endEvent id="se"/>'
            '</bpmn:subProcess><bpmn:boundaryEvent id="caught" attachedToRef="sub">'
            '<bpmn:escalationEventDefinition escalationRef="esc"/></bpmn:boundaryEvent>'
            + flow("f1", "caught", "handled") + script("handled") + flow("f2", "handled", "e1")
            + '<bpmn:endEvent id="e1"/>' + flow("f3", "sub", "e2") + '<bpmn:endEvent id="e2"/>')
    api.deploy(diagram(body, head=head))
    inst = api.start("p")
    assert inst["status"] == "completed"
    ran = done(api, inst["id"])
    assert "handled" in ran and "after" not in ran


def test_an_interrupting_event_subprocess_inside_a_subprocess_interrupts_it(api):
    """It runs as an interrupting boundary event on the subprocess: what follows the throw does not run."""
    head = '<bpmn:signal id="sig" name="stop"/>'
    body = ('<bpmn:startEvent id="s"/>' + flow("f0", "s", "sub") + '<bpmn:subProcess id="sub">'
            '<bpmn:subProcess id="handler" triggeredByEvent="true"><bpmn:startEvent id="hs">'
            '<bpmn:signalEventDefinition signalRef="sig"/></bpmn:startEvent>' + flow("h0", "hs", "handle")
            + script("handle") + flow("h1", "handle", "he") + '<bpmn:endEvent id="he"/></bpmn:subProcess>'
            '<bpmn:startEvent id="ss"/>' + flow("g0", "ss", "raise") + '<bpmn:intermediateThrowEvent id="raise">'
            '<bpmn:signalEventDefinition signalRef="sig"/></bpmn:intermediateThrowEvent>' + flow("g1", "raise", "after")
            + script("after") + flow("g2", "after", "se") + '<bpmn:endEvent id="se"/></bpmn:subProcess>'
            + flow("f1", "sub", "next") + script("next") + flow("f2", "next", "e") + '<bpmn:endEvent id="e"/>')
    api.deploy(diagram(body, head=head))
    inst = api.start("p")
    assert inst["status"] == "completed"
    ran = done(api, inst["id"])
    assert {"hs", "handle", "next"} <= set(ran) and "after" not in ran


def test_an_interrupting_conditional_boundary_that_holds_on_entry_skips_the_activity(api):
    body = ('<bpmn:startEvent id="s"/>' + flow("f0", "s", "work") + '<bpmn:userTask id="work"/>'
            '<bpmn:boundaryEvent id="hot" attachedToRef="work"><bpmn:conditionalEventDefinition>'
            '<bpmn:condition xsi:type="bpmn:tFormalExpression">x &gt; 3</bpmn:condition>'
            '</bpmn:conditionalEventDefinition></bpmn:boundaryEvent>' + flow("f1", "hot", "alarm") + script("alarm")
            + flow("f2", "alarm", "e1") + '<bpmn:endEvent id="e1"/>' + flow("f3", "work", "e2")
            + '<bpmn:endEvent id="e2"/>')
    api.deploy(diagram(body))
    hot = api.start("p", {"x": 5})
    assert hot["status"] == "completed" and "alarm" in done(api, hot["id"]) and not hot["tasks"]
    cold = api.start("p", {"x": 1})
    assert [t["activity"] for t in cold["tasks"]] == ["work"]


@pytest.mark.parametrize("element, rule", [
    ('<bpmn:signal id="sig" name="sig"/>', None),
    ('<bpmn:escalation id="esc" escalationCode="ESC"/>', "unsupported-interrupt-from-inside"),
])
def test_constructs_that_would_run_wrongly_are_refused_with_a_rule(api, element, rule):
    if rule is None:  # multi-instance behavior None with an event it cannot throw (engine/mi_behavior.py)
        body = ('<bpmn:startEvent id="s"/>' + flow("f0", "s", "mi")
                + '<bpmn:scriptTask id="mi"><bpmn:multiInstanceLoopCharacteristics isSequential="true" '
                  'behavior="None" noneBehaviorEventRef="sd"><bpmn:loopCardinality xsi:type="bpmn:tFormalExpression">'
                  '2</bpmn:loopCardinality></bpmn:multiInstanceLoopCharacteristics><bpmn:script>pass</bpmn:script>'
                  '</bpmn:scriptTask>' + flow("f1", "mi", "e") + '<bpmn:endEvent id="e"/>')
        element += '<bpmn:timerEventDefinition id="sd"/>'
        rule, where = "unsupported-mi-behavior-event", "mi"
    else:  # an interrupting escalation event subprocess of the process, thrown to from the process itself
        body = ('<bpmn:subProcess id="handler" triggeredByEvent="true"><bpmn:startEvent id="hs">'
                '<bpmn:escalationEventDefinition escalationRef="esc"/></bpmn:startEvent>' + flow("h0", "hs", "he")
                + '<bpmn:endEvent id="he"/></bpmn:subProcess><bpmn:startEvent id="s"/>' + flow("f0", "s", "raise")
                + '<bpmn:intermediateThrowEvent id="raise"><bpmn:escalationEventDefinition escalationRef="esc"/>'
                  '</bpmn:intermediateThrowEvent>' + flow("f1", "raise", "e") + '<bpmn:endEvent id="e"/>')
        where = "hs"
    errors = refusal(api, diagram(body, head=element))
    assert [(e["element"], e["message"].split("]")[0] + "]") for e in errors] == [(where, f"[{rule}]")]
