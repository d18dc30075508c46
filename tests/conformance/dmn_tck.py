"""DMN TCK runner: evaluates every test of every model in a TCK folder and compares with the TCK's rules.

    python -m tests.conformance.dmn_tck [--cases DIR] [--failures]

Numbers compare as decimals (to 1e-8 relative for irrational results), dates, times and durations by value,
lists item by item, contexts by the components the test names; an `errorResult` test expects null.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from lxml import etree

from bpmn_server import dmn
from bpmn_server.feel import FeelError, ops
from bpmn_server.feel.temporal import parse_date, parse_datetime, parse_duration, parse_time
from bpmn_server.feel.text import to_string
from bpmn_server.feel.values import DECIMAL
from tests.conftest import corpus_dir

XSI = "{http://www.w3.org/2001/XMLSchema-instance}"
DEFAULT_CASES = corpus_dir() / "dmn-tck" / "TestCases"


@dataclass
class Outcome:
    folder: str
    level: str
    area: str
    test: str
    ok: bool
    reason: str = ""


@dataclass
class Report:
    outcomes: list[Outcome] = field(default_factory=list)
    seconds: float = 0.0

    def cases(self, level: str) -> tuple[int, int]:
        """Test cases (a case passes when every result node of it does), as the TCK's published results count."""
        by_case: dict[tuple[str, str], bool] = {}
        for o in self.outcomes:
            if o.level == level:
                key = (o.folder, o.test.split("/")[0])
                by_case[key] = by_case.get(key, True) and o.ok
        return sum(by_case.values()), len(by_case)

    def count(self, **where: str) -> tuple[int, int]:
        sel = [o for o in self.outcomes if all(getattr(o, k) == v for k, v in where.items())]
        return sum(o.ok for o in sel), len(sel)


def _local(el: Any) -> str:
    return etree.QName(el).localname


def _children(el: Any) -> list[Any]:
    return [c for c in el if isinstance(c.tag, str)]


def read_value(node: Any) -> Any:
    """A TCK value node (inputNode, expected, item, component) to a FEEL value."""
    kids = _children(node)
    comps = [c for c in kids if _local(c) == "component"]
    if comps:
        return {c.get("name"): read_value(c) for c in comps}
    for c in kids:
        if _local(c) == "list":
            return [read_value(i) for i in _children(c) if _local(i) == "item"]
        if _local(c) == "value":
            return _scalar(c)
    return None


def _scalar(el: Any) -> Any:
    if el.get(XSI + "nil") == "true":
        return None
    if [c for c in _children(el) if _local(c) == "component"]:
        return read_value(el)
    text = el.text or ""
    t = (el.get(XSI + "type") or "").split(":")[-1]
    if t in ("decimal", "double", "integer", "int", "long", "float"):
        if text in ("NaN", "INF", "-INF"):
            return text
        return DECIMAL.create_decimal(text.strip())
    if t == "boolean":
        return text.strip() == "true"
    if t == "date":
        return parse_date(text.strip())
    if t == "dateTime":
        return parse_datetime(text.strip())
    if t == "time":
        return parse_time(text.strip())
    if t in ("duration", "dayTimeDuration", "yearMonthDuration"):
        return parse_duration(text.strip())
    return text


def same(expected: Any, actual: Any) -> bool:
    if isinstance(expected, Decimal) and isinstance(actual, Decimal):
        if expected == actual:
            return True
        return abs(expected - actual) <= abs(expected) * Decimal("1e-8") + Decimal("1e-12")
    if isinstance(expected, list):
        return isinstance(actual, list) and len(expected) == len(actual) and all(
            same(e, a) for e, a in zip(expected, actual, strict=False))
    if isinstance(expected, dict):
        return isinstance(actual, dict) and all(k in actual and same(v, actual[k]) for k, v in expected.items())
    if isinstance(expected, (dt.datetime, dt.time)) and type(expected) is type(actual):
        return ops.equal(expected, actual) is True and (expected.tzinfo is None) == (actual.tzinfo is None)
    if expected is None or actual is None:
        return expected is actual
    return type(expected) is type(actual) and ops.equal(expected, actual) is True


_AREAS = (("hitpolicy", "decision tables"), ("simpletable", "decision tables"), ("table", "decision tables"),
          ("date", "dates, times, durations"), ("time", "dates, times, durations"),
          ("duration", "dates, times, durations"), ("week", "dates, times, durations"),
          ("month", "dates, times, durations"), ("day-of", "dates, times, durations"),
          ("decision-service", "DRGs, BKMs, services, boxed"), ("bkm", "DRGs, BKMs, services, boxed"),
          ("boxed", "DRGs, BKMs, services, boxed"), ("invocation", "DRGs, BKMs, services, boxed"),
          ("context", "lists, contexts, ranges"), ("list", "lists, contexts, ranges"),
          ("range", "lists, contexts, ranges"), ("interval", "lists, contexts, ranges"),
          ("filter", "lists, contexts, ranges"), ("function", "built-in functions"),
          ("string", "built-in functions"), ("sort", "built-in functions"), ("concatenate", "built-in functions"))


def area_of(folder: str) -> str:
    f = folder.lower()
    for key, area in _AREAS:
        if key in f:
            return area
    return "FEEL expressions and types"


def run_folder(folder: Path, level: str, report: Report) -> None:
    models: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for path in sorted(folder.glob("*.dmn")):
        try:
            models[path.name] = dmn.load(path.read_bytes(), lenient=True)
        except (dmn.DmnModelError, FeelError) as exc:
            errors[path.name] = exc.detail
    for tf in sorted(folder.glob("*-test-*.xml")):
        root = etree.parse(str(tf), etree.XMLParser(resolve_entities=False, no_network=True)).getroot()
        model_el = [c for c in _children(root) if _local(c) == "modelName"]
        model_name = model_el[0].text.strip() if model_el else next(iter(models), "")
        for case in (c for c in _children(root) if _local(c) == "testCase"):
            _run_case(folder.name, level, case, models.get(model_name), errors.get(model_name, "model missing"),
                      report)


def _run_case(folder: str, level: str, case: Any, model: Any, load_error: str, report: Report) -> None:
    inputs = {n.get("name"): read_value(n) for n in _children(case) if _local(n) == "inputNode"}
    area = area_of(folder)
    for rn in (n for n in _children(case) if _local(n) == "resultNode"):
        test = f"{case.get('id')}/{rn.get('name')}"
        expected_el = [c for c in _children(rn) if _local(c) == "expected"]
        expected = read_value(expected_el[0]) if expected_el else None
        if model is None:
            report.outcomes.append(Outcome(folder, level, area, test, False, f"model refused: {load_error}"))
            continue
        try:
            if case.get("type") == "decisionService":
                ev = dmn.Evaluation(model, {}, strict=False)
                actual = ev.service(case.get("invocableName"), {k: v for k, v in inputs.items()})
                if isinstance(actual, dict) and rn.get("name") in actual and len(model.services[
                        case.get("invocableName")].outputs) > 1:
                    actual = actual[rn.get("name")]
            else:
                actual = dmn.evaluate(model, rn.get("name"), inputs, strict=False).value
        except (FeelError, dmn.DecisionError) as exc:
            actual, err = None, exc.detail
        else:
            err = ""
        ok = same(expected, actual)
        reason = "" if ok else (err or f"expected {_show(expected)}, got {_show(actual)}")
        report.outcomes.append(Outcome(folder, level, area, test, ok, reason))


def _show(v: Any) -> str:
    text = to_string(v) if not isinstance(v, str) else repr(v)
    return text if len(text) < 120 else text[:117] + "..."


def run(cases: Path = DEFAULT_CASES) -> Report:
    report = Report()
    start = time.monotonic()
    levels = sorted(p for p in cases.iterdir() if p.is_dir() and p.name.startswith("compliance-level"))
    if not levels:
        levels = [cases]
    for level_dir in levels:
        level = level_dir.name.replace("compliance-", "")
        for folder in sorted(p for p in level_dir.iterdir() if p.is_dir()):
            run_folder(folder, level, report)
    report.seconds = time.monotonic() - start
    return report


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--cases", type=Path, default=DEFAULT_CASES, help="a TCK TestCases folder (or one level)")
    ap.add_argument("--failures", action="store_true", help="list every failure with its reason")
    args = ap.parse_args(argv)
    report = run(args.cases)
    folders: dict[tuple[str, str], list[Outcome]] = {}
    for o in report.outcomes:
        folders.setdefault((o.level, o.folder), []).append(o)
    for (level, folder), outs in folders.items():
        print(f"{level:8} {folder:50} {sum(o.ok for o in outs):4} / {len(outs)}")
        if args.failures:
            for o in outs:
                if not o.ok:
                    print(f"           FAIL {o.test}: {o.reason}")
    for level in sorted({o.level for o in report.outcomes}):
        ok, n = report.count(level=level)
        c_ok, c_n = report.cases(level)
        print(f"{level}: {ok} of {n} results ({100 * ok / max(n, 1):.1f}%), {c_ok} of {c_n} test cases")
    ok, n = len([o for o in report.outcomes if o.ok]), len(report.outcomes)
    print(f"total: {ok} of {n} ({100 * ok / max(n, 1):.1f}%) in {report.seconds:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
