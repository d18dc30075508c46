"""End to end with Camunda 7's own JavaScript external-task client (`camunda-external-task-client-js`, npm),
installed by this test into a temporary folder, against a running `bpmn-server serve`: fetch filters by process
definition key, process variables and business key, a failure whose error details stay apart from its message,
and locking a task by id (tests/js/camunda7_client.mjs)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import requests

from tests import npm_install
from tests.server import ServerProcess

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="session")
def client_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return npm_install.install(tmp_path_factory.mktemp("camunda7-npm"), "camunda-external-task-client-js@3",
                               "camunda7_client.mjs")


@pytest.fixture
def server(server_process: Any) -> ServerProcess:
    return server_process(request_timeout=5).wait_ready()


def test_the_camunda7_javascript_worker_client(server, client_folder):
    server.deploy("camunda_payment.bpmn")
    started = {card: server.post("/api/process-instances", {"process": "camunda_payment", "variables": {
        "card": card}, "business_key": f"K-{card}"}, expect=201)["id"] for card in ("visa", "amex", "diners")}
    token = server.user("wendy", "operator")
    run = npm_install.run(client_folder, "camunda7_client.mjs", {"BPMN_URL": server.url, "WORKER_NAME": "wendy",
                                                                 "WORKER_TOKEN": token})
    assert run.returncode == 0, run.stderr[-4000:] + run.stdout[-2000:]
    out = json.loads(run.stdout.strip().splitlines()[-1])
    assert out == {"failed": ["amex"], "completed": ["K-visa"], "errors": []}, out

    assert server.get(f"/api/process-instances/{started['visa']}")["variables"]["receipt"] == "R-K-visa"
    failed = server.get(f"/api/process-instances/{started['amex']}")
    assert failed["incidents"][0]["message"].endswith("card service down")
    diners = server.get(f"/api/process-instances/{started['diners']}")
    assert diners["incidents"] == [] and diners["status"] == "running"  # filtered out by both subscriptions
    r = requests.post(f"{server.url}/engine-rest/external-task/fetchAndLock", auth=("wendy", token), timeout=10,
                      json={"workerId": "w", "topics": [{"topicName": "charge-card", "lockDuration": 1000,
                                                         "processVariables": {"card": "amex"}}]})
    assert r.json() == []  # the failed task waits for a repair
