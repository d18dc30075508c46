"""Saving and reloading instances at every kind of wait state, and reading states an older run stored.

"Reloaded" means: a new app on the same database with the engine's caches emptied, as after a restart, so
that the parsed spec comes back from the stored definition and the workflow from the stored state.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.client import Api
from tests.conftest import ADMIN_TOKEN
from tests.fixtures.make_serialized import apply, snapshot

SERIALIZED = Path(__file__).resolve().parent / "fixtures" / "serialized"


@pytest.fixture
def restart(app_config):
    """Returns a function that gives a client of a freshly started server (cold caches, same database)."""
    from bpmn_server import create_app, engine
    from bpmn_server.services import deployments
    from models import db

    apps = []

    def fresh() -> Api:
        engine._CACHE.items.clear()
        deployments._INFO.clear()
        app = create_app(app_config)
        apps.append(app)
        return Api(app, ADMIN_TOKEN)

    yield fresh
    for app in apps:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


def facts_from_state(api: Api, instance_id: str) -> dict:
    """What the stored state says when the engine loads it: open tasks, waiting events, variables."""
    from bpmn_server import engine
    from bpmn_server.services import instances, steps

    with api.app.app_context():
        wf = steps.workflow_of(instances.get(instance_id))
        facts = engine.derive(wf, 0)
        return {"tasks": sorted(t.id for t in facts.open_tasks),
                "waiting": sorted((w.type, w.activity) for w in facts.waiting),
                "variables": engine.plain(facts.variables), "completed": facts.completed}


def check_same_after_reload(api: Api, restart, inst: dict) -> Api:
    """The instance reads the same from a restarted server, and its stored state gives the same facts."""
    again = restart()
    reloaded = again.instance(inst["id"])
    assert reloaded == inst
    state = facts_from_state(again, inst["id"])
    assert state["tasks"] == sorted(t["id"] for t in inst["tasks"])
    assert state["waiting"] == sorted((w["type"], w["activity"]) for w in inst["waiting"])
    assert state["variables"] == inst["variables"]
    assert state["completed"] is False
    return again


def test_user_task(api, restart):
    api.deploy("core_approval.bpmn")
    inst = api.start("core_approval", {"amount": 900, "requester": "Zoë"})
    assert [t["activity"] for t in inst["tasks"]] == ["Activity_approve"]
    again = check_same_after_reload(api, restart, inst)
    done = again.complete(inst["tasks"][0]["id"], {"approved": True})
    assert done["status"] == "completed"
    assert done["variables"] == {"amount": 900, "requester": "Zoë", "score": 1800, "approved": True}


def test_timer(api, restart):
    api.deploy("core_timer_wait.bpmn")
    inst = api.start("core_timer_wait", {"order": 1})
    [waiting] = inst["waiting"]
    assert (waiting["type"], waiting["activity"]) == ("timer", "Event_wait")
    assert waiting["due_at"].endswith("Z")
    again = check_same_after_reload(api, restart, inst)
    [timer] = again.get("/api/timers", query_string={"process": "core_timer_wait"}).get_json()["items"]
    assert timer["instance_id"] == inst["id"] and timer["due_at"] == waiting["due_at"]
    r = again.post(f"/api/timers/{timer['id']}/fire")
    assert r.status_code == 200, r.get_json()
    done = again.instance(inst["id"])
    assert done["status"] == "completed"
    assert done["variables"] == {"order": 1, "recorded": True, "confirmed": True}


def test_message_catch(api, restart):
    api.deploy("core_message_wait.bpmn")
    inst = api.start("core_message_wait", {"order": 2}, business_key="order-2")
    assert inst["waiting"] == [{"type": "message", "activity": "Event_payment", "name": "payment_received"}]
    again = check_same_after_reload(api, restart, inst)
    r = again.post("/api/messages", {"name": "payment_received", "business_key": "order-2",
                                     "variables": {"paid": 42.5}})
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["instance_id"] == inst["id"]
    done = again.instance(inst["id"])
    assert done["status"] == "completed"
    assert done["variables"] == {"order": 2, "paid": 42.5, "booked": True}


def test_parallel_pair_of_tasks(api, restart):
    api.deploy("core_parallel_tasks.bpmn")
    inst = api.start("core_parallel_tasks", {"ref": 7})
    tasks = {t["activity"]: t for t in inst["tasks"]}
    assert set(tasks) == {"Activity_legal", "Activity_finance"}
    again = check_same_after_reload(api, restart, inst)
    half = again.complete(tasks["Activity_legal"]["id"], {"legal_ok": True})
    assert half["status"] == "running"
    assert [t["activity"] for t in half["tasks"]] == ["Activity_finance"]
    third = check_same_after_reload(again, restart, half)
    done = third.complete(tasks["Activity_finance"]["id"], {"finance_ok": False})
    assert done["status"] == "completed"
    assert done["variables"] == {"ref": 7, "legal_ok": True, "finance_ok": False, "approved": False}


def test_inside_a_subprocess(api, restart):
    api.deploy("core_subprocess.bpmn")
    inst = api.start("core_subprocess", {"case": "B-2"})
    assert [t["activity"] for t in inst["tasks"]] == ["Activity_check"]
    again = check_same_after_reload(api, restart, inst)
    done = again.complete(inst["tasks"][0]["id"], {"verdict": "no"})
    assert done["status"] == "completed"
    assert done["variables"]["summary"] == "rejected"


def test_stored_spec_is_used_not_the_xml(api, restart):
    """After a restart the spec comes from the definition row: deploying other versions changes nothing."""
    api.deploy("core_approval.bpmn")
    inst = api.start("core_approval", {"amount": 900})
    changed = (Path(__file__).parent / "diagrams" / "core_approval.bpmn").read_bytes().replace(
        b"score = amount * 2", b"score = amount * 3")
    api.deploy(changed)
    again = restart()
    done = again.complete(inst["tasks"][0]["id"])
    assert done["version"] == 1 and done["variables"]["score"] == 1800
    assert again.start("core_approval", {"amount": 1})["variables"]["score"] == 3


# States serialized by SpiffWorkflow 3.2.0 (tests/fixtures/make_serialized.py) -----------------------------------


FIXTURES = sorted(SERIALIZED.glob("*.json"))


def test_there_are_serialized_fixtures():
    assert len(FIXTURES) >= 5


@pytest.mark.parametrize("path", FIXTURES, ids=[p.stem for p in FIXTURES])
@pytest.mark.parametrize("spec_from", ["stored-spec", "reparsed-diagram"])
def test_serialized_state_loads_and_runs_to_the_end(path, spec_from):
    from bpmn_server import engine

    record = json.loads(path.read_text())
    if spec_from == "stored-spec":
        spec = record["spec"]  # what the definitions table holds
    else:
        [parsed] = engine.parse_definitions((SERIALIZED / record["diagram"]).read_bytes(), record["diagram"],
                                            lambda key: None)
        spec = parsed.spec
    spec_json = json.dumps(spec)
    bundle = engine.bundle(f"fixture:{path.stem}:{spec_from}:{hash(spec_json)}", lambda: spec_json)
    wf = engine.load(bundle, json.dumps(record["state"]))
    assert snapshot(wf) == record["expect"]
    apply(wf, record["then"])
    end = snapshot(wf)
    assert end["completed"] is True
    assert end["variables"] == record["final"]
    assert end["open_tasks"] == [] and end["waiting"] == []
