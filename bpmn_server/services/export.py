"""History exports: NDJSON, CSV and IEEE 1849 XES, streamed in batches with flat memory.

Each export covers the events committed when it starts (`history.snapshot`), so a download is a
consistent cut however long the client takes to read it. Rows are read in keyset batches, each on a
short connection of its own, and written out batch by batch: nothing grows with the size of the range.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from models import db

from ..exceptions import BadRequest
from ..jsonutil import dumps
from . import export_slots, history, history_search

BATCH = 1000
FIELDS = ["id", "seq", "at", "type", "instance_id", "process", "version", "activity", "task_id", "actor", "data"]
FORMATS = {"json": ("application/x-ndjson", "ndjson"), "csv": ("text/csv; charset=utf-8", "csv"),
           "xes": ("application/xml", "xes")}

# XES lifecycle:transition (the standard lifecycle model) of each event type; the rest are "complete".
LIFECYCLE = {
    "instance.started": "start", "instance.cancelled": "pi_abort", "instance.suspended": "suspend",
    "instance.resumed": "resume", "task.created": "schedule", "task.claimed": "assign",
    "task.assigned": "reassign", "task.unclaimed": "reassign", "task.cancelled": "ate_abort",
    "timer.scheduled": "schedule", "incident.created": "unknown", "incident.resolved": "unknown",
    "variables.updated": "unknown", "instance.failed": "unknown", "instance.migrated": "unknown",
    "comment.added": "unknown", "task.updated": "unknown",  # notes, not steps of the work
}
_SPECIAL = re.compile('[&<>"\n\r\t]')
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


@dataclass
class Download:
    body: Iterator[bytes]
    mimetype: str
    filename: str


def export(fmt: str, process: str | None = None, from_: dt.datetime | None = None,
           to: dt.datetime | None = None, **search: Any) -> Download:
    """A streamed export of the events of `process` (or all) with `from_ <= at < to`; `search`: the
    history list's other filters (instance, type_, actor, business_key, variable, value, comment)."""
    if fmt not in FORMATS:
        raise BadRequest(f"format must be one of {', '.join(FORMATS)}")
    if from_ and to and from_ > to:  # from == to is an empty window, not a mistake
        raise BadRequest("'from' must not be after 'to'")
    history_search.validate(search.get("variable"), search.get("value"))  # refused now, not mid-stream
    mimetype, ext = FORMATS[fmt]
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    name = f"history-{process}-{stamp}.{ext}" if process else f"history-{stamp}.{ext}"
    writer = {"json": _ndjson, "csv": _csv, "xes": _xes}[fmt]
    body = export_slots.start(_streamed(writer, {"process": process, "from_": from_, "to": to, **search}))
    return Download(body, mimetype, re.sub(r"[^A-Za-z0-9._-]", "_", name))


def _streamed(writer: Any, filters: dict[str, Any]) -> Iterator[bytes]:
    # The request's own session (authentication) is done with: end its read transaction before a
    # download that may take minutes. Batches use short connections of their own (history._fetch).
    db.session.close()
    upto = history.snapshot()
    yield from writer(upto, filters)


def _ndjson(upto: int, filters: dict[str, Any]) -> Iterator[bytes]:
    chunk: list[bytes] = []
    for row in history.scan(upto, BATCH, **filters):
        chunk.append(dumps(history.view(row)))
        if len(chunk) >= BATCH:
            yield b"\n".join(chunk) + b"\n"
            chunk = []
    if chunk:
        yield b"\n".join(chunk) + b"\n"


def _csv(upto: int, filters: dict[str, Any]) -> Iterator[bytes]:
    buffer = io.StringIO()
    out = csv.writer(buffer)
    out.writerow(FIELDS)
    count = 0
    for row in history.scan(upto, BATCH, **filters):
        event = history.view(row)
        event["data"] = dumps(event["data"]).decode()
        out.writerow(["" if event[f] is None else event[f] for f in FIELDS])
        count += 1
        if count % BATCH == 0:
            yield buffer.getvalue().encode()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode()


_ESCAPE = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "\n": "&#10;", "\r": "&#13;",
                         "\t": "&#9;"})


def _attr(tag: str, key: str, value: Any) -> str:
    text = str(value)
    if not (text.isascii() and text.isprintable()):
        text = _NOT_XML.sub("\ufffd", text)  # characters XML 1.0 cannot carry at all
    if _SPECIAL.search(text):
        text = text.translate(_ESCAPE)
    return f'<{tag} key="{key}" value="{text}"/>'



def _xes_time(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).isoformat(timespec="milliseconds")


XES_HEAD = """<?xml version="1.0" encoding="UTF-8"?>
<log xes.version="1849-2016" xes.features="" xmlns="http://www.xes-standard.org/">
<extension name="Concept" prefix="concept" uri="http://www.xes-standard.org/concept.xesext"/>
<extension name="Time" prefix="time" uri="http://www.xes-standard.org/time.xesext"/>
<extension name="Organizational" prefix="org" uri="http://www.xes-standard.org/org.xesext"/>
<extension name="Lifecycle" prefix="lifecycle" uri="http://www.xes-standard.org/lifecycle.xesext"/>
<global scope="trace"><string key="concept:name" value="UNKNOWN"/></global>
<global scope="event"><string key="concept:name" value="UNKNOWN"/><date key="time:timestamp"
 value="1970-01-01T00:00:00.000+00:00"/><string key="lifecycle:transition" value="complete"/></global>
<classifier name="Activity" keys="concept:name"/>
<classifier name="Activity and transition" keys="concept:name lifecycle:transition"/>
<string key="concept:name" value="bpmn-server history"/>
"""


def _xes_event(row: Any) -> str:
    parts = [_attr("string", "concept:name", row.activity or row.type),
             _attr("date", "time:timestamp", _xes_time(row.at)),
             _attr("string", "org:resource", row.actor),
             _attr("string", "lifecycle:transition", LIFECYCLE.get(row.type, "complete")),
             _attr("string", "type", row.type), _attr("int", "seq", row.seq), _attr("string", "event_id", row.id)]
    if row.task_id:
        parts.append(_attr("string", "task_id", row.task_id))
    if row.data:
        parts.append(_attr("string", "data", dumps(row.data).decode()))
    return "<event>" + "".join(parts) + "</event>\n"


def _xes(upto: int, filters: dict[str, Any]) -> Iterator[bytes]:
    """One <trace> per instance. Rows come grouped by instance, so a trace is open while its rows come
    and closed when the next instance starts; only the current trace's small state is kept."""
    yield XES_HEAD.encode()
    chunk: list[str] = []
    current: str | None = None
    completed_tasks: set[str] = set()
    for row in history.scan_by_instance(upto, BATCH, **filters):
        if row.instance_id != current:
            if current is not None:
                chunk.append("</trace>\n")
            current = row.instance_id
            completed_tasks.clear()
            chunk.append("<trace>" + _attr("string", "concept:name", current) + _attr("string", "process", row.process)
                         + (_attr("int", "version", row.version) if row.version is not None else "") + "\n")
        if row.type == "task.completed" and row.task_id:
            completed_tasks.add(row.task_id)
        elif row.type == "activity.completed" and row.task_id in completed_tasks:
            # The user task's completion is already in the trace as task.completed (with the user and the
            # submitted data); a second "complete" of the same activity would count it twice in mining.
            completed_tasks.discard(row.task_id)
            continue
        chunk.append(_xes_event(row))
        if len(chunk) >= BATCH:
            yield "".join(chunk).encode()
            chunk = []
    if current is not None:
        chunk.append("</trace>\n")
    chunk.append("</log>\n")
    yield "".join(chunk).encode()
