"""Concurrent work on one task: exactly one complete (or claim) wins, the others get 409.

Each thread has its own test client, so each request runs in its own app context, session and
database connection: the same isolation as separate server threads or processes.
"""

from __future__ import annotations

import threading
from collections import Counter

from tests.client import Api

THREADS = 20


def _race(clients: list[Api], method: str, url: str, body: dict | None = None) -> list[int]:
    barrier = threading.Barrier(len(clients))
    codes: list[int] = []
    lock = threading.Lock()

    def go(client: Api) -> None:
        barrier.wait()
        r = client.post(url, body or {}) if method == "POST" else client.get(url)
        with lock:
            codes.append(r.status_code)

    threads = [threading.Thread(target=go, args=(c,)) for c in clients]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return codes


def _operators(api: Api, n: int) -> list[Api]:
    return [api.as_user(f"op{i}", "operator", ["support"]) for i in range(n)]


def test_twenty_concurrent_completes_one_wins(api):
    api.deploy("task_boundary.bpmn")
    inst = api.start("task_boundary")
    task_id = inst["tasks"][0]["id"]
    operators = _operators(api, THREADS)
    codes = _race(operators, "POST", f"/api/tasks/{task_id}/complete", {"variables": {"answer": "yes"}})
    assert Counter(codes) == {200: 1, 409: THREADS - 1}
    task = api.get(f"/api/tasks/{task_id}").get_json()
    assert task["status"] == "completed" and task["completed_by"].startswith("op")
    final = api.instance(inst["id"])
    assert final["status"] == "completed" and final["tasks"] == []
    history = api.history(inst["id"])
    completed = [e for e in history if e["type"] == "task.completed"]
    assert len(completed) == 1 and completed[0]["actor"] == task["completed_by"]
    assert [e["type"] for e in history].count("instance.completed") == 1


def test_twenty_concurrent_claims_one_wins(api):
    api.deploy("task_boundary.bpmn")
    task_id = api.start("task_boundary")["tasks"][0]["id"]
    operators = _operators(api, THREADS)
    codes = _race(operators, "POST", f"/api/tasks/{task_id}/claim")
    assert Counter(codes) == {200: 1, 409: THREADS - 1}
    holder = api.get(f"/api/tasks/{task_id}").get_json()["assignee"]
    claims = [e for e in api.get("/api/history/events", query_string={"type": "task.claimed"}).get_json()["items"]]
    assert [e["actor"] for e in claims] == [holder]


def test_claims_and_completes_at_once_have_one_winner(api):
    """Half the operators claim, half complete, at once: the first to get there wins, everyone else 409."""
    api.deploy("task_boundary.bpmn")
    task_id = api.start("task_boundary")["tasks"][0]["id"]
    operators = _operators(api, 10)
    barrier = threading.Barrier(len(operators))
    results: dict[str, tuple[str, int]] = {}

    def go(i: int, client: Api) -> None:
        barrier.wait()
        action = "claim" if i % 2 == 0 else "complete"
        results[client.name] = (action, client.post(f"/api/tasks/{task_id}/{action}").status_code)

    threads = [threading.Thread(target=go, args=(i, c)) for i, c in enumerate(operators)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    winners = [(name, action) for name, (action, code) in results.items() if code == 200]
    assert len(winners) == 1 and sorted(code for _, code in results.values()) == [200] + [409] * 9
    name, action = winners[0]
    task = api.get(f"/api/tasks/{task_id}").get_json()
    if action == "complete":
        assert (task["status"], task["completed_by"], task["assignee"]) == ("completed", name, None)
    else:
        assert (task["status"], task["assignee"]) == ("open", name)
