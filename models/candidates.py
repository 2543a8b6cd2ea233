"""The candidate bank: candidates, their referrals with history, and consent records."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Optional

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from . import clock
from .db import Base, CodeList, FlagSet, UTCDateTime
from .enums import (
    ADJUSTMENTS,
    FIELD_SLUGS,
    TIMES_OF_DAY,
    WEEKDAYS,
    ClosedOutcome,
    ConsentMethod,
    ContactChannel,
    Gender,
    ReferralStatus,
    TargetGroup,
    db_enum,
)

if TYPE_CHECKING:
    from .accounts import Organisation, User
    from .selection import SelectionPosition


class Candidate(Base):
    """A resident referred to the partnership. The most sensitive record in the product.

    The personal identity number is kept encrypted (`pin_encrypted`) with a keyed hash
    (`pin_hash`) for duplicate lookup; `pin_masked` (YYYYMMDD-XXXX) is what pages show.
    """

    __tablename__ = "candidate"
    __table_args__ = (
        sa.CheckConstraint("swedish_level BETWEEN 0 AND 6", name="swedish_level_range"),
        sa.CheckConstraint("lat IS NULL OR (lat BETWEEN -90 AND 90)", name="lat_range"),
        sa.CheckConstraint("lon IS NULL OR (lon BETWEEN -180 AND 180)", name="lon_range"),
        sa.Index("ix_candidate_name_birth", "last_name", "first_name", "birth_date"),
        # The recommendation lists' language filter offers the languages candidates speak.
        sa.Index("ix_candidate_languages", "languages"),
        # The candidate bank's usual filters (Swedish level, occupational interests) are answered
        # from this index alone, and only the page's 25 rows are then read (migration 0023).
        sa.Index("ix_candidate_bank", "swedish_level", "interests", "id",
                 postgresql_where=sa.text("anonymised_at IS NULL"), sqlite_where=sa.text("anonymised_at IS NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    first_name: Mapped[str] = mapped_column(sa.String(100))
    last_name: Mapped[str] = mapped_column(sa.String(100))
    pin_encrypted: Mapped[Optional[str]] = mapped_column(sa.Text)
    pin_hash: Mapped[Optional[str]] = mapped_column(sa.String(64), unique=True)
    pin_masked: Mapped[Optional[str]] = mapped_column(sa.String(13))
    birth_date: Mapped[Optional[dt.date]]
    gender: Mapped[Optional[Gender]] = mapped_column(db_enum(Gender, "gender"))
    phone: Mapped[Optional[str]] = mapped_column(sa.String(40))
    email: Mapped[Optional[str]] = mapped_column(sa.String(254))
    contact_channel: Mapped[ContactChannel] = mapped_column(
        db_enum(ContactChannel, "contact_channel"), default=ContactChannel.PHONE
    )
    preferred_language: Mapped[str] = mapped_column(sa.String(5), default="sv")
    target_group: Mapped[TargetGroup] = mapped_column(db_enum(TargetGroup, "target_group"))
    swedish_level: Mapped[int] = mapped_column(sa.SmallInteger)
    languages: Mapped[list[str]] = mapped_column(CodeList(), default=list)
    interests: Mapped[list[str]] = mapped_column(FlagSet(FIELD_SLUGS), default=list)
    weekdays: Mapped[list[str]] = mapped_column(FlagSet(WEEKDAYS), default=list)
    times_of_day: Mapped[list[str]] = mapped_column(FlagSet(TIMES_OF_DAY), default=list)
    postcode: Mapped[Optional[str]] = mapped_column(sa.String(6))
    area: Mapped[Optional[str]] = mapped_column(sa.String(100), index=True)
    lat: Mapped[Optional[float]]
    lon: Mapped[Optional[float]]
    # What a workplace is told (web/employer/visitor.py): the structured adjustments, of which
    # `needs_accessible` (a step-free workplace) is one, and `to_workplace`, written to be shown.
    # `needs_other` is the officer's internal note on practical needs: never shown to a company.
    needs_accessible: Mapped[bool] = mapped_column(default=False)
    adjustments: Mapped[list[str]] = mapped_column(FlagSet(ADJUSTMENTS), default=list)
    to_workplace: Mapped[str] = mapped_column(sa.Text, default="")
    needs_other: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=clock.now)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=clock.now, onupdate=clock.now)
    anonymised_at: Mapped[Optional[dt.datetime]] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(default=1)

    referrals: Mapped[list[Referral]] = relationship(
        # Oldest first; a referral made in the same instant as another (a frozen clock, an import)
        # after it by id, so "the latest referral" is always the same one.
        back_populates="candidate", order_by="[Referral.created_at, Referral.id]"
    )
    consents: Mapped[list[Consent]] = relationship(
        back_populates="candidate", order_by="[Consent.given_on, Consent.id]"
    )

    # Optimistic locking: an UPDATE carries `WHERE version = <read version>`.
    __mapper_args__ = {"version_id_col": version}

    @property
    def display_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @property
    def initials(self) -> str:
        return f"{self.first_name[:1]}{self.last_name[:1]}".upper()

    @property
    def active_consent(self) -> Optional[Consent]:
        """The consent currently in force, if any (none after a withdrawal)."""
        live = [c for c in self.consents if c.withdrawn_at is None]
        return live[-1] if live else None


class Referral(Base):
    """One welfare officer's referral of a candidate; a candidate may be referred again."""

    __tablename__ = "referral"
    __table_args__ = (
        sa.CheckConstraint(
            "(status = 'closed') = (closed_outcome IS NOT NULL)", name="closed_has_outcome"
        ),
        # The referrals waiting for a decision, oldest first (the project leader's start page):
        # read in this order, without sorting every referral of a status (migration 0020).
        sa.Index("ix_referral_status_referred", "status", sa.text("coalesce(submitted_at, created_at)"), "id"),
        # A candidate's referrals, latest first, with what the bank sorts and filters by: its
        # latest visible referral is read from the index alone (migration 0023).
        sa.Index("ix_referral_candidate_latest", "candidate_id", "created_at", "id",
                 postgresql_include=["status", "submitted_at"]),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    candidate_id: Mapped[int] = mapped_column(sa.ForeignKey("candidate.id"))
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("organisation.id"), index=True)
    referred_by_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"))
    status: Mapped[ReferralStatus] = mapped_column(
        db_enum(ReferralStatus, "referral_status"), default=ReferralStatus.DRAFT, index=True
    )
    reason: Mapped[str] = mapped_column(sa.Text, default="")
    return_reason: Mapped[str] = mapped_column(sa.Text, default="")
    closed_outcome: Mapped[Optional[ClosedOutcome]] = mapped_column(
        db_enum(ClosedOutcome, "closed_outcome")
    )
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=clock.now)
    submitted_at: Mapped[Optional[dt.datetime]] = mapped_column(UTCDateTime)
    closed_at: Mapped[Optional[dt.datetime]] = mapped_column(UTCDateTime)
    # Whether the client receives ekonomiskt bistånd (the agreement's target group), as the officer
    # recorded it at referral; None for referrals made before it was asked. Officers and the
    # project leader only (never companies, the steering group or the selection partners).
    economic_assistance: Mapped[Optional[bool]]

    candidate: Mapped[Candidate] = relationship(back_populates="referrals")
    unit: Mapped[Organisation] = relationship()
    referred_by: Mapped[User] = relationship()
    events: Mapped[list[ReferralEvent]] = relationship(
        back_populates="referral", order_by="ReferralEvent.id", cascade="all, delete-orphan"
    )
    # AF's and AMF's positions in the selection (models/selection.py), one per partner organisation.
    positions: Mapped[list[SelectionPosition]] = relationship(
        back_populates="referral", order_by="SelectionPosition.id", cascade="all, delete-orphan"
    )


class ReferralEvent(Base):
    """One step of a referral's life-cycle: who moved it, when, and why."""

    __tablename__ = "referral_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    referral_id: Mapped[int] = mapped_column(
        sa.ForeignKey("referral.id", ondelete="CASCADE"), index=True
    )
    from_status: Mapped[Optional[ReferralStatus]] = mapped_column(
        db_enum(ReferralStatus, "referral_event_from")
    )
    to_status: Mapped[ReferralStatus] = mapped_column(db_enum(ReferralStatus, "referral_event_to"))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=clock.now)
    by_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("user_account.id"))
    reason: Mapped[str] = mapped_column(sa.Text, default="")

    referral: Mapped[Referral] = relationship(back_populates="events")
    by: Mapped[Optional[User]] = relationship()


class Consent(Base):
    """The client's consent to share the listed data, as recorded by an officer."""

    __tablename__ = "consent"

    id: Mapped[int] = mapped_column(primary_key=True)
    candidate_id: Mapped[int] = mapped_column(sa.ForeignKey("candidate.id"), index=True)
    given_on: Mapped[dt.date]
    method: Mapped[ConsentMethod] = mapped_column(db_enum(ConsentMethod, "consent_method"))
    scope_partnership: Mapped[bool] = mapped_column(default=True)
    scope_companies: Mapped[bool] = mapped_column(default=True)
    recorded_by_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"))
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=clock.now)
    withdrawn_at: Mapped[Optional[dt.datetime]] = mapped_column(UTCDateTime)
    withdrawn_by_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("user_account.id"))

    candidate: Mapped[Candidate] = relationship(back_populates="consents")
    recorded_by: Mapped[User] = relationship(foreign_keys=[recorded_by_id])


# What `display_name` and `initials` are made of: all that a list naming people loads of them.
NAME_COLUMNS = (Candidate.first_name, Candidate.last_name)


def consent_in_force(*, companies: bool = True) -> sa.ColumnElement[bool]:
    """SQL on Candidate: a consent that has not been withdrawn covers sharing with the companies
    (with `companies=False`: with the partnership). Matching and every employer-facing query
    filter on this, so a withdrawal takes effect at once."""
    scope = Consent.scope_companies if companies else Consent.scope_partnership
    return sa.exists().where(Consent.candidate_id == Candidate.id, Consent.withdrawn_at.is_(None), scope.is_(True))
