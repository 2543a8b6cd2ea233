"""The welfare officer records each own client's situation 3 and 6 months after the first
completed visit; the report shows the outcomes in aggregate."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import DateField, RadioField, SelectField
from wtforms.validators import InputRequired

from models import Candidate, FollowUp
from models.clock import local_today
from models.operations import followups as followup_ops

from .. import labels
from .. import permissions as perm
from ..errors import form_on_page
from ..extensions import db
from ..helpers import audit, get_or_404, require
from ..main.panels import Panel, register_panel

bp = Blueprint("followups", __name__, url_prefix="/uppfoljning-klienter")


def _optional_id(value: Any) -> Any:
    return int(value) if str(value or "").isdigit() else None


class FollowUpForm(FlaskForm):
    result = RadioField(
        _l("Klientens läge"), choices=labels.choices(labels.FOLLOW_UP_LABELS), validate_choice=False,
        validators=[InputRequired(_l("Välj hur det har gått för klienten."))],
    )
    recorded_on = DateField(_l("Datum för uppföljningen"), validators=[InputRequired(_l("Ange ett datum."))])
    self_sufficient = RadioField(
        _l("Självförsörjande (har inte längre ekonomiskt bistånd)?"),
        choices=[("yes", _l("Ja")), ("no", _l("Nej"))], validate_choice=False,
    )
    # For a job or an internship: at which visited company (counts for its commitment).
    company_id = SelectField(_l("Hos vilket företag? (arbete eller praktik)"), coerce=_optional_id,
                             validate_choice=False)


SELF_SUFFICIENT = {"yes": True, "no": False}


@bp.before_request
@login_required
def _only_officers() -> None:
    require(perm.can_follow_up_clients(current_user))


@bp.route("/")
def index():  # type: ignore[no-untyped-def]
    rows = followup_ops.follow_up_list(db.session, perm.candidate_scope(current_user))
    return render_template("followups/index.html", rows=rows, today=local_today(), months=followup_ops.MONTHS)


@bp.route("/<int:candidate_id>/<int:months>", methods=["GET", "POST"])
def record(candidate_id: int, months: int):  # type: ignore[no-untyped-def]
    if months not in followup_ops.MONTHS:
        abort(404)
    candidate = get_or_404(Candidate, candidate_id)
    require(perm.can_record_follow_up(current_user, candidate), candidate)
    first = followup_ops.first_visit_date(db.session, candidate)
    if first is None:
        abort(404)
    current = db.session.scalar(
        sa.select(FollowUp).where(FollowUp.candidate_id == candidate.id, FollowUp.months == months)
    )
    form = FollowUpForm()
    form.company_id.choices = [("", _("Inget av företagen i nätverket"))] + [
        (str(c.id), c.name) for c in followup_ops.visited_companies(db.session, candidate)
    ]
    if not form.is_submitted():
        due = followup_ops.add_months(first, months)
        form.recorded_on.data = current.recorded_on if current else max(local_today(), due)
        form.result.data = current.result.value if current else None
        if current is not None and current.self_sufficient is not None:
            form.self_sufficient.data = "yes" if current.self_sufficient else "no"
        form.company_id.data = current.company_id if current else None
    elif form.validate():
        form_on_page(form, lambda: _form_page(form, candidate, months, first))
        followup_ops.record_follow_up(
            db.session, candidate, months, form.result.data, by=current_user,
            recorded_on=form.recorded_on.data, today=local_today(), company_id=form.company_id.data,
            self_sufficient=SELF_SUFFICIENT.get(form.self_sufficient.data or ""),
        )
        audit("follow_up_recorded", candidate, months=months)
        flash(_("Uppföljningen är sparad."), "success")
        return redirect(url_for("followups.index"))
    return _form_page(form, candidate, months, first)


def _form_page(form: FollowUpForm, candidate: Candidate, months: int, first: Any) -> tuple[str, int]:
    """The follow-up form (422 with its errors, a refusal's included)."""
    return render_template(
        "followups/form.html", form=form, candidate=candidate, months=months, first=first,
        due=followup_ops.add_months(first, months), assistance=followup_ops.received_assistance(candidate),
    ), 422 if form.errors else 200


def _due_panel(user: Any) -> dict[str, Any]:
    return {"due": followup_ops.count_waiting(db.session, perm.candidate_scope(user), local_today())}


register_panel(
    Panel("follow-ups-due", perm.can_follow_up_clients, "followups/_panel.html", _due_panel, order=50)
)
