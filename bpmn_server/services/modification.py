"""Instance modification (`POST .../modify`): move tokens of a running or failed instance by hand.

The engine applies the instructions to the loaded workflow (engine/modification.py) as the action of a
normal step, so tasks, timers, subscriptions and external tasks of cancelled activities are closed and
those of started ones opened exactly as after any other step, in the same transaction. History: one
`instance.modified` (the instructions, the reason, what moved), then one `activity.cancelled` or
`activity.started` per token moved, then what the step did.
"""

from __future__ import annotations

from typing import Any

from models import Instance, utcnow

from .. import engine
from ..exceptions import Invalid
from . import history, incidents, reasons, steps
from .tx import pending_events, transactional

KINDS = ("cancel", "start_before", "start_after")


def check_instructions(instructions: Any) -> list[dict[str, Any]]:
    """Each instruction names exactly one of cancel, start_before, start_after; 422 naming the bad ones."""
    if not isinstance(instructions, list) or not instructions:
        raise Invalid("instructions must be a non-empty list",
                      errors=[{"field": "instructions", "message": "a non-empty list"}])
    problems = []
    for at, item in enumerate(instructions):
        named = [k for k in KINDS if k in item]
        if len(named) != 1 or not isinstance(item[named[0]], str) or not item[named[0]]:
            problems.append({"field": f"instructions[{at}]",
                             "message": "exactly one of cancel, start_before, start_after with an activity id"})
        elif "variables" in item and named[0] == "cancel":
            problems.append({"field": f"instructions[{at}].variables", "message": "only a start takes variables"})
    if problems:
        raise Invalid("the instructions cannot be applied", errors=problems)
    return instructions


@transactional
def modify(instance_id: str, actor: str, instructions: list[dict[str, Any]], reason: str | None,
           allow_end: bool = False) -> Instance:
    """Apply the instructions in one step (422 naming unknown or unreachable activities, and when the last
    token would go without `allow_end`; 409 when the instance is not running or failed, or changed
    meanwhile). A failed instance whose failed task was moved runs on; its incidents are resolved."""
    reason = reasons.required(reason, "modify an instance")
    instructions = check_instructions(instructions)
    instance = steps.lock(instance_id)
    steps.require_status(instance, "running", "failed")
    was_failed = instance.status == "failed"
    before = incidents.open_incidents(instance.id) if was_failed else []
    found: dict[str, Any] = {}

    def apply(wf: Any) -> None:
        outcome = engine.modify(wf, instructions, allow_end)
        if outcome.problems:
            named = sorted({str(p["activity"]) for p in outcome.problems if p["activity"]})
            raise Invalid("the modification cannot be applied" + (f": {', '.join(named)}" if named else ""),
                          errors=outcome.problems)
        found["outcome"] = outcome
        if outcome.ends:
            instance.status = "cancelled"  # before the step: the ended workflow is no completion
            engine.cancel(wf)
        elif was_failed and not outcome.failed_left:
            instance.status = "running"

    mark = len(pending_events())
    steps.advance(instance, actor, apply)
    outcome = found["outcome"]
    for kind, items in (("activity.cancelled", outcome.cancelled), ("activity.started", outcome.started)):
        for item in items:
            history.record(kind, actor, instance, activity=item["activity"], task_id=item["task_id"],
                           data={"reason": reason})
    moved = len(outcome.cancelled) + len(outcome.started)
    history.record("instance.modified", actor, instance,
                   data={"instructions": instructions, "reason": reason, "allow_end": allow_end,
                         "cancelled": outcome.cancelled, "started": outcome.started})
    events = pending_events()
    # The cause first, then the tokens moved, then what the step did with them.
    tail = events[-(moved + 1):]
    del events[-(moved + 1):]
    events[mark:mark] = [tail[-1], *tail[:-1]]
    if outcome.ends:
        instance.ended_at = instance.ended_at or utcnow()
        history.record("instance.cancelled", actor, instance, data={"reason": reason, "modification": True})
    if before and instance.status != "failed":
        incidents.resolve(instance, before, actor, "modified", reason)
    return instance

