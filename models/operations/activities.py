"""Group activities (a stadium visit at Olympia, match-host shadowing, association life,
wellness): creating and editing them, registering participants within the capacity, and
marking attendance for everyone at once."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Optional

import sqlalchemy as sa
from sqlalchemy.orm import Session

from .. import clock
from ..accounts import User
from ..candidates import Candidate
from ..enums import ActivityType, AttendanceStatus, Role
from ..visits import Activity, ActivityParticipant
from .eligibility import ensure_may_take_part
from .errors import Conflict, DomainError
from .visits import serialise_writes

MAX_ACTIVITY_HOURS = 16


@dataclass(frozen=True)
class ActivityData:
    type: ActivityType
    title: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    place: str = ""
    capacity: int = 20
    responsible_id: Optional[int] = None
    notes: str = ""


def _registered(session: Session, activity: Activity) -> int:
    return int(
        session.scalar(
            sa.select(sa.func.count())
            .select_from(ActivityParticipant)
            .where(ActivityParticipant.activity_id == activity.id)
        )
        or 0
    )


def _validate(session: Session, data: ActivityData) -> None:
    if not data.title.strip():
        raise DomainError("Ge aktiviteten en rubrik.", field="title")
    if data.ends_at <= data.starts_at:
        raise DomainError("Sluttiden måste vara efter starttiden.", field="end")
    if data.ends_at - data.starts_at > dt.timedelta(hours=MAX_ACTIVITY_HOURS):
        raise DomainError("En aktivitet kan vara högst %(hours)s timmar.", field="end", hours=MAX_ACTIVITY_HOURS)
    if data.capacity < 1:
        raise DomainError("Antalet platser måste vara minst 1.", field="capacity")
    if data.responsible_id is not None:
        responsible = session.get(User, data.responsible_id)
        if responsible is None or not responsible.active or responsible.role != Role.PROJECT_LEADER:
            raise DomainError("Välj en ansvarig bland projektledarna.", field="responsible")


def create_activity(session: Session, data: ActivityData) -> Activity:
    _validate(session, data)
    activity = Activity(
        type=ActivityType(data.type), title=data.title.strip(), starts_at=data.starts_at, ends_at=data.ends_at,
        place=data.place.strip(), capacity=data.capacity, responsible_id=data.responsible_id, notes=data.notes.strip(),
    )
    session.add(activity)
    session.flush()
    return activity


def update_activity(session: Session, activity: Activity, data: ActivityData) -> Activity:
    _validate(session, data)
    serialise_writes(session, activity)  # registrations wait while the capacity changes
    registered = _registered(session, activity)
    if data.capacity < registered:
        raise Conflict(
            "%(n)s deltagare är redan anmälda. Avanmäl någon först, eller behåll minst %(n)s platser.",
            field="capacity",
            n=registered,
            code="full",
        )
    activity.type = ActivityType(data.type)
    activity.title = data.title.strip()
    activity.starts_at, activity.ends_at = data.starts_at, data.ends_at
    activity.place = data.place.strip()
    activity.capacity = data.capacity
    activity.responsible_id = data.responsible_id
    activity.notes = data.notes.strip()
    session.flush()
    return activity


def at_company(activity: Activity) -> bool:
    """Held at a company, which sees who takes part: the participants' consent must cover sharing
    with companies (for the partnership's own activities, sharing with the partnership)."""
    return activity.company_id is not None


def register_participant(session: Session, activity: Activity, candidate: Candidate) -> ActivityParticipant:
    """Add a participant, within the capacity (counted under the activity's lock)."""
    ensure_may_take_part(session, candidate, with_companies=at_company(activity))
    serialise_writes(session, activity)
    already = session.scalar(
        sa.select(ActivityParticipant.id).where(
            ActivityParticipant.activity_id == activity.id, ActivityParticipant.candidate_id == candidate.id
        )
    )
    if already is not None:
        raise Conflict("Deltagaren är redan anmäld till aktiviteten.", field="candidate", code="duplicate")
    if _registered(session, activity) >= activity.capacity:
        raise Conflict(
            "Aktiviteten är fullsatt (%(capacity)s platser). Öka antalet platser eller välj en annan aktivitet.",
            field="candidate",
            capacity=activity.capacity,
            code="full",
        )
    participant = ActivityParticipant(activity_id=activity.id, candidate_id=candidate.id)
    session.add(participant)
    try:
        session.flush()
    except sa.exc.IntegrityError as exc:  # the unique key: a second tab registered them meanwhile
        raise Conflict("Deltagaren är redan anmäld till aktiviteten.", field="candidate", code="duplicate") from exc
    return participant


def unregister_participant(session: Session, participant: ActivityParticipant) -> None:
    if participant.status != AttendanceStatus.REGISTERED:
        raise Conflict(
            "Närvaron är redan registrerad för deltagaren. Ändra närvaron i stället för att avanmäla.",
            code="attendance_marked",
        )
    session.delete(participant)
    session.flush()


def mark_attendance(
    session: Session,
    activity: Activity,
    marks: Mapping[int, AttendanceStatus],
    *,
    by: Optional[User],
    now: Optional[dt.datetime] = None,
) -> int:
    """Set attended/absent for many participants at once (keyed by participant id); returns
    how many changed. Only after the activity has started."""
    now = now or clock.now()
    if now < activity.starts_at:
        raise DomainError("Närvaron kan registreras när aktiviteten har börjat.", code="too_early")
    by_id = {p.id: p for p in activity.participants}
    unknown = set(marks) - set(by_id)
    if unknown:
        raise DomainError("Listan över deltagare har ändrats. Ladda om sidan och försök igen.", code="stale")
    changed = 0
    for participant_id, status in marks.items():
        participant = by_id[participant_id]
        status = AttendanceStatus(status)
        if participant.status == status:
            continue
        participant.status = status
        participant.marked_at = now
        participant.marked_by_id = by.id if by is not None else None
        changed += 1
    session.flush()
    return changed
