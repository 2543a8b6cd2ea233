"""Selection pages: the referrals awaiting selection (partners record agree / object with a
comment; the project leader sees every position), and selection meetings — a date, the
referrals on it, everyone's positions, the project leader's decisions in one go, the minutes."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from models import Referral, SelectionMeeting, clock
from models.operations import selection as selection_ops
from models.operations.errors import DomainError

from .. import permissions as perm
from ..errors import refusal_goes_to, refusal_page
from ..extensions import db
from ..helpers import audit, get_or_404, require
from ..i18n import error_message
from ..imports import MIMETYPES
from ..main.panels import Panel, register_panel
from .minutes import minutes_file

bp = Blueprint("selection", __name__, url_prefix="/urval")


@bp.before_request
@login_required
def _only_selection() -> None:
    require(perm.can_view_selection(current_user))


def _positions_by_referral(referrals: list[Referral]) -> dict[int, dict[int, Any]]:
    from models.operations import candidates as candidate_ops

    return {r.id: {p.organisation_id: p for p in candidate_ops.current_positions(r)} for r in referrals}


@bp.route("/")
def index() -> Any:
    referrals = selection_ops.awaiting_referrals(db.session)
    return render_template(
        "selection/index.html", views=[selection_ops.selection_view(r) for r in referrals],
        positions=_positions_by_referral(referrals), partners=selection_ops.partner_organisations(db.session),
        meetings=selection_ops.meetings(db.session),
        # the project leader decides on the candidate page (a partner is never linked to it)
        decide_links={r.id: r.candidate_id for r in referrals} if perm.can_decide_referrals(current_user) else {},
    )


@bp.route("/remisser/<int:referral_id>/stallningstagande", methods=["POST"])
def position(referral_id: int) -> Any:
    require(perm.can_take_position_in_selection(current_user))
    referral = get_or_404(Referral, referral_id)
    back = request.form.get("back") == "meeting" and request.form.get("meeting_id", "").isdigit()
    target = (url_for(".meeting", meeting_id=int(request.form["meeting_id"])) if back else url_for(".index"))
    refusal_goes_to(f"{target}#remiss-{referral_id}")
    selection_ops.record_position(db.session, referral, by=current_user, stance=request.form.get("stance"),
                                  comment=request.form.get("comment", ""))
    audit("selection_position_recorded", referral, stance=request.form.get("stance"))
    flash(_("Ditt ställningstagande till remiss nr %(id)s är registrerat.", id=referral.id), "success")
    return redirect(f"{target}#remiss-{referral_id}")


# --- meetings ------------------------------------------------------------------------------
def _new_meeting_page(error: str | None = None) -> str:
    referrals = selection_ops.awaiting_referrals(db.session)
    return render_template(
        "selection/new_meeting.html", views=[selection_ops.selection_view(r) for r in referrals],
        positions=_positions_by_referral(referrals), partners=selection_ops.partner_organisations(db.session),
        error=error, chosen={int(x) for x in request.form.getlist("referrals") if x.isdigit()},
        held_on=request.form.get("held_on", clock.local_today().isoformat()), note=request.form.get("note", ""),
    )


@bp.route("/moten/nytt", methods=["GET", "POST"])
def new_meeting() -> Any:
    require(perm.can_plan_selection_meetings(current_user))
    if request.method == "GET":
        return _new_meeting_page()
    refusal_page(lambda err: _new_meeting_page(error_message(err)))
    meeting = selection_ops.create_meeting(
        db.session, held_on=request.form.get("held_on"), referral_ids=request.form.getlist("referrals"),
        note=request.form.get("note", ""), by=current_user,
    )
    audit("selection_meeting_created", meeting, referrals=len(meeting.items))
    flash(_("Urvalsmötet den %(day)s är skapat.", day=meeting.held_on.isoformat()), "success")
    return redirect(url_for(".meeting", meeting_id=meeting.id))


def _meeting_page(meeting: SelectionMeeting, error: DomainError | None = None) -> str:
    referrals = [i.referral for i in meeting.items]
    return render_template(
        "selection/meeting.html", meeting=meeting, positions=_positions_by_referral(referrals),
        partners=selection_ops.partner_organisations(db.session),
        views={r.id: selection_ops.selection_view(r) for r in referrals},
        consulted=selection_ops.consulted(referrals),
        error=error_message(error) if error else None, error_field=error.field if error else None,
        values=request.form if request.method == "POST" else {},
    )


@bp.route("/moten/<int:meeting_id>")
def meeting(meeting_id: int) -> Any:
    return _meeting_page(get_or_404(SelectionMeeting, meeting_id))


@bp.route("/moten/<int:meeting_id>/beslut", methods=["POST"])
def decide(meeting_id: int) -> Any:
    require(perm.can_plan_selection_meetings(current_user))
    meeting = get_or_404(SelectionMeeting, meeting_id)
    refusal_page(lambda err: _meeting_page(meeting, err))
    decisions = selection_ops.parse_decisions({
        item.referral_id: (request.form.get(f"decision-{item.referral_id}"),
                           request.form.get(f"reason-{item.referral_id}", ""))
        for item in meeting.items
    })
    selection_ops.decide_meeting(db.session, meeting, decisions, by=current_user)
    audit("selection_meeting_decided", meeting, referrals=len(meeting.items))
    for item in meeting.items:
        if item.decision is not None:
            _notify(item.referral)
    flash(_("Besluten från urvalsmötet är registrerade. Handläggarna ser utfallet och skälen."), "success")
    return redirect(url_for(".meeting", meeting_id=meeting.id))


def _notify(referral: Referral) -> None:
    """The referring officer hears of a decision as when it is made on the candidate page."""
    from ..candidates.views import notify_referring_officer

    if referral.status.value != "submitted":
        notify_referring_officer(referral)


@bp.route("/moten/<int:meeting_id>/protokoll.<fmt>")
def minutes(meeting_id: int, fmt: str) -> Any:
    if fmt not in MIMETYPES:
        abort(404)
    meeting = get_or_404(SelectionMeeting, meeting_id)
    data = minutes_file(meeting, selection_ops.partner_organisations(db.session), fmt)
    audit("selection_minutes_exported", meeting, format=fmt)
    response = Response(data, mimetype=MIMETYPES[fmt])
    response.headers["Content-Disposition"] = f'attachment; filename="urvalsmote-{meeting.held_on}.{fmt}"'
    return response


# --- start-page panel ----------------------------------------------------------------------
def _panel(user: Any) -> dict[str, Any] | None:
    referrals = selection_ops.awaiting_referrals(db.session)
    mine = sum(1 for r in referrals if not any(p.organisation_id == user.organisation_id for p in
                                                _positions_by_referral([r])[r.id].values()))
    return {"waiting": len(referrals), "without_position": mine}


register_panel(Panel("selection-waiting", perm.can_take_position_in_selection, "selection/_panel.html", _panel,
                     order=10))
