"""The agreement's page: period, the day by which an extension must be approved, extensions
left, and the history of changes; recording an extension or another change (PL and admins)."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from models import Programme
from models.enums import AgreementChangeKind
from models.operations import agreement as agreement_ops

from .. import permissions as perm
from ..current import to_current_programme
from ..errors import form_page
from ..extensions import db
from ..helpers import audit, get_or_404, require
from .forms import change_form, extension_form

bp = Blueprint("agreement", __name__, url_prefix="/overenskommelse")


@bp.before_request
@login_required
def _only_agreement_readers() -> None:
    require(perm.can_view_agreement(current_user))


def _recorder() -> None:
    require(perm.can_record_agreement_change(current_user))


@bp.route("/")
def current():  # type: ignore[no-untyped-def]
    return to_current_programme("agreement.index")


@bp.route("/<int:programme_id>")
def index(programme_id: int):  # type: ignore[no-untyped-def]
    programme = get_or_404(Programme, programme_id)
    return render_template(
        "agreement/index.html", programme=programme, status=agreement_ops.agreement_status(db.session, programme),
        changes=agreement_ops.change_history(db.session, programme), max_extensions=agreement_ops.MAX_EXTENSIONS,
        can_record=perm.can_record_agreement_change(current_user),
    )


@bp.route("/<int:programme_id>/forlangning", methods=["GET", "POST"])
def extend(programme_id: int):  # type: ignore[no-untyped-def]
    _recorder()
    programme = get_or_404(Programme, programme_id)
    status = agreement_ops.agreement_status(db.session, programme)
    form = extension_form(programme)
    if form.validate_on_submit():
        form_page(form, "agreement/extend.html", programme=programme, status=status)
        change = agreement_ops.record_extension(
            db.session, programme, approvals=form.approvals(), reason=form.reason.data or "",
            new_targets=form.new_targets(), by=current_user,
        )
        audit("agreement_extended", programme, change_id=change.id, ends_on=programme.ends_on.isoformat())
        flash(_("Överenskommelsen är förlängd till %(day)s.", day=programme.ends_on.isoformat()), "success")
        return redirect(url_for("agreement.index", programme_id=programme.id))
    failed = form.errors or form.form_errors
    return render_template(
        "agreement/extend.html", form=form, programme=programme, status=status,
    ), 422 if failed else 200


@bp.route("/<int:programme_id>/andring", methods=["GET", "POST"])
def change(programme_id: int):  # type: ignore[no-untyped-def]
    _recorder()
    programme = get_or_404(Programme, programme_id)
    form = change_form(programme)
    if form.validate_on_submit():
        form_page(form, "agreement/change.html", programme=programme)
        change = agreement_ops.record_change(
            db.session, programme, kind=AgreementChangeKind(form.kind.data), summary=form.summary.data or "",
            reason=form.reason.data or "", approvals=form.approvals(), by=current_user,
        )
        audit("agreement_change_recorded", programme, change_id=change.id, kind=change.kind.value)
        flash(_("Ändringen är registrerad."), "success")
        return redirect(url_for("agreement.index", programme_id=programme.id))
    failed = form.errors or form.form_errors
    return render_template("agreement/change.html", form=form, programme=programme), 422 if failed else 200
