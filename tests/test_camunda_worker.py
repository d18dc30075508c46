"""End to end with the real Camunda client library (camunda-external-task-client-python3) against a running
`bpmn-server serve`: Camunda Modeler's deploy request, starts with typed variables, an external-task worker that
completes, fails with retries down to an incident and throws a BPMN error, long polling, and a message start."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
import requests
from camunda.client.engine_client import EngineClient
from camunda.client.external_task_client import ExternalTaskClient
from camunda.external_task.external_task_worker import ExternalTaskWorker, NoExternalTaskFound

from tests.client import DIAGRAMS
from tests.server import ServerProcess

pytestmark = pytest.mark.e2e


@pytest.fixture
def server(server_process: Any) -> ServerProcess:
    """`bpmn-server serve` on a free port, ready."""
    return server_process(request_timeout=5).wait_ready()


def _user(server: ServerProcess, name: str, role: str) -> dict[str, str]:
    return {"username": name, "password": server.user(name, role)}


def _modeler_deploy(server: ServerProcess, auth: dict[str, str], filename: str) -> dict[str, Any]:
    """Camunda Modeler's deploy request: form fields, then the diagram as a file part named after the file."""
    r = requests.post(f"{server.url}/engine-rest/deployment/create", auth=(auth["username"], auth["password"]),
                      timeout=10, data={"deployment-name": filename, "deployment-source": "Camunda Modeler",
                                        "deploy-changed-only": "true"},
                      files={filename: (filename, (DIAGRAMS / filename).read_bytes(), "text/xml")})
    assert r.status_code == 200, r.text
    return r.json()


def test_camunda_worker_and_clients_against_a_running_server(server):
    engine_rest = f"{server.url}/engine-rest"
    analyst, wendy = _user(server, "ana", "analyst"), _user(server, "wendy", "operator")
    deployed = _modeler_deploy(server, analyst, "camunda_payment.bpmn")
    assert [d["key"] for d in deployed["deployedProcessDefinitions"].values()] == ["camunda_payment"]
    _modeler_deploy(server, analyst, "camunda_inbox.bpmn")

    engine = EngineClient(engine_rest, config={"auth_basic": analyst})
    started = {key: engine.start_process("camunda_payment", {"card": card, "amount": {"value": 42, "type": "Long"}},
                                         business_key=key)["id"]
               for key, card in (("P-1", "visa"), ("P-2", "declined"), ("P-3", "visa"))}

    config = {"auth_basic": wendy, "maxTasks": 5, "lockDuration": 10000, "asyncResponseTimeout": 0}
    worker = ExternalTaskWorker("w1", engine_rest, config)
    seen_amounts = []

    def charge(task: Any) -> Any:
        seen_amounts.append(task.get_variable("amount"))
        if task.get_variable("card") == "declined":
            return task.bpmn_error("CARD_DECLINED", "the card was declined", {"reason": "stolen"})
        return task.complete({"receipt": f"R-{task.get_business_key()}"})

    attempts: dict[str, int] = {}

    def ship(task: Any) -> Any:
        key = task.get_business_key()
        attempts[key] = attempts.get(key, 0) + 1
        if key == "P-3" or attempts[key] == 1:
            return task.failure("courier down", "stack trace", max_retries=1, retry_timeout=0)
        return task.complete({"tracking": "T-1"})

    worker.fetch_and_execute("charge-card", charge)
    assert sorted(seen_amounts) == [42, 42, 42]
    for _ in range(2):  # a failure with a retry left comes back; the second failure of P-3 leaves none
        worker.fetch_and_execute("book-courier", ship)
    with pytest.raises(NoExternalTaskFound):
        worker.fetch_and_execute("book-courier", ship)
    assert attempts == {"P-1": 2, "P-3": 2}

    done = server.get(f"/api/process-instances/{started['P-1']}")
    assert done["status"] == "completed"
    assert done["variables"] == {"card": "visa", "amount": 42, "receipt": "R-P-1", "tracking": "T-1"}
    declined = server.get(f"/api/process-instances/{started['P-2']}")
    assert [t["activity"] for t in declined["tasks"]] == ["call_customer"]
    assert declined["variables"]["reason"] == "stolen"
    parked = server.get(f"/api/process-instances/{started['P-3']}")
    assert [i["type"] for i in parked["incidents"]] == ["external-task"]
    assert "courier down" in parked["incidents"][0]["message"]
    history = server.get(f"/api/process-instances/{started['P-1']}/history", limit=500)["items"]
    worked = [(e["type"], e["activity"], e["actor"]) for e in history if e["type"].startswith("external_task.")]
    assert worked == [("external_task.completed", "charge", "wendy"), ("external_task.failed", "ship", "wendy"),
                      ("external_task.completed", "ship", "wendy")]

    # Long polling: an empty poll waits out its timeout; a task that appears during the wait is answered at once.
    client = ExternalTaskClient("w2", engine_rest, {**config, "asyncResponseTimeout": 600})
    begun = time.monotonic()
    assert client.fetch_and_lock("charge-card") == []
    assert 0.5 <= time.monotonic() - begun < 3
    later = threading.Timer(0.4, lambda: engine.start_process("camunda_payment", {"card": "visa"}, business_key="P-4"))
    later.start()
    begun = time.monotonic()
    [fetched] = ExternalTaskClient("w2", engine_rest, {**config, "asyncResponseTimeout": 8000}).fetch_and_lock(
        "charge-card")
    waited = time.monotonic() - begun
    later.join()
    assert fetched["businessKey"] == "P-4" and fetched["workerId"] == "w2" and 0.3 <= waited < 5
    assert fetched["variables"]["card"] == {"type": "String", "value": "visa", "valueInfo": {}}

    # Another worker may not complete it until it is unlocked.
    other = ExternalTaskClient("w3", engine_rest, config)
    with pytest.raises(Exception, match="400"):
        other.complete(fetched["id"], {})
    auth = (wendy["username"], wendy["password"])
    r = requests.post(f"{engine_rest}/external-task/{fetched['id']}/unlock", auth=auth, timeout=5)
    assert r.status_code == 204
    assert [t["id"] for t in other.fetch_and_lock("charge-card")] == [fetched["id"]]
    r = requests.post(f"{engine_rest}/external-task/{fetched['id']}/extendLock", auth=auth, timeout=5,
                      json={"workerId": "w3", "newDuration": 60000})
    assert r.status_code == 204
    assert other.complete(fetched["id"], {"receipt": {"value": "R-4", "type": "String"}})
    # Repeating the completion is harmless for its worker; for anyone else the task is gone, as on Camunda.
    assert other.complete(fetched["id"], {})
    r = requests.post(f"{engine_rest}/external-task/{fetched['id']}/complete", auth=auth, timeout=5,
                      json={"workerId": "w9"})
    assert r.status_code == 404 and r.json()["type"] == "RestException"

    # A message start event through the library's correlate call.
    [result] = engine.correlate_message("order-received", business_key="IN-9", process_variables={"total": 12.5})
    assert result["resultType"] == "ProcessDefinition"
    inbox = server.get(f"/api/process-instances/{result['processInstance']['id']}")
    assert inbox["business_key"] == "IN-9" and inbox["variables"] == {"total": 12.5}


def test_the_camunda_client_filters_by_process_variables_and_keeps_error_details(server):
    engine_rest = f"{server.url}/engine-rest"
    analyst, wendy = _user(server, "ana", "analyst"), _user(server, "wendy", "operator")
    _modeler_deploy(server, analyst, "camunda_payment.bpmn")
    # A Camunda Form deploys beside its diagram through Camunda Modeler's request.
    form = b'{"id": "card-form", "components": [{"type": "textfield", "key": "card"}]}'
    r = requests.post(f"{engine_rest}/deployment/create", auth=(analyst["username"], analyst["password"]),
                      timeout=10, data={"deployment-name": "forms"}, files={"card.form": ("card.form", form)})
    assert r.status_code == 200, r.text
    assert [f["id"] for f in server.get("/api/forms")["items"]] == ["card-form"]
    engine = EngineClient(engine_rest, config={"auth_basic": analyst})
    started = {card: engine.start_process("camunda_payment", {"card": card}, business_key=f"K-{card}")["id"]
               for card in ("visa", "amex")}
    config = {"auth_basic": wendy, "maxTasks": 5, "lockDuration": 10000, "asyncResponseTimeout": 0}
    worker = ExternalTaskWorker("w1", engine_rest, config)
    seen = []

    def charge(task: Any) -> Any:
        seen.append(task.get_variable("card"))
        return task.failure("card service down", "Traceback: timeout", max_retries=0, retry_timeout=0)

    worker.fetch_and_execute("charge-card", charge, process_variables={"card": "amex"})
    assert seen == ["amex"]  # the worker's processVariables filter: the visa task is not its
    failed = server.get(f"/api/process-instances/{started['amex']}")
    assert "card service down" in failed["incidents"][0]["message"]
    client = ExternalTaskClient("w2", engine_rest, config)
    [visa] = client.fetch_and_lock("charge-card")
    assert visa["processInstanceId"] == started["visa"]
    client.failure(visa["id"], "flaky", "Traceback: reset", 1, 0)
    [again] = client.fetch_and_lock("charge-card")
    assert again["errorMessage"] == "flaky" and again["errorDetails"] == "Traceback: reset"
    r = requests.get(f"{engine_rest}/external-task/{visa['id']}/errorDetails", timeout=10,
                     auth=(wendy["username"], wendy["password"]))
    assert r.status_code == 200 and r.text == "Traceback: reset"
