"""Batches (issue 23): one action (retry, cancel, suspend, resume, migrate, modify) on many instances, run in the
background by the clock (services/batch_runner.py) with each instance's outcome recorded.

A batch is checked whole when it is created, so that a mistake is a 422 naming the field before anything runs:
the action, the reason (required where the single-instance action requires one), the version of a migration,
the instructions of a modification, and the instances (a selection of ids the creator may read, or every
instance matching the instance list's filters, resolved once, when the batch is created, as Camunda does).
The batch and its end are history events (`batch.created`, `batch.completed`, `batch.cancelled`) with the
actor, the action and the counts; each instance's own events are those of the single-instance action.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import current_app
from sqlalchemy import func, insert, select, update

from models import Batch, BatchItem, Instance, User, db, utcnow

from ..exceptions import Conflict, Invalid, NotFound
from ..states import BatchAction, BatchItemStatus, BatchStatus
from . import history, instances, reasons, visibility
from .modification import check_instructions
from .pagination import Page, page
from .tx import transactional

NEEDS_REASON = (BatchAction.RETRY, BatchAction.CANCEL, BatchAction.MIGRATE, BatchAction.MODIFY)
FILTERS = ("process", "status", "business_key")
SHOWN_ITEMS = 500  # outcomes embedded in one batch's representation; the rest are paged (`items`)


def max_instances() -> int:
    return int(current_app.config.get("BATCH_MAX_INSTANCES", 10000))


def _invalid(field: str, message: str, detail: str | None = None) -> Invalid:
    return Invalid(detail or f"{field}: {message}", errors=[{"field": field, "message": message}])


def _action(action: Any) -> BatchAction:
    try:
        return BatchAction(action)
    except ValueError:
        raise _invalid("action", f"one of {', '.join(BatchAction)}", "unknown action") from None


def _params(action: BatchAction, reason: str | None, version: int | None, instructions: Any,
            allow_end: bool | None) -> dict[str, Any]:
    """What the action needs, checked as its single-instance route checks it; what it does not take is a 422."""
    params: dict[str, Any] = {}
    if action in NEEDS_REASON:
        params["reason"] = reasons.required(reason, f"{action} instances")
    elif reason is not None and reason.strip():
        params["reason"] = reasons.required(reason, f"{action} instances")
    if action is BatchAction.MIGRATE:
        if version is None:
            raise _invalid("version", "required: the version to migrate to", "a migration needs a version")
        params["version"] = version
    elif version is not None:
        raise _invalid("version", "only a migration takes a version")
    if action is BatchAction.MODIFY:
        params["instructions"] = check_instructions(instructions)
        params["allow_end"] = bool(allow_end)
    elif instructions is not None or allow_end is not None:
        raise _invalid("instructions" if instructions is not None else "allow_end",
                       "only a modification takes instructions")
    return params


def _selected(user: User, ids: list[str]) -> list[str]:
    """The given ids once each, in order; 422 naming each one that is unknown or that `user` may not read."""
    ids = list(dict.fromkeys(ids))
    if not ids or len(ids) > max_instances():
        raise _invalid("instances", f"between 1 and {max_instances()} instance ids")
    known: set[str] = set()
    for at in range(0, len(ids), 500):  # IN lists of a bounded size
        part = ids[at:at + 500]
        q = select(Instance.id).where(Instance.id.in_(part))
        if not visibility.sees_all(user):
            q = q.where(visibility.instance_clause(user))
        known.update(db.session.execute(q).scalars())
    missing = [{"field": f"instances[{at}]", "message": f"no process instance with id '{i}'"}
               for at, i in enumerate(ids) if i not in known]
    if missing:
        raise Invalid(f"{len(missing)} of the instances are unknown", errors=missing[:50])
    return ids


def _matching(user: User, criteria: dict[str, Any], prefix: bool) -> list[str]:
    """Every instance the instance list shows for these filters, newest first (`prefix`: process and business key
    match what starts with the text, as on the instances page; otherwise exactly, as the API's list)."""
    unknown = sorted(set(criteria) - set(FILTERS))
    if unknown:
        raise _invalid(f"filter.{unknown[0]}", f"not a filter; use {', '.join(FILTERS)}")
    q = instances.matching(criteria.get("process"), criteria.get("status"), criteria.get("business_key"),
                           prefix=prefix, viewer=user, field="filter.status")
    limit = max_instances()
    ids = list(db.session.execute(q.with_only_columns(Instance.id)
                                  .order_by(Instance.started_at.desc(), Instance.id.desc()).limit(limit + 1)).scalars())
    if not ids:
        raise _invalid("filter", "no instance matches the filter", "no instance matches the filter")
    if len(ids) > limit:
        raise _invalid("filter", f"more than {limit} instances match: narrow the filter or run several batches")
    return ids


@transactional
def create(user: User, action: str, *, ids: list[str] | None = None, criteria: dict[str, Any] | None = None,
           reason: str | None = None, version: int | None = None, instructions: Any = None,
           allow_end: bool | None = None, prefix: bool = False) -> Batch:
    """Check a batch and queue it: its items are pending until the clock runs them (a few at a time).
    `prefix`: the filter's texts match by their start (the instances page's filters)."""
    chosen = _action(action)
    params = _params(chosen, reason, version, instructions, allow_end)
    if (ids is None) == (criteria is None):
        raise _invalid("instances", "give either instances (a list of ids) or filter, not both",
                       "give either instances or filter")
    selection: dict[str, Any]
    if ids is not None:
        ids = _selected(user, ids)
        selection = {"instances": len(ids)}
    else:
        criteria = {k: v for k, v in (criteria or {}).items() if v not in (None, "")}
        ids, selection = _matching(user, criteria, prefix), {"filter": criteria}
        if prefix:
            selection["match"] = "prefix"
    batch = Batch(action=str(chosen), params=params, selection=selection, status=BatchStatus.RUNNING,
                  total=len(ids), created_by=user.name, created_at=utcnow())
    db.session.add(batch)
    db.session.flush()
    rows = [{"batch_id": batch.id, "position": at, "instance_id": i, "status": BatchItemStatus.PENDING}
            for at, i in enumerate(ids)]
    db.session.connection().execute(insert(BatchItem.__table__), rows)
    history.record("batch.created", user.name, data={"batch_id": batch.id, "action": batch.action,
                                                    "total": batch.total, "selection": selection, **params})
    return batch


def get(batch_id: str) -> Batch:
    found = db.session.get(Batch, batch_id)
    if found is None:
        raise NotFound(f"no batch with id '{batch_id}'")
    return found


def counts(batch_ids: list[str]) -> dict[str, dict[str, int]]:
    """Per batch: how many items are in each status (one grouped query for a page of batches)."""
    out: dict[str, dict[str, int]] = {b: {s.value: 0 for s in BatchItemStatus} for b in batch_ids}
    if batch_ids:
        rows = db.session.execute(select(BatchItem.batch_id, BatchItem.status, func.count())
                                  .where(BatchItem.batch_id.in_(batch_ids))
                                  .group_by(BatchItem.batch_id, BatchItem.status))
        for batch_id, status, n in rows:
            out[batch_id][status] = n
    return out


def progress(found: dict[str, int], total: int) -> dict[str, int]:
    """`done` succeeded, `failed` ended in an error, `remaining` not tried yet, `skipped` left by a cancel."""
    return {"total": total, "done": found[BatchItemStatus.OK], "failed": found[BatchItemStatus.ERROR],
            "remaining": found[BatchItemStatus.PENDING], "skipped": found[BatchItemStatus.SKIPPED]}


def view(batch: Batch, found: dict[str, int] | None = None) -> dict[str, Any]:
    """The BATCH representation: what it does, to which instances, and how far it got."""
    found = found if found is not None else counts([batch.id])[batch.id]
    return {"id": batch.id, "action": batch.action, "status": batch.status, "selection": batch.selection,
            "reason": batch.params.get("reason"), "version": batch.params.get("version"),
            "instructions": batch.params.get("instructions"), "allow_end": batch.params.get("allow_end"),
            "progress": progress(found, batch.total), "created_at": batch.created_at,
            "created_by": batch.created_by, "ended_at": batch.ended_at, "cancelled_by": batch.cancelled_by,
            "cancel_reason": batch.cancel_reason}


def detail(batch_id: str) -> dict[str, Any]:
    """A batch with the outcomes of its first instances (`items_next`: where `items` goes on)."""
    shown = items(batch_id, SHOWN_ITEMS, None)
    return {**view(get(batch_id)), "items": shown.items, "items_next": shown.next}


def list_batches(limit: int, after: str | None, status: str | None = None, action: str | None = None,
                 created_by: str | None = None) -> Page:
    """Batches newest first, each with its progress."""
    q = select(Batch)
    if status is not None:
        if status not in tuple(BatchStatus):
            raise _invalid("status", f"one of {', '.join(BatchStatus)}", "unknown batch status")
        q = q.where(Batch.status == status)
    if action is not None:
        q = q.where(Batch.action == _action(action))
    if created_by:
        q = q.where(Batch.created_by == created_by)
    found = page(q, [Batch.created_at, Batch.id], [dt.datetime, str], limit, after, descending=True)
    grouped = counts([b.id for b in found.items])
    return Page([view(b, grouped[b.id]) for b in found.items], found.next)


def items(batch_id: str, limit: int, after: str | None, status: str | None = None) -> Page:
    """A batch's instances in the order they run, with their outcomes (and each instance's process and
    business key, so that a person knows which case failed)."""
    get(batch_id)
    q = select(BatchItem).where(BatchItem.batch_id == batch_id)
    if status is not None:
        if status not in tuple(BatchItemStatus):
            raise _invalid("status", f"one of {', '.join(BatchItemStatus)}", "unknown outcome")
        q = q.where(BatchItem.status == status)
    found = page(q, [BatchItem.position], [int], limit, after, descending=False)
    ids = [i.instance_id for i in found.items]
    known = {row.id: row for row in db.session.execute(
        select(Instance.id, Instance.process, Instance.business_key).where(Instance.id.in_(ids)))} if ids else {}
    return Page([{"position": i.position, "instance_id": i.instance_id, "status": i.status, "problem": i.problem,
                  "finished_at": i.finished_at,
                  "process": known[i.instance_id].process if i.instance_id in known else None,
                  "business_key": known[i.instance_id].business_key if i.instance_id in known else None}
                 for i in found.items], found.next)


@transactional
def cancel(batch_id: str, actor: str, reason: str | None) -> Batch:
    """Stop a running batch: the instances not yet tried are skipped; a chunk already running finishes (its
    instances are done in one transaction). 409 when the batch has ended."""
    reason = reasons.required(reason, "cancel a batch")
    batch = db.session.execute(select(Batch).where(Batch.id == batch_id).with_for_update()).scalar_one_or_none()
    if batch is None:
        raise NotFound(f"no batch with id '{batch_id}'")
    if batch.status != BatchStatus.RUNNING:
        raise Conflict(f"the batch is {batch.status}; only a running batch can be cancelled", batch_status=batch.status)
    now = utcnow()
    db.session.execute(update(BatchItem).where(BatchItem.batch_id == batch_id,
                                               BatchItem.status == BatchItemStatus.PENDING)
                       .values(status=BatchItemStatus.SKIPPED, finished_at=now)
                       .execution_options(synchronize_session=False))
    batch.status, batch.ended_at = BatchStatus.CANCELLED, now
    batch.cancelled_by, batch.cancel_reason = actor, reason
    found = progress(counts([batch_id])[batch_id], batch.total)
    history.record("batch.cancelled", actor, data={"batch_id": batch_id, "action": batch.action,
                                                  "reason": reason, **found})
    return batch
