"""The steering dashboard, its print page, chart, exports and CLI: the right people see it, it
shows the report's figures, and no page or file carries personal data."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re

import openpyxl
import pytest
import sqlalchemy as sa

from models import (
    AuditEvent,
    Candidate,
    Contact,
    Programme,
    Survey,
    SurveyAnswer,
    SurveyInvitation,
    SurveyQuestion,
    clock,
)
from models.clock import local_today
from models.demo import seed_demo
from models.enums import GoalKind, QuestionKind, SurveyMoment, VisitStatus
from models.operations.reports import quarterly_report

ROLES_ALLOWED = ("steering", "project_leader", "admin")


def _programme(make, db, **kw):
    today = local_today()
    programme = make.programme(starts_on=kw.pop("starts_on", dt.date(today.year, 1, 1)),
                               ends_on=kw.pop("ends_on", dt.date(today.year + 1, 12, 31)))
    db.commit()
    return programme


@pytest.mark.parametrize(
    ("role", "status"),
    [("steering", 200), ("project_leader", 200), ("admin", 200), ("welfare_officer", 403), ("employer", 403)],
)
def test_only_steering_project_leaders_and_admins_see_the_dashboard(client, auth, make, db, role, status) -> None:
    _programme(make, db)
    auth.login(role)
    assert client.get("/uppfoljning/").status_code == status
    assert client.get("/uppfoljning/export.csv").status_code == status


def test_anonymous_is_sent_to_login(client) -> None:
    response = client.get("/uppfoljning/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_dashboard_shows_headline_chart_and_suppressed_breakdowns(client, auth, make, db) -> None:
    programme = _programme(make, db)
    person = make.candidate(target_group="youth")
    make.visit(person, day=local_today(), start_hour=0, hours=6, status=VisitStatus.COMPLETED, actual_hours=6)
    db.commit()
    auth.login("steering")
    html = client.get("/uppfoljning/").get_data(as_text=True)
    assert "1 av målet 350" in html
    assert f'src="/uppfoljning/diagram.svg?programme={programme.id}"' in html
    assert "Nya personer per målgrupp" in html
    # the single youth is a small count: hidden, and read out as such
    assert '<span aria-hidden="true">x</span><span class="visually-hidden">dolt för att skydda enskilda</span>' in html
    assert '<th scope="col"' in html and '<th scope="row">' in html
    chart = client.get(f"/uppfoljning/diagram.svg?programme={programme.id}")
    assert chart.mimetype == "image/svg+xml" and b"<svg" in chart.data
    assert "script" not in chart.headers["Content-Security-Policy"]


def test_programme_without_report_data_and_no_programme_at_all(client, auth, make, db) -> None:
    auth.login("steering")
    response = client.get("/uppfoljning/")
    assert response.status_code == 200 and "inget program upplagt" in response.get_data(as_text=True)
    assert client.get("/uppfoljning/diagram.svg").status_code == 404
    assert client.get("/uppfoljning/?programme=999").status_code == 404


def test_export_of_an_empty_programme_is_zeros_not_an_error(client, auth, make, db) -> None:
    programme = _programme(make, db)
    auth.login("project_leader")
    response = client.get(f"/uppfoljning/export.xlsx?programme={programme.id}")
    assert response.status_code == 200
    assert f"uppfoljning-{programme.id}-" in response.headers["Content-Disposition"]
    workbook = openpyxl.load_workbook(io.BytesIO(response.data))
    sheet = workbook["Kvartal"]
    rows = [r for r in sheet.iter_rows(values_only=True) if r and r[0]]
    header = rows[1]
    assert header[:3] == ("Kvartal", "Nya personer", "Personer ackumulerat")
    first_quarter = rows[2]
    assert first_quarter[1:3] == (0, 0)
    assert len(workbook["Diagram"]._images) == 1
    csv_response = client.get(f"/uppfoljning/export.csv?programme={programme.id}")
    assert csv_response.mimetype == "text/csv"
    assert csv_response.data.startswith("\ufeff".encode())
    assert db.scalar(sa.select(sa.func.count()).where(AuditEvent.action == "report_exported")) == 2


def test_unknown_export_format_is_404(client, auth, make, db) -> None:
    _programme(make, db)
    auth.login("steering")
    assert client.get("/uppfoljning/export.pdf").status_code == 404


@pytest.fixture
def seeded(db, vault):
    seed_demo(db, vault, n_candidates=60, n_companies=25, seed=11)
    # A free-text questionnaire answer, to show that free text never reaches the report.
    survey = db.scalars(sa.select(Survey).where(
        Survey.moment == SurveyMoment.PARTICIPANT_AFTER, Survey.questionnaire == "workplace_participant"
    )).one()
    comment = next(q for q in survey.questions if q.kind == QuestionKind.TEXT)
    invitation = SurveyInvitation(
        survey=survey, candidate=db.scalars(sa.select(Candidate)).first(), email="x@exempel.example",
        expires_at=clock.now() + dt.timedelta(days=3),
    )
    invitation.answers.append(SurveyAnswer(question=comment, text="Min handläggare heter Kerstin Hemlig."))
    db.add(invitation)
    db.commit()
    candidates = db.scalars(sa.select(Candidate)).all()
    return {
        "free_text": ["Kerstin Hemlig", "Nyfiken och ställde bra frågor.", "Öva på att ta egna initiativ."]
        + [c.name for c in db.scalars(sa.select(Contact))],
        "programme": db.scalars(sa.select(Programme)).one(),
        "names": [c.display_name for c in candidates],
        "last_names": sorted({c.last_name for c in candidates}),
        "pins": [vault.decrypt(c.pin_encrypted) for c in candidates] + [c.pin_masked for c in candidates],
        "emails": [c.email for c in candidates if c.email],
    }


def _assert_no_personal_data(text: str, seeded) -> None:
    for free_text in seeded["free_text"]:
        assert free_text not in text
    for name in seeded["names"]:
        assert name not in text
    for last in seeded["last_names"]:
        assert not re.search(rf"\b{re.escape(last)}\b", text), last
    for pin in seeded["pins"]:
        assert pin not in text and pin[2:] not in text and pin.replace("-", "") not in text
    for email in seeded["emails"]:
        assert email not in text


def test_dashboard_print_page_and_exports_hold_no_personal_data(client, auth, seeded) -> None:
    auth.login("steering")
    pid = seeded["programme"].id
    dashboard = client.get(f"/uppfoljning/?programme={pid}").get_data(as_text=True)
    assert "Kvartal för kvartal" in dashboard
    _assert_no_personal_data(dashboard, seeded)
    _assert_no_personal_data(client.get(f"/uppfoljning/utskrift?programme={pid}").get_data(as_text=True), seeded)
    _assert_no_personal_data(client.get(f"/uppfoljning/diagram.svg?programme={pid}").get_data(as_text=True), seeded)

    workbook = openpyxl.load_workbook(io.BytesIO(client.get(f"/uppfoljning/export.xlsx?programme={pid}").data))
    cells = [
        str(value) for sheet in workbook.worksheets for row in sheet.iter_rows(values_only=True)
        for value in row if value is not None
    ]
    assert workbook.sheetnames == [
        "Diagram", "Sammanfattning", "Kvartal", "Aktiviteter", "Aktiviteter per kvartal", "Målgrupp", "Nätverk",
        "Yrkesområde", "Företagsstorlek", "Enkäter svar", "Enkäter före och efter", "Enkäter per målgrupp",
        "Enkät medarbetare", "Återkoppling betyg",
        "Uppföljning 3 och 6 mån", "Självförsörjning 3 och 6 mån",
        "Remisser per enhet", "Företag per nätverk", "Återkoppling", "Budget", "Finansiering",
    ]
    _assert_no_personal_data("\n".join(cells), seeded)
    text = client.get(f"/uppfoljning/export.csv?programme={pid}").data.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert rows[0] == ["Sammanfattning"]
    _assert_no_personal_data(text, seeded)


def test_the_csv_export_names_its_charset_once(client, auth, make, db) -> None:
    programme = make.programme()
    db.commit()
    auth.login("steering")
    response = client.get(f"/uppfoljning/export.csv?programme={programme.id}")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"


def test_steering_start_page_shows_the_headline_from_the_report(client, auth, seeded, db) -> None:
    from models.operations.reports import quarterly_report

    report = quarterly_report(db, seeded["programme"])
    auth.login("steering")
    start = client.get("/").get_data(as_text=True)
    assert "Målet: 350 personer" in start
    assert f"{report.totals.persons} av målet 350" in start
    assert f"{report.current.new_persons} ({report.current.quarter})" in start
    _assert_no_personal_data(start, seeded)


def test_exports_show_the_same_figures_as_the_report(client, auth, seeded, db) -> None:
    from models.operations.reports import published_no_shows, quarterly_report

    report = quarterly_report(db, seeded["programme"])
    auth.login("steering")
    text = client.get(f"/uppfoljning/export.csv?programme={seeded['programme'].id}").data.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    start = rows.index(["Kvartal för kvartal"]) + 2
    no_shows = published_no_shows(report)
    for offset, quarter in enumerate(report.quarters):
        row = rows[start + offset]
        assert row[0].startswith(quarter.quarter)
        assert [int(v) for v in row[1:6] + row[7:9]] == [
            quarter.new_persons, quarter.cumulative_persons, quarter.target_to_date, quarter.visits_completed,
            quarter.visits_counting, quarter.cancellations, quarter.declined,
        ]
        # no-shows as published: a small count (and what would reveal it) is "x"
        shown = no_shows[offset] if offset < len(report.elapsed) else 0
        assert row[6] == ("x" if shown is None else str(shown))
    assert report.totals.persons > 0


def test_cli_writes_json_csv_and_xlsx(runner, make, db, tmp_path) -> None:
    programme = _programme(make, db)
    result = runner.invoke(args=["report", "quarterly", "--programme", str(programme.id), "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["programme"]["id"] == programme.id and data["quarters"][0]["new_persons"] == 0
    out = tmp_path / "rapport.xlsx"
    result = runner.invoke(
        args=["report", "quarterly", "--programme", str(programme.id), "--format", "xlsx", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert "Kvartal" in openpyxl.load_workbook(out).sheetnames
    result = runner.invoke(args=["report", "quarterly", "--programme", str(programme.id), "--format", "csv"])
    assert result.exit_code == 0 and "Kvartal för kvartal" in result.stdout
    missing = runner.invoke(args=["report", "quarterly", "--programme", "9999"])
    assert missing.exit_code != 0 and "no programme" in missing.output


def test_goal_is_the_programmes(make, db, client, auth) -> None:
    programme = _programme(make, db)
    programme.goal(GoalKind.PERSONS_WORKPLACE_VISIT).target = 120
    db.commit()
    auth.login("steering")
    assert "0 av målet 120" in client.get("/uppfoljning/").get_data(as_text=True)


def test_exports_show_late_baselines_response_rate_and_confidence_interval(client, auth, db, make) -> None:
    """The steering group reads the questionnaire method's figures from the exports: links sent
    and finished, the response rate, pairs, unpaired and late "before" questionnaires, and the
    mean change with its 95 % interval."""
    today = clock.local_today()
    programme = make.programme(starts_on=today - dt.timedelta(days=200), ends_on=today + dt.timedelta(days=200))
    moments = (SurveyMoment.PARTICIPANT_BEFORE, SurveyMoment.PARTICIPANT_AFTER)
    before, after = (
        Survey(name=str(m), moment=m, questions=[
            SurveyQuestion(position=1, key="confidence", kind=QuestionKind.LIKERT, text_sv="Jag tror", text_en="x")
        ]) for m in moments
    )
    db.add_all([before, after])
    day = today - dt.timedelta(days=1)
    start = clock.local_datetime(day, dt.time(9))
    for i in range(11):
        person = make.candidate()
        visit = make.visit(person, day=day, hours=6, status=VisitStatus.COMPLETED, actual_hours=6)
        late = i < 5  # five answered "before" during the visit
        for survey, when, likert in (
            (before, start + dt.timedelta(hours=2) if late else start - dt.timedelta(days=3), 2),
            (after, start + dt.timedelta(hours=8), 3 + i % 2),
        ):
            invitation = SurveyInvitation(
                survey=survey, candidate=person, visit_id=visit.id, email="x@exempel.example",
                expires_at=when + dt.timedelta(days=20), sent_at=when - dt.timedelta(hours=1), completed_at=when,
            )
            invitation.answers.append(SurveyAnswer(question=survey.questions[0], likert=likert, answered_at=when))
            db.add(invitation)
    db.commit()
    auth.login("steering")
    text = client.get(f"/uppfoljning/export.csv?programme={programme.id}").data.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    at = rows.index(["Enkäter: svarsfrekvens och par"])
    header, body = rows[at + 1], rows[at + 2:]
    total = next(r for r in body if r[:2] == ["Deltagare, arbetsplatsbesök", "Totalt"])
    figures = dict(zip(header, total, strict=True))
    assert figures["Utskickade enkäter"] == "22" and figures["Besvarade enkäter"] == "22"
    assert figures["Efter-enkäter med par"] == "6" and figures["Efter-enkäter utan par"] == "5"
    assert figures["För sena före-enkäter"] == "5"
    workbook = openpyxl.load_workbook(io.BytesIO(client.get(f"/uppfoljning/export.xlsx?programme={programme.id}").data))
    sheet = workbook["Enkäter före och efter"]
    values = [list(r) for r in sheet.iter_rows(values_only=True)]
    header_at = next(i for i, r in enumerate(values) if r and r[0] == "Enkät")
    header = values[header_at]
    total = next(r for r in values[header_at + 1:] if r[0] == "Deltagare, arbetsplatsbesök" and r[2] == "Totalt")
    figures = dict(zip(header, total, strict=False))
    # Six pairs: changes 1, 2, 1, 2, 1, 2 (the late five never pair): mean 1.5, s = 0.548.
    assert figures["Antal par"] == 6 and figures["Medelförändring (skala 1–5)"] == 1.5
    assert (figures["95 % konfidensintervall, lägst"], figures["95 % konfidensintervall, högst"]) == (0.93, 2.07)
    assert figures["Andel som förbättrats"] == 1

    # The dashboard draws the change per question as an inline SVG with its table, and the
    # JSON report has the same figures.
    dashboard = client.get(f"/uppfoljning/?programme={programme.id}").get_data(as_text=True)
    chart = dashboard[dashboard.index('id="enkat-diagram"'):]
    assert '<svg role="img" aria-labelledby="enkat-diagram-title enkat-diagram-desc"' in chart
    assert "<title id=\"enkat-diagram-title\">" in chart and "Jag tror" in chart
    assert "+1.50" in chart and "+0.93 till +2.07" in chart
    totals = quarterly_report(db, programme).to_dict()["totals"]  # what /api/v1/.../report serves
    assert totals["survey_pairs"]["workplace_participant"]["confidence"]["ci95"] == [0.93, 2.07]
    assert totals["survey_response"]["workplace_participant"]["response_rate"] == 1.0
