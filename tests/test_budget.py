"""The budget followed like the agreement's table (issue #21, section 2): lines and financing per
agreement year, actual costs typed in or imported from the ledger (all or nothing), the
follow-up in the steering report (deviation, forecast, cost per person from actual costs), the
API, and who may see and change it."""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

import openpyxl
import pytest
import sqlalchemy as sa

from models import ActualCost, BudgetFunding, BudgetLine
from models.enums import BudgetLineKind, CostSource, OrganisationKind, VisitStatus
from models.operations import budget as ops
from models.operations.errors import DomainError
from models.operations.periods import agreement_years, last_complete_month_end, shift_months
from models.operations.reports import quarterly_report
from models.operations.spreadsheet import read_table

from .test_api_support import assert_problem

pytest_plugins = ("tests.test_api_support", "tests.partnership")

PL, CO, OH, INFO, TRAVEL = (
    BudgetLineKind.PROJECT_LEADER, BudgetLineKind.CO_WORKER, BudgetLineKind.OVERHEAD, BudgetLineKind.INFORMATION,
    BudgetLineKind.TRAVEL,
)
AGREEMENT_TABLE = {PL: 570_000, CO: 489_000, OH: 120_000, INFO: 50_000, TRAVEL: 12_000}


@pytest.fixture
def agreement(make, parties) -> Any:
    """The agreement of the seed text: 2020-01-01 – 2022-12-31, HIF and AMF financing."""
    programme = make.programme(name="IOP Jobbskuggning", starts_on=dt.date(2020, 1, 1), ends_on=dt.date(2022, 12, 31))
    programme.parties = list(parties.values())
    make.session.flush()
    return programme


def _financing(parties, hif: int = 241_000, amf: int = 1_000_000) -> dict[int, int]:
    return {parties["HIF"].id: hif, parties["AMF"].id: amf}


# --- the plan ----------------------------------------------------------------------------------
def test_agreement_years_are_twelve_months_from_the_start_clipped_to_the_period() -> None:
    years = agreement_years(dt.date(2020, 1, 1), dt.date(2022, 12, 31))
    assert [(y.number, y.start, y.end) for y in years] == [
        (1, dt.date(2020, 1, 1), dt.date(2020, 12, 31)),
        (2, dt.date(2021, 1, 1), dt.date(2021, 12, 31)),
        (3, dt.date(2022, 1, 1), dt.date(2022, 12, 31)),
    ]
    clipped = agreement_years(dt.date(2025, 10, 1), dt.date(2027, 3, 31))
    assert [(y.start, y.end) for y in clipped] == [
        (dt.date(2025, 10, 1), dt.date(2026, 9, 30)), (dt.date(2026, 10, 1), dt.date(2027, 3, 31)),
    ]
    assert shift_months(dt.date(2022, 8, 31), -6) == dt.date(2022, 2, 28)
    assert last_complete_month_end(dt.date(2026, 12, 7)) == dt.date(2026, 11, 30)
    assert last_complete_month_end(dt.date(2026, 11, 30)) == dt.date(2026, 11, 30)


def test_the_agreement_table_adds_up_and_the_financing_covers_it(db, agreement, parties) -> None:
    ops.save_year(db, agreement, 1, AGREEMENT_TABLE, _financing(parties))
    db.commit()
    plan = ops.budget_plan(db, agreement)[0]
    assert plan.total == 1_241_000 == 570_000 + 489_000 + 120_000 + 50_000 + 12_000
    assert plan.funding_total == 1_241_000 == 241_000 + 1_000_000
    assert plan.covered
    assert [(org.short_name, amount) for org, amount in plan.funding] == [("AMF", 1_000_000), ("HIF", 241_000)]
    assert db.scalar(sa.select(sa.func.count()).select_from(BudgetLine)) == 5


def test_financing_that_does_not_cover_the_budget_is_refused_and_nothing_is_saved(db, agreement, parties) -> None:
    with pytest.raises(DomainError) as refused:
        ops.save_year(db, agreement, 1, AGREEMENT_TABLE, _financing(parties, amf=999_999))
    assert refused.value.field == "funding"
    assert "täcker inte budgeten" in str(refused.value) and "1\u00a0241\u00a0000" in str(refused.value)
    db.rollback()
    assert db.scalar(sa.select(sa.func.count()).select_from(BudgetLine)) == 0
    assert db.scalar(sa.select(sa.func.count()).select_from(BudgetFunding)) == 0


@pytest.mark.parametrize("case", ["negative line", "negative financing", "not a party"])
def test_negative_amounts_and_financing_by_others_than_the_parties_are_refused(db, make, agreement, parties,
                                                                                 case) -> None:
    outsider = make.organisation(name="Någon annan", short_name="X", kind=OrganisationKind.FOUNDATION)
    amounts, funding, field = {
        "negative line": ({PL: -1}, {}, "line_project_leader"),
        "negative financing": ({}, {parties["HIF"].id: -5}, f"funding_{parties['HIF'].id}"),
        "not a party": ({}, {outsider.id: 10}, f"funding_{outsider.id}"),
    }[case]
    with pytest.raises(DomainError) as refused:
        ops.save_year(db, agreement, 1, amounts, funding)
    assert refused.value.field == field


# --- actual costs ------------------------------------------------------------------------------
@pytest.mark.now("2022-03-10T10:00:00+01:00")
def test_costs_are_recorded_per_line_and_month_and_replaced(db, make, agreement) -> None:
    pl = make.user("project_leader")
    ops.record_costs(db, agreement, dt.date(2022, 2, 14), {PL: 47_500, TRAVEL: 800}, by=pl)
    ops.record_costs(db, agreement, dt.date(2022, 2, 1), {PL: 48_000, TRAVEL: None}, by=pl)
    db.commit()
    costs = ops.month_costs(db, agreement)
    assert {line: c.amount_sek for line, c in costs[dt.date(2022, 2, 1)].items()} == {PL: 48_000}
    for month, message in [
        (dt.date(2022, 4, 1), "har inte börjat än"),
        (dt.date(2019, 12, 1), "utanför avtalsperioden"),
    ]:
        with pytest.raises(DomainError, match=message):
            ops.record_costs(db, agreement, month, {PL: 1}, by=pl)
    with pytest.raises(DomainError, match="negativ"):
        ops.record_costs(db, agreement, dt.date(2022, 3, 1), {PL: -1}, by=pl)


# --- the follow-up -----------------------------------------------------------------------------
@pytest.fixture
def year_2026(make, parties) -> Any:
    """A one-year programme (365 days) whose project-leader line is 365 000 kr: 1 000 kr a day."""
    programme = make.programme(starts_on=dt.date(2026, 1, 1), ends_on=dt.date(2026, 12, 31))
    programme.parties = list(parties.values())
    make.session.flush()
    ops.save_year(make.session, programme, 1, {PL: 365_000, TRAVEL: 36_500}, {parties["AMF"].id: 401_500})
    return programme


@pytest.mark.now("2026-07-15T12:00:00+02:00")
@pytest.mark.parametrize(("spent", "significant"), [(199_100, False), (199_101, True), (162_900, False),
                                                    (162_899, True)])
def test_a_deviation_of_more_than_ten_percent_either_way_is_significant(db, year_2026, spent, significant) -> None:
    """Costs are followed to 30 June (181 days): budget to date 181 000; 10 % is 18 100."""
    months = [dt.date(2026, m, 1) for m in range(1, 7)]
    for i, month in enumerate(months):
        share = spent // 6 + (spent % 6 if i == 0 else 0)
        ops.record_costs(db, year_2026, month, {PL: share, TRAVEL: 3_000}, by=None)
    ops.record_costs(db, year_2026, dt.date(2026, 7, 1), {PL: 999_999}, by=None)  # July has not ended: not counted
    figures = ops.budget_figures(db, year_2026, today=dt.date(2026, 7, 15))
    line = figures.lines[0]
    assert figures.through == dt.date(2026, 6, 30)
    assert (line.line, line.budget_to_date_sek, line.spent_to_date_sek) == ("project_leader", 181_000, spent)
    assert line.significant is significant
    assert ("project_leader" in figures.significant_lines) is significant
    travel = next(f for f in figures.lines if f.line == "travel")
    assert travel.budget_to_date_sek == 18_100 and travel.spent_to_date_sek == 18_000 and not travel.significant
    # forecast for the year: spent so far + the budget for the 184 days left
    assert line.year_forecast_sek == spent + 184_000
    assert figures.total.budget_to_date_sek == 181_000 + 18_100


@pytest.mark.now("2026-07-15T12:00:00+02:00")
def test_the_threshold_is_the_programme_s_and_a_line_without_budget_with_costs_is_flagged(db, year_2026) -> None:
    ops.record_costs(db, year_2026, dt.date(2026, 3, 1), {PL: 181_000 + 27_000, INFO: 10, TRAVEL: 18_100}, by=None)
    figures = ops.budget_figures(db, year_2026)
    assert figures.significant_lines == ["project_leader", "information", "total"]
    ops.set_deviation_threshold(db, year_2026, 15)
    figures = ops.budget_figures(db, year_2026)
    assert figures.threshold_pct == 15 and figures.significant_lines == ["information"]
    with pytest.raises(DomainError, match="från 1 till 100"):
        ops.set_deviation_threshold(db, year_2026, 0)


@pytest.mark.now("2026-07-15T12:00:00+02:00")
def test_cost_per_person_comes_from_actual_spending(db, make, year_2026) -> None:
    for day in (dt.date(2026, 2, 10), dt.date(2026, 5, 12)):
        make.visit(day=day, status=VisitStatus.COMPLETED, actual_hours=6)
    ops.record_costs(db, year_2026, dt.date(2026, 1, 1), {PL: 60_000, TRAVEL: 1_001}, by=None)
    ops.record_costs(db, year_2026, dt.date(2026, 2, 1), {PL: 40_000}, by=None)
    db.commit()
    report = quarterly_report(db, year_2026)
    assert report.totals.persons == 2
    assert report.budget is not None and report.budget.cost_per_person_sek == 50_501  # 101 001 / 2, half up
    assert report.cost_per_person_sek != 50_501  # the estimate from the budget stays as it was
    data = report.to_dict()["budget"]
    assert data["cost_per_person_sek"] == 50_501
    assert data["total"]["spent_to_date_sek"] == 101_001
    assert data["year"] == {
        "number": 1, "start": "2026-01-01", "end": "2026-12-31", "budget_sek": 401_500, "funding_sek": 401_500,
        "spent_sek": 101_001, "forecast_sek": 101_001 + 184_000 + 18_400,
    }
    assert data["funding_covers_budget"] is True


def test_before_any_cost_there_is_no_cost_per_person(db, make, year_2026) -> None:
    make.visit(day=dt.date(2026, 2, 10), status=VisitStatus.COMPLETED, actual_hours=6)
    figures = ops.budget_figures(db, year_2026, today=dt.date(2026, 7, 15), persons=1)
    assert figures.cost_per_person_sek is None and not figures.has_costs
    assert figures.significant_lines == []  # the follow-up starts with the first recorded cost


# --- the ledger import -------------------------------------------------------------------------
LEDGER = [
    ("Datum", "Budgetpost", "Belopp", "Text"),
    ("2022-01-25", "Projektledare", "47 500,00", "Lön januari"),
    ("2022-01-31", "projektledare", "1250,50", "Förmåner"),
    ("2022-01-12", "Resekostnader", "812,40", "Tåg Malmö"),
    ("2022-01-20", "Resekostnader", "-112,40", "Kreditering"),
    ("2022-02", "OH-kostnader", "10000", "Hyra"),
]


def _csv(rows: list[tuple[str, ...]]) -> bytes:
    buffer = io.StringIO(newline="")
    csv.writer(buffer, delimiter=";").writerows(rows)
    return buffer.getvalue().encode("utf-8")


def _xlsx(rows: list[tuple[str, ...]]) -> bytes:
    workbook = openpyxl.Workbook()
    for row in rows:
        workbook.active.append(list(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@pytest.mark.now("2022-03-10T10:00:00+01:00")
@pytest.mark.parametrize(("name", "write"), [("huvudbok.csv", _csv), ("huvudbok.xlsx", _xlsx)])
def test_a_ledger_export_is_read_back_summed_per_line_and_month(db, agreement, name, write) -> None:
    preview = ops.preview_ledger(agreement, read_table(name, write(LEDGER)))
    assert preview.ok and preview.total_rows == 5
    totals = [(t.month, t.line, t.amount_sek, t.rows) for t in ops.ledger_totals(preview)]
    assert totals == [
        (dt.date(2022, 1, 1), PL, 48_751, 2),  # 47 500,00 + 1 250,50, rounded half up
        (dt.date(2022, 1, 1), TRAVEL, 700, 2),  # the credit is taken off
        (dt.date(2022, 2, 1), OH, 10_000, 1),
    ]


@pytest.mark.now("2022-03-10T10:00:00+01:00")
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_project_leader_imports_the_ledger_through_preview_and_commit(client, auth, db, agreement, fmt) -> None:
    auth.login("project_leader")
    data = _csv(LEDGER) if fmt == "csv" else _xlsx(LEDGER)
    page = client.post(f"/budget/{agreement.id}/import", data={"file": (io.BytesIO(data), f"huvudbok.{fmt}")},
                       content_type="multipart/form-data")
    assert page.status_code == 200, page.get_data(as_text=True)[:2000]
    html = page.get_data(as_text=True)
    assert "Importera kostnaderna" in html and "48 751" in html.replace("\u00a0", " ")
    assert db.scalar(sa.select(sa.func.count()).select_from(ActualCost)) == 0  # a preview stores nothing
    token = html.split('name="token" type="hidden" value="')[1].split('"')[0]  # as tests/test_companies_import
    done = client.post(f"/budget/{agreement.id}/import/spara", data={"token": token})
    assert done.status_code == 302
    stored = {(c.month, c.line): (c.amount_sek, c.source) for c in db.scalars(sa.select(ActualCost))}
    assert stored == {
        (dt.date(2022, 1, 1), PL): (48_751, CostSource.IMPORT),
        (dt.date(2022, 1, 1), TRAVEL): (700, CostSource.IMPORT),
        (dt.date(2022, 2, 1), OH): (10_000, CostSource.IMPORT),
    }


@pytest.mark.now("2022-03-10T10:00:00+01:00")
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_one_bad_row_refuses_the_whole_file_with_row_errors_in_swedish(client, auth, db, agreement, fmt) -> None:
    rows = [*LEDGER, ("2022-02-03", "Kaffe", "120", ""), ("2022-06-01", "Resekostnader", "12 kr", ""),
            ("2022-02-15", "Resekostnader", "-500", "Kreditering utan kostnad")]
    preview = ops.preview_ledger(agreement, read_table(f"huvudbok.{fmt}", (_csv if fmt == "csv" else _xlsx)(rows)))
    problems = {(e.row, e.column): str(e.problem) for e in preview.errors}
    assert problems[(7, "Budgetpost")] == "«Kaffe» är inte ett giltigt värde."
    assert problems[(8, "Datum")] == "Månaden 2022-06 har inte börjat än."
    assert problems[(8, "Belopp")] == "«12 kr» är inte ett tal."
    assert problems[(9, "Belopp")] == "Summan för Resekostnader 2022-02 blir negativ (-500,00 kr)."
    assert len(preview.valid_rows) == 5
    with pytest.raises(DomainError, match="ingenting har importerats"):
        ops.import_ledger(db, agreement, preview, by=None)

    auth.login("project_leader")
    page = client.post(f"/budget/{agreement.id}/import", data={"file": (io.BytesIO(_csv(rows)), "huvudbok.csv")},
                       content_type="multipart/form-data")
    assert page.status_code == 422
    html = page.get_data(as_text=True)
    assert "Rätta felen i filen och ladda upp den igen. Ingenting har sparats." in html
    assert "Importera kostnaderna" not in html  # no commit button for a file with errors
    assert db.scalar(sa.select(sa.func.count()).select_from(ActualCost)) == 0


def test_the_import_template_has_the_swedish_headings(client, auth, agreement) -> None:
    auth.login("admin")
    response = client.get(f"/budget/{agreement.id}/import/mall.csv")
    assert response.status_code == 200
    assert response.data.decode("utf-8-sig").splitlines()[0] == "Månad;Budgetpost;Belopp;Text"


# --- the pages ---------------------------------------------------------------------------------
@pytest.mark.now("2022-03-10T10:00:00+01:00")
def test_the_project_leader_keeps_the_budget_and_the_costs_on_the_web(client, auth, db, agreement, parties) -> None:
    auth.login("project_leader")
    form = client.get(f"/budget/{agreement.id}/ar/1").get_data(as_text=True)
    assert "Finansiering från Helsingborgs IF (kr)" in form
    data = {f"line_{line.value}": str(amount) for line, amount in AGREEMENT_TABLE.items()}
    data.update({f"funding_{parties['HIF'].id}": "241000", f"funding_{parties['AMF'].id}": "900000"})
    refused = client.post(f"/budget/{agreement.id}/ar/1", data=data)
    assert refused.status_code == 422
    assert "Finansieringen år 1 (1\u00a0141\u00a0000 kr) täcker inte budgeten" in refused.get_data(as_text=True)
    data[f"funding_{parties['AMF'].id}"] = "1000000"
    assert client.post(f"/budget/{agreement.id}/ar/1", data=data).status_code == 302
    # year 2 starts from year 1's figures
    assert 'value="570000"' in client.get(f"/budget/{agreement.id}/ar/2").get_data(as_text=True)

    month = {"month": "2022-02", "line_project_leader": "47500", "line_travel": "900"}
    assert client.post(f"/budget/{agreement.id}/kostnader", data=month).status_code == 302
    assert client.post(f"/budget/{agreement.id}/kostnader", data={**month, "line_travel": "-1"}).status_code == 422
    page = client.get(f"/budget/{agreement.id}").get_data(as_text=True).replace("\u00a0", " ")
    assert "1 241 000" in page and "47 500" in page and "Budget och utfall" in page
    assert client.post(f"/budget/{agreement.id}/troskel", data={"threshold_pct": "15"}).status_code == 302
    assert ops.deviation_threshold(db, agreement) == 15


@pytest.mark.parametrize("role", ["steering", "project_leader", "admin"])
def test_steering_reads_the_budget_and_only_leaders_and_admins_change_it(client, auth, agreement, role) -> None:
    auth.login(role)
    page = client.get(f"/budget/{agreement.id}")
    assert page.status_code == 200
    editing = role != "steering"
    assert ("Registrera kostnader för en månad" in page.get_data(as_text=True)) is editing
    assert client.get(f"/budget/{agreement.id}/ar/1").status_code == (200 if editing else 403)
    assert client.get(f"/budget/{agreement.id}/kostnader").status_code == (200 if editing else 403)
    assert client.get(f"/budget/{agreement.id}/import").status_code == (200 if editing else 403)


@pytest.mark.parametrize("role", ["welfare_officer", "employer"])
def test_officers_and_employers_may_not_see_the_budget(client, auth, agreement, role) -> None:
    auth.login(role)
    assert client.get(f"/budget/{agreement.id}").status_code == 403
    assert client.post(f"/budget/{agreement.id}/kostnader", data={"month": "2020-01"}).status_code == 403


# --- the API -----------------------------------------------------------------------------------
@pytest.mark.now("2022-03-10T10:00:00+01:00")
@pytest.mark.parametrize("role", ["steering", "project_leader", "admin"])
def test_the_budget_and_the_report_s_budget_through_the_api(api, tokens, db, agreement, parties, role) -> None:
    ops.save_year(db, agreement, 3, AGREEMENT_TABLE, _financing(parties))
    ops.record_costs(db, agreement, dt.date(2022, 1, 1), {PL: 47_500, CO: 40_750}, by=None)
    db.commit()
    _user, headers = tokens.headers(role)
    body = api.get(f"/api/v1/programmes/{agreement.id}/budget", headers=headers).get_json()
    assert body["years"][2]["lines"] == {line.value: amount for line, amount in AGREEMENT_TABLE.items()}
    assert body["years"][2]["total_sek"] == 1_241_000 and body["years"][2]["funding_covers_budget"] is True
    assert body["years"][0]["lines"] == {} and body["years"][0]["total_sek"] == 0
    assert body["actual_costs"] == [
        {"month": "2022-01", "line": "project_leader", "amount_sek": 47_500, "source": "manual"},
        {"month": "2022-01", "line": "co_worker", "amount_sek": 40_750, "source": "manual"},
    ]
    assert body["follow_up"]["through"] == "2022-02-28"
    report = api.get(f"/api/v1/programmes/{agreement.id}/report", headers=headers).get_json()
    assert report["budget"] == body["follow_up"]
    assert report["budget"]["total"]["spent_to_date_sek"] == 88_250
    assert report["budget"]["year"]["budget_sek"] == 1_241_000


@pytest.mark.parametrize("role", ["welfare_officer", "employer"])
def test_the_budget_api_is_refused_to_officers_and_employers(api, tokens, agreement, role) -> None:
    _user, headers = tokens.headers(role)
    assert_problem(api.get(f"/api/v1/programmes/{agreement.id}/budget", headers=headers), 403)
