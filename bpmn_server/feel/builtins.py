"""All FEEL built-in functions, registered by the fn_* modules on import."""

from __future__ import annotations

from . import fn_context, fn_list, fn_number, fn_range, fn_string, fn_temporal  # noqa: F401  (registration)
from .registry import BUILTINS, call_function

__all__ = ["BUILTINS", "call_function"]
