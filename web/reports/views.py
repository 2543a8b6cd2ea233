"""The steering dashboard (steering group, project leaders, admins): the quarterly report with
its chart, a print page and xlsx/csv exports. Aggregates only: no names, ids or free text."""

from __future__ import annotations

from typing import Any, Optional

import sqlalchemy as sa
from flask import Blueprint, Response, abort, render_template, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import SelectField

from models import Programme
from models.operations.agreement import agreement_status
from models.operations.programme import current_programme
from models.operations.reports import QuarterlyReport, current_headline, current_report

from .. import permissions as perm
from ..extensions import db
from ..helpers import audit, get_or_404, require
from ..main.panels import Panel, register_panel
from .chart import change_bars, render_chart
from .exports import report_csv, report_xlsx
from .tables import report_tables

bp = Blueprint("reports", __name__, url_prefix="/uppfoljning")

EXPORTS = {
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", report_xlsx),
    "csv": ("text/csv", report_csv),  # Flask adds "; charset=utf-8" to a text/ mimetype
}


class ProgrammeChoiceForm(FlaskForm):
    class Meta:
        csrf = False  # a GET filter

    programme = SelectField(_l("Program"), coerce=int)


@bp.before_request
@login_required
def _only_report_readers() -> None:
    require(perm.can_view_reports(current_user))


def _chosen_programme() -> Optional[Programme]:
    """The programme named by ?programme=, else the one running today (None if there is none)."""
    programme_id = request.args.get("programme", type=int)
    if programme_id is not None:
        return get_or_404(Programme, programme_id)
    return current_programme(db.session)


def _no_programme_page() -> str:
    return render_template("reports/no_programme.html", manage_programme=perm.can_manage_programme(current_user))


def _report_or_empty_page() -> tuple[Optional[QuarterlyReport], Any]:
    programme = _chosen_programme()
    if programme is None:
        return None, _no_programme_page()
    return current_report(db.session, programme), None


@bp.route("/")
def dashboard():  # type: ignore[no-untyped-def]
    programme = _chosen_programme()
    if programme is None:
        return _no_programme_page()
    report = current_report(db.session, programme)
    form = ProgrammeChoiceForm(formdata=None, programme=report.programme_id)
    form.programme.choices = [
        (p.id, p.name) for p in db.session.scalars(sa.select(Programme).order_by(Programme.starts_on.desc()))
    ]
    return render_template(
        "reports/dashboard.html", report=report, tables=report_tables(report), form=form,
        change_bars=change_bars(report),
        manage_programme=perm.can_manage_programme(current_user),
        agreement=agreement_status(db.session, programme),
    )


@bp.route("/utskrift")
def print_page():  # type: ignore[no-untyped-def]
    report, empty = _report_or_empty_page()
    if report is None:
        return empty
    return render_template(
        "reports/print.html", report=report, tables=report_tables(report), change_bars=change_bars(report)
    )


@bp.route("/diagram.svg")
def chart():  # type: ignore[no-untyped-def]
    report, _empty = _report_or_empty_page()
    if report is None:
        abort(404)
    response = Response(render_chart(report, "svg"), mimetype="image/svg+xml")
    # matplotlib styles the SVG with a <style> element; the image runs no script.
    response.headers["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'"
    return response


@bp.route("/export.<fmt>")
def export(fmt: str):  # type: ignore[no-untyped-def]
    if fmt not in EXPORTS:
        abort(404)
    require(perm.can_export_reports(current_user))
    report, empty = _report_or_empty_page()
    if report is None:
        return empty
    mimetype, write = EXPORTS[fmt]
    audit("report_exported", target_type="programme", target_id=report.programme_id, format=fmt)
    response = Response(write(report), mimetype=mimetype)
    filename = f"uppfoljning-{report.programme_id}-{report.today.isoformat()}.{fmt}"
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _headline_panel(user: Any) -> Optional[dict[str, Any]]:
    programme = current_programme(db.session)
    if programme is None:
        return None
    return {"report": current_headline(db.session, programme)}


register_panel(
    Panel(
        "steering-headline",
        perm.can_view_reports,
        "reports/_panel_headline.html",
        _headline_panel,
        order=10,
    )
)
