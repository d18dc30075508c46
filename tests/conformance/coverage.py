"""Write docs/COVERAGE.md: which BPMN elements and constructs run here, measured on the betsy corpus.

    python -m tests.conformance.coverage [--output docs/COVERAGE.md]

Runs every active betsy execution case through the adapter (`betsy.py`) on a throw-away SQLite server, checks
the 301 constraint models against the deploy-time validator, and writes the tables. Nothing is hand-written:
the reasons for failures are those of `test_betsy.LIMITATIONS`, the figures are measured.
"""

from __future__ import annotations

import argparse
import logging
import tempfile
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from lxml import etree

from tests.conformance import betsy, coverage_camunda, coverage_camunda7, coverage_zeebe
from tests.conformance.corpus import BETSY, PRESENT, betsy_tests, constraint_tests
from tests.conformance.test_betsy import LIMITATIONS, expected_trace, limitation

ROOT = Path(__file__).resolve().parents[2]
BPMN = betsy.BPMN
TOKEN = "coverage-admin-token"
EVENTS = {"startEvent": "start event", "endEvent": "end event", "intermediateCatchEvent": "intermediate catch event",
          "intermediateThrowEvent": "intermediate throw event", "boundaryEvent": "boundary event"}
PLAIN = {"scriptTask": "script task", "sendTask": "send task", "receiveTask": "receive task",
         "callActivity": "call activity", "transaction": "transaction", "adHocSubProcess": "ad-hoc subprocess",
         "exclusiveGateway": "exclusive gateway", "inclusiveGateway": "inclusive gateway",
         "parallelGateway": "parallel gateway", "eventBasedGateway": "event-based gateway",
         "complexGateway": "complex gateway", "laneSet": "lanes", "participant": "pool (participant)",
         "messageFlow": "message flow", "dataObject": "data object", "property": "process property",
         "standardLoopCharacteristics": "standard loop"}
KINDS = {"refused": "refused at deploy", "fails": "the instance fails", "wrong": "runs to a wrong result",
         "design": "by design (engine property)", "unexpected": "unexpected failure (not in LIMITATIONS)"}


def _local(el: Any) -> str:
    return etree.QName(el).localname if isinstance(el.tag, str) else ""


def _event(el: Any, definitions: dict[str, str]) -> str:
    """'boundary event: signal, non-interrupting' and the like."""
    kinds = [_local(d)[: -len("EventDefinition")] for d in el if _local(d).endswith("EventDefinition")]
    kinds += [definitions.get((r.text or "").strip(), "?") + " (eventDefinitionRef)"
              for r in el if _local(r) == "eventDefinitionRef"]
    kind = ("parallel multiple" if el.get("parallelMultiple") == "true" else "multiple") if len(kinds) > 1 else (
        kinds[0] if kinds else "none")
    name = EVENTS[_local(el)]
    parent = el.getparent()
    if _local(el) == "startEvent" and parent.get("triggeredByEvent") == "true":
        name += " of an event subprocess"
    elif _local(el) == "startEvent" and _local(parent) != "process":
        name += " of a subprocess"
    interrupting = el.get("cancelActivity", el.get("isInterrupting", "true")) != "false"
    suffix = ("" if interrupting else ", non-interrupting") if _local(el) == "boundaryEvent" or (
        _local(el) == "startEvent" and parent.get("triggeredByEvent") == "true") else ""
    return f"{name}: {kind}{suffix}"


def features(file: str) -> set[str]:
    """The BPMN elements and constructs a betsy diagram uses, in words an analyst searches for."""
    root = etree.parse(str(BETSY / file)).getroot()
    definitions = {d.get("id"): _local(d)[: -len("EventDefinition")] for d in root
                   if _local(d).endswith("EventDefinition")}
    found: set[str] = set()
    for el in root.iter(tag=etree.Element):
        name = _local(el)
        if name in EVENTS:
            found.add(_event(el, definitions))
        elif name in PLAIN:
            found.add(PLAIN[name])
        elif name == "subProcess":
            found.add("event subprocess" if el.get("triggeredByEvent") == "true" else "embedded subprocess")
        elif name == "multiInstanceLoopCharacteristics":
            found.add(f"multi-instance, {'sequential' if el.get('isSequential') == 'true' else 'parallel'}")
            if el.get("behavior", "All") != "All":
                found.add(f"multi-instance behavior {el.get('behavior')}")
        elif name == "sequenceFlow" and el.find(f"{{{BPMN}}}conditionExpression") is not None:
            source = root.xpath("//*[@id=$i]", i=el.get("sourceRef"))
            found.add("conditional sequence flow" + ("" if source and _local(source[0]).endswith("Gateway")
                                                     else " from a task"))
        if el.get("default") and not name.endswith("Gateway"):
            found.add("default sequence flow from a task")
        if any(el.get(q, "1") != "1" for q in ("startQuantity", "completionQuantity")):
            found.add("start/completion quantity other than 1")
        if name in ("scriptTask", "task", "subProcess") and len(el.findall(f"{{{BPMN}}}outgoing")) > 1:
            found.add("activity with several outgoing flows (implicit split)")
    return found


def run_cases() -> dict[str, tuple[dict[str, Any], dict[str, Any], betsy.Run]]:
    """Every active case on a fresh SQLite server: case id -> (test, case, run)."""
    from bpmn_server import create_app

    with tempfile.TemporaryDirectory() as folder:
        app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder}/bpmn.db", "SCHEDULER_ENABLED": False,
                          "ADMIN_TOKEN": TOKEN, "TESTING": True, "SCRIPT_TIME_LIMIT": 2.0, "LOG_LEVEL": "CRITICAL"})
        logging.getLogger("bpmn_server").setLevel(logging.CRITICAL)  # a start that fails logs a stack trace
        harness = betsy.Harness(app, TOKEN)
        runs = {betsy.case_id(t, c): (t, c, harness.run(t, c, expected_trace(t, c))) for t, c in betsy.active_cases()}
        with app.app_context():
            from models import db

            db.engine.dispose()
    return runs


def constraint_results() -> tuple[int, int, int, list[str]] | None:
    """(models, refused at deploy, refused naming their constraint, the others) or None without a validator."""
    try:
        from bpmn_server import engine
        from bpmn_server.engine.validator_catalogue import constraints_of
    except ImportError:
        return None
    import re

    rule = re.compile(r"(?:^|; )\[([a-z][a-z0-9-]*)\] ")
    refused = right = 0
    others = []
    for test in constraint_tests():
        wanted = f"EXT.{test['construct'][3:]}" if test["construct"].startswith("EXT") else test["construct"]
        try:
            engine.parse_definitions((BETSY / test["file"]).read_bytes(), test["file"], lambda key: None)
            others.append(f"{test['name']} (deployed)")
            continue
        except (engine.BpmnInvalid, engine.BpmnMalformed) as exc:
            rules = {r for e in exc.errors or [] for r in rule.findall(e.get("message") or "")}
        refused += 1
        if any(wanted in constraints_of(r) for r in rules):
            right += 1
        else:
            others.append(f"{test['name']} (refused, not naming {wanted})")
    return len(constraint_tests()), refused, right, others


def _rate(passed: int, total: int) -> str:
    return f"{passed} of {total} ({100 * passed / total:.1f}%)" if total else "-"


def _kind(test: dict[str, Any], case: dict[str, Any], run: betsy.Run) -> str:
    known = limitation(test, case)
    return known.kind if known else "unexpected"


def _reason(test: dict[str, Any], case: dict[str, Any], run: betsy.Run) -> str:
    known = limitation(test, case)
    return known.reason if known else run.explain()


def render(runs: dict[str, tuple[dict[str, Any], dict[str, Any], betsy.Run]],
           constraints: tuple[int, int, int, list[str]] | None) -> str:
    items = list(runs.values())
    lines = ["# BPMN coverage", "",
             "Generated by `python -m tests.conformance.coverage` (under a minute); do not edit by hand. It runs every",
             "active case of the betsy conformance corpus (`../shared/corpus/betsy`, "
             f"upstream commit `{_commit()[:12]}`) through",
             "`tests/conformance/betsy.py`, and the constraint models through the deploy-time validator. The same",
             "cases run in CI as `tests/conformance/test_betsy.py`, where each known failure is a strict xfail.", "",
             "## Pass rates", ""]
    lines += _rates(items, constraints)
    lines += ["", "## Constructs (betsy's feature sets)", "",
              "| construct | status | betsy tests (cases passing) |", "| --- | --- | --- |"]
    by_construct: dict[str, list[tuple[dict[str, Any], dict[str, Any], betsy.Run]]] = defaultdict(list)
    for item in items:
        by_construct[item[0]["construct"]].append(item)
    for construct in sorted(by_construct):
        group = by_construct[construct]
        tests = _tests(group)
        lines.append(f"| {construct} | {_status(group)} | {tests} |")
    lines += ["", "## Elements", "",
              "An element *runs* when at least one betsy test using it deploys and passes all its cases (those",
              "tests are listed); it is *refused at deploy* when every diagram using it is refused. The last column",
              "lists the failing tests that use it, with the kind of failure: the element need not be the cause.", "",
              "| element or construct | status | shown by (passing tests) | failing tests using it |",
              "| --- | --- | --- | --- |"]
    lines += _elements(items)
    lines += ["", "## Failing cases", "", "| test | cases | kind | reason |", "| --- | --- | --- | --- |"]
    failing: dict[str, list[tuple[dict[str, Any], dict[str, Any], betsy.Run]]] = defaultdict(list)
    for item in items:
        if not item[2].passed:
            failing[item[0]["name"]].append(item)
    for name, group in failing.items():
        test, case, run = group[0]
        cases = ", ".join(str(c["case"]) for _, c, _ in group)
        known = " (upstream known issue)" if test.get("known_issue") else ""
        lines.append(f"| {name}{known} | {cases} | {KINDS[_kind(test, case, run)]} | "
                     f"{_reason(test, case, run).replace('|', '/')} |")
    if constraints and constraints[3]:
        lines += ["", "## Constraint models not refused with their rule", ""]
        lines += [f"- {other}" for other in constraints[3]]
    lines += ["", *coverage_camunda.section()]  # Camunda 7 extensions (tests/conformance/coverage_camunda.py)
    lines += ["", *coverage_zeebe.section()]  # Camunda 8 extensions (tests/conformance/coverage_zeebe.py)
    return "\n".join(lines) + "\n"


def _commit() -> str:
    import json

    return json.loads((BETSY / "expected.json").read_text())["source"]["commit"]


def _rates(items: list[Any], constraints: tuple[int, int, int, list[str]] | None) -> list[str]:
    lines = ["| category | cases | pass | pass, upstream known issues aside |", "| --- | --- | --- | --- |"]
    groups = sorted({t["group"] for t, _, _ in items})
    for group in [*groups, "all"]:
        chosen = [(t, r) for t, _, r in items if group in ("all", t["group"])]
        clean = [(t, r) for t, r in chosen if not t.get("known_issue")]
        lines.append(f"| {group} | {len(chosen)} | {_rate(sum(r.passed for _, r in chosen), len(chosen))} | "
                     f"{_rate(sum(r.passed for _, r in clean), len(clean))} |")
    kinds: dict[str, int] = defaultdict(int)
    for test, case, run in items:
        if not run.passed:
            kinds[_kind(test, case, run)] += 1
    lines += ["", "Failing cases by kind: " + ", ".join(f"{KINDS[k]}: {n}" for k, n in sorted(kinds.items())) + "."]
    if constraints is None:
        lines += ["", "Constraint models: the deploy-time validator is not available."]
    else:
        total, refused, right, _ = constraints
        lines += ["", f"Constraint models (`betsy/bpmn_constraints`): {_rate(refused, total)} refused at deploy, "
                      f"{_rate(right, total)} refused naming the constraint they break."]
    return lines


def _tests(group: Iterable[Any]) -> str:
    per_test: dict[str, list[bool]] = defaultdict(list)
    for test, _, run in group:
        per_test[test["name"]].append(run.passed)
    return ", ".join(f"{name} ({sum(p)}/{len(p)})" for name, p in per_test.items())


def _status(group: list[Any]) -> str:
    passed = sum(run.passed for _, _, run in group)
    if passed == len(group):
        return "runs"
    kinds = sorted({KINDS[_kind(t, c, r)] for t, c, r in group if not r.passed})
    return ("partly: " if passed else "") + "; ".join(kinds)


def _some(names: list[str], at_most: int = 4) -> str:
    return ", ".join(names[:at_most]) + (f" and {len(names) - at_most} more" if len(names) > at_most else "")


def _elements(items: list[Any]) -> list[str]:
    tests: dict[str, dict[str, Any]] = {}
    runs: dict[str, list[Any]] = defaultdict(list)
    for test, case, run in items:
        tests[test["name"]] = test
        runs[test["name"]].append((test, case, run))
    good = {n for n, rs in runs.items() if all(r.passed and not r.deployment_errors for _, _, r in rs)}
    refused = {n for n, rs in runs.items() if all(r.deployment_errors for _, _, r in rs)}
    bad = {n: sorted({_kind(*item) for item in rs if not item[2].passed}) for n, rs in runs.items()}
    users: dict[str, list[str]] = defaultdict(list)
    for name, test in tests.items():
        for feature in features(test["file"]):
            users[feature].append(name)
    lines = []
    for feature in sorted(users):
        shown = [n for n in users[feature] if n in good]
        if shown:
            status = "runs"
        elif all(n in refused for n in users[feature]):
            status = "refused at deploy"
        else:
            status = "no passing test"
        failing = [f"{n} ({'; '.join(KINDS[k] for k in bad[n])})" for n in users[feature] if bad[n]]
        lines.append(f"| {feature} | {status} | {_some(shown) or '-'} | {_some(failing) or '-'} |")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--output", type=Path, default=ROOT / "docs" / "COVERAGE.md")
    args = parser.parse_args(argv)
    if not PRESENT:
        parser.error("the BPMN corpus is missing (set BPMN_SERVER_CORPUS to the shared/corpus folder)")
    assert betsy_tests()
    text = render(run_cases(), constraint_results()) + coverage_camunda7.section()
    from tests.conformance.dmn_coverage import keep_section  # the DMN TCK section has its own generator

    args.output.write_text(keep_section(text, args.output))
    print(f"wrote {args.output} ({len(LIMITATIONS)} known limitations)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
