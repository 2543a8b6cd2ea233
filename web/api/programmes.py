"""`/api/v1/programmes`: the programme (the IOP agreement's period and goals) and its quarterly
report, as the steering group's dashboard computes it, with the same small-count suppression.
Steering group, project leaders and admins."""

from __future__ import annotations

import json
from typing import Any

import marshmallow as ma
import sqlalchemy as sa
from marshmallow import fields

from models import Programme, QuarterSignoff
from models.operations import agreement as agreement_ops
from models.operations import budget as budget_ops
from models.operations import signoff as signoff_ops
from models.operations.reports import current_report

from .. import permissions as perm
from ..extensions import db
from ..signoff import service as signoff_service
from .core import (
    LINK_HEADER,
    api_blueprint,
    api_user,
    audit,
    get_visible_or_404,
    not_found,
    paginate,
    require,
)
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
    survey_pairs = fields.Dict(required=True, metadata={
        "description": "Before/after questionnaire pairs per questionnaire and question key: pairs, mean_change, "
        f"ci95 (the 95 % t-interval of the mean, null below 2 pairs), share_improved. {SUPPRESSED_NOTE}",
    })
    survey_response = fields.Dict(required=True, metadata={
        "description": "Per questionnaire: links sent, answered and the response rate; answered \"after\" "
        "questionnaires (one per respondent and activity), pairs, "
        f"unpaired, and late \"before\" questionnaires (answered after the activity started). {SUPPRESSED_NOTE}",
    })


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
    survey_response = fields.Dict(required=True, metadata={"description": SUPPRESSED_NOTE})
    employees = fields.Dict(required=True, metadata={
        "description": "Colleagues' anonymous answers at hosting workplaces per quarter and 'total': companies, "
        f"answers and the mean answer per question key (hidden below 5 answers). {SUPPRESSED_NOTE}",
    })
    survey_pairs_by_target_group = fields.Dict(required=True, metadata={
        "description": "Participants' pairs per questionnaire, question key and target group over the period so "
        f"far. {SUPPRESSED_NOTE}",
    })


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
    compilation = fields.Dict(required=True, allow_none=True, metadata={
        "description": "What TH compiles the quarter from: `referrals_by_unit` (received, accepted, returned per "
        "referring unit and quarter), `visits_hosted_by_network`, `companies_engaged_by_network`, "
        f"`companies_recruiting_by_network` and `feedback` (forms, mean ratings, further interest). {SUPPRESSED_NOTE}",
    })
    feedback_ratings = fields.Dict(required=True, metadata={
        "description": "Feedback forms per rating (overall, interest, punctuality) and value 1–5 over the period "
        f"so far, with 'total'; no free text. {SUPPRESSED_NOTE}",
    })
    follow_ups = fields.Dict(
        required=True, metadata={"description": f"Months (3, 6) → result → persons. {SUPPRESSED_NOTE}"}
    )
    self_sufficiency = fields.Dict(required=True, metadata={
        "description": "Months (3, 6) → `self_sufficient` (no longer on ekonomiskt bistånd), `on_assistance`, "
        f"`not_recorded` → persons followed up. {SUPPRESSED_NOTE}",
    })
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
    return current_report(db.session, programme).published()


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
    report = current_report(db.session, programme)
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


# --- a quarter the steering group signs off ----------------------------------------------------
QUARTER_PATTERN = r"^\d{4}-Q[1-4]$"


class CompiledBySchema(ma.Schema):
    name = fields.String(required=True)
    organisation = fields.String(required=True)
    at = fields.DateTime(required=True)


class QuarterApprovalSchema(ma.Schema):
    organisation = fields.String(required=True)
    name = fields.String(required=True)
    at = fields.DateTime(required=True)
    report_sha256 = fields.String(required=True)
    current = fields.Boolean(required=True, metadata={"description": "For the figures as they are (or were approved)."})


class CorrectionSchema(ma.Schema):
    path = fields.String(required=True, metadata={"example": "quarters.2026-Q3.new_persons"})
    approved = fields.Raw(required=True, allow_none=True)
    previous = fields.Raw(required=True, allow_none=True)
    corrected = fields.Raw(required=True, allow_none=True)
    detected_at = fields.DateTime(required=True)


class ProtectedChangeSchema(ma.Schema):
    table = fields.String(required=True, metadata={"example": "new_persons_by", "description": (
        "A table whose small counts are protected (docs/disclosure.md): which of its figures changed, and by "
        "how much, is not told, since between two versions a difference of one points at a person.")})
    figures = fields.Integer(required=True, metadata={"description": "How many of its figures differ."})
    last_detected_at = fields.DateTime(required=True)


class SignoffSchema(ma.Schema):
    quarter = fields.String(required=True, metadata={"pattern": QUARTER_PATTERN})
    as_of = fields.Date(required=True)
    status = fields.String(required=True, metadata={"enum": ["awaiting_approval", "signed_off"]})
    compiled_by = fields.Nested(CompiledBySchema, required=True)
    approvals = fields.List(fields.Nested(QuarterApprovalSchema), required=True)
    pending_parties = fields.List(fields.String(), required=True)
    report_sha256 = fields.String(required=True, metadata={
        "description": "The approved figures' fingerprint; before sign-off, the current figures' (approve with it).",
    })
    signed_off_at = fields.DateTime(required=True, allow_none=True)


class SignoffDetailSchema(SignoffSchema):
    report = fields.Dict(required=True, metadata={
        "description": "The report: as approved once signed off (never changed), else as computed now.",
    })
    corrections = fields.List(fields.Nested(CorrectionSchema), required=True, metadata={
        "description": "Top-line figures that differ from the approved ones, with their values."})
    protected_corrections = fields.List(fields.Nested(ProtectedChangeSchema), required=True)


class CompileInSchema(ma.Schema):
    quarter = fields.String(required=True, validate=ma.validate.Regexp(QUARTER_PATTERN))


class ApprovalInSchema(ma.Schema):
    report_sha256 = fields.String(required=True, validate=ma.validate.Length(equal=64), metadata={
        "description": "The fingerprint of the figures you approve, from GET.",
    })


def _signoff_body(signoff: QuarterSignoff, *, detail: bool) -> dict[str, Any]:
    if signoff.signed_off_at is not None:
        sha, figures = signoff.report_sha256 or "", signoff_ops.approved_figures(signoff) if detail else None
    else:
        _report, figures, sha = signoff_service.figures_now(signoff)
    body: dict[str, Any] = {
        "quarter": signoff.quarter, "as_of": signoff.quarter_end, "signed_off_at": signoff.signed_off_at,
        "status": "signed_off" if signoff.signed_off_at else "awaiting_approval",
        "compiled_by": {"name": signoff.compiled_by_name, "organisation": signoff.compiled_by_organisation,
                        "at": signoff.compiled_at},
        "approvals": [
            {"organisation": a.organisation.name, "name": a.user_name, "at": a.approved_at,
             "report_sha256": a.report_sha256, "current": a.report_sha256 == sha}
            for a in signoff.approvals
        ],
        "pending_parties": [o.name for o in signoff_ops.pending_parties(signoff, sha)],
        "report_sha256": sha,
    }
    if detail:
        body["report"] = figures
        shown, protected = signoff_service.corrections(signoff)  # kept as they are found (the request's commit)
        body["corrections"] = [
            {"path": c.path, "approved": json.loads(c.approved_value), "previous": json.loads(c.previous_value),
             "corrected": json.loads(c.corrected_value), "detected_at": c.detected_at}
            for c in shown
        ]
        body["protected_corrections"] = [
            {"table": p.table, "figures": p.figures, "last_detected_at": p.last_detected_at} for p in protected
        ]
    return body


def _programme_for_reports(programme_id: int) -> Programme:
    return get_visible_or_404(Programme, programme_id, lambda user, _p: perm.can_view_signoffs(user))


def _signoff(programme: Programme, quarter: str) -> QuarterSignoff:
    signoff = next((s for s in signoff_ops.signoffs(db.session, programme) if s.quarter == quarter), None)
    if signoff is None:
        not_found()
    return signoff


@blp.route("/<int:programme_id>/signoffs")
@blp.allow(perm.can_view_signoffs)
@blp.response(200, SignoffSchema(many=True))
@blp.problems(403, 404)
def list_signoffs(programme_id: int) -> Any:
    """The quarters compiled for the steering group, latest first, with their approvals"""
    programme = _programme_for_reports(programme_id)
    return [_signoff_body(s, detail=False) for s in signoff_ops.signoffs(db.session, programme)]


@blp.route("/<int:programme_id>/signoffs", methods=["POST"])
@blp.allow(perm.can_compile_quarter)
@blp.arguments(CompileInSchema)
@blp.response(201, SignoffSchema)
@blp.problems(403, 404, 409, 413, 415, 422)
def compile_signoff(body: dict[str, Any], programme_id: int) -> Any:
    """Compile a quarter that has ended for the steering group (project leaders)"""
    programme = _programme_for_reports(programme_id)
    quarter = signoff_ops.quarter_labelled(programme, body["quarter"])
    signoff = signoff_ops.compile_quarter(db.session, programme, quarter.calendar_start, by=api_user())
    audit("quarter_compiled", signoff, quarter=signoff.quarter)
    db.session.flush()
    return _signoff_body(signoff, detail=False)


@blp.route("/<int:programme_id>/signoffs/<quarter>")
@blp.allow(perm.can_view_signoffs)
@blp.response(200, SignoffDetailSchema)
@blp.problems(403, 404)
def get_signoff(programme_id: int, quarter: str) -> Any:
    """A compiled quarter: its report (as approved once signed off) and the corrections found since"""
    return _signoff_body(_signoff(_programme_for_reports(programme_id), quarter), detail=True)


@blp.route("/<int:programme_id>/signoffs/<quarter>/approvals", methods=["POST"])
@blp.allow(perm.can_view_signoffs)
@blp.arguments(ApprovalInSchema)
@blp.response(200, SignoffSchema)
@blp.problems(403, 404, 409, 413, 415, 422)
def approve_signoff(body: dict[str, Any], programme_id: int, quarter: str) -> Any:
    """Approve a quarter's figures for your organisation (a steering group member of a party)"""
    signoff = _signoff(_programme_for_reports(programme_id), quarter)
    require(perm.can_approve_quarter(api_user(), signoff.programme), signoff)
    done = signoff_service.approve(signoff, api_user(), seen_sha256=body["report_sha256"])
    audit("quarter_approved", signoff, quarter=signoff.quarter, signed_off=done)
    db.session.flush()
    return _signoff_body(signoff, detail=False)


# --- the agreement: period, extension deadline, changes --------------------------------------
class AgreementApprovalSchema(ma.Schema):
    organisation = fields.String(required=True)
    approved_on = fields.Date(required=True)
    signed_by = fields.String(required=True)


class AgreementChangeSchema(ma.Schema):
    kind = fields.String(required=True, metadata={"enum": ["extension", "period", "goals", "budget", "other"]})
    decided_on = fields.Date(required=True, metadata={"description": "The day the last party approved."})
    summary = fields.String(required=True)
    reason = fields.String(required=True)
    previous_ends_on = fields.Date(required=True, allow_none=True)
    new_ends_on = fields.Date(required=True, allow_none=True)
    targets = fields.Dict(required=True, metadata={"description": "Goal → [target before, target after]."})
    approvals = fields.List(fields.Nested(AgreementApprovalSchema), required=True)


class AgreementSchema(ma.Schema):
    starts_on = fields.Date(required=True)
    ends_on = fields.Date(required=True)
    extension_deadline = fields.Date(required=True, metadata={
        "description": "The parties approve an extension in writing at the latest this day (6 months before the end).",
    })
    reminder_on = fields.Date(required=True)
    extensions_used = fields.Integer(required=True)
    extensions_left = fields.Integer(required=True, metadata={"description": "Of 1 + 1 years."})
    changes = fields.List(fields.Nested(AgreementChangeSchema), required=True)


@blp.route("/<int:programme_id>/agreement")
@blp.allow(perm.can_view_agreement)
@blp.response(200, AgreementSchema)
@blp.problems(403, 404)
def agreement(programme_id: int) -> Any:
    """The agreement's period, the extension deadline and the changes with each party's approval"""
    programme = get_visible_or_404(Programme, programme_id, lambda user, _p: perm.can_view_agreement(user))
    status = agreement_ops.agreement_status(db.session, programme)
    return {
        "starts_on": programme.starts_on, "ends_on": programme.ends_on, "extension_deadline": status.deadline,
        "reminder_on": status.remind_on, "extensions_used": status.extensions_used,
        "extensions_left": status.extensions_left,
        "changes": [
            {
                "kind": c.kind.value, "decided_on": c.decided_on, "summary": c.summary, "reason": c.reason,
                "previous_ends_on": c.previous_ends_on, "new_ends_on": c.new_ends_on,
                "targets": c.details.get("targets", {}),
                "approvals": [
                    {"organisation": a.organisation.name, "approved_on": a.approved_on, "signed_by": a.signed_by}
                    for a in c.approvals
                ],
            }
            for c in agreement_ops.change_history(db.session, programme)
        ],
    }
