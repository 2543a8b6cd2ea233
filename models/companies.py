"""The company network: companies, their contacts, and their workplace-visit offers."""

from __future__ import annotations

import datetime as dt
from typing import Optional

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from . import clock
from .db import Base, CodeList, FlagSet, UTCDateTime
from .enums import WEEKDAYS, CompanyStatus, Field, Network, SizeClass, db_enum


class Company(Base):
    __tablename__ = "company"
    __table_args__ = (
        sa.CheckConstraint("lat IS NULL OR (lat BETWEEN -90 AND 90)", name="lat_range"),
        sa.CheckConstraint("lon IS NULL OR (lon BETWEEN -180 AND 180)", name="lon_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200), index=True)
    org_number: Mapped[str] = mapped_column(sa.String(11), unique=True)  # NNNNNN-NNNN
    industry: Mapped[str] = mapped_column(sa.String(120), default="")
    size_class: Mapped[SizeClass] = mapped_column(db_enum(SizeClass, "size_class"))
    address: Mapped[str] = mapped_column(sa.String(200), default="")
    postcode: Mapped[str] = mapped_column(sa.String(6), default="")
    city: Mapped[str] = mapped_column(sa.String(100), default="")
    lat: Mapped[Optional[float]]
    lon: Mapped[Optional[float]]
    network: Mapped[Network] = mapped_column(db_enum(Network, "network"), index=True)
    status: Mapped[CompanyStatus] = mapped_column(
        db_enum(CompanyStatus, "company_status"), default=CompanyStatus.PROSPECT, index=True
    )
    notes: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=clock.now)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=clock.now, onupdate=clock.now)
    version: Mapped[int] = mapped_column(default=1)

    contacts: Mapped[list[Contact]] = relationship(
        back_populates="company", cascade="all, delete-orphan", order_by="Contact.name"
    )
    offers: Mapped[list[Offer]] = relationship(back_populates="company", order_by="Offer.title")

    __mapper_args__ = {"version_id_col": version}


class Contact(Base):
    __tablename__ = "contact"

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(
        sa.ForeignKey("company.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(sa.String(200))
    title: Mapped[str] = mapped_column(sa.String(120), default="")
    email: Mapped[str] = mapped_column(sa.String(254), default="")
    phone: Mapped[str] = mapped_column(sa.String(40), default="")
    is_supervisor: Mapped[bool] = mapped_column(default=False)

    company: Mapped[Company] = relationship(back_populates="contacts")


class Offer(Base):
    """A company's workplace-visit opportunity (4–8 h job shadowing with a supervisor)."""

    __tablename__ = "offer"
    __table_args__ = (
        sa.CheckConstraint("min_swedish_level BETWEEN 0 AND 6", name="min_level_range"),
        sa.CheckConstraint("hours >= 4 AND hours <= 8", name="hours_4_to_8"),
        sa.CheckConstraint("window_end > window_start", name="window_order"),
        sa.CheckConstraint("capacity_per_day > 0", name="day_capacity_positive"),
        sa.CheckConstraint("capacity_per_quarter > 0", name="quarter_capacity_positive"),
        sa.CheckConstraint("capacity_per_quarter >= capacity_per_day", name="quarter_ge_day"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(sa.ForeignKey("company.id"), index=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    field: Mapped[Field] = mapped_column(db_enum(Field, "field"), index=True)
    description: Mapped[str] = mapped_column(sa.Text, default="")
    min_swedish_level: Mapped[int] = mapped_column(sa.SmallInteger, default=0)
    languages: Mapped[list[str]] = mapped_column(CodeList(), default=lambda: ["sv"])
    weekdays: Mapped[list[str]] = mapped_column(FlagSet(WEEKDAYS))
    window_start: Mapped[dt.time]
    window_end: Mapped[dt.time]
    hours: Mapped[float] = mapped_column(sa.Numeric(3, 1, asdecimal=False), default=6)
    capacity_per_day: Mapped[int] = mapped_column(default=1)
    capacity_per_quarter: Mapped[int] = mapped_column(default=3)
    accessible: Mapped[bool] = mapped_column(default=False)
    supervisor_name: Mapped[str] = mapped_column(sa.String(200))
    supervisor_email: Mapped[str] = mapped_column(sa.String(254))
    supervisor_phone: Mapped[str] = mapped_column(sa.String(40), default="")
    address: Mapped[str] = mapped_column(sa.String(200), default="")  # blank: the company's
    lat: Mapped[Optional[float]]
    lon: Mapped[Optional[float]]
    active: Mapped[bool] = mapped_column(default=True, index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=clock.now)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=clock.now, onupdate=clock.now)
    version: Mapped[int] = mapped_column(default=1)

    company: Mapped[Company] = relationship(back_populates="offers")

    __mapper_args__ = {"version_id_col": version}

    @property
    def effective_lat(self) -> Optional[float]:
        return self.lat if self.lat is not None else self.company.lat

    @property
    def effective_lon(self) -> Optional[float]:
        return self.lon if self.lon is not None else self.company.lon

    @property
    def effective_address(self) -> str:
        return self.address or self.company.address
