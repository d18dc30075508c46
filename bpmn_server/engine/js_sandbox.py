"""JavaScript script tasks (Camunda 7's `scriptFormat="javascript"`), run in the embedded V8 of js_engine.py.

Each run gets a fresh V8 context: no file system, network, `require` or host objects, only the language. The
limits are those of the Python sandbox: the script time limit (BPMN_SERVER_SCRIPT_TIME_LIMIT, V8 terminates the
script) and a heap limit (MEMORY_LIMIT_BYTES); either ends in a ScriptTimeout or SandboxViolation, so the
instance gets an incident as for a Python script. Variables go in and out as JSON: the script sees them as
globals and through Camunda's `execution.getVariable(name)` / `execution.setVariable(name, value)`; what it
assigns with `setVariable`, and top-level `var` declarations of names that were variables already, come back.
"""

from __future__ import annotations

from typing import Any

from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.bpmn.parser.util import full_tag
from SpiffWorkflow.bpmn.serializer.default.task_spec import ScriptTaskConverter
from SpiffWorkflow.bpmn.specs.defaults import ScriptTask

from . import runtime
from .js_engine import FORMATS, check, describe, evaluate, is_javascript, run
from .sandbox_guards import SandboxViolation, ScriptTimeout

__all__ = ["FORMATS", "JavaScriptTask", "check", "choose_spec_class", "describe", "evaluate", "is_javascript",
           "run"]

class JavaScriptTask(ScriptTask):
    """A script task whose script is JavaScript."""

    def _execute(self, task: Any) -> bool:
        try:
            run(self.script, task.data, runtime.ENVIRONMENT.time_limit)  # applies what it changed
        except ValueError as exc:
            raise WorkflowTaskException(f"JavaScript error: {exc}", task=task) from None
        except (ScriptTimeout, SandboxViolation) as exc:
            raise WorkflowTaskException(str(exc), task=task, exception=exc) from None
        return True


def choose_spec_class(node: Any) -> type:
    return JavaScriptTask if is_javascript(node.get("scriptFormat")) else ScriptTask


ScriptTaskConverter(JavaScriptTask, runtime.REGISTRY, "JavaScriptTask")
SCRIPT_TAG = full_tag("scriptTask")
