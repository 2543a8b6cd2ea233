"""The history of the profile fields the ranker uses, so it learns from what was true then.

A candidate's Swedish level, languages, interests, availability and place, and an offer's field,
requirements, weekdays, window and capacity change over time: a Swedish level is raised after a
good visit, an offer's window moves. The ranker is trained on past proposals; paired with today's
profile, a proposal would show the future (docs/ranker-as-of.md). So every change of those fields
is kept as a version with `valid_from` and `valid_to` (NULL while it is the current one).

Versions are written in ONE place: a `before_flush` listener on every Session (below), so the form,
the API, the referral intake, the demo seed and anonymisation all record them, in the same
transaction as the change and without database triggers. The one writer that bypasses the flush,
the bulk import's single INSERT of many candidates, inserts their first versions beside them from
`first_versions` (tests/test_profile_history.py covers each path). At most one current version per
subject (a partial unique index).

Anonymisation clears fields on the candidate (place, practical needs); the listener clears the
same fields on every version of that candidate, so the history never keeps what the row no longer
has (`retention.anonymise_candidate`, tests/test_profile_history.py).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any, Optional

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from . import clock
from .candidates import Candidate
from .companies import Offer
from .db import Base, CodeList, FlagSet, UTCDateTime
from .enums import FIELD_SLUGS, TIMES_OF_DAY, WEEKDAYS, Field, db_enum

#: The candidate fields the ranker reads (and the availability and area the lists filter by).
CANDIDATE_FIELDS: tuple[str, ...] = (
    "swedish_level", "languages", "interests", "weekdays", "times_of_day", "area", "lat", "lon", "needs_accessible",
)
#: The offer fields the ranker and the planner read.
OFFER_FIELDS: tuple[str, ...] = (
    "field", "min_swedish_level", "languages", "weekdays", "window_start", "window_end", "hours",
    "capacity_per_quarter", "accessible", "lat", "lon",
)


def _indexes(table: str, owner: str) -> tuple[sa.Index, sa.Index]:
    """At most one current version per subject; a subject's versions in time order."""
    current = sa.text("valid_to IS NULL")
    return (sa.Index(f"ix_{table}_current", f"{owner}_id", unique=True, sqlite_where=current, postgresql_where=current),
            sa.Index(f"ix_{table}_{owner}", f"{owner}_id", "valid_from"))


class CandidateProfileVersion(Base):
    """A candidate's ranker fields from `valid_from` until `valid_to` (NULL: still current)."""

    __tablename__ = "candidate_profile_version"
    __table_args__ = _indexes("candidate_profile_version", "candidate")

    id: Mapped[int] = mapped_column(primary_key=True)
    candidate_id: Mapped[int] = mapped_column(sa.ForeignKey("candidate.id", ondelete="CASCADE"))
    valid_from: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    valid_to: Mapped[Optional[dt.datetime]] = mapped_column(UTCDateTime)
    swedish_level: Mapped[int] = mapped_column(sa.SmallInteger)
    languages: Mapped[list[str]] = mapped_column(CodeList(), default=list)
    interests: Mapped[list[str]] = mapped_column(FlagSet(FIELD_SLUGS), default=list)
    weekdays: Mapped[list[str]] = mapped_column(FlagSet(WEEKDAYS), default=list)
    times_of_day: Mapped[list[str]] = mapped_column(FlagSet(TIMES_OF_DAY), default=list)
    area: Mapped[Optional[str]] = mapped_column(sa.String(100))
    lat: Mapped[Optional[float]]
    lon: Mapped[Optional[float]]
    needs_accessible: Mapped[bool] = mapped_column(default=False)

    candidate: Mapped[Candidate] = relationship()


class OfferProfileVersion(Base):
    """An offer's ranker fields from `valid_from` until `valid_to` (NULL: still current)."""

    __tablename__ = "offer_profile_version"
    __table_args__ = _indexes("offer_profile_version", "offer")

    id: Mapped[int] = mapped_column(primary_key=True)
    offer_id: Mapped[int] = mapped_column(sa.ForeignKey("offer.id", ondelete="CASCADE"))
    valid_from: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    valid_to: Mapped[Optional[dt.datetime]] = mapped_column(UTCDateTime)
    field: Mapped[Field] = mapped_column(db_enum(Field, "field"))
    min_swedish_level: Mapped[int] = mapped_column(sa.SmallInteger)
    languages: Mapped[list[str]] = mapped_column(CodeList(), default=list)
    weekdays: Mapped[list[str]] = mapped_column(FlagSet(WEEKDAYS))
    window_start: Mapped[dt.time]
    window_end: Mapped[dt.time]
    hours: Mapped[float] = mapped_column(sa.Numeric(3, 1, asdecimal=False))
    capacity_per_quarter: Mapped[int]
    accessible: Mapped[bool] = mapped_column(default=False)
    lat: Mapped[Optional[float]]
    lon: Mapped[Optional[float]]

    offer: Mapped[Offer] = relationship()


_KINDS: dict[type, tuple[type, str, tuple[str, ...]]] = {
    Candidate: (CandidateProfileVersion, "candidate", CANDIDATE_FIELDS),
    Offer: (OfferProfileVersion, "offer", OFFER_FIELDS),
}


def _snapshot(subject: Any, fields: Iterable[str]) -> dict[str, Any]:
    values = {}
    for name in fields:
        value = getattr(subject, name)
        values[name] = list(value) if isinstance(value, list) else value
    return values


def _same(version: Any, values: dict[str, Any]) -> bool:
    return _snapshot(version, values) == values


def _cleared(value: Any) -> bool:
    return value is None or value is False or value == [] or value == ""


def record_versions(session: Session, subjects: Iterable[Any], *, now: Optional[dt.datetime] = None) -> None:
    """Close the current version of each changed candidate or offer and add the new one (new
    subjects get their first). Unchanged subjects are left alone. Called by the listener below
    for everything a flush writes; the demo seed calls it with its own moments."""
    now = now or clock.now()
    by_kind: dict[type, list[Any]] = {}
    for subject in subjects:
        by_kind.setdefault(type(subject), []).append(subject)
    for kind, items in by_kind.items():
        version_class, owner, fields = _KINDS[kind]
        owner_id = getattr(version_class, f"{owner}_id")
        known = [s.id for s in items if s.id is not None]
        current: dict[int, Any] = {}
        if known:
            with session.no_autoflush:
                rows = session.scalars(
                    sa.select(version_class).where(owner_id.in_(known), version_class.valid_to.is_(None)))
                current = {getattr(v, f"{owner}_id"): v for v in rows}
        for subject in items:
            values = _snapshot(subject, fields)
            anonymised = owner == "candidate" and subject.anonymised_at is not None
            if anonymised and subject.id is not None:
                # What anonymisation cleared on the row is cleared on every version.
                blank = {name: value for name, value in values.items() if _cleared(value)}
                with session.no_autoflush:
                    session.execute(sa.update(version_class).where(owner_id == subject.id).values(**blank)
                                    .execution_options(synchronize_session="fetch"))
            old = current.get(subject.id) if subject.id is not None else None
            if old is not None and _same(old, values):
                continue
            start = now
            if old is not None:
                old.valid_to = now
            elif getattr(subject, "created_at", None) is not None:
                start = min(now, subject.created_at)
            session.add(version_class(**{owner: subject}, valid_from=start, valid_to=None, **values))


def first_versions(kind: type, rows: Iterable[tuple[int, dict[str, Any]]], at: dt.datetime) -> list[dict[str, Any]]:
    """The first version of each subject written without the ORM (the bulk import inserts its
    rows in one statement, which no flush sees): `(id, the row's column values)` pairs, as rows of
    the version table for the same statement-wise insert, valid from `at`. A field the row does
    not name has the column's default, as in the inserted row."""
    version_class, owner, fields = _KINDS[kind]
    table = kind.__table__  # type: ignore[attr-defined]
    defaults = {}
    for name in fields:
        default = table.c[name].default
        defaults[name] = (default.arg(None) if default is not None and default.is_callable
                          else default.arg if default is not None else None)
    return [{f"{owner}_id": subject_id, "valid_from": at, "valid_to": None,
             **{name: values.get(name, defaults[name]) for name in fields}}
            for subject_id, values in rows]


def _profile_changed(subject: Any, fields: tuple[str, ...]) -> bool:
    state = sa.inspect(subject)
    return any(state.attrs[name].history.has_changes() for name in (*fields, "anonymised_at")
               if name in state.attrs)


@event.listens_for(Session, "before_flush")
def _version_profiles(session: Session, flush_context: Any, instances: Any) -> None:
    """The one place versions are written (see the module docstring)."""
    changed = [obj for obj in session.new if type(obj) in _KINDS]
    changed += [obj for obj in session.dirty if type(obj) in _KINDS and obj not in session.deleted
                and _profile_changed(obj, _KINDS[type(obj)][2])]
    if changed:
        record_versions(session, changed)
