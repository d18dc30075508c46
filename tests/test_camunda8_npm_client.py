"""End to end with Camunda's official JavaScript client for Camunda 8 (`@camunda8/orchestration-cluster-api`, npm),
installed by this test into a temporary folder with the machine's node and npm, against a running
`bpmn-server serve`: tests/js/camunda8_client.mjs deploys the linked-forms example, starts instances, works their
jobs (complete, fail to an incident, BPMN error caught by a boundary event) and a user task (search, assign,
complete), with the client checking every request and response against its own schemas."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests import npm_install
from tests.server import ServerProcess

PACKAGE = "@camunda8/orchestration-cluster-api"
# The current major: the shapes of the Python client (camunda-orchestration-sdk 10) too. It declares node >= 22;
# npm only warns on an older node, and the test shows whether it runs there.
VERSION = "9"
PROCESSES = Path(__file__).resolve().parent.parent / "processes"
pytestmark = pytest.mark.e2e


@pytest.fixture(scope="session")
def client_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return npm_install.install(tmp_path_factory.mktemp("camunda8-npm"), f"{PACKAGE}@{VERSION}",
                               "camunda8_client.mjs")


@pytest.fixture
def server(server_process: Any) -> ServerProcess:
    return server_process(request_timeout=5).wait_ready()


def test_the_official_camunda8_javascript_client(server, client_folder):
    resources = [PROCESSES / "camunda8_leave_request.bpmn", PROCESSES / "leave_request.form",
                 PROCESSES / "leave_approval.form"]
    env = {"BPMN_URL": server.url,
           "WORKER_NAME": "wendy", "WORKER_TOKEN": server.user("wendy", "operator"),
           "MANAGER_NAME": "mona", "MANAGER_TOKEN": server.user("mona", "operator", groups=["managers"]),
           "ANALYST_NAME": "ann", "ANALYST_TOKEN": server.user("ann", "analyst"),
           "RESOURCES": ",".join(str(p) for p in resources)}
    run = npm_install.run(client_folder, "camunda8_client.mjs", env)
    assert run.returncode == 0, run.stderr[-4000:] + run.stdout[-2000:]
    out = json.loads(run.stdout.strip().splitlines()[-1])
    assert out["refusedDeploy"] == 403  # the role decides, as on /api: operators do not deploy
    assert out["deployed"]["processes"] == [["camunda8_leave_request", 1]]
    assert sorted(out["deployed"]["forms"]) == [["leave-approval", 1], ["leave-request", 1]]
    assert out["badStart"] == 422  # the start event's linked form: employee and days are required
    assert sorted(j["person"] for j in out["jobs"]) == ["Ada", "Bob", "Cy"]
    assert all(j["headers"] == {"system": "hr"} and j["retries"] == 3 for j in out["jobs"])
    assert out["jobsLeft"] == 0
    [task] = out["tasks"]
    assert task["instance"] == out["instances"]["Ada"] and task["elementId"] == "approve"
    assert task["groups"] == ["managers"] and task["assignee"] is None and out["total"] == 1
    assert out["form"]["formId"] == "leave-approval" and out["form"]["version"] == 1 and out["form"]["linked"]
    assert "decision" in out["form"]["fields"]
    assert out["assignee"] == "mona" and out["badCompletion"] == 422 and out["completed"] == [task["key"]]

    states = {i["variables"]["employee"]: i for i in server.get("/api/process-instances",
                                                                 process="camunda8_leave_request")["items"]}
    assert states["Ada"]["status"] == "completed" and states["Ada"]["variables"]["decision"] == "approved"
    assert states["Cy"]["status"] == "completed"  # the boundary event caught NO_BALANCE
    failed = server.get(f"/api/process-instances/{states['Bob']['id']}")
    assert "HR system down" in failed["incidents"][0]["message"]  # retries 0: an incident at the job
