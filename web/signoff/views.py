"""Quarters before the steering group: the list per programme, compiling (project leaders), a
quarter's page with its figures and approvals, approving (a steering group member for their
organisation), and once signed off the kept report, byte for byte, with its corrections."""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, Response, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from models import Programme, QuarterSignoff
from models.operations import signoff as signoff_ops

from .. import permissions as perm
from ..errors import refusal_goes_to
from ..extensions import db
from ..helpers import audit, get_or_404, require
from ..imports import MIMETYPES
from ..reports.tables import report_tables
from . import service
from .forms import ApproveForm, CompileForm

bp = Blueprint("signoff", __name__, url_prefix="/uppfoljning/kvartal")
KEPT = {"json": "application/json", **MIMETYPES}


@bp.before_request
@login_required
def _only_report_readers() -> None:
    require(perm.can_view_signoffs(current_user))


def _compile_form(programme: Programme) -> CompileForm:
    form = CompileForm()
    signed = {s.quarter_start for s in signoff_ops.signoffs(db.session, programme) if s.signed_off_at is not None}
    form.quarter.choices = [
        (q.calendar_start.isoformat(), q.label) for q in reversed(signoff_ops.ended_quarters(programme))
        if q.calendar_start not in signed
    ]
    return form


@bp.route("/program/<int:programme_id>")
def index(programme_id: int):  # type: ignore[no-untyped-def]
    programme = get_or_404(Programme, programme_id)
    can_compile = perm.can_compile_quarter(current_user)
    return render_template(
        "signoff/index.html", programme=programme, signoffs=signoff_ops.signoffs(db.session, programme),
        form=_compile_form(programme) if can_compile else None,
    )


@bp.route("/program/<int:programme_id>/sammanstall", methods=["POST"])
def compile_quarter(programme_id: int):  # type: ignore[no-untyped-def]
    require(perm.can_compile_quarter(current_user))
    programme = get_or_404(Programme, programme_id)
    form = _compile_form(programme)
    back = url_for("signoff.index", programme_id=programme.id)
    if not form.validate_on_submit():
        flash(" ".join([*form.quarter.errors, *form.form_errors]) or _("Välj ett kvartal som har tagit slut."),
              "error")
        return redirect(back)
    refusal_goes_to(back)
    signoff = signoff_ops.compile_quarter(db.session, programme, dt.date.fromisoformat(form.quarter.data),
                                          by=current_user)
    audit("quarter_compiled", signoff, quarter=signoff.quarter)
    flash(_("%(quarter)s är sammanställt och väntar på styrgruppens godkännande.", quarter=signoff.quarter),
          "success")
    return redirect(url_for("signoff.show", signoff_id=signoff.id))


@bp.route("/<int:signoff_id>")
def show(signoff_id: int):  # type: ignore[no-untyped-def]
    signoff = get_or_404(QuarterSignoff, signoff_id)
    context = {"signoff": signoff, "parties": signoff_ops.parties(signoff)}
    if signoff.signed_off_at is not None:
        found, protected = service.corrections(signoff)  # kept as they are found (the request's commit)
        figures = signoff_ops.approved_figures(signoff)
        return render_template("signoff/signed.html", figures=figures, corrections=found, protected=protected,
                               describe=service.describe, shown=service.shown, table_name=service.table_name,
                               **context)
    report, _figures, sha = service.figures_now(signoff)
    approvals = {a.organisation_id: a for a in signoff.approvals}
    party = signoff_ops.represented_party(signoff, current_user) if perm.can_approve_quarter(
        current_user, signoff.programme) else None
    return render_template(
        "signoff/pending.html", report=report, tables=report_tables(report), sha=sha, approvals=approvals,
        pending={o.id for o in signoff_ops.pending_parties(signoff, sha)}, party=party,
        form=ApproveForm(formdata=None, sha256=sha), **context,
    )


@bp.route("/<int:signoff_id>/godkann", methods=["POST"])
def approve(signoff_id: int):  # type: ignore[no-untyped-def]
    signoff = get_or_404(QuarterSignoff, signoff_id)
    require(perm.can_approve_quarter(current_user, signoff.programme), signoff)
    form = ApproveForm()
    back = url_for("signoff.show", signoff_id=signoff.id)
    if not form.validate_on_submit():
        return redirect(back)
    refusal_goes_to(back)
    done = service.approve(signoff, current_user, seen_sha256=form.sha256.data or "")
    audit("quarter_approved", signoff, quarter=signoff.quarter, signed_off=done)
    flash(_("Styrgruppen har godkänt %(quarter)s. Rapporten är sparad som den godkändes.",
            quarter=signoff.quarter) if signoff.signed_off_at else _("Ditt godkännande är registrerat."),
          "success")
    return redirect(back)


@bp.route("/<int:signoff_id>/rapport.<fmt>")
def download(signoff_id: int, fmt: str):  # type: ignore[no-untyped-def]
    signoff = get_or_404(QuarterSignoff, signoff_id)
    if fmt not in KEPT or signoff.signed_off_at is None:
        abort(404)
    data = {"json": (signoff.report_json or "").encode("utf-8"), "csv": signoff.report_csv,
            "xlsx": signoff.report_xlsx}[fmt]
    audit("report_exported", signoff, format=fmt, quarter=signoff.quarter, kept=True)
    response = Response(data, mimetype=KEPT[fmt])
    response.headers["Content-Disposition"] = (
        f'attachment; filename="kvartalsrapport-{signoff.programme_id}-{signoff.quarter}.{fmt}"'
    )
    return response
