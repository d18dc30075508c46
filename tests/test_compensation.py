"""Compensation (engine/compensation.py): a failed order undoes what it did, last first, through the API."""

from __future__ import annotations

from pathlib import Path

from tests.client import Api
from tests.conftest import ADMIN_TOKEN

ORDER = (Path(__file__).resolve().parent.parent / "processes" / "order_refund.bpmn").read_bytes()


def _shipping_failed(api: Api) -> dict:
    api.deploy(ORDER)
    inst = api.start("order_refund", {"amount": 120})
    [ship] = [t for t in api.tasks() if t["instance_id"] == inst["id"]]
    assert ship["activity"] == "ship"
    api.complete(ship["id"], {"shipped": False})
    return inst


def _compensated(api: Api, instance_id: str) -> list[str]:
    return [e["activity"] for e in api.history(instance_id) if e["type"] == "activity.compensated"]


def test_a_shipped_order_is_not_compensated(api):
    api.deploy(ORDER)
    inst = api.start("order_refund", {"amount": 120})
    [ship] = [t for t in api.tasks() if t["instance_id"] == inst["id"]]
    api.complete(ship["id"], {"shipped": True})
    done = api.instance(inst["id"])
    assert done["status"] == "completed"
    assert "refunded" not in done["variables"] and _compensated(api, inst["id"]) == []


def test_failed_shipping_undoes_the_order_last_first_with_the_variables_of_then(api):
    inst = _shipping_failed(api)
    # The stock was reserved after the card was charged: it is put back first, by a person.
    running = api.instance(inst["id"])
    assert running["status"] == "running"
    [release] = [t for t in api.tasks() if t["instance_id"] == inst["id"]]
    assert release["activity"] == "release" and "refunded" not in running["variables"]
    assert _compensated(api, inst["id"]) == []
    api.complete(release["id"])
    done = api.instance(inst["id"])
    assert done["status"] == "completed"
    # The refund saw the variables as they were when the card was charged (status was "reserved" later).
    assert done["variables"]["refunded"] == 120
    assert done["variables"]["refund_saw_status"] == "charged"
    assert _compensated(api, inst["id"]) == ["reserve", "charge"]


def test_an_instance_saved_mid_compensation_resumes_after_a_restart(app_config, api):
    from bpmn_server import create_app
    from models import db

    inst = _shipping_failed(api)
    with api.app.app_context():  # the first server goes away; its state is in the database
        db.session.remove()
        db.engine.dispose()
    again = Api(create_app(app_config), ADMIN_TOKEN)
    [release] = [t for t in again.tasks() if t["instance_id"] == inst["id"]]
    again.complete(release["id"])
    done = again.instance(inst["id"])
    assert done["status"] == "completed" and done["variables"]["refunded"] == 120
    assert _compensated(again, inst["id"]) == ["reserve", "charge"]
    with again.app.app_context():
        db.session.remove()
        db.engine.dispose()
