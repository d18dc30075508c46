"""Compensation: undoing completed activities through their compensation handlers (SpiffWorkflow has none).

Deploy: `prepare` (on the copy SpiffWorkflow parses) removes each compensation boundary event and its
association, and marks the activity it is attached to with the id of its handler (`isForCompensation`);
an intermediate throw or end event with a compensateEventDefinition keeps only marks of ours, so that the
parsers below build a `CompensationThrow` / `CompensationEnd`. A cancel end event of a transaction whose
activities have handlers becomes a `CompensationEnd` too: it compensates the transaction, then cancels it.
The throw event's spec holds a copy of every handler its scope can reach (its own activities' and, for
subprocesses without a handler of their own, their children's), parsed into its own workflow spec.

Run: the throw collects the completed activities of its scope (or `activityRef`) that have a handler and
were not compensated yet, most recently completed first, and runs their handlers one after the other as
children of the throw task, each on a copy of the variables as they were when its activity completed. The
throw stays STARTED until the last handler completes (`waitForCompletion`, the default); `advance`, called
by the engine loop, starts the next handler and finally completes the throw. What a handler changed is
merged into the variables that flow on. Everything lives in the task tree and its internal data, so an
instance saved mid-compensation resumes after a restart.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from lxml import etree
from SpiffWorkflow.bpmn.parser.event_parsers import CANCEL_EVENT_XPATH
from SpiffWorkflow.bpmn.serializer.default.task_spec import EventConverter
from SpiffWorkflow.bpmn.specs.defaults import EndEvent
from SpiffWorkflow.bpmn.specs.mixins.multiinstance_task import LoopTask
from SpiffWorkflow.bpmn.specs.mixins.subworkflow_task import SubWorkflowTask
from SpiffWorkflow.util.task import TaskState

from . import runtime
from .compensation_run import DONE, HANDLER_OF, STATE, start_next
from .specs import EndEventParser, ServerThrowEvent, ThrowEventParser

BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
OURS = "urn:bpmn-server:compensation"
HANDLER = f"{{{OURS}}}handler"  # on a compensable activity: its handler's id
THROW = f"{{{OURS}}}throw"  # on a throw/end event: "all" or the activityRef
WAIT = f"{{{OURS}}}wait"
SCOPE = f"{{{OURS}}}scope"  # on a throw inside a compensation event subprocess: the subprocess it undoes
_SCOPES = {"process", "subProcess", "transaction"}


def _local(el: Any) -> str:
    return etree.QName(el.tag).localname if isinstance(el.tag, str) else ""


def prepare(tree: etree._Element) -> list[dict[str, Any]]:
    """Turn compensation boundary events and throw events into the marks the parsers read; returns the
    problems of the compensations that cannot run here (`called_problems`)."""
    handlers = _event_subprocess_handlers(tree)
    by_id = {el.get("id"): el for el in tree.iter() if isinstance(el.tag, str) and el.get("id")}
    for event in list(tree.iter(f"{{{BPMN}}}boundaryEvent")):
        if event.find(f"{{{BPMN}}}compensateEventDefinition") is None:
            continue
        scope = event.getparent()
        for assoc in scope.findall(f"{{{BPMN}}}association"):
            if assoc.get("sourceRef") == event.get("id"):
                activity, handler = by_id.get(event.get("attachedToRef")), by_id.get(assoc.get("targetRef"))
                if activity is not None and handler is not None:
                    activity.set(HANDLER, handler.get("id"))
                scope.remove(assoc)
        scope.remove(event)
    for kind in ("intermediateThrowEvent", "endEvent"):
        for event in tree.iter(f"{{{BPMN}}}{kind}"):
            definition = event.find(f"{{{BPMN}}}compensateEventDefinition")
            if definition is None:
                continue
            event.set(THROW, definition.get("activityRef") or "")
            event.set(WAIT, "false" if definition.get("waitForCompletion") == "false" else "true")
            event.remove(definition)
    for handler, scope in handlers:
        for event in handler.iter():
            if event.get(THROW) is not None and _enclosing_scope(event) is handler:
                event.set(SCOPE, scope)
    local = {p.get("id"): p for p in tree.findall(f"{{{BPMN}}}process")}
    return [problem for caller in local.values()
            for key in sorted({c.get("calledElement") for c in caller.iter(f"{{{BPMN}}}callActivity")} & set(local))
            if key != caller.get("id") for problem in called_problems(caller, local[key], key)]


def _event_subprocess_handlers(tree: etree._Element) -> list[tuple[etree._Element, str]]:
    """A compensation event subprocess of a subprocess is that subprocess's handler: it becomes a plain
    subprocess beside it (a handler like the others), whose compensation throws undo the subprocess's
    children. One at the top level of a process stays refused (parser.UNSUPPORTED)."""
    found = []
    for handler in list(tree.iter(f"{{{BPMN}}}subProcess", f"{{{BPMN}}}transaction")):
        owner = handler.getparent()
        if handler.get("triggeredByEvent") != "true" or owner is None or _local(owner) not in _SCOPES - {"process"}:
            continue
        start = next((s for s in handler.findall(f"{{{BPMN}}}startEvent")
                      if s.find(f"{{{BPMN}}}compensateEventDefinition") is not None), None)
        if start is None:
            continue
        start.remove(start.find(f"{{{BPMN}}}compensateEventDefinition"))
        del handler.attrib["triggeredByEvent"]
        owner.set(HANDLER, handler.get("id"))
        owner.getparent().append(handler)
        found.append((handler, owner.get("id")))
    return found


def called_problems(caller: etree._Element, called: etree._Element, key: str) -> list[dict[str, Any]]:
    """A compensation in `caller` that reaches a call activity of `key` without a handler of its own undoes the
    called process's completed activities through their own handlers (`_scope_handlers`), which run in the
    caller's throw: refused at deploy when the ids of those activities or handlers are ids of the caller too
    (the throw could not tell them apart)."""
    if not any(el.get(THROW) is not None for el in caller.iter()):
        return []
    reached = _scope_handlers(called)
    clash = sorted(({a for a in reached} | {h.get("id") for h in reached.values()})
                   & {el.get("id") for el in caller.iter() if isinstance(el.tag, str) and el.get("id")})
    if not clash:
        return []
    return [{"line": el.sourceline, "element": el.get("id"),
             "message": f"compensation of call activity '{el.get('id')}' undoes activities of '{key}' through their "
                        f"handlers, but {', '.join(repr(c) for c in clash)} is also an id of the calling process: "
                        "rename it in one of them, or give the call activity a compensation handler"}
            for el in caller.iter(f"{{{BPMN}}}callActivity") if el.get("calledElement") == key and not el.get(HANDLER)]


def _scope_handlers(scope: etree._Element, called: Any = None, seen: tuple[str, ...] = ()) -> dict[str, etree._Element]:
    """{activity id: handler element} of a scope and of its subprocesses (not event subprocesses), and of the
    processes its call activities without a handler call (`called(key)`: that process's element or None)."""
    found: dict[str, etree._Element] = {}
    for child in scope:
        if not isinstance(child.tag, str) or child.get("triggeredByEvent") == "true":
            continue
        if child.get(HANDLER):
            handler = next((h for h in scope.iter() if h.get("id") == child.get(HANDLER)), None)
            if handler is not None:
                found[child.get("id")] = handler
        elif _local(child) == "callActivity" and called is not None and child.get("calledElement") not in seen:
            process = called(child.get("calledElement"))
            if process is not None:  # default compensation of a call activity: the called process's own handlers
                found.update(_scope_handlers(process, called, (*seen, child.get("calledElement"))))
        if _local(child) in _SCOPES:
            found.update(_scope_handlers(child, called, seen))
    return found


def _enclosing_scope(node: etree._Element) -> etree._Element:
    scope = node.getparent()
    while scope is not None and _local(scope) not in _SCOPES:
        scope = scope.getparent()
    return scope


class _Compensating:
    """Mixin of the throw specs: plan, run the handlers one by one, then do what the event does."""

    def _setup(self, compensates: dict[str, str] | None, activity_ref: str | None, wait: bool,
               scope: str | None = None) -> None:
        self.compensates = compensates or {}  # compensable activity id -> handler spec name
        self.activity_ref = activity_ref or None
        self.wait = wait
        self.scope = scope  # set: undo the children of the subprocess this handler subprocess compensates

    def _run_hook(self, my_task: Any) -> Any:
        tasks = _completed(my_task, self)
        plan = [[str(t.id), self.compensates[t.task_spec.bpmn_id]] for t in tasks]
        for task in tasks:
            task.internal_data[DONE] = True
        my_task.internal_data[STATE] = {"pending": plan, "current": None}
        if not self.wait:
            while my_task.internal_data[STATE]["pending"]:
                start_next(my_task)
            my_task.internal_data[STATE]["current"] = None
            return self._after(my_task)
        return self.step(my_task)

    def step(self, my_task: Any) -> Any:
        """Start the next handler, or finish when none is left: None (wait) or what the event returns."""
        state = my_task.internal_data[STATE]
        if state["pending"]:
            start_next(my_task)
            return None
        return self._after(my_task)

    def _after(self, my_task: Any) -> Any:
        return super()._run_hook(my_task)  # type: ignore[misc]


class CompensationThrow(_Compensating, ServerThrowEvent):
    def __init__(self, wf_spec: Any, bpmn_id: str, event_definition: Any, compensates: dict[str, str] | None = None,
                 activity_ref: str | None = None, wait: bool = True, scope: str | None = None, **kwargs: Any):
        super().__init__(wf_spec, bpmn_id, event_definition, **kwargs)
        self._setup(compensates, activity_ref, wait, scope)


class CompensationEnd(_Compensating, EndEvent):
    def __init__(self, wf_spec: Any, bpmn_id: str, event_definition: Any, compensates: dict[str, str] | None = None,
                 activity_ref: str | None = None, wait: bool = True, scope: str | None = None, **kwargs: Any):
        super().__init__(wf_spec, bpmn_id, event_definition, **kwargs)
        self._setup(compensates, activity_ref, wait, scope)


def _completed(my_task: Any, spec: _Compensating) -> list[Any]:
    """The completed, not yet compensated activities of the throw's scope that have a handler, last first."""
    found: list[Any] = []
    top = my_task.workflow.top_workflow

    def visit(workflow: Any, wanted: str | None) -> None:
        for task in workflow.tasks.values():
            if task.state != TaskState.COMPLETED or task.internal_data.get(DONE):
                continue
            bpmn_id = task.task_spec.bpmn_id
            if wanted is not None and bpmn_id != wanted:
                continue
            if isinstance(task.task_spec, LoopTask):
                continue  # a loop or multi-instance activity: each of its instances is compensated instead
            if bpmn_id in spec.compensates:
                found.append(task)
            elif isinstance(task.task_spec, SubWorkflowTask) and task.id in top.subprocesses:
                visit(top.subprocesses[task.id], None)  # a subprocess without a handler: its children

    workflow = _compensated_scope(my_task) if spec.scope else my_task.workflow
    if workflow is not None:
        visit(workflow, spec.activity_ref)
    return sorted(found, key=lambda t: t.last_state_change, reverse=True)


def _compensated_scope(my_task: Any) -> Any:
    """The (completed) workflow of the subprocess that the handler subprocess running this throw undoes."""
    top = my_task.workflow.top_workflow
    handler = top.get_task_from_id(my_task.workflow.parent_task_id) if my_task.workflow.parent_task_id else None
    info = handler.internal_data.get(HANDLER_OF) if handler is not None else None
    return top.subprocesses.get(UUID(info["task"])) if info else None


def _handlers_for(parser: Any) -> dict[str, str]:
    """Parse the handlers the throw event's scope reaches into its workflow spec; {activity: handler}."""
    scope = _enclosing_scope(parser.node)
    if parser.node.get(SCOPE):
        scope = next(el for el in parser.node.getroottree().iter() if el.get("id") == parser.node.get(SCOPE))
    parsers = parser.process_parser.parser.process_parsers

    def called(key: str) -> Any:
        return parsers[key].node if key in parsers else None

    found = {}
    for activity, handler in _scope_handlers(scope, called).items():
        parser.process_parser.parse_node(handler)
        found[activity] = handler.get("id")
    return found


def _connect(task: Any, handlers: dict[str, str]) -> None:
    """The throw is each handler's input (not the other way round: the throw's outputs are its flows), so
    that SpiffWorkflow's readiness checks of a handler pass."""
    for name in set(handlers.values()):
        handler = task._wf_spec.task_specs[name]
        if task not in handler.inputs:
            handler.inputs = [*handler.inputs, task]


class CompensationThrowParser(ThrowEventParser):
    def create_task(self) -> Any:
        if self.node.get(THROW) is None:
            return super().create_task()
        task = CompensationThrow(self.spec, self.bpmn_id, self.get_event_definition([]), **self.bpmn_attributes)
        task._setup(_handlers_for(self), self.node.get(THROW), self.node.get(WAIT) != "false", self.node.get(SCOPE))
        _connect(task, task.compensates)
        return task


class CompensationEndParser(EndEventParser):
    def create_task(self) -> Any:
        cancel = self.node.find(f"{{{BPMN}}}cancelEventDefinition") is not None
        if self.node.get(THROW) is None and not cancel:
            return super().create_task()
        handlers = _handlers_for(self)
        if self.node.get(THROW) is None and not handlers:
            return super().create_task()
        definition = self.get_event_definition([CANCEL_EVENT_XPATH] if cancel else [])
        task = CompensationEnd(self.spec, self.bpmn_id, definition, **self.bpmn_attributes)
        task._setup(handlers, self.node.get(THROW), self.node.get(WAIT) != "false", self.node.get(SCOPE))
        task.connect(self.spec.end)
        _connect(task, handlers)
        return task


class _Converter(EventConverter):
    def to_dict(self, spec: Any) -> dict[str, Any]:
        dct = super().to_dict(spec)
        dct.update(compensates=dict(spec.compensates), activity_ref=spec.activity_ref, wait=spec.wait,
                   scope=spec.scope)
        return dct


_Converter(CompensationThrow, runtime.REGISTRY, "CompensationThrowEvent")
_Converter(CompensationEnd, runtime.REGISTRY, "CompensationEndEvent")
