"""Authentication and the role table: 401 without a valid token on every route, 403 for a role that may not."""

from __future__ import annotations

import hashlib
import re

import pytest
from click.testing import CliRunner

from tests.client import Api

PREFIXES = ("/api/deployments", "/api/process-definitions", "/api/process-instances", "/api/users")


@pytest.fixture
def app_config(app_config):
    # Every route is tried with bad tokens here: more than the bad-token throttle lets one address send.
    return {**app_config, "AUTH_FAILURES_PER_MINUTE": 100000}


def _routes(app) -> list[tuple[str, str]]:
    out = []
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith(PREFIXES):
            url = re.sub(r"<(?:[a-z]+:)?[a-z_]+>", "00000000-0000-0000-0000-000000000000", rule.rule)
            out += [(method, url) for method in sorted(rule.methods - {"HEAD", "OPTIONS"})]
    return out


def test_every_route_needs_a_valid_token(api):
    routes = _routes(api.app)
    assert len(routes) >= 13
    client = api.app.test_client()
    for headers in ({}, {"Authorization": "Bearer not-a-token"}, {"Authorization": "Bearer "},
                    {"Authorization": f"Basic {api.token}"}, {"Authorization": api.token}):
        for method, url in routes:
            r = client.open(url, method=method, headers=headers, json={})
            assert r.status_code == 401, (method, url, headers, r.status_code)
            assert r.mimetype == "application/problem+json"
            assert r.headers["WWW-Authenticate"].startswith("Bearer")


def test_health_needs_no_token(api):
    assert api.app.test_client().get("/api/health").status_code == 200


@pytest.fixture
def users(api) -> dict[str, Api]:
    return {"admin": api, "analyst": api.as_user("ana", "analyst"), "operator": api.as_user("otto", "operator"),
            "auditor": api.as_user("aude", "auditor")}


def _calls(api: Api, starter: Api | None = None) -> dict[str, tuple[str, str, object]]:
    """One request per route, against real ids (the instance started by `starter`, else the admin)."""
    defn = api.deploy("core_approval.bpmn")["definitions"][0]
    inst = (starter or api).start("core_approval", {"amount": 900})
    i = inst["id"]
    return {
        "deploy": ("POST", "/api/deployments", None),
        "list_definitions": ("GET", "/api/process-definitions", None),
        "get_definition": ("GET", f"/api/process-definitions/{defn['id']}", None),
        "get_xml": ("GET", f"/api/process-definitions/{defn['id']}/xml", None),
        "start": ("POST", "/api/process-instances", {"process": "core_approval", "variables": {"amount": 1}}),
        "list_instances": ("GET", "/api/process-instances", None),
        "get_instance": ("GET", f"/api/process-instances/{i}", None),
        "history": ("GET", f"/api/process-instances/{i}/history", None),
        "suspend": ("POST", f"/api/process-instances/{i}/suspend", {}),
        "cancel": ("POST", f"/api/process-instances/{i}/cancel", {"reason": "test"}),
        "create_user": ("POST", "/api/users", {"name": "new-user", "role": "operator", "groups": []}),
        "list_users": ("GET", "/api/users", None),
    }


# Which role may do what (CONTRACT.md, Roles); admin may do everything.
ALLOWED = {
    "deploy": {"analyst"},
    "list_definitions": {"analyst", "auditor", "operator"},
    "get_definition": {"analyst", "auditor", "operator"},
    "get_xml": {"analyst", "auditor", "operator"},
    "start": {"analyst", "operator"},
    "list_instances": {"analyst", "auditor", "operator"},
    "get_instance": {"analyst", "auditor", "operator"},
    "history": {"analyst", "auditor"},
    "suspend": {"analyst"},
    "cancel": {"analyst"},
    "create_user": set(),
    "list_users": {"auditor"},
}


def _send(client: Api, method: str, url: str, body: object) -> object:
    if url == "/api/deployments":
        import io

        from tests.client import DIAGRAMS

        data = {"file": [(io.BytesIO((DIAGRAMS / "core_exclusive.bpmn").read_bytes()), "x.bpmn")]}
        return client.client.post(url, data=data, content_type="multipart/form-data", headers=client._headers())
    return client.client.open(url, method=method, json=body, headers=client._headers())


@pytest.mark.parametrize("role", ["operator", "auditor", "analyst"])
def test_forbidden_calls_are_403_and_change_nothing(api, users, role):
    calls = _calls(api)
    before = api.get("/api/process-instances").get_json()["items"]
    for name, (method, url, body) in calls.items():
        if role in ALLOWED[name]:
            continue
        r = _send(users[role], method, url, body)
        assert r.status_code == 403, (role, name, r.status_code, r.get_json())
        assert r.mimetype == "application/problem+json"
    after = api.get("/api/process-instances").get_json()["items"]
    if role != "analyst" and role != "operator":
        assert after == before  # no start, cancel or suspend went through
    keys = {d["key"] for d in api.get("/api/process-definitions").get_json()["items"]}
    if role != "analyst":
        assert keys == {"core_approval"}  # no deploy went through
    names = {u["name"] for u in api.get("/api/users").get_json()["items"]}
    assert "new-user" not in names


@pytest.mark.parametrize("role", ["admin", "analyst", "operator", "auditor"])
def test_allowed_calls_go_through(api, users, role):
    # An operator reads the instances they started (or were offered a task in): tests/test_visibility.py.
    calls = _calls(api, users[role] if role == "operator" else None)
    for name, (method, url, body) in calls.items():
        if role != "admin" and role not in ALLOWED[name]:
            continue
        if name == "create_user":
            body = {**body, "name": f"made-by-{role}"}
        r = _send(users[role], method, url, body)
        assert r.status_code in (200, 201), (role, name, r.status_code, r.get_json())


def test_contract_examples(api, users):
    assert users["operator"].post("/api/deployments").status_code == 403
    r = users["auditor"].post("/api/process-instances", {"process": "core_approval"})
    assert r.status_code == 403
    r = users["analyst"].post("/api/users", {"name": "x", "role": "admin"})
    assert r.status_code == 403
    api.deploy("core_approval.bpmn")
    assert users["operator"].post("/api/process-instances", {"process": "core_approval",
                                                             "variables": {"amount": 1}}).status_code == 201


def test_admin_creates_users_with_hashed_tokens(api, app):
    r = api.post("/api/users", {"name": "olga", "role": "operator", "groups": ["sales", "emea"]})
    assert r.status_code == 201
    body = r.get_json()
    assert {"name", "role", "groups", "token"} <= set(body)
    assert (body["name"], body["role"], sorted(body["groups"])) == ("olga", "operator", ["emea", "sales"])
    token = body["token"]
    olga = Api(app, token, "olga")
    assert olga.get("/api/process-instances").status_code == 200
    assert olga.post("/api/deployments").status_code == 403
    listed = {u["name"]: u for u in api.get("/api/users").get_json()["items"]}
    assert "token" not in listed["olga"]
    # Stored as a hash only.
    from models import User, db

    with app.app_context():
        stored = db.session.execute(db.select(User).where(User.name == "olga")).scalar_one()
        assert stored.token_hash != token and token not in stored.token_hash
        assert stored.token_hash == hashlib.sha256(token.encode()).hexdigest()
    # The same name twice is a conflict; a bad role or name is refused.
    assert api.post("/api/users", {"name": "olga", "role": "auditor"}).status_code == 409
    assert api.post("/api/users", {"name": "bob", "role": "superuser"}).status_code == 400
    assert api.post("/api/users", {"name": "", "role": "operator"}).status_code == 400
    assert api.post("/api/users", {"name": " padded ", "role": "operator"}).status_code == 422


def test_cli_users_create(api, database_url):
    from bpmn_server.cli import main

    runner = CliRunner()
    env = {"BPMN_SERVER_DATABASE_URL": database_url, "BPMN_SERVER_ADMIN_TOKEN": None, "BPMN_SERVER_SCHEDULER": "off"}
    result = runner.invoke(main, ["users", "create", "carol", "--role", "analyst", "--group", "finance",
                                  "--group", "audit"], env=env)
    assert result.exit_code == 0, result.output
    token = result.output.strip().splitlines()[-1]
    assert len(token) >= 32
    carol = Api(api.app, token, "carol")
    assert carol.deploy("core_approval.bpmn")["definitions"][0]["key"] == "core_approval"
    assert carol.post("/api/users", {"name": "x", "role": "operator"}).status_code == 403
    users = {u["name"]: u for u in api.get("/api/users").get_json()["items"]}
    assert users["carol"]["role"] == "analyst"
    assert sorted(users["carol"]["groups"]) == ["audit", "finance"]
    # A second user of that name is refused with a message and a failing exit code.
    again = runner.invoke(main, ["users", "create", "carol", "--role", "operator"], env=env)
    assert again.exit_code != 0
    assert "carol" in again.output


def test_first_admin_gets_a_random_token_printed_once(app_config, capsys):
    from bpmn_server import create_app
    from models import db

    config = {**app_config, "ADMIN_TOKEN": None}
    app = create_app(config)
    printed = capsys.readouterr().out
    match = re.search(r"token (\S+)", printed)
    assert match, printed
    assert Api(app, match.group(1)).get("/api/users").status_code == 200
    with app.app_context():
        db.session.remove()
    again = create_app(config)  # a restart: the admin exists, nothing is printed
    assert "token" not in capsys.readouterr().out
    for a in (app, again):
        with a.app_context():
            db.session.remove()
            db.engine.dispose()
