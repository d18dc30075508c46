"""docker-compose.yml (docker cannot run here): it parses, and describes PostgreSQL 16 and two replicas."""

from __future__ import annotations

import re

import pytest

from tests.conftest import ROOT

yaml = pytest.importorskip("yaml")


def test_compose_file_runs_two_replicas_on_postgresql():
    spec = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    db, server = spec["services"]["db"], spec["services"]["server"]
    assert db["image"] == "postgres:16" and "pg_isready" in " ".join(db["healthcheck"]["test"])
    assert server["build"] == "." and server["deploy"]["replicas"] == 2
    assert server["command"] == ["bpmn-server", "serve", "--host", "0.0.0.0", "--port", "8080", "--workers", "2"]
    env = server["environment"]
    assert re.fullmatch(r"postgresql\+psycopg://bpmn:\$\{POSTGRES_PASSWORD:-bpmn\}@db:5432/bpmn",
                        env["BPMN_SERVER_DATABASE_URL"])
    # One admin token and one session key for both replicas, from the operator's environment.
    assert env["BPMN_SERVER_ADMIN_TOKEN"].startswith("${BPMN_SERVER_ADMIN_TOKEN:?")
    assert env["BPMN_SERVER_SECRET_KEY"].startswith("${BPMN_SERVER_SECRET_KEY:?")
    assert server["depends_on"]["db"]["condition"] == "service_healthy"
    assert "/api/health" in " ".join(server["healthcheck"]["test"])
    assert spec["volumes"] == {"pgdata": None}
    # The image's own default command matches: the Dockerfile serves with --workers too.
    assert '"--workers"' in (ROOT / "Dockerfile").read_text()
