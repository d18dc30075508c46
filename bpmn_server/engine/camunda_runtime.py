"""Camunda 7 extensions at run time: input/output mappings with local scope, execution and task
listeners, camunda:in / camunda:out on call activities, camunda:in on signal throw events, error code variables.

`attach(spec)` wraps the hooks of each task spec that carries settings (engine/camunda_config.py) when
a definition's spec is restored (engine/runtime.Bundle). The order is Camunda 7's:

    entering:  take listeners of the flow taken -> input mapping -> start listeners
               -> (user task) assignment listeners (when an assignee is set) -> create listeners
    behaviour: the script runs, the user works the task, the callee runs (camunda:in before, camunda:out after)
    leaving:   (user task) complete listeners -> output mapping -> end listeners
    cancelled: (user task) delete listeners

Input parameters are local variables: visible inside the activity, removed when it ends (a shadowed
variable of the enclosing scope gets its value back). With output parameters, they are what reaches
the enclosing scope; variables a script or listener creates are not local and reach it as in Camunda.
"""

from __future__ import annotations

from copy import deepcopy
from typing import Any

from SpiffWorkflow.bpmn import BpmnEvent
from SpiffWorkflow.bpmn.specs.mixins.subworkflow_task import SubWorkflowTask

from . import camunda_task, camunda_timers
from .camunda_config import KEY
from .camunda_runner import Runner

STATE = "c7ext"  # our entry in a task's internal_data
_MISSING = "c7ext:missing"


def _source_of(my_task: Any) -> str | None:
    """The BPMN element the token came from (skipping SpiffWorkflow's internal tasks and our implicit gateways)."""
    task = my_task.parent
    while task is not None:
        bpmn_id = getattr(task.task_spec, "bpmn_id", None)
        if bpmn_id and "_implicit_" not in bpmn_id:
            return bpmn_id
        task = task.parent
    return None


class _Hooks:
    def __init__(self, spec: Any, settings: dict[str, Any], runner: Runner):
        self.spec, self.s, self.run = spec, settings, runner
        self.is_user_task = type(spec).__name__ == "UserTask"

    # -- entering ----------------------------------------------------------------------------------------
    def start(self, my_task: Any) -> None:
        state = my_task.internal_data.get(STATE)
        if state is not None:
            return
        data, s = my_task.data, self.s
        takes = s.get("take", {}).get(_source_of(my_task) or "", [])
        self.run.listeners(my_task, takes, data, "take listener")
        shadow: dict[str, Any] = {}
        before = deepcopy(data) if s.get("isolate") else None  # Zeebe: only the outputs leave the activity
        for name, definition in s.get("inputs", []):
            value = self.run.value(my_task, definition, data, f"input parameter '{name}'")
            if name not in shadow:
                shadow[name] = deepcopy(data[name]) if name in data else _MISSING
            data[name] = value
        my_task.internal_data[STATE] = {"shadow": shadow} if before is None else {"shadow": shadow,
                                                                                   "before": before}
        self.run.listeners(my_task, s.get("listeners", {}).get("start", []), data, "start listener")
        if self.is_user_task:
            tl = s.get("task_listeners", {})
            if s.get("assigned"):
                self.run.listeners(my_task, tl.get("assignment", []), data, "assignment task listener", s)
            self.run.listeners(my_task, tl.get("create", []), data, "create task listener", s)
            if (my_task.internal_data.get(camunda_task.CHANGES) or {}).get("assignee"):
                # A create listener assigned the task (task.setAssignee): Camunda fires assignment after create.
                self.run.listeners(my_task, tl.get("assignment", []), data, "assignment task listener", s)
            camunda_timers.schedule_timeouts(self.run, my_task, tl.get("timeout", []))

    def update_hook(self, original: Any) -> Any:
        def hook(my_task: Any) -> Any:
            result = original(my_task)
            self.start(my_task)
            return result
        return hook

    def run_after_start(self, original: Any) -> Any:
        """SpiffWorkflow's Start task is run, never updated: the process's start listeners run there."""
        def hook(my_task: Any) -> Any:
            self.start(my_task)
            return original(my_task)
        return hook

    def copy_data(self, original: Any) -> Any:
        """Call activities: start before the callee gets its variables; camunda:in says which."""
        def hook(my_task: Any, subworkflow: Any) -> None:
            self.start(my_task)
            if "in" not in self.s:
                return original(my_task, subworkflow)
            start = subworkflow.get_next_task(subworkflow.task_tree, skip_subprocesses=True, spec_name="Start")
            start.set_data(**self._bound(my_task, self.s["in"], my_task.data, "camunda:in"))
        return hook

    def update_data(self, original: Any) -> Any:
        def hook(my_task: Any, subworkflow: Any) -> None:
            if "out" not in self.s:
                return original(my_task, subworkflow)
            state = my_task.internal_data.setdefault(STATE, {"shadow": {}})
            for binding in self.s["out"]:
                found = self._bound(my_task, [binding], subworkflow.last_task.data, "camunda:out")
                if binding.get("local"):  # local variables of the call activity: its output mapping may pass them
                    for name in found:
                        if name not in state["shadow"]:
                            state["shadow"][name] = deepcopy(my_task.data[name]) if name in my_task.data \
                                else _MISSING
                my_task.data.update(found)
        return hook

    def _bound(self, my_task: Any, bindings: list[dict[str, Any]], data: dict[str, Any], what: str) -> dict[str, Any]:
        shadow = (my_task.internal_data.get(STATE) or {}).get("shadow", {})
        out: dict[str, Any] = {}
        for b in bindings:
            visible = {k: v for k, v in data.items() if k in shadow} if b.get("local") and what == "camunda:in" \
                else data
            if b.get("all"):
                out.update(deepcopy(visible))
            elif "business_key" in b:
                out["business_key"] = self.run.value(my_task, {"t": "expr", "src": b["business_key"]}, data,
                                                     f"{what} businessKey")
            elif "expr" in b:
                out[b["target"]] = self.run.value(my_task, {"t": "expr", "src": b["expr"]}, data,
                                                  f"{what} sourceExpression")
            elif b["source"] in visible:
                out[b["target"]] = deepcopy(visible[b["source"]])
        return out

    # -- leaving -----------------------------------------------------------------------------------------
    def end(self, my_task: Any) -> None:
        data, s = my_task.data, self.s
        caught = my_task.internal_data.pop("c7ext_error", None)
        if caught and s.get("error_vars"):
            code_var, message_var = s["error_vars"]
            if code_var:
                data[code_var] = caught[0]
            if message_var:
                data[message_var] = caught[1]
        if self.is_user_task:
            self.run.listeners(my_task, s.get("task_listeners", {}).get("complete", []), data,
                               "complete task listener", s)
            camunda_task.take_changes(my_task)  # the task is done: nothing of it changes any more
        outputs = [(name, self.run.value(my_task, definition, data, f"output parameter '{name}'"))
                   for name, definition in s.get("outputs", [])]
        state = my_task.internal_data.pop(STATE, None) or {}
        local: dict[str, Any] = {}
        for name, before in state.get("shadow", {}).items():
            local[name] = data.pop(name, None)
            if before != _MISSING:
                data[name] = before
        if "before" in state:
            local.update({k: v for k, v in data.items() if k not in local})
            data.clear()
            data.update(state["before"])
        for name, value in outputs:
            data[name] = value
        ends = s.get("listeners", {}).get("end", [])
        if ends:
            scope = {**data, **local}
            self.run.listeners(my_task, ends, scope, "end listener")
            for key in [k for k in data if k not in scope]:
                del data[key]
            data.update({k: v for k, v in scope.items() if k not in local})

    def complete_hook(self, original: Any) -> Any:
        def hook(my_task: Any) -> Any:
            self.end(my_task)
            return original(my_task)
        return hook

    def cancel(self, original: Any) -> Any:
        """A started activity that is cancelled (an interrupting event, a terminate end, the instance cancelled):
        a user task's delete listeners, then its end listeners, as in Camunda; no output mapping."""
        def hook(my_task: Any) -> Any:
            state = my_task.internal_data.pop(STATE, None)
            if state is not None:
                scope = {**my_task.data}
                if self.is_user_task:
                    self.run.listeners(my_task, self.s.get("task_listeners", {}).get("delete", []), scope,
                                       "delete task listener", self.s)
                    camunda_task.take_changes(my_task)
                self.run.listeners(my_task, self.s.get("listeners", {}).get("end", []), scope, "end listener")
                # What they set reaches the process (the activity itself is gone); its local variables do not.
                top = my_task.workflow.top_workflow
                top.data.update({k: v for k, v in scope.items() if k not in state.get("shadow", {})
                                 and (k not in my_task.data or my_task.data[k] != v)})
            return original(my_task)
        return hook


PASSED = "c7ext_passed"  # on a thrown BpmnEvent: its payload is the variables its camunda:in chose


def _throw_with_variables(spec: Any, hooks: _Hooks) -> Any:
    """A signal throw or end event with camunda:in: the signal carries the variables they choose (Camunda 7's
    "Passing Variables" of signal events), not the thrower's whole data. The catchers of this instance merge them
    as any signal payload; engine/events.thrown hands them on to the other instances' catchers."""
    definition = spec.event_definition

    def throw(my_task: Any) -> None:
        variables = hooks._bound(my_task, hooks.s["signal_in"], my_task.data, "camunda:in")
        event = BpmnEvent(definition, payload=variables)
        setattr(event, PASSED, True)
        my_task.workflow.top_workflow.catch(event)
    return throw


def _catch_with_code(definition: Any, messages: dict[str, str]) -> Any:
    original = definition.catch

    def catch(my_task: Any, event: Any = None) -> None:
        original(my_task, event)
        thrown = getattr(event, "event_definition", None)
        code = getattr(thrown, "code", None)
        my_task.internal_data["c7ext_error"] = [code, getattr(thrown, "message", None) or messages.get(code or "")]
    return catch


def attach(process_spec: Any, environment: Any) -> None:
    """Wrap the hooks of every task spec of `process_spec` that has Camunda 7 settings."""
    runner = Runner(environment)
    for spec in process_spec.task_specs.values():
        extensions = getattr(spec, "extensions", None)
        settings = extensions.get(KEY) if isinstance(extensions, dict) else None
        if not settings:
            continue
        hooks = _Hooks(spec, settings, runner)
        spec.c7ext_hooks = hooks
        if isinstance(spec, SubWorkflowTask):
            spec.copy_data = hooks.copy_data(spec.copy_data)
            spec.update_data = hooks.update_data(spec.update_data)
        if spec.name == "Start" and getattr(spec, "bpmn_id", None) is None:
            spec._run_hook = hooks.run_after_start(spec._run_hook)  # the process's start listeners
        else:
            spec._update_hook = hooks.update_hook(spec._update_hook)
        if settings.get("retry"):
            spec._run_hook = camunda_timers.retry_hook(spec._run_hook, settings["retry"])
        spec._on_complete_hook = hooks.complete_hook(spec._on_complete_hook)
        if hooks.is_user_task and settings.get("task_listeners", {}).get("timeout"):
            spec.c7ext_fire_timeout = lambda task, hooks=hooks: camunda_timers.fire_next_timeout(hooks.run, hooks.s,
                                                                                              task)
        if settings.get("task_listeners", {}).get("delete") or settings.get("listeners", {}).get("end"):
            spec._on_cancel = hooks.cancel(spec._on_cancel)
        definition = getattr(spec, "event_definition", None)
        if settings.get("signal_in") and definition is not None:
            definition.throw = _throw_with_variables(spec, hooks)
        if settings.get("error_vars") and definition is not None:
            definition.catch = _catch_with_code(definition, settings.get("error_messages", {}))


def set_local(task: Any, variables: dict[str, Any]) -> None:
    """Local variables of an activity (an external task's `localVariables` on completion): visible to its output
    mapping and end listeners, then gone, as input parameters are. Without Camunda 7 settings nothing reads them
    before the activity ends: they are dropped, as Camunda drops them."""
    hooks = getattr(task.task_spec, "c7ext_hooks", None)
    if hooks is None or not variables:
        return
    shadow = task.internal_data.setdefault(STATE, {"shadow": {}}).setdefault("shadow", {})
    for name, value in variables.items():
        if name not in shadow:
            shadow[name] = deepcopy(task.data[name]) if name in task.data else _MISSING
        task.data[name] = deepcopy(value)


def assigned(task: Any, known: dict[str, Any] | None = None) -> bool:
    """An open user task got an assignee (claimed or assigned): its assignment listeners run. `known`: the task
    row's values (assignee, priority, due, follow_up, groups, users, name), what `task` shows to JavaScript."""
    hooks = getattr(task.task_spec, "c7ext_hooks", None) if task is not None else None
    if hooks is None:
        return False
    found = hooks.s.get("task_listeners", {}).get("assignment", [])
    task.internal_data[camunda_task.KNOWN] = dict(known or {})
    try:
        hooks.run.listeners(task, found, task.data, "assignment task listener", hooks.s)
    finally:
        task.internal_data.pop(camunda_task.KNOWN, None)
    return bool(found)


def initiator_variables(process_spec: Any, user: str | None) -> dict[str, Any]:
    """camunda:initiator of the start events: {variable: the starting user's name}."""
    found = {}
    for spec in process_spec.task_specs.values():
        extensions = getattr(spec, "extensions", None)
        settings = extensions.get(KEY) if isinstance(extensions, dict) else None
        if settings and settings.get("initiator"):
            found[settings["initiator"]] = user
    return found
