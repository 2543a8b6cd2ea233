"""The workplace feedback template (mall): the visit's company's employer users and project
leaders fill it in after a completed visit (or record a no-show); project leaders and the
participant's officers read it, the participant's part as a printable page.

The pages an employer sees show the visit through the workplace's view of it
(web/employer/visitor.py), never the visit or the candidate. A feedback a project leader saved
is not shown to the company again (`can_reopen_feedback`): what a project leader writes there,
the internal note above all, stays with the project leader and the officers."""

from __future__ import annotations

from typing import Any, Optional

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from models import Visit
from models.enums import VisitStatus
from models.operations import feedback as feedback_ops
from models.operations.reports import effective_status

from .. import links
from .. import permissions as perm
from ..employer.visitor import VISITOR_VIEW_LOADS, available_candidates, visit_loads_for, visitor_view
from ..errors import form_on_page
from ..extensions import db
from ..helpers import audit, get_or_404, require
from ..main.panels import Panel, register_panel
from .forms import FeedbackForm
from .service import LINK_MAX_AGE, LINK_PURPOSE, send_to_participant

bp = Blueprint("feedback", __name__)


def _visit_or_404(visit_id: int, allowed: Any) -> Visit:
    visit = get_or_404(Visit, visit_id, *visit_loads_for(current_user))
    require(allowed(current_user, visit), visit)
    return visit


def _visitor_name(visit: Visit, view: dict[str, Any]) -> Optional[str]:
    """Full name for those who see the participant's details; otherwise (an employer) the first
    name from the workplace view, when the visitor may still be shown."""
    if perm.can_view_visit_details(current_user, visit):
        return visit.candidate.display_name
    return view.get("first_name")


def _seen(visit: Visit, *, available: Optional[bool] = None) -> dict[str, Any]:
    """A visit as the feedback pages show it: the workplace's view, and the visitor's name."""
    view = visitor_view(visit, available=available)
    return {"view": view, "visitor": _visitor_name(visit, view)}


@bp.route("/besok/<int:visit_id>/aterkoppling", methods=["GET", "POST"])
@login_required
def fill(visit_id: int):  # type: ignore[no-untyped-def]
    visit = _visit_or_404(visit_id, perm.can_give_feedback)
    status = effective_status(visit)
    existing = feedback_ops.feedback_for(db.session, visit)
    context = {**_seen(visit), "status": status, "existing": existing is not None}
    if status not in feedback_ops.FEEDBACK_STATUSES:
        return render_template("feedback/not_yet.html", **context), 409
    if existing is not None and not perm.can_reopen_feedback(current_user, existing):
        return render_template("feedback/filled_by_leader.html", **context), 409 if request.method == "POST" else 200
    form = FeedbackForm()
    if not form.is_submitted():
        if existing is not None:
            form.load(existing)
        else:
            form.filled_by_name.data = current_user.name
    elif form.validate():
        form_on_page(form, lambda: _form_page(form, status, context))
        feedback = feedback_ops.save_feedback(db.session, visit, form.to_data(), by=current_user)
        audit("feedback_saved", feedback, visit_id=visit.id)
        send_to_participant(feedback)
        flash(_("Tack! Återkopplingen är sparad."), "success")
        return redirect(url_for("feedback.fill", visit_id=visit.id))
    return _form_page(form, status, context)


@bp.route("/aterkoppling/lank/<token>", methods=["GET", "POST"])
def by_link(token: str):  # type: ignore[no-untyped-def]
    """The template through the signed link mailed to the supervisor: no login, single use,
    a phone-sized form; the participant gets their part by mail once it is saved."""
    try:
        claim = links.read_token(token, LINK_PURPOSE, max_age=LINK_MAX_AGE)
    except links.LinkError as exc:
        status = 404 if exc.problem == links.LinkProblem.INVALID else 410
        return render_template("feedback/link_problem.html", problem=exc.problem.value), status
    visit = db.session.get(Visit, claim.object_id, options=VISITOR_VIEW_LOADS)  # a company's view
    if visit is None:
        return render_template("feedback/link_problem.html", problem="invalid"), 404
    status = effective_status(visit)
    if feedback_ops.feedback_for(db.session, visit) is not None:
        return render_template("feedback/link_problem.html", problem="used"), 410
    context = {**_seen(visit), "status": status, "existing": False, "by_link": True}
    if status not in feedback_ops.FEEDBACK_STATUSES:
        return render_template("feedback/not_yet.html", **context), 409
    form = FeedbackForm()
    if form.validate_on_submit():
        form_on_page(form, lambda: _form_page(form, status, context))
        links.use_token(claim)
        feedback = feedback_ops.save_feedback(db.session, visit, form.to_data(), by=None)
        audit("feedback_saved", feedback, visit_id=visit.id, by_link=True)
        sent = send_to_participant(feedback)
        return render_template("feedback/link_done.html", sent=sent), 200
    return _form_page(form, status, context)


def _form_page(form: FeedbackForm, status: VisitStatus, context: dict[str, Any]) -> tuple[str, int]:
    """The feedback form (422 with its errors, a refusal's included)."""
    attended = status == VisitStatus.COMPLETED
    return render_template("feedback/form.html", form=form, attended=attended, **context), 422 if form.errors else 200


@bp.route("/besok/<int:visit_id>/aterkoppling/deltagare")
@login_required
def participant_part(visit_id: int):  # type: ignore[no-untyped-def]
    """The participant's part, printable, for the officer (or project leader) to hand over."""
    visit = _visit_or_404(visit_id, perm.can_view_feedback)
    feedback = feedback_ops.feedback_for(db.session, visit)
    audit("feedback_viewed", visit)
    return render_template("feedback/participant.html", visit=visit, feedback=feedback)


@bp.route("/aterkoppling/")
@login_required
def pending():  # type: ignore[no-untyped-def]
    """Visits that wait for feedback: all of them for project leaders, their own for employers."""
    require(perm.can_see_pending_feedback(current_user))
    limit = feedback_ops.WAITING_SHOWN
    # One visit more than the list shows tells whether more are waiting, in the same query.
    visits = feedback_ops.waiting_for_feedback(db.session, perm.visit_scope(current_user), limit=limit + 1)
    more, visits = len(visits) > limit, visits[:limit]
    shown = available_candidates(v.candidate_id for v in visits)
    rows = [_seen(v, available=v.candidate_id in shown) for v in visits]
    return render_template("feedback/pending.html", rows=rows, more=more, limit=limit)


def _pending_panel(user: Any) -> Optional[dict[str, Any]]:
    shown = feedback_ops.WAITING_SHOWN
    count = feedback_ops.count_waiting_for_feedback(db.session, perm.visit_scope(user), up_to=shown)
    return {"count": min(count, shown), "more": count > shown} if count else None


register_panel(
    Panel("feedback-pending", perm.can_see_pending_feedback, "feedback/_panel.html", _pending_panel, order=40)
)
