"""Read an uploaded BPMN file safely, check that it can run, and turn each process into a spec.

The XML is parsed with lxml with entities, DTDs and the network off. Camunda-style expressions are
translated to Python on the tree before SpiffWorkflow sees it, so they are translated once per
definition. Everything a service needs later (candidates, forms, names) is collected into `meta`.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from lxml import etree
from SpiffWorkflow.bpmn.parser.util import full_tag
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.bpmn.specs.defaults import ScriptTask
from SpiffWorkflow.camunda.parser.task_spec import CamundaTaskParser, ScriptTaskParser
from SpiffWorkflow.exceptions import SpiffWorkflowException

from . import (
    adhoc,
    camunda_check,
    camunda_config,
    camunda_flows,
    camunda_settings,
    case_view,
    compensation,
    cron,
    data_objects,
    decision_task,
    delegates,
    feel_conditions,
    implicit,
    implicit_constructs,
    js_conditions,
    js_sandbox,
    mi_behavior,
    multiinstance,
    namespaces,
    sandbox,
    spiff_dialect,
    spiff_messages,
    starters,
    zeebe_check,
    zeebe_config,
)
from .complex_gateway import ComplexJoin, ComplexJoinParser
from .errors import BpmnInvalid, BpmnMalformed
from .expressions import (
    ExpressionError,
    check_task_expressions,
    translate_assignment,
    translate_expression,
    translate_template,
    translate_timer,
)
from .forms import parse_form
from .specs import ServerParser
from .validator import check_constraints
from .validator_support import unsupported

BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
CAMUNDA = "http://camunda.org/schema/1.0/bpmn"
NS = {"bpmn": BPMN, "camunda": CAMUNDA}
MAX_DEPTH = 256

# Elements SpiffWorkflow cannot run correctly: refused at deploy rather than executed wrongly.
UNSUPPORTED = {
    "complexGateway": "complex gateways run as splits (one incoming, several outgoing flows) or as joins with an "
                      "activationCondition",
    "compensateEventDefinition": "compensation event subprocesses (a compensation start event) are not supported",
    "linkEventDefinition": "link events are not supported",
}
SCRIPT_FORMATS = {"", "python", "py", "python3"}


class _CamundaScriptTaskParser(CamundaTaskParser, ScriptTaskParser):
    """SpiffWorkflow reads Camunda's multi-instance attributes (`camunda:collection`,
    `camunda:elementVariable`) on user tasks but not on script tasks; give script tasks the same.
    A JavaScript script becomes a js_sandbox.JavaScriptTask."""

    def create_task(self) -> Any:
        self.spec_class = js_sandbox.choose_spec_class(self.node)
        return super().create_task()


class _Parser(ServerParser):
    AD_HOC_PARSER_CLASS = adhoc.AdHocScopeParser  # performers start the activities (engine/adhoc.py)
    OVERRIDE_PARSER_CLASSES = {**ServerParser.OVERRIDE_PARSER_CLASSES,
                               full_tag("scriptTask"): (_CamundaScriptTaskParser, ScriptTask),
                               full_tag("complexGateway"): (ComplexJoinParser, ComplexJoin),
                               full_tag("intermediateThrowEvent"): (compensation.CompensationThrowParser,
                                                                    compensation.ServerThrowEvent),
                               full_tag("endEvent"): (compensation.CompensationEndParser, compensation.EndEvent),
                               full_tag("businessRuleTask"): (decision_task.DecisionTaskParser,
                                                              decision_task.DecisionTask)}


@dataclass
class ParsedProcess:
    """One executable process of a file, ready to store."""

    key: str
    name: str | None
    spec: dict[str, Any]
    meta: dict[str, Any] = field(default_factory=dict)


def _local(tag: Any) -> str:
    return etree.QName(tag).localname if isinstance(tag, str) else ""


def parse_xml(data: bytes) -> etree._Element:
    """Parse bytes into a tree, refusing DTDs, entities and absurd nesting (BpmnMalformed)."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False,
                             huge_tree=False, remove_comments=False)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        line = exc.lineno or (exc.position[0] if exc.position else None)
        raise BpmnMalformed(f"the file is not well-formed XML: {exc.msg}",
                            errors=[{"line": line, "element": None, "message": exc.msg}]) from None
    doc = root.getroottree().docinfo
    if doc.internalDTD is not None or doc.externalDTD is not None or doc.doctype:
        raise BpmnMalformed("DOCTYPE declarations are not allowed in BPMN files",
                            errors=[{"line": 1, "element": None, "message": "DOCTYPE is not allowed"}])
    for el in root.iter():
        if isinstance(el, etree._Entity):
            raise BpmnMalformed("XML entities are not allowed in BPMN files",
                                errors=[{"line": el.sourceline, "element": None, "message": "entity"}])
    depth_stack = [(root, 1)]
    while depth_stack:
        el, depth = depth_stack.pop()
        if depth > MAX_DEPTH:
            raise BpmnMalformed(f"the XML is nested deeper than {MAX_DEPTH} levels",
                                errors=[{"line": el.sourceline, "element": el.get("id"), "message": "too deep"}])
        depth_stack.extend((child, depth + 1) for child in el)
    if _local(root.tag) != "definitions" or etree.QName(root.tag).namespace != BPMN:
        raise BpmnInvalid("the file is not a BPMN 2.0 document (root must be bpmn:definitions)",
                          errors=[{"line": root.sourceline, "element": None,
                                   "message": f"root element is {root.tag}"}])
    if b"activiti.org/bpmn" in data:
        namespaces.to_camunda(root)  # Camunda 7 reads activiti: as camunda:
    return root


def _err(el: etree._Element, message: str) -> dict[str, Any]:
    return {"line": el.sourceline, "element": el.get("id"), "message": message}


def _check_references(root: etree._Element, errors: list[dict[str, Any]]) -> None:
    ids = {el.get("id") for el in root.iter() if isinstance(el.tag, str) and el.get("id")}
    for flow in root.iter(f"{{{BPMN}}}sequenceFlow"):
        for attr in ("sourceRef", "targetRef"):
            ref = flow.get(attr)
            if not ref or ref not in ids:
                errors.append(_err(flow, f"{attr} '{ref}' does not name an element"))
    for el in root.iter():
        if not isinstance(el.tag, str):
            continue
        default = el.get("default")
        if default and default not in ids:
            errors.append(_err(el, f"default flow '{default}' does not exist"))
        if _local(el.tag) == "boundaryEvent" and el.get("attachedToRef") not in ids:
            errors.append(_err(el, f"attachedToRef '{el.get('attachedToRef')}' does not name an activity"))


def _translate(root: etree._Element, errors: list[dict[str, Any]]) -> None:
    """Rewrite expressions in place (the caller passes a copy) and check that they compile."""
    for el in root.iter():
        if not isinstance(el.tag, str):
            continue
        name = _local(el.tag)
        reported = errors if el.get(implicit_constructs.COPY_OF) is None else []  # the original reports
        if name in UNSUPPORTED and etree.QName(el.tag).namespace == BPMN and not implicit.complex_join_ok(el):
            errors.append(_err(el if el.get("id") else el.getparent(), UNSUPPORTED[name]))
            continue
        if name == "userTask":
            for attr_name in ("assignee", "candidateGroups", "candidateUsers", "dueDate", "priority"):
                value = el.get(f"{{{CAMUNDA}}}{attr_name}")
                if feel_conditions.is_feel(value):
                    problem = feel_conditions.translate(value, value=True)[1]
                    if problem:
                        errors.append(_err(el, f"camunda:{attr_name}: {problem}"))
        if name == "businessRuleTask" and etree.QName(el.tag).namespace == BPMN:
            problem = decision_task.check(el)  # runs when it calls a deployed DMN decision
            if problem:
                errors.append(_err(el, problem))
            continue
        try:
            if name == "conditionExpression" and feel_conditions.is_feel(el.text, el.get("language")):
                el.text, problem = feel_conditions.translate(el.text)
                if problem:
                    errors.append(_err(el.getparent(), problem))
            elif name == "conditionExpression" and js_conditions.is_javascript(el.get("language")) and el.text:
                el.text, problem = js_conditions.translate(el.text)
                if problem:
                    errors.append(_err(el.getparent(), problem))
            elif (name in ("conditionExpression", "completionCondition", "loopCardinality", "activationCondition")
                    or (name == "condition" and _local(el.getparent().tag) in ("conditionalEventDefinition",
                                                                            "complexBehaviorDefinition"))) \
                    and el.text:
                original = el.text.strip()
                el.text = translate_expression(el.text)
                problem = sandbox.check(el.text, "eval")
                if problem:
                    reported.append(_err(_named(el), f"expression {original!r} does not compile: {problem}"))
            elif name in ("timeDuration", "timeDate", "timeCycle") and feel_conditions.is_feel(el.text):
                el.text, problem = feel_conditions.translate(el.text, value=True)
                if problem:
                    errors.append(_err(el.getparent().getparent(), problem))
            elif name == "timeCycle" and cron.looks_like_cron(el.text or ""):
                problem = cron.problem(el.text)  # Quartz cron, as Camunda 7 reads it (engine/cron.py)
                if problem:
                    errors.append(_err(el.getparent().getparent(), f"cron expression {el.text.strip()!r}: {problem}"))
                el.text = repr(el.text.strip())
            elif name in ("timeDuration", "timeDate", "timeCycle") and el.text:
                original = el.text.strip()
                el.text = translate_timer(el.text)
                problem = sandbox.check(el.text, "eval")
                if problem:
                    errors.append(_err(el.getparent().getparent(),
                                       f"timer expression {original!r} does not compile: {problem}"))
            elif name == "scriptTask":
                fmt = (el.get("scriptFormat") or "").strip().lower()
                if js_sandbox.is_javascript(fmt):
                    script = el.find(f"{{{BPMN}}}script")
                    problem = js_sandbox.check(script.text or "") if script is not None else \
                        None if el.get(f"{{{CAMUNDA}}}resource") else "no script"  # camunda_check: no file
                    if problem:
                        errors.append(_err(el, js_sandbox.describe(problem)))
                    continue
                if fmt not in SCRIPT_FORMATS:
                    errors.append(_err(el, f"script format '{fmt}' is not supported; scripts are Python"))
                    continue
                script = el.find(f"{{{BPMN}}}script")
                problem = sandbox.check(script.text or "") if script is not None else None
                if problem:
                    errors.append(_err(el, f"script does not compile: {problem}"))
            elif name == "multiInstanceLoopCharacteristics":
                coll = el.get(f"{{{CAMUNDA}}}collection")
                if coll:
                    el.set(f"{{{CAMUNDA}}}collection", translate_expression(coll))
            elif name == "userTask":
                errors.extend(_err(el, problem) for problem in check_task_expressions(el, CAMUNDA))
        except ExpressionError as exc:
            reported.append(_err(_named(el), str(exc)))


def _named(el: etree._Element) -> etree._Element:
    """The element itself or its nearest ancestor with an id (a condition is named by its flow or event)."""
    while (el.get("id") is None or _local(el.tag).endswith("EventDefinition")) and el.getparent() is not None:
        el = el.getparent()
    return el


def _user_task_meta(el: etree._Element, lane: str | None) -> dict[str, Any]:
    def attr(name: str) -> str | None:
        value = el.get(f"{{{CAMUNDA}}}{name}")
        if feel_conditions.is_feel(value):  # `= starter`: FEEL, checked in _translate
            return feel_conditions.translate(value, value=True)[0]
        return translate_assignment(value)

    return {
        "name": el.get("name") or el.get("id"),
        "name_expression": translate_template(el.get("name")),
        "assignee": attr("assignee"),
        "candidate_groups": attr("candidateGroups"),
        "candidate_users": attr("candidateUsers"),
        "due_date": attr("dueDate"),
        "priority": attr("priority"),
        "lane": lane.strip().lower().replace(" ", "-") if lane else None,
        "form": parse_form(el, CAMUNDA),
        # camunda:property commentRequired="true": completing the task needs a comment (services/comments.py).
        "comment_required": any(p.get("name") == "commentRequired" and (p.get("value") or "").strip().lower()
                                == "true" for p in el.iter(f"{{{CAMUNDA}}}property")),
        "visible_variables": case_view.visible_variables(el),
        **camunda_settings.user_task_meta(el),
        **spiff_dialect.user_task_meta(el),
    }


def _form_problems(processes: list[etree._Element]) -> list[dict[str, Any]]:
    """The problems of every task form, so that a refused file names them beside its other problems."""
    found: list[dict[str, Any]] = []
    for proc in processes:
        for task in proc.iter(f"{{{BPMN}}}userTask"):
            try:
                parse_form(task, CAMUNDA)
            except BpmnInvalid as exc:
                found.extend(exc.errors or [])
    return found


def _process_meta(proc: etree._Element) -> dict[str, Any]:
    lanes: dict[str, str] = {}
    for lane in proc.iter(f"{{{BPMN}}}lane"):
        for ref in lane.findall(f"{{{BPMN}}}flowNodeRef"):
            lanes[(ref.text or "").strip()] = lane.get("name") or lane.get("id")
    meta: dict[str, Any] = {"user_tasks": {}, "external_tasks": {}, "names": {}}
    for el in proc.iter():
        if not isinstance(el.tag, str) or not el.get("id"):
            continue
        if el.get("name"):
            meta["names"][el.get("id")] = el.get("name")
        name = _local(el.tag)
        if name == "userTask":
            meta["user_tasks"][el.get("id")] = _user_task_meta(el, lanes.get(el.get("id")))
        elif name == "manualTask" and spiff_dialect.user_task_meta(el):  # spiff-arena's instructions
            meta["user_tasks"][el.get("id")] = spiff_dialect.user_task_meta(el)
        elif name in ("serviceTask", "sendTask") and el.get(f"{{{CAMUNDA}}}type") == "external":
            meta["external_tasks"][el.get("id")] = el.get(f"{{{CAMUNDA}}}topic")
        elif name == "businessRuleTask" and decision_task.job_type(el):
            meta["external_tasks"][el.get("id")] = decision_task.job_type(el)
    meta["message_starts"], meta["signal_starts"] = _event_starts(proc)
    if spiff_messages.message_start_variables(proc):  # spiff-arena's messageVariable on a message start
        meta["message_start_variables"] = spiff_messages.message_start_variables(proc)
    if spiff_messages.message_correlations(proc):  # spiff-arena's processVariableCorrelation
        meta["message_correlations"] = spiff_messages.message_correlations(proc)
    meta["starters"] = starters.declared(proc)
    meta["adhoc"] = [el.get("id") for el in proc.iter(f"{{{BPMN}}}adHocSubProcess")]  # services/adhoc.py
    meta["visible_variables"] = case_view.visible_variables(proc)
    meta.update(camunda_settings.process_meta(proc, []))  # invalid values: engine/camunda_check.py
    zeebe_config.add_meta(meta, proc)  # Camunda 8 jobs, correlation keys and forms
    return meta


def _add_called(meta: dict[str, Any], called: list[dict[str, Any]]) -> None:
    """What the services read by activity id (user tasks, external tasks, jobs) from the processes it calls."""
    for other in called:
        for part in ("user_tasks", "external_tasks", "jobs"):
            for activity, value in other.get(part, {}).items():
                meta.setdefault(part, {}).setdefault(activity, value)


def _event_starts(proc: etree._Element) -> tuple[list[str], list[str]]:
    """Names of the messages and signals that start this process (top-level start events only)."""
    root = proc.getparent()
    names = {(_local(el.tag), el.get("id")): el.get("name") or el.get("id")
             for el in (root if root is not None else []) if _local(el.tag) in ("message", "signal")}
    found: dict[str, list[str]] = {"message": [], "signal": []}
    for start in proc.findall(f"{{{BPMN}}}startEvent"):
        for kind, ref in (("message", "messageRef"), ("signal", "signalRef")):
            for definition in start.findall(f"{{{BPMN}}}{kind}EventDefinition"):
                name = names.get((kind, definition.get(ref)))
                if name and name not in found[kind]:
                    found[kind].append(name)
    return found["message"], found["signal"]


def _prepare(tree: etree._Element) -> list[dict[str, Any]]:
    """Constructs SpiffWorkflow lacks, rewritten into ones it runs (engine/implicit_constructs.py), before
    the expressions are translated (so that what they add is translated and checked too); returns the
    Java delegates refused (engine/delegates.py)."""
    zeebe_config.to_camunda(tree)  # Camunda 8 extensions read as their Camunda 7 counterparts
    found = delegates.apply(tree)
    camunda_flows.unconditioned_exclusive_flows(tree)
    camunda_flows.drawn_data_stores(tree)
    implicit_constructs.inline_definition_refs(tree)
    implicit_constructs.links_to_flows(tree)
    implicit_constructs.instantiating_receive_tasks(tree)
    implicit_constructs.global_script_calls(tree)
    implicit_constructs.nested_interrupting_handlers(tree)
    implicit_constructs.conditional_entry(tree)
    found.extend(compensation.prepare(tree))  # compensation events become marks (engine/compensation.py)
    return found


def _rewrite(tree: etree._Element) -> dict[str, str]:
    """The rewrites of engine/implicit.py on the (translated) copy SpiffWorkflow parses; {new id: original}."""
    renamed = implicit.rename_reserved(tree)
    implicit.complex_splits_to_inclusive(tree)
    implicit.make_splits_explicit(tree)
    implicit.token_quantities(tree)
    return renamed


def _spiff_error(exc: SpiffWorkflowException) -> dict[str, Any]:
    return {"line": getattr(exc, "line_number", None) or None, "element": getattr(exc, "id", None) or None,
            "message": str(exc).split("\n")[0]}


def _parser_problem(tree: etree._Element, filename: str, errors: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """What SpiffWorkflow's parser would also refuse in a file already refused for other reasons, so that one 422
    names every problem; only an element not named yet (its parser stops at the first problem)."""
    named = {e.get("element") for e in errors}
    attempt, renamed = copy.deepcopy(tree), {}
    try:
        renamed = _rewrite(attempt)
        parser = _Parser()
        parser.add_bpmn_xml(attempt, filename=filename)
        for proc in attempt.findall(f"{{{BPMN}}}process"):
            if proc.get("isExecutable", "true") == "true":
                parser.get_spec(proc.get("id"))
    except (ValidationException, SpiffWorkflowException) as exc:
        error = _spiff_error(exc)
        error["element"] = renamed.get(error["element"], error["element"])
        return [error] if error["element"] and error["element"] not in named else []
    except Exception:  # noqa: BLE001 - a tree already known to be broken may trip the parser anywhere
        return []
    return []


def idle_notes(root: etree._Element) -> list[dict[str, Any]]:
    """Why a file's processes do not run although the file deploys: each process marked isExecutable="false", or
    the file's lack of any process (Camunda 7 stores such a file and creates no definition for it)."""
    found = [_err(p, f"process '{p.get('id')}' is not executable (isExecutable=\"false\"): stored, not deployed to run")
             for p in root.findall(f"{{{BPMN}}}process") if p.get("isExecutable", "true") != "true"]
    if not root.findall(f"{{{BPMN}}}process"):
        found.append({"line": root.sourceline, "element": None, "message": "the file has no process: stored, "
                      "nothing to run"})
    return found


def build_processes(root: etree._Element, filename: str, serialize: Callable[[Any], dict[str, Any]],
                    find_called: Callable[[str], bytes | None]) -> list[ParsedProcess]:
    """Validate and translate one document; return a ParsedProcess per executable process.

    `find_called(key)` returns the XML of an already deployed process, for call activities that
    reference a process outside this file. Raises BpmnInvalid listing every problem found.
    """
    errors: list[dict[str, Any]] = []
    tree = copy.deepcopy(root)
    _check_references(tree, errors)
    broken_graph = bool(errors)  # a flow or boundary event pointing nowhere: the parser would only restate it
    if spiff_dialect.uses(tree):  # spiff-arena's dialect, rewritten into Camunda 7's (engine/spiff_dialect.py)
        errors.extend(spiff_dialect.problems(tree))
        spiff_dialect.to_camunda(tree)
    errors.extend(_prepare(tree))
    camunda_config.add_result_variables(tree, errors)
    _translate(tree, errors)
    check_constraints(root, errors)  # BPMN schema + spec constraints, on the untranslated tree
    errors.extend(unsupported(root))  # valid BPMN that this engine would run wrongly
    errors.extend(mi_behavior.problems(root))  # multi-instance behaviour events it cannot throw
    # Camunda 7 extensions refused (engine/camunda_catalogue.py), on the prepared copy: what _prepare rewrites
    # into camunda: (another dialect, say) is checked as well.
    errors.extend(camunda_check.problems(tree))
    errors.extend(zeebe_check.problems(root))  # Camunda 8 extensions refused (engine/zeebe_catalogue.py)
    # A file with no executable process (or no process at all) is stored and runs nothing, as in Camunda 7;
    # idle_notes() says so to the deployer (services/deployments.py), never silently.
    processes = [p for p in tree.findall(f"{{{BPMN}}}process") if p.get("isExecutable", "true") == "true"]
    errors.extend(e for p in processes for e in starters.problems(p))
    errors.extend(_form_problems(processes))  # with the rest, not in a later round
    if errors and not broken_graph:
        errors.extend(_parser_problem(tree, filename, errors))
    if errors:
        raise BpmnInvalid("the diagram cannot be executed", errors=errors)

    if not processes:
        return []  # nothing to translate: SpiffWorkflow never sees a process that does not run
    metas = {p.get("id"): _process_meta(p) for p in processes}  # by the modelled ids, before the rewrites
    settings = {filename: camunda_settings.collect(tree, errors)}  # Camunda 7 extensions that run, by file
    behaviors = mi_behavior.read(tree)  # multi-instance behaviour events, by activity id
    associations = data_objects.read(tree)  # both ends of each data object association, by task id
    zeebe_config.merge_settings(settings[filename], tree, errors)
    if errors:
        raise BpmnInvalid("the diagram cannot be executed", errors=errors)
    renamed = _rewrite(tree)
    parser = _Parser()  # Camunda's, plus external service tasks and REST messages
    local_ids = {p.get("id") for p in tree.findall(f"{{{BPMN}}}process")}
    try:
        parser.add_bpmn_xml(tree, filename=filename)
        # Called processes from other files, and what they call in turn.
        known = set(local_ids)
        called_metas = list(metas.values())  # tasks of called processes are assigned as their own file says
        pending = sorted({el.get("calledElement") for el in tree.iter(f"{{{BPMN}}}callActivity")} - {None})
        while pending:
            key = pending.pop(0)
            if key in known:
                continue
            known.add(key)
            xml = find_called(key)
            if xml is None:
                errors.extend(_err(e, f"calls process '{key}', which is neither in this file nor deployed")
                              for e in tree.iter(f"{{{BPMN}}}callActivity") if e.get("calledElement") == key)
                continue
            other = copy.deepcopy(parse_xml(xml))
            spiff_dialect.to_camunda(other)
            _prepare(other)
            errors.extend(compensation.called_problems(tree, other, key))
            _translate(other, errors)
            # Only the called process: other processes of that file would clash with ours.
            for proc in other.findall(f"{{{BPMN}}}process"):
                if proc.get("id") != key:
                    other.remove(proc)
            pending.extend(e.get("calledElement") for e in other.iter(f"{{{BPMN}}}callActivity")
                           if e.get("calledElement"))
            settings[f"{key}.bpmn"] = camunda_settings.collect(other, errors)
            called_metas.extend(_process_meta(p) for p in other.findall(f"{{{BPMN}}}process"))
            behaviors = {**mi_behavior.read(other), **behaviors}
            associations = {**data_objects.read(other), **associations}
            zeebe_config.merge_settings(settings[f"{key}.bpmn"], other, errors)
            renamed.update(_rewrite(other))
            parser.add_bpmn_xml(other, filename=f"{key}.bpmn")
        if errors:
            raise BpmnInvalid("the diagram cannot be executed", errors=errors)
        for meta in metas.values():
            _add_called(meta, called_metas)
        result = []
        for proc in processes:
            key = proc.get("id")
            spec = parser.get_spec(key)
            subs = parser.get_subprocess_specs(key)
            for one in (spec, *subs.values()):
                multiinstance.resolve(one)
            implicit.restore_ids([spec, *subs.values()], renamed)
            camunda_settings.attach([spec, *subs.values()], settings)
            mi_behavior.attach([spec, *subs.values()], behaviors)
            data_objects.attach([spec, *subs.values()], associations)
            metas[key]["message_starts"], metas[key]["signal_starts"] = _event_starts(proc)  # rewritten starts
            result.append(ParsedProcess(key=key, name=proc.get("name"),
                                        spec={"spec": serialize(spec),
                                              "subprocess_specs": {k: serialize(v) for k, v in subs.items()}},
                                        meta=metas[key]))
        return result
    except (ValidationException, SpiffWorkflowException) as exc:
        error = _spiff_error(exc)
        error["element"] = renamed.get(error["element"], error["element"])  # the modelled id, not ours
        raise BpmnInvalid("the diagram cannot be executed", errors=[error]) from None
    except (AssertionError, KeyError, AttributeError, TypeError, ValueError) as exc:
        # SpiffWorkflow's parser trips on some malformed structures with plain exceptions.
        raise BpmnInvalid("the diagram cannot be executed",
                          errors=[{"line": None, "element": None, "message": f"{type(exc).__name__}: {exc}"}]) from None
