"""A database that cannot be reached, or does not answer in time, is a 503 problem with `Retry-After`
(the client may retry), never a 500; the health route says which part is down."""

from __future__ import annotations

import socket
import threading
from typing import Any

import pytest
from sqlalchemy import create_engine, text

from tests.client import Api


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # nothing listens there once the socket is closed


@pytest.fixture(params=["postgresql", "sqlite"])
def unreachable_app(request: Any, tmp_path: Any, app_config: dict[str, Any]) -> Any:
    """An app whose database went away after it started."""
    from bpmn_server import create_app
    from models import db
    if request.param == "postgresql":  # a server that is down: connection refused
        url = f"postgresql+psycopg://postgres@127.0.0.1:{_closed_port()}/gone"
        return create_app({**app_config, "SQLALCHEMY_DATABASE_URI": url, "BOOTSTRAP": False})
    path = tmp_path / "gone.db"  # a file that became unreadable (here: a folder took its place)
    app = create_app({**app_config, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}"})
    with app.app_context():
        db.engine.dispose()
    for leftover in tmp_path.glob("gone.db*"):
        leftover.unlink()
    path.mkdir()
    return app


def test_requests_answer_503_with_retry_after(unreachable_app):
    api = Api(unreachable_app, "test-admin-token")
    for r in (api.get("/api/process-instances"), api.post("/api/process-instances", {"process": "x"}),
              api.get("/api/tasks")):
        assert r.status_code == 503, r.get_data(as_text=True)
        assert r.mimetype == "application/problem+json"
        assert int(r.headers["Retry-After"]) > 0
        body = r.get_json()
        assert "database" in body["detail"] and "Traceback" not in r.get_data(as_text=True)


def test_health_names_the_database(unreachable_app):
    r = unreachable_app.test_client().get("/api/health")
    assert r.status_code == 503
    assert r.get_json()["database"] == "unavailable" and r.get_json()["status"] == "unavailable"


def test_a_statement_that_waits_too_long_is_a_503(app_config, is_postgres):
    if not is_postgres:
        pytest.skip("statement timeouts are PostgreSQL's; SQLite's lock wait is tests/test_sqlite_writers.py")
    from bpmn_server import create_app
    app = create_app({**app_config, "STATEMENT_TIMEOUT": 0.3})
    api = Api(app, "test-admin-token")
    assert api.get("/api/tasks").status_code == 200
    holder = create_engine(app_config["SQLALCHEMY_DATABASE_URI"])
    locked, release = threading.Event(), threading.Event()

    # Another client holds the tasks table, as a long migration or a stuck job would. (Not the users table:
    # a process remembers a token for half a second, services/known_tokens.py, so the request may not read it.)
    def hold() -> None:
        with holder.begin() as conn:
            conn.execute(text("LOCK TABLE tasks IN ACCESS EXCLUSIVE MODE"))
            locked.set()
            release.wait(10)

    thread = threading.Thread(target=hold)
    thread.start()
    try:
        assert locked.wait(5)
        r = Api(app, "test-admin-token").get("/api/tasks")
        assert r.status_code == 503 and r.headers["Retry-After"]
        assert "in time" in r.get_json()["detail"]
    finally:
        release.set()
        thread.join()
        holder.dispose()
    assert Api(app, "test-admin-token").get("/api/tasks").status_code == 200  # and it recovers by itself
