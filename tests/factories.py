"""Factories for test data, with sequences for unique values. Synthetic values only."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any
from zoneinfo import ZoneInfo

from stdnum import luhn
from werkzeug.security import generate_password_hash

from models import (
    Candidate,
    Company,
    Consent,
    Contact,
    Offer,
    Organisation,
    Programme,
    Referral,
    User,
    Visit,
    VisitEvent,
    clock,
)
from models.enums import (
    CompanyStatus,
    ConsentMethod,
    Network,
    OrganisationKind,
    Party,
    ReferralStatus,
    Role,
    SizeClass,
    TargetGroup,
    VisitStatus,
)
from models.identity import parse_personal_identity

PASSWORD = "correct-horse-battery-staple"  # noqa: S105
# The test accounts' password, hashed once with scrypt at a small cost (N = 1024 instead of the
# app's 32768): every login in a test verifies it, and at the app's cost that took 70 ms each,
# a fifth of the suite. The check is the app's own (`check_password_hash` reads the cost from the
# hash); passwords the tests set through the app (`hash_password`) get the app's cost.
_PASSWORD_HASH = generate_password_hash(PASSWORD, method="scrypt:1024:8:1")
STOCKHOLM = ZoneInfo("Europe/Stockholm")
_seq = itertools.count(1)


def personnummer(birth: dt.date, serial: int) -> str:
    """A synthetic personnummer with a valid check digit, YYYYMMDDNNNN."""
    base = f"{birth:%y%m%d}{serial % 999 + 1:03d}"  # 001-999: a serial of 000 is not a valid number
    return f"{birth:%Y}{base[2:]}{luhn.calc_check_digit(base)}"


def org_number(serial: int) -> str:
    base = f"556{serial % 1000000:06d}"
    number = base + luhn.calc_check_digit(base)
    return f"{number[:6]}-{number[6:]}"


def local_dt(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=STOCKHOLM)


class Factory:
    def __init__(self, session: Any):
        self.session = session

    def _n(self) -> int:
        return next(_seq)

    def organisation(self, **kw: Any) -> Organisation:
        n = self._n()
        org = Organisation(
            name=kw.pop("name", f"Enhet {n}"),
            short_name=kw.pop("short_name", f"E{n}"),
            kind=kw.pop("kind", OrganisationKind.WELFARE_UNIT),
            **kw,
        )
        self.session.add(org)
        self.session.flush()
        return org

    def partner(self, short_name: str = "AF") -> Organisation:
        """AF or AMF, the organisations whose contact person is consulted on selection (one each)."""
        import sqlalchemy as sa

        found = self.session.scalar(sa.select(Organisation).where(Organisation.short_name == short_name))
        if found is not None:
            return found
        kind, name = {"AF": (OrganisationKind.EMPLOYMENT_SERVICE, "Arbetsförmedlingen"),
                      "AMF": (OrganisationKind.MUNICIPALITY, "Arbetsmarknadsförvaltningen")}[short_name]
        return self.organisation(name=name, short_name=short_name, kind=kind)

    def user(self, role: Role | str = Role.PROJECT_LEADER, **kw: Any) -> User:
        n = self._n()
        role = Role(role)
        if role == Role.EMPLOYER and "company" not in kw:
            kw["company"] = self.company()
        if role == Role.WELFARE_OFFICER and "organisation" not in kw:
            kw["organisation"] = self.organisation()
        if role == Role.SELECTION_PARTNER and "organisation" not in kw:
            kw["organisation"] = self.partner("AF")
        user = User(
            email=kw.pop("email", f"user{n}@test.example"),
            name=kw.pop("name", f"Testanvändare {n}"),
            role=role,
            password_hash=kw.pop("password_hash", _PASSWORD_HASH),
            **kw,
        )
        self.session.add(user)
        self.session.flush()
        return user

    def company(self, **kw: Any) -> Company:
        n = self._n()
        company = Company(
            name=kw.pop("name", f"Testföretag {n} AB"),
            org_number=kw.pop("org_number", org_number(n)),
            size_class=kw.pop("size_class", SizeClass.SMALL),
            network=kw.pop("network", Network.HIF_SPONSOR),
            status=kw.pop("status", CompanyStatus.ACTIVE),
            lat=kw.pop("lat", 56.05),
            lon=kw.pop("lon", 12.70),
            address=kw.pop("address", f"Testgatan {n}"),
            **kw,
        )
        company.contacts = [
            Contact(name=f"Handledare {n}", email=f"handledare{n}@foretag.example", is_supervisor=True)
        ]
        self.session.add(company)
        self.session.flush()
        return company

    def offer(self, company: Company | None = None, **kw: Any) -> Offer:
        n = self._n()
        offer = Offer(
            company=company or self.company(),
            title=kw.pop("title", f"Jobbskugga {n}"),
            field=kw.pop("field", "hospitality"),
            min_swedish_level=kw.pop("min_swedish_level", 1),
            languages=kw.pop("languages", ["sv"]),
            weekdays=kw.pop("weekdays", ["mon", "tue", "wed", "thu", "fri"]),
            window_start=kw.pop("window_start", dt.time(8, 0)),
            window_end=kw.pop("window_end", dt.time(17, 0)),
            hours=kw.pop("hours", 6),
            capacity_per_day=kw.pop("capacity_per_day", 1),
            capacity_per_quarter=kw.pop("capacity_per_quarter", 5),
            supervisor_name=kw.pop("supervisor_name", f"Handledare {n}"),
            supervisor_email=kw.pop("supervisor_email", f"handledare{n}@foretag.example"),
            **kw,
        )
        self.session.add(offer)
        self.session.flush()
        return offer

    def candidate(
        self,
        *,
        unit: Organisation | None = None,
        referred_by: User | None = None,
        status: ReferralStatus = ReferralStatus.ACTIVE,
        consent: bool = True,
        vault: Any = None,
        **kw: Any,
    ) -> Candidate:
        """A candidate referred by `referred_by` (an officer of `unit`), with consent."""
        n = self._n()
        if referred_by is None:
            kw_unit = {"organisation": unit} if unit else {}
            referred_by = self.user(Role.WELFARE_OFFICER, **kw_unit)
        unit = unit or referred_by.organisation
        birth = kw.pop("birth_date", dt.date(1990, 1, 1) + dt.timedelta(days=n))
        pnr = parse_personal_identity(personnummer(birth, kw.pop("serial", n)))
        candidate = Candidate(
            first_name=kw.pop("first_name", f"Förnamn{n}"),
            last_name=kw.pop("last_name", f"Efternamn{n}"),
            birth_date=pnr.birth_date,
            pin_masked=pnr.masked,
            target_group=kw.pop("target_group", TargetGroup.NEWCOMER),
            swedish_level=kw.pop("swedish_level", 3),
            languages=kw.pop("languages", ["sv", "ar"]),
            interests=kw.pop("interests", ["hospitality"]),
            weekdays=kw.pop("weekdays", ["mon", "tue", "wed", "thu", "fri"]),
            lat=kw.pop("lat", 56.05),
            lon=kw.pop("lon", 12.70),
            area=kw.pop("area", "Centrum"),
            **kw,
        )
        if vault is not None:
            candidate.pin_encrypted = vault.encrypt(pnr.number)
            candidate.pin_hash = vault.lookup_hash(pnr.number)
        candidate.referrals = [
            Referral(
                unit=unit,
                referred_by=referred_by,
                status=status,
                reason="Testremiss",
                closed_outcome="job" if status == ReferralStatus.CLOSED else None,
            )
        ]
        if consent:
            candidate.consents = [
                Consent(given_on=clock.local_today(), method=ConsentMethod.WRITTEN, recorded_by=referred_by)
            ]
        self.session.add(candidate)
        self.session.flush()
        return candidate

    def visit(
        self,
        candidate: Candidate | None = None,
        offer: Offer | None = None,
        *,
        day: dt.date | None = None,
        start_hour: int = 9,
        hours: float = 6,
        status: VisitStatus = VisitStatus.PROPOSED,
        actual_hours: float | None = None,
        **kw: Any,
    ) -> Visit:
        offer = offer or self.offer()
        candidate = candidate or self.candidate()
        day = day or (clock.local_today() + dt.timedelta(days=14))
        start = local_dt(day, start_hour)
        visit = Visit(
            candidate=candidate,
            offer=offer,
            start_at=start,
            end_at=start + dt.timedelta(hours=hours),
            visit_date=day,
            status=status,
            supervisor_name=offer.supervisor_name,
            supervisor_email=offer.supervisor_email,
            **kw,
        )
        if actual_hours is not None:
            visit.actual_start = start
            visit.actual_end = start + dt.timedelta(hours=actual_hours)
        visit.events.append(VisitEvent(to_status=status, by_party=Party.PROJECT_LEADER))
        self.session.add(visit)
        self.session.flush()
        return visit

    def programme(self, **kw: Any) -> Programme:
        from models import Goal
        from models.enums import GoalKind

        programme = Programme(
            name=kw.pop("name", "Testprogram"),
            starts_on=kw.pop("starts_on", dt.date(2025, 1, 1)),
            ends_on=kw.pop("ends_on", dt.date(2027, 12, 31)),
            yearly_budget_sek=kw.pop("yearly_budget_sek", 1_241_000),
            **kw,
        )
        programme.goals = [Goal(kind=GoalKind.PERSONS_WORKPLACE_VISIT, target=kw.pop("target", 350))]
        self.session.add(programme)
        self.session.flush()
        return programme
