"""The admin's programme settings: the agreement's period, budget, parties and funding, the
goals (the 350 persons and the four activity goals) and the quarterly milestones."""

from __future__ import annotations

from typing import Any, Optional

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from models import Organisation, Programme
from models.enums import GoalKind, OrganisationKind
from models.operations import programme as programme_ops

from .. import permissions as perm
from ..errors import form_on_page, form_page
from ..extensions import db
from ..helpers import audit, get_or_404, require
from ..main.panels import Panel, register_panel
from .forms import ProgrammeForm, milestone_form, programme_form

bp = Blueprint("programme", __name__, url_prefix="/program")
PARTNER_KINDS = (
    OrganisationKind.FOUNDATION,
    OrganisationKind.CLUB,
    OrganisationKind.MUNICIPALITY,
    OrganisationKind.EMPLOYMENT_SERVICE,
)


@bp.before_request
@login_required
def _only_admins() -> None:
    require(perm.can_manage_programme(current_user))


def _partners() -> list[Organisation]:
    return list(
        db.session.scalars(sa.select(Organisation).where(Organisation.kind.in_(PARTNER_KINDS)).order_by(Organisation.name))
    )


def _settings_page(form: ProgrammeForm, programme: Optional[Programme]):  # type: ignore[no-untyped-def]
    return render_template("programme/form.html", form=form, programme=programme), 422 if form.errors else 200


@bp.route("/")
def index():  # type: ignore[no-untyped-def]
    programmes = db.session.scalars(sa.select(Programme).order_by(Programme.starts_on.desc())).all()
    return render_template("programme/index.html", programmes=programmes)


@bp.route("/nytt", methods=["GET", "POST"])
def new():  # type: ignore[no-untyped-def]
    form = programme_form(_partners())
    if form.validate_on_submit():
        form_on_page(form, lambda: _settings_page(form, None))
        programme = programme_ops.save_programme(db.session, form.to_settings())
        audit("programme_created", programme)
        flash(_("Programmet är upplagt. Kvartalsmålen är linjära tills du ändrar dem."), "success")
        return redirect(url_for("programme.edit", programme_id=programme.id))
    return _settings_page(form, None)


@bp.route("/<int:programme_id>", methods=["GET", "POST"])
def edit(programme_id: int):  # type: ignore[no-untyped-def]
    programme = get_or_404(Programme, programme_id)
    form = programme_form(_partners())
    if not form.is_submitted():
        form.load(programme)
    elif form.validate():
        form_on_page(form, lambda: _settings_page(form, programme))
        programme_ops.save_programme(db.session, form.to_settings(), programme)
        audit("programme_updated", programme)
        flash(_("Inställningarna är sparade."), "success")
        return redirect(url_for("programme.edit", programme_id=programme.id))
    return _settings_page(form, programme)


@bp.route("/<int:programme_id>/kvartalsmal/<kind>", methods=["GET", "POST"])
def milestones(programme_id: int, kind: str):  # type: ignore[no-untyped-def]
    programme = get_or_404(Programme, programme_id)
    goal = programme.goal(GoalKind(kind)) if kind in GoalKind._value2member_map_ else None
    if goal is None:
        abort(404)
    form = milestone_form(programme_ops.milestone_plan(programme, goal))
    if form.validate_on_submit():
        form_page(form, "programme/milestones.html", programme=programme, goal=goal)
        programme_ops.set_milestones(db.session, goal, form.edits())
        audit("milestones_updated", goal)
        flash(_("Kvartalsmålen är sparade."), "success")
        return redirect(url_for("programme.milestones", programme_id=programme.id, kind=kind))
    return render_template(
        "programme/milestones.html", form=form, programme=programme, goal=goal
    ), 422 if form.errors else 200


def _programme_panel(user: Any) -> dict[str, Any]:
    return {"programme": programme_ops.current_programme(db.session)}


register_panel(
    Panel("programme-settings", perm.can_manage_programme, "programme/_panel.html", _programme_panel, order=20)
)
