"""Messages: correlate `POST /api/messages` to the one waiting instance, or start one at a message start event.

Correlation reads indexed rows only: `subscriptions` (kind, name, business key) and, for each
correlation variable, `correlation_keys` (name, value). No instance is loaded until the match is known.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from models import Instance, Subscription, db

from ..exceptions import Conflict, Invalid, NotFound
from . import catchers
from .instances import check_variables, declare_types
from .tx import transactional

# Kept for services written against the names that lived here (services/catchers.py has them now).
START_INDEX = catchers.START_INDEX
_matches = catchers.waiting_for_message
deliver_to = catchers.deliver
start_at_event = catchers.start_at_event


@transactional
def correlate(name: str, actor: str, business_key: str | None = None, correlation: dict[str, Any] | None = None,
              variables: dict[str, Any] | None = None) -> tuple[str, bool]:
    """Deliver message `name` to the one matching waiting instance, or start one. (instance id, started)."""
    variables = check_variables(variables or {})
    correlation = dict(correlation or {})
    matches = catchers.waiting_for_message(name, business_key, correlation, variables)
    instances = sorted({instance_id for instance_id, _ in matches})
    data = {"name": name, "business_key": business_key, "correlation": correlation, "variables": variables}
    if len(instances) > 1:
        raise Conflict(f"message '{name}' matches more than one waiting instance; correlate by business key "
                       "or variables", instances=instances[:10])
    if instances:
        activity = next(a for i, a in matches if i == instances[0])
        if not catchers.deliver(instances[0], "message", name, variables, actor, activity, data):
            raise Conflict("the instance stopped waiting for this message; send it again")
        return instances[0], False
    starts = catchers.starting_on("message", name)
    if len(starts) > 1:
        raise Conflict(f"message '{name}' starts more than one process")
    if not starts:
        raise NotFound(f"no instance waits for message '{name}' with this correlation, and no process starts "
                       "on it")
    return catchers.start_at_event(starts[0], "message", name, variables, actor, business_key, data).id, True


@transactional
def correlate_instance(name: str, actor: str, business_key: str | None = None,
                       correlation: dict[str, Any] | None = None, variables: dict[str, Any] | None = None,
                       instance_id: str | None = None, types: dict[str, str] | None = None) -> tuple[Instance, bool]:
    """`correlate`, returning the instance itself; with `instance_id`, deliver to that instance only
    (404 if it does not wait for the message). (instance, started). `types`: Camunda types declared for the
    variables (services/instances.py: `declare_types`)."""
    if instance_id is None:
        found, started = correlate(name, actor, business_key, correlation, variables)
        instance = db.session.get(Instance, found)
        declare_types(instance, types)
        return instance, started
    if business_key is not None or correlation:
        raise Invalid("correlate to one instance by its id alone, without a business key or correlation",
                      errors=[{"field": "instance_id", "message": "not combinable with business_key or correlation"}])
    variables = check_variables(variables or {})
    activity = db.session.execute(select(Subscription.activity).where(
        Subscription.instance_id == instance_id, Subscription.kind == "message", Subscription.name == name)
        .limit(1)).scalar_one_or_none()
    if activity is None:
        raise NotFound(f"instance '{instance_id}' does not wait for message '{name}'")
    data = {"name": name, "business_key": None, "correlation": {}, "variables": variables}
    if not catchers.deliver(instance_id, "message", name, variables, actor, activity, data):
        raise Conflict("the instance stopped waiting for this message; send it again")
    instance = db.session.get(Instance, instance_id)
    declare_types(instance, types)
    return instance, False
