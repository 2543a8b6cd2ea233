"""The programme (the IOP agreement's period, budget and goals) and its quarterly milestones."""

from __future__ import annotations

import datetime as dt
from typing import Optional

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from . import clock
from .db import Base, UTCDateTime
from .enums import GoalKind, db_enum

programme_party = sa.Table(
    "programme_party",
    Base.metadata,
    sa.Column("programme_id", sa.ForeignKey("programme.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("organisation_id", sa.ForeignKey("organisation.id"), primary_key=True),
)


class Programme(Base):
    __tablename__ = "programme"
    __table_args__ = (
        sa.CheckConstraint("ends_on > starts_on", name="period_order"),
        sa.CheckConstraint("yearly_budget_sek >= 0", name="budget_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    starts_on: Mapped[dt.date]
    ends_on: Mapped[dt.date]
    yearly_budget_sek: Mapped[int] = mapped_column(default=0)
    description: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=clock.now)

    goals: Mapped[list[Goal]] = relationship(
        back_populates="programme", cascade="all, delete-orphan", order_by="Goal.kind"
    )
    funding: Mapped[list[Funding]] = relationship(
        back_populates="programme", cascade="all, delete-orphan"
    )
    parties = relationship("Organisation", secondary=programme_party)

    def goal(self, kind: GoalKind) -> Optional[Goal]:
        return next((g for g in self.goals if g.kind == kind), None)


class Goal(Base):
    __tablename__ = "goal"
    __table_args__ = (
        sa.UniqueConstraint("programme_id", "kind"),
        sa.CheckConstraint("target > 0", name="target_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(sa.ForeignKey("programme.id", ondelete="CASCADE"))
    kind: Mapped[GoalKind] = mapped_column(db_enum(GoalKind, "goal_kind"))
    target: Mapped[int]

    programme: Mapped[Programme] = relationship(back_populates="goals")
    milestones: Mapped[list[Milestone]] = relationship(
        back_populates="goal", cascade="all, delete-orphan", order_by="Milestone.quarter_start"
    )


class Milestone(Base):
    """An edited quarterly milestone (target to date); quarters without one are linear.

    `frozen_on` is set on the milestones of quarters that had ended when the period or a goal
    changed: a past quarter's target never changes afterwards (models/operations/programme.py)."""

    __tablename__ = "milestone"
    __table_args__ = (
        sa.UniqueConstraint("goal_id", "quarter_start"),
        sa.CheckConstraint("target_to_date >= 0", name="target_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    goal_id: Mapped[int] = mapped_column(sa.ForeignKey("goal.id", ondelete="CASCADE"))
    quarter_start: Mapped[dt.date]
    target_to_date: Mapped[int]
    frozen_on: Mapped[Optional[dt.date]]

    goal: Mapped[Goal] = relationship(back_populates="milestones")


class Funding(Base):
    """Yearly financing of the programme by one party (e.g. HIF 241 000 kr, AMF 1 000 000 kr)."""

    __tablename__ = "funding"
    __table_args__ = (sa.CheckConstraint("yearly_amount_sek >= 0", name="amount_not_negative"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(sa.ForeignKey("programme.id", ondelete="CASCADE"))
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisation.id"))
    yearly_amount_sek: Mapped[int]

    programme: Mapped[Programme] = relationship(back_populates="funding")
    organisation = relationship("Organisation")
