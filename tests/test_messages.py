"""Messages: correlation by business key and by variables, every kind of message catcher, message starts."""

from __future__ import annotations


def _send(api, name, expect=200, **body):
    r = api.post("/api/messages", {"name": name, **body})
    assert r.status_code == expect, r.get_json()
    return r.get_json()


def test_catch_event_and_receive_task_correlated_by_business_key(api):
    api.deploy("ex_messages.bpmn")
    first = api.start("ex_msg_catch", {"order": 1}, business_key="A-1")
    second = api.start("ex_msg_catch", {"order": 2}, business_key="A-2")
    assert first["waiting"] == [{"type": "message", "activity": "wait_payment", "name": "payment-received"}]

    assert "more than one" in _send(api, "payment-received", 409)["detail"]
    _send(api, "payment-received", 404, business_key="A-9")
    _send(api, "no-such-message", 404)

    assert _send(api, "payment-received", business_key="A-2", variables={"paid": 10}) == {
        "instance_id": second["id"], "started": False}
    moved = api.instance(second["id"])
    assert moved["variables"] == {"order": 2, "paid": 10}
    assert moved["waiting"] == [{"type": "message", "activity": "wait_shipment", "name": "shipment-confirmed"}]
    assert api.instance(first["id"])["waiting"][0]["activity"] == "wait_payment"
    # Only one instance waits for the shipment now: no key needed.
    _send(api, "shipment-confirmed", variables={"carrier": "DHL"})
    done = api.instance(second["id"])
    assert done["status"] == "completed"
    assert done["variables"] == {"order": 2, "paid": 10, "carrier": "DHL"}

    events = api.history(second["id"])
    correlated = [e for e in events if e["type"] == "message.correlated"]
    assert [(e["activity"], e["data"]["name"]) for e in correlated] == [
        ("wait_payment", "payment-received"), ("wait_shipment", "shipment-confirmed")]
    types = [e["type"] for e in events]
    assert types.index("message.correlated") < types.index("activity.completed", types.index("message.correlated"))
    # Delivered once: the message is gone, a repeat finds nobody waiting.
    _send(api, "payment-received", 404, business_key="A-2")


def test_correlation_by_variable_values(api):
    api.deploy("ex_messages.bpmn")
    a = api.start("ex_msg_catch", {"order_id": 17, "region": "north"})
    b = api.start("ex_msg_catch", {"order_id": 18, "region": "north"})
    c = api.start("ex_msg_catch", {"order_id": "17", "region": "south"})
    assert _send(api, "payment-received", correlation={"order_id": 17})["instance_id"] == a["id"]
    assert _send(api, "payment-received", correlation={"order_id": "17"})["instance_id"] == c["id"]
    _send(api, "payment-received", 404, correlation={"order_id": 18, "region": "south"})
    _send(api, "payment-received", 422, correlation={"order_id": [18]})
    # Correlation keys follow repaired variables.
    r = api.patch(f"/api/process-instances/{b['id']}/variables", {"set": {"order_id": 99}, "reason": "renumbered"})
    assert r.status_code == 200
    _send(api, "payment-received", 404, correlation={"order_id": 18})
    assert _send(api, "payment-received", correlation={"order_id": 99, "region": "north"})["instance_id"] == b["id"]


def test_message_boundary_events_interrupting_and_not(api):
    api.deploy("ex_message_boundary.bpmn")
    inst = api.start("ex_msg_boundary", business_key="P-1")
    assert {w["name"] for w in inst["waiting"]} == {"cancel-order", "customer-reminder"}

    _send(api, "customer-reminder", business_key="P-1", variables={"question": "where is it?"})
    now = api.instance(inst["id"])
    assert sorted(t["activity"] for t in now["tasks"]) == ["answer", "pack"]
    assert now["variables"]["question"] == "where is it?"

    _send(api, "cancel-order", business_key="P-1", variables={"why": "changed my mind"})
    now = api.instance(inst["id"])
    assert [t["activity"] for t in now["tasks"]] == ["answer"]
    assert now["waiting"] == [] and now["status"] == "running"
    pack = [e for e in api.history(inst["id"]) if e["type"] == "task.cancelled"]
    assert [e["activity"] for e in pack] == ["pack"]
    assert api.complete(now["tasks"][0]["id"])["status"] == "completed"


def test_message_start_event_and_event_based_gateway(api):
    api.deploy("ex_message_start.bpmn")
    started = _send(api, "order-placed", business_key="O-1", variables={"amount": 5})
    assert started["started"] is True
    inst = api.instance(started["instance_id"])
    assert inst["business_key"] == "O-1" and inst["variables"] == {"amount": 5}
    assert sorted((w["activity"], w["name"]) for w in inst["waiting"]) == [
        ("approved", "approve"), ("rejected", "reject")]
    # A second order with another key starts a second instance.
    other = _send(api, "order-placed", business_key="O-2")
    assert other["instance_id"] != inst["id"]

    _send(api, "approve", business_key="O-1", variables={"approver": "kim"})
    inst = api.instance(inst["id"])
    assert [t["activity"] for t in inst["tasks"]] == ["ship"] and inst["waiting"] == []
    _send(api, "reject", 404, business_key="O-1")
    _send(api, "reject", business_key="O-2")
    assert api.instance(other["instance_id"])["status"] == "completed"
    types = [e["type"] for e in api.history(inst["id"])]
    assert types[:2] == ["instance.started", "message.correlated"]


def test_suspended_instances_take_no_messages_and_roles(api):
    api.deploy("ex_messages.bpmn")
    inst = api.start("ex_msg_catch", business_key="S-1")
    assert api.post(f"/api/process-instances/{inst['id']}/suspend").status_code == 200
    _send(api, "payment-received", 404, business_key="S-1")
    assert api.post(f"/api/process-instances/{inst['id']}/resume").status_code == 200

    auditor = api.as_user("audrey", "auditor")
    operator = api.as_user("otto", "operator")
    assert auditor.post("/api/messages", {"name": "payment-received"}).status_code == 403
    assert operator.post("/api/messages", {"name": "payment-received", "business_key": "S-1"}).status_code == 200
    assert api.post("/api/messages", {"business_key": "S-1"}).status_code in (400, 422)
    assert api.post("/api/messages", {"name": "x", "variables": {"v": {"typename": "y"}}}).status_code == 422
