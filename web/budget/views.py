"""The budget pages: the follow-up and the plan per agreement year (project leaders, admins and
the steering group), and for project leaders and admins the year's lines and financing, the
month's costs, the deviation threshold and the import of the ledger."""

from __future__ import annotations

from typing import Any, Optional

from flask import Blueprint, abort, current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from models import Organisation, Programme
from models.operations import budget as budget_ops
from models.operations.errors import DomainError
from models.operations.reports import current_report

from .. import permissions as perm
from ..current import to_current_programme
from ..errors import form_page, refusal_goes_to
from ..extensions import db
from ..helpers import audit, get_or_404, require
from ..reports.tables import budget_table, funding_table
from . import ledger
from .forms import ThresholdForm, costs_form, year_form

bp = Blueprint("budget", __name__, url_prefix="/budget")


@bp.before_request
@login_required
def _only_budget_readers() -> None:
    require(perm.can_view_budget(current_user))


@bp.url_value_preprocessor
def _remember_programme(endpoint: Optional[str], values: Optional[dict[str, Any]]) -> None:
    if values and "programme_id" in values:
        g.budget_programme_id = values["programme_id"]


@bp.url_defaults
def _same_programme(endpoint: str, values: dict[str, Any]) -> None:
    """Links between the budget pages keep the programme (the shared import page asks for its
    steps by endpoint alone)."""
    programme_id = g.get("budget_programme_id")
    if programme_id and "programme_id" not in values and current_app.url_map.is_endpoint_expecting(
        endpoint, "programme_id"
    ):
        values["programme_id"] = programme_id


def _editor() -> None:
    require(perm.can_edit_budget(current_user))


def _partners(programme: Programme) -> list[Organisation]:
    return sorted(programme.parties, key=lambda o: o.name)


@bp.route("/")
def current():  # type: ignore[no-untyped-def]
    return to_current_programme("budget.index")


@bp.route("/<int:programme_id>")
def index(programme_id: int):  # type: ignore[no-untyped-def]
    programme = get_or_404(Programme, programme_id)
    report = current_report(db.session, programme)
    tables = [t for t in (budget_table(report), funding_table(report)) if t is not None]
    editor = perm.can_edit_budget(current_user)
    threshold = ThresholdForm(formdata=None, threshold_pct=budget_ops.deviation_threshold(db.session, programme))
    return render_template(
        "budget/index.html", programme=programme, report=report, budget=report.budget, tables=tables,
        plans=budget_ops.budget_plan(db.session, programme), costs=budget_ops.month_costs(db.session, programme),
        lines=budget_ops.LINES, can_edit=editor, threshold_form=threshold,
    )


@bp.route("/<int:programme_id>/ar/<int:year>", methods=["GET", "POST"])
def year(programme_id: int, year: int):  # type: ignore[no-untyped-def]
    _editor()
    programme = get_or_404(Programme, programme_id)
    plans = budget_ops.budget_plan(db.session, programme)
    if not 1 <= year <= len(plans):
        abort(404)
    form = year_form(_partners(programme))
    if not form.is_submitted():
        yearly = {f.organisation_id: f.yearly_amount_sek for f in programme.funding}
        form.load(plans[year - 1], plans[year - 2] if year > 1 else None, yearly)
    elif form.validate():
        form_page(form, "budget/year.html", programme=programme, plan=plans[year - 1])
        budget_ops.save_year(db.session, programme, year, form.amounts(), form.funding_shares())
        audit("budget_year_saved", programme, year=year)
        flash(_("Budgeten för avtalsår %(n)s är sparad.", n=year), "success")
        return redirect(url_for("budget.index", programme_id=programme.id))
    return render_template(
        "budget/year.html", form=form, programme=programme, plan=plans[year - 1],
    ), 422 if form.errors or form.form_errors else 200


@bp.route("/<int:programme_id>/kostnader", methods=["GET", "POST"])
def costs(programme_id: int):  # type: ignore[no-untyped-def]
    _editor()
    programme = get_or_404(Programme, programme_id)
    first, last = budget_ops.recordable_months(programme)
    if last < first:
        flash(_("Perioden har inte börjat än: det finns inga månader att registrera kostnader för."), "error")
        return redirect(url_for("budget.index", programme_id=programme.id))
    form = costs_form(first, last)
    if not form.is_submitted():
        form.month.data = request.args.get("month") or form.month.choices[0][0]
        month = form.chosen_month()
        recorded = budget_ops.month_costs(db.session, programme).get(month, {}) if month else {}
        for line in budget_ops.LINES:
            getattr(form, budget_ops.line_field(line)).data = recorded[line].amount_sek if line in recorded else None
    elif form.validate():
        form_page(form, "budget/costs.html", programme=programme)
        month = form.chosen_month()
        if month is None:
            raise DomainError("Välj en månad.", field="month")
        budget_ops.record_costs(db.session, programme, month, form.amounts(), by=current_user)
        audit("costs_recorded", programme, month=f"{month:%Y-%m}")
        flash(_("Kostnaderna för %(month)s är sparade.", month=form.month.data), "success")
        return redirect(url_for("budget.index", programme_id=programme.id))
    return render_template("budget/costs.html", form=form, programme=programme), 422 if form.errors else 200


@bp.route("/<int:programme_id>/troskel", methods=["POST"])
def threshold(programme_id: int):  # type: ignore[no-untyped-def]
    _editor()
    programme = get_or_404(Programme, programme_id)
    form = ThresholdForm()
    back = url_for("budget.index", programme_id=programme.id)
    if not form.validate_on_submit():
        flash(" ".join(form.threshold_pct.errors or form.form_errors), "error")
        return redirect(back)
    refusal_goes_to(back)
    budget_ops.set_deviation_threshold(db.session, programme, form.threshold_pct.data)
    audit("budget_threshold_saved", programme, percent=form.threshold_pct.data)
    flash(_("Tröskeln är sparad."), "success")
    return redirect(back)


@bp.route("/<int:programme_id>/import", methods=["GET", "POST"])
def import_upload(programme_id: int):  # type: ignore[no-untyped-def]
    _editor()
    return ledger.upload_view(get_or_404(Programme, programme_id))


@bp.route("/<int:programme_id>/import/spara", methods=["POST"])
def import_commit(programme_id: int):  # type: ignore[no-untyped-def]
    _editor()
    return ledger.commit_view(get_or_404(Programme, programme_id))


@bp.route("/<int:programme_id>/import/mall.<fmt>")
def import_template(programme_id: int, fmt: str):  # type: ignore[no-untyped-def]
    _editor()
    get_or_404(Programme, programme_id)
    return ledger.template_view(fmt)

