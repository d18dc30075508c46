"""`execution`, Camunda's view of the running instance, in expressions and scripts (docs/EXPRESSIONS.md).

It holds the instance's id, business key and current activity, and the variables of the sandbox run it belongs
to; nothing of the workflow, the database or the request. Its methods and properties are Camunda's names.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .sandbox_guards import SandboxViolation
from .spin import plain

EXECUTION = "execution"
REMOVED = object()  # in Execution.changes: the variable was removed


@dataclass(frozen=True)
class ExecutionInfo:
    """What the engine knows of the instance an expression runs for."""

    instance_id: str | None = None
    business_key: str | None = None
    activity: str | None = None


class Execution:
    """Camunda's `execution` in expressions and scripts. A script's setVariable/removeVariable change the
    script's variables; an expression's (`${execution.setVariable('x', 1)}`, Camunda's way of writing in an
    expression listener) are recorded in `changes` and written back by the sandbox (engine/sandbox.py)."""

    __slots__ = ("_info", "_vars", "changes")

    def __init__(self, info: ExecutionInfo, variables: dict[str, Any]):
        self._info, self._vars = info, variables
        self.changes: dict[str, Any] = {}  # name -> value, or REMOVED

    def getVariable(self, name: str) -> Any:  # noqa: N802 - Camunda's names
        return self._vars.get(name)

    def getVariables(self) -> dict[str, Any]:  # noqa: N802
        return {k: v for k, v in self._vars.items() if _is_variable(k, v)}

    def getVariableNames(self) -> list[str]:  # noqa: N802
        return sorted(self.getVariables())

    def hasVariable(self, name: str) -> bool:  # noqa: N802
        return name in self._vars and _is_variable(name, self._vars[name])

    def setVariable(self, name: str, value: Any) -> None:  # noqa: N802
        if not isinstance(name, str) or not name.isidentifier() or name.startswith(("_", "juel_")) \
                or name == EXECUTION:
            raise SandboxViolation(f"{name!r} cannot be a variable name")
        value = plain(value)  # a Spin node is stored as its JSON value
        self._vars[name] = value
        self.changes[name] = value

    def removeVariable(self, name: str) -> None:  # noqa: N802
        self._vars.pop(name, None)
        self.changes[name] = REMOVED

    def getProcessInstanceId(self) -> str | None:  # noqa: N802
        return self._info.instance_id

    def getProcessBusinessKey(self) -> str | None:  # noqa: N802
        return self._info.business_key

    getBusinessKey = getProcessBusinessKey  # noqa: N815

    def getCurrentActivityId(self) -> str | None:  # noqa: N802
        return self._info.activity

    processInstanceId = property(getProcessInstanceId)  # noqa: N815
    processBusinessKey = property(getProcessBusinessKey)  # noqa: N815
    businessKey = property(getProcessBusinessKey)  # noqa: N815
    currentActivityId = property(getCurrentActivityId)  # noqa: N815
    variables = property(getVariables)
    variableNames = property(getVariableNames)  # noqa: N815


def _is_variable(name: str, value: Any) -> bool:
    return not name.startswith("_") and not name.startswith("juel_") and not callable(value) \
        and not isinstance(value, Execution) and name != "__builtins__"


EXECUTION_PROPERTIES: dict[str, Callable[[Execution], Any]] = {
    "processInstanceId": Execution.getProcessInstanceId, "processBusinessKey": Execution.getProcessBusinessKey,
    "businessKey": Execution.getProcessBusinessKey, "currentActivityId": Execution.getCurrentActivityId,
    "variables": Execution.getVariables, "variableNames": Execution.getVariableNames,
}
EXECUTION_METHODS: dict[str, Callable[..., Any]] = {
    "getVariable": Execution.getVariable, "getVariables": Execution.getVariables,
    "getVariableNames": Execution.getVariableNames, "hasVariable": Execution.hasVariable,
    "getProcessInstanceId": Execution.getProcessInstanceId, "getProcessBusinessKey": Execution.getProcessBusinessKey,
    "getBusinessKey": Execution.getProcessBusinessKey, "getCurrentActivityId": Execution.getCurrentActivityId,
    # Camunda writes variables from expressions this way (expression listeners, say); returns null.
    "setVariable": Execution.setVariable, "removeVariable": Execution.removeVariable,
}
