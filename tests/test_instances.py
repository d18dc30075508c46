"""Starting, reading and listing instances: the INSTANCE representation, exact variables, cursor pages."""

from __future__ import annotations

import datetime as dt

import pytest

INSTANCE_KEYS = {"id", "process", "version", "definition_id", "business_key", "status", "variables", "tasks",
                 "waiting", "incidents", "started_at", "started_by", "ended_at"}
TASK_KEYS = {"id", "name", "activity", "instance_id", "process", "business_key", "status", "assignee",
             "candidate_groups", "candidate_users", "due_at", "created_at", "completed_at", "completed_by", "form"}


def _utc(text: str) -> dt.datetime:
    assert text.endswith("Z"), text
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))


def test_instance_representation(api):
    defn = api.deploy("core_approval.bpmn")["definitions"][0]
    operator = api.as_user("otto", "operator")
    inst = operator.start("core_approval", {"amount": 900}, business_key="PO-1")
    assert INSTANCE_KEYS <= set(inst)
    assert inst["process"] == "core_approval"
    assert (inst["version"], inst["definition_id"]) == (1, defn["id"])
    assert inst["business_key"] == "PO-1"
    assert inst["status"] == "running"
    assert inst["started_by"] == "otto"
    assert inst["ended_at"] is None
    assert abs(_utc(inst["started_at"]) - dt.datetime.now(dt.UTC)) < dt.timedelta(minutes=5)
    assert inst["incidents"] == [] and inst["waiting"] == []
    [task] = inst["tasks"]
    assert TASK_KEYS <= set(task)
    assert (task["activity"], task["name"], task["status"]) == ("Activity_approve", "Approve request", "open")
    assert (task["instance_id"], task["process"], task["business_key"]) == (inst["id"], "core_approval", "PO-1")
    assert task["candidate_groups"] == ["managers"]
    assert api.instance(inst["id"]) == inst

    done = api.complete(task["id"])
    assert done["status"] == "completed"
    assert _utc(done["ended_at"]) >= _utc(done["started_at"])
    assert done["tasks"] == []


def test_start_runs_until_every_token_waits(api):
    api.deploy("core_approval.bpmn")
    auto = api.start("core_approval", {"amount": 10})
    assert auto["status"] == "completed"
    assert auto["variables"] == {"amount": 10, "score": 20}
    types = [e["type"] for e in api.history(auto["id"])]
    assert types[0] == "instance.started" and types[-1] == "instance.completed"
    assert [e["activity"] for e in api.history(auto["id"]) if e["type"] == "activity.completed"] == [
        "StartEvent_1", "Activity_score", "Gateway_amount", "Event_auto"]


def test_unknown_instance_is_404(api):
    r = api.get("/api/process-instances/2b0b8a6e-0000-0000-0000-000000000000")
    assert r.status_code == 404
    assert r.mimetype == "application/problem+json"


# Variables ----------------------------------------------------------------------------------------------------

ROUND_TRIP = {
    "amount": 900,
    "nested": {"list": [1, [2, [3, {"deep": None}]]], "empty_map": {}, "empty_list": []},
    "unicode": "Grüße ✓ 漢字 🎉 \t tab \n newline \\ backslash \"quote\"",
    "ключ": "значение",
    "int64_max": 2**63 - 1, "int64_min": -(2**63), "uint64_max": 2**64 - 1, "beyond_js": 2**53 + 1,
    "floats": [0.1, 1e-300, 1.7976931348623157e308, -2.5, 3.0, 1 / 3],
    "flags": [True, False, None],
    "looks_like_a_date": "2024-01-01T00:00:00Z",
    "looks_like_engine_data": "typename",
    "list_of_maps": [{"name": "a", "value": 1}, {"name": "b", "value": [1.5, "ü"]}],
}


def _same(a, b) -> bool:
    """Equal, with the types too (1 and 1.0 and True are not the same variable)."""
    if isinstance(a, dict):
        return isinstance(b, dict) and a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return isinstance(b, list) and len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    return type(a) is type(b) and a == b


def test_variables_round_trip_exactly(api, restart_api):
    api.deploy("core_approval.bpmn")
    inst = api.start("core_approval", ROUND_TRIP)
    expected = {**ROUND_TRIP, "score": 1800}
    assert _same(inst["variables"], expected)
    assert _same(api.instance(inst["id"])["variables"], expected)
    fresh = restart_api()
    assert _same(fresh.instance(inst["id"])["variables"], expected)
    more = {"answer": {"ok": True, "by": "Zoë", "n": [2**63 - 1, 0.1]}}
    done = fresh.complete(inst["tasks"][0]["id"], more)
    assert done["status"] == "completed"
    assert _same(done["variables"], {**expected, **more})
    started = next(e for e in api.history(inst["id"]) if e["type"] == "instance.started")
    assert _same(started["data"]["variables"], ROUND_TRIP)


def test_nul_characters_survive(api):
    api.deploy("core_approval.bpmn")
    inst = api.start("core_approval", {"amount": 900, "raw": "a\u0000b"})
    assert api.instance(inst["id"])["variables"]["raw"] == "a\u0000b"


@pytest.mark.parametrize("variables, path", [
    ({"amount": 1, "when": {"typename": "datetime", "value": "2020-01-01T00:00:00"}}, "when"),
    ({"amount": 1, "outer": {"inner": [{"typename": "set", "value": [1]}]}}, "outer.inner[0]"),
    ({"typename": "BpmnWorkflow", "amount": 1}, "variables"),
])
def test_engine_reserved_objects_are_refused(api, variables, path):
    api.deploy("core_approval.bpmn")
    r = api.post("/api/process-instances", {"process": "core_approval", "variables": variables})
    assert r.status_code == 422
    body = r.get_json()
    assert r.mimetype == "application/problem+json"
    [error] = body["errors"]
    assert error["message"].startswith(path)
    assert "typename" in error["message"]
    assert api.get("/api/process-instances").get_json()["items"] == []


def test_reserved_objects_are_refused_on_task_completion_too(api):
    api.deploy("core_approval.bpmn")
    inst = api.start("core_approval", {"amount": 900})
    r = api.post(f"/api/tasks/{inst['tasks'][0]['id']}/complete",
                 {"variables": {"x": {"typename": "timedelta", "value": 5}}})
    assert r.status_code == 422
    assert api.instance(inst["id"])["status"] == "running"


def test_integers_beyond_64_bits_are_refused_not_rounded(api):
    api.deploy("core_approval.bpmn")
    r = api.client.post("/api/process-instances", content_type="application/json",
                        headers={"Authorization": f"Bearer {api.token}"},
                        data='{"process": "core_approval", "variables": {"amount": 1, "n": 100000000000000000000000}}')
    assert r.status_code == 422
    assert "n:" in r.get_json()["errors"][0]["message"] or "n" in r.get_json()["errors"][0]["message"]
    # Long digit strings are only text.
    inst = api.start("core_approval", {"amount": 1, "iban": "123456789012345678901234567890"})
    assert inst["variables"]["iban"] == "123456789012345678901234567890"


def test_a_script_may_make_integers_json_cannot_hold(api):
    api.deploy("core_approval.bpmn")
    inst = api.start("core_approval", {"amount": 2**64 - 1})  # score = amount * 2
    assert inst["status"] == "running"
    # Shown as a string; the engine keeps the integer, so later steps compute with it exactly.
    assert inst["variables"]["score"] == str(2 * (2**64 - 1))
    assert api.complete(inst["tasks"][0]["id"])["variables"]["score"] == str(2 * (2**64 - 1))


def test_variables_must_be_an_object(api):
    api.deploy("core_approval.bpmn")
    r = api.post("/api/process-instances", {"process": "core_approval", "variables": [1, 2]})
    assert r.status_code == 400


# Lists --------------------------------------------------------------------------------------------------------


def _page(api, **params):
    r = api.get("/api/process-instances", query_string=params)
    assert r.status_code == 200, r.get_json()
    return r.get_json()


def test_list_is_newest_first_with_cursor_pages(api):
    api.deploy("core_approval.bpmn")
    ids = [api.start("core_approval", {"amount": 900}, business_key=f"k{i}")["id"] for i in range(7)]
    newest_first = list(reversed(ids))
    everything = _page(api)
    assert [i["id"] for i in everything["items"]] == newest_first
    assert everything["next"] is None
    assert "tasks" not in everything["items"][0] and "incidents" not in everything["items"][0]

    seen, cursor = [], None
    while True:
        page = _page(api, limit=3, **({"after": cursor} if cursor else {}))
        assert len(page["items"]) <= 3
        seen += [i["id"] for i in page["items"]]
        cursor = page["next"]
        if cursor is None:
            break
    assert seen == newest_first
    # Starting more does not disturb a cursor already handed out.
    first = _page(api, limit=3)
    api.start("core_approval", {"amount": 900})
    second = _page(api, limit=3, after=first["next"])
    assert [i["id"] for i in second["items"]] == newest_first[3:6]


def test_list_filters(api):
    api.deploy("core_approval.bpmn", "core_exclusive.bpmn")
    running = api.start("core_approval", {"amount": 900}, business_key="order-1")
    done = api.start("core_approval", {"amount": 1}, business_key="order-2")
    other = api.start("core_exclusive", {"amount": 5}, business_key="order-1")
    failed = api.start("core_exclusive", {}, business_key="order-3")

    def ids(**params):
        return {i["id"] for i in _page(api, **params)["items"]}

    assert ids(process="core_approval") == {running["id"], done["id"]}
    assert ids(status="running") == {running["id"]}
    assert ids(status="completed") == {done["id"], other["id"]}
    assert ids(status="failed") == {failed["id"]}
    assert ids(business_key="order-1") == {running["id"], other["id"]}
    assert ids(process="core_exclusive", business_key="order-1") == {other["id"]}
    assert ids(process="core_exclusive", status="running") == set()
    assert ids(process="nothing") == set()


def test_list_limits(api):
    assert api.get("/api/process-instances", query_string={"limit": 500}).status_code == 200
    for bad in (501, 0, -1, "x"):
        r = api.get("/api/process-instances", query_string={"limit": bad})
        assert r.status_code == 400, bad
        assert r.mimetype == "application/problem+json"
    assert api.get("/api/process-instances", query_string={"after": "bm9wZQ"}).status_code == 400
    assert api.get("/api/process-instances", query_string={"status": "sleeping"}).status_code in (400, 422)


def test_default_page_is_50(api):
    api.deploy("core_exclusive.bpmn")
    for i in range(51):
        api.start("core_exclusive", {"amount": i})
    page = _page(api)
    assert len(page["items"]) == 50 and page["next"] is not None
    rest = _page(api, after=page["next"])
    assert len(rest["items"]) == 1 and rest["next"] is None


@pytest.fixture
def restart_api(app_config):
    from bpmn_server import create_app, engine
    from bpmn_server.services import deployments
    from models import db
    from tests.client import Api
    from tests.conftest import ADMIN_TOKEN

    apps = []

    def fresh():
        engine._CACHE.items.clear()
        deployments._INFO.clear()
        apps.append(create_app(app_config))
        return Api(apps[-1], ADMIN_TOKEN)

    yield fresh
    for app in apps:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


def test_concurrent_steps_on_one_instance_lose_nothing(api):
    """Two users complete the two parallel tasks of one instance at the same moment: each step either
    applies on top of the other or is refused with 409; never does one overwrite the other."""
    import threading

    from tests.client import Api

    api.deploy("core_parallel_tasks.bpmn")
    for _ in range(3):
        inst = api.start("core_parallel_tasks", {})
        tasks = {t["activity"]: t["id"] for t in inst["tasks"]}
        barrier = threading.Barrier(2)
        codes: dict[str, int] = {}

        def complete(activity: str, variable: str, tasks=tasks, barrier=barrier, codes=codes) -> None:
            client = Api(api.app, api.token)
            barrier.wait()
            r = client.post(f"/api/tasks/{tasks[activity]}/complete", {"variables": {variable: True}})
            codes[activity] = r.status_code

        threads = [threading.Thread(target=complete, args=("Activity_legal", "legal_ok")),
                   threading.Thread(target=complete, args=("Activity_finance", "finance_ok"))]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
        assert set(codes.values()) <= {200, 409}, codes
        for activity, code in codes.items():
            if code == 409:  # refused, not lost: the task is still open and can be completed now
                variable = "legal_ok" if activity == "Activity_legal" else "finance_ok"
                api.complete(tasks[activity], {variable: True})
        final = api.instance(inst["id"])
        assert final["status"] == "completed", final
        assert final["variables"] == {"legal_ok": True, "finance_ok": True, "approved": True}
