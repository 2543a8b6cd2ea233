"""A quarter's report the steering group signs off: compiled by the project leader (for TH),
approved by a representative of each party, then kept exactly as it was approved (the JSON and
the exports' bytes), with the corrections found when its data changed afterwards."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Optional

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from . import clock
from .db import Base, UTCDateTime

if TYPE_CHECKING:
    from .accounts import Organisation, User
    from .programme import Programme


class QuarterSignoff(Base):
    __tablename__ = "quarter_signoff"
    __table_args__ = (
        sa.UniqueConstraint("programme_id", "quarter_start"),
        sa.CheckConstraint("quarter_end >= quarter_start", name="quarter_order"),
        # Signed off: the report and its exports are kept, all together.
        sa.CheckConstraint(
            "(signed_off_at IS NULL) = (report_json IS NULL) AND (report_json IS NULL) = (report_csv IS NULL) "
            "AND (report_csv IS NULL) = (report_xlsx IS NULL) AND (report_xlsx IS NULL) = (report_sha256 IS NULL)",
            name="signed_off_report_complete",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(sa.ForeignKey("programme.id", ondelete="CASCADE"))
    quarter: Mapped[str] = mapped_column(sa.String(7))  # "2026-Q3"
    quarter_start: Mapped[dt.date]
    quarter_end: Mapped[dt.date]  # the report's day: figures as of the quarter's last day
    compiled_by_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("user_account.id"))
    compiled_by_name: Mapped[str] = mapped_column(sa.String(200))  # as it was when compiled
    compiled_by_organisation: Mapped[str] = mapped_column(sa.String(200), default="")
    compiled_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=clock.now)
    signed_off_at: Mapped[Optional[dt.datetime]] = mapped_column(UTCDateTime)
    # The figures' fingerprint (sha256 of the report's canonical JSON) that every party approved.
    report_sha256: Mapped[Optional[str]] = mapped_column(sa.String(64))
    report_json: Mapped[Optional[str]] = mapped_column(sa.Text)  # served byte for byte (UTF-8)
    report_csv: Mapped[Optional[bytes]] = mapped_column(sa.LargeBinary)
    report_xlsx: Mapped[Optional[bytes]] = mapped_column(sa.LargeBinary)

    programme: Mapped[Programme] = relationship()
    compiled_by: Mapped[Optional[User]] = relationship()
    approvals: Mapped[list[QuarterApproval]] = relationship(
        back_populates="signoff", cascade="all, delete-orphan",
        order_by="[QuarterApproval.approved_at, QuarterApproval.id]",
    )
    corrections: Mapped[list[QuarterCorrection]] = relationship(
        back_populates="signoff", cascade="all, delete-orphan", order_by="QuarterCorrection.id"
    )


class QuarterApproval(Base):
    """A steering group member's approval for their organisation of the figures with a fingerprint."""

    __tablename__ = "quarter_approval"
    __table_args__ = (sa.UniqueConstraint("signoff_id", "organisation_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    signoff_id: Mapped[int] = mapped_column(sa.ForeignKey("quarter_signoff.id", ondelete="CASCADE"))
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisation.id"))
    user_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("user_account.id"))
    user_name: Mapped[str] = mapped_column(sa.String(200))
    report_sha256: Mapped[str] = mapped_column(sa.String(64))
    approved_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=clock.now)

    signoff: Mapped[QuarterSignoff] = relationship(back_populates="approvals")
    organisation: Mapped[Organisation] = relationship()
    user: Mapped[Optional[User]] = relationship()


class QuarterCorrection(Base):
    """A figure of a signed-off report that a later recomputation gives differently: kept beside
    the approved report (never written into it), with the day it was found. Values are JSON."""

    __tablename__ = "quarter_correction"
    __table_args__ = (sa.Index("ix_quarter_correction_signoff", "signoff_id", "path"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    signoff_id: Mapped[int] = mapped_column(sa.ForeignKey("quarter_signoff.id", ondelete="CASCADE"))
    path: Mapped[str] = mapped_column(sa.String(300))  # e.g. "quarters.2026-Q3.new_persons"
    approved_value: Mapped[str] = mapped_column(sa.Text)
    previous_value: Mapped[str] = mapped_column(sa.Text)  # as approved, or as the last correction said
    corrected_value: Mapped[str] = mapped_column(sa.Text)
    detected_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=clock.now)

    signoff: Mapped[QuarterSignoff] = relationship(back_populates="corrections")
