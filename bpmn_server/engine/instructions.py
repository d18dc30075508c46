"""spiff-arena's `instructionsForEndUser`: a Jinja template (markdown) rendered with the instance's variables
when a user task is created, shown on the task page and in the task API.

Rendered in Jinja's immutable sandbox (no attribute starting with `_`, no changes to the variables, `range` capped)
with a wall-clock limit enforced by tracing the template's own lines, and a cap on the size of the text. The
text is shown as it comes (markdown source, escaped), never as HTML.
"""

from __future__ import annotations

import sys
import time
from typing import Any

from jinja2 import TemplateError
from jinja2.sandbox import ImmutableSandboxedEnvironment

from .sandbox_guards import SandboxViolation, ScriptTimeout

MAX_CHARS = 20_000
_ENV = ImmutableSandboxedEnvironment(autoescape=False, keep_trailing_newline=True)


def problem(template: str) -> str | None:
    """Why `template` does not compile (at deploy), or None."""
    try:
        _ENV.parse(template)
    except TemplateError as exc:
        return f"the Jinja template does not compile: {exc}"
    return None


def render(template: str, variables: dict[str, Any], time_limit: float) -> str:
    """The instructions for these variables; SandboxViolation / ScriptTimeout when the template misbehaves."""
    until = time.monotonic() + time_limit

    def on_line(frame: Any, event: str, arg: Any) -> Any:
        if time.monotonic() > until:
            raise ScriptTimeout(f"the instructions took longer than the limit of {time_limit:g} s to render")
        return on_line

    def on_call(frame: Any, event: str, arg: Any) -> Any:
        # Only the template's own code is traced line by line: its loops cannot outrun the clock.
        return on_line if frame.f_code.co_filename == "<template>" else None

    previous = sys.gettrace()
    sys.settrace(on_call)
    try:
        text = _ENV.from_string(template).render(**{k: v for k, v in variables.items() if isinstance(k, str)})
    except ScriptTimeout:
        raise
    except TemplateError as exc:
        raise SandboxViolation(f"the instructions cannot be rendered: {exc}") from None
    finally:
        sys.settrace(previous)
    if len(text) > MAX_CHARS:
        raise SandboxViolation(f"the rendered instructions are longer than {MAX_CHARS:,} characters")
    return text
