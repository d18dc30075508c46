"""DMN 1.1-1.5 decisions: `load(bytes) -> DmnModel` (refuses with DmnModelError, naming the element, what
cannot be evaluated) and `evaluate(model, key, variables) -> DecisionResult` (DecisionError when a decision
fails: a UNIQUE table with two hits, a value outside its allowed values). FEEL lives in bpmn_server.feel."""

from .drg import DecisionResult, Evaluation, evaluate
from .errors import DecisionError, DmnModelError
from .model import DmnModel
from .parse import is_dmn, load

__all__ = ["DecisionError", "DecisionResult", "DmnModel", "DmnModelError", "Evaluation", "evaluate", "is_dmn",
           "load"]
