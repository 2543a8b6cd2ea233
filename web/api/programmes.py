"""`/api/v1/programmes`: the programme (the IOP agreement's period and goals) and its quarterly
report, as the steering group's dashboard computes it, with the same small-count suppression.
Steering group, project leaders and admins."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
import sqlalchemy as sa
from marshmallow import fields

from models import Programme
from models.operations.reports import quarterly_report

from .. import permissions as perm
from ..extensions import db
from .core import LINK_HEADER, api_blueprint, get_visible_or_404, paginate
from .schemas import PageArgsSchema, page_of

blp = api_blueprint("api_programmes", __name__, "/programmes", "The programme and its quarterly follow-up.")

SUPPRESSED_NOTE = (
    'Counts of 1–4 persons, and counts that would let one be worked out from the published sums, are '
    'given as the string "x" (docs/disclosure.md).'
)


def _date(**kwargs: Any) -> fields.String:
    return fields.String(metadata={"format": "date"}, **kwargs)


class ProgrammeSchema(ma.Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    starts_on = fields.Date(required=True)
    ends_on = fields.Date(required=True)
    yearly_budget_sek = fields.Integer(required=True)


class ReportProgrammeSchema(ProgrammeSchema):
    starts_on = _date(required=True)
    ends_on = _date(required=True)


class QuarterFiguresSchema(ma.Schema):
    quarter = fields.String(required=True, metadata={"pattern": r"^\d{4}-Q[1-4]$", "example": "2026-Q1"})
    start = _date(required=True)
    end = _date(required=True)
    status = fields.String(required=True, metadata={"enum": ["past", "current", "future"]})
    new_persons = fields.Integer(
        required=True, metadata={"description": "Persons counted for the first time this quarter (4–8 h visit)."}
    )
    cumulative_persons = fields.Integer(required=True)
    target_to_date = fields.Integer(required=True, metadata={"description": "The goal's milestone for the quarter."})
    visits_completed = fields.Integer(required=True, metadata={"description": "Completed visits of any length."})
    visits_counting = fields.Integer(required=True, metadata={"description": "Completed visits of 4–8 hours."})
    no_shows = fields.Raw(required=True, metadata={
        "description": f"Visits the participant did not come to. {SUPPRESSED_NOTE}",
        "oneOf": [{"type": "integer"}, {"type": "string", "enum": ["x"]}],
    })
    cancellations = fields.Integer(required=True)
    declined = fields.Integer(required=True)
    activities = fields.Dict(
        required=True,
        metadata={"description": f"Per activity type: held, attended, absent, target. {SUPPRESSED_NOTE}"},
    )
    new_persons_by = fields.Dict(
        required=True, metadata={"description": f"New persons by target group, network, field, size. {SUPPRESSED_NOTE}"}
    )
    survey_pairs = fields.Dict(required=True, metadata={"description": "Before/after questionnaire pairs."})


class TotalsSchema(ma.Schema):
    persons = fields.Integer(required=True)
    target = fields.Integer(required=True)
    target_to_date = fields.Integer(required=True)
    visits_completed = fields.Integer(required=True)
    visits_counting = fields.Integer(required=True)
    no_shows = fields.Raw(required=True, metadata={
        "description": SUPPRESSED_NOTE, "oneOf": [{"type": "integer"}, {"type": "string", "enum": ["x"]}],
    })
    cancellations = fields.Integer(required=True)
    declined = fields.Integer(required=True)
    activities = fields.Dict(required=True, metadata={"description": SUPPRESSED_NOTE})
    new_persons_by = fields.Dict(required=True, metadata={"description": SUPPRESSED_NOTE})
    survey_pairs = fields.Dict(required=True)


class ForecastSchema(ma.Schema):
    persons = fields.Integer(required=True)
    pace_per_quarter = fields.Float(required=True, allow_none=True)
    full_quarters = fields.Integer(required=True)
    remaining_quarters = fields.Float(required=True)
    booked = fields.Integer(required=True)
    projected = fields.Integer(required=True)


class ReportSchema(ma.Schema):
    programme = fields.Nested(ReportProgrammeSchema, required=True)
    as_of = _date(required=True)
    current_quarter = fields.String(required=True, allow_none=True)
    quarters = fields.List(fields.Nested(QuarterFiguresSchema), required=True)
    totals = fields.Nested(TotalsSchema, required=True)
    forecast = fields.Nested(ForecastSchema, required=True)
    budget_to_date_sek = fields.Integer(required=True)
    cost_per_person_sek = fields.Integer(required=True, allow_none=True)
    follow_ups = fields.Dict(
        required=True, metadata={"description": f"Months (3, 6) → result → persons. {SUPPRESSED_NOTE}"}
    )
    suppression = fields.String(required=True)


ProgrammePageSchema = page_of(ProgrammeSchema, "ProgrammePageSchema")


@blp.route("")
@blp.allow(perm.can_view_reports)
@blp.arguments(PageArgsSchema, location="query")
@blp.response(200, ProgrammePageSchema, headers=LINK_HEADER)
@blp.problems(403, 422)
def list_programmes(args: dict[str, Any]) -> Any:
    """Programmes, latest first"""
    return paginate(sa.select(Programme).order_by(Programme.starts_on.desc(), Programme.id.desc()), args)


@blp.route("/<int:programme_id>/report")
@blp.allow(perm.can_view_reports)
@blp.etag
@blp.response(200, ReportSchema)
@blp.problems(403, 404)
def report(programme_id: int) -> Any:
    """The quarterly report: persons reached against the goal, visits, activities, forecast"""
    programme = get_visible_or_404(Programme, programme_id, lambda user, _p: perm.can_view_reports(user))
    return quarterly_report(db.session, programme).to_dict()
