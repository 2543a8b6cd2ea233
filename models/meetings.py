"""Network meetings (11:11 Meet Malmö, seed 000): dialogue and theme meetings with companies
invited in channels with quotas, the companies' sign-ups, attendance, and the offers that grew
out of a meeting.

A company's place in a channel is a numbered seat (1, 2, ...): `uq_meeting_company_seat` makes
two sign-ups at the same moment unable to take the same seat, and the operations give seats only
up to the channel's quota, under the meeting's lock (models/operations/meetings.py). A company
signs up to a meeting once (`uq_meeting_company_org`).

The representative's gender and background are voluntary and self-reported; they are never
shown row by row, only as aggregates with small counts protected (disclosure.py).
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import TYPE_CHECKING, Optional

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from . import clock
from .db import Base, UTCDateTime
from .enums import SizeClass, db_enum

if TYPE_CHECKING:
    from .companies import Company, Offer


class MeetingKind(StrEnum):
    DIALOGUE = "dialogue"  # dialogträff
    THEME = "theme"  # tematräff


class MeetingChannel(StrEnum):
    """How a company came to the meeting (seed 000: three channels of 30)."""

    CITY = "city"  # hand-picked on the city's recommendation
    ORGANISATION = "organisation"  # recommended by Företagarna, Svenskt Näringsliv, AF, ...
    OPEN = "open"  # the open sign-up: first come, first served


class InviteeStatus(StrEnum):
    INVITED = "invited"  # invited by email, not answered yet
    SIGNED_UP = "signed_up"  # said yes; waits for the selection
    SELECTED = "selected"  # has a seat in its channel
    WAITLISTED = "waitlisted"  # signed up, no seat (yet)
    DECLINED = "declined"  # said no, or was cancelled


class RepresentativeGender(StrEnum):
    WOMAN = "woman"
    MAN = "man"
    OTHER = "other"


class RepresentativeBackground(StrEnum):
    """Statistics Sweden's definition: born abroad, or both parents born abroad."""

    FOREIGN = "foreign"
    SWEDISH = "swedish"


class NetworkMeeting(Base):
    __tablename__ = "network_meeting"
    __table_args__ = (
        sa.CheckConstraint("ends_at > starts_at", name="time_order"),
        sa.CheckConstraint("capacity > 0", name="capacity_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[MeetingKind] = mapped_column(db_enum(MeetingKind, "meeting_kind"))
    title: Mapped[str] = mapped_column(sa.String(200))
    theme: Mapped[str] = mapped_column(sa.String(300), default="")
    starts_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, index=True)
    ends_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    place: Mapped[str] = mapped_column(sa.String(200), default="")
    capacity: Mapped[int] = mapped_column(default=90)
    open_signup: Mapped[bool] = mapped_column(default=True)
    themes_discussed: Mapped[str] = mapped_column(sa.Text, default="")  # one per line, after the meeting
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=clock.now)
    version: Mapped[int] = mapped_column(default=1)

    channels: Mapped[list[MeetingQuota]] = relationship(
        back_populates="meeting", cascade="all, delete-orphan", order_by="MeetingQuota.id"
    )
    invitees: Mapped[list[MeetingInvitee]] = relationship(
        back_populates="meeting", cascade="all, delete-orphan", order_by="MeetingInvitee.id"
    )
    offers: Mapped[list[MeetingOffer]] = relationship(back_populates="meeting", cascade="all, delete-orphan")

    __mapper_args__ = {"version_id_col": version}

    def quota(self, channel: MeetingChannel) -> int:
        return next((c.quota for c in self.channels if c.channel == channel), 0)

    @property
    def themes(self) -> list[str]:
        return [line.strip() for line in self.themes_discussed.splitlines() if line.strip()]


class MeetingQuota(Base):
    """A channel of a meeting and how many companies it seats."""

    __tablename__ = "meeting_quota"
    __table_args__ = (
        sa.UniqueConstraint("meeting_id", "channel"),
        sa.CheckConstraint("quota >= 0", name="quota_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(sa.ForeignKey("network_meeting.id", ondelete="CASCADE"))
    channel: Mapped[MeetingChannel] = mapped_column(db_enum(MeetingChannel, "meeting_channel"))
    quota: Mapped[int] = mapped_column(default=30)

    meeting: Mapped[NetworkMeeting] = relationship(back_populates="channels")


class MeetingInvitee(Base):
    """A company invited to, or signed up for, a meeting (with what it said about itself)."""

    __tablename__ = "meeting_invitee"
    __table_args__ = (
        sa.UniqueConstraint("meeting_id", "org_number", name="uq_meeting_company_org"),
        sa.UniqueConstraint("meeting_id", "channel", "seat", name="uq_meeting_company_seat"),
        sa.CheckConstraint("seat IS NULL OR seat >= 1", name="seat_positive"),
        sa.CheckConstraint("(seat IS NOT NULL) = (status = 'selected')", name="seat_iff_selected"),
        sa.Index("ix_meeting_invitee_meeting_status", "meeting_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(sa.ForeignKey("network_meeting.id", ondelete="CASCADE"))
    company_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("company.id"), index=True)
    channel: Mapped[MeetingChannel] = mapped_column(db_enum(MeetingChannel, "meeting_channel"))
    recommended_by: Mapped[str] = mapped_column(sa.String(200), default="")
    status: Mapped[InviteeStatus] = mapped_column(
        db_enum(InviteeStatus, "invitee_status"), default=InviteeStatus.INVITED
    )
    seat: Mapped[Optional[int]]
    company_name: Mapped[str] = mapped_column(sa.String(200))
    org_number: Mapped[str] = mapped_column(sa.String(11))
    industry: Mapped[str] = mapped_column(sa.String(120), default="")
    size_class: Mapped[SizeClass] = mapped_column(db_enum(SizeClass, "size_class"))
    contact_name: Mapped[str] = mapped_column(sa.String(200), default="")
    email: Mapped[str] = mapped_column(sa.String(254), default="")
    representative_gender: Mapped[Optional[RepresentativeGender]] = mapped_column(
        db_enum(RepresentativeGender, "representative_gender")
    )
    representative_background: Mapped[Optional[RepresentativeBackground]] = mapped_column(
        db_enum(RepresentativeBackground, "representative_background")
    )
    invited_at: Mapped[Optional[dt.datetime]] = mapped_column(UTCDateTime)
    signed_up_at: Mapped[Optional[dt.datetime]] = mapped_column(UTCDateTime)
    attended: Mapped[Optional[bool]]
    added_to_network: Mapped[bool] = mapped_column(default=False)  # the company entered the register here
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=clock.now)

    meeting: Mapped[NetworkMeeting] = relationship(back_populates="invitees")
    company: Mapped[Optional[Company]] = relationship()


class MeetingOffer(Base):
    """An offer a company made at (or because of) a meeting; an offer comes from one meeting."""

    __tablename__ = "meeting_offer"

    offer_id: Mapped[int] = mapped_column(sa.ForeignKey("offer.id", ondelete="CASCADE"), primary_key=True)
    meeting_id: Mapped[int] = mapped_column(sa.ForeignKey("network_meeting.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=clock.now)

    meeting: Mapped[NetworkMeeting] = relationship(back_populates="offers")
    offer: Mapped[Offer] = relationship()
