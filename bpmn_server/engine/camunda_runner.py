"""Runs the Camunda 7 settings' user code (engine/camunda_config.py) for engine/camunda_runtime.py: a value
(expression, Python or JavaScript script, list, map) and execution and task listeners, in the sandbox with the
engine's time limit; a failure is the activity's incident. A task listener script (JavaScript or Python) gets
Camunda's DelegateTask as `task` (engine/camunda_task.py), and what it changes of the task is kept for the task's
row."""

from __future__ import annotations

from copy import deepcopy
from typing import Any

from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException

from . import camunda_task, js_engine, sandbox
from .camunda_config import RESULT


class Runner:
    """Evaluates settings in the sandbox with the engine's time limit."""

    def __init__(self, environment: Any):
        self.environment = environment

    def failure(self, my_task: Any, what: str, exc: Exception) -> WorkflowTaskException:
        error = WorkflowTaskException(f"{what} failed: {type(exc).__name__}: {exc}", task=my_task, exception=exc)
        return error

    def value(self, my_task: Any, definition: dict[str, Any] | None, data: dict[str, Any], what: str) -> Any:
        if definition is None or definition["t"] == "null":
            return None
        kind = definition["t"]
        if kind == "list":
            return [self.value(my_task, item, data, what) for item in definition["items"]]
        if kind == "map":
            return {key: self.value(my_task, item, data, what) for key, item in definition["entries"]}
        try:
            if kind == "expr":
                return deepcopy(self.environment.evaluate(definition["src"], data))
            if kind == "js":  # the value is the script's last one; what it sets through `execution` is set
                outcome = js_engine.evaluate(definition["src"], data, self.environment.time_limit,
                                             {"execution": camunda_task.execution_view(my_task)})
                data.update(outcome["set"])
                for name in outcome["removed"]:
                    data.pop(name, None)
                return outcome["result"]
            scratch = dict(data)
            sandbox.run(definition["src"], scratch, "exec", self.environment.time_limit)
            return deepcopy(scratch.get(RESULT))
        except Exception as exc:  # noqa: BLE001 - user code: an incident at this activity
            raise self.failure(my_task, what, exc) from None

    def listener(self, my_task: Any, listener: dict[str, Any], data: dict[str, Any], what: str,
                 task: dict[str, Any] | None = None) -> None:
        """Run one listener; `task`: the settings of the user task whose task listener this is (JavaScript then
        gets Camunda's DelegateTask as `task`, and what it changes of the task is kept: engine/camunda_task.py)."""
        event = what.split(" ")[0]
        try:
            if listener["kind"] == "script" and task is not None:  # `task`: Camunda's DelegateTask
                view = camunda_task.task_view(my_task, task, event, self.environment)
                made: list[camunda_task.DelegateTask] = []

                def bind(execution: Any) -> dict[str, Any]:
                    made.append(camunda_task.DelegateTask(view, execution))
                    return {"task": made[0]}

                sandbox.run(listener["src"], data, "exec", self.environment.time_limit,
                            camunda_task.execution_info(my_task), bind=bind)
                camunda_task.record(my_task, made[0].changes)
            elif listener["kind"] == "script":
                sandbox.run(listener["src"], data, "exec", self.environment.time_limit)
            elif listener["kind"] == "js":
                context = {"execution": camunda_task.execution_view(my_task, event), "task": None if task is None
                           else camunda_task.task_view(my_task, task, event, self.environment)}
                outcome = js_engine.run(listener["src"], data, self.environment.time_limit, context)
                if task is not None:
                    camunda_task.record(my_task, outcome["task"])
            else:
                self.environment.evaluate(listener["src"], data)
        except Exception as exc:  # noqa: BLE001 - user code: an incident at this activity
            raise self.failure(my_task, what, exc) from None

    def listeners(self, my_task: Any, found: list[dict[str, Any]], data: dict[str, Any], what: str,
                  task: dict[str, Any] | None = None) -> None:
        for listener in found:
            self.listener(my_task, listener, data, what, task)
