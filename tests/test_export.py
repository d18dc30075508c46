"""History exports: NDJSON, CSV (read back with the csv module) and XES (read back with pm4py, a
process-mining library), filtered by process and time, streamed with flat memory."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import time

import pytest

FIELDS = ["id", "seq", "at", "type", "instance_id", "process", "version", "activity", "task_id", "actor", "data"]


@pytest.fixture
def story(api):
    """Two gov_review instances worked by a clerk (one completed, one open) and one review_timeout."""
    api.deploy("gov_review.bpmn")
    api.deploy("review_timeout.bpmn")
    clerk = api.as_user("cleo", "operator", ["clerks"])
    done = clerk.start("gov_review", {"amount": 1})
    clerk.complete(done["tasks"][0]["id"], {"approved": True})
    open_ = clerk.start("gov_review", {"amount": 2})
    other = api.start("review_timeout", {"amount": 1, "skip": False})
    return {"done": done, "open": open_, "other": other}


def download(api, **params):
    r = api.get("/api/history/export", query_string=params)
    assert r.status_code == 200, r.get_data(as_text=True)[:500]
    assert r.headers["Content-Disposition"].startswith("attachment; filename=")
    return r


def all_events(api, **params) -> list[dict]:
    r = api.get("/api/history/events", query_string={"limit": 500, **params}).get_json()
    assert r["next"] is None
    return r["items"]


def test_ndjson_is_one_event_per_line(api, story):
    r = download(api, format="json")
    assert r.mimetype == "application/x-ndjson"
    assert r.headers["Content-Disposition"].endswith('.ndjson"')
    lines = r.get_data(as_text=True).splitlines()
    assert [json.loads(line) for line in lines] == all_events(api)
    only = download(api, format="json", process="gov_review").get_data(as_text=True).splitlines()
    assert [json.loads(line) for line in only] == all_events(api, process="gov_review")
    assert "gov_review" in download(api, format="json", process="gov_review").headers["Content-Disposition"]


def test_time_range(api, story):
    events = all_events(api)
    middle = events[len(events) // 2]["at"]
    later = [json.loads(x) for x in download(api, **{"format": "json", "from": middle}).get_data(as_text=True).split()]
    earlier = [json.loads(x) for x in download(api, format="json", to=middle).get_data(as_text=True).split()]
    assert later == [e for e in events if e["at"] >= middle]
    assert earlier == [e for e in events if e["at"] < middle]
    assert download(api, **{"format": "json", "from": "2001-01-01T00:00:00Z", "to": "2001-02-01T00:00:00Z"}
                    ).get_data() == b""
    # from == to is an empty window (from <= at < to); from after to is a mistake, said as such.
    assert download(api, **{"format": "json", "from": middle, "to": middle}).get_data() == b""
    later_than = (dt.datetime.fromisoformat(middle.replace("Z", "+00:00")) + dt.timedelta(seconds=1)).isoformat()
    r = api.get("/api/history/export", query_string={"from": later_than, "to": middle})
    assert r.status_code == 400 and r.headers["Content-Type"] == "application/problem+json"
    assert "'from' must not be after 'to'" in r.get_json()["detail"]
    assert api.get("/api/history/export", query_string={"format": "pdf"}).status_code == 400


def test_csv_reads_back_with_the_csv_module(api, story):
    r = download(api, format="csv", process="gov_review")
    assert r.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(r.get_data(as_text=True))))
    expected = all_events(api, process="gov_review")
    assert list(rows[0]) == FIELDS
    assert [row["id"] for row in rows] == [e["id"] for e in expected]
    for row, event in zip(rows, expected, strict=True):
        assert json.loads(row["data"]) == event["data"]
        assert int(row["seq"]) == event["seq"] and row["at"] == event["at"] and row["actor"] == event["actor"]
        assert row["task_id"] == (event["task_id"] or "")
    completed = next(row for row in rows if row["type"] == "task.completed")
    assert json.loads(completed["data"]) == {"variables": {"approved": True}}


@pytest.mark.filterwarnings("ignore::UserWarning")  # pm4py suggests an optional faster reader
def test_xes_reads_back_with_pm4py(api, story, tmp_path):
    pm4py = pytest.importorskip("pm4py")
    r = download(api, format="xes")
    assert r.mimetype == "application/xml" and r.headers["Content-Disposition"].endswith('.xes"')
    path = tmp_path / "history.xes"
    path.write_bytes(r.get_data())
    log = pm4py.read_xes(str(path), return_legacy_log_object=True)
    traces = {t.attributes["concept:name"]: t for t in log}
    # One trace per instance; the deployment events belong to no instance and are left out.
    assert set(traces) == {story["done"]["id"], story["open"]["id"], story["other"]["id"]}
    assert traces[story["other"]["id"]].attributes["process"] == "review_timeout"
    done = traces[story["done"]["id"]]
    assert done.attributes["process"] == "gov_review" and done.attributes["version"] == 1
    names = [e["concept:name"] for e in done]
    assert names[0] == "instance.started" and names[-1] == "instance.completed"
    assert [(e["concept:name"], e["lifecycle:transition"]) for e in done if e["concept:name"] == "review"] == [
        ("review", "schedule"), ("review", "complete")]  # created, then completed once (not twice)
    review_done = next(e for e in done if e["type"] == "task.completed")
    assert review_done["org:resource"] == "cleo"
    assert json.loads(review_done["data"]) == {"variables": {"approved": True}}
    stamps = [e["time:timestamp"] for e in done]
    assert stamps[0].tzinfo is not None
    first = dt.datetime.fromisoformat(all_events(api, instance=story["done"]["id"])[0]["at"].replace("Z", "+00:00"))
    assert abs(stamps[0] - first) < dt.timedelta(milliseconds=1)  # XES times carry milliseconds
    assert {e["lifecycle:transition"] for e in done} >= {"start", "schedule", "complete"}
    frame = pm4py.read_xes(str(path))
    assert set(frame["case:concept:name"]) == set(traces)
    only = tmp_path / "only.xes"
    only.write_bytes(download(api, format="xes", process="review_timeout").get_data())
    assert [t.attributes["concept:name"] for t in pm4py.read_xes(str(only), return_legacy_log_object=True)] == [
        story["other"]["id"]]


def _bulk_history(app, count: int) -> None:
    """Volume for the streaming test, written straight to the table (100,000 events through the API
    would take minutes): 10,000 instances of 10 events."""
    from sqlalchemy import insert

    from models import Event, db, new_id

    base = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    with app.app_context():
        for start in range(0, count, 10_000):
            rows = [{"id": new_id(), "at": base + dt.timedelta(milliseconds=i), "type": "activity.completed",
                     "instance_id": f"inst-{i // 10:05d}", "process": "bulk", "version": 1,
                     "activity": f"step_{i % 10}", "task_id": None, "actor": "system", "data": {"n": i}}
                    for i in range(start, start + 10_000)]
            db.session.execute(insert(Event), rows)
            db.session.commit()


def _rss() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * 4096


def test_large_export_streams_with_flat_memory(app, api):
    count = 100_000
    _bulk_history(app, count)
    for fmt, marker in (("json", b"\n"), ("xes", b"<event>")):
        began = time.monotonic()
        base = peak = _rss()
        r = api.get("/api/history/export", query_string={"format": fmt, "process": "bulk"}, buffered=False)
        assert r.status_code == 200
        size = events = chunks = 0
        for chunk in r.iter_encoded():
            chunks += 1
            size += len(chunk)
            events += chunk.count(marker)
            peak = max(peak, _rss())
        r.close()
        took = time.monotonic() - began
        assert events == count
        assert chunks > 50  # written out batch by batch, not in one piece
        # 100,000 events are 20-40 MB on the wire and well over 100 MB as Python objects; the server
        # holds a batch at a time.
        assert size > 15 * 1024 * 1024
        assert peak - base < 40 * 1024 * 1024, f"{fmt}: RSS grew {(peak - base) / 1e6:.0f} MB for " \
                                               f"{size / 1e6:.0f} MB streamed in {took:.1f} s"


def test_exports_beyond_the_process_limit_are_refused_until_one_ends(api, app):
    from bpmn_server.services import export_slots
    export_slots.configure(1, 0.0)
    try:
        first = api.client.get("/api/history/export?format=json", headers={"Authorization": f"Bearer {api.token}"},
                               buffered=False)
        assert first.status_code == 200
        second = api.get("/api/history/export", query_string={"format": "csv"})
        assert second.status_code == 429 and int(second.headers["Retry-After"]) > 0
        assert "exports are running" in second.get_json()["detail"]
        first.get_data()
        first.close()
        assert api.get("/api/history/export", query_string={"format": "csv"}).status_code == 200
    finally:
        export_slots.configure(2, 1.0)
