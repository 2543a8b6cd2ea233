"""The company network: companies, their contacts and workplace-visit offers with every rule an
offer must meet, and the network's quarterly capacity computed in aggregate SQL."""

from __future__ import annotations

import datetime as dt
import enum
import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any, Optional

import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from ..clock import CalendarQuarter as Quarter
from ..companies import Company, Contact, Offer
from ..enums import (
    FIELD_SLUGS,
    LIVE_VISIT_STATUSES,
    WEEKDAYS,
    CompanyStatus,
    Field,
    GoalKind,
    Network,
    SizeClass,
    VisitStatus,
)
from ..identity import InvalidOrgNumber, normalise_org_number
from ..programme import Programme
from ..visits import Visit
from . import fields, vocabularies
from .errors import N_, Conflict, DomainError, Message
from .spreadsheet import (
    CellInvalid,
    ColumnSpec,
    Preview,
    RowDuplicate,
    RowReader,
    RowValues,
    Table,
    parse_bool,
    parse_choice,
    parse_text,
    store_all,
    validate_rows,
)

MIN_VISIT_HOURS = 4
MAX_VISIT_HOURS = 8
STALE_MESSAGE = N_(
    "Någon annan har ändrat uppgifterna medan du redigerade. Ladda om sidan och gör ändringen igen."
)


# --- values shared by the forms, the import and the API ---------------------------------------
@dataclass
class CompanyData:
    name: str
    org_number: str
    size_class: SizeClass | str
    network: Network | str
    status: CompanyStatus | str = CompanyStatus.PROSPECT
    industry: str = ""
    address: str = ""
    postcode: str = ""
    city: str = ""
    lat: Optional[float] = None
    lon: Optional[float] = None
    notes: str = ""


@dataclass
class ContactData:
    name: str
    title: str = ""
    email: str = ""
    phone: str = ""
    is_supervisor: bool = False


@dataclass
class OfferData:
    title: str
    field: Field | str
    window_start: Optional[dt.time]
    window_end: Optional[dt.time]
    supervisor_name: str
    supervisor_email: str
    weekdays: Sequence[str] = ("mon", "tue", "wed", "thu", "fri")
    languages: Sequence[str] = ("sv",)
    hours: Any = 6
    capacity_per_day: Any = 1
    capacity_per_quarter: Any = 3
    min_swedish_level: Any = 0
    description: str = ""
    accessible: bool = False
    supervisor_phone: str = ""
    address: str = ""
    lat: Optional[float] = None
    lon: Optional[float] = None
    active: bool = True


# --- small validators --------------------------------------------------------------------------
def _text(value: Optional[str], field_name: str, label: Message, *, max_len: int, required: bool = False) -> str:
    text = (value or "").strip()
    if required and not text:
        raise DomainError("Ange %(label)s.", field=field_name, label=label)
    if len(text) > max_len:
        raise DomainError("För %(label)s får du skriva högst %(n)s tecken.", field=field_name, label=label, n=max_len)
    return text


def _choice(enum_cls: type[Any], value: Any, field_name: str, message: Message) -> Any:
    try:
        return enum_cls(value)
    except ValueError:
        raise DomainError(message, field=field_name) from None


def _email(value: Optional[str], field_name: str, *, required: bool) -> str:
    email = fields.checked(fields.email_address, value, field=field_name)
    if required and not email:
        raise DomainError("Ange en e-postadress.", field=field_name)
    return email or ""


def _coordinates(lat: Optional[float], lon: Optional[float]) -> tuple[Optional[float], Optional[float]]:
    reader = RowReader({"lat": lat, "lon": lon})
    coordinates = fields.read_coordinates(reader)
    if reader.problems:
        raise DomainError(reader.problems[0].message, field=reader.problems[0].key)
    return coordinates


def _whole_number(value: Any, field_name: str, label: Message) -> int:
    try:
        number = Decimal(str(value).strip().replace(",", "."))
    except (InvalidOperation, ValueError):
        raise DomainError("%(label)s ska vara ett heltal.", field=field_name, label=label) from None
    if number != number.to_integral_value():
        raise DomainError("%(label)s ska vara ett heltal.", field=field_name, label=label)
    return int(number)


def _check_version(obj: Any, expected_version: Optional[int]) -> None:
    if expected_version is not None and obj.version != expected_version:
        raise Conflict(STALE_MESSAGE, code="stale")


def _flush(session: Session) -> None:
    try:
        session.flush()
    except StaleDataError:
        raise Conflict(STALE_MESSAGE, code="stale") from None


# --- companies ---------------------------------------------------------------------------------
def _company_values(session: Session, data: CompanyData, company: Optional[Company] = None) -> dict[str, Any]:
    name = _text(data.name, "name", N_("företagets namn"), max_len=200, required=True)
    try:
        org_number = normalise_org_number((data.org_number or "").strip())
    except InvalidOrgNumber:
        raise DomainError(
            "Organisationsnumret är inte giltigt. Skriv tio siffror, t.ex. 556036-0793, och kontrollera "
            "den sista siffran.",
            field="org_number",
        ) from None
    clash = sa.select(Company.id).where(Company.org_number == org_number)
    if company is not None:
        clash = clash.where(Company.id != company.id)
    if session.scalar(clash) is not None:
        raise DomainError(
            "Det finns redan ett företag med organisationsnummer %(org_number)s.",
            field="org_number",
            org_number=org_number,
        )
    lat, lon = _coordinates(data.lat, data.lon)
    return {
        "name": name,
        "org_number": org_number,
        "size_class": _choice(SizeClass, data.size_class, "size_class", N_("Välj företagets storlek.")),
        "network": _choice(Network, data.network, "network", N_("Välj vilket nätverk företaget hör till.")),
        "status": _choice(CompanyStatus, data.status, "status", N_("Välj en status för företaget.")),
        "industry": _text(data.industry, "industry", N_("bransch"), max_len=120),
        "address": _text(data.address, "address", N_("adress"), max_len=200),
        "postcode": fields.checked(fields.postcode, data.postcode, field="postcode") or "",
        "city": _text(data.city, "city", N_("ort"), max_len=100),
        "lat": lat,
        "lon": lon,
        "notes": (data.notes or "").strip(),
    }


def create_company(session: Session, data: CompanyData) -> Company:
    company = Company(**_company_values(session, data))
    session.add(company)
    session.flush()
    return company


def update_company(
    session: Session, company: Company, data: CompanyData, *, expected_version: Optional[int] = None
) -> Company:
    _check_version(company, expected_version)
    for key, value in _company_values(session, data, company).items():
        setattr(company, key, value)
    _flush(session)
    return company


# --- contacts ----------------------------------------------------------------------------------
def _contact_values(data: ContactData) -> dict[str, Any]:
    return {
        "name": _text(data.name, "name", N_("kontaktpersonens namn"), max_len=200, required=True),
        "title": _text(data.title, "title", N_("roll eller titel"), max_len=120),
        "email": _email(data.email, "email", required=False),
        "phone": _text(data.phone, "phone", N_("telefonnummer"), max_len=40),
        "is_supervisor": bool(data.is_supervisor),
    }


def add_contact(session: Session, company: Company, data: ContactData) -> Contact:
    contact = Contact(company=company, **_contact_values(data))
    session.add(contact)
    session.flush()
    return contact


def update_contact(session: Session, contact: Contact, data: ContactData) -> Contact:
    for key, value in _contact_values(data).items():
        setattr(contact, key, value)
    session.flush()
    return contact


def remove_contact(session: Session, contact: Contact) -> None:
    session.delete(contact)
    session.flush()


# --- offers ------------------------------------------------------------------------------------
def _weekdays(values: Sequence[str]) -> list[str]:
    days = [d.strip().lower() for d in values if d and d.strip()]
    unknown = [d for d in days if d not in WEEKDAYS]
    if unknown:
        raise DomainError(
            "Okänd veckodag: ”%(value)s”. Använd mon, tue, wed, thu, fri, sat eller sun.",
            field="weekdays",
            value=unknown[0],
        )
    if not days:
        raise DomainError("Välj minst en veckodag då besök kan tas emot.", field="weekdays")
    return [d for d in WEEKDAYS if d in days]


def _hours_and_window(data: OfferData) -> dict[str, Any]:
    """The visit's length (4–8 h) and the daily window it must fit in."""
    start, end = data.window_start, data.window_end
    if start is None:
        raise DomainError("Ange när besöken tidigast kan börja.", field="window_start")
    if end is None:
        raise DomainError("Ange när besöken senast ska vara slut.", field="window_end")
    if end <= start:
        raise DomainError(
            "Tidsfönstret slutar (%(end)s) innan det börjar (%(start)s). Ange en sluttid efter starttiden.",
            field="window_end",
            end=f"{end:%H:%M}",
            start=f"{start:%H:%M}",
        )
    try:
        hours = float(str(data.hours).strip().replace(",", "."))
    except ValueError:
        raise DomainError("Ange besökets längd i timmar, t.ex. 6.", field="hours") from None
    if not math.isfinite(hours) or not MIN_VISIT_HOURS <= hours <= MAX_VISIT_HOURS:
        raise DomainError(
            "Ett arbetsplatsbesök är %(min)s–%(max)s timmar. Ange en längd i det spannet.",
            field="hours",
            min=MIN_VISIT_HOURS,
            max=MAX_VISIT_HOURS,
        )
    if round(hours * 10) != hours * 10:
        raise DomainError("Ange längden med högst en decimal, t.ex. 6 eller 6,5.", field="hours")
    window = dt.datetime.combine(dt.date.min, end) - dt.datetime.combine(dt.date.min, start)
    if window.total_seconds() < hours * 3600:
        raise DomainError(
            "Tidsfönstret %(start)s–%(end)s är kortare än besökets längd (%(hours)s timmar).",
            field="window_end",
            start=f"{start:%H:%M}",
            end=f"{end:%H:%M}",
            hours=f"{hours:g}",
        )
    return {"window_start": start, "window_end": end, "hours": hours}


def _capacity(data: OfferData) -> dict[str, int]:
    per_day = _whole_number(data.capacity_per_day, "capacity_per_day", N_("Antal besökare per dag"))
    per_quarter = _whole_number(data.capacity_per_quarter, "capacity_per_quarter", N_("Antal besökare per kvartal"))
    if per_day <= 0:
        raise DomainError("Antal besökare per dag måste vara minst 1.", field="capacity_per_day")
    if per_quarter <= 0:
        raise DomainError("Antal besökare per kvartal måste vara minst 1.", field="capacity_per_quarter")
    if per_quarter < per_day:
        raise DomainError(
            "Antal besökare per kvartal kan inte vara färre än antal per dag.", field="capacity_per_quarter"
        )
    return {"capacity_per_day": per_day, "capacity_per_quarter": per_quarter}


def _offer_values(company: Company, data: OfferData) -> dict[str, Any]:
    if company.status == CompanyStatus.LEFT:
        raise DomainError("Företaget har lämnat nätverket och kan inte ha erbjudanden.", field="title")
    title = _text(data.title, "title", N_("en rubrik för erbjudandet"), max_len=200, required=True)
    field_slug = str(getattr(data.field, "value", data.field) or "").strip()
    if field_slug not in FIELD_SLUGS:
        raise DomainError("Välj ett yrkesområde ur listan.", field="field")
    level = _whole_number(data.min_swedish_level, "min_swedish_level", N_("Lägsta svenskanivå"))
    if not 0 <= level <= 6:
        raise DomainError("Lägsta svenskanivå ska vara mellan 0 (ingen) och 6 (C2).", field="min_swedish_level")
    languages = fields.checked(fields.languages, data.languages, field="languages")
    if not languages:
        raise DomainError("Ange minst ett språk som talas på arbetsplatsen.", field="languages")
    weekdays = _weekdays(data.weekdays)
    schedule = _hours_and_window(data)
    capacity = _capacity(data)
    lat, lon = _coordinates(data.lat, data.lon)
    return {
        "title": title,
        "field": Field(field_slug),
        "description": (data.description or "").strip(),
        "min_swedish_level": level,
        "languages": languages,
        "weekdays": weekdays,
        **schedule,
        **capacity,
        "accessible": bool(data.accessible),
        "supervisor_name": _text(
            data.supervisor_name, "supervisor_name", N_("handledarens namn"), max_len=200, required=True
        ),
        "supervisor_email": _email(data.supervisor_email, "supervisor_email", required=True),
        "supervisor_phone": _text(data.supervisor_phone, "supervisor_phone", N_("handledarens telefon"), max_len=40),
        "address": _text(data.address, "address", N_("adress"), max_len=200),
        "lat": lat,
        "lon": lon,
        "active": bool(data.active),
    }


def create_offer(session: Session, company: Company, data: OfferData) -> Offer:
    offer = Offer(company=company, **_offer_values(company, data))
    session.add(offer)
    session.flush()
    return offer


def update_offer(
    session: Session, offer: Offer, data: OfferData, *, expected_version: Optional[int] = None
) -> Offer:
    """Change an offer's terms; the company it belongs to never changes."""
    _check_version(offer, expected_version)
    for key, value in _offer_values(offer.company, data).items():
        setattr(offer, key, value)
    _flush(session)
    return offer


def set_offer_active(
    session: Session, offer: Offer, active: bool, *, expected_version: Optional[int] = None
) -> Offer:
    """Pause or resume an offer. Visits already booked stay; pausing only stops new bookings."""
    _check_version(offer, expected_version)
    if active and offer.company.status == CompanyStatus.LEFT:
        raise DomainError("Företaget har lämnat nätverket; erbjudandet kan inte återupptas.")
    offer.active = active
    _flush(session)
    return offer


# --- quarters and capacity ---------------------------------------------------------------------
@dataclass
class CapacityRow:
    key: str
    label: str
    offered: int = 0
    booked: int = 0
    completed: int = 0

    @property
    def free(self) -> int:
        """Places left this quarter: offered minus those booked or already used."""
        return max(self.offered - self.booked - self.completed, 0)

    @property
    def over(self) -> bool:
        return self.booked + self.completed > self.offered


@dataclass
class GoalOutlook:
    """Can the network carry what is left of the goal at this quarter's offered capacity?"""

    target: int
    reached: Optional[int]  # None when no report of persons reached is available
    quarters_left: int
    offered_per_quarter: int

    @property
    def remaining(self) -> int:
        return max(self.target - (self.reached or 0), 0)

    @property
    def needed_per_quarter(self) -> int:
        return math.ceil(self.remaining / self.quarters_left) if self.quarters_left else self.remaining

    @property
    def can_carry(self) -> bool:
        return self.offered_per_quarter >= self.needed_per_quarter


@dataclass
class CapacityReport:
    quarter: Quarter
    by_company: list[CapacityRow]
    by_network: list[CapacityRow]
    by_field: list[CapacityRow]
    total: CapacityRow
    programme: Optional[Programme] = None
    outlook: Optional[GoalOutlook] = None
    notes: list[str] = field(default_factory=list)


def _offered(session: Session, keys: Sequence[Any]) -> dict[tuple[Any, ...], int]:
    query = (
        sa.select(*keys, sa.func.sum(Offer.capacity_per_quarter))
        .select_from(Offer)
        .join(Offer.company)
        .where(Offer.active.is_(True), Company.status == CompanyStatus.ACTIVE)
        .group_by(*keys)
    )
    return {tuple(row[:-1]): int(row[-1] or 0) for row in session.execute(query)}


def _visits(session: Session, keys: Sequence[Any], quarter: Quarter) -> dict[tuple[Any, ...], tuple[int, int]]:
    live = sa.func.sum(sa.case((Visit.status.in_(LIVE_VISIT_STATUSES), 1), else_=0))
    completed = sa.func.sum(sa.case((Visit.status == VisitStatus.COMPLETED, 1), else_=0))
    query = (
        sa.select(*keys, live, completed)
        .select_from(Visit)
        .where(Visit.visit_date.between(quarter.start, quarter.end),
               Visit.status.in_([*LIVE_VISIT_STATUSES, VisitStatus.COMPLETED]))
        .group_by(*keys)
    )
    if keys:  # the totals alone need no offer or company: every visit has one (foreign keys)
        query = query.join(Visit.offer).join(Offer.company)
    return {tuple(row[:-2]): (int(row[-2] or 0), int(row[-1] or 0)) for row in session.execute(query)}


def _rows(session: Session, keys: Sequence[Any], quarter: Quarter) -> list[CapacityRow]:
    """One row per group: offered capacity and the quarter's visits, two GROUP BY queries merged."""
    offered = _offered(session, keys)
    visits = _visits(session, keys, quarter)
    rows = []
    for key in offered.keys() | visits.keys():
        booked, completed = visits.get(key, (0, 0))
        rows.append(CapacityRow(_slug(key[0]), _slug(key[-1]), offered.get(key, 0), booked, completed))
    return rows


def _slug(value: Any) -> str:
    return str(value.value if isinstance(value, enum.Enum) else value)


def programme_for(session: Session, quarter: Quarter) -> Optional[Programme]:
    """The programme running in the quarter (the latest started, if periods overlap)."""
    return session.scalar(
        sa.select(Programme)
        .where(Programme.starts_on <= quarter.end, Programme.ends_on >= quarter.start)
        .order_by(Programme.starts_on.desc(), Programme.id.desc())
        .limit(1)
    )


def capacity_totals(session: Session, quarter: Quarter) -> CapacityRow:
    """The network's totals alone (the start page's panel), without the per-group breakdowns."""
    booked, completed = _visits(session, (), quarter).get((), (0, 0))
    return CapacityRow("total", "total", _offered(session, ()).get((), 0), booked, completed)


def network_capacity(session: Session, quarter: Quarter, *, reached: Optional[int] = None) -> CapacityReport:
    """Offered capacity (the quarterly capacity of active offers of active companies) against the
    quarter's booked (live) and completed visits, per company, network and field.

    `reached` is the number of persons already counted toward the goal (from the quarterly report);
    with it and a running programme, the outlook says whether the offers can carry the rest.
    """
    by_company = sorted(_rows(session, (Company.id, Company.name), quarter), key=lambda r: r.label.lower())
    by_network = _rows(session, (Company.network,), quarter)
    by_network.sort(key=lambda r: [n.value for n in Network].index(r.key))
    by_field = _rows(session, (Offer.field,), quarter)
    by_field.sort(key=lambda r: FIELD_SLUGS.index(r.key))
    total = CapacityRow(
        "total",
        "total",
        sum(r.offered for r in by_network),
        sum(r.booked for r in by_network),
        sum(r.completed for r in by_network),
    )
    programme = programme_for(session, quarter)
    outlook = None
    if programme is not None:
        goal = programme.goal(GoalKind.PERSONS_WORKPLACE_VISIT)
        if goal is not None:
            last = Quarter.of(programme.ends_on)
            outlook = GoalOutlook(
                target=goal.target,
                reached=reached,
                quarters_left=len(max(quarter, Quarter.of(programme.starts_on)).until(last)),
                offered_per_quarter=total.offered,
            )
    return CapacityReport(quarter, by_company, by_network, by_field, total, programme, outlook)


# --- the company import ------------------------------------------------------------------------
SIZE_WORDS = vocabularies.SIZE_CLASS
NETWORK_WORDS = vocabularies.NETWORK
STATUS_WORDS = vocabularies.COMPANY_STATUS


IMPORT_COLUMNS: list[ColumnSpec] = [
    ColumnSpec(
        "name", "Företagsnamn", True, N_("Företagets namn."), "Bageriet på hörnet AB", aliases=("Företag", "Namn")
    ),
    ColumnSpec(
        "org_number", "Organisationsnummer", True, N_("Tio siffror, med eller utan bindestreck."), "556036-0793",
        aliases=("Org.nr", "Orgnr", "Org nr"),
    ),
    ColumnSpec("industry", "Bransch", False, N_("Fritext."), "Livsmedel"),
    ColumnSpec(
        "size_class", "Storlek", True,
        N_("Antal anställda: 0-9, 10-49, 50-249 eller 250+ (eller mikro, liten, medel, stor)."),
        "10-49", aliases=("Storleksklass",),
    ),
    ColumnSpec("network", "Nätverk", True, N_("HIF, TH eller båda."), "HIF"),
    ColumnSpec("status", "Status", False, N_("möjlig, aktiv, pausad eller lämnat (tomt = möjlig)."), "aktiv"),
    ColumnSpec("address", "Gatuadress", False, N_("Besöksadress."), "Storgatan 1", aliases=("Adress",)),
    fields.POSTCODE_COLUMN,
    ColumnSpec("city", "Ort", False, N_("Ort."), "Helsingborg"),
    fields.LATITUDE_COLUMN,
    fields.LONGITUDE_COLUMN,
    ColumnSpec("contact_name", "Kontaktperson", False, N_("Namn på en kontaktperson (tomt går bra)."), "Hanna Berg"),
    ColumnSpec("contact_title", "Kontaktpersonens roll", False, N_("T.ex. HR-ansvarig."), "Butikschef"),
    ColumnSpec("contact_email", "Kontaktpersonens e-post", False, N_("E-postadress."), "hanna@bageriet.se"),
    ColumnSpec("contact_phone", "Kontaktpersonens telefon", False, N_("Telefonnummer."), "042-123 45"),
    ColumnSpec("contact_is_supervisor", "Kontaktpersonen kan vara handledare", False, N_("ja eller nej."), "ja"),
    ColumnSpec("notes", "Anteckningar", False, N_("Fritext för projektledaren."), ""),
]
_CONTACT_KEYS = ("contact_title", "contact_email", "contact_phone")


@dataclass(frozen=True)
class CompanyImportRow:
    company: CompanyData
    contact: Optional[ContactData]


def org_number_cell(value: Any) -> str:
    text = (value or "").strip()
    try:
        return normalise_org_number(text)
    except InvalidOrgNumber:
        raise CellInvalid(
            N_("«%(value)s» är inte ett giltigt organisationsnummer.", value=text[:20]),
            N_("Skriv tio siffror, t.ex. 556036-0793, och kontrollera den sista siffran."),
        ) from None


class CompanyRowValidator:
    """Checks one row of a company import: its values, that no earlier row has the same
    organisation number, and whether the company is already registered (a duplicate, shown apart)."""

    def __init__(self, session: Session):
        self.session = session
        self._rows_by_org: dict[str, int] = {}

    def __call__(self, values: RowValues) -> CompanyImportRow:
        r = RowReader(values)
        name = r.get("name", parse_text, required=True, max_length=200, what=N_("Företagsnamnet"))
        org_number = r.get("org_number", org_number_cell)
        size_class = r.get("size_class", parse_choice, SIZE_WORDS, what=N_("Storleken"))
        network = r.get("network", parse_choice, NETWORK_WORDS, what=N_("Nätverket"))
        status = r.get("status", parse_choice, STATUS_WORDS, required=False, what=N_("Statusen"))
        lat, lon = fields.read_coordinates(r)
        company = CompanyData(
            name=name or "",
            org_number=org_number or "",
            size_class=size_class or "",
            network=network or "",
            status=status or CompanyStatus.PROSPECT,
            industry=r.get("industry", parse_text, max_length=120, what="Branschen") or "",
            address=r.get("address", parse_text, max_length=200, what="Adressen") or "",
            postcode=r.get("postcode", fields.postcode) or "",
            city=r.get("city", parse_text, max_length=100, what="Orten") or "",
            lat=lat,
            lon=lon,
            notes=r.get("notes", parse_text, max_length=2000, what="Anteckningen") or "",
        )
        contact = self._contact(r, values)
        if org_number:
            earlier = self._rows_by_org.setdefault(org_number, values.number)
            if earlier != values.number:
                r.add(
                    "org_number",
                    N_("Organisationsnumret %(org_number)s finns redan på rad %(row)s i filen.",
                       org_number=org_number, row=earlier),
                    N_("Ta bort den ena raden."),
                )
        r.done()
        row = CompanyImportRow(company, contact)
        if self.session.scalar(sa.select(Company.id).where(Company.org_number == org_number)) is not None:
            raise RowDuplicate(
                N_("Ett företag med organisationsnummer %(org_number)s finns redan.", org_number=org_number), row
            )
        return row

    @staticmethod
    def _contact(r: RowReader, values: RowValues) -> Optional[ContactData]:
        contact_name = r.get("contact_name", parse_text, max_length=200, what="Kontaktpersonens namn")
        email = r.get("contact_email", fields.email_address)
        supervisor = r.get("contact_is_supervisor", parse_bool)
        others = [values.get(key, "") for key in _CONTACT_KEYS]
        if not contact_name:
            if any(others) and not r.has_problem("contact_name"):
                r.add(
                    "contact_name",
                    N_("Kontaktpersonens namn saknas."),
                    N_("Skriv namnet, eller töm kontaktkolumnerna."),
                )
            return None
        return ContactData(
            name=contact_name,
            title=r.get("contact_title", parse_text, max_length=120, what="Rollen") or "",
            email=email or "",
            phone=r.get("contact_phone", parse_text, max_length=40, what="Telefonnumret") or "",
            is_supervisor=bool(supervisor),
        )


def preview_import(
    session: Session, table: Table, *, progress: Optional[Callable[[Iterable[Any]], Iterable[Any]]] = None
) -> Preview[CompanyImportRow]:
    """Check every row of an uploaded file; nothing is stored."""
    return validate_rows(table, IMPORT_COLUMNS, CompanyRowValidator(session), progress=progress)


def import_companies(
    session: Session,
    preview: Preview[CompanyImportRow],
    *,
    skip_duplicates: bool = False,
    progress: Optional[Callable[[Iterable[Any]], Iterable[Any]]] = None,
) -> list[Company]:
    """Register every valid row's company (and its contact) — all or nothing: a row with an error,
    or companies already registered that were not explicitly skipped, and nothing is stored."""

    def store(row: CompanyImportRow) -> Company:
        company = create_company(session, row.company)
        if row.contact is not None:
            add_contact(session, company, row.contact)
        return company

    return store_all(
        preview, store, skip_duplicates=skip_duplicates, progress=progress,
        duplicates=N_(
            "%(n)s rader gäller företag som redan finns. Välj att hoppa över dem, eller ta "
            "bort dem ur filen. Ingenting har importerats."
        ),
        nothing=N_("Det finns inga nya företag att importera i filen."),
    )
