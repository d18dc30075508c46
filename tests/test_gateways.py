"""Exclusive, parallel and inclusive gateways with conditions and default flows; a gateway that finds no way
out fails the instance with an incident and loses no data."""

from __future__ import annotations

import pytest


def completed_activities(api, instance_id: str) -> list[str]:
    return [e["activity"] for e in api.history(instance_id) if e["type"] == "activity.completed"]


@pytest.mark.parametrize("amount, route", [(5000, "big"), (1001, "big"), (500, "medium"), (100, "small"),
                                           (5, "small")])
def test_exclusive_gateway_takes_the_first_true_flow_or_the_default(api, amount, route):
    api.deploy("core_exclusive.bpmn")
    inst = api.start("core_exclusive", {"amount": amount})
    assert inst["status"] == "completed"
    assert inst["variables"] == {"amount": amount, "route": route}
    done = completed_activities(api, inst["id"])
    scripts = [a for a in done if a in ("Activity_big", "Activity_medium", "Activity_small")]
    assert scripts == [f"Activity_{route}"]
    assert done.count("Event_end") == 1


def test_parallel_split_and_join(api):
    api.deploy("core_parallel.bpmn")
    inst = api.start("core_parallel", {"base": 10})
    assert inst["status"] == "completed"
    # The join merges what each branch wrote.
    assert inst["variables"] == {"base": 10, "part_a": 11, "part_b": 12, "part_c": 13, "total": 36}
    done = completed_activities(api, inst["id"])
    assert sorted(a for a in done if a.startswith("Activity_")) == [
        "Activity_a", "Activity_b", "Activity_c", "Activity_sum"]
    assert done.count("Activity_sum") == 1  # the join fires once
    assert done.count("Event_end") == 1


@pytest.mark.parametrize("variables, checks", [
    ({"amount": 500, "vip": True, "express": False}, {"checked_large", "checked_vip"}),
    ({"amount": 500, "vip": True, "express": True}, {"checked_large", "checked_vip", "checked_express"}),
    ({"amount": 5, "vip": False, "express": True}, {"checked_express"}),
    ({"amount": 5, "vip": False, "express": False}, {"checked_standard"}),
])
def test_inclusive_gateway_takes_every_true_flow_or_the_default(api, variables, checks):
    api.deploy("core_inclusive.bpmn")
    inst = api.start("core_inclusive", variables)
    assert inst["status"] == "completed"
    assert inst["variables"] == {**variables, **{c: True for c in checks}}
    done = completed_activities(api, inst["id"])
    assert done.count("Event_end") == 1  # the join waits for every taken branch, then fires once


def test_no_true_condition_and_no_default_fails_with_an_incident(api):
    api.deploy("core_no_match.bpmn")
    inst = api.start("core_no_match", {"amount": 50, "customer": {"name": "Zoë", "tags": ["a", "b"]}})
    assert inst["status"] == "failed"
    assert inst["ended_at"] is None  # failed is repairable, not ended
    # No data is lost: what the script wrote before the gateway is still there.
    assert inst["variables"] == {"amount": 50, "customer": {"name": "Zoë", "tags": ["a", "b"]}, "prepared": 51}
    [incident] = inst["incidents"]
    assert {"id", "instance_id", "activity", "type", "message", "created_at", "resolved_at"} <= set(incident)
    assert incident["instance_id"] == inst["id"]
    assert incident["activity"] == "Gateway_route"
    assert incident["type"] == "gateway"
    assert "Gateway_route" in incident["message"]
    assert incident["created_at"].endswith("Z")
    assert incident["resolved_at"] is None
    assert inst["tasks"] == [] and inst["waiting"] == []

    again = api.instance(inst["id"])
    assert again["status"] == "failed" and again["incidents"] == inst["incidents"]
    assert again["variables"] == inst["variables"]
    types = [e["type"] for e in api.history(inst["id"])]
    assert types[0] == "instance.started"
    assert "instance.failed" in types and "incident.created" in types
    assert "instance.completed" not in types
    failed = api.get("/api/process-instances", query_string={"status": "failed"}).get_json()["items"]
    assert [i["id"] for i in failed] == [inst["id"]]


def test_a_condition_that_fails_at_run_time_is_an_incident(api):
    """`amount` is missing: the condition raises, the instance fails at the gateway."""
    api.deploy("core_exclusive.bpmn")
    inst = api.start("core_exclusive", {"total": 3})
    assert inst["status"] == "failed"
    [incident] = inst["incidents"]
    assert incident["activity"] == "Gateway_size"
    assert "amount" in incident["message"]
    assert inst["variables"] == {"total": 3}
