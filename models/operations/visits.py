"""Workplace visits: booking with all its rules, the status machine with a history row for
every move, time changes and outcome corrections.

Double bookings are stopped by the database, not only by the checks here: the exclusion
constraint (PostgreSQL) or triggers (SQLite) named `ex_visit_no_overlap` keep a participant's
live visits apart, and capacity is counted while holding a lock on the offer row (PostgreSQL)
or inside an IMMEDIATE transaction (SQLite, one writer at a time).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import Iterable
from functools import lru_cache
from typing import Any, Optional

import holidays
import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from .. import clock
from .. import visits as visits_model
from ..accounts import CalendarFeed, User
from ..candidates import Candidate
from ..clock import STOCKHOLM, local_date, quarter_bounds
from ..companies import Offer
from ..db import whole_seconds
from ..enums import (
    LIVE_VISIT_STATUSES,
    WEEKDAYS,
    CompanyStatus,
    DeclineReason,
    Party,
    VisitStatus,
)
from ..system import Exposure
from ..visits import OVERLAP_CONSTRAINT_NAME, Visit, VisitEvent, held_seconds, length_words
from . import availability, fields, ranker_duel
from .eligibility import ensure_may_take_part
from .errors import N_, Conflict, DomainError, Message, NotAllowed, joined

MIN_HOURS = 4
MAX_HOURS = 8

S = VisitStatus
ALLOWED_TRANSITIONS: dict[VisitStatus, set[VisitStatus]] = {
    S.PROPOSED: {S.ACCEPTED, S.DECLINED, S.CANCELLED},
    S.ACCEPTED: {S.CONFIRMED, S.CANCELLED},
    S.CONFIRMED: {S.COMPLETED, S.NO_SHOW, S.CANCELLED},
}
# A recorded outcome can be corrected by a project leader (a separate action with a reason,
# never a normal transition): reports read the history, so both rows stay visible.
CORRECTIONS: dict[VisitStatus, set[VisitStatus]] = {S.COMPLETED: {S.NO_SHOW}, S.NO_SHOW: {S.COMPLETED}}
CORRECTION_PREFIX = "Rättelse: "
TIMES_CORRECTION_PREFIX = "Rättelse av tiderna: "
OVERRIDE_PREFIX = "Bokat utanför deltagarens tillgänglighet: "

# Who may make each move. The project leader also records answers given on the phone.
PARTIES_FOR: dict[VisitStatus, frozenset[Party]] = {
    S.ACCEPTED: frozenset({Party.EMPLOYER, Party.PROJECT_LEADER}),
    S.DECLINED: frozenset({Party.EMPLOYER, Party.PROJECT_LEADER}),
    S.CONFIRMED: frozenset({Party.PROJECT_LEADER, Party.SYSTEM}),
    S.COMPLETED: frozenset({Party.PROJECT_LEADER, Party.EMPLOYER, Party.SYSTEM}),
    S.NO_SHOW: frozenset({Party.PROJECT_LEADER, Party.EMPLOYER, Party.SYSTEM}),
    S.CANCELLED: frozenset({Party.PARTICIPANT, Party.EMPLOYER, Party.PROJECT_LEADER, Party.SYSTEM}),
}

# Visits that take a place in an offer's capacity (a completed visit used its place).
CAPACITY_STATUSES: tuple[VisitStatus, ...] = (*LIVE_VISIT_STATUSES, S.COMPLETED)

# Swedish words put into messages; marked for the catalogue, translated where a message is shown.
STATUS_WORDS = {
    S.PROPOSED: N_("föreslaget"),
    S.ACCEPTED: N_("accepterat"),
    S.DECLINED: N_("nekat"),
    S.CONFIRMED: N_("bekräftat"),
    S.COMPLETED: N_("genomfört"),
    S.NO_SHOW: N_("registrerat som uteblivet"),
    S.CANCELLED: N_("avbokat"),
}
WEEKDAY_WORDS = dict(
    zip(WEEKDAYS, (N_("mån"), N_("tis"), N_("ons"), N_("tor"), N_("fre"), N_("lör"), N_("sön")), strict=True)
)


# --- dates -----------------------------------------------------------------------------------
@lru_cache(maxsize=32)
def _holidays_for(year: int) -> holidays.HolidayBase:
    # The public holidays and the three eves that Swedish workplaces keep as holidays in
    # practice (midsommarafton, julafton, nyårsafton: "de facto" in the holidays library).
    return holidays.country_holidays("SE", years=year, language="sv", categories=("public", "de_facto"))


def swedish_holiday(day: dt.date) -> Optional[str]:
    """The Swedish name of the holiday on `day` (a public holiday, or midsummer, Christmas or
    New Year's Eve), or None on an ordinary day."""
    return _holidays_for(day.year).get(day)


def is_working_day(day: dt.date) -> bool:
    return day.weekday() < 5 and swedish_holiday(day) is None


def overdue_proposal_cutoff(today: dt.date, working_days: int = 2) -> dt.date:
    """Proposals made on or before the returned date have waited `working_days` full working
    days (weekends and public holidays skipped) by `today`, counting today."""
    day, counted = today, 0
    while counted < working_days:
        if is_working_day(day):
            counted += 1
        day -= dt.timedelta(days=1)
    return day


# --- small rules ------------------------------------------------------------------------------
def counts_toward_goal(visit: Visit) -> bool:
    """Completed, 4:00:00–8:00:00 long in whole seconds: the counting rule (models/visits.py),
    the same test the report makes in SQL."""
    return visits_model.counts_toward_goal(visit.status, visit.actual_start, visit.actual_end)


def no_show_counts(session: Session, candidate_ids: Iterable[int]) -> dict[int, int]:
    """How many visits each candidate did not turn up to (for the project leader's eyes only)."""
    ids = list(set(candidate_ids))
    if not ids:
        return {}
    rows = session.execute(
        sa.select(Visit.candidate_id, sa.func.count())
        .where(Visit.candidate_id.in_(ids), Visit.status == S.NO_SHOW)
        .group_by(Visit.candidate_id)
    )
    return {candidate_id: count for candidate_id, count in rows}


def serialise_writes(session: Session, *rows: Any) -> None:
    """Make the rest of this transaction see the latest committed rows and keep competitors
    out until it ends: lock the given rows (FOR NO KEY UPDATE, PostgreSQL), or take SQLite's
    single write lock at once (BEGIN IMMEDIATE). The rows are refreshed from the database."""
    connection = session.connection()
    if connection.dialect.name == "sqlite":
        raw = connection.connection.dbapi_connection
        # pysqlite opens a transaction only before the first write; if one is open, this
        # transaction has written and therefore already holds the write lock.
        if raw is not None and not raw.in_transaction:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
    for row in rows:
        model = type(row)
        session.execute(
            sa.select(model)
            .where(model.id == row.id)
            .with_for_update(key_share=True)
            .execution_options(populate_existing=True)
        ).scalar_one()


def _flush(session: Session) -> None:
    """Flush, turning the database's refusals into messages a user can act on."""
    try:
        session.flush()
    except sa.exc.IntegrityError as exc:
        if OVERLAP_CONSTRAINT_NAME in str(exc.orig):
            raise Conflict(
                "Deltagaren har redan ett besök den tiden. Välj en annan tid, eller avboka det andra besöket först.",
                field="start",
                code="overlap",
            ) from exc
        raise
    except StaleDataError as exc:
        raise _stale() from exc


def _append_event(session: Session, visit: Visit, event: VisitEvent) -> None:
    """Add the history row and write the change; loading the history must not flush the
    change half-way (the refusals are turned into messages only in `_flush`)."""
    with session.no_autoflush:
        visit.events.append(event)
    _flush(session)


def _stale() -> Conflict:
    return Conflict(
        "Någon annan har ändrat besöket medan du hade sidan öppen. Ladda om sidan, se vad som gäller nu "
        "och gör om ändringen om den fortfarande behövs.",
        code="stale",
    )


def _check_version(visit: Visit, expected_version: Optional[int]) -> None:
    if expected_version is not None and visit.version != expected_version:
        raise _stale()


def _check_times(
    offer: Offer, start: dt.datetime, end: dt.datetime, *, now: dt.datetime, allow_holiday: bool
) -> dt.date:
    """The booking rules about time; returns the visit's local date."""
    if start.tzinfo is None or end.tzinfo is None:
        raise ValueError("visit times must be timezone-aware")
    if end <= start:
        raise DomainError("Sluttiden måste vara efter starttiden.", field="end")
    hours = (end - start).total_seconds() / 3600
    if not MIN_HOURS <= hours <= MAX_HOURS:
        raise DomainError(
            "Ett besök ska vara mellan %(min)s och %(max)s timmar (nu %(length)s). Ändra start- eller sluttiden.",
            field="end",
            code="duration",
            min=MIN_HOURS,
            max=MAX_HOURS,
            length=length_words(held_seconds(start, end)),
        )
    if start <= now:
        raise DomainError(
            "Tiden har redan passerat. Välj en dag och tid framåt i tiden.", field="day", code="past"
        )
    local_start, local_end = start.astimezone(STOCKHOLM), end.astimezone(STOCKHOLM)
    day = local_start.date()
    if local_end.date() != day:
        raise DomainError("Besöket ska börja och sluta samma dag.", field="end")
    weekday = WEEKDAYS[day.weekday()]
    if weekday not in offer.weekdays:
        raise DomainError(
            "Företaget tar emot besök på %(days)s. Välj en av de dagarna.",
            field="day",
            code="weekday",
            days=joined(WEEKDAY_WORDS[d] for d in offer.weekdays),
        )
    if local_start.time() < offer.window_start or local_end.time() > offer.window_end:
        raise DomainError(
            "Företaget tar emot besök mellan %(start)s och %(end)s. Välj start- och sluttid inom de tiderna.",
            field="start",
            code="window",
            start=f"{offer.window_start:%H:%M}",
            end=f"{offer.window_end:%H:%M}",
        )
    holiday = swedish_holiday(day)
    if holiday and not allow_holiday:
        raise DomainError(
            "%(day)s är en helgdag (%(holiday)s). Välj en annan dag, eller kryssa i "
            "”Boka ändå” om företaget har öppet den dagen.",
            field="day",
            code="holiday",
            day=day.isoformat(),
            holiday=holiday,
        )
    return day


def _check_capacity(session: Session, offer: Offer, day: dt.date, *, exclude_visit_id: Optional[int] = None) -> None:
    """Places left on the day and in the quarter; call only while holding the offer's lock."""

    def taken(first: dt.date, after_last: dt.date) -> int:
        query = (
            sa.select(sa.func.count())
            .select_from(Visit)
            .where(
                Visit.offer_id == offer.id,
                Visit.status.in_(CAPACITY_STATUSES),
                Visit.visit_date >= first,
                Visit.visit_date < after_last,
            )
        )
        if exclude_visit_id is not None:
            query = query.where(Visit.id != exclude_visit_id)
        return int(session.scalar(query) or 0)

    if taken(day, day + dt.timedelta(days=1)) >= offer.capacity_per_day:
        raise Conflict(
            "Erbjudandet är fullbokat %(day)s (%(capacity)s av %(capacity)s "
            "platser tagna). Välj en annan dag eller ett annat erbjudande.",
            field="day",
            code="full",
            day=day.isoformat(),
            capacity=offer.capacity_per_day,
        )
    q_start, q_end = quarter_bounds(day)
    if taken(q_start, q_end) >= offer.capacity_per_quarter:
        quarter = (q_start.month - 1) // 3 + 1
        raise Conflict(
            "Erbjudandet är fullbokat för kvartal %(quarter)s %(year)s (%(capacity)s "
            "besök). Välj ett annat kvartal eller ett annat erbjudande.",
            field="day",
            code="full",
            quarter=quarter,
            year=q_start.year,
            capacity=offer.capacity_per_quarter,
        )


def _check_overlap(
    session: Session, candidate_id: int, start: dt.datetime, end: dt.datetime, exclude: Optional[int]
) -> None:
    """A friendly early answer; the database constraint is what really guarantees it."""
    query = sa.select(Visit.id).where(
        Visit.candidate_id == candidate_id,
        Visit.status.in_(LIVE_VISIT_STATUSES),
        Visit.start_at < end,
        Visit.end_at > start,
    )
    if exclude is not None:
        query = query.where(Visit.id != exclude)
    if session.scalar(query.limit(1)) is not None:
        raise Conflict(
            "Deltagaren har redan ett besök den tiden. Välj en annan tid, eller avboka det andra besöket först.",
            field="start",
            code="overlap",
        )


def _check_supervisor(name: str, email: str) -> str:
    """The supervisor's email address as stored; the proposal is sent there."""
    if not name.strip():
        raise DomainError("Ange handledarens namn.", field="supervisor_name")
    address = fields.checked(fields.email_address, email, field="supervisor_email")
    if not address:
        raise DomainError("Ange handledarens e-postadress: förslaget skickas dit.", field="supervisor_email")
    return address


# --- booking ----------------------------------------------------------------------------------
def book_visit(
    session: Session,
    offer: Offer,
    candidate: Candidate,
    start: dt.datetime,
    end: dt.datetime,
    *,
    by: Optional[User],
    supervisor_name: Optional[str] = None,
    supervisor_email: Optional[str] = None,
    allow_holiday: bool = False,
    from_list: Optional[int] = None,
    availability_override: Optional[str] = None,
    now: Optional[dt.datetime] = None,
) -> Visit:
    """Book a proposed visit for `candidate` at `offer`, or refuse with what to do instead.
    `from_list` is the logged recommendation list (an Exposure id) the booking was opened from:
    the proposal is noted on it in the same transaction, so a refused booking notes nothing.
    A visit outside the candidate's weekdays or times of day is refused unless
    `availability_override` gives the reason it is booked anyway (kept on the visit and in its
    history)."""
    now = now or clock.now()
    day = _check_times(offer, start, end, now=now, allow_holiday=allow_holiday)
    override = availability.check_booking(candidate, start, end, availability_override)
    name = (supervisor_name if supervisor_name is not None else offer.supervisor_name).strip()
    email = _check_supervisor(name, supervisor_email if supervisor_email is not None else offer.supervisor_email)

    # Lock in one order everywhere (candidate, then offer), so two bookings never deadlock.
    serialise_writes(session, candidate, offer)
    if not offer.active:
        raise DomainError("Erbjudandet är pausat. Välj ett annat erbjudande, eller aktivera det först.", field="offer")
    if offer.company.status != CompanyStatus.ACTIVE:
        raise DomainError(
            "Företaget är inte aktivt i nätverket just nu. Välj ett erbjudande från ett aktivt företag.",
            field="offer",
        )
    ensure_may_take_part(session, candidate)
    _check_overlap(session, candidate.id, start, end, exclude=None)
    _check_capacity(session, offer, day)

    visit = Visit(
        candidate_id=candidate.id,
        offer_id=offer.id,
        status=S.PROPOSED,
        start_at=start,
        end_at=end,
        visit_date=day,
        supervisor_name=name,
        supervisor_email=email,
        proposed_by_id=by.id if by is not None else None,
        availability_override=override,
    )
    visit.events.append(
        VisitEvent(from_status=None, to_status=S.PROPOSED, by_id=by.id if by is not None else None,
                   by_party=Party.PROJECT_LEADER, at=now, reason=_override_note(override))
    )
    session.add(visit)
    _flush(session)
    if from_list is not None:
        note_on_list(session, from_list, visit)
    return visit


def _override_note(override: str) -> str:
    """The history row's words for a booking outside the participant's availability."""
    return f"{OVERRIDE_PREFIX}{override}" if override else ""


def note_on_list(session: Session, exposure_id: int, visit: Visit) -> bool:
    """Note on the logged list `exposure_id` that `visit` was proposed from it: only when the
    user who saw the list proposed a pair it ranked. False (nothing noted) for any other list."""
    # Locked: two proposals from one list at once must not overwrite each other's note.
    exposure = session.get(Exposure, exposure_id, with_for_update=True)
    if exposure is None or exposure.user_id is None or exposure.user_id != visit.proposed_by_id:
        return False
    if exposure.context == "offer" and exposure.context_id == visit.offer_id:
        item = visit.candidate_id
    elif exposure.context == "candidate" and exposure.context_id == visit.candidate_id:
        item = visit.offer_id
    else:
        return False
    if item not in {int(entry[0]) for entry in exposure.ranked}:
        return False
    if item not in exposure.proposed_ids:
        before = list(exposure.proposed_ids)
        exposure.proposed_ids = [*before, item]  # a new list: JSON changes are noticed
        session.flush()
        ranker_duel.credit_booking(session, exposure, before)  # an interleaved list credits its model
    return True


def reschedule(
    session: Session,
    visit: Visit,
    start: dt.datetime,
    end: dt.datetime,
    *,
    by: Optional[User],
    allow_holiday: bool = False,
    expected_version: Optional[int] = None,
    availability_override: Optional[str] = None,
    now: Optional[dt.datetime] = None,
) -> VisitEvent:
    """Move a live visit to a new time (agreed with the company). A confirmed visit's calendar
    SEQUENCE goes up so that calendars replace the old entry. A new time outside the
    participant's availability needs `availability_override`, as a booking does."""
    _check_version(visit, expected_version)
    if not visit.is_live:
        raise Conflict(
            "Besöket är %(status)s och kan inte få ny tid. Boka ett nytt besök i stället.",
            code="transition",
            status=STATUS_WORDS[visit.status],
        )
    now = now or clock.now()
    day = _check_times(visit.offer, start, end, now=now, allow_holiday=allow_holiday)
    old_start, old_end = visit.start_at, visit.end_at
    if (old_start, old_end) == (start, end):
        raise DomainError("Den nya tiden är samma som den gamla.", field="start")
    override = availability.check_booking(visit.candidate, start, end, availability_override)
    serialise_writes(session, visit.candidate, visit.offer)
    _check_overlap(session, visit.candidate_id, start, end, exclude=visit.id)
    _check_capacity(session, visit.offer, day, exclude_visit_id=visit.id)
    visit.start_at, visit.end_at, visit.visit_date = start, end, day
    visit.availability_override = override
    if visit.status == S.CONFIRMED:
        visit.ics_sequence += 1
    reason = (
        f"Ny tid: {old_start.astimezone(STOCKHOLM):%Y-%m-%d %H:%M}–{old_end.astimezone(STOCKHOLM):%H:%M} "
        f"ändrad till {start.astimezone(STOCKHOLM):%Y-%m-%d %H:%M}–{end.astimezone(STOCKHOLM):%H:%M}"
    )
    if override:
        reason = f"{reason}. {_override_note(override)}"
    event = VisitEvent(
        from_status=visit.status, to_status=visit.status, by_id=by.id if by is not None else None,
        by_party=Party.PROJECT_LEADER, reason=reason, at=now,
    )
    _append_event(session, visit, event)
    return event


# --- the status machine -------------------------------------------------------------------------
def _refused(current: VisitStatus, to: VisitStatus) -> Conflict:
    allowed = ALLOWED_TRANSITIONS.get(current, set())
    if allowed:
        return Conflict(
            "Besöket är %(current)s och kan inte bli %(to)s. Från %(current)s kan det bara bli %(options)s.",
            code="transition",
            current=STATUS_WORDS[current],
            to=STATUS_WORDS[to],
            options=_either(sorted(STATUS_WORDS[s] for s in allowed)),
        )
    return Conflict(
        "Besöket är %(current)s och kan inte bli %(to)s. Det är ett slutläge; en felregistrering rättas "
        "av projektledaren med ”Rätta utfall”.",
        code="transition",
        current=STATUS_WORDS[current],
        to=STATUS_WORDS[to],
    )


def _either(words: list[Message]) -> Message:
    """"a, b eller c" as one message parameter, translated word by word where it is shown."""
    if len(words) == 1:
        return words[0]
    return N_("%(first)s eller %(last)s", first=joined(words[:-1]), last=words[-1])


def _actual_times(
    visit: Visit, actual_start: Optional[dt.datetime], actual_end: Optional[dt.datetime], now: dt.datetime
) -> tuple[dt.datetime, dt.datetime]:
    """The recorded times, checked and truncated to whole seconds (what is stored)."""
    actual_start = whole_seconds(actual_start or visit.start_at)
    actual_end = whole_seconds(actual_end or visit.end_at)
    if actual_end <= actual_start:
        raise DomainError("Den faktiska sluttiden måste vara efter starttiden.", field="actual_end")
    if actual_end - actual_start > dt.timedelta(hours=16):
        raise DomainError("Kontrollera tiderna: besöket kan inte ha varat i mer än 16 timmar.", field="actual_end")
    if actual_start > now:
        raise DomainError("Den faktiska starttiden ligger i framtiden.", field="actual_start")
    if actual_end > now:  # else the person would count towards the goal before the hours are done
        raise DomainError(
            "Den faktiska sluttiden ligger i framtiden. Registrera utfallet när besöket är slut, eller ange "
            "när det faktiskt slutade.", field="actual_end",
        )
    return actual_start, actual_end


def _record_actual(visit: Visit, start: Optional[dt.datetime], end: Optional[dt.datetime]) -> None:
    """Keep the actual times, and date the visit by when it took place (the counting rule counts
    a visit on the local date of its actual start; without one, the booked day)."""
    visit.actual_start, visit.actual_end = start, end
    visit.visit_date = local_date(start or visit.start_at)


def transition(
    session: Session,
    visit: Visit,
    to: VisitStatus,
    *,
    by: Optional[User],
    party: Party,
    reason: str = "",
    actual_start: Optional[dt.datetime] = None,
    actual_end: Optional[dt.datetime] = None,
    decline_reason: Optional[DeclineReason] = None,
    expected_version: Optional[int] = None,
    now: Optional[dt.datetime] = None,
) -> VisitEvent:
    """Move a visit to `to`, writing the history row; refuse anything the machine does not
    allow (Conflict, HTTP 409) or that the acting party may not do (NotAllowed)."""
    to, party = VisitStatus(to), Party(party)
    now = now or clock.now()
    reason = (reason or "").strip()
    _check_version(visit, expected_version)
    current = visit.status
    if to not in ALLOWED_TRANSITIONS.get(current, set()):
        raise _refused(current, to)
    if party not in PARTIES_FOR[to]:
        raise NotAllowed(
            "Det är inte den partens sak att göra besöket %(status)s.", code="party", status=STATUS_WORDS[to]
        )
    if to == S.CANCELLED and not reason:
        raise DomainError("Skriv varför besöket avbokas.", field="reason")
    if to in (S.COMPLETED, S.NO_SHOW) and now < visit.start_at:
        raise DomainError(
            "Besöket har inte börjat än. Registrera utfallet när besöket har ägt rum.", code="too_early"
        )

    recorded_start = recorded_end = None
    if to == S.COMPLETED:
        recorded_start, recorded_end = _actual_times(visit, actual_start, actual_end, now)
        _record_actual(visit, recorded_start, recorded_end)
    elif to == S.DECLINED:
        visit.decline_reason = DeclineReason(decline_reason) if decline_reason else DeclineReason.OTHER
    elif to == S.CANCELLED:
        visit.cancelled_by = party
        if current == S.CONFIRMED:  # calendars hold it: the CANCEL must outrank the REQUEST
            visit.ics_sequence += 1
    visit.status = to
    visit.status_reason = reason
    event = VisitEvent(
        from_status=current, to_status=to, by_id=by.id if by is not None else None, by_party=party,
        reason=reason, actual_start=recorded_start, actual_end=recorded_end, at=now,
    )
    _append_event(session, visit, event)
    return event


def correct_outcome(
    session: Session,
    visit: Visit,
    to: VisitStatus,
    *,
    by: Optional[User],
    reason: str,
    actual_start: Optional[dt.datetime] = None,
    actual_end: Optional[dt.datetime] = None,
    expected_version: Optional[int] = None,
    now: Optional[dt.datetime] = None,
) -> VisitEvent:
    """A project leader's correction of a recorded outcome (completed ↔ no-show), kept in the
    history as its own row whose reason starts with "Rättelse: "."""
    to = VisitStatus(to)
    now = now or clock.now()
    _check_version(visit, expected_version)
    current = visit.status
    if to not in CORRECTIONS.get(current, set()):
        raise Conflict(
            "Bara ett genomfört eller uteblivet besök kan rättas, och bara till det andra. Besöket är %(status)s.",
            code="transition",
            status=STATUS_WORDS[current],
        )
    reason = (reason or "").strip()
    if not reason:
        raise DomainError("Skriv varför utfallet rättas.", field="reason")
    recorded_start = recorded_end = None
    if to == S.COMPLETED:
        recorded_start, recorded_end = _actual_times(visit, actual_start, actual_end, now)
    _record_actual(visit, recorded_start, recorded_end)
    visit.status = to
    visit.status_reason = CORRECTION_PREFIX + reason
    event = VisitEvent(
        from_status=current, to_status=to, by_id=by.id if by is not None else None,
        by_party=Party.PROJECT_LEADER, reason=CORRECTION_PREFIX + reason,
        actual_start=recorded_start, actual_end=recorded_end, at=now,
    )
    _append_event(session, visit, event)
    return event


def correct_times(
    session: Session,
    visit: Visit,
    *,
    actual_start: dt.datetime,
    actual_end: dt.datetime,
    by: Optional[User],
    reason: str,
    expected_version: Optional[int] = None,
    now: Optional[dt.datetime] = None,
) -> VisitEvent:
    """A project leader's correction of a completed visit's actual times: the outcome stays
    completed, the history gets a row of its own ("Rättelse av tiderna: …") with the new times,
    and nobody is told of a no-show."""
    now = now or clock.now()
    _check_version(visit, expected_version)
    if visit.status != S.COMPLETED:
        raise Conflict(
            "Bara ett genomfört besöks tider kan rättas. Besöket är %(status)s.",
            code="transition", status=STATUS_WORDS[visit.status],
        )
    reason = (reason or "").strip()
    if not reason:
        raise DomainError("Skriv varför tiderna rättas.", field="reason")
    start, end = _actual_times(visit, actual_start, actual_end, now)
    _record_actual(visit, start, end)
    visit.status_reason = TIMES_CORRECTION_PREFIX + reason
    event = VisitEvent(
        from_status=S.COMPLETED, to_status=S.COMPLETED, by_id=by.id if by is not None else None,
        by_party=Party.PROJECT_LEADER, reason=TIMES_CORRECTION_PREFIX + reason,
        actual_start=start, actual_end=end, at=now,
    )
    _append_event(session, visit, event)
    return event


# --- personal calendar feeds -------------------------------------------------------------------
def _feed_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_calendar_feed(session: Session, user: User) -> tuple[CalendarFeed, str]:
    """A new secret feed address for `user`; returns the row and the token, which is shown
    once and stored only as a hash."""
    token = secrets.token_urlsafe(32)
    feed = CalendarFeed(user_id=user.id, token_hash=_feed_hash(token))
    session.add(feed)
    session.flush()
    return feed, token


def revoke_calendar_feed(session: Session, feed: CalendarFeed, *, now: Optional[dt.datetime] = None) -> None:
    if feed.revoked_at is None:
        feed.revoked_at = now or clock.now()
        session.flush()


def resolve_calendar_feed(session: Session, token: str) -> Optional[User]:
    """The owner of a live feed token, or None (unknown, revoked, or the account is inactive)."""
    if not token or len(token) > 100:
        return None
    feed = session.scalar(sa.select(CalendarFeed).where(CalendarFeed.token_hash == _feed_hash(token)))
    if feed is None or feed.revoked_at is not None:
        return None
    user = session.get(User, feed.user_id)
    return user if user is not None and user.active else None
