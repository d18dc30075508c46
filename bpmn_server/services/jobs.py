"""Camunda 8 jobs and messages, as the Orchestration Cluster REST API (`/v2`) sees them: another client of the
external task and message services (a job is an external task; its key is the task's id).

Zeebe correlates a message by a key the subscription computed (`zeebe:subscription correlationKey`); here an
instance is matched by the variable the key names (engine/zeebe_config.py keeps `correlation_keys` per
definition), or by nothing when the key is a constant that equals the message's.
"""

from __future__ import annotations

import threading
import time
from typing import Any

from sqlalchemy import select

from models import Definition, ExternalTask, Instance, db

from ..exceptions import BadRequest, NotFound
from . import external_tasks, messages
from .tx import transactional

# A poll waits at most this long for a job (a request holds a server thread meanwhile); the worker asks again.
MAX_WAIT_MS = 20_000
POLL_FIRST_SLEEP, POLL_MAX_SLEEP = 0.05, 0.5


def activate(job_type: str, worker: str, timeout_ms: int, max_jobs: int,
             request_timeout_ms: int = 0) -> list[dict[str, Any]]:
    """Lease up to `max_jobs` jobs of `job_type` to `worker` for `timeout_ms`; with `request_timeout_ms`, wait
    for one (long polling, at most MAX_WAIT_MS). Each lease is its own transaction."""
    deadline = time.monotonic() + min(max(request_timeout_ms, 0), MAX_WAIT_MS) / 1000
    pause = POLL_FIRST_SLEEP
    while True:
        found = external_tasks.fetch_and_lock(worker, [{"name": job_type, "lock_duration_ms": timeout_ms}],
                                              max_jobs)
        left = deadline - time.monotonic()
        if found or left <= 0:
            return [_with_definition(job) for job in found]
        time.sleep(min(pause, left))
        pause = min(pause * 2, POLL_MAX_SLEEP)


def _with_definition(job: dict[str, Any]) -> dict[str, Any]:
    definition_id, version = db.session.execute(select(Instance.definition_id, Instance.version)
                                                .where(Instance.id == job["instance_id"])).one()
    return {**job, "definition_id": definition_id, "version": version}


def key_of(identifier: str | None) -> str | None:
    """Camunda 8 keys are decimal numbers of at most 25 digits: the first 80 bits of our UUIDs, which are random
    enough to name one row (and are found again by `_id_of`)."""
    if not identifier:
        return None
    return str(int(identifier.replace("-", "")[:20], 16))


def id_of(key: str, column: Any, what: str) -> str:
    """The UUID a key stands for (NotFound when none or the key is not one of ours)."""
    if not key.isdigit() or len(key) > 25 or int(key) >= 1 << 80:
        raise NotFound(f"no {what} with key '{key}'")
    hexed = f"{int(key):020x}"
    prefix = f"{hexed[:8]}-{hexed[8:12]}-{hexed[12:16]}-{hexed[16:20]}-"
    found = db.session.execute(select(column).where(column.like(prefix + "%")).limit(2)).scalars().all()
    if len(found) != 1:
        raise NotFound(f"no {what} with key '{key}'")
    return found[0]


def _job(job_key: str) -> tuple[str, str]:
    """(external task id, the worker that holds it)."""
    task_id = id_of(job_key, ExternalTask.id, "job")
    worker = db.session.execute(select(ExternalTask.worker_id).where(ExternalTask.id == task_id)).scalar_one()
    return task_id, worker or ""


def instance_id_of(key: str) -> str:
    return id_of(key, Instance.id, "process instance")


@transactional
def complete(job_key: str, actor: str, variables: dict[str, Any] | None) -> dict[str, Any]:
    """Complete an activated job (whoever activated it, as Zeebe allows)."""
    return external_tasks.complete(*_job(job_key), actor, variables or {})


@transactional
def fail(job_key: str, actor: str, retries: int, error: str, back_off_ms: int) -> dict[str, Any]:
    """Fail an activated job: it comes back after the back-off; 0 retries opens an incident."""
    return external_tasks.failure(*_job(job_key), actor, error, retries, back_off_ms)


@transactional
def throw_error(job_key: str, actor: str, code: str, message: str | None,
                variables: dict[str, Any] | None) -> dict[str, Any]:
    """A BPMN error for the error event that catches `code` (uncaught: an incident)."""
    return external_tasks.bpmn_error(*_job(job_key), actor, code, message, variables or {})


class _KeyIndex:
    """Which variable each definition correlates each message by; definitions never change, so cached by id."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.by_id: dict[str, dict[str, str]] = {}

    def keys(self, name: str) -> set[str]:
        ids = list(db.session.execute(select(Definition.id)).scalars())
        with self.lock:
            missing = [i for i in ids if i not in self.by_id]
        if missing:
            loaded = {i: dict((meta or {}).get("correlation_keys", {})) for i, meta in db.session.execute(
                select(Definition.id, Definition.meta).where(Definition.id.in_(missing))).all()}
            with self.lock:
                self.by_id.update(loaded)
        with self.lock:
            return {found[name] for found in self.by_id.values() if name in found}


KEY_INDEX = _KeyIndex()


def _correlations(name: str, key: str | None) -> list[dict[str, Any]]:
    """The correlations to try for a message with Zeebe correlation key `key`."""
    if key is None or key == "":
        return [{}]
    tried: list[dict[str, Any]] = []
    for expression in sorted(KEY_INDEX.keys(name)):
        body = expression.removeprefix("=").strip()
        if expression.startswith("=") and body.isidentifier():
            tried.append({body: key})
            if key.lstrip("-").isdigit():
                tried.append({body: int(key)})  # a number variable: Zeebe compares its text
        elif body.strip('"') == key or (body.lstrip("-").isdigit() and str(int(body)) == key):
            tried.append({})  # a constant key that equals the message's
    return tried


@transactional
def correlate(name: str, key: str | None, actor: str, variables: dict[str, Any] | None) -> tuple[str, bool]:
    """Deliver message `name` with correlation key `key` to the waiting instance whose subscription computed
    that key, or start an instance at a message start event. (instance id, started); NotFound if none."""
    for correlation in _correlations(name, key):
        try:
            return messages.correlate(name, actor, None, correlation, variables or {})
        except NotFound:
            continue
    raise NotFound(f"no instance waits for message '{name}' with correlation key {key!r}, and no process starts "
                   "on it")


def publish(name: str, key: str | None, actor: str, variables: dict[str, Any] | None,
            time_to_live_ms: int) -> str | None:
    """Publish: correlate now. A message nobody waits for is dropped, as Zeebe does with no time to live;
    buffering a message for later subscribers is not done here (400 rather than a message silently lost)."""
    try:
        return correlate(name, key, actor, variables)[0]
    except NotFound:
        if time_to_live_ms > 0:
            raise BadRequest(f"no instance waits for message '{name}' now, and messages are not buffered here "
                             "(timeToLive); publish when the instance waits, or with timeToLive 0") from None
        return None
