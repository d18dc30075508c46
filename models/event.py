from __future__ import annotations

import datetime as dt

from sqlalchemy import DDL, JSON, BigInteger, Index, Integer, String, event
from sqlalchemy.orm import Mapped, mapped_column

from .base import UTCDateTime, db, new_id, utcnow


class Event(db.Model):
    """An append-only history event. `seq` is assigned in commit order (see services/tx.py).

    Indexes. Every history query is "these filters, ordered by seq, after the cursor, LIMIT n"
    (services/history.py). Each equality filter has an index led by its column and ending in `seq`, so
    a page is one index range scan that starts at the cursor and stops after n matching entries: the
    cost is the page size, not the table size, at any depth. A second equality filter is checked on
    the rows that scan reaches. A time range is turned into a `seq` range with (at, seq): `at` never
    decreases along `seq` (the trigger below clamps it on PostgreSQL, and SQLite writers are
    serialized from the start of their transaction), so the first event at or after a time is one
    index probe. (process, instance_id, seq) lets the XES export walk one process's events grouped by
    instance without sorting. (task_id, seq) finds where a visit to an activity began (the heat map's time
    spent, services/heatmap.py: SQLite joins by probing it). Events are written once and never updated, so
    the indexes cost only inserts.
    """

    __tablename__ = "events"
    __table_args__ = (
        Index("ix_events_instance_seq", "instance_id", "seq"),
        Index("ix_events_process_seq", "process", "seq"),
        Index("ix_events_type_seq", "type", "seq"),
        Index("ix_events_actor_seq", "actor", "seq"),
        Index("ix_events_at_seq", "at", "seq"),
        Index("ix_events_process_instance_seq", "process", "instance_id", "seq"),
        Index("ix_events_task_seq", "task_id", "seq"),
    )

    seq: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True,
                                     autoincrement=True)
    id: Mapped[str] = mapped_column(String(36), unique=True, default=new_id)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    type: Mapped[str] = mapped_column(String(40))
    instance_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    process: Mapped[str | None] = mapped_column(String(255), nullable=True)
    version: Mapped[int | None] = mapped_column(Integer, nullable=True)
    activity: Mapped[str | None] = mapped_column(String(255), nullable=True)
    task_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    actor: Mapped[str] = mapped_column(String(200))
    data: Mapped[dict] = mapped_column(JSON, default=dict)


APPEND_ONLY = "history events are append-only"

# The database itself refuses to change or delete an event, whatever the code path (TRUNCATE, which
# only an operator with table rights runs, is not a row change and stays possible).
_PG_GUARDS = [
    DDL(f"""CREATE OR REPLACE FUNCTION events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN RAISE EXCEPTION '{APPEND_ONLY}'; END $$"""),
    DDL("""CREATE TRIGGER events_append_only BEFORE UPDATE OR DELETE ON events
FOR EACH ROW EXECUTE FUNCTION events_append_only()"""),
    # Inserts run under the history lock (services/tx.py), so the newest row is the previous event in
    # commit order; an event recorded before a concurrent transaction committed takes that time.
    DDL("""CREATE OR REPLACE FUNCTION events_monotonic_at() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE latest timestamp;
BEGIN
  SELECT at INTO latest FROM events ORDER BY seq DESC LIMIT 1;
  IF latest IS NOT NULL AND NEW.at < latest THEN NEW.at := latest; END IF;
  RETURN NEW;
END $$"""),
    DDL("""CREATE TRIGGER events_monotonic_at BEFORE INSERT ON events
FOR EACH ROW EXECUTE FUNCTION events_monotonic_at()"""),
]
_SQLITE_GUARDS = [
    DDL(f"""CREATE TRIGGER events_no_update BEFORE UPDATE ON events
BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY}'); END"""),
    DDL(f"""CREATE TRIGGER events_no_delete BEFORE DELETE ON events
BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY}'); END"""),
]
for _ddl in _PG_GUARDS:
    event.listen(Event.__table__, "after_create", _ddl.execute_if(dialect="postgresql"))
for _ddl in _SQLITE_GUARDS:
    event.listen(Event.__table__, "after_create", _ddl.execute_if(dialect="sqlite"))


@event.listens_for(Event, "before_update")
@event.listens_for(Event, "before_delete")
def _refuse_change(mapper: object, connection: object, target: Event) -> None:
    raise RuntimeError(APPEND_ONLY)
