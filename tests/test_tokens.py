"""Bearer tokens: rotation, revocation, last use, and never a token in the logs."""

from __future__ import annotations

import logging

from tests.client import Api


def delete(api: Api, url: str):
    return api.client.delete(url, headers={"Authorization": f"Bearer {api.token}"})


def whoami(api: Api) -> int:
    return api.get("/api/process-definitions").status_code


def users_by_name(api: Api) -> dict[str, dict]:
    return {u["name"]: u for u in api.get("/api/users").get_json()["items"]}


def test_rotation_replaces_the_token(api):
    bob = api.as_user("bob", "operator")
    r = api.post("/api/users/bob/tokens")
    assert r.status_code == 201
    body = r.get_json()
    assert body["name"] == "bob" and body["token"] and body["token"] != bob.token and body["token_created_at"]
    assert whoami(bob) == 401  # the old token stops working at once
    assert whoami(Api(api.app, body["token"], "bob")) == 200
    event = api.get("/api/history/events", query_string={"type": "token.rotated"}).get_json()["items"][0]
    assert event["actor"] == "admin" and event["data"] == {"user": "bob"}
    assert api.post("/api/users/nobody/tokens").status_code == 404


def test_users_rotate_their_own_token_only(api):
    bob = api.as_user("bob", "operator")
    api.as_user("eve", "operator")
    assert bob.post("/api/users/eve/tokens").status_code == 403
    r = bob.post("/api/users/bob/tokens")
    assert r.status_code == 201
    assert whoami(bob) == 401
    assert whoami(Api(api.app, r.get_json()["token"], "bob")) == 200


def test_revocation(api):
    bob = api.as_user("bob", "auditor")
    eve = api.as_user("eve", "operator")
    assert delete(eve, "/api/users/bob/tokens").status_code == 403
    r = delete(api, "/api/users/bob/tokens")
    assert r.status_code == 200
    assert r.get_json()["token_created_at"] is None
    assert whoami(bob) == 401
    assert users_by_name(api)["bob"]["token_created_at"] is None
    event = api.get("/api/history/events", query_string={"type": "token.revoked"}).get_json()["items"][0]
    assert event["actor"] == "admin" and event["data"] == {"user": "bob"}
    # An admin issues a new one; revoking one's own token is allowed too.
    again = Api(api.app, api.post("/api/users/bob/tokens").get_json()["token"], "bob")
    assert whoami(again) == 200
    assert delete(again, "/api/users/bob/tokens").status_code == 200
    assert whoami(again) == 401


def test_the_last_admin_keeps_a_token(api):
    r = delete(api, "/api/users/admin/tokens")
    assert r.status_code == 409
    assert whoami(api) == 200
    other = api.as_user("root2", "admin")
    assert delete(other, "/api/users/admin/tokens").status_code == 200
    assert whoami(api) == 401
    assert delete(other, "/api/users/root2/tokens").status_code == 409


def test_last_used_time_is_written_at_most_once_a_minute(api):
    bob = api.as_user("bob", "operator")
    assert users_by_name(api)["bob"]["last_used_at"] is None
    assert whoami(bob) == 200
    first = users_by_name(api)["bob"]["last_used_at"]
    assert first is not None
    assert whoami(bob) == 200
    assert users_by_name(api)["bob"]["last_used_at"] == first  # within the minute: no new write


def test_tokens_are_never_logged(api, caplog):
    caplog.set_level(logging.DEBUG)
    bob = api.as_user("bob", "operator")
    rotated = api.post("/api/users/bob/tokens").get_json()["token"]
    new = Api(api.app, rotated, "bob")
    whoami(new)
    whoami(bob)  # the old, now invalid, token
    api.get("/api/process-instances/nope")
    new.post("/api/users/admin/tokens")
    logged = "\n".join(r.getMessage() for r in caplog.records)
    for secret in (bob.token, rotated, api.token):
        assert secret not in logged


def test_token_routes_are_in_the_openapi_spec(api):
    paths = api.get("/api/openapi.json").get_json()["paths"]
    assert {"post", "delete"} <= set(paths["/api/users/{name}/tokens"])
