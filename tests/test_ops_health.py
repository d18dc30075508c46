"""GET /api/health answers 503 when the database is out of reach; /metrics still answers, and says so."""

from __future__ import annotations

import shutil
import socket

import pytest

from tests.conftest import ADMIN_TOKEN


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # nothing listens there once the socket is closed


@pytest.fixture
def unreachable_pg_app():
    from bpmn_server import create_app

    url = f"postgresql+psycopg://postgres@127.0.0.1:{_closed_port()}/nowhere"
    # BOOTSTRAP off: a server whose database went away after start (it could not have migrated it).
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SCHEDULER_ENABLED": False, "BOOTSTRAP": False,
                      "ADMIN_TOKEN": ADMIN_TOKEN, "TESTING": True})
    yield app
    with app.app_context():
        from models import db

        db.engine.dispose()


def test_health_is_503_when_postgresql_is_unreachable(unreachable_pg_app):
    client = unreachable_pg_app.test_client()
    r = client.get("/api/health")
    assert r.status_code == 503
    assert r.get_json() == {"status": "unavailable", "database": "unavailable", "scheduler": "disabled"}
    metrics = client.get("/metrics")
    assert metrics.status_code == 200
    assert "bpmn_database_up 0.0" in metrics.get_data(as_text=True)


def test_health_is_503_when_the_sqlite_folder_is_deleted(tmp_path):
    from bpmn_server import create_app
    from models import db

    folder = tmp_path / "data"
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'bpmn.db'}", "SCHEDULER_ENABLED": False,
                      "ADMIN_TOKEN": ADMIN_TOKEN, "TESTING": True})
    client = app.test_client()
    assert client.get("/api/health").status_code == 200
    shutil.rmtree(folder)
    r = client.get("/api/health")
    assert r.status_code == 503 and r.get_json()["database"] == "unavailable"
    with app.app_context():
        db.engine.dispose()


def test_health_and_metrics_need_no_token_and_metrics_report_the_database_up(api, app):
    client = app.test_client()
    assert client.get("/api/health").status_code == 200
    r = client.get("/metrics")
    assert r.status_code == 200 and r.content_type.startswith("text/plain")
    assert "bpmn_database_up 1.0" in r.get_data(as_text=True)
