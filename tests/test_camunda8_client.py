"""End to end with Camunda's own Python client for Camunda 8 (`camunda-orchestration-sdk`, PyPI) against a running
`bpmn-server serve`: it creates instances, activates jobs, completes one, fails one down to an incident, throws a
BPMN error caught by a boundary event, and correlates a message by its correlation key."""

from __future__ import annotations

from typing import Any

import pytest

from tests.client import DIAGRAMS
from tests.server import ServerProcess

sdk = pytest.importorskip("camunda_orchestration_sdk", reason="camunda-orchestration-sdk is not installed "
                          "(the test extras install it from PyPI)")
pytestmark = pytest.mark.e2e


@pytest.fixture
def server(server_process: Any) -> ServerProcess:
    return server_process(request_timeout=5).wait_ready()


def _client(server: ServerProcess, name: str, role: str) -> Any:
    return sdk.CamundaClient(configuration={
        "CAMUNDA_REST_ADDRESS": f"{server.url}/v2", "CAMUNDA_AUTH_STRATEGY": "BASIC",
        "CAMUNDA_BASIC_AUTH_USERNAME": name, "CAMUNDA_BASIC_AUTH_PASSWORD": server.user(name, role)})


def _activate(client: Any) -> list[Any]:
    return list(client.activate_jobs(data=sdk.JobActivationRequest(
        type_="charge-card", timeout=30000, max_jobs_to_activate=5, worker="sdk-worker")).jobs)


def test_the_official_camunda8_python_client_drives_a_worker(server):
    server.deploy(DIAGRAMS / "zeebe_payment.bpmn")
    client = _client(server, "wendy", "operator")
    keys = {}
    for order in ("o-1", "o-2", "o-3"):
        created = client.create_process_instance(data=sdk.ProcessCreationById(
            process_definition_id=sdk.ProcessDefinitionId("zeebe_payment"),
            variables=sdk.ProcessInstanceCreationInstructionBaseVariables.from_dict({"orderId": order})))
        keys[order] = str(created.process_instance_key)
    jobs = _activate(client)
    assert len(jobs) == 3 and {str(j.process_instance_key) for j in jobs} == set(keys.values())
    by_order = {j.variables.to_dict()["orderId"]: j for j in jobs}
    assert by_order["o-1"].custom_headers.to_dict() == {"provider": "acme-pay"} and by_order["o-1"].retries == 3

    client.complete_job(job_key=by_order["o-1"].job_key, data=sdk.JobCompletionRequest(
        variables=sdk.JobCompletionRequestVariables.from_dict({"chargeId": "c-1"})))
    client.fail_job(job_key=by_order["o-2"].job_key, data=sdk.JobFailRequest(retries=0,
                                                                             error_message="card service down"))
    client.throw_job_error(job_key=by_order["o-3"].job_key, data=sdk.JobErrorRequest(error_code="DECLINED",
                                                                                     error_message="no funds"))
    correlated = client.correlate_message(data=sdk.MessageCorrelationRequest(name="payment-confirmed",
                                                                             correlation_key="o-1"))
    assert str(correlated.process_instance_key) == keys["o-1"]

    states = {i["variables"]["orderId"]: i for i in server.get("/api/process-instances",
                                                               process="zeebe_payment")["items"]}
    assert states["o-1"]["status"] == "completed" and states["o-1"]["variables"]["chargeId"] == "c-1"
    assert states["o-3"]["status"] == "completed"  # the boundary event caught DECLINED
    failed = server.get(f"/api/process-instances/{states['o-2']['id']}")
    assert "card service down" in failed["incidents"][0]["message"]
    assert _activate(client) == []  # nothing left to do: the failed job waits for a repair
