"""Selection in consultation with AF and AMF's contact person (the agreement's Genomförande:
"Urval av lämpliga deltagare sker i samråd med AF och AMF:s kontaktperson").

A selection partner records a position (agree / object, with a comment) on a referral awaiting
selection, one per partner organisation; the project leader decides after consultation, alone
on the candidate page or for a list of referrals at a selection meeting, whose minutes keep
everyone's positions and the decisions."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Optional

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from . import clock
from .db import Base, UTCDateTime
from .enums import SelectionDecision, SelectionStance, db_enum

if TYPE_CHECKING:
    from .accounts import Organisation, User
    from .candidates import Referral


class SelectionPosition(Base):
    """AF's or AMF's position on one referral (the latest one recorded for the organisation)."""

    __tablename__ = "selection_position"
    __table_args__ = (sa.UniqueConstraint("referral_id", "organisation_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    referral_id: Mapped[int] = mapped_column(sa.ForeignKey("referral.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisation.id"))
    user_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("user_account.id"))
    user_name: Mapped[str] = mapped_column(sa.String(200))  # as it was when recorded
    stance: Mapped[SelectionStance] = mapped_column(db_enum(SelectionStance, "selection_stance"))
    comment: Mapped[str] = mapped_column(sa.Text, default="")
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=clock.now)

    referral: Mapped[Referral] = relationship(back_populates="positions")
    organisation: Mapped[Organisation] = relationship()
    user: Mapped[Optional[User]] = relationship()


class SelectionMeeting(Base):
    """A selection meeting: a date and the referrals on its list, decided in one go."""

    __tablename__ = "selection_meeting"

    id: Mapped[int] = mapped_column(primary_key=True)
    held_on: Mapped[dt.date] = mapped_column(index=True)
    note: Mapped[str] = mapped_column(sa.Text, default="")
    created_by_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("user_account.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=clock.now)
    decided_at: Mapped[Optional[dt.datetime]] = mapped_column(UTCDateTime)
    decided_by_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("user_account.id"))

    created_by: Mapped[Optional[User]] = relationship(foreign_keys=[created_by_id])
    decided_by: Mapped[Optional[User]] = relationship(foreign_keys=[decided_by_id])
    items: Mapped[list[SelectionMeetingItem]] = relationship(
        back_populates="meeting", order_by="SelectionMeetingItem.id", cascade="all, delete-orphan"
    )


class SelectionMeetingItem(Base):
    """One referral on a meeting's list, and what was decided for it there."""

    __tablename__ = "selection_meeting_item"
    __table_args__ = (sa.UniqueConstraint("meeting_id", "referral_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(sa.ForeignKey("selection_meeting.id", ondelete="CASCADE"))
    referral_id: Mapped[int] = mapped_column(sa.ForeignKey("referral.id", ondelete="CASCADE"), index=True)
    decision: Mapped[Optional[SelectionDecision]] = mapped_column(db_enum(SelectionDecision, "selection_decision"))
    reason: Mapped[str] = mapped_column(sa.Text, default="")

    meeting: Mapped[SelectionMeeting] = relationship(back_populates="items")
    referral: Mapped[Referral] = relationship()
