"""Test fixtures. The whole suite runs once per database:

    pytest                                   # SQLite (a fresh file per test)
    BPMN_TEST_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test pytest

On PostgreSQL the schema is created once per run and every table is emptied before each test.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text

from tests.client import Api

ROOT = Path(__file__).resolve().parent.parent
DIAGRAMS = Path(__file__).resolve().parent / "diagrams"
PG_URL = os.environ.get("BPMN_TEST_DATABASE_URL", "")
ADMIN_TOKEN = "test-admin-token"


def corpus_dir() -> Path:
    return Path(os.environ.get("BPMN_SERVER_CORPUS", ROOT.parent / "shared" / "corpus"))


def pytest_report_header(config: Any) -> str:
    return f"bpmn-server database: {'PostgreSQL ' + PG_URL if PG_URL else 'SQLite (file per test)'}"


@pytest.fixture(scope="session")
def pg_schema() -> str | None:
    """On PostgreSQL, start the run from an empty schema; the first app migrates it (Alembic)."""
    if not PG_URL:
        return None
    engine = create_engine(PG_URL)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    return PG_URL


def _truncate(url: str) -> None:
    from models import db

    engine = create_engine(url)
    with engine.begin() as conn:
        present = set(conn.execute(text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")).scalars())
        names = ", ".join(t.name for t in db.metadata.sorted_tables if t.name in present)
        if names:
            conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    engine.dispose()


@pytest.fixture
def database_url(tmp_path: Path, pg_schema: str | None) -> str:
    if pg_schema:
        _truncate(pg_schema)
        return pg_schema
    return f"sqlite:///{tmp_path / 'bpmn.db'}"


@pytest.fixture
def app_config(database_url: str) -> dict[str, Any]:
    return {"SQLALCHEMY_DATABASE_URI": database_url, "SCHEDULER_ENABLED": False, "ADMIN_TOKEN": ADMIN_TOKEN,
            "TESTING": True, "SCRIPT_TIME_LIMIT": 2.0,
            "EXPORT_PACE": 0.0}  # exports yield the CPU to requests in production; tests need no pause


@pytest.fixture
def app(app_config: dict[str, Any]) -> Any:
    from bpmn_server import create_app
    from models import db

    app = create_app(app_config)
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def api(app: Any) -> Api:
    """A client logged in as the first admin; `api.as_user(...)` gives clients for other roles."""
    return Api(app, ADMIN_TOKEN)


@pytest.fixture
def is_postgres() -> bool:
    return bool(PG_URL)


@pytest.fixture
def server_process(database_url: str, tmp_path: Path) -> Any:
    """A factory of launched `bpmn-server serve` processes (tests/server.py: call `.wait_ready()`);
    every one it made is stopped at teardown."""
    from tests.server import ServerProcess

    made: list[ServerProcess] = []

    def make(**kw: Any) -> ServerProcess:
        made.append(ServerProcess(database_url, tmp_path, **kw).launch())
        return made[-1]

    yield make
    for server in made:  # signal them all at once: each takes a second or two to stop
        server.signal_stop()
    for server in made:
        server.terminate()
