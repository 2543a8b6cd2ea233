"""The employer portal (an employer account sees its own company only) and the public
accept/decline page behind the link in the proposal email."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial, wraps
from typing import Any

import sqlalchemy as sa
from flask import Blueprint, current_app, flash, make_response, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from models import Offer, Visit, clock
from models.enums import DeclineReason, Party, VisitStatus
from models.operations.errors import DomainError

from .. import links
from .. import permissions as perm
from ..companies.forms import OfferForm, VersionForm
from ..companies.service import (
    create_offer_from,
    render_offer_form,
    status_of,
    toggle_offer,
    update_offer_from,
    version_of,
)
from ..errors import form_on_page, refusal_page, show_on_form
from ..extensions import db
from ..helpers import audit, get_or_404, require
from ..main.panels import Panel, register_panel
from ..transactions import LostRace
from ..visits.service import apply_transition
from .forms import AnswerForm
from .visitor import VISITOR_VIEW_LOADS, visitor_available, visitor_view

bp = Blueprint("employer", __name__)

LINK_PURPOSE = "visit-answer"
UPCOMING = (VisitStatus.ACCEPTED, VisitStatus.CONFIRMED)


def portal(view: Callable[..., Any]) -> Callable[..., Any]:
    """Logged in, with an employer account tied to a company."""

    @wraps(view)
    @login_required
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        require(perm.can_use_employer_portal(current_user))
        return view(*args, **kwargs)

    return wrapped


def _own_visits(*conditions: Any, order: Any, limit: int | None = None) -> list[Visit]:
    """This company's visits whose visitor may be shown (consent in force), newest rules first.
    Their views are made with `_views`: every row here passed `employer_visible()` already (the
    list's scope)."""
    query = (
        sa.select(Visit)
        .where(perm.shown_visit_scope(current_user), *conditions)
        .options(*VISITOR_VIEW_LOADS)
        .order_by(order)
        .limit(limit)
    )
    return list(db.session.scalars(query))


def _views(visits: list[Visit]) -> list[dict[str, Any]]:
    return [visitor_view(v, available=True) for v in visits]


def _waiting(limit: int | None = None) -> list[Visit]:
    return _own_visits(Visit.status == VisitStatus.PROPOSED, order=Visit.start_at, limit=limit)


# --- start, offers, visits --------------------------------------------------------------------
@bp.route("/foretaget")
@portal
def index():  # type: ignore[no-untyped-def]
    now = clock.now()
    upcoming = _own_visits(Visit.status.in_(UPCOMING), Visit.end_at >= now, order=Visit.start_at, limit=5)
    offers = db.session.scalars(sa.select(Offer).where(perm.offer_scope(current_user)).order_by(Offer.title)).all()
    return render_template(
        "employer/index.html",
        company=current_user.company,
        waiting=_views(_waiting()),
        upcoming=_views(upcoming),
        offers=offers,
    )


@bp.route("/foretaget/erbjudanden")
@portal
def offers():  # type: ignore[no-untyped-def]
    rows = db.session.scalars(
        sa.select(Offer).where(perm.offer_scope(current_user)).order_by(Offer.active.desc(), Offer.title)
    ).all()
    return render_template("employer/offers.html", offers=rows, action_form=VersionForm())


@bp.route("/foretaget/erbjudanden/nytt", methods=["GET", "POST"])
@portal
def offer_new():  # type: ignore[no-untyped-def]
    company = current_user.company
    require(perm.can_create_offer_for(current_user, company), company)
    form = OfferForm()
    if not form.is_submitted():
        form.prefill_supervisor(company)
    elif form.validate():
        create_offer_from(form, company, url_for("employer.offers"))
        flash(_("Erbjudandet är sparat. Projektledaren kan nu föreslå besökare till det."), "success")
        return redirect(url_for("employer.offers"))
    return render_offer_form(form, company, None, url_for("employer.offers"))


def _own_offer(offer_id: int) -> Offer:
    offer = get_or_404(Offer, offer_id)
    require(perm.can_edit_offer(current_user, offer), offer)
    return offer


@bp.route("/foretaget/erbjudanden/<int:offer_id>/andra", methods=["GET", "POST"])
@portal
def offer_edit(offer_id: int):  # type: ignore[no-untyped-def]
    offer = _own_offer(offer_id)
    form = OfferForm()
    if not form.is_submitted():
        form.load(offer)
    elif form.validate():
        update_offer_from(form, offer, url_for("employer.offers"))
        flash(_("Erbjudandet är sparat."), "success")
        return redirect(url_for("employer.offers"))
    return render_offer_form(form, offer.company, offer, url_for("employer.offers"))


@bp.route("/foretaget/erbjudanden/<int:offer_id>/pausa", methods=["POST"])
@portal
def offer_toggle(offer_id: int):  # type: ignore[no-untyped-def]
    toggle_offer(_own_offer(offer_id), VersionForm(), url_for("employer.offers"))
    return redirect(url_for("employer.offers"))


@bp.route("/foretaget/besok")
@portal
def visits():  # type: ignore[no-untyped-def]
    now = clock.now()
    upcoming = _own_visits(Visit.status.in_(UPCOMING), Visit.end_at >= now, order=Visit.start_at)
    past = _own_visits(
        sa.or_(Visit.status.not_in([VisitStatus.PROPOSED, *UPCOMING]), Visit.end_at < now),
        order=Visit.start_at.desc(),
        limit=100,
    )
    return render_template(
        "employer/visits.html",
        waiting=_views(_waiting()),
        upcoming=_views(upcoming),
        past=_views(past),
        feedback_enabled="feedback.fill" in current_app.view_functions,
    )


# --- answering a proposal: in the portal, or through the emailed link -------------------------
def _answer(visit: Visit, form: AnswerForm, *, by: Any) -> None:
    """Accept or decline through the bookings service (which also emails the project leader)."""
    if form.accept.data:
        to, reason = VisitStatus.ACCEPTED, None
    else:
        to, reason = VisitStatus.DECLINED, DeclineReason(form.decline_reason.data)
    apply_transition(
        visit, to, by=by, party=Party.EMPLOYER, reason=(form.comment.data or "").strip(),
        decline_reason=reason, expected_version=version_of(form),
    )
    audit("visit_answered", visit, to=to.value, via="portal" if by is not None else "link")


def _answer_refusal(visit: Visit) -> tuple[str, int] | None:
    """Why this proposal cannot be answered now (problem code, HTTP status), or None."""
    if not visitor_available(visit):
        return "unavailable", 410
    if visit.status != VisitStatus.PROPOSED:
        return "answered", 409
    return None


@bp.route("/foretaget/besok/<int:visit_id>", methods=["GET", "POST"])
@portal
def visit(visit_id: int):  # type: ignore[no-untyped-def]
    visit = get_or_404(Visit, visit_id, *VISITOR_VIEW_LOADS)
    require(perm.can_view_visit(current_user, visit), visit)
    if not visitor_available(visit):
        return render_template("employer/unavailable.html", view=visitor_view(visit)), 410
    form = AnswerForm()
    if form.is_submitted():
        require(perm.can_answer_proposal(current_user, visit), visit)
        refusal = _answer_refusal(visit)
        if refusal is not None:
            form.form_errors.append(_("Förslaget är redan besvarat eller avbokat och kan inte ändras här."))
            return _visit_page(visit, form), refusal[1]
        if form.validate():
            form_on_page(form, lambda: _visit_page(visit, form))
            _answer(visit, form, by=current_user._get_current_object())
            flash(_("Tack! Ert svar är skickat till projektledaren."), "success")
            return redirect(url_for("employer.visit", visit_id=visit.id))
    else:
        form.version.data = str(visit.version)
    return _visit_page(visit, form), status_of(form)


def _visit_page(visit: Visit, form: AnswerForm) -> str:
    return render_template(
        "employer/visit.html", view=visitor_view(visit), form=form,
        feedback_enabled="feedback.fill" in current_app.view_functions,
    )


def _link_page(template: str, status: int, **context: Any) -> Any:
    """A page of the public link: never cached, never indexed."""
    response = make_response(render_template(template, **context), status)
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    return response


LINK_PROBLEM_STATUS = {
    links.LinkProblem.INVALID: 400,
    links.LinkProblem.EXPIRED: 410,
    links.LinkProblem.USED: 410,
}


@bp.route("/svar/<token>", methods=["GET", "POST"])
def answer_link(token: str):  # type: ignore[no-untyped-def]
    try:
        claim = links.read_token(token, LINK_PURPOSE)
    except links.LinkError as exc:
        return _link_page("employer/link_problem.html", LINK_PROBLEM_STATUS[exc.problem], problem=exc.problem.value)
    visit = db.session.get(Visit, claim.object_id, options=VISITOR_VIEW_LOADS)
    if visit is None:
        return _link_page("employer/link_problem.html", 410, problem="gone")
    refusal = _answer_refusal(visit)
    if refusal is not None:
        return _link_page("employer/link_problem.html", refusal[1], problem=refusal[0], view=visitor_view(visit))
    form = AnswerForm()
    if form.validate_on_submit():
        refusal_page(partial(_link_answer_refused, visit, form))
        links.use_token(claim)
        _answer(visit, form, by=None)
        return _link_page("employer/link_done.html", 200, view=visitor_view(visit), accepted=bool(form.accept.data))
    if not form.is_submitted():
        form.version.data = str(visit.version)
    return _link_page("employer/link.html", status_of(form), view=visitor_view(visit), form=form)


def _link_answer_refused(visit: Visit, form: AnswerForm, refusal: DomainError) -> Any:
    """The link's form again with the refusal; a race lost to a second use of the same link
    (the nonce's key, at the commit) is a used link."""
    if isinstance(refusal, LostRace):
        return _link_page("employer/link_problem.html", LINK_PROBLEM_STATUS[links.LinkProblem.USED],
                          problem=links.LinkProblem.USED.value)
    show_on_form(form, refusal)
    return _link_page("employer/link.html", refusal.status, view=visitor_view(visit), form=form)


# --- start-page panel -------------------------------------------------------------------------
def _waiting_panel(user: Any) -> dict[str, Any]:
    return {"waiting": _views(_waiting(limit=5))}


register_panel(
    Panel("employer-waiting", perm.can_use_employer_portal, "employer/_panel_waiting.html", _waiting_panel,
          order=10)
)
