"""What a process keeps between requests (the latest version of a process, the webhooks, who a token belongs
to) changes at once when another process changes it: two apps on one database stand for two processes."""

from __future__ import annotations

from typing import Any

import pytest

from tests.client import Api
from tests.conftest import ADMIN_TOKEN, DIAGRAMS

APPROVAL = (DIAGRAMS / "core_approval.bpmn").read_bytes()


def variant(n: int) -> bytes:
    """The approval diagram renamed: a new version of the same key."""
    return APPROVAL.replace(b'name="Approval"', f'name="Approval rev {n}"'.encode())


@pytest.fixture
def app_config(app_config: dict[str, Any]) -> dict[str, Any]:
    return {**app_config, "WEBHOOK_ALLOW_PRIVATE": True}


@pytest.fixture
def other(app_config: dict[str, Any], app: Any) -> Any:
    """A second process: an app of its own (its own caches) on the same database."""
    from bpmn_server import create_app
    from models import db

    made = create_app(app_config)
    yield Api(made, ADMIN_TOKEN)
    with made.app_context():
        db.session.remove()
        db.engine.dispose()


def test_a_version_deployed_by_another_process_is_started_at_once(api, other):
    api.deploy("core_approval.bpmn")
    assert api.start("core_approval", {"amount": 1})["version"] == 1  # this process now holds version 1
    assert other.start("core_approval", {"amount": 1})["version"] == 1
    other.deploy(variant(2))
    assert api.start("core_approval", {"amount": 1})["version"] == 2
    assert api.start("core_approval", {"amount": 1}, version=1)["version"] == 1
    api.deploy(variant(3))
    assert other.start("core_approval", {"amount": 1})["version"] == 3


def _deliveries(api: Api, hook: str) -> int:
    return len(api.get(f"/api/webhooks/{hook}/deliveries").get_json()["items"])


def test_a_webhook_made_or_removed_by_another_process_counts_at_once(api, other):
    api.deploy("core_approval.bpmn")
    api.start("core_approval", {"amount": 1})  # this process now holds "no webhooks"
    hook = other.post("/api/webhooks", {"url": "http://127.0.0.1:9/hook", "events": ["instance.started"],
                                        "secret": "12345678"}).get_json()["id"]
    api.start("core_approval", {"amount": 1})
    assert _deliveries(api, hook) == 1
    assert other.client.delete(f"/api/webhooks/{hook}", headers=other._headers()).status_code == 204
    again = api.post("/api/webhooks", {"url": "http://127.0.0.1:9/other", "events": ["instance.started"],
                                       "secret": "12345678"}).get_json()["id"]
    other.start("core_approval", {"amount": 1})
    assert _deliveries(api, again) == 1
    assert api.get(f"/api/webhooks/{hook}/deliveries").status_code == 404


def test_a_token_revoked_by_another_process_stops_working(api, other, monkeypatch):
    from bpmn_server.services import known_tokens

    bob = api.as_user("bob", "operator")
    assert bob.get("/api/tasks").status_code == 200  # this process now holds bob's token
    assert other.client.delete("/api/users/bob/tokens", headers=other._headers()).status_code in (200, 204)
    assert Api(other.app, bob.token, "bob").get("/api/tasks").status_code == 401  # the revoking process: at once
    # This process refuses it once the half second it may hold a token for has passed (no waiting here:
    # its clock is moved on).
    now = known_tokens.clock()
    monkeypatch.setattr(known_tokens, "clock", lambda: now + known_tokens.TTL_SECONDS + 0.01)
    assert bob.get("/api/tasks").status_code == 401
