"""Idempotency-Key: the same user, key and request get the first answer again; nothing is done twice."""

from __future__ import annotations

import datetime as dt
import io
import threading
from collections import Counter

from tests.client import DIAGRAMS, Api

THREADS = 20


def _start(api: Api, key: str, variables: dict | None = None):
    return api.post("/api/process-instances", {"process": "gov_review", "variables": variables or {"amount": 1}},
                    headers={"Idempotency-Key": key})


def _instances(api: Api) -> list[dict]:
    return api.get("/api/process-instances", query_string={"process": "gov_review"}).get_json()["items"]


def test_twenty_concurrent_starts_with_one_key_create_one_instance(api):
    api.deploy("gov_review.bpmn")
    clients = [Api(api.app, api.token) for _ in range(THREADS)]  # one user, twenty connections
    barrier = threading.Barrier(THREADS)
    answers: list[tuple[int, dict]] = []
    lock = threading.Lock()

    def go(client: Api) -> None:
        barrier.wait()
        r = _start(client, "order-42")
        with lock:
            answers.append((r.status_code, r.get_json()))

    threads = [threading.Thread(target=go, args=(c,)) for c in clients]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert Counter(code for code, _ in answers) == {201: THREADS}
    assert len({body["id"] for _, body in answers}) == 1
    assert len(_instances(api)) == 1
    events = api.get("/api/history/events", query_string={"type": "instance.started", "limit": 500}).get_json()
    assert len(events["items"]) == 1


def test_a_replay_returns_the_first_answer_and_acts_once(api):
    api.deploy("gov_review.bpmn")
    first = _start(api, "k1")
    assert first.status_code == 201
    again = _start(api, "k1")
    assert again.status_code == 201 and again.get_json() == first.get_json()
    assert again.headers["Idempotent-Replayed"] == "true"
    # The same JSON with its keys in another order is the same request.
    reordered = api.client.post("/api/process-instances", data=b'{"variables": {"amount": 1}, "process": "gov_review"}',
                                content_type="application/json",
                                headers={"Authorization": f"Bearer {api.token}", "Idempotency-Key": "k1"})
    assert reordered.status_code == 201 and reordered.get_json()["id"] == first.get_json()["id"]
    assert len(_instances(api)) == 1
    # Keys are per user: another user's k1 is another request.
    other = api.as_user("anna", "analyst")
    assert _start(other, "k1").get_json()["id"] != first.get_json()["id"]
    # A task completed twice with one key: the second gets the first 200, not a 409.
    task = first.get_json()["tasks"][0]
    done = [api.post(f"/api/tasks/{task['id']}/complete", {"variables": {}}, headers={"Idempotency-Key": "c1"})
            for _ in range(2)]
    assert [r.status_code for r in done] == [200, 200] and done[0].get_json() == done[1].get_json()


def test_the_same_key_with_another_body_is_refused(api):
    api.deploy("gov_review.bpmn")
    assert _start(api, "k2").status_code == 201
    r = _start(api, "k2", {"amount": 2})
    assert r.status_code == 422 and r.get_json()["errors"][0]["field"] == "Idempotency-Key"
    r = api.post("/api/signals", {"name": "x"}, headers={"Idempotency-Key": "k2"})  # another route
    assert r.status_code == 422
    assert len(_instances(api)) == 1


def test_bad_keys_and_failed_requests(api):
    api.deploy("gov_review.bpmn")
    for bad in ("x" * 256, ""):
        r = _start(api, bad)
        assert r.status_code == 400 and r.get_json()["errors"][0]["field"] == "Idempotency-Key"
    assert _instances(api) == []
    # A request that fails changes nothing and keeps no answer: the same key acts on a retry.
    r = api.post("/api/process-instances", {"process": "nope"}, headers={"Idempotency-Key": "k3"})
    assert r.status_code == 422
    r = api.post("/api/process-instances", {"process": "nope"}, headers={"Idempotency-Key": "k3"})
    assert r.status_code == 422


def test_deployments_and_expired_keys(app, api):
    def upload():
        form = {"file": [(io.BytesIO((DIAGRAMS / "gov_review.bpmn").read_bytes()), "gov_review.bpmn")],
                "note": "first"}
        return api.client.post("/api/deployments", data=form, content_type="multipart/form-data",
                               headers={"Authorization": f"Bearer {api.token}", "Idempotency-Key": "d1"})

    first, second = upload(), upload()  # two multipart bodies with different boundaries: one request
    assert first.status_code == 201 and second.status_code == 201
    assert second.get_json() == first.get_json()

    from bpmn_server.services import idempotency

    with app.app_context():
        assert idempotency.prune(dt.datetime.now(dt.UTC)) == 0
        assert idempotency.prune(dt.datetime.now(dt.UTC) + dt.timedelta(hours=25)) == 1
    assert _start(api, "k4").status_code == 201  # pruned or not, keys are taken afresh
