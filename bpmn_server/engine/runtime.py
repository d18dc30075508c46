"""Run workflows: the sandboxed script engine, spec-less serialization and the step operations."""

from __future__ import annotations

import json
import logging
from copy import deepcopy
from typing import Any
from uuid import UUID

from SpiffWorkflow.bpmn import BpmnEvent
from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine
from SpiffWorkflow.bpmn.script_engine.python_environment import BasePythonScriptEngineEnvironment
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.serializer.default.workflow import BpmnWorkflowConverter
from SpiffWorkflow.bpmn.specs.event_definitions.item_aware_event import ErrorEventDefinition
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.camunda.serializer import DEFAULT_CONFIG
from SpiffWorkflow.exceptions import SpiffWorkflowException, WorkflowException
from SpiffWorkflow.util.task import TaskState

from . import (
    camunda_conditions,
    camunda_runtime,
    camunda_task,
    camunda_timers,
    compensation_run,
    conditions,
    data,
    event_subprocesses,
    feel_conditions,
    js_conditions,
    sandbox,
    timers,
)
from .errors import StepFailed
from .expressions import shown
from .juel_runtime import ExecutionInfo
from .sandbox_builtins import BpmnError

SERIALIZER_VERSION = "spiff-3.2.0/1.5"
# SpiffWorkflow logs every task state change at INFO: noise in our logs and time on the hot path. The
# level goes on each of its loggers, not only on "spiff": their log calls test `logger.level` itself
# and, while it is unset, collect every task's data and the whole task list for each line.
for _name in ("spiff", "spiff.task", "spiff.workflow", "spiff.data", "spiff.dmn"):
    logging.getLogger(_name).setLevel(logging.WARNING)


class SandboxEnvironment(BasePythonScriptEngineEnvironment):
    """Evaluates expressions and runs scripts in the RestrictedPython sandbox."""

    time_limit = sandbox.DEFAULT_TIME_LIMIT

    def evaluate(self, expression: str, context: dict[str, Any], external_context: dict | None = None,
                 execution: ExecutionInfo | None = None) -> Any:
        if feel_conditions.is_stored(expression):  # a FEEL condition (engine/feel_conditions.py)
            return feel_conditions.evaluate(expression, {**context, **(external_context or {})})
        if js_conditions.is_stored(expression):  # a JavaScript condition (engine/js_conditions.py)
            return js_conditions.evaluate(expression, {**context, **(external_context or {})}, self.time_limit)
        namespace = dict(context)
        namespace.update(external_context or {})
        # `${execution.setVariable(...)}` writes to the task's data, as in Camunda.
        return sandbox.run(expression, namespace, "eval", self.time_limit, execution, written=context)

    def execute(self, script: str, context: dict[str, Any], external_context: dict | None = None,
                execution: ExecutionInfo | None = None) -> bool:
        sandbox.run(script, context, "exec", self.time_limit, execution)
        return True

    def call_service(self, context: dict[str, Any], **kwargs: Any) -> Any:
        raise sandbox.SandboxViolation("service calls are made by external workers, not by scripts")


def bind(wf: BpmnWorkflow, instance_id: str | None, business_key: str | None) -> None:
    """Tell the workflow which instance it is, for `execution` in its expressions and scripts (not stored)."""
    wf.server_execution = (instance_id, business_key)


def execution_of(task: Any) -> ExecutionInfo:
    top = getattr(task.workflow, "top_workflow", task.workflow)
    instance_id, business_key = getattr(top, "server_execution", (None, None))
    return ExecutionInfo(instance_id, business_key, getattr(task.task_spec, "bpmn_id", None))


class ServerScriptEngine(PythonScriptEngine):
    """SpiffWorkflow's engine with `execution` in every expression and script, and messages that name an
    expression as it was written (the JUEL, not its Python)."""

    def evaluate(self, task: Any, expression: str, external_context: dict | None = None) -> Any:
        try:
            return self.environment.evaluate(expression, task.data, external_context, execution_of(task))
        except SpiffWorkflowException as exc:
            exc.add_note(f"Error evaluating expression {shown(expression)}")
            raise
        except Exception as exc:  # noqa: BLE001 - any failure of user code is the task's failure
            detail = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
            raise WorkflowTaskException(f"Error evaluating expression {shown(expression)}: {detail}", task=task,
                                        exception=exc) from None

    def execute(self, task: Any, script: str, external_context: dict | None = None) -> Any:
        try:
            return self.environment.execute(script, task.data, external_context or {}, execution_of(task))
        except BpmnError as err:
            if _throw_error(task, err):
                return None  # the task waits, STARTED, until the catching event ends it
            raise self.create_task_exec_exception(task, script, err) from None
        except Exception as err:  # noqa: BLE001 - as SpiffWorkflow's: the script's error, with its line
            raise self.create_task_exec_exception(task, script, err) from None


def _throw_error(task: Any, err: BpmnError) -> bool:
    """A script raised BpmnError: throw it from its task as an error end event would; False when nothing
    catches the code (the script fails then, an incident)."""
    definition = ErrorEventDefinition(err.code, err.code)
    definition.message = err.message  # for camunda:errorMessageVariable (engine/camunda_runtime.py)
    event = BpmnEvent(definition, payload=deepcopy(task.data), target=task.workflow)
    top = task.workflow.top_workflow
    if not any(t.task_spec.catches(t, event) for t in top.event_manager.tasks.values() if t.state == TaskState.WAITING):
        return False
    top.catch(event)
    return True


ENVIRONMENT = SandboxEnvironment()
SCRIPT_ENGINE = ServerScriptEngine(environment=ENVIRONMENT)


class SpeclessWorkflowConverter(BpmnWorkflowConverter):
    """Stores a workflow without its spec: specs live once per definition, not per instance."""

    def to_dict(self, workflow: BpmnWorkflow) -> dict[str, Any]:
        dct = super(BpmnWorkflowConverter, self).to_dict(workflow)
        dct["subprocesses"] = self.mapping_to_dict(workflow.subprocesses)
        dct["bpmn_events"] = self.registry.convert(workflow.bpmn_events)
        return dct

    def from_dict(self, dct: dict[str, Any], spec: Any = None, subprocess_specs: Any = None) -> BpmnWorkflow:
        workflow = self.target_class(spec, subprocess_specs, deserializing=True)
        workflow.tasks = self.mapping_from_dict(dct["tasks"], UUID, workflow=workflow)
        workflow.task_tree = workflow.tasks.get(UUID(dct["root"]))
        self.set_default_attributes(workflow, dct)
        self.subprocesses_from_dict(dct["subprocesses"], workflow)
        workflow.bpmn_events = self.registry.restore(dct.pop("bpmn_events", []))
        return workflow


REGISTRY = BpmnWorkflowSerializer.configure(DEFAULT_CONFIG)
timers.hold(REGISTRY)  # timers fire from the server's timers table only, never by SpiffWorkflow's clock
SpeclessWorkflowConverter(BpmnWorkflow, REGISTRY)
SERIALIZER = BpmnWorkflowSerializer(REGISTRY)


def serialize_spec(spec: Any) -> dict[str, Any]:
    return SERIALIZER.to_dict(spec)


def restore_spec(dct: dict[str, Any]) -> Any:
    return SERIALIZER.from_dict(dct)


class Bundle:
    """A definition's parsed spec and subprocess specs, restored once per process and shared."""

    def __init__(self, stored: dict[str, Any]):
        self.spec = restore_spec(stored["spec"])
        self.subprocess_specs = {k: restore_spec(v) for k, v in stored["subprocess_specs"].items()}
        for spec in (self.spec, *self.subprocess_specs.values()):
            camunda_runtime.attach(spec, ENVIRONMENT)  # Camunda 7 mappings and listeners
            for task_spec in spec.task_specs.values():
                camunda_conditions.attach(task_spec)  # camunda:variableName on conditional events


def new_workflow(bundle: Bundle, variables: dict[str, Any], initiator: str | None = None) -> BpmnWorkflow:
    variables = {**variables, **camunda_runtime.initiator_variables(bundle.spec, initiator)}
    wf = BpmnWorkflow(bundle.spec, bundle.subprocess_specs, script_engine=SCRIPT_ENGINE)
    event_subprocesses.arm_nested(wf)
    wf.task_tree.data.update(variables)
    for task in wf.get_tasks(state=TaskState.READY):
        task.data.update(variables)
    return wf


def dump(wf: BpmnWorkflow) -> str:
    """The instance state as JSON, without the spec."""
    REGISTRY._encoder_mode = True
    try:
        dct = SERIALIZER.to_dict(wf)
    finally:
        REGISTRY._encoder_mode = False
    return json.dumps(dct, cls=SERIALIZER._encoder_cls, separators=(",", ":"))


def load(bundle: Bundle, state: str) -> BpmnWorkflow:
    dct = json.loads(state)
    wf = SERIALIZER.from_dict(dct, spec=bundle.spec, subprocess_specs=bundle.subprocess_specs)
    wf.script_engine = SCRIPT_ENGINE
    event_subprocesses.arm_nested(wf)
    return wf


def _sandbox_cause(exc: BaseException) -> BaseException | None:
    """The sandbox's own error (a violation or the time limit) anywhere in the chain of causes."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        if isinstance(current, (sandbox.SandboxViolation, sandbox.ScriptTimeout)):
            return current
        seen.add(id(current))
        current = getattr(current, "exception", None) or current.__cause__ or current.__context__
    return None


def _decision_cause(exc: BaseException) -> BaseException | None:
    """A business rule task's own error (engine/decision_task.py) anywhere in the chain of causes."""
    from .decision_task import DecisionTaskError

    current: BaseException | None = exc
    for _ in range(10):
        if current is None or isinstance(current, DecisionTaskError):
            return current
        current = getattr(current, "exception", None) or current.__cause__ or current.__context__
    return None


def step_failure(exc: Exception) -> StepFailed:
    task = getattr(exc, "task", None)
    # WorkflowTaskException carries the task; a plain WorkflowException (e.g. "no conditions
    # satisfied" at a gateway) only its spec.
    spec = task.task_spec if task is not None else getattr(exc, "task_spec", None)
    activity = getattr(spec, "bpmn_id", None)
    inner = _sandbox_cause(exc)
    decision = _decision_cause(exc)
    if decision is not None:
        return StepFailed(activity, "decision", str(decision))
    if isinstance(inner, sandbox.SandboxViolation):
        kind = "sandbox"
    elif isinstance(inner, sandbox.ScriptTimeout):
        kind = "timeout"
    elif spec is not None and "Gateway" in type(spec).__name__:
        kind = "gateway"
    else:
        kind = "script"
    message = str(exc).split("\n")[0].strip().replace("..", ".")
    if inner is not None and not message.startswith(type(inner).__name__):
        # Another error raised while the sandbox's was being handled: the sandbox's is the cause.
        message = f"{type(inner).__name__}: {inner}"
    line = getattr(exc, "line_number", None)
    if line:
        message = f"{message} (line {line})"
    return StepFailed(activity, kind, message)


def run_engine(wf: BpmnWorkflow) -> None:
    """Run until every token waits. A failure raises StepFailed; the caller keeps the old state."""
    try:
        wf.refresh_timers()
        wf.do_engine_steps()
        while compensation_run.advance(wf):  # the next compensation handler, or the throw that waited for them
            wf.do_engine_steps()
        event_subprocesses.merge_finished(wf)
        conditions.run_until_stable(wf)
        camunda_conditions.run_until_quiet(wf, ENVIRONMENT)
    except (SpiffWorkflowException, WorkflowException) as exc:
        raise step_failure(exc) from None
    except (sandbox.SandboxViolation, sandbox.ScriptTimeout) as exc:
        raise StepFailed(None, "sandbox", str(exc)) from None
    except Exception as exc:  # noqa: BLE001 - odd data tripping the engine fails the instance, not the request
        raise StepFailed(None, "engine", f"{type(exc).__name__}: {exc}") from None


def find_task(wf: BpmnWorkflow, task_id: str) -> Any:
    try:
        return wf.get_task_from_id(UUID(task_id))
    except (ValueError, KeyError, WorkflowException):
        return None


def complete_task(wf: BpmnWorkflow, task_id: str, data: dict[str, Any], known: dict[str, Any] | None = None) -> bool:
    """Complete a READY manual task with `data`; False if it is not one. `known`: the task row's values, what a
    JavaScript complete listener's `task` shows (engine/camunda_task.py)."""
    task = find_task(wf, task_id)
    if task is None or task.state != TaskState.READY or not task.task_spec.manual:
        return False
    task.data.update(data)
    if known:
        task.internal_data[camunda_task.KNOWN] = dict(known)
    try:
        task.run()
    except (SpiffWorkflowException, WorkflowException) as exc:
        raise step_failure(exc) from None
    finally:
        task.internal_data.pop(camunda_task.KNOWN, None)
    return True


def fire_timer(wf: BpmnWorkflow, task_id: str) -> bool:
    """Fire one waiting timer now (one occurrence of a cycle, or the retry of a failed script task);
    False if it waits for no timer."""
    task = find_task(wf, task_id)
    return timers.fire(task) or camunda_timers.fire_retry(task) or camunda_timers.fire_timeout(task)


def cancel(wf: BpmnWorkflow) -> None:
    data.cancel(wf)
