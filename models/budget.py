"""The agreement's budget followed up: budget lines and financing per agreement year, the
actual costs per line and month, and the threshold beyond which a deviation is significant.

Amounts are whole kronor. An agreement year is twelve months from the start of the period
(year 1 of an agreement from 2020-01-01 is 2020), clipped to the period; see
models/operations/periods.py.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Optional

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from . import clock
from .db import Base, UTCDateTime
from .enums import BudgetLineKind, CostSource, db_enum

if TYPE_CHECKING:
    from .accounts import Organisation, User
    from .programme import Programme

DEFAULT_DEVIATION_THRESHOLD_PCT = 10


class BudgetLine(Base):
    """One line of one agreement year's budget (e.g. year 1, project leader, 570 000 kr)."""

    __tablename__ = "budget_line"
    __table_args__ = (
        sa.UniqueConstraint("programme_id", "line", "year"),
        sa.CheckConstraint("amount_sek >= 0", name="amount_not_negative"),
        sa.CheckConstraint("year >= 1", name="year_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(sa.ForeignKey("programme.id", ondelete="CASCADE"))
    year: Mapped[int]
    line: Mapped[BudgetLineKind] = mapped_column(db_enum(BudgetLineKind, "budget_line_kind"))
    amount_sek: Mapped[int]

    programme: Mapped[Programme] = relationship()


class BudgetFunding(Base):
    """One party's financing of one agreement year (e.g. year 1, AMF, 1 000 000 kr)."""

    __tablename__ = "budget_funding"
    __table_args__ = (
        sa.UniqueConstraint("programme_id", "organisation_id", "year"),
        sa.CheckConstraint("amount_sek >= 0", name="amount_not_negative"),
        sa.CheckConstraint("year >= 1", name="year_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(sa.ForeignKey("programme.id", ondelete="CASCADE"))
    year: Mapped[int]
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisation.id"))
    amount_sek: Mapped[int]

    programme: Mapped[Programme] = relationship()
    organisation: Mapped[Organisation] = relationship()


class ActualCost(Base):
    """What one budget line cost in one month (`month` is the month's first day), as recorded
    by hand or imported from the ledger. A new figure for the same line and month replaces the
    old one; a signed-off quarter keeps the figures it was approved with (models/signoff.py)."""

    __tablename__ = "actual_cost"
    __table_args__ = (
        sa.UniqueConstraint("programme_id", "line", "month"),
        sa.CheckConstraint("amount_sek >= 0", name="amount_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(sa.ForeignKey("programme.id", ondelete="CASCADE"))
    line: Mapped[BudgetLineKind] = mapped_column(db_enum(BudgetLineKind, "actual_cost_line"))
    month: Mapped[dt.date]
    amount_sek: Mapped[int]
    source: Mapped[CostSource] = mapped_column(db_enum(CostSource, "cost_source"), default=CostSource.MANUAL)
    recorded_by_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("user_account.id"))
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=clock.now)

    programme: Mapped[Programme] = relationship()
    recorded_by: Mapped[Optional[User]] = relationship()


class BudgetSettings(Base):
    """How the budget is followed up: a deviation of more than `deviation_threshold_pct` percent
    from the budget to date is significant (the agreement: the parties discuss and approve)."""

    __tablename__ = "budget_settings"
    __table_args__ = (
        sa.CheckConstraint("deviation_threshold_pct BETWEEN 1 AND 100", name="threshold_range"),
    )

    programme_id: Mapped[int] = mapped_column(sa.ForeignKey("programme.id", ondelete="CASCADE"), primary_key=True)
    deviation_threshold_pct: Mapped[int] = mapped_column(default=DEFAULT_DEVIATION_THRESHOLD_PCT)
