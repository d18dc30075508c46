"""The embedded V8 (mini-racer) that runs Camunda 7's JavaScript: script tasks (js_sandbox.py), and scripts in
input/output mappings and listeners (camunda_config.py, camunda_runtime.py). No engine imports, so the settings
readers can use it.

Each run gets a fresh V8 context: no file system, network, `require` or host objects, only the language. The
limits are those of the Python sandbox: the script time limit (V8 terminates the script) and a heap limit
(MEMORY_LIMIT_BYTES); either ends in a ScriptTimeout or SandboxViolation. Variables go in and out as JSON: the
script sees them as globals and through Camunda's `execution` (and, in a task listener, `task`) with
getVariable / setVariable; what it sets, and top-level `var` declarations of names that were variables already,
come back. `execution` also tells the instance and activity; in a task listener `task` is Camunda's DelegateTask
(OFFERED): what its setters change comes back too, and engine/camunda_task.py applies it to the task.
Camunda Spin's JSON API (`S(...)`, `JSON(...)`: js_spin.py) is there too; Spin XML is not.
"""

from __future__ import annotations

import contextlib
import json
import re
from typing import Any

from py_mini_racer import JSEvalException, JSOOMException, JSTimeoutException, MiniRacer

from .js_spin import SPIN_JS
from .sandbox_guards import SandboxViolation, ScriptTimeout

FORMATS = {"javascript", "js", "ecmascript", "application/javascript", "text/javascript"}
MEMORY_LIMIT_BYTES = 64 * 1024 * 1024

# The prelude defines `execution` (and `task`) over a variables object and a context (what the engine knows of the
# instance, and in a task listener of the task); the epilogue returns what changed, as JSON.
_PRELUDE = """
var __vars = JSON.parse(%s);
var __ctx = JSON.parse(%s);
var __set = {};
var __removed = {};
var __exec = __ctx.execution || {};
var execution = {
  getVariable: function (name) {
    return name in __removed ? null : (name in __set ? __set[name] : __vars[name]);
  },
  setVariable: function (name, value) { delete __removed[name]; __set[name] = value === undefined ? null : value; },
  hasVariable: function (name) { return !(name in __removed) && (name in __set || name in __vars); },
  getVariables: function () {
    var all = Object.assign({}, __vars, __set);
    for (var r in __removed) { delete all[r]; }
    return all;
  },
  removeVariable: function (name) { delete __set[name]; __removed[name] = true; },
  getProcessInstanceId: function () { return __exec.processInstanceId || null; },
  getProcessBusinessKey: function () { return __exec.processBusinessKey || null; },
  getCurrentActivityId: function () { return __exec.currentActivityId || null; },
  getCurrentActivityName: function () { return __exec.currentActivityName || null; },
  getEventName: function () { return __exec.eventName || null; }
};
// Camunda's TypedValue of a variable: the value, and for an object its JSON text as Camunda serializes it.
execution.getVariableTyped = function (name) {
  var value = execution.getVariable(name);
  var object = value !== null && typeof value === 'object';
  return {getValue: function () { return value; }, getType: function () { return object ? 'json' : typeof value; },
          getValueSerialized: function () { return object ? JSON.stringify(value) : value; },
          isTransient: function () { return false; }};
};
execution.getVariableLocal = execution.getVariable;
execution.setVariableLocal = execution.setVariable;
execution.getVariableLocalTyped = execution.getVariableTyped;
execution.getBusinessKey = execution.getProcessBusinessKey;
var __t = __ctx.task;  // null outside a task listener
var __tc = {};  // what the listener changed of the task (engine/camunda_task.py applies it)
function __text(v) { return v === null || v === undefined ? null : String(v); }
function __date(v) { return v === null || v === undefined ? null : (v instanceof Date ? v.toISOString() : String(v)); }
function __candidates(kind, names, add) {
  var on = kind + (add ? '_add' : '_del'), off = kind + (add ? '_del' : '_add'), list = __t[kind] || [];
  __tc[on] = __tc[on] || []; __tc[off] = __tc[off] || [];
  for (var i = 0; i < names.length; i++) {
    var n = String(names[i]);
    __tc[off] = __tc[off].filter(function (x) { return x !== n; });
    if (__tc[on].indexOf(n) < 0) { __tc[on].push(n); }
    list = list.filter(function (x) { return x !== n; });
    if (add) { list.push(n); }
  }
  __t[kind] = list;
}
function __list(v) { return Array.isArray(v) ? v : (v && typeof v.toArray === 'function' ? v.toArray() : [v]); }
var __taskMethods = {
  getId: function () { return __t.id; },
  getName: function () { return __t.name; },
  setName: function (v) { __t.name = __tc.name = __text(v); },
  getAssignee: function () { return __t.assignee; },
  setAssignee: function (v) { __t.assignee = __tc.assignee = __text(v); },
  getPriority: function () { return __t.priority; },
  setPriority: function (v) { __t.priority = __tc.priority = v; },
  getDueDate: function () { return __t.dueDate ? new Date(__t.dueDate) : null; },
  setDueDate: function (v) { __t.dueDate = __tc.due = __date(v); },
  getFollowUpDate: function () { return __t.followUpDate ? new Date(__t.followUpDate) : null; },
  setFollowUpDate: function (v) { __t.followUpDate = __tc.follow_up = __date(v); },
  addCandidateGroup: function (g) { __candidates('groups', [g], true); },
  addCandidateGroups: function (gs) { __candidates('groups', __list(gs), true); },
  addCandidateUser: function (u) { __candidates('users', [u], true); },
  addCandidateUsers: function (us) { __candidates('users', __list(us), true); },
  deleteCandidateGroup: function (g) { __candidates('groups', [g], false); },
  deleteCandidateUser: function (u) { __candidates('users', [u], false); },
  getCandidates: function () {
    var link = function (group, user) {
      return {type: 'candidate', groupId: group, userId: user, getType: function () { return 'candidate'; },
              getGroupId: function () { return group; }, getUserId: function () { return user; }};
    };
    return (__t.groups || []).map(function (g) { return link(g, null); })
      .concat((__t.users || []).map(function (u) { return link(null, u); }));
  },
  getEventName: function () { return __t.eventName; },
  getTaskDefinitionKey: function () { return __t.taskDefinitionKey; },
  getProcessInstanceId: function () { return __exec.processInstanceId || null; },
  getExecution: function () { return execution; }
};
var task = {  // a task listener's `task`: its variables are the execution's
  getVariable: execution.getVariable, setVariable: execution.setVariable, hasVariable: execution.hasVariable,
  getVariables: execution.getVariables, removeVariable: execution.removeVariable,
  getVariableLocal: execution.getVariable, setVariableLocal: execution.setVariable
};
Object.keys(__taskMethods).forEach(function (m) {
  task[m] = __t ? __taskMethods[m]
    : function () { throw new Error('task.' + m + '() is offered in task listeners only'); };
});
for (var __k in __vars) { globalThis[__k] = __vars[__k]; }
"""
_EPILOGUE = """
(function () {
  var out = {};
  for (var k in __vars) {
    if (globalThis[k] !== __vars[k]) { out[k] = globalThis[k] === undefined ? null : globalThis[k]; }
  }
  for (var s in __set) { out[s] = __set[s]; }
  for (var r in __removed) { delete out[r]; }
  return JSON.stringify({changed: out, set: __set, removed: Object.keys(__removed), task: __tc,
                         result: __result === undefined ? null : __result});
})()
"""


_VARIABLES = frozenset({"getVariable", "setVariable", "hasVariable", "getVariables", "removeVariable",
                        "getVariableLocal", "setVariableLocal"})
# What the prelude's `execution` and `task` (Camunda's DelegateExecution and DelegateTask) have.
OFFERED = {
    "execution": _VARIABLES | {"getVariableTyped", "getVariableLocalTyped", "getProcessInstanceId",
                               "getProcessBusinessKey", "getBusinessKey",
                               "getCurrentActivityId", "getCurrentActivityName", "getEventName"},
    "task": _VARIABLES | {"getId", "getName", "setName", "getAssignee", "setAssignee", "getPriority", "setPriority",
                          "getDueDate", "setDueDate", "getFollowUpDate", "setFollowUpDate", "addCandidateGroup",
                          "addCandidateGroups", "addCandidateUser", "addCandidateUsers", "deleteCandidateGroup",
                          "deleteCandidateUser", "getCandidates", "getEventName", "getTaskDefinitionKey",
                          "getProcessInstanceId", "getExecution"},
}
_CALL = re.compile(r"(?<![\w$.])(task|execution)\s*\.\s*([A-Za-z_$][\w$]*)\s*\(")
_SPIN = re.compile(r"(?<![\w$.])(S|JSON)(?![\w$])(?!\s*\.\s*(parse|stringify)\b)")
_JAVA = re.compile(r"(?<![\w$.])(java|javax|Packages|Java)\s*\.|(?<![\w$.])XML\s*\(")  # Spin XML too


def describe(problem: str) -> str:
    """`problem` of check() as the sentence a deploy error carries."""
    return f"JavaScript {'cannot run here' if problem.startswith('it calls') else 'does not compile'}: {problem}"


def is_javascript(script_format: str | None) -> bool:
    return (script_format or "").strip().lower() in FORMATS


def run(script: str, variables: dict[str, Any], time_limit: float,
        context: dict[str, Any] | None = None) -> dict[str, Any]:
    """Run `script` on `variables` and apply what it changed to them (set, reassigned, removed); returns the
    outcome of `evaluate`. ScriptTimeout, SandboxViolation, or ValueError for an error the script raised."""
    outcome = evaluate(script, variables, time_limit, context)
    variables.update(outcome["changed"])
    for name in outcome["removed"]:
        variables.pop(name, None)
    return outcome


def evaluate(script: str, variables: dict[str, Any], time_limit: float,
             context: dict[str, Any] | None = None) -> dict[str, Any]:
    """Run `script` as `run` does: {"changed": what it set or reassigned, "set": what it set through
    `execution.setVariable` alone, "removed": the names it removed with `removeVariable`, "task": what it changed
    of the task (a task listener's setAssignee, ...), "result": the value of its last expression (Camunda's script
    value)}. `context`: {"execution": {processInstanceId, ...}, "task": {id, name, assignee, ...} or None}."""
    ctx = MiniRacer()
    ctx.set_hard_memory_limit(MEMORY_LIMIT_BYTES)
    budget_ms = max(1, int(time_limit * 1000))
    try:
        if _SPIN.search(script):  # Spin costs ~2 ms a context: only for scripts that name it
            ctx.eval(SPIN_JS, timeout=budget_ms)
        ctx.eval(_PRELUDE % (json.dumps(json.dumps(variables, default=str)),
                             json.dumps(json.dumps(context or {}, default=str))), timeout=budget_ms)
        # An indirect eval runs in the global scope (top-level `var`s stay globals) and gives the last value.
        ctx.eval(f"var __result = (0, eval)({json.dumps(script)});", timeout=budget_ms)
        return json.loads(ctx.eval(_EPILOGUE, timeout=budget_ms))
    except JSTimeoutException:
        _settle(ctx)
        raise ScriptTimeout(f"the JavaScript ran longer than {time_limit:g} s") from None
    except JSOOMException:
        raise SandboxViolation(f"the JavaScript used more than {MEMORY_LIMIT_BYTES // 2**20} MiB") from None
    except JSEvalException as exc:
        raise ValueError(str(exc).strip().splitlines()[0] if str(exc).strip() else "JavaScript error") from None
    finally:
        ctx.close()


def _settle(ctx: MiniRacer) -> None:
    """V8 reports a terminated script once more, later; one more evaluation takes that report before the context
    is closed (closed first, the report finds its event loop gone and prints an error)."""
    with contextlib.suppress(JSEvalException):  # that late report is expected and carries nothing new
        ctx.eval("0", timeout=1000)


def check(script: str) -> str | None:
    """Why the script cannot run here, found without running it: a syntax error (compiled in V8), a call of
    Java (`java.lang...`, Spin XML's `XML(...)`: Camunda's Java script engine offers those, V8 does not), or a method of
    `execution` or `task` that is not offered here (OFFERED); None if it can run."""
    ctx = MiniRacer()
    try:
        ctx.eval(f"new Function({json.dumps(script)})", timeout=1000)
    except JSEvalException as exc:
        return str(exc).strip().splitlines()[0] if str(exc).strip() else "syntax error"
    finally:
        ctx.close()
    java = _JAVA.search(script)
    if java:
        return f"it calls Java (`{java.group(0).strip()}`...), which only Camunda's Java script engine offers"
    for found in _CALL.finditer(script):
        offered = OFFERED[found.group(1)]
        if found.group(2) not in offered:
            return (f"it calls {found.group(1)}.{found.group(2)}(), which is not offered here ({found.group(1)} "
                    f"offers {', '.join(sorted(offered))})")
    return None
