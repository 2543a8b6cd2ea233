"""The project leader's visit pages: the list, booking, a visit with its history and status
actions, the needs-action list, week and month calendars, and the personal calendar feed."""

from __future__ import annotations

import datetime as dt
from functools import partial
from typing import Any

import sqlalchemy as sa
from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import format_date
from flask_babel import gettext as _
from flask_login import current_user, login_required

from models import CalendarFeed, Candidate, Company, Offer, Visit, clock
from models.db import parse_id
from models.enums import CompanyStatus, Party, ReferralStatus, VisitStatus
from models.operations import availability, eligibility
from models.operations import visits as visit_ops
from models.operations.errors import DomainError
from models.visits import MAX_SECONDS, MIN_SECONDS, held_seconds, length_words

from .. import labels, links
from .. import permissions as perm
from ..calendar import feed_ics
from ..errors import refusal_page, show_on_form
from ..extensions import db, limiter
from ..helpers import audit, get_or_404, require
from ..i18n import error_message
from ..main.panels import Panel, register_panel
from ..pagination import paginate
from . import queries, service
from .forms import (
    BookingForm,
    CancelForm,
    CompleteForm,
    CorrectForm,
    CorrectTimesForm,
    DeclineForm,
    FeedForm,
    RescheduleForm,
    RevokeFeedForm,
    SimpleStatusForm,
    VisitFilterForm,
)

bp = Blueprint("visits", __name__)
STOCKHOLM = clock.STOCKHOLM
FEED_PAST = dt.timedelta(days=60)
FEED_FUTURE = dt.timedelta(days=400)

STATUS_FORMS: dict[VisitStatus, type[Any]] = {
    VisitStatus.ACCEPTED: SimpleStatusForm,
    VisitStatus.DECLINED: DeclineForm,
    VisitStatus.CONFIRMED: SimpleStatusForm,
    VisitStatus.COMPLETED: CompleteForm,
    VisitStatus.NO_SHOW: SimpleStatusForm,
    VisitStatus.CANCELLED: CancelForm,
}


def _today() -> dt.date:
    return clock.local_today()


def get_visit_or_404(visit_id: int, check: Any = perm.can_view_visit_details) -> Visit:
    visit = get_or_404(Visit, visit_id)
    require(check(current_user, visit), visit)
    return visit


# --- list and needs action ----------------------------------------------------------------------
PER_PAGE = 50
#: The visit list counts this many visits past its page's start and says "more than" beyond them.
COUNTED_UP_TO = 1000


@bp.route("/besok")
@login_required
def index():  # type: ignore[no-untyped-def]
    require(perm.can_book_visits(current_user))
    form = VisitFilterForm(request.args)
    filters = form.data if form.validate() else {}
    query = queries.visit_list(current_user, filters)
    page = paginate(db.session, query, form.page.data or 1, PER_PAGE, unique=True, count_up_to=COUNTED_UP_TO)
    no_shows = visit_ops.no_show_counts(db.session, [v.candidate_id for v in page.items])
    return render_template(
        "visits/index.html", form=form, page=page, no_shows=no_shows, counts=visit_ops.counts_toward_goal
    )


@bp.route("/besok/att-gora")
@login_required
def needs_action():  # type: ignore[no-untyped-def]
    require(perm.can_book_visits(current_user))
    todo = queries.needs_action(db.session, current_user, clock.now())
    return render_template("visits/needs_action.html", todo=todo, referrals_url=_referrals_url())


def _referrals_url() -> str | None:
    """Where submitted referrals are decided, if the candidate area is installed."""
    for endpoint, args in (("candidates.bank", {"status": ReferralStatus.SUBMITTED.value, "sort": "referred"}),):
        if endpoint in current_app.view_functions:
            return url_for(endpoint, **args)
    return None


# --- booking ----------------------------------------------------------------------------------
def _candidate_choices(selected: int | None) -> list[tuple[Any, str]]:
    eligible = eligibility.may_take_part()
    condition = sa.or_(eligible, Candidate.id == selected) if selected else eligible
    rows = db.session.scalars(
        sa.select(Candidate)
        .where(perm.openable_candidate_scope(current_user), condition)
        .order_by(Candidate.last_name, Candidate.first_name)
    )
    return [("", _("Välj deltagare"))] + [
        (c.id, f"{c.last_name}, {c.first_name} ({c.pin_masked or c.birth_date or c.id})") for c in rows
    ]


def _offer_choices(selected: int | None) -> list[tuple[Any, str]]:
    bookable = sa.and_(Offer.active.is_(True), Company.status == CompanyStatus.ACTIVE)
    condition = sa.or_(bookable, Offer.id == selected) if selected else bookable
    rows = db.session.execute(
        sa.select(Offer.id, Company.name, Offer.title)
        .join(Offer.company)
        .where(condition)
        .order_by(Company.name, Offer.title)
    )
    return [("", _("Välj erbjudande"))] + [(oid, f"{name} – {title}") for oid, name, title in rows]


def _default_times(offer: Offer) -> tuple[dt.time, dt.time]:
    """The offer's usual visit: from the window's start, for the offer's hours (within the window)."""
    start = dt.datetime.combine(dt.date(2000, 1, 1), offer.window_start)
    end = start + dt.timedelta(hours=float(offer.hours))
    fits = end.date() == start.date() and end.time() <= offer.window_end
    return offer.window_start, end.time() if fits else offer.window_end


def _int_arg(name: str) -> int | None:
    value = request.args.get(name, "")
    return int(value) if value.isdigit() else None


@bp.route("/besok/nytt", methods=["GET", "POST"])
@login_required
def new():  # type: ignore[no-untyped-def]
    require(perm.can_book_visits(current_user))
    form = BookingForm()
    if request.method == "GET":
        form.candidate.data = _int_arg("candidate")
        form.offer.data = _int_arg("offer")
    form.candidate.choices = _candidate_choices(form.candidate.data)
    form.offer.choices = _offer_choices(form.offer.data)
    offer = db.session.get(Offer, form.offer.data) if form.offer.data else None
    if request.method == "GET" and offer is not None:
        form.start.data, form.end.data = _default_times(offer)
    person = db.session.get(Candidate, form.candidate.data) if form.candidate.data else None
    seen = person is not None and perm.can_open_candidate(current_user, person)
    known = availability.describe(person) if seen else None  # the participant's days and times, as a hint
    if not form.validate_on_submit():
        status = 422 if request.method == "POST" else 200
        return render_template("visits/new.html", form=form, offer=offer, holiday=False,
                               outside_availability=False, availability=known), status
    candidate = get_or_404(Candidate, form.candidate.data)
    require(perm.can_open_candidate(current_user, candidate), candidate)
    offer = get_or_404(Offer, form.offer.data)
    refusal_page(partial(_form_again, "visits/new.html", form, offer=offer, availability=known))
    visit = service.propose_visit(
        offer, candidate,
        clock.local_datetime(form.day.data, form.start.data), clock.local_datetime(form.day.data, form.end.data),
        by=current_user, supervisor_name=form.supervisor_name.data or None,
        supervisor_email=form.supervisor_email.data or None, allow_holiday=form.allow_holiday.data,
        availability_override=form.availability_override,
        from_list=request.args.get("exposure", type=parse_id),  # the list it was opened from, if any
    )
    audit("visit_proposed", visit, outside_availability=bool(visit.availability_override))
    flash(_("Besöket är föreslaget. Handledaren har fått ett mejl med en länk för att svara."), "success")
    return redirect(url_for("visits.show", visit_id=visit.id))


def _form_again(template: str, form: Any, refusal: DomainError, **context: Any) -> str:
    """A booking or new-time form again with the refusal, offering to book on a holiday
    anyway when that is what was refused."""
    show_on_form(form, refusal)
    return render_template(template, form=form, holiday=refusal.code == "holiday",
                           outside_availability=refusal.code in ("availability", "availability_reason"), **context)


# --- one visit --------------------------------------------------------------------------------
def _status_forms(visit: Visit, override: dict[str, Any] | None = None) -> dict[str, Any]:
    """The forms for the moves open from the visit's status (and the correction), prefilled."""
    forms: dict[str, Any] = {}
    started = clock.now() >= visit.start_at
    for to in sorted(visit_ops.ALLOWED_TRANSITIONS.get(visit.status, ()), key=list(VisitStatus).index):
        if to in (VisitStatus.COMPLETED, VisitStatus.NO_SHOW) and not started:
            continue
        forms[to.value] = STATUS_FORMS[to](formdata=None, prefix=to.value, version=visit.version)
    if VisitStatus.COMPLETED.value in forms:
        forms["completed"].actual_start.data = visit.start_at.astimezone(STOCKHOLM).time()
        forms["completed"].actual_end.data = visit.end_at.astimezone(STOCKHOLM).time()
        del forms["completed"].confirm_length  # asked for only when the length needs it
    if visit.status == VisitStatus.COMPLETED:
        # Times and outcome are corrected apart: fixing a mistyped time never records a no-show.
        times = CorrectTimesForm(formdata=None, prefix="correct_times", version=visit.version)
        times.actual_start.data = (visit.actual_start or visit.start_at).astimezone(STOCKHOLM).time()
        times.actual_end.data = (visit.actual_end or visit.end_at).astimezone(STOCKHOLM).time()
        del times.confirm_length
        forms["correct_times"] = times
    if visit.status in visit_ops.CORRECTIONS:
        forms["correct"] = CorrectForm(formdata=None, prefix="correct", version=visit.version)
        if visit.status == VisitStatus.NO_SHOW:
            forms["correct"].actual_start.data = visit.start_at.astimezone(STOCKHOLM).time()
            forms["correct"].actual_end.data = visit.end_at.astimezone(STOCKHOLM).time()
        else:  # completed → no-show: a reason is all it takes
            del forms["correct"].actual_start
            del forms["correct"].actual_end
    forms.update(override or {})
    return forms


def _length_unconfirmed(form: Any, start: Any, end: Any) -> bool:
    """True (with the question put on the form) when the times make the visit shorter than 4 or
    longer than 8 hours and the user has not confirmed them: such a visit does not count."""
    seconds = held_seconds(start, end)
    if MIN_SECONDS <= seconds <= MAX_SECONDS or form.confirm_length.data or end <= start:
        return False
    form.actual_end.errors = [*form.actual_end.errors, _(
        "Med de här tiderna varar besöket %(length)s och räknas inte mot målet, som gäller besök på "
        "4–8 timmar. Stämmer tiderna? Kryssa i rutan och spara igen.", length=length_words(seconds),
    )]
    return True


def _render_visit(visit: Visit, *, override: dict[str, Any] | None = None, problem: str = "", status: int = 200):
    # The participant's other visits and no-show count: for project leaders and the officer.
    history = db.session.scalars(
        sa.select(Visit)
        .where(Visit.candidate_id == visit.candidate_id, Visit.id != visit.id)
        .order_by(Visit.start_at.desc())
        .limit(20)
    ).all()
    return (
        render_template(
            "visits/show.html", visit=visit, forms=_status_forms(visit, override), problem=problem,
            other_visits=history, no_shows=_earlier_no_shows(visit),
            counts=visit_ops.counts_toward_goal(visit), can_manage=perm.can_manage_visit(current_user, visit),
            feedback_url=_feedback_url(visit),
        ),
        status,
    )


def _earlier_no_shows(visit: Visit) -> int:
    total = visit_ops.no_show_counts(db.session, [visit.candidate_id]).get(visit.candidate_id, 0)
    return total - (visit.status == VisitStatus.NO_SHOW)


def _feedback_url(visit: Visit) -> str | None:
    if visit.status == VisitStatus.COMPLETED and "feedback.fill" in current_app.view_functions:
        return url_for("feedback.fill", visit_id=visit.id)
    return None


@bp.route("/besok/<int:visit_id>")
@login_required
def show(visit_id: int):  # type: ignore[no-untyped-def]
    return _render_visit(get_visit_or_404(visit_id))


def _visit_again(visit: Visit, key: str, form: Any, refusal: DomainError):  # type: ignore[no-untyped-def]
    """The visit page again with a refused move's message where it belongs: on the form's
    field it names, or above the page."""
    named = bool(refusal.field) and hasattr(form, refusal.field)
    if named:
        show_on_form(form, refusal)
    return _render_visit(visit, override={key: form}, problem="" if named else error_message(refusal))


@bp.route("/besok/<int:visit_id>/status/<to>", methods=["POST"])
@login_required
def change_status(visit_id: int, to: str):  # type: ignore[no-untyped-def]
    visit = get_visit_or_404(visit_id, perm.can_manage_visit)
    try:
        target = VisitStatus(to)
    except ValueError:
        abort(404)
    form = STATUS_FORMS.get(target, SimpleStatusForm)(prefix=target.value)
    if not form.validate_on_submit():
        return _render_visit(visit, override={target.value: form}, status=422)
    # A project leader recording the company's answer records it as the company's decision.
    party = Party.EMPLOYER if target in (VisitStatus.ACCEPTED, VisitStatus.DECLINED) else Party.PROJECT_LEADER
    extra: dict[str, Any] = {}
    if isinstance(form, CancelForm):
        party = Party(form.party.data)
    if isinstance(form, DeclineForm):
        extra["decline_reason"] = form.decline_reason.data
    if isinstance(form, CompleteForm):
        extra["actual_start"] = clock.local_datetime(visit.visit_date, form.actual_start.data)
        extra["actual_end"] = clock.local_datetime(visit.visit_date, form.actual_end.data)
        if _length_unconfirmed(form, extra["actual_start"], extra["actual_end"]):
            return _render_visit(visit, override={target.value: form}, status=422)
    refusal_page(partial(_visit_again, visit, target.value, form))
    service.apply_transition(
        visit, target, by=current_user, party=party, reason=form.reason.data if hasattr(form, "reason") else "",
        expected_version=form.expected_version, **extra,
    )
    audit("visit_status_changed", visit, to=target.value)
    flash(_("Besöket är nu: %(status)s.", status=_status_label(target)), "success")
    return redirect(url_for("visits.show", visit_id=visit.id))


def _status_label(status: VisitStatus) -> str:
    return str(labels.VISIT_STATUS_LABELS[status.value])


@bp.route("/besok/<int:visit_id>/rattelse", methods=["POST"])
@login_required
def correct(visit_id: int):  # type: ignore[no-untyped-def]
    visit = get_visit_or_404(visit_id, perm.can_manage_visit)
    form = CorrectForm(prefix="correct")
    if not form.validate_on_submit():
        return _render_visit(visit, override={"correct": form}, status=422)
    target = VisitStatus.NO_SHOW if visit.status == VisitStatus.COMPLETED else VisitStatus.COMPLETED
    times = {}
    if target == VisitStatus.COMPLETED and form.actual_start.data and form.actual_end.data:
        times = {
            "actual_start": clock.local_datetime(visit.visit_date, form.actual_start.data),
            "actual_end": clock.local_datetime(visit.visit_date, form.actual_end.data),
        }
    refusal_page(partial(_visit_again, visit, "correct", form))
    service.correct_visit_outcome(
        visit, target, by=current_user, reason=form.reason.data, expected_version=form.expected_version, **times
    )
    audit("visit_outcome_corrected", visit, to=target.value)
    flash(_("Utfallet är rättat till: %(status)s.", status=_status_label(target)), "success")
    return redirect(url_for("visits.show", visit_id=visit.id))


@bp.route("/besok/<int:visit_id>/ratta-tider", methods=["POST"])
@login_required
def correct_times(visit_id: int):  # type: ignore[no-untyped-def]
    visit = get_visit_or_404(visit_id, perm.can_manage_visit)
    form = CorrectTimesForm(prefix="correct_times")
    if not form.validate_on_submit():
        return _render_visit(visit, override={"correct_times": form}, status=422)
    start = clock.local_datetime(visit.visit_date, form.actual_start.data)
    end = clock.local_datetime(visit.visit_date, form.actual_end.data)
    if _length_unconfirmed(form, start, end):
        return _render_visit(visit, override={"correct_times": form}, status=422)
    refusal_page(partial(_visit_again, visit, "correct_times", form))
    service.correct_visit_times(
        visit, actual_start=start, actual_end=end, by=current_user, reason=form.reason.data or "",
        expected_version=form.expected_version,
    )
    audit("visit_times_corrected", visit)
    flash(_("Tiderna är rättade: %(start)s–%(end)s.", start=form.actual_start.data.strftime("%H:%M"),
            end=form.actual_end.data.strftime("%H:%M")), "success")
    return redirect(url_for("visits.show", visit_id=visit.id))


@bp.route("/besok/<int:visit_id>/ny-tid", methods=["GET", "POST"])
@login_required
def reschedule(visit_id: int):  # type: ignore[no-untyped-def]
    visit = get_visit_or_404(visit_id, perm.can_manage_visit)
    form = RescheduleForm()
    if request.method == "GET":
        form.version.data = str(visit.version)
        form.day.data = visit.visit_date
        form.start.data = visit.start_at.astimezone(STOCKHOLM).time()
        form.end.data = visit.end_at.astimezone(STOCKHOLM).time()
    if not form.validate_on_submit():
        status = 422 if request.method == "POST" else 200
        return render_template("visits/reschedule.html", visit=visit, form=form, holiday=False,
                               outside_availability=False), status
    refusal_page(partial(_form_again, "visits/reschedule.html", form, visit=visit))
    service.reschedule_visit(
        visit, clock.local_datetime(form.day.data, form.start.data),
        clock.local_datetime(form.day.data, form.end.data), by=current_user,
        allow_holiday=form.allow_holiday.data, expected_version=form.expected_version,
        availability_override=form.availability_override,
    )
    audit("visit_rescheduled", visit, outside_availability=bool(visit.availability_override))
    flash(_("Besöket har fått ny tid. De berörda har fått besked."), "success")
    return redirect(url_for("visits.show", visit_id=visit.id))


# --- calendar views -----------------------------------------------------------------------------
def _parse_day(value: str | None) -> dt.date:
    """The day asked for, or today for anything else (a year the calendar's neighbours cannot
    reach, like 9999-12-31, included)."""
    try:
        day = dt.date.fromisoformat(value or "")
    except ValueError:
        return _today()
    return day if dt.date(1900, 1, 1) <= day <= dt.date(2999, 12, 31) else _today()


@bp.route("/kalender")
@login_required
def calendar():  # type: ignore[no-untyped-def]
    require(perm.can_book_visits(current_user))
    view = "month" if request.args.get("view") == "month" else "week"
    day = _parse_day(request.args.get("date"))
    if view == "week":
        first = day - dt.timedelta(days=day.weekday())
        last = first + dt.timedelta(days=6)
        prev_day, next_day = first - dt.timedelta(days=7), first + dt.timedelta(days=7)
    else:
        month_start = day.replace(day=1)
        month_end = (month_start + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
        first = month_start - dt.timedelta(days=month_start.weekday())
        last = month_end + dt.timedelta(days=6 - month_end.weekday())
        prev_day, next_day = (month_start - dt.timedelta(days=1)).replace(day=1), month_end + dt.timedelta(days=1)
    days = queries.by_day(
        queries.visits_between(db.session, current_user, first, last),
        queries.activities_between(db.session, current_user, first, last),
        first,
        last,
    )
    weeks = [list(days.items())[i : i + 7] for i in range(0, len(days), 7)]
    return render_template(
        "visits/calendar.html", view=view, day=day, first=first, last=last, weeks=weeks, today=_today(),
        prev_day=prev_day, next_day=next_day, month_label=format_date(day, "LLLL yyyy"),
    )


# --- personal calendar feed ---------------------------------------------------------------------
@bp.route("/kalender/prenumeration", methods=["GET", "POST"])
@login_required
def feeds():  # type: ignore[no-untyped-def]
    require(perm.can_use_calendar_feed(current_user))
    form, new_url = FeedForm(), None
    if form.validate_on_submit():
        feed, token = visit_ops.create_calendar_feed(db.session, current_user)
        audit("calendar_feed_created", feed)
        new_url = links.public_url("visits.feed", token=token)
    rows = db.session.scalars(
        sa.select(CalendarFeed).where(CalendarFeed.user_id == current_user.id).order_by(CalendarFeed.created_at.desc())
    ).all()
    return render_template("visits/feeds.html", form=form, feeds=rows, new_url=new_url, revoke_form=RevokeFeedForm())


@bp.route("/kalender/prenumeration/aterkalla", methods=["POST"])
@login_required
def revoke_feed():  # type: ignore[no-untyped-def]
    require(perm.can_use_calendar_feed(current_user))
    form = RevokeFeedForm()
    if not form.validate_on_submit() or not str(form.feed_id.data).isdigit():
        abort(400)
    feed = get_or_404(CalendarFeed, int(form.feed_id.data))
    require(feed.user_id == current_user.id, feed)
    visit_ops.revoke_calendar_feed(db.session, feed)
    audit("calendar_feed_revoked", feed)
    flash(_("Kalenderadressen är återkallad och slutar fungera direkt."), "success")
    return redirect(url_for("visits.feeds"))


@bp.route("/kalender/<token>.ics")
@limiter.limit("60 per minute")
def feed(token: str):  # type: ignore[no-untyped-def]
    """The public feed URL: the token is the only key, so it shows initials and company only."""
    owner = visit_ops.resolve_calendar_feed(db.session, token)
    if owner is None:
        abort(404)
    today = _today()
    first, last = today - FEED_PAST, today + FEED_FUTURE
    # Never a no-show in a calendar (a company's only has visitors it may see: the list's scope).
    visits = queries.visits_between(db.session, owner, first, last, Visit.status != VisitStatus.NO_SHOW, for_feed=True)
    body = feed_ics(visits, queries.activities_between(db.session, owner, first, last), name="IOP Jobbskuggning")
    response = Response(body, mimetype="text/calendar")
    response.headers["Content-Disposition"] = 'inline; filename="iop-jobbskuggning.ics"'
    response.headers["Cache-Control"] = "private, max-age=300"
    return response


# --- start-page panels ----------------------------------------------------------------------
def _needs_action_panel(user: Any) -> dict[str, Any]:
    return {"todo": queries.needs_action(db.session, user, clock.now(), limit=5), "referrals_url": _referrals_url()}


# A region books hundreds of visits a week: the panel lists a quiet week whole, and of a busy
# week the next ones from today (the calendar shows the rest).
WEEK_PANEL_VISITS = 15


def _week_panel(user: Any) -> dict[str, Any]:
    today = _today()
    first = today - dt.timedelta(days=today.weekday())
    last = first + dt.timedelta(days=6)
    total = queries.count_visits_between(db.session, user, first, last)
    start = first if total <= WEEK_PANEL_VISITS else today
    return {
        "first": first,
        "visits": queries.visits_between(db.session, user, start, last, limit=WEEK_PANEL_VISITS),
        "total": total,
        "activities": queries.activities_between(db.session, user, first, last),
    }


register_panel(Panel("visits-needs-action", perm.can_book_visits, "visits/_panel_needs_action.html",
                     _needs_action_panel, order=10))
register_panel(Panel("visits-this-week", perm.can_book_visits, "visits/_panel_week.html", _week_panel, order=20))
