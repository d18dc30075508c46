"""Static checks of the BPMN 2.0 constraints that the XML schema cannot express.

`validate(root)` returns a list of `{"line", "element", "message"}` errors; every message starts with a
short rule id in brackets (`[start-event-incoming] ...`) so that a user can look the rule up: the ids, the
constraints each enforces and those deliberately not enforced are listed in `validator_catalogue`. The rules
restate constraints of the BPMN 2.0.2 specification as catalogued (EXT.002-EXT.152) by the BPMNspector
project and exercised by the betsy conformance suite, plus reference checks (every `...Ref` names an
element of the right kind). `validate_schema(root)` checks a document against the OMG BPMN 2.0 XSD.

Rules that only make sense for models meant to run (formal expressions, message references, ...) apply to
executable processes only, and a process marked isExecutable="false" is not checked at all. Everything here
is a pure function of an lxml tree and uses lxml only; the rules live in `validator_flows`,
`validator_events`, `validator_structure`, `validator_data`, `validator_io` and `validator_refs`, on the
indexed document of `validator_model`. The parser calls `check_constraints` on every upload, so a refused
file is a 422 naming rule and element.
"""

from __future__ import annotations

import importlib.util
from functools import lru_cache
from pathlib import Path
from typing import Any

from lxml import etree

from .validator_data import DATA_RULES
from .validator_events import EVENT_RULES
from .validator_flows import FLOW_RULES
from .validator_io import IO_RULES
from .validator_model import Model
from .validator_refs import REF_RULES
from .validator_structure import STRUCTURE_RULES

RULES = FLOW_RULES + EVENT_RULES + STRUCTURE_RULES + DATA_RULES + IO_RULES + REF_RULES


def validate(root: etree._Element) -> list[dict[str, Any]]:
    """Every constraint violation in a `bpmn:definitions` tree."""
    model = Model(root)
    errors: list[dict[str, Any]] = []
    for rule in RULES:
        for el, rule_id, message in rule(model):
            if not model.runs(el):
                continue  # a process kept for documentation (isExecutable="false") is not held to the rules
            errors.append({"line": el.sourceline, "element": model.element_id(el),
                           "message": f"[{rule_id}] {message}"})
    return errors


def check_constraints(root: etree._Element, errors: list[dict[str, Any]]) -> None:
    """Add the schema and constraint violations of `root` to `errors`, the parser's own findings.

    An element that is already in `errors` keeps a single entry: the rule is appended to its message, so a
    client sees each element once (the parser's reason first).
    """
    by_element = {e["element"]: e for e in errors if e.get("element")}
    for problem in validate_schema(root) + validate(root):
        known = by_element.get(problem["element"]) if problem["element"] else None
        if known is not None:
            known["message"] = f"{known['message']}; {problem['message']}"
        else:
            errors.append(problem)
            if problem["element"]:
                by_element[problem["element"]] = problem


def schema_path() -> Path:
    """BPMN20.xsd: the OMG schema files ship with SpiffWorkflow (identical to the OMG/bpmn-moddle copies)."""
    spec = importlib.util.find_spec("SpiffWorkflow.bpmn.parser")
    if spec is None or spec.origin is None:
        raise RuntimeError("SpiffWorkflow is not installed")
    return Path(spec.origin).parent / "schema" / "BPMN20.xsd"


@lru_cache(maxsize=1)
def _schema() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(schema_path())))


# Missing targetNamespace is a schema error hand-written diagrams often have and that harms nothing.
_LENIENT = ("'targetNamespace' is required",)


def validate_schema(root: etree._Element) -> list[dict[str, Any]]:
    """Errors of the document against the BPMN 2.0 XSD, as `[xsd] ...` messages."""
    schema = _schema()
    if schema.validate(root):
        return []
    ids: dict[int, str] = {}
    for el in root.iter():
        if isinstance(el.tag, str) and el.get("id") and el.sourceline not in ids:
            ids[el.sourceline] = el.get("id")
    return [{"line": e.line, "element": ids.get(e.line), "message": f"[xsd] {e.message}"}
            for e in schema.error_log if not any(s in e.message for s in _LENIENT)]
