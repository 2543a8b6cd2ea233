"""The budget followed like the agreement's table: budget lines and financing per agreement
year, actual costs per line and month (typed in or imported from the ledger), and the follow-up
the steering report shows.

The follow-up, as of a day `today`:
- Costs are followed by whole months: "to date" means up to `through`, the last day of the
  latest month that has ended (today itself on a month's last day), clipped to the period.
- Budget to date, per line: each agreement year's amount × the share of that year's days up to
  `through`, rounded half up to whole kronor; the total is the sum of the lines.
- Spent to date: the actual costs of the months up to `through`.
- Deviation = spent − budget to date, in kronor and in percent of the budget to date. It is
  significant when it is more than the threshold (10 % unless the programme says otherwise)
  either way, or when a line without budget has costs: the agreement asks the parties to
  discuss and approve significant deviations from the plan and the budget. Nothing is flagged
  before the first cost is recorded (the follow-up has not started).
- Forecast for the current agreement year: what it has cost so far + the year's budget for the
  days after `through` (outcome so far, and the budget for the rest).
- Cost per person reached: spent to date / persons counted toward the goal (none before any
  cost is recorded or any person counted).
Financing covers the budget when, for each agreement year, the parties' financing is at least
the sum of the year's lines.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Any, Optional

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ..accounts import Organisation, User
from ..budget import DEFAULT_DEVIATION_THRESHOLD_PCT, ActualCost, BudgetFunding, BudgetLine, BudgetSettings
from ..clock import local_today
from ..enums import BudgetLineKind, CostSource
from ..programme import Programme
from . import vocabularies
from .errors import N_, DomainError, Message
from .periods import (
    AgreementYear,
    agreement_years,
    last_complete_month_end,
    month_start,
    year_of,
)
from .spreadsheet import (
    CellInvalid,
    ColumnSpec,
    Preview,
    RowError,
    RowReader,
    RowValues,
    Table,
    parse_choice,
    parse_date,
    parse_decimal,
    validate_rows,
)

LINES: tuple[BudgetLineKind, ...] = tuple(BudgetLineKind)
TOTAL = "total"


def format_sek(amount: int) -> str:
    """1241000 → '1 241 000' (for the few amounts a domain message names)."""
    return f"{amount:,}".replace(",", "\u00a0")


def _round(value: Fraction) -> int:
    """Half up, to whole kronor (exact: no float error in a sum of many months)."""
    return int((value + Fraction(1, 2)) // 1)


# --- the plan: lines and financing per agreement year ----------------------------------------
@dataclass
class YearPlan:
    year: AgreementYear
    amounts: dict[BudgetLineKind, int]
    funding: list[tuple[Organisation, int]]

    @property
    def total(self) -> int:
        return sum(self.amounts.values())

    @property
    def funding_total(self) -> int:
        return sum(amount for _org, amount in self.funding)

    @property
    def covered(self) -> bool:
        return self.funding_total >= self.total

    @property
    def planned(self) -> bool:
        return bool(self.amounts or self.funding)


def budget_plan(session: Session, programme: Programme) -> list[YearPlan]:
    """Every agreement year of the period with its lines and financing (empty where none yet)."""
    plans = {y.number: YearPlan(y, {}, []) for y in agreement_years(programme.starts_on, programme.ends_on)}
    for row in session.scalars(sa.select(BudgetLine).where(BudgetLine.programme_id == programme.id)):
        if row.year in plans:
            plans[row.year].amounts[row.line] = row.amount_sek
    for row in session.scalars(
        sa.select(BudgetFunding).join(Organisation).where(BudgetFunding.programme_id == programme.id)
        .order_by(Organisation.name)
    ):
        if row.year in plans:
            plans[row.year].funding.append((row.organisation, row.amount_sek))
    for plan in plans.values():
        plan.amounts = {line: plan.amounts[line] for line in LINES if line in plan.amounts}
    return list(plans.values())


def line_field(line: BudgetLineKind) -> str:
    """The form field of a line's amount (errors name it)."""
    return f"line_{line.value}"


def funding_field(organisation_id: int) -> str:
    return f"funding_{organisation_id}"


def save_year(
    session: Session,
    programme: Programme,
    year: int,
    amounts: Mapping[BudgetLineKind, Optional[int]],
    funding: Mapping[int, Optional[int]],
) -> None:
    """Set one agreement year's lines and financing (None removes a line or a party's share).
    Nothing changes when an amount is negative or the financing does not cover the budget."""
    years = agreement_years(programme.starts_on, programme.ends_on)
    if not 1 <= year <= len(years):
        raise DomainError("År %(year)s ligger utanför avtalsperioden.", year=year)
    for line, amount in amounts.items():
        if amount is not None and amount < 0:
            raise DomainError("Beloppet kan inte vara negativt.", field=line_field(line))
    parties = {o.id for o in programme.parties}
    for org_id, amount in funding.items():
        if amount is not None and amount < 0:
            raise DomainError("Finansieringen kan inte vara negativ.", field=funding_field(org_id))
        if amount and org_id not in parties:
            raise DomainError("Bara parterna i överenskommelsen kan finansiera.", field=funding_field(org_id))
    budget = sum(a or 0 for a in amounts.values())
    financed = sum(a or 0 for a in funding.values())
    if financed < budget:
        raise DomainError(
            "Finansieringen år %(year)s (%(funding)s kr) täcker inte budgeten (%(budget)s kr). Parternas "
            "finansiering måste vara minst lika stor som budgeten.",
            field="funding", year=year, funding=format_sek(financed), budget=format_sek(budget),
        )
    lines = {r.line: r for r in session.scalars(
        sa.select(BudgetLine).where(BudgetLine.programme_id == programme.id, BudgetLine.year == year)
    )}
    for line, amount in amounts.items():
        _put(session, lines.get(line), amount, lambda line=line: BudgetLine(  # type: ignore[misc]
            programme_id=programme.id, year=year, line=line, amount_sek=0))
    shares = {r.organisation_id: r for r in session.scalars(
        sa.select(BudgetFunding).where(BudgetFunding.programme_id == programme.id, BudgetFunding.year == year)
    )}
    for org_id, amount in funding.items():
        _put(session, shares.get(org_id), amount or None, lambda org_id=org_id: BudgetFunding(  # type: ignore[misc]
            programme_id=programme.id, year=year, organisation_id=org_id, amount_sek=0))
    session.flush()


def _put(session: Session, row: Any, amount: Optional[int], new: Any) -> Any:
    """Give `row` (or a `new()` one) the amount; remove it when the amount is None."""
    if amount is None:
        if row is not None:
            session.delete(row)
        return None
    if row is None:
        row = new()
        session.add(row)
    row.amount_sek = amount
    return row


def deviation_threshold(session: Session, programme: Programme) -> int:
    settings = session.get(BudgetSettings, programme.id)
    return settings.deviation_threshold_pct if settings else DEFAULT_DEVIATION_THRESHOLD_PCT


def set_deviation_threshold(session: Session, programme: Programme, percent: Optional[int]) -> None:
    if percent is None or not 1 <= percent <= 100:
        raise DomainError("Ange tröskeln i hela procent, från 1 till 100.", field="threshold_pct")
    settings = session.get(BudgetSettings, programme.id)
    if settings is None:
        settings = BudgetSettings(programme_id=programme.id)
        session.add(settings)
    settings.deviation_threshold_pct = percent
    session.flush()


# --- actual costs ------------------------------------------------------------------------------
def recordable_months(programme: Programme, today: Optional[dt.date] = None) -> tuple[dt.date, dt.date]:
    """The first and last month (first days) costs may be recorded for: the period's months that
    have begun."""
    today = today or local_today()
    return month_start(programme.starts_on), month_start(min(today, programme.ends_on))


def _month_problem(programme: Programme, month: dt.date, today: dt.date) -> Optional[Message]:
    first, last = recordable_months(programme, today)
    if month < first or month_start(month) > month_start(programme.ends_on):
        return N_("Månaden ligger utanför avtalsperioden (%(start)s – %(end)s).",
                  start=programme.starts_on.isoformat(), end=programme.ends_on.isoformat())
    if month > last:
        return N_("Månaden %(month)s har inte börjat än.", month=f"{month:%Y-%m}")
    return None


def month_costs(session: Session, programme: Programme) -> dict[dt.date, dict[BudgetLineKind, ActualCost]]:
    """Every recorded cost, by month (in order) and line."""
    costs: dict[dt.date, dict[BudgetLineKind, ActualCost]] = {}
    for cost in session.scalars(
        sa.select(ActualCost).where(ActualCost.programme_id == programme.id).order_by(ActualCost.month, ActualCost.id)
    ):
        costs.setdefault(cost.month, {})[cost.line] = cost
    return costs


def record_costs(
    session: Session,
    programme: Programme,
    month: dt.date,
    amounts: Mapping[BudgetLineKind, Optional[int]],
    *,
    by: Optional[User],
    source: CostSource = CostSource.MANUAL,
    today: Optional[dt.date] = None,
) -> None:
    """Set what each line cost in `month` (None removes the line's figure for the month)."""
    month = month_start(month)
    problem = _month_problem(programme, month, today or local_today())
    if problem is not None:
        raise DomainError(problem, field="month")
    for line, amount in amounts.items():
        if amount is not None and amount < 0:
            raise DomainError("Kostnaden kan inte vara negativ.", field=line_field(line))
    existing = {c.line: c for c in session.scalars(
        sa.select(ActualCost).where(ActualCost.programme_id == programme.id, ActualCost.month == month)
    )}
    for line, amount in amounts.items():
        row = existing.get(line)
        if row is not None and amount == row.amount_sek:
            continue  # unchanged: keeps who recorded it and how
        row = _put(session, row, amount, lambda line=line: ActualCost(  # type: ignore[misc]
            programme_id=programme.id, line=line, month=month, amount_sek=0))
        if row is not None:
            row.source, row.recorded_by = source, by
    session.flush()


# --- importing the ledger ----------------------------------------------------------------------
LEDGER_COLUMNS: list[ColumnSpec] = [
    ColumnSpec(
        "month", "Månad", True, N_("Månaden kostnaden hör till: ÅÅÅÅ-MM, eller verifikationens datum ÅÅÅÅ-MM-DD."),
        "2026-03", aliases=("Datum", "Period", "Bokföringsdatum", "Verifikationsdatum"),
    ),
    ColumnSpec(
        "line", "Budgetpost", True,
        N_("En av: %(choices)s.", choices=vocabularies.BUDGET_LINE.listing()),
        "projektledare", aliases=("Kostnadsslag", "Post"),
    ),
    ColumnSpec(
        "amount", "Belopp", True, N_("Kronor, med eller utan öre. En kreditering skrivs med minus."), "47500,00",
        aliases=("Belopp (kr)", "Summa", "Kronor"),
    ),
    ColumnSpec("text", "Text", False, N_("Verifikationens text (läses inte in)."), "Lön mars",
               aliases=("Beskrivning", "Verifikationstext")),
]
LINE_NAMES = vocabularies.BUDGET_LINE  # the names a budget line has in files and messages
_AMOUNT_HEADERS = {h.casefold() for h in ("Belopp", *LEDGER_COLUMNS[2].aliases)}
_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")
_ORE = Decimal("0.01")


@dataclass(frozen=True)
class LedgerRow:
    month: dt.date
    line: BudgetLineKind
    amount_ore: int


@dataclass(frozen=True)
class LedgerTotal:
    """What the import sets: one line's cost in one month, the sum of the file's rows for it."""

    month: dt.date
    line: BudgetLineKind
    amount_sek: int
    rows: int


def parse_month(value: Any) -> dt.date:
    text = str(value or "").strip()
    found = _MONTH.match(text)
    fix = N_("Skriv månaden som ÅÅÅÅ-MM, t.ex. 2026-03, eller ett datum som ÅÅÅÅ-MM-DD.")
    if found and 1 <= int(found.group(2)) <= 12:
        return dt.date(int(found.group(1)), int(found.group(2)), 1)
    try:
        day = parse_date(text, required=True, what=N_("Månaden"))
    except CellInvalid:
        raise CellInvalid(N_("«%(value)s» är inte en månad.", value=text[:40]), fix) from None
    assert day is not None  # noqa: S101 (required=True)
    return month_start(day)


class _LedgerRowValidator:
    def __init__(self, programme: Programme, today: dt.date):
        self.programme = programme
        self.today = today

    def __call__(self, values: RowValues) -> LedgerRow:
        r = RowReader(values)
        month = r.get("month", parse_month)
        if month is not None and (problem := _month_problem(self.programme, month, self.today)) is not None:
            r.add("month", problem, N_("Rätta datumet eller ta bort raden."))
        line = r.get("line", parse_choice, LINE_NAMES, what=N_("Budgetposten"))
        amount = r.get("amount", parse_decimal, minimum=-100_000_000, maximum=100_000_000, required=True,
                       what=N_("Beloppet"))
        r.done()
        ore = (Decimal(repr(amount)) / _ORE).quantize(Decimal(1), rounding=ROUND_HALF_UP)
        return LedgerRow(month, BudgetLineKind(line), int(ore))  # type: ignore[arg-type]  # checked by done()


def preview_ledger(programme: Programme, table: Table, *, today: Optional[dt.date] = None) -> Preview[LedgerRow]:
    """Check every row of a ledger export; nothing is stored. Rows of one line and month are
    added up; a sum below zero (more credited than booked) is an error on each of its rows."""
    preview = validate_rows(table, LEDGER_COLUMNS, _LedgerRowValidator(programme, today or local_today()))
    groups: dict[tuple[dt.date, BudgetLineKind], int] = defaultdict(int)
    for valid in preview.valid_rows:
        groups[(valid.value.month, valid.value.line)] += valid.value.amount_ore
    negative = {key for key, ore in groups.items() if ore < 0}
    if negative:
        header = next((h for h in table.headers if h and h.strip().casefold() in _AMOUNT_HEADERS), "Belopp")
        for valid in [v for v in preview.valid_rows if (v.value.month, v.value.line) in negative]:
            preview.valid_rows.remove(valid)
            total = f"{groups[(valid.value.month, valid.value.line)] / 100:.2f}".replace(".", ",")
            preview.errors.append(RowError(
                valid.row, header,
                N_("Summan för %(line)s %(month)s blir negativ (%(sum)s kr).", line=LINE_NAMES.label(valid.value.line),
                   month=f"{valid.value.month:%Y-%m}", sum=total),
                N_("En månads kostnad för en budgetpost kan inte vara mindre än noll. Kontrollera krediteringarna."),
            ))
        preview.errors.sort(key=lambda e: e.row)
    return preview


def ledger_totals(preview: Preview[LedgerRow]) -> list[LedgerTotal]:
    """The figures an import sets: per month and line, the file's rows added up, in kronor."""
    sums: dict[tuple[dt.date, BudgetLineKind], list[int]] = defaultdict(lambda: [0, 0])
    for valid in preview.valid_rows:
        cell = sums[(valid.value.month, valid.value.line)]
        cell[0] += valid.value.amount_ore
        cell[1] += 1
    return [
        LedgerTotal(month, line, (ore + 50) // 100, rows)
        for (month, line), (ore, rows) in sorted(sums.items(), key=lambda kv: (kv[0][0], LINES.index(kv[0][1])))
    ]


def import_ledger(
    session: Session, programme: Programme, preview: Preview[LedgerRow], *, by: Optional[User],
    today: Optional[dt.date] = None,
) -> list[LedgerTotal]:
    """Set the cost of every line and month in the file to the file's sum for it — all or
    nothing: a single row with an error and nothing is stored. Lines and months the file does
    not mention keep what is recorded."""
    if preview.errors:
        raise DomainError(
            "%(n)s rader i filen har fel. Rätta dem och ladda upp filen igen: ingenting har importerats.",
            field="file", n=preview.rows_with_errors,
        )
    totals = ledger_totals(preview)
    if not totals:
        raise DomainError("Filen har inga kostnader att importera.", field="file")
    by_month: dict[dt.date, dict[BudgetLineKind, Optional[int]]] = defaultdict(dict)
    for total in totals:
        by_month[total.month][total.line] = total.amount_sek
    for month, amounts in by_month.items():
        record_costs(session, programme, month, amounts, by=by, source=CostSource.IMPORT, today=today)
    return totals


# --- the follow-up in the steering report ------------------------------------------------------
@dataclass
class LineFigures:
    """One line (or the total) of the follow-up. Amounts in whole kronor."""

    line: str  # a BudgetLineKind value, or "total"
    budget_to_date_sek: int
    spent_to_date_sek: int
    year_budget_sek: int
    year_spent_sek: int
    year_forecast_sek: int
    significant: bool

    @property
    def deviation_sek(self) -> int:
        return self.spent_to_date_sek - self.budget_to_date_sek

    @property
    def deviation_share(self) -> Optional[float]:
        """The deviation as a share of the budget to date (0.125 is 12.5 %); None without budget."""
        return self.deviation_sek / self.budget_to_date_sek if self.budget_to_date_sek else None

    def to_dict(self) -> dict[str, Any]:
        share = self.deviation_share
        return {
            "line": self.line,
            "budget_to_date_sek": self.budget_to_date_sek,
            "spent_to_date_sek": self.spent_to_date_sek,
            "deviation_sek": self.deviation_sek,
            "deviation_pct": None if share is None else round(share * 100, 1),
            "significant_deviation": self.significant,
            "year_budget_sek": self.year_budget_sek,
            "year_spent_sek": self.year_spent_sek,
            "year_forecast_sek": self.year_forecast_sek,
        }


@dataclass
class FundingFigures:
    organisation: str  # the party's short name
    year_amount_sek: int


@dataclass
class BudgetFigures:
    through: Optional[dt.date]  # costs are followed up to this day (None: no month has ended)
    threshold_pct: int
    year: int  # the current agreement year
    year_start: dt.date
    year_end: dt.date
    lines: list[LineFigures]
    total: LineFigures
    funding: list[FundingFigures]  # the current year's
    uncovered_years: list[int]  # agreement years whose financing does not cover the budget
    has_costs: bool
    cost_per_person_sek: Optional[int]
    significant_lines: list[str] = field(default_factory=list)  # lines (or "total") beyond the threshold

    @property
    def significant(self) -> bool:
        return bool(self.significant_lines)

    @property
    def funding_total_sek(self) -> int:
        return sum(f.year_amount_sek for f in self.funding)

    def to_dict(self) -> dict[str, Any]:
        return {
            "through": None if self.through is None else self.through.isoformat(),
            "deviation_threshold_pct": self.threshold_pct,
            "significant_deviation": self.significant,
            "year": {
                "number": self.year,
                "start": self.year_start.isoformat(),
                "end": self.year_end.isoformat(),
                "budget_sek": self.total.year_budget_sek,
                "funding_sek": self.funding_total_sek,
                "spent_sek": self.total.year_spent_sek,
                "forecast_sek": self.total.year_forecast_sek,
            },
            "lines": [line.to_dict() for line in self.lines],
            "total": self.total.to_dict(),
            "funding": [{"organisation": f.organisation, "year_amount_sek": f.year_amount_sek} for f in self.funding],
            "funding_covers_budget": not self.uncovered_years,
            "uncovered_years": list(self.uncovered_years),
            "cost_per_person_sek": self.cost_per_person_sek,
        }


def is_significant(budget: int, spent: int, threshold_pct: int) -> bool:
    """More than `threshold_pct` percent from the budget, either way (exact, in integers); any
    cost on a line without budget."""
    if budget == 0:
        return spent != 0
    return abs(spent - budget) * 100 > threshold_pct * budget


def budget_figures(
    session: Session, programme: Programme, *, today: Optional[dt.date] = None, persons: int = 0
) -> BudgetFigures:
    """The follow-up of the budget as of `today`, for `persons` counted toward the goal."""
    today = today or local_today()
    years = agreement_years(programme.starts_on, programme.ends_on)
    plans = budget_plan(session, programme)
    current = year_of(years, today)
    through: Optional[dt.date] = min(last_complete_month_end(today), programme.ends_on)
    if through is not None and through < programme.starts_on:
        through = None
    threshold = deviation_threshold(session, programme)

    spent: dict[BudgetLineKind, int] = defaultdict(int)
    year_spent: dict[BudgetLineKind, int] = defaultdict(int)
    has_costs = False
    if through is not None:
        for line, month, amount in session.execute(
            sa.select(ActualCost.line, ActualCost.month, ActualCost.amount_sek).where(
                ActualCost.programme_id == programme.id, ActualCost.month <= through
            )
        ):
            has_costs = True
            spent[line] += amount
            if year_of(years, max(month, programme.starts_on)).number == current.number:
                year_spent[line] += amount

    lines = []
    elapsed_in_current = current.days_until(through) if through is not None else 0
    for line in LINES:
        to_date = _round(sum(
            (Fraction(plan.amounts.get(line, 0) * plan.year.days_until(through), plan.year.days) for plan in plans),
            Fraction(0),
        )) if through is not None else 0
        year_budget = plans[current.number - 1].amounts.get(line, 0)
        rest = _round(Fraction(year_budget * (current.days - elapsed_in_current), current.days))
        lines.append(LineFigures(
            line.value, to_date, spent[line], year_budget, year_spent[line], year_spent[line] + rest,
            has_costs and is_significant(to_date, spent[line], threshold),
        ))
    total = LineFigures(
        TOTAL, *(sum(getattr(f, name) for f in lines) for name in (
            "budget_to_date_sek", "spent_to_date_sek", "year_budget_sek", "year_spent_sek", "year_forecast_sek"
        )), significant=False,
    )
    total.significant = has_costs and is_significant(total.budget_to_date_sek, total.spent_to_date_sek, threshold)
    spent_total = total.spent_to_date_sek
    return BudgetFigures(
        through=through,
        threshold_pct=threshold,
        year=current.number,
        year_start=current.start,
        year_end=current.end,
        lines=lines,
        total=total,
        funding=[FundingFigures(org.short_name, amount) for org, amount in plans[current.number - 1].funding],
        uncovered_years=[p.year.number for p in plans if p.planned and not p.covered],
        has_costs=has_costs,
        cost_per_person_sek=_round(Fraction(spent_total, persons)) if persons and has_costs else None,
        significant_lines=[f.line for f in [*lines, total] if f.significant],
    )

