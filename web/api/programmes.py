"""`/api/v1/programmes`: the programme (the IOP agreement's period and goals) and its quarterly
report, as the steering group's dashboard computes it, with the same small-count suppression.
Steering group, project leaders and admins."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
import sqlalchemy as sa
from marshmallow import fields

from models import Programme
from models.operations import budget as budget_ops
from models.operations.report_cache import cached_quarterly_report

from .. import permissions as perm
from ..extensions import db
from .core import LINK_HEADER, api_blueprint, get_visible_or_404, paginate
from .schemas import PageArgsSchema, page_of

blp = api_blueprint("api_programmes", __name__, "/programmes", "The programme and its quarterly follow-up.")

SUPPRESSED_NOTE = (
    'Counts of 1–4 persons, and counts that would let one be worked out from the published sums, are '
    'given as the string "x" (docs/disclosure.md).'
)


def _date(*, metadata: dict[str, Any] | None = None, **kwargs: Any) -> fields.String:
    return fields.String(metadata={"format": "date", **(metadata or {})}, **kwargs)


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


class BudgetLineFiguresSchema(ma.Schema):
    line = fields.String(required=True, metadata={
        "enum": ["project_leader", "co_worker", "overhead", "information", "travel", "total"],
    })
    budget_to_date_sek = fields.Integer(required=True, metadata={
        "description": "Each agreement year's amount × the share of its days up to `through`, rounded.",
    })
    spent_to_date_sek = fields.Integer(required=True, metadata={"description": "Actual costs up to `through`."})
    deviation_sek = fields.Integer(required=True, metadata={"description": "Spent − budget to date."})
    deviation_pct = fields.Float(required=True, allow_none=True, metadata={
        "description": "The deviation in percent of the budget to date (null without budget).",
    })
    significant_deviation = fields.Boolean(required=True, metadata={
        "description": "More than the threshold either way, or costs on a line without budget.",
    })
    year_budget_sek = fields.Integer(required=True)
    year_spent_sek = fields.Integer(required=True)
    year_forecast_sek = fields.Integer(required=True, metadata={
        "description": "Spent so far in the agreement year + the year's budget for the rest of it.",
    })


class BudgetYearFiguresSchema(ma.Schema):
    number = fields.Integer(required=True, metadata={"description": "The agreement year, 1 for the first."})
    start = _date(required=True)
    end = _date(required=True)
    budget_sek = fields.Integer(required=True)
    funding_sek = fields.Integer(required=True)
    spent_sek = fields.Integer(required=True)
    forecast_sek = fields.Integer(required=True)


class FundingFiguresSchema(ma.Schema):
    organisation = fields.String(required=True, metadata={"description": "The party's short name."})
    year_amount_sek = fields.Integer(required=True)


class BudgetFiguresSchema(ma.Schema):
    through = _date(required=True, allow_none=True, metadata={
        "description": "Costs are followed by whole months, up to this day (null before a month has ended).",
    })
    deviation_threshold_pct = fields.Integer(required=True)
    significant_deviation = fields.Boolean(required=True)
    year = fields.Nested(
        BudgetYearFiguresSchema, required=True, metadata={"description": "The current agreement year."}
    )
    lines = fields.List(fields.Nested(BudgetLineFiguresSchema), required=True)
    total = fields.Nested(BudgetLineFiguresSchema, required=True)
    funding = fields.List(fields.Nested(FundingFiguresSchema), required=True)
    funding_covers_budget = fields.Boolean(required=True)
    uncovered_years = fields.List(fields.Integer(), required=True)
    cost_per_person_sek = fields.Integer(required=True, allow_none=True, metadata={
        "description": "Spent to date / persons counted toward the goal (null before costs or persons).",
    })


class ReportSchema(ma.Schema):
    programme = fields.Nested(ReportProgrammeSchema, required=True)
    as_of = _date(required=True)
    current_quarter = fields.String(required=True, allow_none=True)
    quarters = fields.List(fields.Nested(QuarterFiguresSchema), required=True)
    totals = fields.Nested(TotalsSchema, required=True)
    forecast = fields.Nested(ForecastSchema, required=True)
    budget_to_date_sek = fields.Integer(required=True, metadata={
        "description": "Yearly budget × elapsed share of the period (an estimate; see `budget` for the actual costs).",
    })
    cost_per_person_sek = fields.Integer(required=True, allow_none=True, metadata={
        "description": "budget_to_date_sek / persons (an estimate; `budget.cost_per_person_sek` is from actual costs).",
    })
    budget = fields.Nested(BudgetFiguresSchema, required=True, allow_none=True, metadata={
        "description": "The agreement's budget followed up with the actual costs.",
    })
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
    return cached_quarterly_report(db.session, programme).to_dict()


class PlannedYearSchema(ma.Schema):
    year = fields.Integer(required=True)
    start = _date(required=True)
    end = _date(required=True)
    lines = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True, metadata={
        "description": "Budget line → kronor for the year.",
    })
    total_sek = fields.Integer(required=True)
    funding = fields.List(fields.Nested(FundingFiguresSchema), required=True)
    funding_total_sek = fields.Integer(required=True)
    funding_covers_budget = fields.Boolean(required=True)


class MonthCostSchema(ma.Schema):
    month = fields.String(required=True, metadata={"pattern": r"^\d{4}-\d{2}$", "example": "2026-03"})
    line = fields.String(required=True)
    amount_sek = fields.Integer(required=True)
    source = fields.String(required=True, metadata={"enum": ["manual", "import"]})


class BudgetSchema(ma.Schema):
    programme_id = fields.Integer(required=True)
    years = fields.List(fields.Nested(PlannedYearSchema), required=True)
    actual_costs = fields.List(fields.Nested(MonthCostSchema), required=True)
    follow_up = fields.Nested(BudgetFiguresSchema, required=True, metadata={
        "description": "The follow-up as in the report's `budget`.",
    })


@blp.route("/<int:programme_id>/budget")
@blp.allow(perm.can_view_budget)
@blp.etag
@blp.response(200, BudgetSchema)
@blp.problems(403, 404)
def budget(programme_id: int) -> Any:
    """The budget: lines and financing per agreement year, actual costs per month and their follow-up"""
    programme = get_visible_or_404(Programme, programme_id, lambda user, _p: perm.can_view_budget(user))
    report = cached_quarterly_report(db.session, programme)
    return {
        "programme_id": programme.id,
        "years": [
            {
                "year": plan.year.number, "start": plan.year.start.isoformat(), "end": plan.year.end.isoformat(),
                "lines": {line.value: amount for line, amount in plan.amounts.items()}, "total_sek": plan.total,
                "funding": [
                    {"organisation": org.short_name, "year_amount_sek": amount} for org, amount in plan.funding
                ],
                "funding_total_sek": plan.funding_total, "funding_covers_budget": plan.covered,
            }
            for plan in budget_ops.budget_plan(db.session, programme)
        ],
        "actual_costs": [
            {"month": f"{month:%Y-%m}", "line": line.value, "amount_sek": cost.amount_sek, "source": cost.source.value}
            for month, by_line in budget_ops.month_costs(db.session, programme).items()
            for line, cost in ((line, by_line[line]) for line in budget_ops.LINES if line in by_line)
        ],
        "follow_up": report.budget.to_dict() if report.budget else None,
    }
