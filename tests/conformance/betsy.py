"""Run the betsy BPMN conformance cases (corpus `betsy/`, see its README.md) against the server.

The diagrams are vendor-neutral, so each file is rewritten at load time (the corpus stays pristine):

* Scripts: every `<script>` body is one placeholder token; `SCRIPTS` gives the Python it becomes. Tokens that
  only log a marker become `pass`.
* Expressions: conditions, loop conditions, cardinalities and activation conditions are Java/JUEL-like;
  `python_expression` rewrites exactly the texts of the README's table and refuses anything else.

Markers are collected outside task data, as the README requires: the trace is derived from the history
(`activity.completed` events) of every instance the case started, mapping each completed script task to its
token (`SCRIPT_taskN` to itself, `INCREMENT_INTEGER_VARIABLE_AND_LOG` to `INCREMENT_correct`, a completed
`CREATE_MARKER_FILE` in any instance sets the marker flag). The history counts every completion (loop
iterations, each multi-instance instance) and cannot be overwritten by parallel branches, whose data are
copies merged at joins; scripts run in a sandbox without I/O, so they could not write a side log anyway.
Only `LOG_DATA` leaves a value behind (`betsy_data_read`), read from the instance's variables when the case
asserts `DATA_correct`; `CREATE_TIMESTAMP_LOG_n` records its start and end time in `betsy_interval_n` for
`EXECUTION_parallel`.

Everything goes through the HTTP API (deploy, start, instance state, history, cancelling leftovers) except
the clock: timers fire through `services.timers.fire_due_timers(now)` with an injected `now`, and the
engine's own notion of "now" (`engine.timers._now`, which schedules durations and cycles) is moved with
it, so a 65 s case takes milliseconds and chained timers keep their order. Nothing sleeps.

Like a person at the task list, the harness completes open user tasks and performs ad-hoc subprocesses: it
starts each enabled activity once through `POST /api/process-instances/{id}/adhoc/{activity}` (one at a time
when the ordering is Sequential) and completes a subprocess without a completionCondition (engine/adhoc.py),
which is what betsy's ad-hoc cases expect of their performers.

What the harness does not do: it never relays a message or signal that one instance throws to another
instance. Delivering those is the engine's job (betsy only starts processes and waits); the server
delivers only what comes in through `POST /api/messages` and `POST /api/signals`.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from lxml import etree

from tests.client import Api
from tests.conformance.corpus import BETSY, betsy_tests

BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
ERRORS = ("ERROR_deployment", "ERROR_runtime")
# How long after the start the harness looks, at least: Terminate_Event and WCP20_CancelCaseTerminate race a
# PT1S timer against a terminate end event without a betsy delay, so the check needs >= 2 s (README, Time).
MIN_HORIZON_MS = 2000
MAX_FIRINGS = 200  # timer firings per case; a cycle without end must not spin for ever

# Script token -> Python. `{read}`: the variable LOG_DATA reads, `data` or the data object (see `_data_names`).
SCRIPTS = {
    "CREATE_LOG_FILE": "pass",
    **{f"SCRIPT_task{n}": "pass" for n in range(1, 6)},
    "CREATE_MARKER_FILE": "pass",
    "INCREMENT_INTEGER_VARIABLE": "integerVariable = integerVariable + 1",
    "INCREMENT_INTEGER_VARIABLE_AND_LOG": "integerVariable = integerVariable + 1",
    "SET_STRING_DATA": "data = 'String'",  # or the data object and output the task writes (`_data_names`)
    "LOG_DATA": "betsy_data_read = {read}",
    # Start and end of the (would-be) busy wait: a synchronous engine runs one branch after the other.
    "CREATE_TIMESTAMP_LOG_1": "betsy_interval_1 = [datetime.datetime.now().timestamp(), "
                              "datetime.datetime.now().timestamp()]",
    "CREATE_TIMESTAMP_LOG_2": "betsy_interval_2 = [datetime.datetime.now().timestamp(), "
                              "datetime.datetime.now().timestamp()]",
    # The sandbox may not block for 10 s (its time limit is lower); the case fails by design on a synchronous
    # engine (README), whether the script blocks or not.
    "WAIT_TEN_SECONDS": "pass",
    # A script throws a BPMN error as a Camunda script does (`throw new BpmnError("ERR_CODE")`).
    "THROW_ERROR": "raise BpmnError('ERR_CODE')",
}
# Token -> the trace line one completion of its script task writes.
TRACE_LINES = {**{f"SCRIPT_task{n}": f"SCRIPT_task{n}" for n in range(1, 6)},
               "INCREMENT_INTEGER_VARIABLE_AND_LOG": "INCREMENT_correct"}

_CONTAINS = re.compile(r'^(!?)test\.contains\("([^"\\]*)"\)>?$')  # `>`: the typo of one file (README)
_LITERALS = {"true": "True", "false": "False", "${integerVariable}": "integerVariable"}
_AS_IS = re.compile(r"^(integerVariable\s*<\s*\d+|-?\d+|activationCount\s*>=\s*\d+)$")
EXPRESSIONS = ("conditionExpression", "condition", "loopCondition", "loopCardinality", "activationCondition",
               "completionCondition")


class AdapterError(Exception):
    """The corpus holds something the README's rewrite tables do not cover."""


def python_expression(text: str) -> str:
    """A betsy expression (README table "Expressions") as Python."""
    src = (text or "").strip()
    match = _CONTAINS.match(src)
    if match:
        return f"{match[2]!r} {'not in' if match[1] else 'in'} test"
    if src in _LITERALS:
        return _LITERALS[src]
    if _AS_IS.match(src):
        return src
    raise AdapterError(f"no rewrite for the expression {text!r}")


@dataclass
class Diagram:
    """A betsy file rewritten for the server: the XML, and the token of each script activity."""

    file: str
    xml: bytes
    tokens: dict[str, str]  # script activity id -> its token
    looped: dict[str, frozenset[str]]  # script task with loop characteristics -> its successors
    error_ends: frozenset[str]  # top-level end events whose error nobody in the process catches


def _local(el: Any) -> str:
    return etree.QName(el).localname if isinstance(el.tag, str) else ""


def _data_names(task: Any, association: str, inner: str, outer: str) -> list[str]:
    """The variables through which a task writes (dataOutputAssociation) or reads (dataInputAssociation) data
    objects: the object's id and the task's data input or output at the association's `inner` end, last
    (engine/data_objects.py maps one to the other)."""
    root = task.getroottree().getroot()
    objects = {el.get("id"): el.get("dataObjectRef") for el in root.iter(f"{{{BPMN}}}dataObjectReference")}
    names = []
    for assoc in task.findall(f"{{{BPMN}}}{association}"):
        ends = {tag: (el.text or "").strip() for tag in (inner, outer) for el in assoc.findall(f"{{{BPMN}}}{tag}")}
        names += [n for n in (objects.get(ends.get(outer, "")), ends.get(inner)) if n]
    return names


def _script(task: Any, token: str) -> str:
    if token not in SCRIPTS:
        raise AdapterError(f"{task.get('id')}: unknown script token {token!r}")
    writes = _data_names(task, "dataOutputAssociation", "sourceRef", "targetRef") or ["data"]
    # A task reads its data input (the association's task end), which the engine sets from the data object.
    reads = _data_names(task, "dataInputAssociation", "targetRef", "sourceRef")[-1:] or ["data"]
    if token == "SET_STRING_DATA":
        return "\n".join(f"{name} = 'String'" for name in writes)
    return SCRIPTS[token].format(read=reads[0])


@cache
def rewrite(file: str) -> Diagram:
    """Load betsy/<file> and rewrite its scripts and expressions (README "Transformation needed")."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    root = etree.fromstring((BETSY / file).read_bytes(), parser)
    tokens: dict[str, str] = {}
    for script in root.iter(f"{{{BPMN}}}script"):
        task = script.getparent()
        token = (script.text or "").strip()
        tokens[task.get("id")] = token
        script.text = _script(task, token)
    # A call activity that calls a global script task runs that script: its completion is the script's run.
    for call in root.iter(f"{{{BPMN}}}callActivity"):
        if _local(call.getparent()) == "process" and call.get("calledElement") in tokens:
            tokens[call.get("id")] = tokens[call.get("calledElement")]
    for name in EXPRESSIONS:
        for el in root.iter(f"{{{BPMN}}}{name}"):
            el.text = python_expression(el.text)
    return Diagram(file, etree.tostring(root, xml_declaration=True, encoding="UTF-8"), tokens,
                   _looped(root, tokens), _error_ends(root))


def _looped(root: Any, tokens: dict[str, str]) -> dict[str, frozenset[str]]:
    """Script tasks with loop or multi-instance characteristics, and the activities right after them.

    The history records `activity.completed` for such a task's loop (or multi-instance) body too, under the
    same activity id as each of its runs, with nothing to tell them apart. One activation's body completes
    once, when the token leaves the task, so `_executions` drops one completion per activation that reached
    a successor. That is exact only when the task is entered at most once and its successors are reached only
    through it; this checks both, so that a diagram where it is not refuses to run rather than miscount.
    """
    looped: dict[str, frozenset[str]] = {}
    for task in root.iter(f"{{{BPMN}}}scriptTask"):
        tid = task.get("id")
        if tid not in tokens or not any(_local(c).endswith("LoopCharacteristics") for c in task):
            continue
        flows = [(f.get("sourceRef"), f.get("targetRef")) for f in task.getparent().findall(f"{{{BPMN}}}sequenceFlow")]
        after = frozenset(t for s, t in flows if s == tid)
        if any(sum(1 for _, t in flows if t == a) != 1 for a in after):
            raise AdapterError(f"{tid}: a successor of a looped task is reached from elsewhere too")
        seen, todo = set(), list(after)
        while todo:
            node = todo.pop()
            if node == tid:
                raise AdapterError(f"{tid}: a looped task lies on a cycle")
            if node not in seen:
                seen.add(node)
                todo.extend(t for s, t in flows if s == node)
        looped[tid] = after
    return looped


def _error_ends(root: Any) -> frozenset[str]:
    """Top-level end events that throw an error (inline or through eventDefinitionRef) in processes without an
    error event subprocess: when an instance ends there, the error was thrown and nobody caught it."""
    refs = {el.get("id") for el in root.iter(f"{{{BPMN}}}errorEventDefinition")}

    def throws_error(event: Any) -> bool:
        linked = {(r.text or "").strip() for r in event.findall(f"{{{BPMN}}}eventDefinitionRef")}
        return event.find(f"{{{BPMN}}}errorEventDefinition") is not None or bool(linked & refs)

    found = set()
    for process in root.findall(f"{{{BPMN}}}process"):
        handlers = [s for s in process.findall(f"{{{BPMN}}}subProcess") if s.get("triggeredByEvent") == "true"
                    and any(throws_error(e) for e in s.findall(f"{{{BPMN}}}startEvent"))]
        if not handlers:
            found.update(e.get("id") for e in process.findall(f"{{{BPMN}}}endEvent") if throws_error(e))
    return frozenset(found)


def active_cases() -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """(test, case) for every active execution case of expected.json, in file order."""
    return [(t, c) for t in betsy_tests() if t["group"] != "bpmn_constraints" and t.get("active", True)
            for c in t["cases"]]


def case_id(test: dict[str, Any], case: dict[str, Any]) -> str:
    return f"{test['name']}-{case['case']}"


def apply_generic_error(log: list[str], expected: list[str]) -> list[str]:
    """betsy's `ERROR` rule: when expected, deployment and runtime errors count as one `ERROR` line."""
    if "ERROR" not in expected:
        return log
    kept = [line for line in log if line not in ERRORS]
    return kept + ["ERROR"] if len(kept) < len(log) else kept


def same_trace(expected: list[str], actual: list[str]) -> bool:
    """betsy compares the sorted lists: order does not matter, counts do."""
    return sorted(expected) == sorted(actual)


class Clock:
    """The wall clock plus an offset that only grows: what the engine and the timer service see as now."""

    def __init__(self) -> None:
        self.offset = dt.timedelta(0)

    def now(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC) + self.offset

    def advance_to(self, moment: dt.datetime) -> None:
        self.offset = max(self.offset, moment - dt.datetime.now(dt.UTC))


@contextmanager
def engine_clock(clock: Clock) -> Iterator[Clock]:
    """Make the engine schedule timers by `clock` (restored afterwards)."""
    from bpmn_server.engine import timers

    original = timers._now
    timers._now = clock.now
    try:
        yield clock
    finally:
        timers._now = original


@dataclass
class Deployment:
    versions: dict[str, int] = field(default_factory=dict)  # process key -> version deployed from this file
    errors: list[dict[str, Any]] | None = None  # the 422's errors when refused

    @property
    def refused(self) -> bool:
        return self.errors is not None


@dataclass
class Run:
    """What one case produced: the trace betsy would compare, and what the harness saw on the way."""

    trace: list[str]
    expected: list[str]
    deployment_errors: list[dict[str, Any]] | None = None
    status: str | None = None  # of the main instance
    incidents: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return same_trace(self.expected, self.trace)

    def explain(self) -> str:
        parts = [f"expected {sorted(self.expected)}, got {sorted(self.trace)}"]
        if self.deployment_errors:
            parts.append("refused at deploy: " + "; ".join(
                f"{e.get('element')}: {e.get('message')}" for e in self.deployment_errors[:4]))
        if self.status:
            parts.append(f"main instance {self.status}")
        parts.extend(f"incident: {i}" for i in self.incidents)
        return "; ".join(parts)


class Harness:
    """Deploys each betsy file once (per harness, i.e. per database) and runs cases one after the other."""

    def __init__(self, app: Any, token: str):
        self.app = app
        self.api = Api(app, token)
        self.deployments: dict[str, Deployment] = {}
        self.known: set[str] = set(self._instance_ids())

    # -- API helpers
    def _json(self, response: Any, *ok: int) -> Any:
        if response.status_code not in ok:
            raise AssertionError(f"{response.request.method} {response.request.path}: "
                                 f"{response.status_code} {response.get_json()}")
        return response.get_json()

    def _pages(self, url: str, **params: Any) -> Iterator[dict[str, Any]]:
        after = None
        while True:
            query = {"limit": 500, **params, **({"after": after} if after else {})}
            body = self._json(self.api.get(url, query_string=query), 200)
            yield from body["items"]
            after = body.get("next")
            if not after:
                return

    def _instance_ids(self) -> list[str]:
        return [i["id"] for i in self._pages("/api/process-instances")]

    def deploy(self, test: dict[str, Any]) -> Deployment:
        file = test["file"]
        if file not in self.deployments:
            r = self.api.client.post("/api/deployments", data=rewrite(file).xml, content_type="application/xml",
                                     headers={"Authorization": f"Bearer {self.api.token}"})
            body = r.get_json()
            if r.status_code in (400, 422):
                self.deployments[file] = Deployment(errors=body.get("errors") or [{"message": body.get("detail")}])
            else:
                body = self._json(r, 200, 201)
                self.deployments[file] = Deployment({d["key"]: d["version"] for d in body["definitions"]})
        return self.deployments[file]

    def _start(self, deployment: Deployment, key: str, variables: dict[str, Any]) -> dict[str, Any] | None:
        r = self.api.post("/api/process-instances",
                          {"process": key, "version": deployment.versions.get(key), "variables": variables})
        return r.get_json() if r.status_code == 201 else None

    def _run_timers(self, clock: Clock, horizon: dt.datetime) -> None:
        """Fire due timers in due order up to `horizon`, moving the clock to each one's due time."""
        from bpmn_server.services.timers import fire_due_timers

        stuck: set[str] = set()
        for _ in range(MAX_FIRINGS):
            waiting = [t for t in self._pages("/api/timers") if t["id"] not in stuck and t.get("instance_id")]
            if not waiting:
                return
            soonest = min(waiting, key=lambda t: t["due_at"])
            due = dt.datetime.fromisoformat(soonest["due_at"].replace("Z", "+00:00"))
            if due > horizon:
                return
            clock.advance_to(due)
            with self.app.app_context():
                fired = fire_due_timers(clock.now())
            if not fired:
                stuck.add(soonest["id"])  # its instance failed, or the timer went stale: look past it

    def _complete_user_tasks(self, instance_ids: list[str]) -> None:
        """Complete open user tasks with no input (betsy's diagrams have none; a later one might), and act as
        the performer of each open ad-hoc subprocess (`_perform`)."""
        started: set[tuple[str, str, str]] = set()
        for _ in range(50):
            tasks = [t for i in instance_ids for t in self.api.tasks(instance=i, status="open")]
            performed = self._perform(instance_ids, started)
            if not tasks and not performed:
                return
            for task in tasks:
                self.api.complete(task["id"])

    def _perform(self, instance_ids: list[str], started: set[tuple[str, str, str]]) -> bool:
        """Betsy expects each activity of an ad-hoc subprocess to run once, and nothing else: start each
        enabled activity once (one at a time where the ordering is Sequential), then complete the subprocess
        if it has no completionCondition. Returns whether anything was done."""
        acted = False
        for instance_id in instance_ids:
            for scope in self._json(self.api.get(f"/api/process-instances/{instance_id}/adhoc"), 200)["items"]:
                todo = [a["activity"] for a in scope["enabled"]
                        if (instance_id, scope["scope"], a["activity"]) not in started]
                for activity in todo[:1] if scope["ordering"] == "Sequential" else todo:
                    started.add((instance_id, scope["scope"], activity))
                    self._json(self.api.post(f"/api/process-instances/{instance_id}/adhoc/{activity}",
                                             {"scope": scope["scope"]}), 200)
                    acted = True
                if not todo and not scope["active"] and scope["completable"]:
                    self._json(self.api.post(f"/api/process-instances/{instance_id}/adhoc/{scope['activity']}"
                                             "/complete", {"scope": scope["scope"]}), 200)
                    acted = True
        return acted

    def run(self, test: dict[str, Any], case: dict[str, Any], expected: list[str] | None = None) -> Run:
        """Run one case; `expected` (default: the case's trace) decides the ERROR rule and the conditional
        markers, as in betsy."""
        expected = list(case["trace"] if expected is None else expected)
        deployment = self.deploy(test)
        if deployment.refused:
            return Run(apply_generic_error(["ERROR_deployment"], expected), expected, deployment.errors)
        variables: dict[str, Any] = {"integerVariable": case.get("integerVariable", 0), "testCaseNumber": case["case"]}
        if case.get("input") is not None:
            variables["test"] = case["input"]
        clock = Clock()
        with engine_clock(clock):
            begin = clock.now()
            try:
                if test.get("start_first"):
                    self._start(deployment, test["start_first"], {})
                main = self._start(deployment, test["process_id"], variables)
                horizon = begin + dt.timedelta(milliseconds=max(test.get("delay_ms", 0), MIN_HORIZON_MS))
                self._run_timers(clock, horizon)
                mine = [i for i in self._instance_ids() if i not in self.known]
                self._complete_user_tasks(mine)
                return self._gather(rewrite(test["file"]), expected, main, mine)
            finally:
                self._clean_up()

    def _gather(self, diagram: Diagram, expected: list[str], main: dict[str, Any] | None, mine: list[str]) -> Run:
        """The log betsy would have written, from the history and state of the case's instances."""
        run = Run([] if main is not None else ["ERROR_runtime"], expected)
        ran: list[str] = []
        variables: dict[str, Any] = {}
        for instance_id in mine:
            done = [e["activity"] for e in self._pages(f"/api/process-instances/{instance_id}/history")
                    if e["type"] == "activity.completed"]
            ran += _executions(diagram, done)
            if main is None or instance_id != main["id"]:
                continue
            state = self._json(self.api.get(f"/api/process-instances/{instance_id}"), 200)
            run.status, variables = state["status"], state["variables"] or {}
            run.incidents = [f"{i['activity']}: {i['message']}" for i in state.get("incidents", [])]
            if state["status"] == "failed":
                run.trace.append("ERROR_runtime")
            if state["status"] == "completed" and set(done) & diagram.error_ends:
                run.trace.append("ERROR_thrownErrorEvent")
        run.trace += [TRACE_LINES[diagram.tokens[a]] for a in ran if diagram.tokens[a] in TRACE_LINES]
        if "MARKER_exists" in expected and any(diagram.tokens[a] == "CREATE_MARKER_FILE" for a in ran):
            run.trace.append("MARKER_exists")
        if "DATA_correct" in expected and variables.get("betsy_data_read") == "String":
            run.trace.append("DATA_correct")
        if "EXECUTION_parallel" in expected and _overlap(variables.get("betsy_interval_1"),
                                                         variables.get("betsy_interval_2")):
            run.trace.append("EXECUTION_parallel")
        run.trace = apply_generic_error(run.trace, expected)
        return run

    def _clean_up(self) -> None:
        """Cancel what still runs (deadlocks, waiting receivers), so that no later case fires its timers."""
        for instance_id in [i for i in self._instance_ids() if i not in self.known]:
            self.known.add(instance_id)
            state = self._json(self.api.get(f"/api/process-instances/{instance_id}"), 200)
            if state["status"] in ("running", "suspended", "failed"):
                self._json(self.api.post(f"/api/process-instances/{instance_id}/cancel",
                                         {"reason": "betsy case over"}), 200)


def _executions(diagram: Diagram, done: list[str]) -> list[str]:
    """The script activities that ran, once per run, from an instance's completed activities (see `_looped`)."""
    counts = Counter(a for a in done if a in diagram.tokens)
    for task, after in diagram.looped.items():
        if counts[task] and after & set(done):
            counts[task] -= 1  # the loop body's own completion
    return list(counts.elements())


def _overlap(first: Any, second: Any) -> bool:
    """README: the intervals (s1, e1) and (s2, e2) overlap iff s1 <= s2 < e1 or s2 <= s1 < e2."""
    if not (isinstance(first, list) and isinstance(second, list) and len(first) == len(second) == 2):
        return False
    (s1, e1), (s2, e2) = first, second
    return s1 <= s2 < e1 or s2 <= s1 < e2
