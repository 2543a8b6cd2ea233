"""The benchmark's data set: a whole region's worth of synthetic rows (20,000 candidates, 1,000
companies, 3,000 offers, 100,000 visits over 12 quarters with their history, 200,000 exposure
rows at scale 1) in a fresh, uniquely named PostgreSQL database.

The few rows the app needs as objects (organisations, accounts, the programme, question sets)
go through the ORM; the bulk goes through PostgreSQL's COPY, each value converted by its
column's own type (FlagSet bit masks, CodeList text, UTC timestamps), so what lands in the
tables is exactly what the app would have written. Everything is made up: Faker names, generated
identity numbers with valid check digits, example.org-style addresses.
"""

from __future__ import annotations

import datetime as dt
import enum
import json
import os
import random
import time
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from typing import Any

import holidays
import sqlalchemy as sa
from faker import Faker
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session
from stdnum import luhn
from tqdm import tqdm

from models import (
    ActivityParticipant,
    AuditEvent,
    Base,
    Candidate,
    CandidateProfileVersion,
    Company,
    Consent,
    Contact,
    Exposure,
    Feedback,
    FollowUp,
    Goal,
    Offer,
    OfferProfileVersion,
    Organisation,
    Programme,
    RankerModel,
    Referral,
    ReferralEvent,
    Survey,
    SurveyAnswer,
    SurveyInvitation,
    User,
    Visit,
    VisitEvent,
    clock,
    make_engine,
    profiles,
)
from models.clock import quarter_end, quarter_start
from models.demo import AREAS, INDUSTRY_FIELDS, OTHER_LANGUAGES, TARGET_WEIGHTS, default_surveys
from models.enums import (
    FIELD_SLUGS,
    WEEKDAYS,
    ActivityType,
    AttendanceStatus,
    ClosedOutcome,
    CompanyStatus,
    ConsentMethod,
    ContactChannel,
    DeclineReason,
    FollowUpResult,
    FurtherInterest,
    Gender,
    GoalKind,
    Network,
    OrganisationKind,
    Party,
    QuestionKind,
    ReferralStatus,
    Role,
    SizeClass,
    SurveyMoment,
    TargetGroup,
    VisitStatus,
)
from models.identity import PinVault, parse_personal_identity
from models.operations.accounts import hash_password
from models.visits import Activity

ADMIN_URL = os.environ.get("BENCH_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
DB_PREFIX = "iop_bench"
# The per-database settings docs/deployment.md recommends for PostgreSQL at this size: no JIT
# (compiling a report query costs more than it saves), sorts and hashes of the report's 100,000
# visits in memory, and index access priced for SSDs. Server-wide ones (shared_buffers) are the
# server's, and are left as they are here.
PG_SETTINGS = {"jit": "off", "work_mem": "16MB", "random_page_cost": "1.1"}
BENCH_PASSWORD = "bench-lösenord-2026"  # noqa: S105 (synthetic benchmark accounts only)
VS = VisitStatus


@dataclass(frozen=True)
class Sizes:
    """Row counts at scale 1 (the issue's figures); `scaled` shrinks them for development."""

    candidates: int = 20_000
    companies: int = 1_000
    offers: int = 3_000
    visits: int = 100_000
    exposures: int = 200_000
    audit_events: int = 50_000
    quarters: int = 12
    units: int = 40  # welfare units of a region, two officers each
    project_leaders: int = 16  # one account per load-test client

    def scaled(self, scale: float) -> Sizes:
        def n(value: int, least: int) -> int:
            return max(least, round(value * scale))

        return replace(
            self,
            candidates=n(self.candidates, 200),
            companies=n(self.companies, 20),
            offers=n(self.offers, 60),
            visits=n(self.visits, 1000),
            exposures=n(self.exposures, 1000),
            audit_events=n(self.audit_events, 500),
            units=n(self.units, 4),
        )


@dataclass
class BenchData:
    """What the measurements need to know about a built data set."""

    url: str
    programme_id: int
    offer_id: int  # a busy active offer, for the offer page
    project_leaders: list[str]
    steering: str
    admin: str
    officer: str
    employer: str
    counts: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0


# --- the database itself ---------------------------------------------------------------------
def create_database(admin_url: str = ADMIN_URL) -> str:
    """Create a uniquely named, empty database; return its URL. Nothing else is touched."""
    name = f"{DB_PREFIX}_{uuid.uuid4().hex[:10]}"
    admin = make_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
            for setting, value in PG_SETTINGS.items():
                conn.execute(sa.text(f"ALTER DATABASE \"{name}\" SET {setting} = '{value}'"))
    finally:
        admin.dispose()
    return make_url(admin_url).set(database=name).render_as_string(hide_password=False)


def drop_database(url: str, admin_url: str = ADMIN_URL) -> None:
    """Drop a database this module created (only names with the benchmark's prefix)."""
    name = make_url(url).database or ""
    if not name.startswith(DB_PREFIX + "_"):
        raise ValueError(f"refusing to drop {name!r}: not a benchmark database")
    admin = make_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


# --- COPY with the models' own column types --------------------------------------------------
def _static_default(column: sa.Column[Any]) -> Any:
    default = column.default
    if default is None:
        return None
    if getattr(default, "is_scalar", False):
        return default.arg  # type: ignore[attr-defined]
    if getattr(default, "is_callable", False):
        return default.arg(None)  # type: ignore[attr-defined]  # SQLAlchemy wraps fn() as fn(ctx)
    return None


def _converter(column: sa.Column[Any], dialect: sa.Dialect) -> Any:
    kind = column.type
    if isinstance(kind, sa.types.TypeDecorator):
        return lambda value: kind.process_bind_param(value, dialect)
    if isinstance(kind, sa.JSON):
        return lambda value: None if value is None else json.dumps(value, separators=(",", ":"))
    return lambda value: value.value if isinstance(value, enum.Enum) else value


def copy_rows(conn: sa.Connection, table: sa.Table, rows: Iterable[dict[str, Any]], *, total: int, desc: str) -> int:
    """Write `rows` (dicts by column name) with COPY; columns left out get the model's default."""
    names = [c.name for c in table.columns]
    defaults = {c.name: _static_default(c) for c in table.columns}
    convert = {c.name: _converter(c, conn.dialect) for c in table.columns}
    columns = ", ".join(f'"{n}"' for n in names)
    raw = conn.connection.driver_connection  # the psycopg connection under SQLAlchemy's
    count = 0
    with raw.cursor() as cursor, cursor.copy(f'COPY "{table.name}" ({columns}) FROM STDIN') as copy:
        for row in tqdm(rows, total=total, desc=f"{desc:<22}", unit="rad", leave=False, mininterval=0.5):
            copy.write_row([convert[n](row[n] if n in row else defaults[n]) for n in names])
            count += 1
    return count


# --- the generator ---------------------------------------------------------------------------
def _local(day: dt.date, hour: float) -> dt.datetime:
    minutes = round(hour * 60)
    return clock.local_datetime(day, dt.time(minutes // 60, minutes % 60))


def _add_quarters(day: dt.date, quarters: int) -> dt.date:
    month = day.month - 1 + 3 * quarters
    return dt.date(day.year + month // 12, month % 12 + 1, 1)


def _org_number(serial: int) -> str:
    base = f"559{serial:06d}"
    number = base + luhn.calc_check_digit(base)
    return f"{number[:6]}-{number[6:]}"


class _Builder:
    def __init__(self, session: Session, sizes: Sizes, seed: int, today: dt.date):
        self.session = session
        self.sizes = sizes
        self.today = today
        self.rng = random.Random(seed)
        self.fake = Faker("sv_SE")
        self.fake.seed_instance(seed)
        self.now = clock.now()
        self.starts_on = _add_quarters(quarter_start(today), -(sizes.quarters - 1))
        self.ends_on = quarter_end(today)
        se_holidays = holidays.country_holidays("SE", years=range(self.starts_on.year - 1, today.year + 2))
        first = self.starts_on - dt.timedelta(days=90)
        self.workdays = [
            d for d in (first + dt.timedelta(days=i) for i in range((today - first).days + 60))
            if d.weekday() < 5 and d not in se_holidays
        ]
        self.counts: dict[str, int] = {}

    def day_index(self, day: dt.date) -> int:
        """The position of the first workday on or after `day`."""
        lo, hi = 0, len(self.workdays)
        while lo < hi:
            mid = (lo + hi) // 2
            if self.workdays[mid] < day:
                lo = mid + 1
            else:
                hi = mid
        return lo

    def copy(self, conn: sa.Connection, model: Any, rows: Iterable[dict[str, Any]], total: int, desc: str) -> None:
        self.counts[model.__tablename__] = copy_rows(conn, model.__table__, rows, total=total, desc=desc)

    def first_versions(self, conn: sa.Connection, model: Any, versions: Any, rows: list[dict[str, Any]],
                       desc: str) -> None:
        """Each copied row's first profile version (models/profiles.py), valid from its creation:
        what an insert through the app writes with it, and what the ranker's training reads."""
        now = clock.now()
        made = profiles.first_versions(model, [(row["id"], row) for row in rows], now)
        for number, (version, row) in enumerate(zip(made, rows, strict=True), start=1):
            version.update(id=number, valid_from=row.get("created_at", now))
        self.copy(conn, versions, made, len(made), desc)

    # -- objects through the ORM --
    def base(self, vault: PinVault) -> None:
        s = self.session
        password_hash = hash_password(BENCH_PASSWORD)
        amf = Organisation(name="Arbetsmarknadsförvaltningen", short_name="AMF", kind=OrganisationKind.MUNICIPALITY)
        af = Organisation(name="Arbetsförmedlingen", short_name="AF", kind=OrganisationKind.EMPLOYMENT_SERVICE)
        th = Organisation(name="Tillväxt Helsingborg", short_name="TH", kind=OrganisationKind.FOUNDATION)
        hif = Organisation(name="Helsingborgs IF", short_name="HIF", kind=OrganisationKind.CLUB)
        self.units = [
            Organisation(
                name=f"Försörjningsstöd enhet {i + 1}", short_name=f"FS-{i + 1}",
                kind=OrganisationKind.WELFARE_UNIT, parent=amf if i % 3 else af,
            )
            for i in range(self.sizes.units)
        ]
        s.add_all([amf, af, th, hif, *self.units])

        def user(email: str, role: Role, **kw: Any) -> User:
            account = User(email=email, name=self.fake.name(), role=role, password_hash=password_hash, **kw)
            s.add(account)
            return account

        self.pls = [user(f"pl{i + 1}@bench.example", Role.PROJECT_LEADER, organisation=th)
                    for i in range(self.sizes.project_leaders)]
        self.officers = [
            user(f"officer{i + 1}@bench.example", Role.WELFARE_OFFICER, organisation=self.units[i // 2])
            for i in range(2 * self.sizes.units)
        ]
        self.steering = [user(f"steering{i + 1}@bench.example", Role.STEERING, organisation=hif) for i in range(4)]
        self.admin = user("admin@bench.example", Role.ADMIN, organisation=amf)
        programme = Programme(
            name="IOP Jobbskuggning, regionen (benchmark)", starts_on=self.starts_on, ends_on=self.ends_on,
            yearly_budget_sek=12_410_000, description="Syntetiska data för prestandamätning.",
        )
        programme.parties = [th, hif, amf, af]
        programme.goals = [
            Goal(kind=GoalKind.PERSONS_WORKPLACE_VISIT, target=self.sizes.candidates),
            Goal(kind=GoalKind.STADIUM_VISIT, target=1200),
            Goal(kind=GoalKind.WELLNESS, target=1000),
        ]
        s.add(programme)
        self.surveys: dict[SurveyMoment, Survey] = {}
        for survey in default_surveys():
            s.add(survey)
            self.surveys[survey.moment] = survey
        self.model = RankerModel(path="bench-not-a-file.joblib", snapshot_id="bench", code_version="bench")
        s.add(self.model)
        s.flush()
        self.programme = programme
        self.vault = vault

    # -- the bulk, with COPY --
    def companies(self, conn: sa.Connection) -> None:
        rng, fake, n = self.rng, self.fake, self.sizes.companies
        industries = list(INDUSTRY_FIELDS)
        self.company_industry: list[str] = []
        self.company_active: list[bool] = []
        rows, contacts = [], []
        for i in range(n):
            industry = industries[i % len(industries)]
            area = rng.choice(AREAS)
            status = rng.choices(list(CompanyStatus), weights=[0.1, 0.8, 0.07, 0.03])[0]
            self.company_industry.append(industry)
            self.company_active.append(status == CompanyStatus.ACTIVE)
            rows.append({
                "id": i + 1, "name": f"{fake.company()} {i + 1}", "org_number": _org_number(i + 1),
                "industry": industry, "size_class": rng.choices(list(SizeClass), weights=[0.3, 0.35, 0.25, 0.1])[0],
                "address": fake.street_address(), "postcode": area[1], "city": "Helsingborg",
                "lat": area[2] + rng.uniform(-0.01, 0.01), "lon": area[3] + rng.uniform(-0.01, 0.01),
                "network": rng.choices(list(Network), weights=[0.45, 0.45, 0.1])[0], "status": status,
            })
            contacts.append({
                "id": i + 1, "company_id": i + 1, "name": fake.name(), "title": "Handledare",
                "email": f"handledare{i + 1}@foretag.example", "phone": fake.phone_number(), "is_supervisor": True,
            })
        self.copy(conn, Company, rows, n, "företag")
        self.copy(conn, Contact, contacts, n, "kontaktpersoner")

    def offers(self, conn: sa.Connection) -> None:
        rng, n = self.rng, self.sizes.offers
        self.offer_rows: list[dict[str, Any]] = []
        for j in range(n):
            company = j % self.sizes.companies
            start_hour = rng.choice([7, 8, 9])
            self.offer_rows.append({
                "id": j + 1, "company_id": company + 1,
                "title": f"Jobbskugga {rng.choice(['medarbetare', 'lagledare', 'tekniker', 'säljare'])} {j + 1}",
                "field": rng.choice(INDUSTRY_FIELDS[self.company_industry[company]]),
                "description": "Följ en medarbetare under en arbetsdag och se hur arbetet går till.",
                "min_swedish_level": rng.choices([0, 1, 2, 3, 4], weights=[0.2, 0.25, 0.3, 0.2, 0.05])[0],
                "languages": ["sv"] + rng.sample(["en", "ar", "so", "fa", "pl"], k=rng.randint(0, 2)),
                "weekdays": sorted(rng.sample(WEEKDAYS[:5], k=rng.randint(2, 5)), key=WEEKDAYS.index),
                "window_start": dt.time(start_hour), "window_end": dt.time(min(start_hour + 9, 18)),
                "hours": rng.choice([4, 5, 6, 6, 7, 8]), "capacity_per_day": rng.choice([1, 1, 2]),
                "capacity_per_quarter": rng.choice([6, 8, 12, 20]), "accessible": rng.random() < 0.5,
                "supervisor_name": self.fake.name(), "supervisor_email": f"handledare{company + 1}@foretag.example",
                "active": self.company_active[company] and rng.random() < 0.95,
            })
        self.copy(conn, Offer, self.offer_rows, n, "erbjudanden")
        self.first_versions(conn, Offer, OfferProfileVersion, self.offer_rows, "erbjudandeprofiler")
        self.live_offers = [o for o in self.offer_rows if o["active"]] or self.offer_rows

    def candidates(self, conn: sa.Connection) -> None:
        rng, fake, n = self.rng, self.fake, self.sizes.candidates
        groups, weights = list(TARGET_WEIGHTS), list(TARGET_WEIGHTS.values())
        used: set[str] = set()
        candidates, referrals, events, consents = [], [], [], []
        self.eligible: list[tuple[int, int]] = []  # (candidate id, first workday index they can visit)
        pl_ids = [u.id for u in self.pls]
        first_referral = self.starts_on - dt.timedelta(days=60)
        span = (self.today - dt.timedelta(days=10) - first_referral).days
        for i in tqdm(range(n), desc=f"{'kandidater (skapas)':<22}", unit="st", leave=False, mininterval=0.5):
            cid = i + 1
            group = rng.choices(groups, weights=weights)[0]
            age = rng.randint(18, 24) if group == TargetGroup.YOUTH else rng.randint(22, 62)
            birth = self.today - dt.timedelta(days=365 * age + rng.randint(0, 364))
            while True:
                base = f"{birth:%y%m%d}{rng.randint(1, 999):03d}"
                number = f"{birth:%Y}{base[2:]}{luhn.calc_check_digit(base)}"
                if number not in used:
                    break
            used.add(number)
            identity = parse_personal_identity(number)
            gender = rng.choice([Gender.FEMALE, Gender.MALE, Gender.FEMALE, Gender.MALE, Gender.OTHER])
            level = (rng.choices([0, 1, 2, 3, 4], weights=[0.15, 0.3, 0.3, 0.2, 0.05])[0]
                     if group == TargetGroup.NEWCOMER else rng.choices([3, 4, 5, 6], weights=[0.1, 0.3, 0.3, 0.3])[0])
            languages = ["sv"] if level >= 3 else []
            if group == TargetGroup.NEWCOMER:
                languages += rng.sample(OTHER_LANGUAGES, k=rng.randint(1, 2))
            area = rng.choice(AREAS)
            referred_on = first_referral + dt.timedelta(days=rng.randint(0, span))
            referred_at = _local(referred_on, 10)
            candidates.append({
                "id": cid,
                "first_name": fake.first_name_female() if gender == Gender.FEMALE else fake.first_name_male(),
                "last_name": fake.last_name(), "pin_encrypted": self.vault.encrypt(identity.number),
                "pin_hash": self.vault.lookup_hash(identity.number), "pin_masked": identity.masked,
                "birth_date": identity.birth_date, "gender": gender, "phone": f"070-{rng.randint(1000000, 9999999)}",
                "email": f"deltagare{cid}@exempel.example", "contact_channel": rng.choice(list(ContactChannel)),
                "preferred_language": "sv" if level >= 3 else rng.choice(["sv", "en", "ar"]),
                "target_group": group, "swedish_level": level, "languages": languages,
                "interests": sorted(rng.sample(FIELD_SLUGS, k=rng.randint(1, 3)), key=FIELD_SLUGS.index),
                "weekdays": sorted(rng.sample(WEEKDAYS[:5], k=rng.randint(2, 5)), key=WEEKDAYS.index),
                "times_of_day": ["morning", "midday"] if rng.random() < 0.6 else ["morning", "midday", "afternoon"],
                "postcode": f"{area[1][:3]} {area[1][3:]}", "area": area[0],
                "lat": area[2] + rng.uniform(-0.008, 0.008), "lon": area[3] + rng.uniform(-0.008, 0.008),
                "needs_accessible": rng.random() < 0.08, "needs_other": "",
                "created_at": referred_at, "updated_at": referred_at,
            })
            officer = rng.choice(self.officers)
            status = rng.choices(
                [ReferralStatus.SUBMITTED, ReferralStatus.ACTIVE, ReferralStatus.CLOSED, ReferralStatus.RETURNED,
                 ReferralStatus.DRAFT], weights=[0.05, 0.75, 0.14, 0.03, 0.03],
            )[0]
            rid = len(referrals) + 1
            referral = {
                "id": rid, "candidate_id": cid, "unit_id": officer.organisation_id, "referred_by_id": officer.id,
                "status": status, "reason": "Behöver en första kontakt med arbetslivet.", "return_reason": "",
                "closed_outcome": None, "created_at": referred_at,
                "submitted_at": None if status == ReferralStatus.DRAFT else referred_at, "closed_at": None,
            }
            chain = [(None, ReferralStatus.DRAFT, referred_at, officer.id)]
            if status != ReferralStatus.DRAFT:
                chain.append((ReferralStatus.DRAFT, ReferralStatus.SUBMITTED, referred_at, officer.id))
            decided = referred_at + dt.timedelta(days=2)
            if status in (ReferralStatus.ACTIVE, ReferralStatus.CLOSED):
                pl = rng.choice(pl_ids)
                chain += [(ReferralStatus.SUBMITTED, ReferralStatus.ACCEPTED, decided, pl),
                          (ReferralStatus.ACCEPTED, ReferralStatus.ACTIVE, decided, pl)]
                self.eligible.append((cid, self.day_index(referred_on + dt.timedelta(days=7))))
            if status == ReferralStatus.RETURNED:
                referral["return_reason"] = "Klienten behöver först en språkinsats."
                chain.append((ReferralStatus.SUBMITTED, ReferralStatus.RETURNED, decided, rng.choice(pl_ids)))
            if status == ReferralStatus.CLOSED:
                referral["closed_outcome"] = rng.choice(list(ClosedOutcome))
                referral["closed_at"] = min(self.now, referred_at + dt.timedelta(days=rng.randint(90, 400)))
                chain.append((ReferralStatus.ACTIVE, ReferralStatus.CLOSED, referral["closed_at"], officer.id))
            referrals.append(referral)
            for frm, to, at, by in chain:
                events.append({"id": len(events) + 1, "referral_id": rid, "from_status": frm, "to_status": to,
                               "at": at, "by_id": by, "reason": ""})
            withdrawn = referred_at + dt.timedelta(days=30) if rng.random() < 0.02 else None
            consents.append({
                "id": cid, "candidate_id": cid, "given_on": referred_on, "method": rng.choice(list(ConsentMethod)),
                "scope_partnership": True, "scope_companies": True, "recorded_by_id": officer.id,
                "recorded_at": referred_at, "withdrawn_at": withdrawn,
                "withdrawn_by_id": officer.id if withdrawn else None,
            })
        self.copy(conn, Candidate, candidates, n, "kandidater")
        self.first_versions(conn, Candidate, CandidateProfileVersion, candidates, "kandidatprofiler")
        self.copy(conn, Referral, referrals, len(referrals), "remisser")
        self.copy(conn, ReferralEvent, events, len(events), "remisshändelser")
        self.copy(conn, Consent, consents, n, "samtycken")

    def visits(self, conn: sa.Connection) -> None:
        """Visits spread over the candidates, each on a day of its own (so that live ones never
        overlap), with the status history the booking flow writes and feedback for a quarter of the
        completed ones. About 3 % are upcoming (proposed, accepted or confirmed)."""
        rng, n = self.rng, self.sizes.visits
        per_candidate: dict[int, int] = {}
        for _ in range(n):
            cid, _first = rng.choice(self.eligible)
            per_candidate[cid] = per_candidate.get(cid, 0) + 1
        first_day = dict(self.eligible)
        today_index = self.day_index(self.today)
        pl_ids = [u.id for u in self.pls]
        visits: list[dict[str, Any]] = []
        events: list[dict[str, Any]] = []
        feedback: list[dict[str, Any]] = []
        self.completed: list[tuple[int, int, int, dt.datetime]] = []  # (visit, candidate, company, end)
        self.confirmed_ahead: list[tuple[int, int, int]] = []  # (visit, candidate, company)

        def event(vid: int, frm: Any, to: VisitStatus, at: dt.datetime, party: Party, reason: str = "") -> None:
            events.append({
                "id": len(events) + 1, "visit_id": vid, "from_status": frm, "to_status": to, "at": at,
                "by_id": rng.choice(pl_ids) if party == Party.PROJECT_LEADER else None, "by_party": party,
                "reason": reason, "actual_start": None, "actual_end": None,
            })

        for cid, k in per_candidate.items():
            lo = min(first_day[cid], today_index - 1)
            past_span = max(1, today_index - lo)
            upcoming = sum(rng.random() < 0.03 for _ in range(k))
            past = min(k - upcoming, past_span)
            days = [self.workdays[lo + i] for i in rng.sample(range(past_span), past)]
            days += [self.workdays[today_index + 1 + i] for i in rng.sample(range(30), min(upcoming, 30))]
            for day in days:
                offer = rng.choice(self.live_offers)
                vid = len(visits) + 1
                start = _local(day, offer["window_start"].hour)
                end = start + dt.timedelta(hours=float(offer["hours"]))
                proposed_at = min(start - dt.timedelta(days=14), self.now - dt.timedelta(days=rng.randint(0, 12)))
                visit = {
                    "id": vid, "candidate_id": cid, "offer_id": offer["id"], "start_at": start, "end_at": end,
                    "visit_date": day, "actual_start": None, "actual_end": None,
                    "supervisor_name": offer["supervisor_name"], "supervisor_email": offer["supervisor_email"],
                    "proposed_by_id": rng.choice(pl_ids), "decline_reason": None, "cancelled_by": None,
                    "status_reason": "", "ics_sequence": 0, "created_at": proposed_at,
                }
                event(vid, None, VS.PROPOSED, proposed_at, Party.PROJECT_LEADER)
                status, last = self._outcome(vid, visit, day, start, end, proposed_at, event, feedback, offer)
                visit.update(status=status, updated_at=last)
                visits.append(visit)
        self.copy(conn, Visit, visits, len(visits), "besök")
        self.copy(conn, VisitEvent, events, len(events), "besökshändelser")
        self.copy(conn, Feedback, feedback, len(feedback), "återkoppling")
        counts: dict[int, int] = {}
        for v in visits:
            if v["status"] == VS.COMPLETED:
                counts[v["offer_id"]] = counts.get(v["offer_id"], 0) + 1
        # The offer with the most completed visits (the lowest id of equals): `run._accounts` finds
        # the same one in a reused data set, so a run on a reused set loads the same offer page.
        self.busy_offer = max(counts, key=lambda o: (counts[o], -o)) if counts else self.live_offers[0]["id"]

    def _outcome(self, vid: int, visit: dict[str, Any], day: dt.date, start: dt.datetime, end: dt.datetime,
                 proposed_at: dt.datetime, event: Any, feedback: list[dict[str, Any]],
                 offer: dict[str, Any]) -> tuple[VisitStatus, dt.datetime]:
        rng = self.rng
        if day > self.today:  # upcoming: somewhere along proposed → accepted → confirmed
            status = rng.choice([VS.PROPOSED, VS.ACCEPTED, VS.CONFIRMED])
            if status != VS.PROPOSED:
                event(vid, VS.PROPOSED, VS.ACCEPTED, proposed_at + dt.timedelta(hours=20), Party.EMPLOYER)
            if status == VS.CONFIRMED:
                event(vid, VS.ACCEPTED, VS.CONFIRMED, proposed_at + dt.timedelta(days=1), Party.PROJECT_LEADER)
                self.confirmed_ahead.append((vid, visit["candidate_id"], offer["company_id"]))
            return status, proposed_at + dt.timedelta(days=1)
        if rng.random() < 0.22:
            visit["decline_reason"] = rng.choice(list(DeclineReason))
            event(vid, VS.PROPOSED, VS.DECLINED, proposed_at + dt.timedelta(days=2), Party.EMPLOYER)
            return VS.DECLINED, proposed_at + dt.timedelta(days=2)
        event(vid, VS.PROPOSED, VS.ACCEPTED, proposed_at + dt.timedelta(days=1), Party.EMPLOYER)
        event(vid, VS.ACCEPTED, VS.CONFIRMED, proposed_at + dt.timedelta(days=2), Party.PROJECT_LEADER)
        roll = rng.random()
        if roll < 0.004:  # the outcome was never recorded: the project leader's to-do list
            return VS.CONFIRMED, proposed_at + dt.timedelta(days=2)
        if roll < 0.08:
            visit["cancelled_by"] = rng.choice([Party.PARTICIPANT, Party.EMPLOYER])
            event(vid, VS.CONFIRMED, VS.CANCELLED, start - dt.timedelta(days=1), visit["cancelled_by"], "Sjukdom")
            return VS.CANCELLED, start - dt.timedelta(days=1)
        recorded = end + dt.timedelta(hours=3)
        if roll < 0.17:
            event(vid, VS.CONFIRMED, VS.NO_SHOW, recorded, Party.PROJECT_LEADER)
            return VS.NO_SHOW, recorded
        planned = float(offer["hours"])
        actual = rng.choices([planned, 3.5, 8.5, max(4.0, planned - 0.5)], weights=[0.86, 0.05, 0.03, 0.06])[0]
        visit["actual_start"], visit["actual_end"] = start, start + dt.timedelta(hours=actual)
        event(vid, VS.CONFIRMED, VS.COMPLETED, recorded, Party.PROJECT_LEADER)
        if rng.random() < 0.01:  # a corrected outcome: the report must follow the history
            event(vid, VS.COMPLETED, VS.NO_SHOW, recorded + dt.timedelta(days=1), Party.PROJECT_LEADER,
                  "Rättelse: deltagaren kom inte")
            return VS.NO_SHOW, recorded + dt.timedelta(days=1)
        self.completed.append((vid, visit["candidate_id"], offer["company_id"], end))
        if rng.random() < 0.25:
            overall = rng.randint(2, 5)
            feedback.append({
                "id": len(feedback) + 1, "visit_id": vid, "attended": True, "punctuality": rng.randint(3, 5),
                "interest": overall, "overall": overall, "strengths": "Nyfiken och ställde bra frågor.",
                "to_develop": "Öva på att ta egna initiativ.", "would_welcome_again": overall >= 3,
                "further_interest": rng.choices(list(FurtherInterest), weights=[0.6, 0.3, 0.1])[0],
                "message_to_participant": "Tack för besöket!", "internal_note": "", "filled_by_id": None,
                "filled_by_name": offer["supervisor_name"], "created_at": recorded,
            })
        return VS.COMPLETED, recorded

    def activities(self, conn: sa.Connection) -> None:
        rng = self.rng
        activities, participants = [], []
        candidate_ids = [cid for cid, _ in self.eligible]
        per_activity = max(4, min(20, len(candidate_ids) // 50))
        week = self.starts_on
        while week < self.today + dt.timedelta(days=30):
            for kind in ActivityType:
                if rng.random() < 0.5:
                    continue
                aid = len(activities) + 1
                day = week + dt.timedelta(days=rng.randint(0, 4))
                start = _local(day, 17 if kind == ActivityType.MATCH_HOST_SHADOWING else 13)
                activities.append({
                    "id": aid, "type": kind, "title": f"Aktivitet {aid}", "starts_at": start,
                    "ends_at": start + dt.timedelta(hours=3), "place": "Olympia, Helsingborg", "capacity": 25,
                    "responsible_id": self.pls[0].id, "company_id": None, "notes": "", "created_at": start,
                })
                for cid in rng.sample(candidate_ids, k=min(len(candidate_ids), rng.randint(per_activity // 2,
                                                                                          per_activity))):
                    status = (rng.choices([AttendanceStatus.ATTENDED, AttendanceStatus.ABSENT], weights=[0.85, 0.15])[0]
                              if day < self.today else AttendanceStatus.REGISTERED)
                    participants.append({"id": len(participants) + 1, "activity_id": aid, "candidate_id": cid,
                                         "status": status, "marked_at": None, "marked_by_id": None})
            week += dt.timedelta(days=7)
        self.copy(conn, Activity, activities, len(activities), "gruppaktiviteter")
        self.copy(conn, ActivityParticipant, participants, len(participants), "deltagare i aktiviteter")

    def surveys_and_follow_ups(self, conn: sa.Connection) -> None:
        """Before/after questionnaires for 5 % of completed visits (participant) and 1 % (company),
        and 3- and 6-month follow-ups for a sixth of the persons who completed a visit."""
        rng = self.rng
        invitations, answers, follow_ups = [], [], []
        likert = {m: [q for q in s.questions if q.kind == QuestionKind.LIKERT] for m, s in self.surveys.items()}
        sample = rng.sample(self.completed, k=len(self.completed) // 20)
        for i, (vid, cid, company, end) in enumerate(sample):
            pairs = [(SurveyMoment.PARTICIPANT_BEFORE, SurveyMoment.PARTICIPANT_AFTER, cid, None)]
            if i % 5 == 0:
                pairs.append((SurveyMoment.COMPANY_BEFORE, SurveyMoment.COMPANY_AFTER, None, company))
            for before, after, candidate_id, company_id in pairs:
                for moment, at in ((before, end - dt.timedelta(days=7)), (after, end + dt.timedelta(days=2))):
                    if at > self.now:
                        continue
                    iid = len(invitations) + 1
                    invitations.append({
                        "id": iid, "survey_id": self.surveys[moment].id, "candidate_id": candidate_id,
                        "company_id": company_id, "visit_id": vid, "email": "svar@exempel.example", "sent_at": at,
                        "expires_at": at + dt.timedelta(days=30), "reminded_at": None, "completed_at": at,
                    })
                    shift = 1 if moment == after else 0
                    for q in likert[moment]:
                        answers.append({"id": len(answers) + 1, "invitation_id": iid, "question_id": q.id,
                                        "likert": min(5, rng.randint(1, 4) + shift * rng.randint(0, 1)),
                                        "text": "", "answered_at": at})
        invitations += self._sent_last_night(len(invitations))
        people = sorted({cid for _, cid, _, _ in self.completed})
        officers = [o.id for o in self.officers]
        for cid in rng.sample(people, k=len(people) // 6):
            for months in (3, 6):
                if months == 6 and rng.random() < 0.4:
                    continue
                follow_ups.append({
                    "id": len(follow_ups) + 1, "candidate_id": cid, "months": months,
                    "result": rng.choice(list(FollowUpResult)), "recorded_on": self.today - dt.timedelta(days=30),
                    "recorded_by_id": rng.choice(officers),
                })
        self.copy(conn, SurveyInvitation, invitations, len(invitations), "enkätutskick")
        self.copy(conn, SurveyAnswer, answers, len(answers), "enkätsvar")
        self.copy(conn, FollowUp, follow_ups, len(follow_ups), "uppföljningar")

    def _sent_last_night(self, already: int) -> list[dict[str, Any]]:
        """The invitations `send-surveys` (run every night) has sent for what is due now: "before"
        for confirmed upcoming visits, "after" for visits completed in the last 30 days. Without
        them the start page would count months of never-sent questionnaires as due."""
        sent_at = self.now - dt.timedelta(hours=10)
        recent = self.now - dt.timedelta(days=30)
        wanted: dict[tuple[SurveyMoment, str, int], int] = {}
        for vid, cid, company in self.confirmed_ahead:
            wanted.setdefault((SurveyMoment.PARTICIPANT_BEFORE, "candidate", cid), vid)
            wanted.setdefault((SurveyMoment.COMPANY_BEFORE, "company", company), vid)
        for vid, _cid, company, end in self.completed:
            if end > recent:
                wanted.setdefault((SurveyMoment.PARTICIPANT_AFTER, "visit", vid), vid)
                wanted.setdefault((SurveyMoment.COMPANY_AFTER, "company", company), vid)
        candidate_of = {vid: cid for vid, cid, _, _ in self.completed} | {v: c for v, c, _ in self.confirmed_ahead}
        rows = []
        for (moment, kind, who), vid in wanted.items():
            rows.append({
                "id": already + len(rows) + 1, "survey_id": self.surveys[moment].id,
                "candidate_id": None if kind == "company" else candidate_of[vid],
                "company_id": who if kind == "company" else None, "visit_id": vid, "email": "svar@exempel.example",
                "sent_at": sent_at, "expires_at": sent_at + dt.timedelta(days=30), "reminded_at": None,
                "completed_at": None,
            })
        return rows

    def exposures(self, conn: sa.Connection) -> None:
        rng, n = self.rng, self.sizes.exposures
        seconds = int((self.now - _local(self.starts_on, 0)).total_seconds())
        candidate_ids = [cid for cid, _ in self.eligible]
        offer_ids = [o["id"] for o in self.live_offers]
        pl_ids = [u.id for u in self.pls]

        def rows() -> Iterator[dict[str, Any]]:
            for i in range(n):
                by_offer = rng.random() < 0.7
                ranked_ids = rng.sample(candidate_ids if by_offer else offer_ids, k=min(20, len(offer_ids)))
                scores = sorted((rng.random() for _ in ranked_ids), reverse=True)
                yield {
                    "id": i + 1, "at": self.now - dt.timedelta(seconds=rng.randint(0, seconds)),
                    "user_id": rng.choice(pl_ids), "context": "offer" if by_offer else "candidate",
                    "context_id": rng.choice(offer_ids if by_offer else candidate_ids), "model_id": self.model.id,
                    "ranked": [[rid, round(s, 4)] for rid, s in zip(ranked_ids, scores, strict=True)],
                    "proposed_ids": ranked_ids[:1] if rng.random() < 0.2 else [],
                }

        self.copy(conn, Exposure, rows(), n, "exponeringar")

    def audit_events(self, conn: sa.Connection) -> None:
        rng, n = self.rng, self.sizes.audit_events
        seconds = int((self.now - _local(self.starts_on, 0)).total_seconds())
        actors = [(u.id, u.role.value) for u in [*self.pls, *self.officers, self.admin]]
        actions = [("login", "user_account"), ("candidate_viewed", "candidate"), ("visit_proposed", "visit"),
                   ("visit_status_changed", "visit"), ("referral_submitted", "referral"),
                   ("report_exported", "programme"), ("login_failed", "user_account")]

        def rows() -> Iterator[dict[str, Any]]:
            for i in range(n):
                actor, role = rng.choice(actors)
                action, target = rng.choice(actions)
                yield {
                    "id": i + 1, "at": self.now - dt.timedelta(seconds=rng.randint(0, seconds)), "actor_id": actor,
                    "actor_role": role, "action": action, "target_type": target,
                    "target_id": rng.randint(1, self.sizes.candidates), "success": action != "login_failed",
                    "ip": "127.0.0.1", "request_id": uuid.UUID(int=rng.getrandbits(128)).hex, "details": {},
                }

        self.copy(conn, AuditEvent, rows(), n, "granskningslogg")

    def employer(self) -> User:
        company = next(i for i, active in enumerate(self.company_active) if active) + 1
        user = User(email="employer@bench.example", name=self.fake.name(), role=Role.EMPLOYER,
                    company_id=company, password_hash=self.admin.password_hash)
        self.session.add(user)
        return user


def _reset_sequences(conn: sa.Connection) -> None:
    """Rows were written with explicit ids: move each id sequence past them."""
    for table in Base.metadata.sorted_tables:
        pk = list(table.primary_key.columns)
        if len(pk) == 1 and isinstance(pk[0].type, sa.Integer) and pk[0].autoincrement in (True, "auto"):
            conn.execute(sa.text(
                f"SELECT setval(pg_get_serial_sequence('{table.name}', '{pk[0].name}'), "
                f"(SELECT COALESCE(MAX({pk[0].name}), 0) + 1 FROM \"{table.name}\"), false)"
            ))


def build(url: str, vault: PinVault, *, sizes: Sizes, seed: int = 12, today: dt.date | None = None) -> BenchData:
    """Create the schema in the (empty) database at `url` and fill it; then VACUUM ANALYZE."""
    started = time.perf_counter()
    engine = make_engine(url)
    try:
        Base.metadata.create_all(engine)
        with Session(engine) as session:
            b = _Builder(session, sizes, seed, today or clock.local_today())
            b.base(vault)
            session.commit()
            with engine.begin() as conn:
                b.companies(conn)
                b.offers(conn)
                b.candidates(conn)
                b.visits(conn)
                b.activities(conn)
                b.surveys_and_follow_ups(conn)
                b.exposures(conn)
                b.audit_events(conn)
                _reset_sequences(conn)
            employer = b.employer()
            session.commit()
            data = BenchData(
                url=url, programme_id=b.programme.id, offer_id=b.busy_offer,
                project_leaders=[u.email for u in b.pls], steering=b.steering[0].email, admin=b.admin.email,
                officer=b.officers[0].email, employer=employer.email, counts=b.counts,
            )
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(sa.text("VACUUM ANALYZE"))
    finally:
        engine.dispose()
    data.seconds = time.perf_counter() - started
    return data


def describe(data: BenchData) -> str:
    main = ("candidate", "company", "offer", "visit", "visit_event", "exposure")
    counts = ", ".join(f"{data.counts.get(t, 0):,}".replace(",", " ") + f" {t}" for t in main)
    return f"{counts} in {data.seconds:.0f} s"
