"""Companies' commitments: registering them (by hand, the API or a contract list), and what each
company has delivered against what it promised, counted from the product's own data.

What counts as delivered, per kind (docs/commitments.md says the same for people):
- visits: the company's workplace visits that count toward the goal (the counting rule,
  `reports.counting_visit`, docs/counting.md), dated by the visit's date;
- shadowing days: person-days at the company: those visits, plus attended places at the
  activities the company hosted (dated by the activity's local start date);
- internships and hires: clients the welfare officer recorded at the 3- or 6-month follow-up as
  interning or working at the company, each client once, on the first date so recorded.

A commitment promises a number per year. Over a window (the commitment's period, or its part
within one calendar year) it has promised that number times the window's length in years; by a
day, it should have delivered the share of the window that has passed (the pace). A company is
behind when it has delivered less than the whole number its pace asks for, for any kind.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Optional

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

from .. import clock
from ..commitments import Commitment, CommitmentPromise, CommitmentSettings, CommitmentSource, PromiseKind
from ..companies import Company, Offer
from ..enums import AttendanceStatus, FollowUpResult
from ..followup import FollowUp
from ..visits import Activity, ActivityParticipant, Visit
from . import vocabularies
from .companies import org_number_cell
from .errors import N_, DomainError
from .reports import counting_visit
from .spreadsheet import (
    ColumnSpec,
    Preview,
    RowDuplicate,
    RowReader,
    RowValues,
    Table,
    parse_choice,
    parse_date,
    parse_int,
    parse_text,
    store_all,
    validate_rows,
)

KINDS: tuple[PromiseKind, ...] = tuple(PromiseKind)
MAX_PER_YEAR = 10_000
MAX_BOOST_PCT = 20
REFERENCE_MAX = 60
DEPARTMENT_MAX = 120


class CommitmentInvalid(DomainError):
    """A commitment that breaks a rule (period, promises, reference)."""


# --- values shared by the form, the import and the API ---------------------------------------
@dataclass
class CommitmentData:
    company_id: int
    source: CommitmentSource | str
    reference: str
    department: str
    period_from: Optional[dt.date]
    period_to: Optional[dt.date]
    promises: dict[str, int] = field(default_factory=dict)  # kind -> per year
    notes: str = ""


def _checked(session: Session, data: CommitmentData, current: Optional[Commitment] = None) -> dict[str, Any]:
    try:
        source = CommitmentSource(data.source)
    except ValueError:
        raise CommitmentInvalid("Välj varifrån åtagandet kommer.", field="source") from None
    reference, department = data.reference.strip(), " ".join(data.department.split())
    if not reference:
        raise CommitmentInvalid("Ange avtalets referens (t.ex. avtalsnumret).", field="reference")
    if len(reference) > REFERENCE_MAX:
        raise CommitmentInvalid("Referensen får vara högst %(n)s tecken.", field="reference", n=REFERENCE_MAX)
    if not department:
        raise CommitmentInvalid("Ange förvaltningen som tecknade avtalet.", field="department")
    if len(department) > DEPARTMENT_MAX:
        raise CommitmentInvalid("Förvaltningens namn får vara högst %(n)s tecken.", field="department",
                                n=DEPARTMENT_MAX)
    if data.period_from is None:
        raise CommitmentInvalid("Ange när åtagandet börjar.", field="period_from")
    if data.period_to is None:
        raise CommitmentInvalid("Ange när åtagandet slutar.", field="period_to")
    if data.period_to < data.period_from:
        raise CommitmentInvalid("Åtagandet kan inte sluta innan det börjar.", field="period_to")
    promises = {}
    for kind, count in data.promises.items():
        try:
            kind = PromiseKind(kind)
        except ValueError:
            raise CommitmentInvalid("Okänt slag av åtagande: %(kind)s.", field="promises", kind=str(kind)) from None
        if count is None:
            continue
        if not isinstance(count, int) or not 0 <= count <= MAX_PER_YEAR:
            raise CommitmentInvalid("Antalet per år ska vara ett heltal från 0 till %(max)s.", field=kind.value,
                                    max=MAX_PER_YEAR)
        promises[kind] = count
    if not any(promises.values()):
        raise CommitmentInvalid("Ange vad företaget har lovat: minst ett antal per år.", field="promises")
    if session.get(Company, data.company_id) is None:
        raise CommitmentInvalid("Företaget finns inte.", field="company_id")
    clash = session.scalar(
        sa.select(Commitment.id).where(Commitment.department == department, Commitment.reference == reference)
    )
    if clash is not None and (current is None or clash != current.id):
        raise CommitmentInvalid(
            "%(department)s har redan ett åtagande med referensen %(reference)s.",
            field="reference", department=department, reference=reference,
        )
    return {
        "company_id": data.company_id, "source": source, "reference": reference, "department": department,
        "period_from": data.period_from, "period_to": data.period_to, "notes": data.notes.strip(),
        "promises": promises,
    }


def _apply(commitment: Commitment, values: dict[str, Any]) -> None:
    promises: dict[PromiseKind, int] = values.pop("promises")
    for key, value in values.items():
        setattr(commitment, key, value)
    existing = {p.kind: p for p in commitment.promises}
    for kind in KINDS:
        if kind in promises and promises[kind] > 0:
            if kind in existing:
                existing[kind].per_year = promises[kind]
            else:
                commitment.promises.append(CommitmentPromise(kind=kind, per_year=promises[kind]))
        elif kind in existing:
            commitment.promises.remove(existing[kind])


def create_commitment(session: Session, data: CommitmentData) -> Commitment:
    commitment = Commitment()
    _apply(commitment, _checked(session, data))
    session.add(commitment)
    session.flush()
    return commitment


def update_commitment(session: Session, commitment: Commitment, data: CommitmentData) -> Commitment:
    _apply(commitment, _checked(session, data, commitment))
    session.flush()
    return commitment


def delete_commitment(session: Session, commitment: Commitment) -> None:
    session.delete(commitment)
    session.flush()


def commitment_data(commitment: Commitment) -> CommitmentData:
    return CommitmentData(
        company_id=commitment.company_id, source=commitment.source, reference=commitment.reference,
        department=commitment.department, period_from=commitment.period_from, period_to=commitment.period_to,
        promises={p.kind.value: p.per_year for p in commitment.promises}, notes=commitment.notes,
    )


# --- progress ----------------------------------------------------------------------------------
def years_in(first: dt.date, last: dt.date) -> float:
    """The window's length in years: each calendar year's days in it over that year's days, so
    a whole calendar year (leap or not) is exactly one."""
    total = 0.0
    for year in range(first.year, last.year + 1):
        start, end = max(first, dt.date(year, 1, 1)), min(last, dt.date(year, 12, 31))
        total += ((end - start).days + 1) / ((dt.date(year, 12, 31) - dt.date(year, 1, 1)).days + 1)
    return total


@dataclass(frozen=True)
class KindProgress:
    kind: PromiseKind
    per_year: int
    promised: float  # over the window
    expected: float  # by today, at an even pace
    delivered: int

    @property
    def due(self) -> int:
        """The whole number the pace asks for by today."""
        return math.floor(self.expected + 1e-9)

    @property
    def behind(self) -> bool:
        return self.delivered < self.due

    @property
    def share(self) -> Optional[float]:
        """Delivered as a share of the whole window's promise."""
        return self.delivered / self.promised if self.promised else None


@dataclass(frozen=True)
class Progress:
    commitment: Commitment
    first: dt.date  # the window
    last: dt.date
    elapsed: float  # the share of the window that has passed by today, 0–1
    kinds: list[KindProgress]

    @property
    def behind(self) -> bool:
        return any(k.behind for k in self.kinds)

    @property
    def company(self) -> Company:
        return self.commitment.company


def window(commitment: Commitment, year: Optional[int] = None) -> Optional[tuple[dt.date, dt.date]]:
    """The commitment's period, or its part within calendar `year` (None when it has none)."""
    first, last = commitment.period_from, commitment.period_to
    if year is not None:
        first, last = max(first, dt.date(year, 1, 1)), min(last, dt.date(year, 12, 31))
    return (first, last) if first <= last else None


def _elapsed(first: dt.date, last: dt.date, today: dt.date) -> float:
    days = (last - first).days + 1
    return min(max((today - first).days + 1, 0), days) / days


DatedCounts = dict[int, list[tuple[dt.date, int]]]  # company id -> (day, count)


def _delivered_by_company(session: Session, company_ids: Sequence[int], first: dt.date, last: dt.date
                          ) -> dict[PromiseKind, DatedCounts]:
    """Per kind and company, what was delivered on each day from `first` to `last`: four
    queries whatever the number of commitments."""
    found: dict[PromiseKind, DatedCounts] = {kind: defaultdict(list) for kind in KINDS}
    if not company_ids:
        return found
    visits = session.execute(
        sa.select(Offer.company_id, Visit.visit_date, sa.func.count())
        .join(Offer, Offer.id == Visit.offer_id)
        .where(Offer.company_id.in_(company_ids), counting_visit(), Visit.visit_date.between(first, last))
        .group_by(Offer.company_id, Visit.visit_date)
    )
    for company_id, day, count in visits:
        found[PromiseKind.VISITS][company_id].append((day, count))
        found[PromiseKind.SHADOWING_DAYS][company_id].append((day, count))
    start, end = clock.local_day_bounds(first, last)
    attended = session.execute(
        sa.select(Activity.company_id, Activity.starts_at, sa.func.count())
        .join(ActivityParticipant, ActivityParticipant.activity_id == Activity.id)
        .where(Activity.company_id.in_(company_ids), ActivityParticipant.status == AttendanceStatus.ATTENDED,
               Activity.starts_at >= start, Activity.starts_at < end)
        .group_by(Activity.id, Activity.company_id, Activity.starts_at)
    )
    for company_id, starts_at, count in attended:
        found[PromiseKind.SHADOWING_DAYS][company_id].append((clock.local_date(starts_at), count))
    placed = session.execute(
        sa.select(FollowUp.company_id, FollowUp.result, FollowUp.candidate_id, sa.func.min(FollowUp.recorded_on))
        .where(FollowUp.company_id.in_(company_ids),
               FollowUp.result.in_([FollowUpResult.JOB, FollowUpResult.INTERNSHIP]))
        .group_by(FollowUp.company_id, FollowUp.result, FollowUp.candidate_id)
    )
    for company_id, result, _candidate, day in placed:
        kind = PromiseKind.HIRES if result == FollowUpResult.JOB else PromiseKind.INTERNSHIPS
        if first <= day <= last:
            found[kind][company_id].append((day, 1))
    return found


def progress(
    session: Session, commitments: Sequence[Commitment], *, today: dt.date, year: Optional[int] = None
) -> list[Progress]:
    """Each commitment's promise and delivery over its window (see `window`); commitments with no
    part in `year` are left out."""
    windows = {c.id: window(c, year) for c in commitments}
    shown = [c for c in commitments if windows[c.id] is not None]
    if not shown:
        return []
    first = min(windows[c.id][0] for c in shown)  # type: ignore[index]
    last = max(windows[c.id][1] for c in shown)  # type: ignore[index]
    delivered = _delivered_by_company(session, sorted({c.company_id for c in shown}), first, last)
    rows = []
    for c in shown:
        start, end = windows[c.id]  # type: ignore[misc]
        elapsed, years = _elapsed(start, end, today), years_in(start, end)
        kinds = []
        for promise in sorted(c.promises, key=lambda p: KINDS.index(p.kind)):
            promised = promise.per_year * years
            done = sum(n for day, n in delivered[promise.kind].get(c.company_id, []) if start <= day <= end)
            kinds.append(KindProgress(promise.kind, promise.per_year, promised, promised * elapsed, done))
        rows.append(Progress(c, start, end, elapsed, kinds))
    return rows


def _commitments(session: Session, *conditions: sa.ColumnElement[bool]) -> list[Commitment]:
    return list(session.scalars(
        sa.select(Commitment).join(Commitment.company).where(*conditions)
        .options(selectinload(Commitment.promises), selectinload(Commitment.company))
        .order_by(Company.name, Commitment.period_from, Commitment.id)
    ))


def department_progress(
    session: Session, department: Optional[str], *, today: dt.date, year: Optional[int] = None,
    scope: sa.ColumnElement[bool] = sa.true(),
) -> list[Progress]:
    """Every commitment signed by `department` (None: every department), company by company."""
    conditions = [scope] if department is None else [scope, Commitment.department == department]
    return progress(session, _commitments(session, *conditions), today=today, year=year)


def company_progress(session: Session, company: Company, *, today: dt.date) -> list[Progress]:
    return progress(session, _commitments(session, Commitment.company_id == company.id), today=today)


def departments(session: Session, scope: sa.ColumnElement[bool] = sa.true()) -> list[tuple[str, int]]:
    """The contracting departments with their number of commitments, by name."""
    return [(name, count) for name, count in session.execute(
        sa.select(Commitment.department, sa.func.count()).join(Commitment.company).where(scope)
        .group_by(Commitment.department).order_by(Commitment.department)
    )]


def years_of(session: Session) -> list[int]:
    """The calendar years any commitment runs in (for the page's choice of year)."""
    first, last = session.execute(
        sa.select(sa.func.min(Commitment.period_from), sa.func.max(Commitment.period_to))
    ).one()
    return list(range(first.year, last.year + 1)) if first and last else []


def companies_behind(session: Session, *, today: dt.date) -> set[int]:
    """Companies with a commitment running today that is behind its pace."""
    running = _commitments(session, Commitment.period_from <= today, Commitment.period_to >= today)
    return {row.commitment.company_id for row in progress(session, running, today=today) if row.behind}


# --- the recommendations' boost ----------------------------------------------------------------
def settings(session: Session) -> CommitmentSettings:
    row = session.get(CommitmentSettings, 1)
    if row is None:
        row = CommitmentSettings(id=1, ranking_boost_pct=0)
    return row


def set_ranking_boost(session: Session, percent: Optional[int], *, by: Any) -> CommitmentSettings:
    if percent is None or not 0 <= percent <= MAX_BOOST_PCT:
        raise CommitmentInvalid("Vikten ska vara ett heltal från 0 till %(max)s.", field="ranking_boost_pct",
                                max=MAX_BOOST_PCT)
    row = settings(session)
    row.ranking_boost_pct, row.updated_by_id = percent, getattr(by, "id", None)
    session.add(row)
    session.flush()
    return row


BEHIND_REASON = N_("Företaget ligger efter sitt åtagande")


def boost_behind(session: Session, items: list[Any], *, today: dt.date) -> list[Any]:
    """Re-rank recommended offers after the model's score: those of a company behind on its
    commitment are ranked as if their score were higher by the project leader's weight (0: the
    list is left as it is), and get a reason saying so. The score shown stays the model's.
    `items` have `id` (the offer's), `score` and `reasons`."""
    boost = settings(session).ranking_boost_pct
    if not boost or not items:
        return items
    behind = companies_behind(session, today=today)
    if not behind:
        return items
    company_of = dict(session.execute(
        sa.select(Offer.id, Offer.company_id).where(Offer.id.in_([item.id for item in items]))
    ).all())
    boosted = {item.id for item in items if company_of.get(item.id) in behind}
    for item in items:
        if item.id in boosted:
            item.reasons.append(BEHIND_REASON)
    return sorted(items, key=lambda item: -(item.score + (boost / 100 if item.id in boosted else 0)))


def boost_behind_scores(session: Session, scores: pd.DataFrame, *, today: dt.date) -> pd.DataFrame:
    """The quarterly planner's pairs with the same preference: the score of a pair whose offer
    belongs to a company behind on its commitment is raised by the project leader's weight, and
    the pair gets the reason. `scores` has `offer_id` (as text, the interchange form), `score`
    and `reasons`; with the weight at 0 it is returned as it is."""
    boost = settings(session).ranking_boost_pct
    if not boost or scores.empty:
        return scores
    behind = companies_behind(session, today=today)
    if not behind:
        return scores
    offers = {str(offer_id) for offer_id in session.scalars(sa.select(Offer.id).where(Offer.company_id.in_(behind)))}
    boosted = scores["offer_id"].astype(str).isin(offers)
    if not boosted.any():
        return scores
    scores = scores.copy()
    scores.loc[boosted, "score"] = scores.loc[boosted, "score"] + boost / 100
    scores.loc[boosted, "reasons"] = scores.loc[boosted, "reasons"].map(lambda reasons: [*reasons, BEHIND_REASON])
    return scores


# --- the contract-list import ------------------------------------------------------------------
PER_YEAR_HELP = N_("Antal per år, ett heltal (tomt = inget lovat av det slaget).")

IMPORT_COLUMNS: list[ColumnSpec] = [
    ColumnSpec("org_number", "Organisationsnummer", True,
               N_("Företagets organisationsnummer; företaget ska redan finnas i nätverket."), "556036-0793",
               aliases=("Org.nr", "Orgnr", "Org nr", "Leverantörens organisationsnummer")),
    ColumnSpec("reference", "Avtalsnummer", True, N_("Avtalets nummer eller annan referens."), "FGK-2026-104",
               aliases=("Referens", "Diarienummer", "Avtal")),
    ColumnSpec("department", "Förvaltning", True, N_("Förvaltningen som tecknade avtalet."),
               "Fastighets- och gatukontoret", aliases=("Avtalstecknande förvaltning", "Beställare")),
    ColumnSpec("source", "Grund", True,
               N_("upphandling, markavtal (mark, tomträtt, arrende), social överenskommelse eller frivilligt."),
               "upphandling", aliases=("Källa", "Typ")),
    ColumnSpec("period_from", "Från", True, N_("Första dagen, ÅÅÅÅ-MM-DD."), "2026-01-01",
               aliases=("Startdatum", "Avtalet börjar")),
    ColumnSpec("period_to", "Till", True, N_("Sista dagen, ÅÅÅÅ-MM-DD."), "2027-12-31",
               aliases=("Slutdatum", "Avtalet slutar")),
    ColumnSpec("visits", "Besök per år", False, PER_YEAR_HELP, "6", aliases=("Arbetsplatsbesök per år",)),
    ColumnSpec("shadowing_days", "Skuggningsdagar per år", False, PER_YEAR_HELP, "10"),
    ColumnSpec("internships", "Praktikplatser per år", False, PER_YEAR_HELP, "2", aliases=("Praktik per år",)),
    ColumnSpec("hires", "Anställningar per år", False, PER_YEAR_HELP, "1"),
    ColumnSpec("notes", "Anteckningar", False, N_("Fritext för projektledaren."), ""),
]


@dataclass(frozen=True)
class CommitmentImportRow:
    company_name: str
    data: CommitmentData


class CommitmentRowValidator:
    """One row of a contract list: its values, the company (by organisation number), no earlier
    row with the same department and reference, and whether that contract is already registered
    (a duplicate, shown apart)."""

    def __init__(self, session: Session):
        self.session = session
        self._companies: dict[str, tuple[int, str]] = {
            org: (cid, name) for cid, org, name in session.execute(sa.select(Company.id, Company.org_number,
                                                                               Company.name))
        }
        self._rows: dict[tuple[str, str], int] = {}

    def __call__(self, values: RowValues) -> CommitmentImportRow:
        r = RowReader(values)
        org_number = r.get("org_number", org_number_cell)
        reference = r.get("reference", parse_text, required=True, max_length=REFERENCE_MAX, what=N_("Avtalsnumret"))
        department = r.get("department", parse_text, required=True, max_length=DEPARTMENT_MAX,
                           what=N_("Förvaltningen"))
        source = r.get("source", parse_choice, vocabularies.COMMITMENT_SOURCE, what=N_("Grunden"))
        first = r.get("period_from", parse_date, required=True, what=N_("Startdatumet"))
        last = r.get("period_to", parse_date, required=True, what=N_("Slutdatumet"))
        promises = {kind.value: r.get(kind.value, parse_int, minimum=0, maximum=MAX_PER_YEAR, required=False,
                                      what=N_("Antalet")) for kind in KINDS}
        notes = r.get("notes", parse_text, max_length=2000, what=N_("Anteckningen")) or ""
        company = self._companies.get(org_number or "")
        if org_number and company is None:
            r.add("org_number", N_("Inget företag med organisationsnummer %(org_number)s finns i nätverket.",
                                   org_number=org_number),
                  N_("Registrera företaget först (eller importera företagen), eller rätta numret."))
        if first and last and last < first:
            r.add("period_to", N_("Slutdatumet ligger före startdatumet."), N_("Rätta datumen."))
        if not any(promises.values()) and not any(r.has_problem(kind.value) for kind in KINDS):
            r.add("visits", N_("Raden säger inte vad företaget har lovat."),
                  N_("Skriv ett antal per år i minst en av kolumnerna för besök, skuggningsdagar, praktik och "
                     "anställningar."))
        department = " ".join((department or "").split())
        if reference and department:
            earlier = self._rows.setdefault((department, reference), values.number)
            if earlier != values.number:
                r.add("reference", N_("Avtalsnumret %(reference)s för %(department)s finns redan på rad %(row)s "
                                      "i filen.", reference=reference, department=department, row=earlier),
                      N_("Ta bort den ena raden."))
        r.done()
        company_id, company_name = company or (0, "")  # r.done() refused a row without a company
        row = CommitmentImportRow(company_name, CommitmentData(
            company_id=company_id, source=source or "", reference=reference or "", department=department,
            period_from=first, period_to=last, promises={k: v for k, v in promises.items() if v}, notes=notes,
        ))
        stored = self.session.scalar(
            sa.select(Commitment.id).where(Commitment.department == department, Commitment.reference == reference)
        )
        if stored is not None:
            raise RowDuplicate(N_("%(department)s har redan ett åtagande med avtalsnummer %(reference)s.",
                                  department=department, reference=reference), row)
        return row


def preview_import(
    session: Session, table: Table, *, progress: Optional[Callable[[Iterable[Any]], Iterable[Any]]] = None
) -> Preview[CommitmentImportRow]:
    """Check every row of a contract list; nothing is stored."""
    return validate_rows(table, IMPORT_COLUMNS, CommitmentRowValidator(session), progress=progress)


def import_commitments(
    session: Session,
    preview: Preview[CommitmentImportRow],
    *,
    skip_duplicates: bool = False,
    progress: Optional[Callable[[Iterable[Any]], Iterable[Any]]] = None,
) -> list[Commitment]:
    """Register every valid row's commitment, all or nothing (`spreadsheet.store_all`)."""
    return store_all(
        preview, lambda row: create_commitment(session, row.data), skip_duplicates=skip_duplicates,
        progress=progress,
        duplicates=N_("%(n)s rader gäller avtal som redan är registrerade. Välj att hoppa över dem, eller ta "
                      "bort dem ur filen. Ingenting har importerats."),
        nothing=N_("Det finns inga nya åtaganden att importera i filen."),
    )
