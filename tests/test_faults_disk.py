"""SQLite on a full filesystem: a write that does not fit is a 503 problem that says the disk is full, the
database stays intact, and the server works again once space is freed. The filesystem is a small tmpfs
(mounting needs root; skipped with the reason otherwise)."""

from __future__ import annotations

import os
import sqlite3
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.client import Api


@pytest.fixture
def small_disk(tmp_path: Path, is_postgres: bool) -> Any:
    if is_postgres:
        pytest.skip("a full disk is simulated for SQLite's file; the PostgreSQL run has nothing to add")
    mount = tmp_path / "disk"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(mount)],
                          capture_output=True, text=True, check=False)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here ({done.stderr.strip() or 'not permitted'})")
    yield mount
    subprocess.run(["umount", "-l", str(mount)], check=False)


def _fill(folder: Path, leave: int) -> Path:
    """Fill the filesystem, leaving about `leave` bytes free."""
    filler = folder / "filler"
    stat = os.statvfs(folder)
    free = stat.f_bavail * stat.f_frsize
    with filler.open("wb") as out:
        out.write(b"\0" * max(0, free - leave))
    return filler


def test_a_full_disk_is_a_clear_503_and_recovers(small_disk, app_config):
    from bpmn_server import create_app
    db_file = small_disk / "bpmn.db"
    app = create_app({**app_config, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{db_file}"})
    api = Api(app, "test-admin-token")
    api.deploy("core_approval.bpmn")
    filler = _fill(small_disk, 64 * 1024)
    statuses: list[int] = []
    for i in range(400):
        r = api.post("/api/process-instances", {"process": "core_approval",
                                                "variables": {"note": "x" * 4000, "n": i}})
        statuses.append(r.status_code)
        if r.status_code != 201:
            break
    assert statuses[-1] == 503, statuses[-5:]
    assert 500 not in statuses
    assert "disk is full" in r.get_json()["detail"] and r.headers["Retry-After"]
    started = statuses.count(201)
    filler.unlink()  # the operator frees space
    r = api.post("/api/process-instances", {"process": "core_approval", "variables": {"n": -1}})
    assert r.status_code == 201, r.get_json()
    listed = api.get("/api/process-instances", query_string={"limit": 500}).get_json()["items"]
    assert len(listed) == started + 1  # every acknowledged start is there; the refused one is not
    with sqlite3.connect(db_file) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
