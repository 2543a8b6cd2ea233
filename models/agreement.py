"""Changes to the agreement (Ändringar i överenskommelsen): each written change, its reason and
the date each party approved it. An extension of the period is one kind of change."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any, Optional

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from . import clock
from .db import Base, UTCDateTime
from .enums import AgreementChangeKind, db_enum

if TYPE_CHECKING:
    from .accounts import Organisation, User
    from .programme import Programme


class AgreementChange(Base):
    __tablename__ = "agreement_change"
    __table_args__ = (
        sa.Index("ix_agreement_change_programme", "programme_id", "decided_on"),
        sa.CheckConstraint(
            "(previous_ends_on IS NULL) = (new_ends_on IS NULL)", name="period_change_complete"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(sa.ForeignKey("programme.id", ondelete="CASCADE"))
    kind: Mapped[AgreementChangeKind] = mapped_column(db_enum(AgreementChangeKind, "agreement_change_kind"))
    decided_on: Mapped[dt.date]  # the day the last party approved
    summary: Mapped[str] = mapped_column(sa.Text)  # what changed
    reason: Mapped[str] = mapped_column(sa.Text)
    previous_ends_on: Mapped[Optional[dt.date]]
    new_ends_on: Mapped[Optional[dt.date]]
    # Goal targets before and after, {"persons_workplace_visit": [350, 450]}, when they changed.
    details: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    recorded_by_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("user_account.id"))
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=clock.now)

    programme: Mapped[Programme] = relationship()
    recorded_by: Mapped[Optional[User]] = relationship()
    approvals: Mapped[list[AgreementApproval]] = relationship(
        back_populates="change", cascade="all, delete-orphan", order_by="AgreementApproval.approved_on"
    )


class AgreementApproval(Base):
    """One party's written approval of a change: when, and who signed for the party."""

    __tablename__ = "agreement_approval"
    __table_args__ = (sa.UniqueConstraint("change_id", "organisation_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    change_id: Mapped[int] = mapped_column(sa.ForeignKey("agreement_change.id", ondelete="CASCADE"))
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisation.id"))
    approved_on: Mapped[dt.date]
    signed_by: Mapped[str] = mapped_column(sa.String(200), default="")

    change: Mapped[AgreementChange] = relationship(back_populates="approvals")
    organisation: Mapped[Organisation] = relationship()
