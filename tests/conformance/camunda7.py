"""Deploy the real Camunda 7 diagrams of `../shared/corpus/camunda7` through the deployment service, and say why
each refused file is refused.

Every file is deployed on its own, in two passes: a file whose call activity names a process of another file is
refused in the first pass if that file comes later, and deploys in the second. Each error message maps to one
reason of `REASONS` (first match wins); a message no reason matches is "unclassified", and the conformance test
requires there be none. Used by `test_camunda7_corpus.py` and by `coverage_camunda7.py` (docs/COVERAGE.md).
"""

from __future__ import annotations

import re
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lxml import etree

from bpmn_server.engine.delegates import expression_source
from tests.conftest import corpus_dir

CAMUNDA7 = corpus_dir() / "camunda7"
PRESENT = CAMUNDA7.is_dir()
UNCLASSIFIED = "unclassified"

# (reason, pattern on the message, whether the reason is "needs Java or Groovy", which Camunda 7 alone runs).
REASONS: list[tuple[str, re.Pattern[str], bool]] = [(r, re.compile(p), java) for r, p, java in [
    ("Java delegate on a task (`camunda:class`, `delegateExpression`, `expression`)", r"^\[java-delegate\]", True),
    ("Java execution or task listener", r"^\[java-listener\]", True),
    ("Camunda connector (a Java plugin)", r"^\[java-connector\]", True),
    ("Groovy script", r"script format 'groovy'", True),
    ("JavaScript script", r"script format '(javascript|js|ecmascript)'", False),
    ("script in another language (XSLT)", r"script format '", False),
    ("business rule task (DMN, not run yet)", r"business rule tasks", False),
    ("no executable process (Camunda 7 deploys none either)", r"is not executable", False),
    ("service task without implementation (Camunda 7 refuses it too)", r"service tasks are done by external", False),
    ("compensation (not supported)", r"compensation", False),
    ("data store (not supported)", r"Data Store with name|dataStoreRef", False),
    ("expression that is not Python nor translatable JUEL", r"does not compile", False),
    ("call activity without a called process key", r'No "calledElement" attribute|calledElement', False),
    ("called process in no file of the folder", r"which is neither in this file nor deployed", False),
    ("Camunda 7 extension refused (its reason in docs/COVERAGE.md)",
     r"^\[camunda:[A-Za-z]+( [A-Za-z]+)?\] is not supported", False),
    ("Camunda 7 extension value or place that does not run", r"^\[camunda:[A-Za-z]+\]", False),
    ("JUEL that calls Java beans or functions (refused at deploy; docs/EXPRESSIONS.md)",
     r"is not supported here|is not supported \(no JUEL|no Java beans", False),
    ("form field that cannot be rendered (camunda:formData)", r"field '[^']*' needs", False),
    ("invalid against the BPMN 2.0 schema", r"^\[xsd\]", False),
    ("breaks a BPMN 2.0 constraint (unconnected, unknown reference, ...)", r"^\[[a-z][a-z0-9-]*\]", False),
    ("not a BPMN 2.0 document", r"not a BPMN 2.0 document|root element is|not well-formed", False),
    ("data association SpiffWorkflow cannot resolve", r"Cannot resolve dataInputAssociation", False),
    ("subprocess without a start event", r"start event is required in a SubWorkflow", False),
]]


def reason_of(message: str) -> str:
    for reason, pattern, _ in REASONS:
        if pattern.search(message):
            return reason
    return UNCLASSIFIED


def needs_java_or_groovy(reason: str) -> bool:
    return any(r == reason and java for r, _, java in REASONS)


def files() -> list[str]:
    return sorted(str(p.relative_to(CAMUNDA7)) for p in CAMUNDA7.rglob("*.bpmn")) if PRESENT else []


BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
JAVA_ATTRS = [f"{{{ns}}}{a}" for ns in ("http://camunda.org/schema/1.0/bpmn", "http://activiti.org/bpmn")
              for a in ("class", "delegateExpression", "expression")]


def java_tasks(relative: str) -> set[str]:
    """The service and send tasks of a file that name Java code (read straight from the XML, no engine)."""
    root = etree.parse(str(CAMUNDA7 / relative)).getroot()
    return {el.get("id") for el in root.iter(f"{{{BPMN}}}serviceTask", f"{{{BPMN}}}sendTask")
            if any(el.get(a) and not (a.endswith("}expression") and expression_source(el.get(a)))
                   for a in JAVA_ATTRS) and not any(
                el.get(f"{{{ns}}}type") == "external" for ns in ("http://camunda.org/schema/1.0/bpmn",
                                                                "http://activiti.org/bpmn"))}


@dataclass
class Report:
    mode: str
    seconds: float = 0.0
    deployed: list[str] = field(default_factory=list)
    refused: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    def reasons(self, relative: str) -> set[str]:
        return {reason_of(e.get("message") or "") for e in self.refused.get(relative, [])}

    def by_reason(self) -> Counter[str]:
        return Counter(r for f in self.refused for r in self.reasons(f))

    def only_java_or_groovy(self) -> list[str]:
        return [f for f in self.refused if all(needs_java_or_groovy(r) for r in self.reasons(f))]

    def unclassified(self) -> list[str]:
        return [f for f in self.refused if UNCLASSIFIED in self.reasons(f)]


def deploy_folder(app: Any, mode: str, known: list[str] | None = None) -> Report:
    """Deploy every file through `services.deployments.deploy`, two passes, with Java delegates `mode`.

    `known`: files already deployed in this database by a run in the other mode; a file that deployed with Java
    delegates refused has none, so it deploys the same in either mode and is counted without a second deploy."""
    from bpmn_server import engine
    from bpmn_server.services.deployments import Upload, deploy

    engine.set_java_delegates(mode)
    report = Report(mode, deployed=list(known or []))
    started = time.perf_counter()
    try:
        pending = sorted(set(files()) - set(report.deployed))
        for _ in range(2):
            refused: dict[str, list[dict[str, Any]]] = {}
            for relative in pending:
                data = (CAMUNDA7 / relative).read_bytes()
                with app.app_context():
                    try:
                        deploy([Upload(Path(relative).name, data)], "corpus")
                    except (engine.BpmnInvalid, engine.BpmnMalformed) as exc:
                        refused[relative] = list(exc.errors or [{"message": str(exc)}])
                        continue
                report.deployed.append(relative)
            pending = sorted(refused)
            report.refused = refused
    finally:
        engine.set_java_delegates(app.config.get("JAVA_DELEGATES", "refuse"))
    report.seconds = time.perf_counter() - started
    return report
