"""Schemathesis hooks (loaded by tests/schemathesis/schemathesis.toml). Each says why it is here."""

from __future__ import annotations

import os
from typing import Any

import schemathesis

RUN_AS = os.environ.get("ST_USER", "schemathesis")
LONG_POLL_MS = 500

# Camunda's engine exceptions, answered under /engine-rest with 500 as Camunda 7 does (api/camunda/errors.py).
CAMUNDA_500 = {"NullValueException", "SuspendedEntityInteractionException", "TaskAlreadyClaimedException",
               "ProcessEngineException", "OptimisticLockingException", "BadUserRequestException",
               "RestException"}


@schemathesis.hook
def before_call(context: Any, case: Any, kwargs: dict[str, Any]) -> None:
    # The run must not lock itself out: Schemathesis fills `{name}` from earlier answers (the user list), so it
    # would rotate or revoke the very token it runs with, or demote its own user, and every later request would
    # be a 401. A request about the run's own user goes to a user that does not exist instead (a 404).
    if case.path_parameters and case.path_parameters.get("name") == RUN_AS:
        case.path_parameters["name"] = f"{RUN_AS}-someone-else"
    # fetchAndLock and /v2 job activation long-poll for as long as they are asked: keep the run's waits short.
    for path, name in (("/fetchAndLock", "asyncResponseTimeout"), ("/jobs/activation", "requestTimeout")):
        if case.path.endswith(path) and isinstance(case.body, dict) and isinstance(case.body.get(name), int | float):
            case.body[name] = min(case.body[name], LONG_POLL_MS)


@schemathesis.serializer("application/zip")
def zip_body(ctx: Any, value: Any) -> bytes:
    """A promotion bundle (POST /api/bundles) is a zip: the generated binary goes as it is."""
    return value if isinstance(value, bytes) else str(value).encode()


@schemathesis.hook
def filter_failure(context: Any, failure: Any, case: Any, response: Any) -> bool:
    """Keep every failure except what /engine-rest does on purpose as Camunda 7 does (Camunda's clients rely on
    it, api/camunda/): a named engine exception as 500, never the catch-all of an unexpected error; and scalars
    coerced as Camunda's Jackson binding does (0/1 for booleans, numbers for integers). And one rule of the
    contract the document cannot state: an Idempotency-Key names one request, so the same key with another request
    is a 422; the run draws keys from a small alphabet and reuses them across operations."""
    if _reused_idempotency_key(failure, response):
        return False
    if not case.path.startswith("/engine-rest"):
        return True
    if failure.code == "ST101" and response.status_code == 500:
        body = response.json()
        return not (body.get("type") in CAMUNDA_500 and "failed to handle" not in body.get("message", ""))
    return failure.code != "ST201"


def _reused_idempotency_key(failure: Any, response: Any) -> bool:
    if failure.code != "ST202" or response.status_code != 422:
        return False
    errors = (response.json() or {}).get("errors") or []
    return [e.get("field") for e in errors] == ["Idempotency-Key"]
