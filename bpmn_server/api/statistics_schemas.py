"""Schemas of the heat map's figures per activity (`GET /api/process-definitions/{id}/statistics`)."""

from __future__ import annotations

from marshmallow import Schema, fields

from .schemas import UTC, Strict


class StatisticsQuery(Strict):
    from_ = UTC(load_default=None, data_key="from", metadata={
        "description": "time spent over the visits completed since then (default: every visit)"})


class ActivityStatisticsSchema(Schema):
    activity = fields.String(metadata={"description": "the BPMN element id"})
    name = fields.String()
    waiting = fields.Integer(metadata={"description": "tokens waiting there now (open instances)"})
    waiting_by_kind = fields.Dict(keys=fields.String(), values=fields.Integer(), metadata={
        "description": "tasks, timers, external, events (messages and signals)"})
    instances = fields.Integer(metadata={"description": "open instances waiting or failed there now"})
    completed = fields.Integer(metadata={"description": "visits completed (from the history)"})
    avg_seconds = fields.Float(allow_none=True, metadata={
        "description": "average time spent per visit, from its arrival (task created, timer scheduled, "
                       "worker task created) to its completion; 0 for what completes in one step"})
    p90_seconds = fields.Float(allow_none=True)
    incidents = fields.Integer(metadata={"description": "open incidents there"})
    incidents_by_type = fields.Dict(keys=fields.String(), values=fields.Integer())


class StatisticsSchema(Schema):
    definition_id = fields.String()
    items = fields.List(fields.Nested(ActivityStatisticsSchema))
