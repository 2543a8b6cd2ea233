"""The workplace feedback template: who fills it and when, bad input, no-shows, the
participant's part for the officer, and the ranker's "good feedback" label."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from models import Feedback, clock
from models.enums import Role, VisitStatus
from models.operations import visits as visit_ops
from models.operations.feedback import feedback_score, feedback_score_sql, good_feedback, good_feedback_sql

PAST = clock.local_today() - dt.timedelta(days=3)
GOOD = {
    "punctuality": "5", "interest": "4", "overall": "4", "strengths": "Nyfiken och ställde bra frågor.",
    "to_develop": "Ta egna initiativ.", "would_welcome_again": "yes", "further_interest": "internship",
    "message_to_participant": "Tack för besöket!", "internal_note": "Kom tio minuter sent men ringde.",
    "filled_by_name": "Hanna Handledare",
}


@pytest.fixture
def visit(make, db):
    officer = make.user(Role.WELFARE_OFFICER)
    candidate = make.candidate(referred_by=officer, first_name="Samira", last_name="Exempelsson")
    visit = make.visit(candidate, day=PAST, status=VisitStatus.COMPLETED, actual_hours=6)
    employer = make.user(Role.EMPLOYER, company=visit.offer.company)
    db.commit()
    return {"visit": visit, "officer": officer, "employer": employer}


def url(visit) -> str:
    return f"/besok/{visit.id}/aterkoppling"


def test_employer_fills_the_template_after_a_completed_visit(client, auth, db, visit) -> None:
    auth.login(visit["employer"])
    form = client.get(url(visit["visit"])).get_data(as_text=True)
    assert "Samira" in form and "Exempelsson" not in form  # employers see the first name only
    assert "Helhetsintryck" in form
    response = client.post(url(visit["visit"]), data=GOOD)
    assert response.status_code == 302
    feedback = db.scalars(sa.select(Feedback)).one()
    assert (feedback.attended, feedback.punctuality, feedback.interest, feedback.overall) == (True, 5, 4, 4)
    assert feedback.would_welcome_again and feedback.further_interest.value == "internship"
    assert feedback.filled_by_id == visit["employer"].id and feedback.filled_by_name == "Hanna Handledare"
    assert good_feedback(feedback)
    # A second save corrects the same row.
    client.post(url(visit["visit"]), data=GOOD | {"overall": "3"})
    db.expire_all()
    assert db.scalar(sa.select(sa.func.count()).select_from(Feedback)) == 1
    assert not good_feedback(db.scalars(sa.select(Feedback)).one())


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"overall": "9"}, "overall", "Välj ett värde från 1 till 5."),
        ({"punctuality": "0"}, "punctuality", "Välj ett värde från 1 till 5."),
        ({"interest": ""}, "interest", "Välj ett värde från 1 till 5."),
        ({"would_welcome_again": ""}, "would_welcome_again", "Svara ja eller nej."),
        ({"further_interest": "marriage"}, "further_interest", "Välj ett av alternativen."),
    ],
)
def test_bad_answers_are_field_errors_and_nothing_is_saved(client, auth, db, visit, change, field, message) -> None:
    auth.login("project_leader")
    response = client.post(url(visit["visit"]), data=GOOD | change)
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and message in html and f'id="{field}-error"' in html
    assert db.scalar(sa.select(sa.func.count()).select_from(Feedback)) == 0


def test_only_the_visits_company_and_project_leaders_fill_it(client, auth, make, db, visit) -> None:
    other_employer = make.user(Role.EMPLOYER)
    db.commit()
    for who in (other_employer, visit["officer"], "steering", "admin"):
        auth.login(who)
        assert client.get(url(visit["visit"])).status_code == 403, who
        auth.logout()
    auth.login("project_leader")
    assert client.get(url(visit["visit"])).status_code == 200
    assert client.get("/besok/99999/aterkoppling").status_code == 404


def test_no_feedback_before_the_visit_has_an_outcome(client, auth, make, db) -> None:
    confirmed = make.visit(day=clock.local_today() + dt.timedelta(days=4), status=VisitStatus.CONFIRMED)
    db.commit()
    auth.login("project_leader")
    response = client.post(f"/besok/{confirmed.id}/aterkoppling", data=GOOD)
    assert response.status_code == 409 and "fylls i efter besöket" in response.get_data(as_text=True)
    assert db.scalar(sa.select(sa.func.count()).select_from(Feedback)) == 0


def test_a_no_show_records_attendance_no_without_ratings(client, auth, make, db) -> None:
    no_show = make.visit(day=PAST, status=VisitStatus.NO_SHOW)
    db.commit()
    auth.login("project_leader")
    form = client.get(f"/besok/{no_show.id}/aterkoppling").get_data(as_text=True)
    assert "registrerat som uteblivet" in form and "Helhetsintryck" not in form
    response = client.post(
        f"/besok/{no_show.id}/aterkoppling",
        data={"would_welcome_again": "no", "further_interest": "none", "overall": "5", "strengths": "x"},
    )
    assert response.status_code == 302
    feedback = db.scalars(sa.select(Feedback)).one()
    assert (feedback.attended, feedback.overall, feedback.strengths) == (False, None, "")
    assert not good_feedback(feedback)


def test_a_corrected_outcome_changes_what_the_template_asks(client, auth, db, visit) -> None:
    visit_ops.correct_outcome(db, visit["visit"], VisitStatus.NO_SHOW, by=None, reason="kom inte")
    db.commit()
    auth.login("project_leader")
    assert "registrerat som uteblivet" in client.get(url(visit["visit"])).get_data(as_text=True)


def test_good_feedback_sql_agrees_with_the_python_rule(db, make) -> None:
    cases = [(5, True), (4, True), (4, False), (3, True), (None, True)]
    for overall, again in cases:
        visit = make.visit(day=PAST, status=VisitStatus.COMPLETED, actual_hours=6)
        db.add(Feedback(visit_id=visit.id, attended=overall is not None, punctuality=overall, interest=overall,
                        overall=overall, would_welcome_again=again))
    db.commit()
    rows = db.execute(sa.select(Feedback, good_feedback_sql(), feedback_score_sql()).order_by(Feedback.id)).all()
    flags = [bool(flag) for _, flag, _ in rows]
    assert flags == [good_feedback(f) for f, _, _ in rows] == [True, True, False, False, False]
    assert db.scalar(sa.select(sa.func.count()).where(good_feedback_sql())) == 2
    # The number the matcher's history file carries: "4 or more" is exactly good feedback.
    scores = [score for _, _, score in rows]
    assert scores == [feedback_score(f) for f, _, _ in rows] == [5, 4, 3, 3, None]


def test_the_officer_sees_the_participant_part_without_ratings_or_the_note(client, auth, make, db, visit) -> None:
    auth.login(visit["employer"])
    client.post(url(visit["visit"]), data=GOOD)
    auth.logout()
    auth.login(visit["officer"])
    page = client.get(f"{url(visit['visit'])}/deltagare")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Nyfiken och ställde bra frågor." in html and "Tack för besöket!" in html and "Praktik" in html
    assert "Kom tio minuter sent" not in html and "Helhetsintryck" not in html
    auth.logout()
    for who in (make.user(Role.WELFARE_OFFICER), visit["employer"]):
        db.commit()
        auth.login(who)
        assert client.get(f"{url(visit['visit'])}/deltagare").status_code == 403
        auth.logout()


def test_feedback_for_candidate_respects_who_asks(app, db, make, visit) -> None:
    from web.feedback.parts import feedback_for_candidate

    db.add(Feedback(visit_id=visit["visit"].id, attended=True, punctuality=4, interest=4, overall=4,
                    would_welcome_again=True))
    stranger = make.user(Role.WELFARE_OFFICER)
    db.commit()
    with app.test_request_context():
        from web.extensions import db as web_db

        candidate = web_db.session.get(type(visit["visit"].candidate), visit["visit"].candidate_id)
        officer = web_db.session.get(type(visit["officer"]), visit["officer"].id)
        other = web_db.session.get(type(stranger), stranger.id)
        assert [f.visit_id for f in feedback_for_candidate(candidate, officer)] == [visit["visit"].id]
        assert feedback_for_candidate(candidate, other) == []


def test_start_page_says_more_than_the_list_holds_when_more_visits_wait(client, auth, make, db, monkeypatch) -> None:
    from models.operations import feedback as feedback_ops

    monkeypatch.setattr(feedback_ops, "WAITING_SHOWN", 3)
    for n in range(4):
        make.visit(day=PAST - dt.timedelta(days=n), status=VisitStatus.COMPLETED, actual_hours=6)
    db.commit()
    auth.login("project_leader")
    start = client.get("/").get_data(as_text=True)
    assert "Fler än 3 besök väntar på återkoppling enligt mallen." in start and "4 besök" not in start
    listed = client.get("/aterkoppling/").get_data(as_text=True)
    assert "Fler än 3 besök väntar. Här visas de 3 senaste." in listed and listed.count(">Fyll i<") == 3
    assert feedback_ops.count_waiting_for_feedback(db, sa.true(), up_to=3) == 4
    assert feedback_ops.count_waiting_for_feedback(db, sa.true(), up_to=10) == 4
    waiting = feedback_ops.waiting_for_feedback(db, sa.true(), limit=3)
    assert [v.start_at for v in waiting] == sorted((v.start_at for v in waiting), reverse=True)  # the latest
    db.add(Feedback(visit=waiting[0], attended=True, punctuality=4, interest=4, overall=4, would_welcome_again=True))
    db.commit()
    start = client.get("/").get_data(as_text=True)
    assert "3 besök väntar på återkoppling enligt mallen." in start and "Fler än" not in start
    assert "Fler än" not in client.get("/aterkoppling/").get_data(as_text=True)


def test_pending_list_shows_each_their_own(client, auth, make, db, visit) -> None:
    elsewhere = make.visit(day=PAST, status=VisitStatus.COMPLETED, actual_hours=6)
    db.commit()
    auth.login(visit["employer"])
    html = client.get("/aterkoppling/").get_data(as_text=True)
    assert f"/besok/{visit['visit'].id}/aterkoppling" in html
    assert f"/besok/{elsewhere.id}/aterkoppling" not in html
    start = client.get("/").get_data(as_text=True)
    assert "1 besök väntar på återkoppling" in start
    auth.logout()
    auth.login("project_leader")
    html = client.get("/aterkoppling/").get_data(as_text=True)
    assert f"/besok/{elsewhere.id}/aterkoppling" in html and f"/besok/{visit['visit'].id}/aterkoppling" in html
    auth.logout()
    auth.login("steering")
    assert client.get("/aterkoppling/").status_code == 403
