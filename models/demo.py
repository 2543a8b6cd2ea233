"""A synthetic Helsingborg-like partnership for the demo, the notebooks and the benchmarks.

Everything here is made up (Faker's sv_SE locale and generated identity numbers with valid
check digits); no real person or company. The same seed gives the same data, and seeding a
database that already holds the demo adds nothing.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, TypeVar

import sqlalchemy as sa
from faker import Faker
from sqlalchemy.orm import Session
from stdnum import luhn
from tqdm import tqdm

from . import clock
from .accounts import Organisation, User
from .candidates import Candidate, Consent, Referral, ReferralEvent
from .companies import Company, Contact, Offer
from .demo_agreement import seed_budget
from .demo_commitments import seed_commitments
from .demo_meetings import seed_meeting
from .demo_selection import seed_selection
from .enums import (
    FIELD_SLUGS,
    WEEKDAYS,
    ActivityType,
    AttendanceStatus,
    ClosedOutcome,
    CompanyStatus,
    ConsentMethod,
    ContactChannel,
    DeclineReason,
    FurtherInterest,
    Gender,
    GoalKind,
    Network,
    OrganisationKind,
    Party,
    ReferralStatus,
    Role,
    SizeClass,
    TargetGroup,
    VisitStatus,
)
from .followup import Feedback, Survey
from .identity import PinVault, parse_personal_identity
from .operations.accounts import hash_password
from .operations.question_sets import WORKPLACE_COMPANY, WORKPLACE_PARTICIPANT, install_missing, standard_surveys
from .operations.visits import is_working_day
from .profiles import CandidateProfileVersion, OfferProfileVersion
from .programme import Funding, Goal, Programme
from .visits import Activity, ActivityParticipant, Visit, VisitEvent

DEMO_PASSWORD = "demo-lösenord-2026"  # noqa: S105 (synthetic demo accounts only)
DEMO_MARKER = "TH"  # the demo's first organisation; present means "already seeded"
HELSINGBORG = (56.0465, 12.6945)
AREAS = [
    ("Centrum", "25221", 56.046, 12.694), ("Drottninghög", "25436", 56.060, 12.735),
    ("Dalhem", "25446", 56.066, 12.742), ("Planteringen", "25451", 56.064, 12.716),
    ("Söder", "25225", 56.037, 12.701), ("Husensjö", "25453", 56.056, 12.724),
    ("Råå", "25270", 56.003, 12.745), ("Påarp", "26071", 56.033, 12.816),
    ("Ödåkra", "26035", 56.106, 12.744), ("Berga", "25269", 56.018, 12.745),
    ("Närlunda", "25445", 56.061, 12.747), ("Eneborg", "25228", 56.045, 12.716),
    ("Gantofta", "25591", 55.990, 12.808), ("Rydebäck", "25730", 55.968, 12.778),
]
INDUSTRY_FIELDS = {
    "Hotell och restaurang": ["hospitality", "cleaning"],
    "Bygg": ["construction", "installation", "crafts"],
    "Handel": ["sales", "transport"],
    "Logistik": ["transport", "manufacturing"],
    "Vård och omsorg": ["healthcare", "social_work"],
    "IT och konsult": ["it", "admin", "engineering"],
    "Industri": ["manufacturing", "engineering", "installation"],
    "Fastighet": ["cleaning", "installation", "admin"],
    "Media och evenemang": ["culture", "sales", "security"],
    "Utbildning": ["education", "social_work"],
    "Skönhet och hälsa": ["beauty", "healthcare"],
    "Bank och försäkring": ["admin", "sales", "management"],
}
TARGET_WEIGHTS = {
    TargetGroup.NEWCOMER: 0.4,
    TargetGroup.YOUTH: 0.25,
    TargetGroup.LONG_TERM: 0.25,
    TargetGroup.OTHER: 0.1,
}
OTHER_LANGUAGES = ["ar", "so", "ti", "fa", "en", "bs", "pl", "uk", "es", "de", "ku", "tr"]

T = TypeVar("T")


@dataclass
class SeedResult:
    created: bool
    counts: dict[str, int] = field(default_factory=dict)
    login_emails: list[str] = field(default_factory=list)

    @property
    def summary(self) -> str:
        return ", ".join(f"{n} {what}" for what, n in self.counts.items())


def add_months(day: dt.date, months: int) -> dt.date:
    month = day.month - 1 + months
    return dt.date(day.year + month // 12, month % 12 + 1, 1)


def demo_accounts() -> list[tuple[str, str, Role, str | None]]:
    """(email, name, role, organisation short name) of the demo's logins, one per role at least."""
    return [
        ("admin@demo.example", "Alva Administratör", Role.ADMIN, "AMF"),
        ("projektledare@demo.example", "Petra Projektledare", Role.PROJECT_LEADER, "TH"),
        ("medarbetare@demo.example", "Malik Medarbetare", Role.PROJECT_LEADER, "HIF"),
        ("handlaggare.nord@demo.example", "Hanna Handläggare", Role.WELFARE_OFFICER, "AMF-N"),
        ("handlaggare.syd@demo.example", "Sami Handläggare", Role.WELFARE_OFFICER, "AMF-S"),
        ("af@demo.example", "Frida Förmedlare", Role.WELFARE_OFFICER, "AF-HBG"),
        ("styrgrupp@demo.example", "Stig Styrgrupp", Role.STEERING, "HIF"),
        ("styrgrupp.th@demo.example", "Tove Styrgrupp", Role.STEERING, "TH"),
        ("styrgrupp.af@demo.example", "Anders Styrgrupp", Role.STEERING, "AF"),
        ("styrgrupp.amf@demo.example", "Maja Styrgrupp", Role.STEERING, "AMF"),
        ("urval.af@demo.example", "Astrid Urval", Role.SELECTION_PARTNER, "AF"),
        ("urval.amf@demo.example", "Måns Urval", Role.SELECTION_PARTNER, "AMF"),
    ]


def _personnummer(rng: random.Random, birth: dt.date) -> str:
    base = f"{birth:%y%m%d}{rng.randint(1, 999):03d}"  # serial 000 is never issued
    number = base + luhn.calc_check_digit(base)
    return f"{birth:%Y}{number[2:]}"


def _org_number(rng: random.Random) -> str:
    base = f"556{rng.randint(0, 999999):06d}"
    number = base + luhn.calc_check_digit(base)
    return f"{number[:6]}-{number[6:]}"


def _progress(items: Iterable[T], desc: str, enabled: bool, total: int | None = None) -> Iterator[T]:
    yield from tqdm(items, desc=desc, total=total, disable=not enabled, unit="st", leave=False)


def _local(day: dt.date, hour: float) -> dt.datetime:
    h = int(hour)
    m = int(round((hour - h) * 60))
    return clock.local_datetime(day, dt.time(h, m))


def _workday(rng: random.Random, start: dt.date, end: dt.date) -> dt.date:
    """A random weekday in [start, end] that is not a Swedish public holiday."""
    while True:
        day = start + dt.timedelta(days=rng.randint(0, max(0, (end - start).days)))
        if is_working_day(day):
            return day


def seed_demo(
    session: Session,
    vault: PinVault,
    *,
    n_candidates: int = 300,
    n_companies: int = 120,
    seed: int = 20201,
    today: dt.date | None = None,
    progress: bool = False,
) -> SeedResult:
    """Create the demo partnership unless it is already there."""
    emails = [a[0] for a in demo_accounts()]
    if session.scalar(sa.select(Organisation.id).where(Organisation.short_name == DEMO_MARKER)):
        return SeedResult(created=False, login_emails=emails + _employer_emails(session))
    today = today or clock.local_today()
    rng = random.Random(seed)
    fake = Faker("sv_SE")
    fake.seed_instance(seed)
    password_hash = hash_password(DEMO_PASSWORD)

    orgs = _organisations(session)
    users = {
        email: User(
            email=email, name=name, role=role, organisation=orgs[org] if org else None,
            password_hash=password_hash,
        )
        for email, name, role, org in demo_accounts()
    }
    session.add_all(users.values())
    programme = _programme(session, orgs, today)
    companies, offers = _companies(session, rng, fake, n_companies, progress)
    for offer in offers:  # the network's offers stand from the programme's start (their first profile version)
        offer.created_at = _local(programme.starts_on, 0)
    employer_emails = []
    for i, company in enumerate(companies[:6]):
        contact = company.contacts[0]
        user = User(
            email=f"foretag{i + 1}@demo.example", name=contact.name, role=Role.EMPLOYER,
            company=company, password_hash=password_hash,
        )
        session.add(user)
        employer_emails.append(user.email)
    officers = [u for u in users.values() if u.role == Role.WELFARE_OFFICER]
    pl = users["projektledare@demo.example"]
    candidates = _candidates(session, rng, fake, vault, officers, pl, n_candidates, today, progress)
    session.flush()
    n_visits = _visits(session, rng, candidates, offers, pl, programme, today, progress)
    n_activities = _activities(session, rng, candidates, pl, programme, today)
    seed_meeting(session, rng, fake, companies, offers, today)
    _surveys(session)
    session.flush()
    n_changes = _profile_changes(session, random.Random(seed + 1), _local(programme.starts_on, 0))
    n_costs = seed_budget(session, programme, orgs, pl, today, seed)
    n_meetings = seed_selection(
        session, candidates, pl, [users["urval.af@demo.example"], users["urval.amf@demo.example"]], today, seed
    )
    n_commitments = seed_commitments(session, companies, today, seed)
    return SeedResult(
        created=True,
        counts={
            "organisationer": len(orgs),
            "konton": len(users) + len(employer_emails),
            "företag": len(companies),
            "erbjudanden": len(offers),
            "kandidater": len(candidates),
            "besök": n_visits,
            "gruppaktiviteter": n_activities,
            "nätverksmöten": 1,
            "kostnadsrader": n_costs,
            "urvalsmöten": n_meetings,
            "profiländringar": n_changes,
            "åtaganden": n_commitments,
        },
        login_emails=emails + employer_emails,
    )


def _employer_emails(session: Session) -> list[str]:
    return list(
        session.scalars(
            sa.select(User.email)
            .where(User.role == Role.EMPLOYER, User.email.like("%@demo.example"))
            .order_by(User.id)
        )
    )


def _organisations(session: Session) -> dict[str, Organisation]:
    amf = Organisation(name="Arbetsmarknadsförvaltningen", short_name="AMF", kind=OrganisationKind.MUNICIPALITY)
    af = Organisation(name="Arbetsförmedlingen", short_name="AF", kind=OrganisationKind.EMPLOYMENT_SERVICE)
    orgs = {
        "TH": Organisation(name="Tillväxt Helsingborg", short_name="TH", kind=OrganisationKind.FOUNDATION),
        "HIF": Organisation(name="Helsingborgs IF", short_name="HIF", kind=OrganisationKind.CLUB),
        "AMF": amf,
        "AF": af,
        "AMF-N": Organisation(name="AMF Försörjningsstöd Norr", short_name="AMF-N", kind=OrganisationKind.WELFARE_UNIT, parent=amf),
        "AMF-S": Organisation(name="AMF Försörjningsstöd Söder", short_name="AMF-S", kind=OrganisationKind.WELFARE_UNIT, parent=amf),
        "AF-HBG": Organisation(name="Arbetsförmedlingen Helsingborg", short_name="AF-HBG", kind=OrganisationKind.WELFARE_UNIT, parent=af),
    }
    session.add_all(orgs.values())
    return orgs


def _programme(session: Session, orgs: dict[str, Organisation], today: dt.date) -> Programme:
    start = add_months(clock.quarter_start(today), -12)
    end = add_months(start, 36) - dt.timedelta(days=1)
    programme = Programme(
        name="IOP Jobbskuggning Helsingborg (demo)",
        starts_on=start,
        ends_on=end,
        yearly_budget_sek=1_241_000,
        description="Idéburet offentligt partnerskap mellan TH, HIF och AMF, med AF i urval och styrgrupp.",
    )
    programme.parties = [orgs["TH"], orgs["HIF"], orgs["AMF"], orgs["AF"]]
    programme.goals = [
        Goal(kind=GoalKind.PERSONS_WORKPLACE_VISIT, target=350),
        Goal(kind=GoalKind.STADIUM_VISIT, target=120),
        Goal(kind=GoalKind.MATCH_HOST_SHADOWING, target=60),
        Goal(kind=GoalKind.ASSOCIATION_ACTIVITY, target=80),
        Goal(kind=GoalKind.WELLNESS, target=100),
    ]
    programme.funding = [
        Funding(organisation=orgs["HIF"], yearly_amount_sek=241_000),
        Funding(organisation=orgs["AMF"], yearly_amount_sek=1_000_000),
    ]
    session.add(programme)
    return programme


def _companies(
    session: Session, rng: random.Random, fake: Faker, n: int, progress: bool
) -> tuple[list[Company], list[Offer]]:
    companies: list[Company] = []
    offers: list[Offer] = []
    org_numbers: set[str] = set()
    industries = list(INDUSTRY_FIELDS)
    for i in _progress(range(n), "Företag", progress):
        while (orgnr := _org_number(rng)) in org_numbers:
            pass
        org_numbers.add(orgnr)
        industry = industries[i % len(industries)]
        area = rng.choice(AREAS)
        network = rng.choices(
            [Network.HIF_SPONSOR, Network.TH_NETWORK, Network.BOTH], weights=[0.45, 0.45, 0.1]
        )[0]
        company = Company(
            name=fake.unique.company(),
            org_number=orgnr,
            industry=industry,
            size_class=rng.choices(list(SizeClass), weights=[0.3, 0.35, 0.25, 0.1])[0],
            address=fake.street_address(),
            postcode=area[1],
            city="Helsingborg",
            lat=area[2] + rng.uniform(-0.01, 0.01),
            lon=area[3] + rng.uniform(-0.01, 0.01),
            network=network,
            status=rng.choices(list(CompanyStatus), weights=[0.1, 0.8, 0.07, 0.03])[0],
        )
        supervisor = fake.name()
        company.contacts = [
            Contact(
                name=supervisor, title="Handledare", email=f"handledare{i + 1}@foretag.example",
                phone=fake.phone_number(), is_supervisor=True,
            )
        ]
        session.add(company)
        companies.append(company)
        for field_slug in rng.sample(INDUSTRY_FIELDS[industry], k=rng.randint(1, 2)):
            start_hour = rng.choice([7, 8, 9])
            hours = rng.choice([4, 5, 6, 6, 7, 8])
            offer = Offer(
                company=company,
                title=_offer_title(field_slug, rng),
                field=field_slug,
                description="Följ en medarbetare under en arbetsdag och se hur arbetet går till.",
                min_swedish_level=rng.choices([0, 1, 2, 3, 4], weights=[0.2, 0.25, 0.3, 0.2, 0.05])[0],
                languages=["sv"] + rng.sample(["en", "ar", "so", "fa", "pl"], k=rng.randint(0, 2)),
                weekdays=sorted(rng.sample(WEEKDAYS[:5], k=rng.randint(2, 5)), key=WEEKDAYS.index),
                window_start=dt.time(start_hour, 0),
                window_end=dt.time(min(start_hour + 9, 18), 0),
                hours=hours,
                capacity_per_day=rng.choice([1, 1, 1, 2]),
                capacity_per_quarter=rng.choice([3, 4, 6, 8]),
                accessible=rng.random() < 0.5,
                supervisor_name=supervisor,
                supervisor_email=f"handledare{i + 1}@foretag.example",
                active=company.status == CompanyStatus.ACTIVE and rng.random() < 0.95,
            )
            session.add(offer)
            offers.append(offer)
    return companies, offers


def _offer_title(field_slug: str, rng: random.Random) -> str:
    titles = {
        "hospitality": ["Kock för en dag", "Servering och kök", "Hotellreception"],
        "cleaning": ["Lokalvård", "Fastighetsskötsel och städ"],
        "construction": ["Snickare på bygget", "Markarbete"],
        "installation": ["Elinstallation", "Drift och underhåll"],
        "crafts": ["Målare", "Plattsättning"],
        "sales": ["Butiksarbete", "Kundtjänst och försäljning"],
        "transport": ["Lager och logistik", "Chaufför – följ med på tur"],
        "manufacturing": ["Montering i produktion", "Maskinoperatör"],
        "healthcare": ["Undersköterska", "Vårdbiträde"],
        "social_work": ["Boendestöd", "Fritidsledare"],
        "it": ["IT-support", "Systemutvecklare"],
        "admin": ["Ekonomiassistent", "Kontorsadministration"],
        "engineering": ["Tekniker", "Kvalitetskontroll"],
        "culture": ["Evenemang och scen", "Grafisk produktion"],
        "security": ["Ordningsvakt på evenemang", "Säkerhet och bevakning"],
        "education": ["Förskola", "Elevassistent"],
        "beauty": ["Frisör", "Hudvård och spa"],
        "management": ["Följ en butikschef", "Följ en driftchef"],
    }
    return rng.choice(titles.get(field_slug, ["Jobbskugga en medarbetare"]))


def _candidates(
    session: Session,
    rng: random.Random,
    fake: Faker,
    vault: PinVault,
    officers: list[User],
    pl: User,
    n: int,
    today: dt.date,
    progress: bool,
) -> list[Candidate]:
    candidates: list[Candidate] = []
    used: set[str] = set()
    groups = list(TARGET_WEIGHTS)
    weights = list(TARGET_WEIGHTS.values())
    for _ in _progress(range(n), "Kandidater", progress):
        group = rng.choices(groups, weights=weights)[0]
        age = rng.randint(18, 24) if group == TargetGroup.YOUTH else rng.randint(22, 62)
        birth = today - dt.timedelta(days=365 * age + rng.randint(0, 364))
        while (pnr := _personnummer(rng, birth)) in used:
            pass
        used.add(pnr)
        identity = parse_personal_identity(pnr)
        gender = rng.choice([Gender.FEMALE, Gender.MALE, Gender.FEMALE, Gender.MALE, Gender.OTHER])
        first = fake.first_name_female() if gender == Gender.FEMALE else fake.first_name_male()
        area = rng.choice(AREAS)
        level = (
            rng.choices([0, 1, 2, 3, 4], weights=[0.15, 0.3, 0.3, 0.2, 0.05])[0]
            if group == TargetGroup.NEWCOMER
            else rng.choices([3, 4, 5, 6], weights=[0.1, 0.3, 0.3, 0.3])[0]
        )
        languages = ["sv"] if level >= 3 else []
        if group == TargetGroup.NEWCOMER:
            languages += rng.sample(OTHER_LANGUAGES, k=rng.randint(1, 2))
        elif rng.random() < 0.5:
            languages.append("en")
        candidate = Candidate(
            first_name=first,
            last_name=fake.last_name(),
            pin_encrypted=vault.encrypt(identity.number),
            pin_hash=vault.lookup_hash(identity.number),
            pin_masked=identity.masked,
            birth_date=identity.birth_date,
            gender=gender,
            phone=f"070-{rng.randint(1000000, 9999999)}",
            email=f"deltagare{len(candidates) + 1}@exempel.example",
            contact_channel=rng.choice(list(ContactChannel)),
            preferred_language="sv" if level >= 3 else rng.choice(["sv", "en", "ar"]),
            target_group=group,
            swedish_level=level,
            languages=languages,
            interests=sorted(rng.sample(FIELD_SLUGS, k=rng.randint(1, 3)), key=FIELD_SLUGS.index),
            weekdays=sorted(rng.sample(WEEKDAYS[:5], k=rng.randint(2, 5)), key=WEEKDAYS.index),
            times_of_day=["morning", "midday"] if rng.random() < 0.6 else ["morning", "midday", "afternoon"],
            postcode=area[1],
            area=area[0],
            lat=area[2] + rng.uniform(-0.008, 0.008),
            lon=area[3] + rng.uniform(-0.008, 0.008),
            needs_accessible=rng.random() < 0.08,
        )
        officer = rng.choice(officers)
        referred_on = today - dt.timedelta(days=rng.randint(5, 400))
        referred_at = _local(referred_on, 10)
        status = rng.choices(
            [ReferralStatus.SUBMITTED, ReferralStatus.ACTIVE, ReferralStatus.CLOSED, ReferralStatus.RETURNED],
            weights=[0.08, 0.77, 0.12, 0.03],
        )[0]
        referral = Referral(
            candidate=candidate, unit=officer.organisation, referred_by=officer, status=status,
            reason="Behöver en första kontakt med arbetslivet.", submitted_at=referred_at,
            created_at=referred_at,
        )
        referral.events.append(ReferralEvent(from_status=ReferralStatus.DRAFT, to_status=ReferralStatus.SUBMITTED, at=referred_at, by=officer))
        if status in (ReferralStatus.ACTIVE, ReferralStatus.CLOSED):
            decided = referred_at + dt.timedelta(days=2)
            referral.events.append(ReferralEvent(from_status=ReferralStatus.SUBMITTED, to_status=ReferralStatus.ACCEPTED, at=decided, by=pl))
            referral.events.append(ReferralEvent(from_status=ReferralStatus.ACCEPTED, to_status=ReferralStatus.ACTIVE, at=decided, by=pl))
        if status == ReferralStatus.RETURNED:
            referral.return_reason = "Klienten behöver först en språkinsats."
            referral.events.append(ReferralEvent(from_status=ReferralStatus.SUBMITTED, to_status=ReferralStatus.RETURNED, at=referred_at + dt.timedelta(days=3), by=pl, reason=referral.return_reason))
        if status == ReferralStatus.CLOSED:
            referral.closed_outcome = rng.choice(list(ClosedOutcome))
            referral.closed_at = referred_at + dt.timedelta(days=rng.randint(60, 200))
            referral.events.append(ReferralEvent(from_status=ReferralStatus.ACTIVE, to_status=ReferralStatus.CLOSED, at=referral.closed_at, by=pl))
        candidate.consents = [
            Consent(
                given_on=referred_on, method=rng.choice(list(ConsentMethod)), recorded_by=officer,
                recorded_at=referred_at,
            )
        ]
        session.add(candidate)
        candidates.append(candidate)
    return candidates


def _fit(candidate: Candidate, offer: Offer) -> float:
    """The demo's hidden truth of how well a pair fits: interest, language, weekdays."""
    score = 0.25
    if str(offer.field) in candidate.interests:
        score += 0.35
    score += 0.08 * max(-3, min(2, candidate.swedish_level - offer.min_swedish_level))
    if set(candidate.weekdays) & set(offer.weekdays):
        score += 0.1
    if set(candidate.languages) & set(offer.languages) - {"sv"}:
        score += 0.05
    return max(0.05, min(0.95, score))


def _visits(
    session: Session,
    rng: random.Random,
    candidates: list[Candidate],
    offers: list[Offer],
    pl: User,
    programme: Programme,
    today: dt.date,
    progress: bool,
) -> int:
    active = [c for c in candidates if c.referrals[0].status in (ReferralStatus.ACTIVE, ReferralStatus.CLOSED)]
    live_offers = [o for o in offers if o.active]
    history_start = programme.starts_on
    count = 0
    busy: dict[int, list[tuple[dt.datetime, dt.datetime]]] = {}

    def free(candidate: Candidate, start: dt.datetime, end: dt.datetime) -> bool:
        return all(e <= start or end <= s for s, e in busy.get(candidate.id, []))

    # Past proposals over the last four quarters, with outcomes that depend on fit.
    for _ in _progress(range(int(len(active) * 1.1)), "Besök", progress):
        candidate = rng.choice(active)
        offer = rng.choice(live_offers)
        day = _workday(rng, history_start, today - dt.timedelta(days=3))
        start = _local(day, offer.window_start.hour)
        planned = float(offer.hours)
        end = start + dt.timedelta(hours=planned)
        if not free(candidate, start, end):
            continue
        fit = _fit(candidate, offer)
        accepted = rng.random() < 0.35 + 0.5 * fit
        visit = Visit(
            candidate=candidate, offer=offer, start_at=start, end_at=end, visit_date=day,
            supervisor_name=offer.supervisor_name, supervisor_email=offer.supervisor_email,
            proposed_by=pl, created_at=start - dt.timedelta(days=14),
        )
        proposed_at = start - dt.timedelta(days=14)
        events = [(None, VisitStatus.PROPOSED, proposed_at, Party.PROJECT_LEADER, "")]
        if not accepted:
            visit.status = VisitStatus.DECLINED
            visit.decline_reason = rng.choice(list(DeclineReason))
            events.append((VisitStatus.PROPOSED, VisitStatus.DECLINED, proposed_at + dt.timedelta(days=2), Party.EMPLOYER, ""))
        else:
            events.append((VisitStatus.PROPOSED, VisitStatus.ACCEPTED, proposed_at + dt.timedelta(days=1), Party.EMPLOYER, ""))
            events.append((VisitStatus.ACCEPTED, VisitStatus.CONFIRMED, proposed_at + dt.timedelta(days=2), Party.PROJECT_LEADER, ""))
            roll = rng.random()
            if roll < 0.08:
                visit.status = VisitStatus.CANCELLED
                visit.cancelled_by = rng.choice([Party.PARTICIPANT, Party.EMPLOYER])
                events.append((VisitStatus.CONFIRMED, VisitStatus.CANCELLED, start - dt.timedelta(days=1), visit.cancelled_by, "Sjukdom"))
            elif roll < 0.08 + 0.12 * (1.3 - fit):
                visit.status = VisitStatus.NO_SHOW
                events.append((VisitStatus.CONFIRMED, VisitStatus.NO_SHOW, end + dt.timedelta(hours=2), Party.PROJECT_LEADER, ""))
            else:
                visit.status = VisitStatus.COMPLETED
                # Most visits last as planned; a few end early or run late (not counted).
                actual = rng.choices([planned, 3.5, 8.5, planned - 0.5], weights=[0.86, 0.06, 0.03, 0.05])[0]
                actual = max(actual, 3.0)
                visit.actual_start = start
                visit.actual_end = start + dt.timedelta(hours=actual)
                events.append((VisitStatus.CONFIRMED, VisitStatus.COMPLETED, end + dt.timedelta(hours=3), Party.PROJECT_LEADER, ""))
                overall = max(1, min(5, round(1 + 4 * fit + rng.uniform(-1, 1))))
                session.add(
                    Feedback(
                        visit=visit, attended=True, punctuality=rng.randint(3, 5), interest=overall,
                        overall=overall, strengths="Nyfiken och ställde bra frågor.",
                        to_develop="Öva på att ta egna initiativ.", would_welcome_again=overall >= 3,
                        further_interest=rng.choices(list(FurtherInterest), weights=[0.6, 0.3, 0.1])[0],
                        message_to_participant="Tack för besöket – välkommen tillbaka!",
                        filled_by_name=offer.supervisor_name,
                    )
                )
        for frm, to, at, party, reason in events:
            visit.events.append(VisitEvent(from_status=frm, to_status=to, at=at, by_party=party, by=pl if party == Party.PROJECT_LEADER else None, reason=reason))
        session.add(visit)
        busy.setdefault(candidate.id, []).append((start, end))
        count += 1
    # Upcoming visits: some waiting for the employer, some accepted, some confirmed.
    upcoming = rng.sample(active, k=min(25, len(active)))
    for i, candidate in enumerate(upcoming):
        offer = rng.choice(live_offers)
        day = _workday(rng, today + dt.timedelta(days=3), today + dt.timedelta(days=30))
        start = _local(day, offer.window_start.hour)
        end = start + dt.timedelta(hours=float(offer.hours))
        if not free(candidate, start, end):
            continue
        status = [VisitStatus.PROPOSED, VisitStatus.ACCEPTED, VisitStatus.CONFIRMED][i % 3]
        visit = Visit(
            candidate=candidate, offer=offer, start_at=start, end_at=end, visit_date=day, status=status,
            supervisor_name=offer.supervisor_name, supervisor_email=offer.supervisor_email, proposed_by=pl,
        )
        now = clock.now() - dt.timedelta(days=1)
        chain = [VisitStatus.PROPOSED, VisitStatus.ACCEPTED, VisitStatus.CONFIRMED]
        previous = None
        for step in chain[: chain.index(status) + 1]:
            party = Party.EMPLOYER if step == VisitStatus.ACCEPTED else Party.PROJECT_LEADER
            visit.events.append(VisitEvent(from_status=previous, to_status=step, at=now, by_party=party, by=pl if party == Party.PROJECT_LEADER else None))
            previous = step
        session.add(visit)
        busy.setdefault(candidate.id, []).append((start, end))
        count += 1
    return count


def _backdate(session: Session, version_class: type, owner_column: Any, owner_id: int, moment: dt.datetime) -> None:
    """Move the change the listener just recorded (models/profiles.py) to `moment`: the new version
    starts and the one before ends then."""
    newest, previous = session.scalars(
        sa.select(version_class).where(owner_column == owner_id).order_by(version_class.valid_from.desc(),
                                                                          version_class.id.desc()).limit(2))
    newest.valid_from = previous.valid_to = moment
    session.flush()


def _profile_changes(session: Session, rng: random.Random, since: dt.datetime) -> int:
    """Profiles that changed after the fact, as they do: after some good visits (feedback 4 or 5)
    the participant's Swedish was raised a step and the visited field added to the interests, a
    week after the visit; a few offers moved their window later in the day after a visit. The
    ranker must learn from the profiles as they were (docs/ranker-as-of.md). The demo's history
    starts with the programme (`since`), its visits even before some referrals: the profiles as
    seeded are the first versions from then."""
    session.execute(sa.update(CandidateProfileVersion).values(valid_from=since)
                    .execution_options(synchronize_session="fetch"))
    good = session.execute(
        sa.select(Visit, Candidate).join(Candidate, Candidate.id == Visit.candidate_id).join(Feedback)
        .where(Visit.status == VisitStatus.COMPLETED, Feedback.overall >= 4).order_by(Visit.actual_end, Visit.id)
    ).all()
    changes = 0
    for visit, candidate in good:
        moment = visit.actual_end + dt.timedelta(days=7)
        latest = session.scalar(sa.select(sa.func.max(CandidateProfileVersion.valid_from))
                                .where(CandidateProfileVersion.candidate_id == candidate.id))
        if rng.random() >= 0.4 or moment >= clock.now() or (latest is not None and moment <= latest):
            continue
        field_slug = str(getattr(visit.offer.field, "value", visit.offer.field))  # an enum once loaded
        if candidate.swedish_level == 6 and field_slug in candidate.interests:
            continue  # nothing left to raise
        candidate.swedish_level = min(6, candidate.swedish_level + 1)
        if field_slug not in candidate.interests:
            candidate.interests = [f for f in FIELD_SLUGS if f in candidate.interests or f == field_slug]
        session.flush()
        _backdate(session, CandidateProfileVersion, CandidateProfileVersion.candidate_id, candidate.id, moment)
        changes += 1
    moved: set[int] = set()
    for visit, _candidate in good:
        offer = visit.offer
        moment = visit.actual_end + dt.timedelta(days=3)
        if offer.id in moved or rng.random() >= 0.15 or moment >= clock.now() or offer.window_end.hour >= 18:
            continue
        offer.window_start = dt.time(offer.window_start.hour + 1, 0)
        offer.window_end = dt.time(offer.window_end.hour + 1, 0)
        session.flush()
        _backdate(session, OfferProfileVersion, OfferProfileVersion.offer_id, offer.id, moment)
        moved.add(offer.id)
        changes += 1
    return changes


def _activities(
    session: Session, rng: random.Random, candidates: list[Candidate], pl: User, programme: Programme, today: dt.date
) -> int:
    titles = {
        ActivityType.STADIUM_VISIT: ("Visning av Olympia", "Olympia, Helsingborg"),
        ActivityType.MATCH_HOST_SHADOWING: ("Skugga matchvärdar på hemmamatch", "Olympia, Helsingborg"),
        ActivityType.ASSOCIATION_ACTIVITY: ("Föreningskväll", "Föreningshuset"),
        ActivityType.WELLNESS: ("Promenadfotboll", "Planen vid Olympia"),
    }
    count = 0
    day = programme.starts_on
    while day < today + dt.timedelta(days=30):
        for kind, (title, place) in titles.items():
            if rng.random() < 0.5:
                continue
            when = _workday(rng, day, day + dt.timedelta(days=27))
            start = _local(when, 17 if kind == ActivityType.MATCH_HOST_SHADOWING else 13)
            activity = Activity(
                type=kind, title=title, starts_at=start, ends_at=start + dt.timedelta(hours=3),
                place=place, capacity=rng.choice([10, 15, 20]), responsible=pl,
            )
            past = when < today
            for candidate in rng.sample(candidates, k=rng.randint(4, 10)):
                status = (
                    rng.choices([AttendanceStatus.ATTENDED, AttendanceStatus.ABSENT], weights=[0.85, 0.15])[0]
                    if past else AttendanceStatus.REGISTERED
                )
                activity.participants.append(ActivityParticipant(candidate=candidate, status=status))
            session.add(activity)
            count += 1
        day += dt.timedelta(days=28)
    return count


def default_surveys() -> list[Survey]:
    """The workplace visit's standard questionnaires for participants and companies (before and
    after) as new rows, not yet in a session."""
    return [s for s in standard_surveys() if s.questionnaire in (WORKPLACE_PARTICIPANT, WORKPLACE_COMPANY)]


def _surveys(session: Session) -> None:
    install_missing(session)  # the migration installs them; a database made from the models has none


