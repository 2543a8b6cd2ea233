"""Network meetings: the project leader's list, form and meeting page (invite, selection,
attendance, offers from the meeting), the steering group's outcomes page, and the two public
pages — the open sign-up form (rate-limited, CSRF) and the answer behind the emailed link."""

from __future__ import annotations

from decimal import Decimal
from functools import partial
from typing import Any

import sqlalchemy as sa
from flask import Blueprint, abort, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from models import Company, MeetingInvitee, NetworkMeeting, clock
from models.meetings import InviteeStatus, MeetingChannel
from models.operations import meeting_lists
from models.operations import meetings as meeting_ops
from models.operations.errors import DomainError

from .. import links
from .. import permissions as perm
from ..companies.forms import OfferForm
from ..companies.service import create_offer_from, render_offer_form, status_of, version_of
from ..errors import form_on_page, form_page, refusal_goes_to, refusal_page, show_on_form
from ..extensions import db, limiter
from ..helpers import audit, get_or_404, require
from ..i18n import error_message
from ..transactions import LostRace
from .forms import KIND_LABELS, CsrfForm, InvitationAnswerForm, InviteForm, MeetingForm, SignupForm, TargetsForm
from .service import LINK_MAX_AGE, LINK_PURPOSE, send_invitation, send_signup_answer

bp = Blueprint("meetings", __name__)
STOCKHOLM = clock.STOCKHOLM
SIZES = ("micro", "small", "medium", "large")


def _meeting(meeting_id: int) -> NetworkMeeting:
    meeting = get_or_404(NetworkMeeting, meeting_id)
    require(perm.can_manage_meetings(current_user), meeting)
    return meeting


def _invitee(meeting: NetworkMeeting, invitee_id: int) -> MeetingInvitee:
    invitee = get_or_404(MeetingInvitee, invitee_id)
    require(invitee.meeting_id == meeting.id, invitee)
    return invitee


@bp.route("/natverksmoten")
@login_required
def index():  # type: ignore[no-untyped-def]
    require(perm.can_manage_meetings(current_user))
    when = "past" if request.args.get("visa") == "past" else "upcoming"
    meetings = db.session.scalars(meeting_lists.meeting_list(perm.meeting_scope(current_user), when)).all()
    outcomes = {o.meeting.id: o for o in meeting_ops.outcomes(db.session, [m.id for m in meetings])}
    return render_template("meetings/index.html", meetings=meetings, outcomes=outcomes, when=when,
                           kinds=KIND_LABELS)


# --- the meeting form --------------------------------------------------------------------------
def _data(form: MeetingForm) -> meeting_ops.MeetingData:
    return meeting_ops.MeetingData(
        kind=form.kind.data, title=form.title.data or "", theme=form.theme.data or "",
        starts_at=clock.local_datetime(form.day.data, form.start.data),
        ends_at=clock.local_datetime(form.day.data, form.end.data), place=form.place.data or "",
        capacity=form.capacity.data, open_signup=bool(form.open_signup.data),
        quotas={MeetingChannel.CITY: form.quota_city.data, MeetingChannel.ORGANISATION: form.quota_organisation.data,
                MeetingChannel.OPEN: form.quota_open.data},
        themes_discussed=form.themes_discussed.data or "",
    )


def _save(form: MeetingForm, meeting: NetworkMeeting | None):  # type: ignore[no-untyped-def]
    form_page(form, "meetings/form.html", meeting=meeting, rename={"end": "end"})
    if meeting is None:
        meeting = meeting_ops.create_meeting(db.session, _data(form))
    else:
        meeting_ops.update_meeting(db.session, meeting, _data(form), expected_version=version_of(form))
    audit("meeting_saved", meeting)
    flash(_("Mötet är sparat."), "success")
    return redirect(url_for("meetings.show", meeting_id=meeting.id))


@bp.route("/natverksmoten/nytt", methods=["GET", "POST"])
@login_required
def new():  # type: ignore[no-untyped-def]
    require(perm.can_manage_meetings(current_user))
    form = MeetingForm()
    if not form.validate_on_submit():
        return render_template("meetings/form.html", form=form, meeting=None), status_of(form)
    return _save(form, None)


@bp.route("/natverksmoten/<int:meeting_id>/andra", methods=["GET", "POST"])
@login_required
def edit(meeting_id: int):  # type: ignore[no-untyped-def]
    meeting = _meeting(meeting_id)
    form = MeetingForm(obj=meeting)
    if request.method == "GET":
        form.kind.data = meeting.kind.value
        form.day.data = clock.local_date(meeting.starts_at)
        form.start.data = meeting.starts_at.astimezone(STOCKHOLM).time()
        form.end.data = meeting.ends_at.astimezone(STOCKHOLM).time()
        for channel in MeetingChannel:
            getattr(form, f"quota_{channel.value}").data = meeting.quota(channel)
        form.version.data = str(meeting.version)
    if not form.validate_on_submit():
        return render_template("meetings/form.html", form=form, meeting=meeting), status_of(form)
    return _save(form, meeting)


# --- one meeting -------------------------------------------------------------------------------
def _company_choices() -> list[tuple[str, str]]:
    rows = db.session.execute(sa.select(Company.id, Company.name).order_by(Company.name)).all()
    return [("", _("Inte i registret – skriv uppgifterna nedan"))] + [(str(i), name) for i, name in rows]


def _render(meeting: NetworkMeeting, *, invite: InviteForm | None = None, problem: str = "", status: int = 200):
    invite = invite or InviteForm(formdata=None)
    invite.company.choices = _company_choices()
    invitees = sorted(meeting.invitees, key=lambda i: (i.channel.value, i.status.value, i.company_name))
    taken = {c: sum(1 for i in meeting.invitees if i.channel == c and i.status == InviteeStatus.SELECTED)
             for c in MeetingChannel}
    [outcome] = meeting_ops.outcomes(db.session, [meeting.id])
    return render_template(
        "meetings/show.html", meeting=meeting, invitees=invitees, invite=invite, button=CsrfForm(formdata=None),
        taken=taken, channel_labels=meeting_ops.CHANNEL_LABELS, kinds=KIND_LABELS, problem=problem,
        started=meeting_ops.has_started(meeting), outcome=outcome,
        offers=[link.offer for link in meeting.offers],
    ), status


def _expired(meeting: NetworkMeeting):  # type: ignore[no-untyped-def]
    return _render(meeting, problem=_("Formuläret har gått ut. Ladda om sidan och försök igen."), status=400)


def _pressed_on(meeting_id: int) -> NetworkMeeting:
    """The meeting of a button on its page, whose form must carry a valid CSRF token (if not,
    the page again with a message, 400)."""
    meeting = _meeting(meeting_id)
    if not CsrfForm().validate_on_submit():
        abort(make_response(_expired(meeting)))
    return meeting


def _back_on_refusal(meeting: NetworkMeeting) -> str:
    """The meeting page: where the button leads, and where a refusal is said."""
    back = url_for("meetings.show", meeting_id=meeting.id)
    refusal_goes_to(back)
    return back


@bp.route("/natverksmoten/<int:meeting_id>")
@login_required
def show(meeting_id: int):  # type: ignore[no-untyped-def]
    return _render(_meeting(meeting_id))


@bp.route("/natverksmoten/<int:meeting_id>/bjud-in", methods=["POST"])
@login_required
def invite(meeting_id: int):  # type: ignore[no-untyped-def]
    meeting = _meeting(meeting_id)
    form = InviteForm()
    form.company.choices = _company_choices()
    company = None
    if form.company.data:  # a registered company: its own facts, the CSRF token checked alone
        _pressed_on(meeting_id)
        company = db.session.get(Company, int(form.company.data)) if form.company.data.isdigit() else None
        if company is None:
            form.company.errors = [_("Välj ett företag i listan.")]
            return _render(meeting, invite=form, status=422)
        facts = meeting_ops.facts_of(company, (form.email.data or "").strip())
    else:
        if not form.validate_on_submit():
            return _render(meeting, invite=form, status=422)
        facts = meeting_ops.CompanyFacts(
            company_name=form.company_name.data or "", org_number=form.org_number.data or "",
            size_class=form.size_class.data, industry=form.industry.data or "",
            contact_name=form.contact_name.data or "", email=form.email.data or "")
    form_on_page(form, lambda: _render(meeting, invite=form)[0])
    invitee = meeting_ops.invite(db.session, meeting, facts, channel=form.channel.data,
                                 recommended_by=form.recommended_by.data or "", company=company)
    send_invitation(invitee)
    audit("meeting_invited", meeting, invitee_id=invitee.id, channel=invitee.channel.value)
    flash(_("Inbjudan till %(company)s ligger i utkorgen.", company=invitee.company_name), "success")
    return redirect(url_for("meetings.show", meeting_id=meeting.id))


@bp.route("/natverksmoten/<int:meeting_id>/avanmal/<int:invitee_id>", methods=["POST"])
@login_required
def cancel(meeting_id: int, invitee_id: int):  # type: ignore[no-untyped-def]
    meeting = _pressed_on(meeting_id)
    invitee = _invitee(meeting, invitee_id)
    back = _back_on_refusal(meeting)
    promoted = meeting_ops.cancel(db.session, invitee)
    audit("meeting_cancelled", meeting, invitee_id=invitee.id)
    if promoted is not None:
        send_signup_answer(promoted, promoted=True)
        flash(_("%(company)s är avanmält. Platsen gick till %(next)s på väntelistan.",
                company=invitee.company_name, next=promoted.company_name), "success")
    else:
        flash(_("%(company)s är avanmält.", company=invitee.company_name), "success")
    return redirect(back)


@bp.route("/natverksmoten/<int:meeting_id>/narvaro", methods=["POST"])
@login_required
def attendance(meeting_id: int):  # type: ignore[no-untyped-def]
    meeting = _pressed_on(meeting_id)
    refusal_page(lambda refusal: _render(meeting, problem=error_message(refusal)))
    values = {"yes": True, "no": False, "": None}
    marks = {i.id: values[request.form.get(f"attended-{i.id}", "")] for i in meeting.invitees
             if i.status == InviteeStatus.SELECTED and request.form.get(f"attended-{i.id}", "") in values}
    changed = meeting_ops.mark_attendance(db.session, meeting, marks)
    audit("meeting_attendance_marked", meeting, changed=changed)
    flash(_("Närvaron är sparad (%(n)s ändringar).", n=changed), "success")
    return redirect(url_for("meetings.show", meeting_id=meeting.id))


@bp.route("/natverksmoten/<int:meeting_id>/registrera/<int:invitee_id>", methods=["POST"])
@login_required
def add_company(meeting_id: int, invitee_id: int):  # type: ignore[no-untyped-def]
    require(perm.can_manage_companies(current_user))
    meeting = _pressed_on(meeting_id)
    invitee = _invitee(meeting, invitee_id)
    back = _back_on_refusal(meeting)
    company = meeting_ops.add_to_network(db.session, invitee)
    audit("meeting_company_added", meeting, company_id=company.id)
    flash(_("%(company)s finns nu i företagsregistret.", company=company.name), "success")
    return redirect(back)


@bp.route("/natverksmoten/<int:meeting_id>/erbjudande/<int:invitee_id>", methods=["GET", "POST"])
@login_required
def offer_new(meeting_id: int, invitee_id: int):  # type: ignore[no-untyped-def]
    """A new offer from a company at the meeting, counted for the meeting."""
    meeting = _meeting(meeting_id)
    invitee = _invitee(meeting, invitee_id)
    if invitee.company is None:
        flash(_("Lägg först till företaget i företagsregistret."), "error")
        return redirect(url_for("meetings.show", meeting_id=meeting.id))
    company = invitee.company
    require(perm.can_create_offer_for(current_user, company), company)
    back = url_for("meetings.show", meeting_id=meeting.id)
    form = OfferForm()
    if not form.is_submitted():
        form.prefill_supervisor(company)
    elif form.validate():
        offer = create_offer_from(form, company, back)
        meeting_ops.link_offer(db.session, meeting, offer)
        audit("meeting_offer_linked", meeting, offer_id=offer.id)
        flash(_("Erbjudandet är sparat och räknas till mötet."), "success")
        return redirect(back)
    return render_offer_form(form, company, None, back)


# --- the selection -----------------------------------------------------------------------------
def _percent(value: Decimal | None) -> float | None:
    return None if value is None else float(value) / 100


def _targets(form: TargetsForm) -> meeting_ops.SelectionTargets:
    """The form's percentages as shares (a malformed industry line is refused on its field)."""
    industry = meeting_ops.industry_targets(form.industry.data or "")
    sizes = {s: _percent(getattr(form, f"size_{s}").data) for s in SIZES}
    woman, foreign = _percent(form.gender_woman.data), _percent(form.background_foreign.data)
    return meeting_ops.SelectionTargets(
        industry=industry,
        size_class={s: v for s, v in sizes.items() if v is not None},
        gender={"woman": woman, "man": 1 - woman} if woman is not None else {},
        background={"foreign": foreign, "swedish": 1 - foreign} if foreign is not None else {},
    )


@bp.route("/natverksmoten/<int:meeting_id>/urval")
@login_required
def selection(meeting_id: int):  # type: ignore[no-untyped-def]
    meeting = _meeting(meeting_id)
    form = TargetsForm(request.args)
    page = partial(render_template, "meetings/selection.html", meeting=meeting, form=form,
                   apply=CsrfForm(formdata=None), channel_labels=meeting_ops.CHANNEL_LABELS)
    if not request.args:
        return page(proposal=None)
    if not form.validate():
        return page(proposal=None), 422
    form_on_page(form, lambda: page(proposal=None))  # an impossible selection: the message on the targets
    return page(proposal=meeting_ops.propose_selection(db.session, meeting, _targets(form)))


@bp.route("/natverksmoten/<int:meeting_id>/urval", methods=["POST"])
@login_required
def apply_selection(meeting_id: int):  # type: ignore[no-untyped-def]
    meeting = _pressed_on(meeting_id)
    chosen = [int(v) for v in request.form.getlist("selected") if v.isdigit()]
    back = _back_on_refusal(meeting)
    newly = meeting_ops.apply_selection(db.session, meeting, chosen)
    for invitee in newly:
        send_signup_answer(invitee)
    audit("meeting_selection_applied", meeting, selected=len(chosen), newly=len(newly))
    flash(_("Urvalet är sparat: %(n)s företag fick en ny plats.", n=len(newly)), "success")
    return redirect(back)


# --- what the meetings did for the network -----------------------------------------------------
@bp.route("/natverksmoten/resultat")
@login_required
def outcomes():  # type: ignore[no-untyped-def]
    require(perm.can_view_meeting_outcomes(current_user))
    rows = meeting_ops.outcomes(db.session)
    return render_template("meetings/outcomes.html", rows=rows, kinds=KIND_LABELS,
                           can_manage=perm.can_manage_meetings(current_user))


# --- the public pages ------------------------------------------------------------------------
def _public(template: str, status: int = 200, **context: Any) -> Any:
    response = make_response(render_template(template, **context), status)
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    return response


@bp.route("/moten/<int:meeting_id>/anmalan", methods=["GET", "POST"])
@limiter.limit("20 per 10 minutes", methods=["POST"])
def signup(meeting_id: int):  # type: ignore[no-untyped-def]
    meeting = db.session.get(NetworkMeeting, meeting_id)
    if meeting is None or not meeting.open_signup or meeting_ops.has_started(meeting):
        return _public("meetings/public_closed.html", 404 if meeting is None else 410, meeting=meeting)
    form = SignupForm()
    if form.validate_on_submit():
        form_on_page(form, lambda: _public("meetings/signup.html", meeting=meeting, form=form))
        invitee = meeting_ops.sign_up_open(db.session, meeting, meeting_ops.CompanyFacts(
            company_name=form.company_name.data or "", org_number=form.org_number.data or "",
            size_class=form.size_class.data, industry=form.industry.data or "",
            contact_name=form.contact_name.data or "", email=form.email.data or "",
            representative_gender=form.representative_gender.data or None,
            representative_background=form.representative_background.data or None))
        send_signup_answer(invitee)
        return _public("meetings/signup_done.html", meeting=meeting, invitee=invitee,
                       position=meeting_ops.waiting_position(db.session, invitee))
    return _public("meetings/signup.html", status_of(form), meeting=meeting, form=form)


@bp.route("/moten/svar/<token>", methods=["GET", "POST"])
@limiter.limit("20 per 10 minutes", methods=["POST"])
def answer(token: str):  # type: ignore[no-untyped-def]
    try:
        claim = links.read_token(token, LINK_PURPOSE, max_age=LINK_MAX_AGE)
    except links.LinkError as exc:
        status = 400 if exc.problem == links.LinkProblem.INVALID else 410
        return _public("meetings/link_problem.html", status, problem=exc.problem.value)
    invitee = db.session.get(MeetingInvitee, claim.object_id)
    if invitee is None:
        return _public("meetings/link_problem.html", 410, problem="gone")
    if invitee.status != InviteeStatus.INVITED or meeting_ops.has_started(invitee.meeting):
        return _public("meetings/link_problem.html", 410, problem="answered")
    form = InvitationAnswerForm()
    if form.validate_on_submit():
        refusal_page(partial(_answer_refused, invitee, form))
        links.use_token(claim)
        coming = "decline" not in request.form
        meeting_ops.answer_invitation(
            db.session, invitee, coming=coming, contact_name=form.contact_name.data or "",
            representative_gender=form.representative_gender.data or None,
            representative_background=form.representative_background.data or None)
        return _public("meetings/answer_done.html", invitee=invitee, coming=coming)
    if not form.is_submitted():
        form.contact_name.data = invitee.contact_name
    return _public("meetings/answer.html", status_of(form), invitee=invitee, form=form)


def _answer_refused(invitee: MeetingInvitee, form: InvitationAnswerForm, refusal: DomainError) -> Any:
    if isinstance(refusal, LostRace):
        return _public("meetings/link_problem.html", 410, problem="used")
    show_on_form(form, refusal)
    return _public("meetings/answer.html", refusal.status, invitee=invitee, form=form)
