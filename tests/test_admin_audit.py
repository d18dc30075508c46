"""Administration is audited and tokens can expire: users created and changed, tokens rotated and revoked
are history events (never with a token); an expired token is a 401 that says so; an address that keeps
sending bad tokens is slowed down with 429 without locking out a user whose token works."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import update

from tests.client import Api


def events(api: Api, type_: str) -> list[dict]:
    return api.get("/api/history/events", query_string={"type": type_}).get_json()["items"]


def test_creating_and_changing_users_is_recorded(api):
    r = api.post("/api/users", {"name": "olga", "role": "operator", "groups": ["team-lead"]})
    assert r.status_code == 201
    token = r.get_json()["token"]
    created = {e["data"]["user"]: e for e in events(api, "user.created")}
    assert created["admin"]["actor"] == "system"  # the first admin, made at start
    assert created["olga"]["actor"] == "admin" and created["olga"]["data"]["role"] == "operator"
    assert created["olga"]["data"]["groups"] == ["team-lead"]
    r = api.patch("/api/users/olga", {"role": "analyst", "groups": ["finance", "team-lead"]})
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["role"] == "analyst" and r.get_json()["groups"] == ["finance", "team-lead"]
    changed = events(api, "user.changed")[0]
    assert changed["actor"] == "admin"
    assert changed["data"]["role"] == {"from": "operator", "to": "analyst"}
    assert changed["data"]["groups"] == {"from": ["team-lead"], "to": ["finance", "team-lead"]}
    # No history row carries a token.
    exported = api.get("/api/history/export", query_string={"format": "ndjson"}).get_data(as_text=True)
    assert token not in exported and "token_hash" not in exported


def test_only_admins_change_users_and_the_last_admin_stays(api):
    bob = api.as_user("bob", "analyst")
    assert bob.patch("/api/users/bob", {"role": "admin"}).status_code == 403
    assert api.patch("/api/users/nobody", {"role": "admin"}).status_code == 404
    bad = api.patch("/api/users/bob", {"role": "king"})
    assert bad.status_code == 400 and bad.get_json()["errors"][0]["field"] == "role"
    r = api.patch("/api/users/admin", {"role": "operator"})
    assert r.status_code == 409 and "last admin" in r.get_json()["detail"]


def test_a_token_can_expire(api, app):
    r = api.post("/api/users", {"name": "tina", "role": "operator", "expires_in_days": 1})
    assert r.status_code == 201
    body = r.get_json()
    expires = dt.datetime.fromisoformat(body["token_expires_at"].replace("Z", "+00:00"))
    assert dt.timedelta(hours=23) < expires - dt.datetime.now(dt.UTC) <= dt.timedelta(days=1)
    tina = Api(app, body["token"], "tina")
    assert tina.get("/api/tasks").status_code == 200
    from models import User, db
    with app.app_context():
        db.session.execute(update(User).where(User.name == "tina")
                           .values(token_expires_at=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)))
        db.session.commit()
        # Changed behind the server's back, as another process would: a process sees it once the half
        # second it remembers a token for has passed (services/known_tokens.py); here, at once.
        from bpmn_server.services import known_tokens
        known_tokens.forget()
    r = tina.get("/api/tasks")
    assert r.status_code == 401 and "expired" in r.get_json()["detail"]
    # A rotation issues a new token, with a lifetime of its own.
    r = api.post("/api/users/tina/tokens", {"expires_in_days": 30})
    assert r.status_code == 201 and r.get_json()["token_expires_at"]
    assert Api(app, r.get_json()["token"], "tina").get("/api/tasks").status_code == 200
    assert events(api, "token.rotated")[0]["data"]["token_expires_at"]
    bad = api.post("/api/users", {"name": "x", "role": "operator", "expires_in_days": -1})
    assert bad.status_code == 400 and bad.get_json()["errors"][0]["field"] == "expires_in_days"


def test_an_expired_token_cannot_log_in_to_the_pages(api, app):
    r = api.post("/api/users", {"name": "tina", "role": "operator", "expires_in_days": 1})
    token = r.get_json()["token"]
    from models import User, db
    with app.app_context():
        db.session.execute(update(User).where(User.name == "tina")
                           .values(token_expires_at=dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)))
        db.session.commit()
    from tests.test_web import Pages
    page = Pages(app).post("/ui/login", {"token": token})
    assert page.status_code == 401 and b"expired" in page.data


def test_an_idle_web_session_ends(api, app, monkeypatch):
    from bpmn_server.web import session
    from tests.test_web import Pages
    app.config["SESSION_IDLE_MINUTES"] = 30
    clock = [1_000_000]
    monkeypatch.setattr(session, "now_seconds", lambda: clock[0])
    pages = Pages(app, api.token)
    clock[0] += 29 * 60
    assert pages.get("/ui/tasks").status_code == 200  # used within its idle time: renewed
    clock[0] += 29 * 60
    assert pages.get("/ui/tasks").status_code == 200
    clock[0] += 31 * 60
    r = pages.get("/ui/tasks")
    assert r.status_code == 303 and "/ui/login" in r.headers["Location"]


def test_bad_tokens_are_slowed_down_without_locking_out_the_user(app_config):
    from bpmn_server import create_app
    app = create_app({**app_config, "AUTH_FAILURES_PER_MINUTE": 5})
    admin = Api(app, "test-admin-token")
    assert admin.get("/api/tasks").status_code == 200  # the real user's token worked from this address
    guesser = Api(app, "bps_guess")
    statuses = [guesser.get("/api/tasks").status_code for _ in range(8)]
    assert statuses[:5] == [401] * 5 and set(statuses[5:]) == {429}
    r = guesser.get("/api/tasks")
    assert r.status_code == 429 and int(r.headers["Retry-After"]) >= 1
    assert r.mimetype == "application/problem+json"
    assert admin.get("/api/tasks").status_code == 200  # not locked out
    # A good token never seen from this address waits too: the guesser cannot tell it works.
    other = admin.as_user("olga", "operator")
    assert other.get("/api/tasks").status_code == 429


def test_behind_a_proxy_the_throttle_counts_the_client(app_config):
    from bpmn_server import create_app
    app = create_app({**app_config, "AUTH_FAILURES_PER_MINUTE": 2, "TRUSTED_PROXIES": 1})
    guesser = Api(app, "bps_guess")
    for _ in range(2):
        assert guesser.get("/api/tasks", headers={"X-Forwarded-For": "203.0.113.9"}).status_code == 401
    assert guesser.get("/api/tasks", headers={"X-Forwarded-For": "203.0.113.9"}).status_code == 429
    # Another client behind the same proxy is not slowed down by the guesser.
    assert guesser.get("/api/tasks", headers={"X-Forwarded-For": "198.51.100.7"}).status_code == 401
