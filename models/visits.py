"""Workplace visits with their status history, and group activities with attendance.

A participant can never hold two live visits that overlap in time. The database enforces it:
an exclusion constraint on PostgreSQL, triggers on SQLite (see OVERLAP_DDL), so that two
project leaders clicking at the same moment cannot both succeed.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import TYPE_CHECKING, Optional

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from . import clock
from .db import Base, UTCDateTime, WholeSecondUTCDateTime
from .enums import (
    LIVE_VISIT_STATUSES,
    ActivityType,
    AttendanceStatus,
    DeclineReason,
    Party,
    VisitStatus,
    db_enum,
)

if TYPE_CHECKING:
    from .accounts import User
    from .candidates import Candidate
    from .companies import Offer


# The quarterly report's counting rule (models/operations/reports.py, which checks that its own
# constants agree), per database: completed, and 4–8 h long in whole seconds, rounded half up
# (on PostgreSQL: 14399.5 s <= actual_end - actual_start < 28800.5 s, compared as intervals;
# `end - start` is IMMUTABLE, unlike `start + interval`). `ix_visit_counting` holds exactly these
# visits, and the report writes the same test, word for word, so that the database can prove the
# index holds the visits it asks for. A 1/0 CASE rather than a boolean range test: PostgreSQL
# estimates it at a third of the rows, not at 0.5 %.
COUNTING_VISIT_SQL = {
    "postgresql": (
        "{status} = 'completed' AND CASE WHEN {end} - {start} >= INTERVAL '14399.5 seconds' "
        "AND {end} - {start} < INTERVAL '28800.5 seconds' THEN 1 ELSE 0 END > 0"
    ),
    "sqlite": (
        "{status} = 'completed' AND CASE WHEN ROUND((julianday({end}) - julianday({start})) * 86400) "
        "BETWEEN 14400 AND 28800 THEN 1 ELSE 0 END > 0"
    ),
}


MIN_SECONDS = 4 * 3600
MAX_SECONDS = 8 * 3600


def held_seconds(start: dt.datetime, end: dt.datetime) -> int:
    """Whole seconds from start to end, rounded half up exactly as COUNTING_VISIT_SQL does (the
    times are stored to the second, so this is end − start; the rounding only matters for a
    value written past the app)."""
    return math.floor((end - start).total_seconds() + 0.5)


def length_words(seconds: int) -> str:
    """A visit's length as people read it: "3 h 59 min", "8 h 0 min 30 s", "4 h". Exact, since
    4:00:00 counts and 3:59:59 does not: a rounded "4 timmar" said both."""
    hours, rest = divmod(max(0, int(seconds)), 3600)
    minutes, secs = divmod(rest, 60)
    parts = [f"{hours} h"]
    if minutes or secs:
        parts.append(f"{minutes} min")
    if secs:
        parts.append(f"{secs} s")
    return " ".join(parts)


def counts_toward_goal(status: VisitStatus, start: Optional[dt.datetime], end: Optional[dt.datetime]) -> bool:
    """The counting rule in Python, the twin of COUNTING_VISIT_SQL: completed, and 4:00:00 to
    8:00:00 long inclusive in whole seconds."""
    if status != VisitStatus.COMPLETED or start is None or end is None:
        return False
    return MIN_SECONDS <= held_seconds(start, end) <= MAX_SECONDS


def counting_visit_predicate(dialect: str) -> str:
    return COUNTING_VISIT_SQL[dialect].format(status="status", start="actual_start", end="actual_end")


class Visit(Base):
    __tablename__ = "visit"
    __table_args__ = (
        sa.CheckConstraint("end_at > start_at", name="planned_order"),
        sa.CheckConstraint(
            "actual_end IS NULL OR actual_start IS NULL OR actual_end > actual_start",
            name="actual_order",
        ),
        sa.Index("ix_visit_offer_date", "offer_id", "visit_date"),
        sa.Index("ix_visit_candidate_start", "candidate_id", "start_at"),
        # The report counts visits per status and day, per company, and finds the persons with a
        # completed visit (for their follow-ups) from here alone.
        sa.Index("ix_visit_status_date", "status", "visit_date", postgresql_include=["offer_id", "candidate_id"]),
        # The visit list and the feedback list show the latest visits first (a page at a time).
        sa.Index("ix_visit_start", "start_at", "id"),
        # The to-do lists (accepted to confirm, confirmed not recorded, proposals waiting for an
        # answer) and the questionnaires due (confirmed ahead, completed in the last 30 days) read
        # one status by time; the questionnaires due read id, participant and offer from the index.
        sa.Index("ix_visit_status_start", "status", "start_at", postgresql_include=["id", "candidate_id", "offer_id"]),
        sa.Index("ix_visit_status_end", "status", "end_at", postgresql_include=["id", "candidate_id", "offer_id"]),
        sa.Index("ix_visit_status_created", "status", "created_at"),
        # The quarterly report's counting visits, in the order it picks each person's first one
        # (models/operations/reports.py): it reads them, and counts them per day, from here alone.
        sa.Index(
            "ix_visit_counting",
            "candidate_id",
            "visit_date",
            "actual_start",
            "id",
            postgresql_include=["offer_id"],
            postgresql_where=sa.text(counting_visit_predicate("postgresql")),
            sqlite_where=sa.text(counting_visit_predicate("sqlite")),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    candidate_id: Mapped[int] = mapped_column(sa.ForeignKey("candidate.id"))
    offer_id: Mapped[int] = mapped_column(sa.ForeignKey("offer.id"))
    status: Mapped[VisitStatus] = mapped_column(
        db_enum(VisitStatus, "visit_status"), default=VisitStatus.PROPOSED
    )
    start_at: Mapped[dt.datetime] = mapped_column(WholeSecondUTCDateTime)
    end_at: Mapped[dt.datetime] = mapped_column(WholeSecondUTCDateTime)
    # The local (Europe/Stockholm) date of the visit: what day capacity and quarters count by.
    visit_date: Mapped[dt.date]
    # Visit times are whole seconds; visit_date is the local date of the actual start once the
    # visit has taken place (the counting rule's date), else the booked day.
    actual_start: Mapped[Optional[dt.datetime]] = mapped_column(WholeSecondUTCDateTime)
    actual_end: Mapped[Optional[dt.datetime]] = mapped_column(WholeSecondUTCDateTime)
    supervisor_name: Mapped[str] = mapped_column(sa.String(200), default="")
    supervisor_email: Mapped[str] = mapped_column(sa.String(254), default="")
    proposed_by_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("user_account.id"))
    decline_reason: Mapped[Optional[DeclineReason]] = mapped_column(
        db_enum(DeclineReason, "decline_reason")
    )
    cancelled_by: Mapped[Optional[Party]] = mapped_column(db_enum(Party, "cancelled_by"))
    status_reason: Mapped[str] = mapped_column(sa.Text, default="")
    # Why it was booked outside the participant's weekdays or times of day ("" when it fits;
    # models/operations/availability.py). The proposal's history row says the same.
    availability_override: Mapped[str] = mapped_column(sa.Text, default="")
    # iCalendar SEQUENCE: bumped on every change sent to calendars (update, cancel).
    ics_sequence: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=clock.now)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=clock.now, onupdate=clock.now)
    version: Mapped[int] = mapped_column(default=1)

    candidate: Mapped[Candidate] = relationship()
    offer: Mapped[Offer] = relationship()
    proposed_by: Mapped[Optional[User]] = relationship()
    events: Mapped[list[VisitEvent]] = relationship(
        back_populates="visit", order_by="VisitEvent.id", cascade="all, delete-orphan"
    )

    __mapper_args__ = {"version_id_col": version}

    @property
    def actual_seconds(self) -> Optional[int]:
        """How long the visit lasted, in whole seconds (the counting rule's measure)."""
        if self.actual_start is None or self.actual_end is None:
            return None
        return held_seconds(self.actual_start, self.actual_end)

    @property
    def actual_hours(self) -> Optional[float]:
        seconds = self.actual_seconds
        return None if seconds is None else seconds / 3600

    @property
    def is_live(self) -> bool:
        return self.status in LIVE_VISIT_STATUSES


class VisitEvent(Base):
    """One transition of a visit: reports read these, so a corrected status never breaks them."""

    __tablename__ = "visit_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    visit_id: Mapped[int] = mapped_column(sa.ForeignKey("visit.id", ondelete="CASCADE"), index=True)
    from_status: Mapped[Optional[VisitStatus]] = mapped_column(
        db_enum(VisitStatus, "visit_event_from")
    )
    to_status: Mapped[VisitStatus] = mapped_column(db_enum(VisitStatus, "visit_event_to"))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=clock.now)
    by_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("user_account.id"))
    by_party: Mapped[Party] = mapped_column(db_enum(Party, "visit_event_party"))
    reason: Mapped[str] = mapped_column(sa.Text, default="")
    # Visit times are whole seconds; visit_date is the local date of the actual start once the
    # visit has taken place (the counting rule's date), else the booked day.
    actual_start: Mapped[Optional[dt.datetime]] = mapped_column(WholeSecondUTCDateTime)
    actual_end: Mapped[Optional[dt.datetime]] = mapped_column(WholeSecondUTCDateTime)

    visit: Mapped[Visit] = relationship(back_populates="events")
    by: Mapped[Optional[User]] = relationship()


# Written out in full (no string building) so the SQL can be read as it runs; the check
# below keeps the literal status list in step with LIVE_VISIT_STATUSES.
_LIVE_SQL = "'proposed', 'accepted', 'confirmed'"
if ", ".join(f"'{s.value}'" for s in LIVE_VISIT_STATUSES) != _LIVE_SQL:
    raise RuntimeError("update the overlap DDL: the live visit statuses changed")

# DDL shared by metadata.create_all (tests, demo) and the migration, so both build the same.
OVERLAP_DDL: dict[str, list[str]] = {
    "postgresql": [
        "CREATE EXTENSION IF NOT EXISTS btree_gist",
        "ALTER TABLE visit ADD CONSTRAINT ex_visit_no_overlap EXCLUDE USING gist "
        "(candidate_id WITH =, tstzrange(start_at, end_at) WITH &&) "
        "WHERE (status IN ('proposed', 'accepted', 'confirmed'))",
    ],
    "sqlite": [
        """CREATE TRIGGER tr_visit_no_overlap_insert BEFORE INSERT ON visit
        WHEN NEW.status IN ('proposed', 'accepted', 'confirmed')
        BEGIN
          SELECT RAISE(ABORT, 'ex_visit_no_overlap') WHERE EXISTS (
            SELECT 1 FROM visit v
            WHERE v.candidate_id = NEW.candidate_id
              AND v.status IN ('proposed', 'accepted', 'confirmed')
              AND v.start_at < NEW.end_at AND NEW.start_at < v.end_at);
        END""",
        """CREATE TRIGGER tr_visit_no_overlap_update
        BEFORE UPDATE OF candidate_id, start_at, end_at, status ON visit
        WHEN NEW.status IN ('proposed', 'accepted', 'confirmed')
        BEGIN
          SELECT RAISE(ABORT, 'ex_visit_no_overlap') WHERE EXISTS (
            SELECT 1 FROM visit v
            WHERE v.id != NEW.id AND v.candidate_id = NEW.candidate_id
              AND v.status IN ('proposed', 'accepted', 'confirmed')
              AND v.start_at < NEW.end_at AND NEW.start_at < v.end_at);
        END""",
    ],
}
OVERLAP_DROP_DDL: dict[str, list[str]] = {
    "postgresql": ["ALTER TABLE visit DROP CONSTRAINT IF EXISTS ex_visit_no_overlap"],
    "sqlite": [
        "DROP TRIGGER IF EXISTS tr_visit_no_overlap_insert",
        "DROP TRIGGER IF EXISTS tr_visit_no_overlap_update",
    ],
}
OVERLAP_CONSTRAINT_NAME = "ex_visit_no_overlap"


@sa.event.listens_for(Visit.__table__, "after_create")
def _create_overlap_guard(target: sa.Table, connection: sa.Connection, **_: object) -> None:
    for statement in OVERLAP_DDL.get(connection.dialect.name, []):
        connection.execute(sa.text(statement))


class Activity(Base):
    """A group activity: a stadium visit at Olympia, match-host shadowing, association life or
    wellness. Many participants each."""

    __tablename__ = "activity"
    __table_args__ = (
        sa.CheckConstraint("ends_at > starts_at", name="time_order"),
        sa.CheckConstraint("capacity > 0", name="capacity_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    type: Mapped[ActivityType] = mapped_column(db_enum(ActivityType, "activity_type"), index=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    starts_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, index=True)
    ends_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    place: Mapped[str] = mapped_column(sa.String(200), default="")
    capacity: Mapped[int] = mapped_column(default=20)
    responsible_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("user_account.id"))
    company_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("company.id"))
    notes: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=clock.now)

    responsible: Mapped[Optional[User]] = relationship()
    participants: Mapped[list[ActivityParticipant]] = relationship(
        back_populates="activity", cascade="all, delete-orphan"
    )


class ActivityParticipant(Base):
    __tablename__ = "activity_participant"
    __table_args__ = (sa.UniqueConstraint("activity_id", "candidate_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    activity_id: Mapped[int] = mapped_column(sa.ForeignKey("activity.id", ondelete="CASCADE"))
    candidate_id: Mapped[int] = mapped_column(sa.ForeignKey("candidate.id"), index=True)
    status: Mapped[AttendanceStatus] = mapped_column(
        db_enum(AttendanceStatus, "attendance_status"), default=AttendanceStatus.REGISTERED
    )
    marked_at: Mapped[Optional[dt.datetime]] = mapped_column(UTCDateTime)
    marked_by_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("user_account.id"))

    activity: Mapped[Activity] = relationship(back_populates="participants")
    candidate: Mapped[Candidate] = relationship()
