"""The embedded V8 (mini-racer) that runs Camunda 7's JavaScript: script tasks (js_sandbox.py), and scripts in
input/output mappings and listeners (camunda_config.py, camunda_runtime.py). No engine imports, so the settings
readers can use it.

Each run gets a fresh V8 context: no file system, network, `require` or host objects, only the language. The
limits are those of the Python sandbox: the script time limit (V8 terminates the script) and a heap limit
(MEMORY_LIMIT_BYTES); either ends in a ScriptTimeout or SandboxViolation. Variables go in and out as JSON: the
script sees them as globals and through Camunda's `execution` (and, in a task listener, `task`) with
getVariable / setVariable; what it sets, and top-level `var` declarations of names that were variables already,
come back. Camunda Spin's JSON API (`S(...)`, `JSON(...)`: js_spin.py) is there too; Spin XML is not.
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

# The prelude defines `execution` over a variables object; the epilogue returns what changed, as JSON.
_PRELUDE = """
var __vars = JSON.parse(%s);
var __set = {};
var __removed = {};
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
  removeVariable: function (name) { delete __set[name]; __removed[name] = true; }
};
execution.getVariableLocal = execution.getVariable;
execution.setVariableLocal = execution.setVariable;
var task = {  // a task listener's `task`: its variables are the execution's
  getVariable: execution.getVariable, setVariable: execution.setVariable, hasVariable: execution.hasVariable,
  getVariables: execution.getVariables, removeVariable: execution.removeVariable,
  getVariableLocal: execution.getVariable, setVariableLocal: execution.setVariable
};
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
  return JSON.stringify({changed: out, set: __set, removed: Object.keys(__removed),
                         result: __result === undefined ? null : __result});
})()
"""


OFFERED = frozenset({"getVariable", "setVariable", "hasVariable", "getVariables", "removeVariable",
                     "getVariableLocal", "setVariableLocal"})  # what the prelude's `execution` and `task` have
_CALL = re.compile(r"(?<![\w$.])(task|execution)\s*\.\s*([A-Za-z_$][\w$]*)\s*\(")
_SPIN = re.compile(r"(?<![\w$.])(S|JSON)(?![\w$])(?!\s*\.\s*(parse|stringify)\b)")
_JAVA = re.compile(r"(?<![\w$.])(java|javax|Packages|Java)\s*\.|(?<![\w$.])XML\s*\(")  # Spin XML too


def describe(problem: str) -> str:
    """`problem` of check() as the sentence a deploy error carries."""
    return f"JavaScript {'cannot run here' if problem.startswith('it calls') else 'does not compile'}: {problem}"


def is_javascript(script_format: str | None) -> bool:
    return (script_format or "").strip().lower() in FORMATS


def run(script: str, variables: dict[str, Any], time_limit: float) -> dict[str, Any]:
    """Run `script` on `variables` and apply what it changed to them (set, reassigned, removed); returns what it
    set. ScriptTimeout, SandboxViolation, or ValueError for an error the script raised."""
    outcome = evaluate(script, variables, time_limit)
    variables.update(outcome["changed"])
    for name in outcome["removed"]:
        variables.pop(name, None)
    return outcome["changed"]


def evaluate(script: str, variables: dict[str, Any], time_limit: float) -> dict[str, Any]:
    """Run `script` as `run` does: {"changed": what it set or reassigned, "set": what it set through
    `execution.setVariable` alone, "removed": the names it removed with `removeVariable`, "result": the value of
    its last expression (Camunda's script value)}."""
    ctx = MiniRacer()
    ctx.set_hard_memory_limit(MEMORY_LIMIT_BYTES)
    budget_ms = max(1, int(time_limit * 1000))
    try:
        if _SPIN.search(script):  # Spin costs ~2 ms a context: only for scripts that name it
            ctx.eval(SPIN_JS, timeout=budget_ms)
        ctx.eval(_PRELUDE % json.dumps(json.dumps(variables, default=str)), timeout=budget_ms)
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
        if found.group(2) not in OFFERED:
            return (f"it calls {found.group(1)}.{found.group(2)}(), which is not offered here ({found.group(1)} "
                    f"offers {', '.join(sorted(OFFERED))})")
    return None
