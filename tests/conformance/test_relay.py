"""Messages and signals thrown by one instance reach other instances and start events (services/relay.py)."""

from __future__ import annotations

from tests.conformance.test_rewrites import diagram, done, flow, script

HEAD = ('<bpmn:message id="m_order" name="order"/><bpmn:message id="m_ping" name="ping"/>'
        '<bpmn:message id="m_pong" name="pong"/><bpmn:signal id="s_alarm" name="alarm"/>')


def throw(eid: str, kind: str, ref: str, tag: str = "intermediateThrowEvent") -> str:
    attr = "messageRef" if kind == "message" else "signalRef"
    return f'<bpmn:{tag} id="{eid}"><bpmn:{kind}EventDefinition {attr}="{ref}"/></bpmn:{tag}>'


def instances(api, process: str) -> list[dict]:
    return api.get("/api/process-instances", query_string={"process": process}).get_json()["items"]


def test_a_thrown_message_reaches_a_waiting_instance_and_a_message_end_event_starts_a_process(api):
    sender = ('<bpmn:startEvent id="s"/>' + flow("f0", "s", "send") + throw("send", "message", "m_order")
              + flow("f1", "send", "end") + throw("end", "message", "m_order", "endEvent"))
    receiver = ('<bpmn:startEvent id="rs"/>' + flow("r0", "rs", "wait") + '<bpmn:intermediateCatchEvent id="wait">'
                '<bpmn:messageEventDefinition messageRef="m_order"/></bpmn:intermediateCatchEvent>'
                + flow("r1", "wait", "got") + script("got", "got_it = True") + flow("r2", "got", "re")
                + '<bpmn:endEvent id="re"/>')
    starter = (throw("ms", "message", "m_order", "startEvent") + flow("t0", "ms", "new") + script("new")
               + flow("t1", "new", "te") + '<bpmn:endEvent id="te"/>')
    api.deploy(diagram(sender, "sender", HEAD))
    api.deploy(diagram(receiver, "receiver", HEAD))
    api.deploy(diagram(starter, "starter", HEAD))
    waiting = api.start("receiver")
    sent = api.start("sender")
    assert sent["status"] == "completed"
    # The intermediate throw reached the waiting instance; the end event's message found nobody waiting and
    # started the process with the message start event.
    got = api.instance(waiting["id"])
    assert got["status"] == "completed" and got["variables"]["got_it"] is True
    correlated = [e for e in api.history(waiting["id"]) if e["type"] == "message.correlated"]
    assert [e["data"]["thrown_by"] for e in correlated] == [sent["id"]]
    started = instances(api, "starter")
    assert len(started) == 1 and done(api, started[0]["id"]) == ["ms", "new", "te"]


def test_a_thrown_signal_reaches_every_waiting_instance_and_starts_signal_started_processes(api):
    catcher = ('<bpmn:startEvent id="cs"/>' + flow("c0", "cs", "wait") + '<bpmn:intermediateCatchEvent id="wait">'
               '<bpmn:signalEventDefinition signalRef="s_alarm"/></bpmn:intermediateCatchEvent>'
               + flow("c1", "wait", "ce") + '<bpmn:endEvent id="ce"/>')
    starter = (throw("ss", "signal", "s_alarm", "startEvent") + flow("t0", "ss", "te") + '<bpmn:endEvent id="te"/>')
    thrower = ('<bpmn:startEvent id="s"/>' + flow("f0", "s", "end") + throw("end", "signal", "s_alarm", "endEvent"))
    for body, pid in ((catcher, "catcher"), (starter, "starter"), (thrower, "thrower")):
        api.deploy(diagram(body, pid, HEAD))
    waiting = [api.start("catcher") for _ in range(2)]
    assert api.start("thrower")["status"] == "completed"
    assert [api.instance(w["id"])["status"] for w in waiting] == ["completed", "completed"]
    assert len(instances(api, "starter")) == 1


def test_a_ping_pong_between_two_processes_ends_within_the_request(api):
    """Each start throws a message that starts the other process: the cascade is cut at a bounded depth."""
    ping = (throw("ps", "message", "m_ping", "startEvent") + flow("p0", "ps", "pe")
            + throw("pe", "message", "m_pong", "endEvent"))
    pong = (throw("qs", "message", "m_pong", "startEvent") + flow("q0", "qs", "qe")
            + throw("qe", "message", "m_ping", "endEvent"))
    api.deploy(diagram(ping, "ping", HEAD))
    api.deploy(diagram(pong, "pong", HEAD))
    r = api.post("/api/messages", {"name": "ping"})
    assert r.status_code in (200, 201), r.get_json()
    total = len(instances(api, "ping")) + len(instances(api, "pong"))
    assert 2 < total <= 10
    assert {i["status"] for i in instances(api, "ping") + instances(api, "pong")} == {"completed"}
