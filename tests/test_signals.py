"""Signals: one broadcast reaches every waiting catcher and starts every signal-started process."""

from __future__ import annotations


def _signal(api, name, variables=None, expect=200):
    r = api.post("/api/signals", {"name": name, "variables": variables or {}})
    assert r.status_code == expect, r.get_json()
    return r.get_json()


def test_signal_reaches_every_waiting_catcher_and_starts_processes(api):
    api.deploy("ex_signals.bpmn")
    waiting = [api.start("ex_sig_catch", {"n": i}) for i in range(3)]
    assert waiting[0]["waiting"] == [{"type": "signal", "activity": "wait_alarm", "name": "alarm"}]
    busy = api.start("ex_sig_boundary")

    assert _signal(api, "alarm", {"level": 3}) == {"delivered": 4, "started": 1}
    for inst in waiting:
        done = api.instance(inst["id"])
        assert done["status"] == "completed"
        assert done["variables"]["level"] == 3
    # The boundary waits for another signal: untouched.
    assert [t["activity"] for t in api.instance(busy["id"])["tasks"]] == ["assemble"]
    started = api.get("/api/process-instances", query_string={"process": "ex_sig_start"}).get_json()["items"]
    assert len(started) == 1 and started[0]["variables"] == {"level": 3}
    assert [t["activity"] for t in api.instance(started[0]["id"])["tasks"]] == ["respond"]
    events = [e for e in api.history(waiting[0]["id"]) if e["type"] == "signal.delivered"]
    assert [(e["activity"], e["data"]["name"]) for e in events] == [("wait_alarm", "alarm")]

    # Nobody waits any more: only the start event takes the next one.
    assert _signal(api, "alarm") == {"delivered": 1, "started": 1}
    assert _signal(api, "nobody-listens") == {"delivered": 0, "started": 0}


def test_signal_boundary_interrupts_the_task(api):
    api.deploy("ex_signals.bpmn")
    a = api.start("ex_sig_boundary")
    b = api.start("ex_sig_boundary")
    api.post(f"/api/process-instances/{b['id']}/suspend")
    assert _signal(api, "product-recall")["delivered"] == 1
    moved = api.instance(a["id"])
    assert [t["activity"] for t in moved["tasks"]] == ["scrap"]
    # A suspended instance takes no signal.
    assert [t["activity"] for t in api.instance(b["id"])["tasks"]] == ["assemble"]


def test_signal_validation_and_roles(api):
    assert api.post("/api/signals", {"variables": {}}).status_code in (400, 422)
    assert api.post("/api/signals", {"name": "x", "variables": {"a": {"typename": "t"}}}).status_code == 422
    auditor = api.as_user("audrey", "auditor")
    operator = api.as_user("otto", "operator")
    assert auditor.post("/api/signals", {"name": "x"}).status_code == 403
    assert operator.post("/api/signals", {"name": "x"}).status_code == 200
