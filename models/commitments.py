"""Companies' commitments to offer places (seed 001): employment-promoting conditions in a public
contract, a land or lease agreement, a social agreement with the city, or a voluntary pledge.

A commitment belongs to one company, names its source, the contract's reference and the city
department that signed it, runs for a period, and promises a number per year of one or more
kinds (visits, shadowing days, internships, hires). What was delivered is counted from the
product's own data (models/operations/commitments.py); nothing delivered is stored here.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import TYPE_CHECKING, Optional

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from . import clock
from .db import Base, UTCDateTime
from .enums import db_enum

if TYPE_CHECKING:
    from .accounts import User
    from .companies import Company


class CommitmentSource(StrEnum):
    PROCUREMENT = "procurement"  # sysselsättningsfrämjande villkor i ett upphandlat avtal
    LAND_LEASE = "land_lease"  # överlåtelse- eller tomträttsavtal, arrende
    SOCIAL_AGREEMENT = "social_agreement"  # social överenskommelse med staden
    PLEDGE = "pledge"  # frivilligt åtagande


class PromiseKind(StrEnum):
    VISITS = "visits"  # workplace visits hosted (the counting rule's visits)
    SHADOWING_DAYS = "shadowing_days"  # person-days: counting visits and attended activities
    INTERNSHIPS = "internships"  # recorded at the follow-up (result internship, at the company)
    HIRES = "hires"  # recorded at the follow-up (result job, at the company)


class Commitment(Base):
    __tablename__ = "commitment"
    __table_args__ = (
        # A contract number is unique within the department that signed it.
        sa.UniqueConstraint("department", "reference"),
        sa.CheckConstraint("period_to >= period_from", name="period_order"),
        sa.CheckConstraint("length(reference) > 0", name="reference_given"),
        sa.CheckConstraint("length(department) > 0", name="department_given"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(sa.ForeignKey("company.id"), index=True)
    source: Mapped[CommitmentSource] = mapped_column(db_enum(CommitmentSource, "commitment_source"))
    reference: Mapped[str] = mapped_column(sa.String(60))
    department: Mapped[str] = mapped_column(sa.String(120), index=True)
    period_from: Mapped[dt.date]
    period_to: Mapped[dt.date]
    notes: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=clock.now)

    company: Mapped[Company] = relationship()
    promises: Mapped[list[CommitmentPromise]] = relationship(
        back_populates="commitment", cascade="all, delete-orphan", order_by="CommitmentPromise.kind"
    )

    def promised(self, kind: PromiseKind) -> Optional[int]:
        return next((p.per_year for p in self.promises if p.kind == kind), None)


class CommitmentPromise(Base):
    """One kind promised by a commitment, as a number per year."""

    __tablename__ = "commitment_promise"
    __table_args__ = (
        sa.UniqueConstraint("commitment_id", "kind"),
        sa.CheckConstraint("per_year >= 0", name="per_year_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    commitment_id: Mapped[int] = mapped_column(sa.ForeignKey("commitment.id", ondelete="CASCADE"))
    kind: Mapped[PromiseKind] = mapped_column(db_enum(PromiseKind, "promise_kind"))
    per_year: Mapped[int]

    commitment: Mapped[Commitment] = relationship(back_populates="promises")


class CommitmentSettings(Base):
    """How the recommendations treat commitments: offers from a company behind on its commitment
    get `ranking_boost_pct` hundredths added to their score (0: off, the default). One row."""

    __tablename__ = "commitment_settings"
    __table_args__ = (
        sa.CheckConstraint("id = 1", name="single_row"),
        sa.CheckConstraint("ranking_boost_pct BETWEEN 0 AND 20", name="boost_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True, default=1)
    ranking_boost_pct: Mapped[int] = mapped_column(default=0)
    updated_by_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("user_account.id"))
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=clock.now, onupdate=clock.now)

    updated_by: Mapped[Optional[User]] = relationship()
