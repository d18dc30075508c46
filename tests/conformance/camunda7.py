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

# Each reason is one of three kinds. JAVA: only a Java runtime could run it (Java classes, beans, plugins,
# Groovy, FreeMarker, Spin XML). WRITTEN: refused for a reason written here that is not this server's gap: Camunda 7
# refuses it too, the file is not a runnable BPMN 2.0 process, or it needs what one diagram cannot carry (a
# resource file, a CMMN case, a tenant). GAP: Camunda 7 runs it and this server does not yet; the conformance
# test bounds the files with a gap (GAP_FILES in test_camunda7_corpus.py) so the number only goes down.
JAVA, WRITTEN, GAP = "Java", "written", "gap"

# (reason, pattern on the message, kind); first match wins.
REASONS: list[tuple[str, re.Pattern[str], str]] = [(r, re.compile(p), kind) for r, p, kind in [
    ("Java delegate on a task (`camunda:class`, `delegateExpression`, `expression`)", r"^\[java-delegate\]", JAVA),
    ("Java execution or task listener", r"^\[java-listener\]", JAVA),
    ("Camunda connector (a Java plugin)", r"^\[java-connector\]", JAVA),
    ("Groovy script", r"(?i)script format 'groovy'", JAVA),
    ("FreeMarker template (Camunda's Java template engine plugin)", r"(?i)script format 'freemarker'", JAVA),
    ("JUEL calling a Java bean's method (`${bean.method()}`)", r"no Java beans", JAVA),
    ("JavaScript calling Java (`java.lang...`, Spin XML's `XML()`)", r"JavaScript cannot run here: it calls Java",
     JAVA),
    ("JavaScript calling a method of `task`/`execution` not offered here (`task.setOwner()`, ...)",
     r"JavaScript cannot run here: it calls", GAP),
    ("Camunda Spin XML (`XML()`: Spin's JSON API runs, its XML API does not)", r"function 'XML\(\)' is not supported",
     JAVA),
    ("script in a resource file not in the folder (`camunda:resource`: deploy it beside the diagram)",
     r"\[camunda:(script )?resource\] the script file", WRITTEN),
    ("expression in a resource file (`camunda:resource` on an expression: write it inline)",
     r"\[camunda:(script )?resource\]", WRITTEN),
    ("CMMN case (`camunda:caseRef`: another standard, not run here)", r"\[camunda:case[A-Za-z]*\]", WRITTEN),
    ("tenant of a called process (one server is one tenant)", r"tenants are not supported", WRITTEN),
    ("field injection (`camunda:field`: configures a Java class)", r"field injection configures Java", JAVA),
    ("service or business rule task without implementation (Camunda 7 refuses it too)",
     r"service tasks are done by external|needs camunda:decisionRef", WRITTEN),
    ("JavaScript that does not compile (or is in a resource file)", r"JavaScript does not compile", WRITTEN),
    ("XSLT script (from a resource file)", r"script format 'xslt'", WRITTEN),
    ("script in another language", r"script format '", GAP),
    ("compensation (not supported)", r"compensation", GAP),
    ("data store read or written by a task, with no store implementation", r"Data Store with name", WRITTEN),
    ("data store reference to a data store the file does not have", r"dataStoreRef", WRITTEN),
    ("expression that is neither Python, JUEL, FEEL nor JavaScript (`language=\"javascript\"`)", r"does not compile",
     GAP),
    ("call activity without a valid called process key (none, empty, or a bean call)",
     r'No "calledElement" attribute|calledElement', WRITTEN),
    ("called process in no file of the folder", r"which is neither in this file nor deployed", WRITTEN),
    ("Camunda 7 extension refused (its reason in docs/COVERAGE.md)",
     r"^\[camunda:[A-Za-z]+( [A-Za-z]+)?\] is not supported", WRITTEN),
    ("Camunda 7 extension value that does not run (an unknown attribute, a malformed value)",
     r"^\[camunda:[A-Za-z]+\]", WRITTEN),
    ("JUEL function other than now() and dateTime()", r"is not supported here|is not supported \(no JUEL", GAP),
    ("enum form field with no options (no camunda:value, no defaultValue expression giving them)",
     r"enum field '[^']*' needs values", GAP),
    ("enum field of a start form taking its options from a variable (there are none before the start)",
     r"enum field '[^']*' takes its values from", WRITTEN),
    ("invalid against the BPMN 2.0 schema", r"^\[xsd\]", WRITTEN),
    ("breaks a BPMN 2.0 constraint (unconnected, unknown reference, ...)", r"^\[[a-z][a-z0-9-]*\]", WRITTEN),
    ("not a BPMN 2.0 document", r"not a BPMN 2.0 document|root element is|not well-formed", WRITTEN),
    ("data association with a data store reference that names no data store", r"Cannot resolve dataInputAssociation",
     WRITTEN),
    ("subprocess without a start event (Camunda 7 refuses it too)", r"start event is required in a SubWorkflow",
     WRITTEN),
]]


def reason_of(message: str) -> str:
    for reason, pattern, _ in REASONS:
        if pattern.search(message):
            return reason
    return UNCLASSIFIED


def kind_of(reason: str) -> str:
    return next((kind for r, _, kind in REASONS if r == reason), GAP)


def needs_java_or_groovy(reason: str) -> bool:
    return kind_of(reason) == JAVA


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

    def with_gap(self) -> list[str]:
        """Files refused for at least one reason Camunda 7 runs and this server does not yet."""
        return sorted(f for f in self.refused if any(kind_of(r) == GAP for r in self.reasons(f)))

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
