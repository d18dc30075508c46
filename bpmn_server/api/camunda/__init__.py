"""Camunda 7 REST compatibility under /engine-rest: Camunda Modeler's deploy dialog and Camunda
external-task workers work against this server unchanged.

A client of the same services as the native API (no second engine path). It speaks Camunda's dialect:
its field names, typed variables (variables.py), date format, error body and status codes (errors.py),
and HTTP Basic authentication with the user's token as the password (auth.py).
"""

from __future__ import annotations

from . import auth, definitions, deployments, errors, external_tasks, instances, messages, signals, tasks
from .base import bp

auth.install(bp)
errors.install(bp)

__all__ = ["bp", "definitions", "deployments", "external_tasks", "instances", "messages", "signals", "tasks"]
