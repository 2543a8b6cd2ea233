"""Commitments per contracting department: promised against delivered per company over the
commitment's period (or one calendar year of it), the pace so far and who is behind, the
export, registering and importing commitments, the recommendations' weight, and an employer's
own commitment in the portal."""

from __future__ import annotations

from typing import Any, Optional

import sqlalchemy as sa
from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from models import Commitment, Company, clock
from models.operations import commitments as commitment_ops
from models.operations.spreadsheet import write_table

from .. import permissions as perm
from ..errors import form_page, refusal_goes_to
from ..extensions import db
from ..helpers import audit, get_or_404, require
from ..imports import MIMETYPES
from ..main.panels import Panel, register_panel
from .forms import CommitmentForm, DeleteForm, WeightForm
from .imports import COMMITMENT_IMPORT
from .labels import KIND_LABELS, SOURCE_LABELS

bp = Blueprint("commitments", __name__)


def _viewer() -> None:
    require(perm.can_view_commitments(current_user))


def _manager() -> None:
    require(perm.can_manage_commitments(current_user))


def _year() -> Optional[int]:
    text = request.args.get("ar", "")
    return int(text) if text.isdigit() and 2000 <= int(text) <= 2100 else None


def _selection() -> tuple[Optional[str], Optional[int]]:
    department = request.args.get("forvaltning", "").strip() or None
    return department, _year()


@bp.context_processor
def _words() -> dict[str, Any]:
    """The vocabularies' labels for this area's pages (the import's preview among them)."""
    return {"source_labels": SOURCE_LABELS, "kind_labels": KIND_LABELS}


# --- the department page and its export --------------------------------------------------------
@bp.route("/atagande/")
@login_required
def index():  # type: ignore[no-untyped-def]
    _viewer()
    department, year = _selection()
    today = clock.local_today()
    rows = commitment_ops.department_progress(db.session, department, today=today, year=year,
                                              scope=perm.commitment_scope(current_user))
    weight = WeightForm(formdata=None, ranking_boost_pct=commitment_ops.settings(db.session).ranking_boost_pct)
    return render_template(
        "commitments/index.html", rows=rows, department=department, year=year, today=today,
        departments=commitment_ops.departments(db.session, perm.commitment_scope(current_user)),
        years=commitment_ops.years_of(db.session), weight_form=weight, behind=sum(1 for r in rows if r.behind),
        can_manage=perm.can_manage_commitments(current_user), can_weigh=perm.can_weigh_commitments(current_user),
    )


def _export_table(rows: list[commitment_ops.Progress]) -> tuple[list[str], list[list[Any]]]:
    headers = [
        _("Företag"), _("Organisationsnummer"), _("Förvaltning"), _("Avtalsnummer"), _("Grund"), _("Från"),
        _("Till"), _("Slag"), _("Lovat per år"), _("Lovat för perioden"), _("Enligt takten hittills"),
        _("Levererat"), _("Efter takten"),
    ]
    lines = []
    for row in rows:
        c = row.commitment
        for k in row.kinds:
            lines.append([
                c.company.name, c.company.org_number, c.department, c.reference, str(SOURCE_LABELS[c.source.value]),
                row.first, row.last, str(KIND_LABELS[k.kind.value]), k.per_year, round(k.promised, 1), k.due,
                k.delivered, _("ja") if k.behind else _("nej"),
            ])
    return headers, lines


@bp.route("/atagande/export.<fmt>")
@login_required
def export(fmt: str):  # type: ignore[no-untyped-def]
    _viewer()
    if fmt not in MIMETYPES:
        abort(404)
    department, year = _selection()
    rows = commitment_ops.department_progress(db.session, department, today=clock.local_today(), year=year,
                                              scope=perm.commitment_scope(current_user))
    headers, lines = _export_table(rows)
    data = write_table(headers, lines, fmt, sheet_title=_("Åtaganden"))  # type: ignore[arg-type]
    audit("commitments_exported", target_type="commitment", count=len(rows), department=department or "",
          year=year, format=fmt)
    name = "ataganden" + (f"-{year}" if year else "")
    return Response(data, mimetype=MIMETYPES[fmt],
                    headers={"Content-Disposition": f'attachment; filename="{name}.{fmt}"'})


# --- registering by hand -------------------------------------------------------------------------
def _form(form: CommitmentForm) -> CommitmentForm:
    form.company_id.choices = [
        (cid, name) for cid, name in db.session.execute(sa.select(Company.id, Company.name).order_by(Company.name))
    ]
    return form


def _form_context(commitment: Optional[Commitment]) -> dict[str, Any]:
    return {"commitment": commitment, "departments": [d for d, _n in commitment_ops.departments(db.session)]}


@bp.route("/atagande/nytt", methods=["GET", "POST"])
@login_required
def new():  # type: ignore[no-untyped-def]
    _manager()
    form = _form(CommitmentForm())
    if not form.is_submitted() and request.args.get("foretag", "").isdigit():
        form.company_id.data = int(request.args["foretag"])
    if form.validate_on_submit():
        form_page(form, "commitments/form.html", **_form_context(None))
        commitment = commitment_ops.create_commitment(db.session, form.to_data())
        audit("commitment_created", commitment, company_id=commitment.company_id)
        flash(_("Åtagandet är registrerat."), "success")
        return redirect(url_for("commitments.index", forvaltning=commitment.department))
    status = 422 if form.errors else 200
    return render_template("commitments/form.html", form=form, **_form_context(None)), status


@bp.route("/atagande/<int:commitment_id>/andra", methods=["GET", "POST"])
@login_required
def edit(commitment_id: int):  # type: ignore[no-untyped-def]
    _manager()
    commitment = get_or_404(Commitment, commitment_id)
    form = _form(CommitmentForm())
    if not form.is_submitted():
        form.load(commitment)
    elif form.validate():
        form_page(form, "commitments/form.html", **_form_context(commitment))
        commitment_ops.update_commitment(db.session, commitment, form.to_data())
        audit("commitment_updated", commitment, company_id=commitment.company_id)
        flash(_("Ändringarna är sparade."), "success")
        return redirect(url_for("commitments.index", forvaltning=commitment.department))
    status = 422 if form.errors else 200
    return render_template("commitments/form.html", form=form, delete_form=DeleteForm(),
                           **_form_context(commitment)), status


@bp.route("/atagande/<int:commitment_id>/ta-bort", methods=["POST"])
@login_required
def delete(commitment_id: int):  # type: ignore[no-untyped-def]
    _manager()
    commitment = get_or_404(Commitment, commitment_id)
    if not DeleteForm().validate_on_submit():
        abort(400)
    department = commitment.department
    audit("commitment_deleted", commitment, company_id=commitment.company_id, reference=commitment.reference)
    commitment_ops.delete_commitment(db.session, commitment)
    flash(_("Åtagandet är borttaget."), "success")
    return redirect(url_for("commitments.index", forvaltning=department))


@bp.route("/atagande/vikt", methods=["POST"])
@login_required
def weight():  # type: ignore[no-untyped-def]
    require(perm.can_weigh_commitments(current_user))
    form = WeightForm()
    back = url_for("commitments.index")
    refusal_goes_to(back)
    if not form.validate_on_submit():
        flash(_("Skriv vikten som ett heltal från 0 till %(max)s.", max=commitment_ops.MAX_BOOST_PCT), "error")
        return redirect(back)
    commitment_ops.set_ranking_boost(db.session, form.ranking_boost_pct.data, by=current_user)
    audit("commitment_weight_set", target_type="commitment_settings", percent=form.ranking_boost_pct.data)
    flash(_("Vikten är sparad.") if form.ranking_boost_pct.data else
          _("Vikten är sparad: förslagen tar inte hänsyn till åtaganden."), "success")
    return redirect(back)


# --- the import ------------------------------------------------------------------------------------
@bp.route("/atagande/import", methods=["GET", "POST"])
@login_required
def import_upload():  # type: ignore[no-untyped-def]
    _manager()
    return COMMITMENT_IMPORT.upload_view()


@bp.route("/atagande/import/genomfor", methods=["POST"])
@login_required
def import_commit():  # type: ignore[no-untyped-def]
    _manager()
    return COMMITMENT_IMPORT.commit_view()


@bp.route("/atagande/import/mall.<fmt>")
@login_required
def import_template(fmt: str):  # type: ignore[no-untyped-def]
    _manager()
    return COMMITMENT_IMPORT.template_view(fmt)


# --- the employer portal: the company's own commitment ------------------------------------------
@bp.route("/foretaget/atagande")
@login_required
def own():  # type: ignore[no-untyped-def]
    require(perm.can_use_employer_portal(current_user))
    company = get_or_404(Company, current_user.company_id)
    rows = commitment_ops.company_progress(db.session, company, today=clock.local_today())
    return render_template("commitments/own.html", company=company, rows=rows)


def _own_panel(user: Any) -> Optional[dict[str, Any]]:
    """The company's commitments on the employer's start page; none, no panel."""
    company = db.session.get(Company, user.company_id)
    rows = commitment_ops.company_progress(db.session, company, today=clock.local_today()) if company else []
    return {"rows": rows, **_words()} if rows else None


register_panel(
    Panel("own-commitment", perm.can_use_employer_portal, "commitments/_panel_own.html", _own_panel, order=25)
)
