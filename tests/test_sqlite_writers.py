"""Writers of one SQLite file take turns in our queue (bpmn_server/sqlite_writers.py): many concurrent
starts all succeed, and a writer that cannot get its turn in time gets a 503 that says the database is
busy, with nothing half-written. On PostgreSQL writers run in parallel under row locks: no queue."""

from __future__ import annotations

import multiprocessing as mp
import threading
from pathlib import Path

import pytest

from tests.client import Api

pytestmark = pytest.mark.usefixtures("sqlite_only")


@pytest.fixture
def sqlite_only(is_postgres: bool) -> None:
    if is_postgres:
        pytest.skip("the write queue exists only on SQLite; PostgreSQL writers run in parallel under row locks")


def _db_path(api: Api) -> str:
    return api.app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///")


def test_concurrent_starts_all_succeed(api):
    api.deploy("core_approval.bpmn")
    codes: list[int] = []

    def starts() -> None:
        me = Api(api.app, api.token)
        for _ in range(5):
            codes.append(me.post("/api/process-instances", {"process": "core_approval"}).status_code)

    threads = [threading.Thread(target=starts) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert codes == [201] * 40
    assert len(api.get("/api/process-instances", query_string={"limit": 100}).get_json()["items"]) == 40


def test_a_writer_that_waits_too_long_gets_503_and_writes_nothing(api, monkeypatch):
    from bpmn_server import db as dbmod
    from bpmn_server.sqlite_writers import writers

    api.deploy("core_approval.bpmn")
    monkeypatch.setattr(dbmod, "WRITE_WAIT_SECONDS", 0.3)
    with writers(_db_path(api)).hold(5):
        held = {}
        worker = threading.Thread(target=lambda: held.update(
            r=Api(api.app, api.token).post("/api/process-instances", {"process": "core_approval"})))
        worker.start()
        worker.join(30)
    r = held["r"]
    assert r.status_code == 503
    assert r.headers["Content-Type"].startswith("application/problem+json")
    assert "busy" in r.get_json()["detail"]
    assert api.get("/api/process-instances").get_json()["items"] == []


def _hold_file_lock(path: str, ready: object, release: object) -> None:
    from bpmn_server.sqlite_writers import writers

    with writers(path).hold(5):
        ready.set()  # type: ignore[attr-defined]
        release.wait(30)  # type: ignore[attr-defined]


def test_another_process_holding_the_turn_makes_this_one_wait(api, monkeypatch, tmp_path: Path):
    from bpmn_server import db as dbmod

    api.deploy("core_approval.bpmn")
    ctx = mp.get_context("spawn")
    ready, release = ctx.Event(), ctx.Event()
    other = ctx.Process(target=_hold_file_lock, args=(_db_path(api), ready, release))
    other.start()
    try:
        assert ready.wait(60)
        monkeypatch.setattr(dbmod, "WRITE_WAIT_SECONDS", 0.3)
        assert api.post("/api/process-instances", {"process": "core_approval"}).status_code == 503
        release.set()
        other.join(30)
        monkeypatch.setattr(dbmod, "WRITE_WAIT_SECONDS", 30.0)
        assert api.post("/api/process-instances", {"process": "core_approval"}).status_code == 201
    finally:
        release.set()
        other.join(30)
