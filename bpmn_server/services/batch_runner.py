"""Running batches (services/batches.py) in the background: the clock of every server process calls
`run_batches` (scheduler.py), which works through the pending items a chunk at a time.

A chunk is one transaction of up to BPMN_SERVER_BATCH_CHUNK items (25) of one batch. It takes its items with
`FOR UPDATE SKIP LOCKED` on PostgreSQL, so two processes never run the same items: the row locks are the
chunk's lease, held until its commit and let go by a crash. On SQLite the chunk's transaction holds the write
lock (BEGIN IMMEDIATE), and an item is taken only while still `pending`, so a second process finds it done.
Each instance's action is the single-instance service function (the same rules, reasons and history
events), called by the batch's creator in a savepoint of its own: an action that fails is rolled back alone
and recorded as an error with its problem detail, the others commit with their outcomes. The outcome is
written in the transaction of the action, so a server stopped at any moment has either done an instance and
recorded it, or neither: a restarted one carries on with what is still pending, and nothing runs twice.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from flask import current_app
from sqlalchemy import exists, select, update
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm.exc import StaleDataError

from models import Batch, BatchItem, db, utcnow

from ..db import is_postgres
from ..exceptions import BpmnServerError, Conflict, as_problem
from ..states import BatchAction, BatchItemStatus, BatchStatus
from . import batches, history, incidents, instances, migration, modification
from . import uow as units
from .tx import transactional

log = logging.getLogger(__name__)


def chunk_size() -> int:
    return max(1, int(current_app.config.get("BATCH_CHUNK", 25)))


def apply(batch: Batch, instance_id: str) -> Any:
    """One instance's action: the service function its single-instance route calls, as the batch's creator."""
    p, actor = batch.params, batch.created_by
    action = BatchAction(batch.action)
    if action is BatchAction.RETRY:
        return incidents.retry(instance_id, actor, p["reason"])
    if action is BatchAction.CANCEL:
        return instances.cancel(instance_id, actor, p["reason"])
    if action is BatchAction.SUSPEND:
        return instances.suspend(instance_id, actor)
    if action is BatchAction.RESUME:
        return instances.resume(instance_id, actor)
    if action is BatchAction.MIGRATE:
        return migration.migrate(instance_id, actor, p["version"], p["reason"])
    return modification.modify(instance_id, actor, p["instructions"], p["reason"], p.get("allow_end", False))


def _lost_race(exc: Exception) -> bool:
    """A concurrent change to the instance (its revision moved on, a deadlock with a timer's chunk): worth
    another try, as a client would retry a 409."""
    if isinstance(exc, StaleDataError):
        return True
    text = str(exc).lower()
    return isinstance(exc, OperationalError) and ("deadlock" in text or "could not serialize" in text)


def _outcome(batch: Batch, instance_id: str) -> tuple[str, dict[str, Any] | None]:
    """Run one instance's action in a savepoint; its outcome (`pending` again after a lost race: the next round
    tries it again). A database that fails otherwise is raised: the whole chunk then rolls back and is tried
    again by the next round."""
    unit = units.current()
    mark = len(unit.events)
    try:
        with unit.savepoint():  # what a failed action recorded or threw goes with it
            apply(batch, instance_id)
            for row in unit.events[mark:]:  # the instance's events say which batch caused them
                if row:
                    row["data"] = {**(row.get("data") or {}), "batch_id": batch.id}
    except BpmnServerError as exc:
        return BatchItemStatus.ERROR, as_problem(exc)
    except Exception as exc:
        if _lost_race(exc):
            log.info("batch %s: instance %s changed concurrently; tried again later", batch.id, instance_id)
            return BatchItemStatus.PENDING, None
        if isinstance(exc, IntegrityError):
            return BatchItemStatus.ERROR, as_problem(Conflict("a concurrent change made this one conflict"))
        if isinstance(exc, OperationalError):
            raise
        log.exception("batch %s: %s of instance %s failed", batch.id, batch.action, instance_id)
        return BatchItemStatus.ERROR, as_problem(BpmnServerError("the action failed unexpectedly; see the log"))
    return BatchItemStatus.OK, None


@transactional
def run_chunk(batch_id: str, size: int) -> dict[str, int]:
    """Take up to `size` pending items of a running batch and run them; counts by outcome (empty: nothing
    to take, because the batch ended or other processes hold the rest)."""
    batch = db.session.get(Batch, batch_id, populate_existing=True)
    if batch is None or batch.status != BatchStatus.RUNNING:
        return {}
    q = (select(BatchItem.position, BatchItem.instance_id)
         .where(BatchItem.batch_id == batch_id, BatchItem.status == BatchItemStatus.PENDING)
         .order_by(BatchItem.position).limit(size))
    if is_postgres():
        q = q.with_for_update(skip_locked=True)
    taken = list(db.session.execute(q))
    found: dict[str, int] = {}
    for position, instance_id in taken:
        status, problem = _outcome(batch, instance_id)
        found[status] = found.get(status, 0) + 1
        if status == BatchItemStatus.PENDING:
            continue
        db.session.execute(update(BatchItem).where(BatchItem.batch_id == batch_id, BatchItem.position == position)
                           .values(status=status, problem=problem, finished_at=utcnow())
                           .execution_options(synchronize_session=False))
    return found


@transactional
def finish(batch_id: str) -> bool:
    """Mark a running batch completed once none of its items is pending; exactly one caller records it."""
    pending = exists().where(BatchItem.batch_id == Batch.id, BatchItem.status == BatchItemStatus.PENDING)
    done = db.session.execute(update(Batch).where(Batch.id == batch_id, Batch.status == BatchStatus.RUNNING, ~pending)
                              .values(status=BatchStatus.COMPLETED, ended_at=utcnow())
                              .execution_options(synchronize_session=False))
    if done.rowcount != 1:
        return False
    batch = db.session.get(Batch, batch_id, populate_existing=True)
    found = batches.progress(batches.counts([batch_id])[batch_id], batch.total)
    history.record("batch.completed", "system", data={"batch_id": batch_id, "action": batch.action,
                                                     "created_by": batch.created_by, **found})
    return True


def _next_batch(skip: set[str]) -> str | None:
    """The oldest running batch with pending items (and not in `skip`)."""
    pending = exists().where(BatchItem.batch_id == Batch.id, BatchItem.status == BatchItemStatus.PENDING)
    q = select(Batch.id).where(Batch.status == BatchStatus.RUNNING, pending)
    if skip:
        q = q.where(Batch.id.not_in(skip))
    return db.session.execute(q.order_by(Batch.created_at, Batch.id).limit(1)).scalar()


def _finished_unmarked() -> list[str]:
    """Running batches with nothing pending: a process stopped between its last chunk and marking it."""
    pending = exists().where(BatchItem.batch_id == Batch.id, BatchItem.status == BatchItemStatus.PENDING)
    return list(db.session.execute(select(Batch.id).where(Batch.status == BatchStatus.RUNNING, ~pending)
                                   .limit(100)).scalars())


def run_batches(size: int | None = None, keep_going: Callable[[], bool] | None = None) -> dict[str, int]:
    """Work through the pending items of every running batch, oldest batch first, a chunk per transaction,
    until none is left (or `keep_going` says stop after a chunk). Counts by outcome."""
    size = size or chunk_size()
    totals: dict[str, int] = {BatchItemStatus.OK: 0, BatchItemStatus.ERROR: 0}
    # A plain read first: with no batch running this costs no write lock (SQLite) and no row locks.
    for batch_id in _finished_unmarked():
        units.end_read()
        finish(batch_id)
    skip: set[str] = set()
    while keep_going is None or keep_going():
        batch_id = _next_batch(skip)
        units.end_read()
        if batch_id is None:
            break
        found = run_chunk(batch_id, size)
        if not found:  # ended meanwhile, or every pending item is held by another process
            skip.add(batch_id)
            continue
        for status, n in found.items():
            if status != BatchItemStatus.PENDING:
                totals[status] = totals.get(status, 0) + n
        if BatchItemStatus.PENDING in found:
            skip.add(batch_id)  # an instance that lost a race waits for the next round, not a tight loop
            continue
        finish(batch_id)
    units.end_read()
    return totals
