"""DMN errors: a model refused at deploy (422 naming the element) and a decision that failed to evaluate."""

from __future__ import annotations

from bpmn_server.exceptions import Invalid


class DmnModelError(Invalid):
    """The .dmn file cannot be evaluated as written: names the element and says why."""

    title = "Invalid DMN model"

    def __init__(self, message: str, element: str | None = None, line: int | None = None):
        where = f" (element {element!r}" + (f", line {line}" if line else "") + ")" if element else ""
        super().__init__(message + where, element=element, line=line)
        self.element = element
        self.line = line


class DecisionError(Invalid):
    """A decision evaluated to an error (UNIQUE hit policy violated, input outside its allowed values, ...)."""

    title = "Decision evaluation failed"

    def __init__(self, message: str, decision: str | None = None):
        super().__init__(message, decision=decision)
        self.decision = decision
