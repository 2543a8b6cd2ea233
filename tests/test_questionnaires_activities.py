"""Questionnaires beyond the workplace visit (issue #22): participants before and after each
kind of group activity, and the anonymous questionnaire for the colleagues at a hosting
workplace, by a link the supervisor forwards, counted per company and never per person."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import sqlalchemy as sa

from models import Activity, ActivityParticipant, OutboxMessage, SurveyInvitation, clock
from models.enums import ActivityType, AttendanceStatus, SurveyMoment, VisitStatus
from models.operations import surveys as ops
from models.operations.question_sets import ACTIVITY_PARTICIPANT, install_missing
from models.operations.reports import quarterly_report

ANSWER_LINK = re.compile(r"/enkat/([A-Za-z0-9_.\-]+)")
EMPLOYEE_LINK = re.compile(r"/enkat/medarbetare/([A-Za-z0-9_.\-]+)")


def _mails(db, kind: str) -> list[OutboxMessage]:
    return list(db.scalars(sa.select(OutboxMessage).where(OutboxMessage.kind == kind).order_by(OutboxMessage.id)))


@pytest.fixture
def standard(db):
    install_missing(db)
    db.commit()


def _answer(client, token: str, likert: str) -> None:
    """Answer every page of the questionnaire, every Likert question with `likert`."""
    page = client.get(f"/enkat/{token}")
    assert page.status_code == 200, page.get_data(as_text=True)[:300]
    html = page.get_data(as_text=True)
    fields = sorted(set(re.findall(r'name="(q\d+)"', html)))
    number = 1
    while True:
        data = {f: likert for f in fields}
        last = "Skicka in svaren" in html
        data["finish" if last else "next"] = "1"
        response = client.post(f"/enkat/{token}?sida={number}", data=data)
        if last:
            assert "Tack för dina svar" in response.get_data(as_text=True)
            return
        number += 1
        html = client.get(f"/enkat/{token}?sida={number}").get_data(as_text=True)
        fields = sorted(set(re.findall(r'name="(q\d+)"', html)))


@pytest.mark.parametrize("activity_type", list(ActivityType))
def test_every_group_activity_has_a_before_and_after_questionnaire_that_pairs(
    client, db, make, runner, time_travel, standard, activity_type
) -> None:
    today = clock.local_today()
    programme = make.programme(starts_on=today - dt.timedelta(days=100), ends_on=today + dt.timedelta(days=300))
    starts = clock.local_datetime(today + dt.timedelta(days=3), dt.time(13))
    activity = Activity(type=activity_type, title="Aktivitet", starts_at=starts, ends_at=starts + dt.timedelta(hours=2))
    person = make.candidate(email="deltagare@exempel.example")
    activity.participants.append(ActivityParticipant(candidate=person))
    db.add(activity)
    db.commit()

    # The start page and the send page count it (they counted visits only: an outside tester's find)
    assert ops.count_due_invitations(db) == len(ops.due_activity_invitations(db)) == 1
    assert runner.invoke(args=["send-surveys"]).output.startswith("1 questionnaire invitations")
    assert ops.count_due_invitations(db) == 0
    before = _mails(db, "survey_invitation")[-1]
    assert "aktivitet" in before.body_text
    _answer(client, ANSWER_LINK.search(before.body_text).group(1), "2")

    # The activity takes place; the participant is marked as attended and asked "after".
    time_travel.move_to(starts + dt.timedelta(hours=3))
    activity = db.get(Activity, activity.id)
    activity.participants[0].status = AttendanceStatus.ATTENDED
    db.commit()
    assert ops.count_due_invitations(db) == 1
    assert runner.invoke(args=["send-surveys"]).output.startswith("1 questionnaire invitations")
    after = _mails(db, "survey_invitation")[-1]
    _answer(client, ANSWER_LINK.search(after.body_text).group(1), "4")
    assert runner.invoke(args=["send-surveys"]).output.startswith("0 questionnaire invitations")

    invitations = db.scalars(sa.select(SurveyInvitation).order_by(SurveyInvitation.id)).all()
    assert {i.survey.questionnaire for i in invitations} == {ACTIVITY_PARTICIPANT[activity_type]}
    assert all(i.activity_id == activity.id for i in invitations)
    report = quarterly_report(db, programme, today=clock.local_today())
    code = ACTIVITY_PARTICIPANT[activity_type]
    pair = report.totals.survey_pairs[(code, "confidence")]
    assert (pair.pairs, pair.change_sum) == (1, 2)
    units = report.totals.survey_units[code]
    assert (units.invitations_sent, units.invitations_answered, units.paired) == (2, 2, 1)


def test_colleagues_answer_anonymously_by_the_forwarded_link_counted_per_company(
    client, db, make, runner, time_travel, standard
) -> None:
    today = clock.local_today()
    programme = make.programme(starts_on=today - dt.timedelta(days=100), ends_on=today + dt.timedelta(days=300))
    offer = make.offer(supervisor_email="handledare@foretag.example")
    visit = make.visit(make.candidate(email="d@exempel.example"), offer, day=today - dt.timedelta(days=1),
                       status=VisitStatus.COMPLETED, actual_hours=5)
    db.commit()
    runner.invoke(args=["send-surveys"])
    company_after = next(m for m in _mails(db, "survey_invitation") if m.to_addr == "handledare@foretag.example")
    token = EMPLOYEE_LINK.search(company_after.body_text).group(1)
    assert "kollegerna" in company_after.body_text

    page = client.get(f"/enkat/medarbetare/{token}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "anonymt" in html
    fields = sorted(set(re.findall(r'name="(q\d+)"', html)))
    assert len(fields) == 3
    # Nothing answered: a clear message, nothing saved.
    empty = client.post(f"/enkat/medarbetare/{token}", data={})
    assert empty.status_code == 422 and "minst en fråga" in empty.get_data(as_text=True)
    assert db.scalar(sa.select(sa.func.count()).select_from(SurveyInvitation).where(SurveyInvitation.email == "")) == 0
    for value in ("4", "5", "3", "4", "5", "2"):  # six colleagues, one link
        response = client.post(f"/enkat/medarbetare/{token}", data={f: value for f in fields})
        assert response.status_code == 200 and "räknas för hela arbetsplatsen" in response.get_data(as_text=True)
    answers = db.scalars(sa.select(SurveyInvitation).where(SurveyInvitation.email == "")).all()
    assert len(answers) == 6
    assert all(a.candidate_id is None and a.company_id == offer.company_id for a in answers)

    report = quarterly_report(db, programme)
    employees = report.totals.employees
    assert (employees.answers, employees.companies) == (6, 1)
    assert employees.mean("competence") == pytest.approx(23 / 6)
    shown = report.to_dict()["totals"]["employees"]["total"]
    assert shown["answers"] == 6 and shown["mean"]["competence"] == 3.83

    # A tampered link and one whose visit is long past answer clearly.
    bad = client.get(f"/enkat/medarbetare/{token[:-3]}xyz")
    assert bad.status_code == 404 and "Länken fungerar inte" in bad.get_data(as_text=True)
    time_travel.move_to(visit.end_at + dt.timedelta(days=ops.LINK_DAYS + 1))
    late = client.get(f"/enkat/medarbetare/{token}")
    assert late.status_code == 410 and "slutat gälla" in late.get_data(as_text=True)


def test_few_colleague_answers_are_hidden(db, make, standard) -> None:
    today = clock.local_today()
    programme = make.programme(starts_on=today - dt.timedelta(days=100), ends_on=today + dt.timedelta(days=300))
    visit = make.visit(day=today - dt.timedelta(days=1), status=VisitStatus.COMPLETED, actual_hours=5)
    db.flush()
    survey = ops.employee_survey(db)
    for value in ("5", "5"):
        ops.save_employee_answers(db, visit, {q.id: value for q in survey.questions})
    db.commit()
    shown = quarterly_report(db, programme).to_dict()["totals"]["employees"]["total"]
    assert shown["answers"] == "x" and shown["mean"]["competence"] is None and shown["companies"] == 1


def test_an_activity_questionnaire_does_not_stand_in_for_the_workplace_one(db, make, standard) -> None:
    """A participant asked "before" a stadium visit is still asked "before" their workplace visit:
    the two are different questionnaires and pair only with their own "after"."""
    today = clock.local_today()
    person = make.candidate(email="deltagare@exempel.example")
    starts = clock.local_datetime(today + dt.timedelta(days=2), dt.time(13))
    activity = Activity(type=ActivityType.STADIUM_VISIT, title="Arena", starts_at=starts,
                        ends_at=starts + dt.timedelta(hours=2))
    activity.participants.append(ActivityParticipant(candidate=person))
    db.add(activity)
    make.visit(person, day=today + dt.timedelta(days=5), status=VisitStatus.CONFIRMED)
    db.flush()
    ops.invite_for_activity(db, SurveyMoment.PARTICIPANT_BEFORE, activity, person)
    due = ops.due_invitations(db)
    assert [d.moment for d in due if d.for_participant] == [SurveyMoment.PARTICIPANT_BEFORE]
    assert ops.count_due_invitations(db) == len(due)


def test_the_send_page_lists_and_counts_the_group_activities_questionnaires(client, auth, db, make, standard) -> None:
    """It said "Inga enkäter väntar" while its button would send activity questionnaires."""
    starts = clock.local_datetime(clock.local_today() + dt.timedelta(days=3), dt.time(13))
    activity = Activity(type=ActivityType.WELLNESS, title="Promenad", starts_at=starts,
                        ends_at=starts + dt.timedelta(hours=2))
    activity.participants.append(ActivityParticipant(candidate=make.candidate(email="d@exempel.example",
                                                                              first_name="Ulla", last_name="Berg")))
    db.add(activity)
    db.commit()
    auth.login("project_leader")
    page = client.get("/enkater/skicka").get_data(as_text=True)
    assert "«Promenad»" in page and "UB" in page and "Skicka 1 enkät<" in page
    assert "1 enkät väntar på att skickas." in client.get("/").get_data(as_text=True)
