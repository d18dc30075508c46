"""visibility: candidate starters of definitions, task holders, tasks open to all by instance

Revision ID: a3f1c9d2e7b4
Revises: 319420a26461
Create Date: 2026-12-03 10:30:00

Adds `definition_starters` (from `camunda:candidateStarterGroups` / `candidateStarterUsers`), the index
`ix_tasks_open_to_all_instance`, the task's `instance_id` on `task_candidates` (index
`ix_task_candidates_instance`), and `holder` rows in `task_candidates` (who held or completed a task).
Existing data is filled in: starters read from the stored XML of every definition (also into its `meta`),
holders from the tasks' assignees and completers and from the claim and assignment events.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from lxml import etree

revision = 'a3f1c9d2e7b4'
down_revision = '7d3e5a1c9b20'
branch_labels = None
depends_on = None

BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
CAMUNDA = "http://camunda.org/schema/1.0/bpmn"
BATCH = 1000


def _names(raw: str | None) -> list[str]:
    # A stored definition may carry an expression here (it deployed before they were refused): Camunda
    # evaluates none, so such a list names nobody and the process keeps the old rule (anyone may start).
    if raw is None or "${" in raw or "#{" in raw:
        return []
    out: list[str] = []
    for part in raw.split(","):
        if part.strip() and part.strip()[:200] not in out:
            out.append(part.strip()[:200])
    return out


def _backfill_starters(conn: sa.Connection) -> None:
    definitions = sa.table("definitions", sa.column("id", sa.String), sa.column("key", sa.String),
                           sa.column("xml", sa.LargeBinary), sa.column("meta", sa.JSON))
    starters = sa.table("definition_starters", sa.column("definition_id", sa.String), sa.column("kind", sa.String),
                        sa.column("value", sa.String))
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    for def_id, key, xml, meta in conn.execute(sa.select(definitions.c.id, definitions.c.key, definitions.c.xml,
                                                         definitions.c.meta)).all():
        try:
            root = etree.fromstring(bytes(xml), parser)
        except etree.XMLSyntaxError:
            continue
        proc = next((p for p in root.iter(f"{{{BPMN}}}process") if p.get("id") == key), None)
        if proc is None:
            continue
        found = {"groups": _names(proc.get(f"{{{CAMUNDA}}}candidateStarterGroups")),
                 "users": _names(proc.get(f"{{{CAMUNDA}}}candidateStarterUsers"))}
        conn.execute(definitions.update().where(definitions.c.id == def_id)
                     .values(meta={**(meta or {}), "starters": found}))
        rows = [{"definition_id": def_id, "kind": kind[:-1], "value": v} for kind, vs in found.items() for v in vs]
        if rows:
            conn.execute(starters.insert(), rows)


def _backfill_holders(conn: sa.Connection) -> None:
    tasks = sa.table("tasks", sa.column("id", sa.String), sa.column("instance_id", sa.String),
                     sa.column("assignee", sa.String), sa.column("completed_by", sa.String))
    events = sa.table("events", sa.column("type", sa.String), sa.column("task_id", sa.String),
                      sa.column("actor", sa.String), sa.column("data", sa.JSON))
    candidates = sa.table("task_candidates", sa.column("task_id", sa.String), sa.column("instance_id", sa.String),
                          sa.column("kind", sa.String), sa.column("value", sa.String))
    held: set[tuple[str, str]] = set()
    known: dict[str, str] = {}
    for task_id, instance_id, assignee, completed_by in conn.execute(
            sa.select(tasks.c.id, tasks.c.instance_id, tasks.c.assignee, tasks.c.completed_by)):
        known[task_id] = instance_id
        held.update((task_id, name[:200]) for name in (assignee, completed_by) if name)
    q = sa.select(events.c.type, events.c.task_id, events.c.actor, events.c.data).where(
        events.c.type.in_(["task.claimed", "task.assigned", "task.completed"]))
    for type_, task_id, actor, data in conn.execute(q):
        if task_id not in known:
            continue
        name = (data or {}).get("to") if type_ == "task.assigned" else actor
        if isinstance(name, str) and name:
            held.add((task_id, name[:200]))
    rows = [{"task_id": t, "instance_id": known[t], "kind": "holder", "value": v} for t, v in sorted(held)]
    for start in range(0, len(rows), BATCH):
        conn.execute(candidates.insert(), rows[start:start + BATCH])


def upgrade() -> None:
    op.create_table('definition_starters',
    sa.Column('definition_id', sa.String(length=36), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('value', sa.String(length=200), nullable=False),
    sa.ForeignKeyConstraint(['definition_id'], ['definitions.id'],
                            name=op.f('fk_definition_starters_definition_id_definitions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('definition_id', 'kind', 'value', name=op.f('pk_definition_starters'))
    )
    with op.batch_alter_table('definition_starters', schema=None) as batch_op:
        batch_op.create_index('ix_definition_starters_lookup', ['kind', 'value', 'definition_id'], unique=False)
    with op.batch_alter_table('tasks', schema=None) as batch_op:
        batch_op.create_index('ix_tasks_open_to_all_instance', ['open_to_all', 'instance_id'], unique=False)
    with op.batch_alter_table('task_candidates', schema=None) as batch_op:
        batch_op.add_column(sa.Column('instance_id', sa.String(length=36), nullable=True))
    op.execute("UPDATE task_candidates SET instance_id = "
               "(SELECT tasks.instance_id FROM tasks WHERE tasks.id = task_candidates.task_id)")
    with op.batch_alter_table('task_candidates', schema=None) as batch_op:
        batch_op.alter_column('instance_id', existing_type=sa.String(length=36), nullable=False)
        batch_op.create_index('ix_task_candidates_instance', ['kind', 'value', 'instance_id'], unique=False)
    conn = op.get_bind()
    _backfill_starters(conn)
    _backfill_holders(conn)


def downgrade() -> None:
    op.execute("DELETE FROM task_candidates WHERE kind = 'holder'")
    with op.batch_alter_table('task_candidates', schema=None) as batch_op:
        batch_op.drop_index('ix_task_candidates_instance')
        batch_op.drop_column('instance_id')
    with op.batch_alter_table('tasks', schema=None) as batch_op:
        batch_op.drop_index('ix_tasks_open_to_all_instance')
    with op.batch_alter_table('definition_starters', schema=None) as batch_op:
        batch_op.drop_index('ix_definition_starters_lookup')
    op.drop_table('definition_starters')
