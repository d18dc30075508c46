"""Embedded subprocesses, call activities across deployments, and multi-instance activities with scripts."""

from __future__ import annotations

from collections import Counter


def completed(api, instance_id: str) -> list[str]:
    return [e["activity"] for e in api.history(instance_id) if e["type"] == "activity.completed"]


def test_embedded_subprocess_waits_inside_and_passes_data_out(api):
    api.deploy("core_subprocess.bpmn")
    inst = api.start("core_subprocess", {"case": "A-1"})
    assert inst["status"] == "running"
    assert [t["activity"] for t in inst["tasks"]] == ["Activity_check"]
    assert inst["tasks"][0]["name"] == "Check documents"
    assert inst["variables"] == {"case": "A-1", "prepared": True}
    done = api.complete(inst["tasks"][0]["id"], {"verdict": "ok"})
    assert done["status"] == "completed"
    assert done["variables"] == {"case": "A-1", "prepared": True, "verdict": "ok", "checked": True,
                                 "summary": "checked"}
    order = completed(api, inst["id"])
    assert order.index("Activity_check") < order.index("Activity_mark") < order.index("Activity_review") \
        < order.index("Activity_after")


def test_call_activity_to_a_process_of_another_deployment(api):
    callee = api.deploy("core_callee.bpmn", note="pricing")
    caller = api.deploy("core_caller.bpmn", note="orders")
    assert callee["id"] != caller["id"]
    assert [d["key"] for d in caller["definitions"]] == ["core_caller"]  # the callee is not redeployed
    inst = api.start("core_caller", {"quantity": 3})
    assert inst["status"] == "completed", inst["incidents"]
    assert inst["variables"] == {"quantity": 3, "price": 30, "total": 35}
    order = completed(api, inst["id"])
    # What the called process did comes before the call activity completes, then the caller goes on.
    assert order.index("Activity_price") < order.index("Activity_call_price") < order.index("Activity_total")


def test_call_activity_to_a_process_in_the_same_deployment(api):
    body = api.deploy("core_callee.bpmn", "core_caller.bpmn")
    assert sorted(d["key"] for d in body["definitions"]) == ["core_callee", "core_caller"]
    assert api.start("core_caller", {"quantity": 1})["variables"]["total"] == 15


def test_call_activity_to_a_process_not_deployed_is_refused(api):
    r = api.client.post("/api/deployments", data=(api_diagram("core_caller.bpmn")), content_type="application/xml",
                        headers={"Authorization": f"Bearer {api.token}"})
    assert r.status_code == 422
    assert [e["element"] for e in r.get_json()["errors"]] == ["Activity_call_price"]


def test_a_failure_in_the_called_process_fails_the_caller(api):
    api.deploy("core_callee.bpmn")
    api.deploy("core_caller.bpmn")
    inst = api.start("core_caller", {"quantity": "three"})  # "three" * 10 works; + 5 does not
    assert inst["status"] == "failed"
    [incident] = inst["incidents"]
    assert incident["activity"] == "Activity_total"
    assert inst["variables"]["price"] == "three" * 10


def test_multi_instance_over_collections_and_cardinalities(api):
    api.deploy("core_multi_instance.bpmn")
    inst = api.start("core_multi_instance", {"items": [1, 2, 3], "labels": ["a", "b"], "rounds": 3})
    assert inst["status"] == "completed", inst["incidents"]
    # Parallel over `items` and sequential over `labels`: each instance's element is written back in place.
    # Sequential over `${rounds}` and parallel over 3: the index variable stays local to each instance.
    assert inst["variables"] == {"items": [10, 20, 30], "labels": ["A", "B"], "rounds": 3}
    counts = Counter(completed(api, inst["id"]))
    # One event per instance plus one for the multi-instance activity itself.
    assert counts["Activity_each_item"] == 3 + 1
    assert counts["Activity_each_label"] == 2 + 1
    assert counts["Activity_repeat"] == 3 + 1
    assert counts["Activity_fan"] == 3 + 1


def test_multi_instance_with_nothing_to_do(api):
    api.deploy("core_multi_instance.bpmn")
    inst = api.start("core_multi_instance", {"items": [], "labels": [], "rounds": 0})
    assert inst["status"] == "completed", inst["incidents"]
    assert inst["variables"] == {"items": [], "labels": [], "rounds": 0}


def test_multi_instance_over_a_map(api):
    api.deploy("core_multi_instance.bpmn")
    inst = api.start("core_multi_instance", {"items": {"apples": 2, "pears": 5}, "labels": ["x"], "rounds": 1})
    assert inst["status"] == "completed", inst["incidents"]
    assert inst["variables"]["items"] == {"apples": 20, "pears": 50}


def test_multi_instance_runs_the_same_for_every_instance(api):
    """The spec is parsed once and shared: nothing one instance resolves may leak into the next."""
    api.deploy("core_multi_instance.bpmn")
    first = api.start("core_multi_instance", {"items": [1], "labels": ["a"], "rounds": 2})
    second = api.start("core_multi_instance", {"items": [7, 8], "labels": ["q", "r", "s"], "rounds": 1})
    assert first["variables"] == {"items": [10], "labels": ["A"], "rounds": 2}
    assert second["variables"] == {"items": [70, 80], "labels": ["Q", "R", "S"], "rounds": 1}


def test_bad_multi_instance_input_is_an_incident(api):
    api.deploy("core_multi_instance.bpmn")
    inst = api.start("core_multi_instance", {"items": 5, "labels": [], "rounds": 1})
    assert inst["status"] == "failed"
    assert inst["incidents"][0]["activity"] in ("Activity_each_item", None)
    assert inst["variables"] == {"items": 5, "labels": [], "rounds": 1}


def api_diagram(name: str) -> bytes:
    from tests.client import DIAGRAMS

    return (DIAGRAMS / name).read_bytes()


def test_nested_call_activities_across_three_deployments(api):
    api.deploy("core_callee.bpmn")
    api.deploy("core_caller.bpmn")
    outer = api_diagram("core_caller.bpmn").replace(b'id="core_caller" name="Order with price call"',
                                                      b'id="core_outer" name="Outer"')
    outer = outer.replace(b'calledElement="core_callee"', b'calledElement="core_caller"')
    api.deploy(outer)
    inst = api.start("core_outer", {"quantity": 2})
    assert inst["status"] == "completed", inst["incidents"]
    # core_callee prices (20), core_caller adds shipping (25), the outer process's script does the same.
    assert inst["variables"] == {"quantity": 2, "price": 20, "total": 25}


def test_call_activity_to_a_process_of_a_collaboration(api):
    api.deploy("core_two_processes.bpmn")
    caller = api_diagram("core_caller.bpmn").replace(b'calledElement="core_callee"', b'calledElement="core_intake"')
    caller = caller.replace(b"total = price + 5", b"total = registered + '!'")
    api.deploy(caller)
    inst = api.start("core_caller")
    assert inst["status"] == "completed", inst["incidents"]
    assert inst["variables"] == {"registered": "intake", "total": "intake!"}

