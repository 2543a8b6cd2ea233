"""Companies' commitments (issue #25 section 1): the database's rules, what counts as delivered,
the pace and who is behind, the department page and its export, the employer's own page, the
contract-list import, the follow-up's company, and the recommendations' boost."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import openpyxl
import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from models import Activity, ActivityParticipant, AuditEvent, Commitment, CommitmentPromise, FollowUp
from models.commitments import CommitmentSource, PromiseKind
from models.enums import ActivityType, AttendanceStatus, FollowUpResult, Role, VisitStatus
from models.operations import commitments as commitment_ops
from models.operations import followups as followup_ops
from models.operations import matching
from models.operations.commitments import CommitmentData, CommitmentInvalid

from .factories import local_dt

pytest_plugins = ("tests.test_api_support",)

# Every test here names its day: the pace depends on it. 7 December 2026, 341 days into the year.
pytestmark = pytest.mark.now("2026-12-07T10:00:00+01:00")
TODAY = dt.date(2026, 12, 7)
YEAR_2026 = (dt.date(2026, 1, 1), dt.date(2026, 12, 31))


def commit(make, company=None, *, department="Serviceförvaltningen", reference=None, period=YEAR_2026,
           source=CommitmentSource.PROCUREMENT, **promises: int) -> Commitment:
    company = company or make.company()
    return commitment_ops.create_commitment(make.session, CommitmentData(
        company_id=company.id, source=source, reference=reference or f"SF-{company.id}",
        department=department, period_from=period[0], period_to=period[1],
        promises=promises or {"visits": 12},
    ))


def held_visit(make, offer, day: dt.date, hours: float = 6):
    return make.visit(offer=offer, day=day, status=VisitStatus.COMPLETED, actual_hours=hours)


# --- the database's own rules ----------------------------------------------------------------
def _insert_fails(db, row) -> None:
    db.add(row)
    with pytest.raises(IntegrityError):
        db.flush()
    db.rollback()


def test_the_database_refuses_negative_counts_reversed_periods_and_a_reference_twice(make, db) -> None:
    company = make.company()
    db.commit()
    base = {"company_id": company.id, "source": CommitmentSource.PLEDGE, "department": "Stadskontoret"}
    _insert_fails(db, Commitment(**base, reference="A-1", period_from=dt.date(2026, 6, 1),
                                 period_to=dt.date(2026, 5, 31)))
    _insert_fails(db, Commitment(**base, reference="A-2", period_from=dt.date(2026, 1, 1),
                                 period_to=dt.date(2026, 12, 31),
                                 promises=[CommitmentPromise(kind=PromiseKind.VISITS, per_year=-1)]))
    db.add(Commitment(**base, reference="A-3", period_from=dt.date(2026, 1, 1), period_to=dt.date(2026, 12, 31)))
    db.commit()
    _insert_fails(db, Commitment(**base, reference="A-3", period_from=dt.date(2027, 1, 1),
                                 period_to=dt.date(2027, 12, 31)))
    # The same reference at another department is another contract.
    db.add(Commitment(**{**base, "department": "Fastighets- och gatukontoret"}, reference="A-3",
                      period_from=dt.date(2026, 1, 1), period_to=dt.date(2026, 12, 31)))
    db.commit()


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"period_to": dt.date(2025, 12, 31)}, "period_to"),
        ({"promises": {}}, "promises"),
        ({"promises": {"visits": -2}}, "visits"),
        ({"reference": "  "}, "reference"),
        ({"department": ""}, "department"),
        ({"source": "rumour"}, "source"),
    ],
)
def test_the_operation_refuses_with_the_field_at_fault(make, db, change, field) -> None:
    company = make.company()
    data = CommitmentData(company_id=company.id, source="procurement", reference="X-1", department="Stadskontoret",
                          period_from=dt.date(2026, 1, 1), period_to=dt.date(2026, 12, 31), promises={"hires": 1})
    for key, value in change.items():
        setattr(data, key, value)
    with pytest.raises(CommitmentInvalid) as refused:
        commitment_ops.create_commitment(db, data)
    assert refused.value.field == field


def test_a_reference_twice_in_one_department_is_refused_with_a_message(make, db) -> None:
    first = commit(make, reference="FGK-7")
    with pytest.raises(CommitmentInvalid, match="redan ett åtagande med referensen FGK-7") as refused:
        commit(make, reference="FGK-7")
    assert refused.value.field == "reference"
    assert commit(make, reference="FGK-7", department="Stadskontoret").id != first.id


# --- what counts as delivered ----------------------------------------------------------------
def test_delivered_counts_by_the_counting_rule_activities_and_follow_ups(make, db) -> None:
    company = make.company()
    offer = make.offer(company)
    c = commit(make, company, visits=12, shadowing_days=20, hires=2, internships=1)
    held_visit(make, offer, dt.date(2026, 3, 2))  # counts
    held_visit(make, offer, dt.date(2026, 3, 3), hours=3)  # too short: not by the counting rule
    held_visit(make, offer, dt.date(2025, 12, 15))  # before the period
    make.visit(offer=offer, day=dt.date(2026, 3, 4), status=VisitStatus.CANCELLED)
    held_visit(make, make.offer(), dt.date(2026, 3, 5))  # another company's
    activity = Activity(type=ActivityType.MATCH_HOST_SHADOWING, title="Matchvärd", company_id=company.id,
                        starts_at=local_dt(dt.date(2026, 5, 9), 12), ends_at=local_dt(dt.date(2026, 5, 9), 18))
    activity.participants = [
        ActivityParticipant(candidate=make.candidate(), status=AttendanceStatus.ATTENDED),
        ActivityParticipant(candidate=make.candidate(), status=AttendanceStatus.ATTENDED),
        ActivityParticipant(candidate=make.candidate(), status=AttendanceStatus.ABSENT),
    ]
    db.add(activity)
    officer = make.user(Role.WELFARE_OFFICER)
    hired = make.candidate()
    for months, day in ((3, dt.date(2026, 6, 10)), (6, dt.date(2026, 9, 10))):  # the same client twice: once
        db.add(FollowUp(candidate_id=hired.id, months=months, result=FollowUpResult.JOB, recorded_on=day,
                        recorded_by_id=officer.id, company_id=company.id))
    db.add(FollowUp(candidate_id=make.candidate().id, months=3, result=FollowUpResult.INTERNSHIP,
                    recorded_on=dt.date(2026, 7, 1), recorded_by_id=officer.id, company_id=company.id))
    db.flush()

    [row] = commitment_ops.company_progress(db, company, today=TODAY)
    delivered = {k.kind: k.delivered for k in row.kinds}
    assert delivered == {PromiseKind.VISITS: 1, PromiseKind.SHADOWING_DAYS: 3, PromiseKind.INTERNSHIPS: 1,
                         PromiseKind.HIRES: 1}
    assert row.commitment.id == c.id


def test_the_pace_is_the_promise_spread_over_the_period_and_flags_who_is_behind(make, db) -> None:
    behind, on_pace = make.company(name="Efter AB"), make.company(name="Itakt AB")
    commit(make, behind, visits=12)
    commit(make, on_pace, visits=2)
    for n in range(2):
        held_visit(make, make.offer(on_pace), dt.date(2026, 2, 2 + n))
    rows = {r.company.name: r for r in commitment_ops.department_progress(db, "Serviceförvaltningen", today=TODAY)}
    [visits] = rows["Efter AB"].kinds
    assert visits.promised == pytest.approx(12)
    assert visits.expected == pytest.approx(12 * 341 / 365)
    assert (visits.due, visits.delivered, visits.behind) == (11, 0, True)
    assert rows["Efter AB"].behind and not rows["Itakt AB"].behind
    assert commitment_ops.companies_behind(db, today=TODAY) == {behind.id}
    # Before the period starts nothing is due yet.
    assert commitment_ops.companies_behind(db, today=dt.date(2025, 12, 31)) == set()


def test_a_year_shows_the_part_of_the_period_within_it(make, db) -> None:
    company = make.company()
    commit(make, company, period=(dt.date(2026, 7, 1), dt.date(2027, 6, 30)), hires=4)
    [row] = commitment_ops.department_progress(db, None, today=TODAY, year=2026)
    assert (row.first, row.last) == (dt.date(2026, 7, 1), dt.date(2026, 12, 31))
    assert row.kinds[0].promised == pytest.approx(4 * 184 / 365)
    assert commitment_ops.department_progress(db, None, today=TODAY, year=2028) == []
    assert commitment_ops.years_in(dt.date(2028, 1, 1), dt.date(2028, 12, 31)) == 1  # a leap year is one year


# --- the pages ----------------------------------------------------------------------------------
def test_department_page_shows_promised_against_delivered_and_flags_those_behind(client, auth, make, db) -> None:
    company = make.company(name="Byggbolaget AB")
    commit(make, company, department="Fastighets- och gatukontoret", reference="FGK-2026-104", visits=6, hires=1)
    commit(make, make.company(name="Annan förvaltnings AB"), department="Stadskontoret", visits=1)
    auth.login("project_leader")
    page = client.get("/atagande/", query_string={"forvaltning": "Fastighets- och gatukontoret"})
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Byggbolaget AB" in text and "FGK-2026-104" in text and "Efter takten" in text
    assert "Annan förvaltnings AB" not in text


def test_export_is_an_xlsx_that_reads_back_with_the_figures(client, auth, make, db) -> None:
    company = make.company(name="Städbolaget AB")
    commit(make, company, reference="SF-9", visits=12, hires=2)
    held_visit(make, make.offer(company), dt.date(2026, 4, 1))
    auth.login("steering")
    response = client.get("/atagande/export.xlsx", query_string={"forvaltning": "Serviceförvaltningen"})
    assert response.status_code == 200 and "ataganden.xlsx" in response.headers["Content-Disposition"]
    sheet = openpyxl.load_workbook(io.BytesIO(response.data)).worksheets[0]
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert rows[0][:4] == ["Företag", "Organisationsnummer", "Förvaltning", "Avtalsnummer"]
    by_kind = {r[7]: r for r in rows[1:]}
    assert set(by_kind) == {"Arbetsplatsbesök", "Anställningar"}
    visits = by_kind["Arbetsplatsbesök"]
    assert visits[0] == "Städbolaget AB" and visits[3] == "SF-9"
    assert visits[8:] == [12, 12, 11, 1, "ja"]
    csv = client.get("/atagande/export.csv").data.decode("utf-8-sig")
    assert csv.splitlines()[0].startswith("Företag;Organisationsnummer;")
    # a number as Swedish Excel reads one: "12", never "12.0" (an outside tester's find)
    visits_line = next(line.split(";") for line in csv.splitlines() if "Arbetsplatsbesök" in line)
    assert visits_line[8:12] == ["12", "12", "11", "1"]
    assert db.scalar(sa.select(sa.func.count()).select_from(AuditEvent)
                     .where(AuditEvent.action == "commitments_exported")) == 2


def test_page_export_and_reason_are_in_english_for_an_english_reader(client, auth, make, db) -> None:
    commit(make, make.company(), visits=3)
    auth.login(make.user(Role.PROJECT_LEADER, locale="en"))
    page = client.get("/atagande/").get_data(as_text=True)
    assert "Companies&#39; commitments" in page or "Companies' commitments" in page
    assert "Behind pace" in page
    xlsx = client.get("/atagande/export.xlsx")
    header = [c.value for c in openpyxl.load_workbook(io.BytesIO(xlsx.data)).worksheets[0][1]]
    assert header[0] == "Company"


@pytest.mark.parametrize("role", ["welfare_officer", "employer"])
def test_those_who_do_not_follow_commitments_are_refused_the_department_page(client, auth, role) -> None:
    auth.login(role)
    assert client.get("/atagande/").status_code == 403
    assert client.get("/atagande/export.xlsx").status_code == 403


def test_steering_reads_but_may_not_register(client, auth, make) -> None:
    auth.login("steering")
    assert client.get("/atagande/").status_code == 200
    assert client.get("/atagande/nytt").status_code == 403


def test_a_project_leader_registers_and_changes_a_commitment(client, auth, make, db) -> None:
    company = make.company(name="Hamnbolaget AB")
    auth.login("project_leader")
    form = {"company_id": company.id, "source": "land_lease", "reference": "TR-12", "department": "Stadskontoret",
            "period_from": "2026-01-01", "period_to": "2028-12-31", "internships": "3", "hires": ""}
    refused = client.post("/atagande/nytt", data={**form, "period_to": "2025-01-01"})
    assert refused.status_code == 422 and "kan inte sluta innan det börjar" in refused.get_data(as_text=True)
    assert db.scalar(sa.select(sa.func.count()).select_from(Commitment)) == 0
    assert client.post("/atagande/nytt", data=form).status_code == 302
    commitment = db.scalar(sa.select(Commitment))
    assert commitment.source == CommitmentSource.LAND_LEASE
    assert {p.kind: p.per_year for p in commitment.promises} == {PromiseKind.INTERNSHIPS: 3}
    changed = client.post(f"/atagande/{commitment.id}/andra", data={**form, "internships": "", "hires": "2"})
    assert changed.status_code == 302
    db.expire_all()
    assert {p.kind: p.per_year for p in db.get(Commitment, commitment.id).promises} == {PromiseKind.HIRES: 2}
    assert client.post(f"/atagande/{commitment.id}/ta-bort").status_code == 302
    assert db.scalar(sa.select(sa.func.count()).select_from(Commitment)) == 0


def test_the_employer_sees_its_own_commitment_and_nothing_of_another_company(client, auth, make, db) -> None:
    own, other = make.company(name="Vårt Bolag AB"), make.company(name="Grannbolaget AB")
    commit(make, own, reference="EGET-1", visits=4)
    commit(make, other, reference="ANNAT-1", visits=4)
    employer = make.user(Role.EMPLOYER, company=own)
    auth.login(employer)
    text = client.get("/foretaget/atagande").get_data(as_text=True)
    assert "EGET-1" in text and "ANNAT-1" not in text and "Grannbolaget" not in text
    assert "efter takten" in text
    start = client.get("/").get_data(as_text=True)
    assert "EGET-1" in start and "ANNAT-1" not in start
    assert client.get("/atagande/").status_code == 403


# --- the import -----------------------------------------------------------------------------------
HEADER = "Organisationsnummer;Avtalsnummer;Förvaltning;Grund;Från;Till;Besök per år;Anställningar per år"


@pytest.fixture(autouse=True)
def upload_dir(app, tmp_path, monkeypatch) -> Path:
    monkeypatch.setitem(app.config, "COMMITMENT_IMPORT_DIR", str(tmp_path))
    return tmp_path


def upload(client, data: bytes, name: str = "avtal.csv"):
    return client.post("/atagande/import", data={"file": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


def token_in(page: str) -> str:
    marker = 'name="token" type="hidden" value="'
    start = page.index(marker) + len(marker)
    return page[start:page.index('"', start)]


def csv_file(*rows: str) -> bytes:
    return ("\n".join([HEADER, *rows]) + "\n").encode("utf-8")


def count(db) -> int:
    return db.scalar(sa.select(sa.func.count()).select_from(Commitment))


def test_import_previews_row_errors_and_stores_nothing(client, auth, make, db) -> None:
    company = make.company()
    auth.login("project_leader")
    page = upload(client, csv_file(
        f"{company.org_number};FGK-1;Fastighets- och gatukontoret;upphandling;2026-01-01;2026-12-31;6;1",
        "556000-0001;FGK-2;Fastighets- och gatukontoret;upphandling;2026-01-01;2026-12-31;6;",
        f"{company.org_number};FGK-3;Fastighets- och gatukontoret;tomträtt;2026-06-01;2026-01-01;2;",
        f"{company.org_number};FGK-4;Fastighets- och gatukontoret;löfte;2026-01-01;2026-12-31;;",
        f"{company.org_number};FGK-1;Fastighets- och gatukontoret;upphandling;2026-01-01;2026-12-31;-3;",
        f"{company.org_number};FGK-5;Fastighets- och gatukontoret;rykte;2026-01-01;2026-12-31;2;",
    ))
    text = page.get_data(as_text=True)
    assert page.status_code == 422
    # an unknown basis is named and the choices are listed by their labels, as for every vocabulary
    assert "«rykte» är inte ett giltigt värde" in text
    assert "Välj ett av: Upphandlat avtal (sysselsättningsfrämjande villkor); Mark-, tomträtts- eller" in text
    assert "Inget företag med organisationsnummer 556000-0001 finns i nätverket." in text
    assert "Slutdatumet ligger före startdatumet." in text
    assert "Raden säger inte vad företaget har lovat." in text
    assert "finns redan på rad 2 i filen" in text
    assert "Importera 1 åtagande" not in text
    assert count(db) == 0


def test_import_commits_every_row_or_none_and_skips_registered_ones_when_asked(client, auth, make, db) -> None:
    company, other = make.company(), make.company()
    commit(make, other, reference="FGK-9", department="Fastighets- och gatukontoret")
    db.commit()
    auth.login("project_leader")
    rows = (
        f"{company.org_number};FGK-1;Fastighets- och gatukontoret;upphandling;2026-01-01;2026-12-31;6;1",
        f"{other.org_number};FGK-9;Fastighets- och gatukontoret;markavtal;2026-01-01;2027-12-31;2;",
    )
    page = upload(client, csv_file(*rows))
    assert page.status_code == 200
    token = token_in(page.get_data(as_text=True))
    refused = client.post("/atagande/import/genomfor", data={"token": token})
    assert refused.status_code == 409 and count(db) == 1
    done = client.post("/atagande/import/genomfor", data={"token": token, "skip_duplicates": "y"})
    assert done.status_code == 302 and count(db) == 2
    stored = db.scalar(sa.select(Commitment).where(Commitment.reference == "FGK-1"))
    assert stored.company_id == company.id and stored.source == CommitmentSource.PROCUREMENT
    assert {p.kind: p.per_year for p in stored.promises} == {PromiseKind.VISITS: 6, PromiseKind.HIRES: 1}


def test_import_reads_the_xlsx_template_filled_in(client, auth, make, db) -> None:
    company = make.company()
    auth.login("project_leader")
    template = client.get("/atagande/import/mall.xlsx")
    book = openpyxl.load_workbook(io.BytesIO(template.data))
    assert book.sheetnames == ["Åtaganden", "Anvisningar"]
    sheet = book.worksheets[0]
    headers = [c.value for c in sheet[1]]
    values = {"Organisationsnummer": company.org_number, "Avtalsnummer": "SÖ-3", "Förvaltning": "Stadskontoret",
              "Grund": "social överenskommelse", "Från": "2026-01-01", "Till": "2026-12-31",
              "Praktikplatser per år": 2}
    sheet.append([values.get(h) for h in headers])
    buffer = io.BytesIO()
    book.save(buffer)
    page = upload(client, buffer.getvalue(), "avtal.xlsx")
    assert page.status_code == 200, page.get_data(as_text=True)[:2000]
    client.post("/atagande/import/genomfor", data={"token": token_in(page.get_data(as_text=True))})
    stored = db.scalar(sa.select(Commitment))
    assert stored.source == CommitmentSource.SOCIAL_AGREEMENT and stored.promised(PromiseKind.INTERNSHIPS) == 2


def test_cli_import_previews_then_commits(runner, make, db, tmp_path) -> None:
    company = make.company()
    db.commit()
    path = tmp_path / "avtal.csv"
    path.write_bytes(csv_file(f"{company.org_number};K-1;Stadskontoret;frivilligt;2026-01-01;2026-12-31;4;"))
    preview = runner.invoke(args=["import-commitments", str(path)])
    assert "1 kan importeras" in preview.output and count(db) == 0
    done = runner.invoke(args=["import-commitments", str(path), "--commit"])
    assert "1 åtaganden importerade" in done.output
    db.expire_all()
    assert count(db) == 1


# --- the follow-up names the company --------------------------------------------------------------
def test_a_follow_up_job_at_a_visited_company_counts_as_its_hire(make, db) -> None:
    company = make.company()
    commit(make, company, hires=2, period=(dt.date(2026, 1, 1), dt.date(2027, 12, 31)))
    officer = make.user(Role.WELFARE_OFFICER)
    candidate = make.candidate(referred_by=officer)
    held_visit(make, make.offer(company), dt.date(2026, 3, 2)).candidate = candidate
    db.flush()
    with pytest.raises(Exception, match="Välj ett av företagen som klienten har besökt"):
        followup_ops.record_follow_up(db, candidate, 3, "job", by=officer, recorded_on=dt.date(2026, 6, 3),
                                      today=TODAY, company_id=make.company().id)
    followup_ops.record_follow_up(db, candidate, 3, "job", by=officer, recorded_on=dt.date(2026, 6, 3),
                                  today=TODAY, company_id=company.id)
    [row] = commitment_ops.company_progress(db, company, today=TODAY)
    assert row.kinds[0].delivered == 1
    # Another result keeps no company.
    row_followup = followup_ops.record_follow_up(db, candidate, 3, "studies", by=officer,
                                                 recorded_on=dt.date(2026, 6, 3), today=TODAY, company_id=company.id)
    assert row_followup.company_id is None


def test_the_follow_up_form_offers_the_visited_companies(client, auth, make, db) -> None:
    company = make.company(name="Besökta AB")
    officer = make.user(Role.WELFARE_OFFICER)
    candidate = make.candidate(referred_by=officer)
    visit = held_visit(make, make.offer(company), dt.date(2026, 3, 2))
    visit.candidate = candidate
    db.flush()
    auth.login(officer)
    page = client.get(f"/uppfoljning-klienter/{candidate.id}/3").get_data(as_text=True)
    assert "Besökta AB" in page
    response = client.post(f"/uppfoljning-klienter/{candidate.id}/3",
                           data={"result": "internship", "recorded_on": "2026-06-03", "company_id": str(company.id)})
    assert response.status_code == 302
    assert db.scalar(sa.select(FollowUp.company_id)) == company.id


# --- the recommendations' boost ---------------------------------------------------------------------
def test_offers_of_a_company_behind_move_up_only_with_the_weight_and_say_why(make, db) -> None:
    candidate = make.candidate()
    ahead, behind = make.company(name="Före AB"), make.company(name="Efter AB")
    offers = {make.offer(ahead).id: "ahead", make.offer(behind).id: "behind"}
    commit(make, behind, visits=50)
    plain = matching.recommend_for_candidate(db, candidate, today=TODAY)
    plain_scores = {offers[i.id]: i.score for i in plain.items}
    assert all(commitment_ops.BEHIND_REASON not in i.reasons for i in plain.items)

    pl = make.user(Role.PROJECT_LEADER)
    commitment_ops.set_ranking_boost(db, 10, by=pl)
    boosted = matching.recommend_for_candidate(db, candidate, today=TODAY)
    first = boosted.items[0]
    assert offers[first.id] == "behind"
    assert first.score == pytest.approx(plain_scores["behind"])  # the score shown stays the model's
    assert "Företaget ligger efter sitt åtagande" in first.reasons
    assert commitment_ops.BEHIND_REASON not in boosted.items[1].reasons
    with pytest.raises(CommitmentInvalid):
        commitment_ops.set_ranking_boost(db, 21, by=pl)


def test_only_the_project_leader_sets_the_weight(client, auth, make, db) -> None:
    auth.login("steering")
    assert client.post("/atagande/vikt", data={"ranking_boost_pct": "5"}).status_code == 403
    auth.logout()
    auth.login("project_leader")
    assert client.post("/atagande/vikt", data={"ranking_boost_pct": "50"}).status_code == 302
    assert commitment_ops.settings(db).ranking_boost_pct == 0
    assert client.post("/atagande/vikt", data={"ranking_boost_pct": "5"}).status_code == 302
    db.expire_all()
    assert commitment_ops.settings(db).ranking_boost_pct == 5


# --- the API ---------------------------------------------------------------------------------------
def test_api_lists_commitments_and_progress_per_department_and_company(client, make, db, tokens) -> None:
    company = make.company(name="API AB")
    c = commit(make, company, reference="API-1", department="Stadskontoret", visits=12)
    commit(make, make.company(), reference="API-2", department="Serviceförvaltningen", visits=1)
    _user, headers = tokens.headers("project_leader")
    listed = client.get("/api/v1/commitments", query_string={"department": "Stadskontoret"}, headers=headers)
    assert listed.status_code == 200
    body = listed.get_json()
    assert body["total"] == 1 and body["items"][0]["reference"] == "API-1"
    assert body["items"][0]["promises"] == [{"kind": "visits", "per_year": 12}]
    progress = client.get(f"/api/v1/commitments/{c.id}/progress", headers=headers).get_json()
    assert progress["behind"] is True and progress["kinds"][0]["due"] == 11
    per_company = client.get("/api/v1/commitments/progress", query_string={"company_id": company.id},
                             headers=headers).get_json()
    assert [r["commitment"]["reference"] for r in per_company["items"]] == ["API-1"]


def test_api_shows_an_employer_its_own_commitments_only(client, make, db, tokens) -> None:
    own, other = make.company(), make.company()
    mine = commit(make, own, reference="MIN-1")
    theirs = commit(make, other, reference="DERAS-1")
    employer = make.user(Role.EMPLOYER, company=own)
    _user, headers = tokens.headers(employer)
    listed = client.get("/api/v1/commitments", headers=headers).get_json()
    assert [i["reference"] for i in listed["items"]] == ["MIN-1"]
    assert client.get(f"/api/v1/commitments/{mine.id}/progress", headers=headers).status_code == 200
    assert client.get(f"/api/v1/commitments/{theirs.id}", headers=headers).status_code == 404
    assert client.get(f"/api/v1/commitments/{theirs.id}/progress", headers=headers).status_code == 404
    _officer, officer_headers = tokens.headers("welfare_officer")
    assert client.get("/api/v1/commitments", headers=officer_headers).status_code == 403



def test_the_demo_seed_has_commitments_and_the_first_employer_sees_its_own(client, db, vault) -> None:
    from models import User
    from models.demo import DEMO_PASSWORD, seed_demo

    result = seed_demo(db, vault, n_candidates=30, n_companies=15, seed=7, today=TODAY)
    db.commit()
    assert result.counts["åtaganden"] >= 1
    employer = db.scalar(sa.select(User).where(User.email == "foretag1@demo.example"))
    own = db.scalars(sa.select(Commitment).where(Commitment.company_id == employer.company_id)).all()
    assert own
    client.post("/login", data={"email": employer.email, "password": DEMO_PASSWORD})
    page = client.get("/foretaget/atagande").get_data(as_text=True)
    assert own[0].reference in page


def test_the_quarterly_planner_prefers_a_company_behind_only_with_the_weight(make, db) -> None:
    """The planner's pairs get the same preference as the lists: with one person and two equal
    offers, the weight decides for the company behind on its commitment, with the reason."""
    from models import clock
    from models.operations.companies import Quarter

    today = clock.local_today()
    running = (today - dt.timedelta(days=300), today + dt.timedelta(days=400))
    make.candidate()
    ahead, behind = make.company(name="Före AB"), make.company(name="Efter AB")
    # two offers the person fits equally well (the content score gives both 1.0)
    offers = {make.offer(behind, capacity_per_quarter=1).id: "behind",
              make.offer(ahead, capacity_per_quarter=1).id: "ahead"}
    commit(make, behind, period=running, visits=50)
    db.commit()
    quarter = Quarter.of(today).next()

    def planned() -> tuple[str, list[str], float]:
        [row] = matching.plan_quarter(db, quarter, fair=False, today=today).rows
        return offers[row.offer_id], [str(r) for r in row.reasons], row.score

    weightless = planned()
    assert weightless[0] == "ahead" and "Företaget ligger efter sitt åtagande" not in weightless[1]
    commitment_ops.set_ranking_boost(db, 20, by=make.user(Role.PROJECT_LEADER))
    db.commit()
    chosen, reasons, score = planned()
    assert chosen == "behind" and "Företaget ligger efter sitt åtagande" in reasons
    assert score == pytest.approx(weightless[2])  # the row shows the model's score, not the weighed one
