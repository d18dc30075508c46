"""The betsy execution cases (corpus `betsy/expected.json`) run through the adapter in `betsy.py`.

One server and database per module: each diagram is deployed once and its cases run one after the other (the
adapter cancels what a case leaves running, and fires timers with an injected clock), so the 210 cases take
seconds, not minutes. A case that cannot pass because of an understood limitation of the server is listed in
`LIMITATIONS` and marked xfail(strict=True): when the server learns the construct, the test says so.
The pass rates per category are in docs/COVERAGE.md (`python -m tests.conformance.coverage`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.conformance import betsy
from tests.conformance.corpus import betsy_tests, execution_diagrams, needs_corpus
from tests.conftest import ADMIN_TOKEN, _truncate

pytestmark = [pytest.mark.conformance, needs_corpus]


@dataclass(frozen=True)
class Limitation:
    """Why a case cannot pass here. `kind`: refused (a 422 at deploy), fails (the instance fails), wrong (it runs
    to a wrong trace, though the construct could be refused at deploy), design (an engine property, README)."""

    kind: str
    reason: str


_NESTED_ESP = Limitation("refused", "[unsupported-nested-event-subprocess] a conditional start event of a "
                                    "non-interrupting event subprocess nested in a subprocess: SpiffWorkflow never "
                                    "arms it")

# Understood engine limitations, by test name or "<test>-<case>": the test suite marks them xfail(strict).
LIMITATIONS: dict[str, Limitation] = {
    "ParallelGateway_TrueParallelism": Limitation("design", "branches run one after the other in one thread"),
    "Timer_BoundaryEvent_SubProcess_Interrupting_Activity": Limitation(
        "design", "a timer cannot interrupt a running script (synchronous engine; scripts cannot block 10 s)"),
    "Conditional_StartEvent_EventSubProcess_NonInterrupting": _NESTED_ESP,
}
# README "Known issues": the task after the ad-hoc subprocess logs SCRIPT_task1, so a correct run gives this.
CORRECTED = {name: ["SCRIPT_task1", "SCRIPT_task1", "SCRIPT_task2"]
             for name in ("AdHocSubProcess_Sequential", "AdHocSubProcess_Parallel")}


def limitation(test: dict[str, Any], case: dict[str, Any]) -> Limitation | None:
    return LIMITATIONS.get(betsy.case_id(test, case)) or LIMITATIONS.get(test["name"])


def expected_trace(test: dict[str, Any], case: dict[str, Any]) -> list[str]:
    """The trace to compare with: betsy's, or the README's correction of a known upstream defect."""
    return list(CORRECTED.get(test["name"], case["trace"]))




@pytest.fixture(scope="module")
def harness(pg_schema: str | None, tmp_path_factory: pytest.TempPathFactory) -> Any:
    """A server of its own for the module (not the per-test `app`): deployments are reused across cases."""
    from bpmn_server import create_app
    from models import db

    if pg_schema:
        _truncate(pg_schema)
    url = pg_schema or f"sqlite:///{Path(tmp_path_factory.mktemp('betsy')) / 'bpmn.db'}"
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SCHEDULER_ENABLED": False, "ADMIN_TOKEN": ADMIN_TOKEN,
                      "TESTING": True, "SCRIPT_TIME_LIMIT": 2.0})
    yield betsy.Harness(app, ADMIN_TOKEN)
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def _params() -> list[Any]:
    params = []
    for test, case in betsy.active_cases():
        known = limitation(test, case)
        marks = [pytest.mark.xfail(strict=True, reason=f"{known.kind}: {known.reason}")] if known else []
        params.append(pytest.param(test, case, id=betsy.case_id(test, case), marks=marks))
    return params


@pytest.mark.parametrize(("test", "case"), _params())
def test_case_runs_to_the_expected_trace(harness, test, case):
    run = harness.run(test, case, expected_trace(test, case))
    assert run.passed, run.explain()


def test_every_diagram_rewrites_with_the_readme_tables():
    """Every token and expression of the 137 execution diagrams (the inactive one too) has a rewrite."""
    files = execution_diagrams()
    assert len(files) == 137
    rewritten = [betsy.rewrite(f) for f in files]
    assert all(b"<script>" not in d.xml for d in rewritten)
    assert {t for d in rewritten for t in d.tokens.values()} <= set(betsy.SCRIPTS)
    assert len([c for t in betsy_tests() if t["group"] != "bpmn_constraints" for c in t["cases"]]) == 210


def test_trace_comparison_is_betsys():
    assert betsy.same_trace(["SCRIPT_task2", "SCRIPT_task1"], ["SCRIPT_task1", "SCRIPT_task2"])
    assert not betsy.same_trace(["SCRIPT_task1"], ["SCRIPT_task1", "SCRIPT_task1"])
    assert betsy.apply_generic_error(["ERROR_deployment"], ["ERROR"]) == ["ERROR"]
    assert betsy.apply_generic_error(["SCRIPT_task1", "ERROR_runtime"], ["ERROR"]) == ["SCRIPT_task1", "ERROR"]
    assert betsy.apply_generic_error(["ERROR_runtime"], ["SCRIPT_task1"]) == ["ERROR_runtime"]
    assert betsy.python_expression('\n  !test.contains("a")  ') == "'a' not in test"
    assert betsy.python_expression('test.contains("a")>') == "'a' in test"
    with pytest.raises(betsy.AdapterError):
        betsy.python_expression("test.startsWith('a')")
