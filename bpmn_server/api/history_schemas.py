"""Schemas of the history's queries: the event list and the exports take the same filters."""

from __future__ import annotations

from typing import Any

from marshmallow import fields, validate

from .schemas import UTC, ListQuery, Strict


class EventFilters(Strict):
    """The history's filters, for the event list and the exports alike."""

    instance = fields.String(load_default=None)
    process = fields.String(load_default=None)
    type = fields.String(load_default=None)
    actor = fields.String(load_default=None)
    from_ = UTC(load_default=None, data_key="from")
    to = UTC(load_default=None)
    business_key = fields.String(load_default=None, metadata={
        "description": "events of the instances with this business key"})
    variable = fields.String(load_default=None, validate=validate.Length(max=255), metadata={
        "description": "with `value`: events of the instances in which this variable had that value (at the "
                       "start, submitted with a task, set by a repair, at the end, or now)"})
    value = fields.String(load_default=None, validate=validate.Length(max=1000), metadata={
        "description": "the variable's value, as JSON reads it (800 matches the number and the text \"800\")"})
    comment = fields.String(load_default=None, validate=validate.Length(max=1000), metadata={
        "description": "comments and task completions whose comment contains this text (any case)"})


EVENT_FILTERS = ("instance", "process", "type", "actor", "from_", "to", "business_key", "variable", "value",
                 "comment")


def event_filters(query: dict[str, Any]) -> dict[str, Any]:
    """The filters of a loaded EventQuery or ExportQuery as history.conditions' keywords."""
    return {("type_" if k == "type" else k): query[k] for k in EVENT_FILTERS}


class EventQuery(ListQuery, EventFilters):
    """The history list's query: a page (limit, after) of the events matching the filters."""


class ExportQuery(EventFilters):
    format = fields.String(load_default="json", validate=validate.OneOf(["json", "csv", "xes"]))
