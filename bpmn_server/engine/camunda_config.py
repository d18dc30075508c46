"""Read the Camunda 7 extensions that run (input/output mappings, listeners, camunda:in/out, initiator,
error variables) from the translated tree into plain, JSON-able settings per BPMN element.

The settings travel with the spec (each task spec's `extensions` dict, which SpiffWorkflow serializes)
and engine/camunda_runtime.py acts on them. Expressions are translated here, once, by the project's
expression translation, and every script and expression is compiled in the sandbox at deploy.
"""

from __future__ import annotations

import ast
import json
import re
from typing import Any

from lxml import etree

from . import camunda_task, feel_conditions, js_engine, sandbox
from .expressions import ExpressionError, translate_expression, translate_template, translate_timer

BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
CAMUNDA = "http://camunda.org/schema/1.0/bpmn"
KEY = "camunda7"  # our key in a task spec's `extensions` (the rest are camunda:properties)
RESULT = "c7ext_result"  # the variable a value script's last expression is stored in
_PART = re.compile(r"[$#]\{(.*?)\}", re.S)
_CYCLE = re.compile(r"^R(\d+)/(P[^/,\s]+)$", re.I)
Errors = list[dict[str, Any]]


def _c(name: str) -> str:
    return f"{{{CAMUNDA}}}{name}"


def _local(el: Any) -> str:
    return etree.QName(el.tag).localname if isinstance(el.tag, str) else ""


def _owner(el: etree._Element) -> etree._Element:
    while el is not None and (etree.QName(el.tag).namespace != BPMN or not el.get("id")):
        el = el.getparent()
    return el


def _err(el: etree._Element, message: str) -> dict[str, Any]:
    owner = _owner(el)
    return {"line": el.sourceline, "element": owner.get("id") if owner is not None else None, "message": message}


def value_source(text: str) -> str:
    """Python source for a Camunda value: `${expr}`, text with `${}` parts, or a constant."""
    stripped = text.strip()
    parts = _PART.split(stripped)
    if len(parts) == 1:
        return repr(stripped)
    if len(parts) == 3 and parts[0] == "" and parts[2] == "":
        return translate_expression(stripped)
    # Text with `${}` parts: JUEL's composite text (each part as text, null as empty); a part's translation ends
    # in a comment (juel.MARK), so the parts cannot simply be joined with `+`.
    return translate_template(stripped) or repr(stripped)


def with_result(script: str, variable: str) -> str:
    """`script` with the value of its last expression statement stored in `variable` (None without one)."""
    try:
        tree = ast.parse(script)
    except SyntaxError:
        return script  # the sandbox check reports it
    last = tree.body[-1] if tree.body else None
    if not isinstance(last, ast.Expr):
        return f"{script}\n{variable} = None\n"
    lines = script.splitlines()
    head = lines[:last.lineno - 1] + [lines[last.lineno - 1][:last.col_offset]]
    expr = ast.get_source_segment(script, last)
    tail = lines[last.end_lineno - 1][last.end_col_offset:]
    return "\n".join(head) + f"{variable} = ({expr}){tail}\n"


def js_with_result(script: str, variable: str) -> str:
    """A JavaScript `script` whose value (that of its last statement, as Camunda's script engine gives it) is set
    as `variable`; an indirect eval runs it in the global scope, as it would run alone."""
    return (f"var __script_value = (0, eval)({json.dumps(script)});\n"
            f"execution.setVariable({json.dumps(variable)}, __script_value === undefined ? null : __script_value);\n")


class _Reader:
    def __init__(self, errors: Errors):
        self.errors = errors

    def compiled(self, el: etree._Element, source: str, mode: str, what: str) -> str | None:
        problem = sandbox.check(source, mode)
        if problem:
            self.errors.append(_err(el, f"{what} does not compile: {problem}"))
            return None
        return source

    def feel(self, el: etree._Element, text: str, what: str) -> str | None:
        """A FEEL value (`= expr`, Camunda 8's convention, or a FEEL script), compiled once here."""
        stored, problem = feel_conditions.translate(text, value=True)
        if problem:
            self.errors.append(_err(el, f"{what} {text.strip()!r} is not FEEL: {problem}"))
            return None
        return stored

    def expression(self, el: etree._Element, text: str, what: str) -> str | None:
        if feel_conditions.is_feel(text):
            return self.feel(el, text, what)
        try:
            source = value_source(text)
        except ExpressionError as exc:
            self.errors.append(_err(el, f"{what} {text.strip()!r}: {exc}"))
            return None
        return self.compiled(el, source, "eval", f"{what} {text.strip()!r}")

    def script(self, el: etree._Element, what: str, result: bool = False) -> tuple[str, str] | None:
        """("python" | "js", source) of a camunda:script, compiled (JavaScript: in V8, js_engine.py)."""
        fmt = (el.get("scriptFormat") or "").strip().lower()
        text = el.text or ""
        if js_engine.is_javascript(fmt):
            problem = js_engine.check(text)
            if problem:
                self.errors.append(_err(el, f"{what} {js_engine.describe(problem)}"))
                return None
            return "js", text
        if fmt not in ("python", "py", "python3"):
            self.errors.append(_err(el, f"[camunda:script] {what}: script format '{fmt}' is not supported; "
                                        "scripts are Python or JavaScript"))
            return None
        source = self.compiled(el, with_result(text, RESULT) if result else text, "exec", what)
        return None if source is None else ("python", source)

    def definition(self, el: etree._Element, what: str) -> dict[str, Any] | None:
        """The value of a parameter, list item or map entry."""
        children = [c for c in el if isinstance(c.tag, str) and etree.QName(c.tag).namespace == CAMUNDA]
        if not children:
            text = el.text or ""
            if not text.strip():
                return {"t": "null"}
            source = self.expression(el, text, what)
            return None if source is None else {"t": "expr", "src": source}
        return self.of(children[0], what)

    def of(self, child: etree._Element, what: str) -> dict[str, Any] | None:
        """A camunda:script, camunda:list, camunda:map or camunda:value."""
        kind = _local(child)
        if kind == "script" and (child.get("scriptFormat") or "").strip().lower() == "feel":
            source = self.feel(child, child.text or "", what)
            return None if source is None else {"t": "expr", "src": source}
        if kind == "script":
            found = self.script(child, what, result=True)
            return None if found is None else {"t": "script" if found[0] == "python" else "js", "src": found[1]}
        if kind == "list":
            items = [self.of(item, f"{what} item") for item in child if isinstance(item.tag, str)]
            return {"t": "list", "items": items}
        if kind == "map":
            entries = [[e.get("key"), self.definition(e, f"{what} entry '{e.get('key')}'")]
                       for e in child if _local(e) == "entry"]
            return {"t": "map", "entries": entries}
        if kind == "value":
            return self.definition(child, what)
        self.errors.append(_err(child, f"{what}: camunda:{kind} is not a value"))
        return None

    def listener(self, el: etree._Element, what: str) -> dict[str, Any] | None:
        script = el.find(_c("script"))
        found: dict[str, Any] | None = None
        if script is not None:
            script_found = self.script(script, what)
            found = None if script_found is None else {"kind": "script" if script_found[0] == "python" else "js",
                                                       "src": script_found[1]}
        elif el.get("expression") is not None:
            source = self.expression(el, el.get("expression"), f"{what} expression")
            found = None if source is None else {"kind": "expression", "src": source}
        if found is not None and el.get("event") == "timeout":
            found["timer"] = self.timer(el, what)
            return found if found["timer"] else None
        return found  # None: class / delegateExpression, refused by engine/camunda_check.py

    def timer(self, el: etree._Element, what: str) -> dict[str, Any] | None:
        """The timer of a timeout task listener: {"kind": duration | date | cycle, "src": Python source}."""
        for kind, tag in (("duration", "timeDuration"), ("date", "timeDate"), ("cycle", "timeCycle")):
            found = el.find(f"{{{BPMN}}}timerEventDefinition/{{{BPMN}}}{tag}")
            if found is not None and (found.text or "").strip():
                try:
                    source = translate_timer(found.text)
                except ExpressionError as exc:
                    self.errors.append(_err(el, f"{what} timer: {exc}"))
                    return None
                checked = self.compiled(el, source, "eval", f"{what} timer {found.text.strip()!r}")
                return {"kind": kind, "src": checked} if checked else None
        self.errors.append(_err(el, f"{what} needs a timerEventDefinition with a timeDuration, timeDate or "
                                    "timeCycle"))
        return None


def _extensions(el: etree._Element) -> list[etree._Element]:
    ext = el.find(f"{{{BPMN}}}extensionElements")
    return [] if ext is None else [c for c in ext if isinstance(c.tag, str)]


def _bindings(reader: _Reader, el: etree._Element, kind: str) -> list[dict[str, Any]]:
    found = []
    for b in (c for c in _extensions(el) if c.tag == _c(kind)):
        item: dict[str, Any] = {"local": b.get("local") == "true"}
        if b.get("variables") == "all":
            item["all"] = True
        elif b.get("businessKey") is not None:
            item["business_key"] = reader.expression(b, b.get("businessKey"), f"camunda:{kind} businessKey")
        elif b.get("sourceExpression") is not None:
            item["expr"] = reader.expression(b, b.get("sourceExpression"), f"camunda:{kind} sourceExpression")
            item["target"] = b.get("target")
        elif b.get("source") is not None:
            item["source"], item["target"] = b.get("source"), b.get("target") or b.get("source")
        else:
            continue
        found.append(item)
    return found


def element_settings(el: etree._Element, errors: Errors) -> dict[str, Any]:
    """The settings of one flow node (empty when it uses none of these extensions)."""
    reader = _Reader(errors)
    out: dict[str, Any] = {}
    for ext in _extensions(el):
        if ext.tag == _c("inputOutput"):
            for kind in ("input", "output"):
                params = [[p.get("name"), reader.definition(p, f"{kind} parameter '{p.get('name')}'")]
                          for p in ext if p.tag == _c(f"{kind}Parameter")]
                if params:
                    out[f"{kind}s"] = params
        elif ext.tag == _c("executionListener") and ext.get("event") in ("start", "end"):
            found = reader.listener(ext, f"{ext.get('event')} listener")
            if found:
                out.setdefault("listeners", {}).setdefault(ext.get("event"), []).append(found)
        elif ext.tag == _c("taskListener"):
            found = reader.listener(ext, f"{ext.get('event')} task listener")
            if found:
                out.setdefault("task_listeners", {}).setdefault(ext.get("event"), []).append(found)
    for kind in ("in", "out"):
        bindings = _bindings(reader, el, kind)
        if bindings:
            out[kind] = bindings
    if _local(el) in ("intermediateThrowEvent", "endEvent"):
        # Camunda 7 "Signal Events": camunda:in on the signal definition say which variables the signal carries.
        for definition in el.findall(f"{{{BPMN}}}signalEventDefinition"):
            bindings = _bindings(reader, definition, "in")
            if bindings:
                out["signal_in"] = bindings
    if _local(el) == "callActivity" and any(c.tag in (_c("in"), _c("out")) for c in _extensions(el)):
        out.setdefault("in", [])
        out.setdefault("out", [])
    cycle = retry_cycle(el)
    if cycle and _local(el) == "scriptTask":
        out["retry"] = cycle
    if el.get(_c("initiator")):
        out["initiator"] = el.get(_c("initiator"))
    if _local(el) == "userTask" and el.get(_c("assignee")):
        out["assigned"] = True
    if _local(el) == "userTask" and out.get("task_listeners") and camunda_task.diagram_attributes(el):
        # What a JavaScript task listener's `task` shows before the row exists (engine/camunda_task.py).
        out["task_attributes"] = camunda_task.diagram_attributes(el)
    for definition in el.findall(f"{{{BPMN}}}conditionalEventDefinition"):
        if definition.get(_c("variableName")) and _local(el) in ("intermediateCatchEvent", "boundaryEvent"):
            events = [e.strip() for e in (definition.get(_c("variableEvents")) or "").split(",") if e.strip()]
            out["watch"] = {"variable": definition.get(_c("variableName")), "events": events}
    for definition in el.findall(f"{{{BPMN}}}escalationEventDefinition"):
        if definition.get(_c("escalationCodeVariable")):
            out["error_vars"] = [definition.get(_c("escalationCodeVariable")), None]
    for definition in el.findall(f"{{{BPMN}}}errorEventDefinition"):
        code_var, message_var = definition.get(_c("errorCodeVariable")), definition.get(_c("errorMessageVariable"))
        if code_var or message_var:
            out["error_vars"] = [code_var, message_var]
    return out


def retry_cycle(el: etree._Element) -> dict[str, Any] | None:
    """camunda:failedJobRetryTimeCycle "R3/PT10M": {"times": 3, "seconds": 600}; None when absent or not
    of that form (engine/camunda_check.py refuses those)."""
    found = next((c for c in _extensions(el) if c.tag == _c("failedJobRetryTimeCycle")), None)
    match = _CYCLE.match((found.text or "").strip()) if found is not None else None
    if match is None:
        return None
    from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition

    try:
        parsed = TimerEventDefinition.parse_iso_duration(match.group(2))
        seconds = TimerEventDefinition.get_timedelta_from_start(parsed).total_seconds()
    except (ValueError, TypeError, KeyError):
        return None
    return {"times": int(match.group(1)), "seconds": seconds} if seconds > 0 else None


def take_listeners(proc: etree._Element, errors: Errors) -> dict[str, dict[str, list[dict[str, Any]]]]:
    """{target id: {source id: [take listeners]}} of the sequence flows of a process (before the rewrites)."""
    reader = _Reader(errors)
    found: dict[str, dict[str, list[dict[str, Any]]]] = {}
    for flow in proc.iter(f"{{{BPMN}}}sequenceFlow"):
        for ext in _extensions(flow):
            if ext.tag == _c("executionListener") and ext.get("event") == "take":
                listener = reader.listener(ext, "take listener")
                if listener:
                    found.setdefault(flow.get("targetRef"), {}).setdefault(flow.get("sourceRef"), []).append(listener)
    return found


def add_result_variables(root: etree._Element, errors: Errors) -> None:
    """camunda:resultVariable on script tasks: the script stores its last expression's value (before the
    script is checked and parsed). A JUEL script (`scriptFormat="juel"`, Camunda's script engine that evaluates
    the text as a JUEL value: `${...}` parts or a constant) becomes the Python of that value first."""
    for task in root.iter(f"{{{BPMN}}}scriptTask"):
        script = task.find(f"{{{BPMN}}}script")
        if (task.get("scriptFormat") or "").strip().lower() == "juel" and script is not None:
            task.set("scriptFormat", "python")
            try:
                script.text = value_source(script.text or "") + "\n"
            except ExpressionError as exc:
                errors.append(_err(task, f"JUEL script {(script.text or '').strip()!r}: {exc}"))
                script.text = ""
        variable = task.get(_c("resultVariable"))
        script = task.find(f"{{{BPMN}}}script")
        if variable and script is not None and variable.isidentifier() and not variable.startswith("_"):
            if js_engine.is_javascript(task.get("scriptFormat")):
                if js_engine.check(script.text or "") is None:  # else left as written: the check reports it
                    script.text = js_with_result(script.text or "", variable)
            else:
                script.text = with_result(script.text or "", variable)


def error_messages(root: etree._Element) -> dict[str, str]:
    """camunda:errorMessage of each bpmn:error, by error code."""
    return {e.get("errorCode") or e.get("id"): e.get(_c("errorMessage"))
            for e in root.iter(f"{{{BPMN}}}error") if e.get(_c("errorMessage"))}
