"""Business rule tasks that call a deployed DMN decision: Camunda 7 `camunda:decisionRef` (binding latest or
version, resultVariable, mapDecisionResult), Camunda 8 `zeebe:calledDecision decisionId resultVariable`, and
spiff-arena's `spiffworkflow:calledDecisionId` (the latest version; its result merged into the variables as
SpiffWorkflow does: a single-hit table's outputs by name, a collect table's outputs as lists by name).

The engine does not read the database: the service layer installs the evaluator (`set_evaluator`), which binds
the latest deployed version (or the given one) when the task starts, evaluates with the task's variables and
records the audit event. A failure (missing decision, decision error, a result that does not fit the mapping)
raises DecisionTaskError: the step fails with an incident of type `decision`, repairable and retried like a
script."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.bpmn.serializer.default.task_spec import BpmnTaskSpecConverter
from SpiffWorkflow.bpmn.specs.defaults import ServiceTask
from SpiffWorkflow.camunda.parser.task_spec import CamundaTaskParser

from . import runtime

BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
CAMUNDA = "http://camunda.org/schema/1.0/bpmn"
ZEEBE = "http://camunda.org/schema/zeebe/1.0"
SPIFF = "http://spiffworkflow.org/bpmn/schema/1.0/core"
MAP_MODES = ("singleEntry", "singleResult", "collectEntries", "resultList")


class DecisionTaskError(Exception):
    """A business rule task could not produce its result."""


@dataclass(frozen=True)
class DecisionCall:
    activity: str
    decision: str
    version: int | None  # None: the latest deployed version, bound when the task starts


@dataclass
class DecisionOutcome:
    rows: list[dict[str, Any]]  # the result list: one output map per matched rule (JSON values)
    value: Any  # the decision's own value (JSON), what Camunda 8 puts in the result variable


Evaluator = Callable[[DecisionCall, dict[str, Any]], DecisionOutcome]
_EVALUATOR: list[Evaluator] = []


def set_evaluator(fn: Evaluator) -> None:
    _EVALUATOR[:] = [fn]


def job_type(el: Any) -> str | None:
    """Camunda 8: a business rule task with `zeebe:taskDefinition type` is a job for a worker (an external task
    of that topic), not a decision evaluated here; so is Camunda 7's `camunda:type="external" camunda:topic`
    (written so, or a Java delegate handed to workers: engine/delegates.py)."""
    if el.get(f"{{{CAMUNDA}}}type") == "external":
        return (el.get(f"{{{CAMUNDA}}}topic") or "").strip() or None
    ext = el.find(f".//{{{ZEEBE}}}taskDefinition")
    return ext.get("type") if ext is not None and ext.get("type") else None


def check(el: Any) -> str | None:
    """Why this business rule task cannot run here (None: it can)."""
    if job_type(el):
        return None
    if el.get(f"{{{CAMUNDA}}}type") == "external":
        return 'an external business rule task needs camunda:topic="..."'
    if any(el.get(f"{{{CAMUNDA}}}{a}") for a in ("class", "delegateExpression", "expression")):
        return None  # Java: engine/delegates.py refuses it naming the class (the deploy fails there)
    spiff = spiff_decision(el)
    if spiff is not None:
        return None if spiff else "spiffworkflow:calledDecisionId needs the id of a decision"
    ext = el.find(f".//{{{ZEEBE}}}calledDecision")
    if ext is not None:
        if not ext.get("decisionId") or not ext.get("resultVariable"):
            return "zeebe:calledDecision needs decisionId and resultVariable"
        if ext.get("decisionId", "").startswith("="):
            return "a FEEL expression as decisionId is not supported: name the decision"
        return None
    ref = el.get(f"{{{CAMUNDA}}}decisionRef")
    if not ref:
        return ("a business rule task needs camunda:decisionRef (or zeebe:calledDecision), an external worker "
                "(camunda:type=\"external\") or a Java delegate; it has none, which Camunda 7 refuses too")
    if "${" in ref or "#{" in ref:
        return "an expression as camunda:decisionRef is not supported: name the decision"
    binding = el.get(f"{{{CAMUNDA}}}decisionRefBinding", "latest")
    if binding not in ("latest", "version"):
        return f"camunda:decisionRefBinding '{binding}' is not supported (latest or version)"
    version = el.get(f"{{{CAMUNDA}}}decisionRefVersion")
    if binding == "version" and not (version or "").isdigit():
        return "camunda:decisionRefBinding 'version' needs a number in camunda:decisionRefVersion"
    mode = el.get(f"{{{CAMUNDA}}}mapDecisionResult", "resultList")
    if mode not in MAP_MODES:
        return f"camunda:mapDecisionResult '{mode}' is not one of {', '.join(MAP_MODES)}"
    return None


def spiff_decision(el: Any) -> str | None:
    """The decision id of spiff-arena's calledDecisionId ("" when empty), None without one."""
    found = el.find(f"{{{BPMN}}}extensionElements/{{{SPIFF}}}calledDecisionId")
    return None if found is None else (found.text or "").strip()


def merged(rows: list[dict[str, Any]], value: Any) -> dict[str, Any]:
    """SpiffWorkflow's decision result: the first matched rule's outputs, or for a multi-hit (collect) table each
    output's values of every matched rule as a list."""
    if isinstance(value, list):
        out: dict[str, list[Any]] = {}
        for row in rows:
            for key, item in row.items():
                out.setdefault(key, []).append(item)
        return out
    return dict(rows[0]) if rows else {}


def map_result(mode: str, rows: list[dict[str, Any]], decision: str) -> Any:
    """Camunda 7's decision result mappers, with their errors when the result does not fit."""
    if mode == "resultList":
        return rows
    if mode == "collectEntries":
        if any(len(r) > 1 for r in rows):
            raise DecisionTaskError(f"DMN-01010 Unable to collect entries of the result of decision '{decision}': "
                                    f"a result has more than one output ({sorted(rows[0]) if rows else []}); "
                                    "use mapDecisionResult resultList")
        return [next(iter(r.values()), None) for r in rows]
    if len(rows) > 1:
        raise DecisionTaskError(f"DMN-01007 Unable to get a single decision result of decision '{decision}' as it "
                                f"has {len(rows)} results; use mapDecisionResult collectEntries or resultList")
    if mode == "singleResult":
        return rows[0] if rows else None
    if rows and len(rows[0]) > 1:
        raise DecisionTaskError(f"DMN-01008 Unable to get a single decision result entry of decision '{decision}' "
                                f"as it has more than one output ({sorted(rows[0])}); use mapDecisionResult "
                                "singleResult")
    return next(iter(rows[0].values()), None) if rows else None


class DecisionTask(ServiceTask):
    def __init__(self, wf_spec: Any, bpmn_id: str, decision: str = "", version: int | None = None,
                 result_variable: str | None = None, map_mode: str | None = None, dialect: str = "camunda7",
                 **kwargs: Any):
        super().__init__(wf_spec, bpmn_id, **kwargs)
        self.decision = decision
        self.version = version
        self.result_variable = result_variable
        self.map_mode = map_mode or "resultList"
        self.dialect = dialect

    def _run_hook(self, my_task: Any) -> bool:
        try:
            if not _EVALUATOR:
                raise DecisionTaskError("no decision evaluator is installed")
            outcome = _EVALUATOR[0](DecisionCall(self.bpmn_id, self.decision, self.version), dict(my_task.data))
            if self.dialect == "zeebe":
                my_task.data[self.result_variable] = outcome.value
            elif self.dialect == "spiff":
                my_task.data.update(merged(outcome.rows, outcome.value))
            elif self.result_variable:
                my_task.data[self.result_variable] = map_result(self.map_mode, outcome.rows, self.decision)
        except DecisionTaskError as exc:
            # Wrapped with the task, so the step fails on this activity (runtime.step_failure: kind "decision").
            raise WorkflowTaskException(str(exc), task=my_task, exception=exc) from exc
        return True


class DecisionTaskParser(CamundaTaskParser):
    @staticmethod
    def get_decision_ref(node: Any) -> str:
        """SpiffWorkflow lists DMN dependencies with this; ours are resolved from the database at run time."""
        ext = node.find(f".//{{{ZEEBE}}}calledDecision")
        if ext is None and spiff_decision(node):
            return spiff_decision(node) or ""
        return (ext.get("decisionId") if ext is not None else node.get(f"{{{CAMUNDA}}}decisionRef")) or ""

    def create_task(self) -> Any:
        if job_type(self.node):
            from .specs import ExternalTask  # late: specs imports the parser classes' modules

            return ExternalTask(self.spec, self.bpmn_id, topic=job_type(self.node), **self.bpmn_attributes)
        problem = check(self.node)
        if problem:
            self.raise_validation_exception(problem)
        if spiff_decision(self.node):
            return DecisionTask(self.spec, self.bpmn_id, decision=spiff_decision(self.node), dialect="spiff",
                                **self.bpmn_attributes)
        ext = self.node.find(f".//{{{ZEEBE}}}calledDecision")
        if ext is not None:
            return DecisionTask(self.spec, self.bpmn_id, decision=ext.get("decisionId"),
                                result_variable=ext.get("resultVariable"), dialect="zeebe", **self.bpmn_attributes)
        a = self.node.get
        binding = a(f"{{{CAMUNDA}}}decisionRefBinding", "latest")
        version = int(a(f"{{{CAMUNDA}}}decisionRefVersion")) if binding == "version" else None
        return DecisionTask(self.spec, self.bpmn_id, decision=a(f"{{{CAMUNDA}}}decisionRef"), version=version,
                            result_variable=a(f"{{{CAMUNDA}}}resultVariable"),
                            map_mode=a(f"{{{CAMUNDA}}}mapDecisionResult"), **self.bpmn_attributes)


class DecisionTaskConverter(BpmnTaskSpecConverter):
    def to_dict(self, spec: DecisionTask) -> dict[str, Any]:
        dct = self.get_default_attributes(spec)
        dct.update(decision=spec.decision, version=spec.version, result_variable=spec.result_variable,
                   map_mode=spec.map_mode, dialect=spec.dialect)
        return dct


DecisionTaskConverter(DecisionTask, runtime.REGISTRY, "DecisionTask")
