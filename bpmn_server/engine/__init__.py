"""The engine adapter: the only package that imports SpiffWorkflow.

Services call the functions below and handle workflows as opaque objects. Facts come back as
plain dataclasses (see `facts.py`).
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from . import facts as _facts
from . import runtime as _runtime
from . import sandbox
from .errors import BpmnInvalid, BpmnMalformed, StepFailed
from .facts import Facts, OpenTask, WaitingEvent, plain
from .parser import ParsedProcess, build_processes, parse_xml

SERIALIZER_VERSION = _runtime.SERIALIZER_VERSION
Workflow = Any  # an opaque SpiffWorkflow BpmnWorkflow

__all__ = ["BpmnInvalid", "BpmnMalformed", "StepFailed", "Facts", "OpenTask", "WaitingEvent", "ParsedProcess",
           "SERIALIZER_VERSION", "plain", "parse_definitions", "bundle", "start", "load", "dump", "run",
           "derive", "complete_task", "fire_timer", "evaluate", "set_time_limit", "now_marker", "cancel"]


def parse_definitions(data: bytes, filename: str, find_called: Callable[[str], bytes | None]) -> list[ParsedProcess]:
    """Parse, validate and translate an upload; raise BpmnMalformed (400) or BpmnInvalid (422)."""
    root = parse_xml(data)
    return build_processes(root, filename, _runtime.serialize_spec, find_called)


def process_ids(data: bytes) -> list[str]:
    """The ids of the executable processes of a file (already validated)."""
    from .parser import BPMN

    root = parse_xml(data)
    return [p.get("id") for p in root.findall(f"{{{BPMN}}}process") if p.get("isExecutable", "true") == "true"]


class _BundleCache:
    """Parsed specs by definition id. Definitions never change, so entries never go stale."""

    def __init__(self, size: int = 512):
        self.size = size
        self.items: OrderedDict[str, _runtime.Bundle] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, definition_id: str, stored: Callable[[], str]) -> _runtime.Bundle:
        with self.lock:
            hit = self.items.get(definition_id)
            if hit is not None:
                self.items.move_to_end(definition_id)
                return hit
        import json

        made = _runtime.Bundle(json.loads(stored()))
        with self.lock:
            self.items[definition_id] = made
            while len(self.items) > self.size:
                self.items.popitem(last=False)
        return made


_CACHE = _BundleCache()


def bundle(definition_id: str, stored: Callable[[], str]) -> Any:
    """The spec of a definition, parsed once per process; `stored()` gives its JSON on a miss."""
    return _CACHE.get(definition_id, stored)


def start(spec_bundle: Any, variables: dict[str, Any]) -> Workflow:
    return _runtime.new_workflow(spec_bundle, variables)


def load(spec_bundle: Any, state: str) -> Workflow:
    return _runtime.load(spec_bundle, state)


def dump(wf: Workflow) -> str:
    return _runtime.dump(wf)


def run(wf: Workflow) -> None:
    """Run engine steps until every token waits; raise StepFailed on a script or gateway failure."""
    _runtime.run_engine(wf)


def derive(wf: Workflow, since: float) -> Facts:
    """Facts of the workflow; `finished` holds the activities completed at or after `since`."""
    return _facts.derive(wf, since)


def now_marker() -> float:
    """The time stamp to pass to `derive` for "completed during this step"."""
    return time.time()


def complete_task(wf: Workflow, task_id: str, data: dict[str, Any]) -> bool:
    return _runtime.complete_task(wf, task_id, data)


def fire_timer(wf: Workflow, task_id: str) -> bool:
    return _runtime.fire_timer(wf, task_id)


def cancel(wf: Workflow) -> None:
    _runtime.cancel(wf)


def evaluate(source: str, data: dict[str, Any]) -> Any:
    """Evaluate deploy-time translated expression source against data, in the sandbox."""
    return _runtime.ENVIRONMENT.evaluate(source, data)


def set_time_limit(seconds: float) -> None:
    _runtime.ENVIRONMENT.time_limit = seconds


def variables_ok(value: Any, path: str = "") -> list[str]:
    """Reasons why client variables cannot round-trip through the engine's serializer."""
    problems: list[str] = []
    if isinstance(value, dict):
        if "typename" in value:
            problems.append(f"{path or 'variables'}: objects with a 'typename' key are reserved by the engine")
        for k, v in value.items():
            problems.extend(variables_ok(v, f"{path}.{k}" if path else str(k)))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            problems.extend(variables_ok(v, f"{path}[{i}]"))
    elif not (value is None or isinstance(value, (str, int, float, bool))):
        problems.append(f"{path}: unsupported value type {type(value).__name__}")
    return problems


_ = sandbox  # re-exported for the sandbox's limits in docs and tests
