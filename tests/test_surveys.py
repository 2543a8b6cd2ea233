"""Before/after questionnaires end to end: links sent through the outbox, answered page by page
without a login, single use, reminders once, and the paired figures in the report."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import sqlalchemy as sa

from models import OutboxMessage, Survey, SurveyAnswer, SurveyInvitation, SurveyQuestion, clock
from models.demo import default_surveys
from models.enums import SurveyMoment, VisitStatus
from models.operations import surveys as ops
from models.operations import visits as visit_ops
from models.operations.reports import quarterly_report

from .logins import enrol_totp, log_in, log_in_as

LINK = re.compile(r"/enkat/([A-Za-z0-9_.\-]+)")


def make_default_surveys(db) -> dict[SurveyMoment, Survey]:
    surveys = {}
    for survey in default_surveys():
        db.add(survey)
        surveys[survey.moment] = survey
    db.flush()
    return surveys


def outbox(db, kind: str) -> list[OutboxMessage]:
    return list(db.scalars(sa.select(OutboxMessage).where(OutboxMessage.kind == kind).order_by(OutboxMessage.id)))


def token_in(message: OutboxMessage) -> str:
    match = LINK.search(message.body_text)
    assert match, message.body_text
    return match.group(1)


@pytest.fixture
def setting(db, make):
    surveys = make_default_surveys(db)
    today = clock.local_today()
    programme = make.programme(starts_on=today - dt.timedelta(days=400), ends_on=today + dt.timedelta(days=400))
    candidate = make.candidate(email="deltagare@exempel.example")
    offer = make.offer(supervisor_email="handledare@foretag.example")
    visit = make.visit(candidate, offer, day=today + dt.timedelta(days=5), status=VisitStatus.CONFIRMED)
    db.commit()
    return {"surveys": surveys, "programme": programme, "candidate": candidate, "offer": offer, "visit": visit}


def answer_all(client, token: str, values: dict[str, str], db, moment: SurveyMoment) -> str:
    """Answer every page; Likert questions get values[key], text questions a comment."""
    survey = db.scalars(sa.select(Survey).where(Survey.moment == moment, Survey.active)).one()
    pages = ops.pages(survey)
    html = ""
    for number, page in enumerate(pages, start=1):
        data = {f"q{q.id}": values.get(q.key, "Bra dag") for q in page}
        data["finish" if number == len(pages) else "next"] = "1"
        response = client.post(f"/enkat/{token}?sida={number}", data=data)
        if number < len(pages):
            assert response.status_code == 302, response.get_data(as_text=True)[:400]
        html = response.get_data(as_text=True)
    return html


def test_send_answer_remind_and_pair_end_to_end(client, auth, db, setting, runner, time_travel) -> None:
    auth.login("project_leader")
    assert "2 enkäter väntar på att skickas." in client.get("/").get_data(as_text=True)
    page = client.get("/enkater/skicka").get_data(as_text=True)
    assert "Deltagare – före" in page and "Företag – före" in page
    client.post("/enkater/skicka")
    invitations = outbox(db, "survey_invitation")
    assert sorted(m.to_addr for m in invitations) == ["deltagare@exempel.example", "handledare@foretag.example"]
    participant_mail = next(m for m in invitations if m.to_addr == "deltagare@exempel.example")
    assert "http://127.0.0.1:5000/enkat/" in participant_mail.body_text
    before_token = token_in(participant_mail)
    auth.logout()

    # Page 1 is saved as soon as it is posted: answers are kept even if the rest never comes.
    first = client.get(f"/enkat/{before_token}")
    assert first.status_code == 200
    assert "Jag vet hur det är att arbeta på en arbetsplats i Sverige." in first.get_data(as_text=True)
    before_values = {"picture": "2", "confidence": "3", "contacts": "1", "field_interest": "4"}
    survey = setting["surveys"][SurveyMoment.PARTICIPANT_BEFORE]
    page_one = {f"q{q.id}": before_values[q.key] for q in ops.pages(survey)[0]} | {"next": "1"}
    assert client.post(f"/enkat/{before_token}?sida=1", data=page_one).status_code == 302
    assert db.scalar(sa.select(sa.func.count()).select_from(SurveyAnswer)) == 3
    thanks = answer_all(client, before_token, before_values, db, SurveyMoment.PARTICIPANT_BEFORE)
    assert "Tack för dina svar" in thanks
    used = client.get(f"/enkat/{before_token}")
    assert used.status_code == 410 and "redan besvarad" in used.get_data(as_text=True)

    # Sending again adds nothing: the participant already has a "before" questionnaire.
    result = runner.invoke(args=["send-surveys"])
    assert result.exit_code == 0 and result.output.startswith("0 questionnaire invitations")

    # Two days on, the visit has taken place; the "after" questionnaires become due.
    time_travel.shift(dt.timedelta(days=2))
    visit = db.get(type(setting["visit"]), setting["visit"].id)
    yesterday = clock.now() - dt.timedelta(days=1)
    visit.start_at, visit.end_at = yesterday, yesterday + dt.timedelta(hours=6)
    visit.visit_date = yesterday.date()
    visit_ops.transition(db, visit, VisitStatus.COMPLETED, by=None, party="project_leader")
    db.commit()
    result = runner.invoke(args=["send-surveys"])
    assert result.exit_code == 0 and result.output.startswith("2 questionnaire invitations"), result.output
    after_mail = next(
        m for m in outbox(db, "survey_invitation")
        if "efter besöket" in m.body_text and m.to_addr.startswith("deltagare")
    )
    after_values = {"picture": "4", "confidence": "3", "contacts": "3", "field_interest": "4"}
    answer_all(client, token_in(after_mail), after_values, db, SurveyMoment.PARTICIPANT_AFTER)

    # Reminders: the company's "after" is unanswered; a week later it is reminded once only.
    company_after = db.scalars(
        sa.select(SurveyInvitation).join(Survey).where(Survey.moment == SurveyMoment.COMPANY_AFTER)
    ).one()
    company_after.sent_at -= dt.timedelta(days=8)
    db.commit()
    for _ in range(2):
        assert runner.invoke(args=["send-survey-reminders"]).exit_code == 0
    reminders = outbox(db, "survey_reminder")
    assert [m.to_addr for m in reminders] == ["handledare@foretag.example"]
    assert token_in(reminders[0]) and "enda påminnelsen" in reminders[0].body_text
    db.refresh(company_after)
    assert company_after.reminded_at is not None

    report = quarterly_report(db, setting["programme"])
    pairs = report.totals.survey_pairs
    picture = pairs[("workplace_participant", "picture")]
    assert (picture.pairs, picture.change_sum) == (1, 2)
    assert pairs[("workplace_participant", "contacts")].improved == 1
    assert pairs[("workplace_participant", "confidence")].mean_change == 0
    assert ("workplace_company", "competence") not in pairs  # the company never answered "after"


def test_reminder_is_idempotent_even_if_reminded_at_is_lost(client, db, setting, app) -> None:
    from web.surveys.service import send_reminders

    invitation = ops.invite_for_visit(db, SurveyMoment.PARTICIPANT_BEFORE, setting["visit"])
    invitation.sent_at -= dt.timedelta(days=8)
    finished = ops.invite_for_visit(db, SurveyMoment.COMPANY_BEFORE, setting["visit"])
    finished.sent_at -= dt.timedelta(days=8)
    finished.completed_at = finished.sent_at + dt.timedelta(days=1)
    db.commit()
    with app.test_request_context():
        from web.extensions import db as web_db

        assert send_reminders() == 1
        web_db.session.commit()
        web_db.session.execute(sa.update(SurveyInvitation).values(reminded_at=None))
        assert send_reminders() == 0  # the outbox's dedupe key refuses the second
        web_db.session.commit()
    assert len(outbox(db, "survey_reminder")) == 1


def test_likert_answer_outside_1_to_5_is_a_field_error_and_nothing_is_saved(client, db, setting, app) -> None:
    invitation = ops.invite_for_visit(db, SurveyMoment.PARTICIPANT_BEFORE, setting["visit"])
    db.commit()
    with app.test_request_context():
        from web.surveys.service import answer_url

        token = LINK.search(answer_url(invitation)).group(1)
    page = ops.pages(setting["surveys"][SurveyMoment.PARTICIPANT_BEFORE])[0]
    for bad in ("7", "0", "tre"):
        data = {f"q{q.id}": "3" for q in page} | {f"q{page[1].id}": bad, "next": "1"}
        response = client.post(f"/enkat/{token}?sida=1", data=data)
        html = response.get_data(as_text=True)
        assert response.status_code == 422
        assert "Välj ett svar från 1 till 5." in html and f'id="q{page[1].id}-error"' in html
    assert db.scalar(sa.select(sa.func.count()).select_from(SurveyAnswer)) == 0


def test_tampered_expired_and_unknown_links_get_a_clear_page(client, db, setting, app) -> None:
    invitation = ops.invite_for_visit(db, SurveyMoment.PARTICIPANT_BEFORE, setting["visit"])
    db.commit()
    from web import links

    with app.test_request_context():
        token = links.make_token("survey", invitation.id)
        other_purpose = links.make_token("visit-answer", invitation.id)
        missing = links.make_token("survey", 99999)
    for bad in (token[:-4] + "abcd", other_purpose, "nonsense", missing):
        response = client.get(f"/enkat/{bad}")
        assert response.status_code == 404 and "Länken fungerar inte" in response.get_data(as_text=True)
    invitation.expires_at = clock.now() - dt.timedelta(minutes=1)
    db.commit()
    response = client.get(f"/enkat/{token}")
    assert response.status_code == 410 and "slutat gälla" in response.get_data(as_text=True)
    assert client.post(f"/enkat/{token}", data={"next": "1"}).status_code == 410


def test_signature_older_than_the_link_lifetime_is_expired(client, db, setting, app, monkeypatch) -> None:
    invitation = ops.invite_for_visit(db, SurveyMoment.PARTICIPANT_BEFORE, setting["visit"])
    db.commit()
    from web import links

    with app.test_request_context():
        token = links.make_token("survey", invitation.id)
    monkeypatch.setattr("web.surveys.views.LINK_MAX_AGE", dt.timedelta(seconds=-1))
    response = client.get(f"/enkat/{token}")
    assert response.status_code == 410 and "slutat gälla" in response.get_data(as_text=True)


def test_english_and_plain_swedish_wording(client, db, setting, app) -> None:
    invitation = ops.invite_for_visit(db, SurveyMoment.PARTICIPANT_BEFORE, setting["visit"])
    db.commit()
    from web import links

    with app.test_request_context():
        token = links.make_token("survey", invitation.id)
    english = client.get(f"/enkat/{token}?lang=en").get_data(as_text=True)
    assert "I know what it is like to work at a workplace in Sweden." in english and "Strongly agree" in english
    easy = client.get(f"/enkat/{token}?lang=sv&lattlast=1").get_data(as_text=True)
    assert "Jag vet hur det är på ett jobb i Sverige." in easy and "Ja, helt" in easy
    plain = client.get(f"/enkat/{token}?lang=sv").get_data(as_text=True)
    assert "Jag vet hur det är att arbeta på en arbetsplats i Sverige." in plain and "Stämmer helt" in plain


def test_due_rules_once_per_participant_and_company_with_consent_and_email(db, make, setting) -> None:
    now = clock.now()
    due = {(d.moment, d.visit.id) for d in ops.due_invitations(db, now=now)}
    visit = setting["visit"]
    assert due == {(SurveyMoment.PARTICIPANT_BEFORE, visit.id), (SurveyMoment.COMPANY_BEFORE, visit.id)}
    # a second confirmed visit of the same person and company does not ask again
    second = make.visit(setting["candidate"], setting["offer"], day=clock.local_today() + dt.timedelta(days=9),
                        status=VisitStatus.CONFIRMED)
    ops.invite_for_visit(db, SurveyMoment.PARTICIPANT_BEFORE, visit)
    ops.invite_for_visit(db, SurveyMoment.COMPANY_BEFORE, visit)
    db.commit()
    assert [d for d in ops.due_invitations(db, now=now) if d.visit.id == second.id] == []
    withdrawn = make.candidate(email="slutat@exempel.example")
    withdrawn.consents[0].withdrawn_at = now
    gone = make.visit(withdrawn, day=clock.local_today() + dt.timedelta(days=10), status=VisitStatus.CONFIRMED)
    db.commit()
    assert (SurveyMoment.PARTICIPANT_BEFORE, gone.id) not in {(d.moment, d.visit.id) for d in ops.due_invitations(db)}
    with pytest.raises(ops.Conflict, match="samtycke"):
        ops.invite_for_visit(db, SurveyMoment.PARTICIPANT_BEFORE, gone)
    no_email = make.candidate(email=None)
    lonely = make.visit(no_email, day=clock.local_today() + dt.timedelta(days=12), status=VisitStatus.CONFIRMED)
    db.commit()
    assert ops.respondent_email(SurveyMoment.PARTICIPANT_BEFORE, lonely) == ""
    with pytest.raises(ops.DomainError, match="ingen e-postadress"):
        ops.invite_for_visit(db, SurveyMoment.PARTICIPANT_BEFORE, lonely)


def test_question_sets_are_managed_by_project_leaders_and_admins(client, auth, db, setting) -> None:
    auth.login("welfare_officer")
    assert client.get("/enkater/").status_code == 403
    auth.logout()
    auth.login("admin")
    assert client.get("/enkater/skicka").status_code == 403  # sending is case work
    response = client.post(
        "/enkater/ny", data={"name": "Deltagare före, version 2", "moment": "participant_before", "active": "y"}
    )
    assert response.status_code == 302
    new = db.scalars(sa.select(Survey).where(Survey.name == "Deltagare före, version 2")).one()
    old = setting["surveys"][SurveyMoment.PARTICIPANT_BEFORE]
    db.refresh(old)
    assert new.active and not old.active  # one active set per moment
    question = {"kind": "likert", "text_sv": "Jag tror på mig själv.", "text_en": "I believe in myself."}
    bad = client.post(f"/enkater/{new.id}/fragor/ny", data=question | {"key": "Min Fråga"})
    assert bad.status_code == 422 and "små bokstäver" in bad.get_data(as_text=True)
    ok = client.post(f"/enkater/{new.id}/fragor/ny", data=question | {"key": "confidence"})
    assert ok.status_code == 302
    db.refresh(new)
    assert [(q.position, q.key) for q in new.questions] == [(1, "confidence")]


def test_a_question_with_answers_cannot_be_deleted(client, auth, db, setting) -> None:
    invitation = ops.invite_for_visit(db, SurveyMoment.PARTICIPANT_BEFORE, setting["visit"])
    question = setting["surveys"][SurveyMoment.PARTICIPANT_BEFORE].questions[0]
    ops.save_answers(db, invitation, {question.id: "4"})
    db.commit()
    auth.login("project_leader")
    response = client.post(f"/enkater/{question.survey_id}/fragor/{question.id}/ta-bort", follow_redirects=True)
    assert "har svar och kan inte tas bort" in response.get_data(as_text=True)
    assert db.get(SurveyQuestion, question.id) is not None
    last = setting["surveys"][SurveyMoment.PARTICIPANT_BEFORE].questions[-1]
    client.post(f"/enkater/{question.survey_id}/fragor/{last.id}/upp")
    db.expire_all()
    keys = [q.key for q in db.get(Survey, question.survey_id).questions]
    assert keys[-2:] == ["comment", "field_interest"]


def test_start_page_count_equals_the_due_list(db, make, setting) -> None:
    """The panel counts in the database what the send page lists: one per visit after it for
    participants, otherwise one per participant or company, consent and contact rules included."""
    today = clock.local_today()
    candidate, offer = setting["candidate"], setting["offer"]
    make.visit(candidate, offer, day=today + dt.timedelta(days=8), status=VisitStatus.CONFIRMED)  # same person
    other = make.candidate(email="annan@exempel.example")
    make.visit(other, offer, day=today + dt.timedelta(days=6), status=VisitStatus.CONFIRMED)  # same company
    for back in (2, 3):  # completed recently, at one company: two participant invitations, one company
        make.visit(make.candidate(email=f"klar{back}@exempel.example"), offer, day=today - dt.timedelta(days=back),
                   status=VisitStatus.COMPLETED)
    withdrawn = make.candidate(email="utan@exempel.example")
    withdrawn.consents[0].withdrawn_at = clock.now()
    make.visit(withdrawn, day=today + dt.timedelta(days=7), status=VisitStatus.CONFIRMED)
    db.commit()
    now = clock.now()
    due = ops.due_invitations(db, now=now)
    counted = {moment: sum(1 for d in due if d.moment == moment) for moment in SurveyMoment}
    assert counted[SurveyMoment.PARTICIPANT_BEFORE] == 2  # the person once, the other person once
    assert counted[SurveyMoment.PARTICIPANT_AFTER] == 2
    assert ops.count_due_invitations(db, now=now) == len(due)
    other.consents[0].withdrawn_at = clock.now()  # the panel follows at once
    db.commit()
    assert ops.count_due_invitations(db, now=now) == len(due) - 1 == len(ops.due_invitations(db, now=now))


def test_a_before_questionnaire_answered_after_the_visit_began_is_kept_and_marked_late(
    client, auth, db, setting, time_travel
) -> None:
    invitation = ops.invite_for_visit(db, SurveyMoment.PARTICIPANT_BEFORE, setting["visit"])
    db.commit()
    # The participant opens the link only once the visit has started: the answers are kept.
    time_travel.move_to(setting["visit"].start_at + dt.timedelta(hours=1))
    question = setting["surveys"][SurveyMoment.PARTICIPANT_BEFORE].questions[0]
    ops.save_answers(db, invitation, {question.id: "4"})
    ops.complete(db, invitation)
    db.commit()
    auth.login("project_leader")
    page = client.get("/enkater/").get_data(as_text=True)
    assert "För sent besvarade" in page
    before = setting["surveys"][SurveyMoment.PARTICIPANT_BEFORE]
    assert ops.invitation_counts(db, [before.id])[before.id] == (1, 1, 1)
    assert re.search(r'<span class="badge warn">1</span>', page)


def test_changing_the_wording_of_a_sent_question_makes_a_new_version_and_pairs_stay_within_one(
    client, auth, db, setting, make, time_travel, vault
) -> None:
    before = setting["surveys"][SurveyMoment.PARTICIPANT_BEFORE]
    after = setting["surveys"][SurveyMoment.PARTICIPANT_AFTER]
    confidence = next(q for q in before.questions if q.key == "confidence")
    # Version 1 has gone out: a participant answered "before" (before the visit) as 2.
    first = ops.invite_for_visit(db, SurveyMoment.PARTICIPANT_BEFORE, setting["visit"])
    ops.save_answers(db, first, {confidence.id: "2"})
    db.commit()

    admin = log_in_as(client, make, vault, "admin")
    wording = {"key": "confidence", "kind": "likert", "text_sv": "Jag tror att jag snart kan få ett arbete.",
               "text_en": "I believe I can soon get a job.", "text_easy_sv": "Jag tror att jag snart får ett jobb."}
    response = client.post(f"/enkater/{before.id}/fragor/{confidence.id}", data=wording)
    assert response.status_code == 302
    db.expire_all()
    v2_before = ops.active_survey(db, SurveyMoment.PARTICIPANT_BEFORE)
    v2_after = ops.active_survey(db, SurveyMoment.PARTICIPANT_AFTER)
    assert (v2_before.version, v2_after.version) == (2, 2)  # both sides move together
    assert response.headers["Location"].endswith(f"/enkater/{v2_before.id}")
    assert not db.get(Survey, before.id).active and not db.get(Survey, after.id).active
    # Version 1 keeps its wording (the answers were given to it); version 2 has the new one.
    assert confidence.text_sv == "Jag tror att jag kan få ett arbete."
    assert next(q for q in v2_before.questions if q.key == "confidence").text_sv == wording["text_sv"]
    assert v2_before.created_by_id == admin.id

    # The "after" questionnaire goes out in version 2: the version-1 baseline does not pair.
    visit = db.get(type(setting["visit"]), setting["visit"].id)
    time_travel.move_to(visit.end_at + dt.timedelta(minutes=30))
    visit_ops.transition(db, visit, VisitStatus.COMPLETED, by=None, party="project_leader")
    late_after = ops.invite_for_visit(db, SurveyMoment.PARTICIPANT_AFTER, visit)
    v2_confidence = next(q for q in v2_after.questions if q.key == "confidence")
    ops.save_answers(db, late_after, {v2_confidence.id: "5"}, now=visit.end_at + dt.timedelta(hours=1))
    db.commit()
    report = quarterly_report(db, setting["programme"], today=clock.local_date(visit.end_at + dt.timedelta(days=1)))
    assert ("workplace_participant", "confidence") not in report.totals.survey_pairs
    assert report.totals.survey_units["workplace_participant"].unpaired == 1

    # The history page under admin shows both versions with their wording.
    log_in(client, admin, enrol_totp(db, admin, vault))
    page = client.get("/admin/enkater").get_data(as_text=True)
    assert "Version 2" in page and "Version 1" in page
    assert wording["text_sv"] in page and "Jag tror att jag kan få ett arbete." in page


def test_saving_a_question_unchanged_or_in_an_unsent_set_makes_no_version(client, auth, db, setting) -> None:
    before = setting["surveys"][SurveyMoment.PARTICIPANT_BEFORE]
    question = before.questions[0]
    auth.login("project_leader")
    same = {"key": question.key, "kind": "likert", "text_sv": question.text_sv, "text_en": question.text_en,
            "text_easy_sv": question.text_easy_sv}
    assert client.post(f"/enkater/{before.id}/fragor/{question.id}", data=same).status_code == 302
    changed = same | {"text_sv": "Ny formulering."}
    assert client.post(f"/enkater/{before.id}/fragor/{question.id}", data=changed).status_code == 302
    db.expire_all()
    assert db.scalar(sa.select(sa.func.max(Survey.version))) == 1  # nothing was sent: changed in place
    assert db.get(SurveyQuestion, question.id).text_sv == "Ny formulering."


def _sent_a_week_ago(db, runner) -> list[SurveyInvitation]:
    assert runner.invoke(args=["send-surveys"]).output.startswith("2 questionnaire invitations")
    invitations = list(db.scalars(sa.select(SurveyInvitation)))
    for invitation in invitations:
        invitation.sent_at -= dt.timedelta(days=8)
    db.commit()
    return invitations


def test_no_reminder_reaches_a_participant_who_withdrew_consent(db, setting, runner, make) -> None:
    """An outside tester's find: the first mailing checked consent, the reminder did not."""
    from models.operations.candidates import consent as consent_ops

    _sent_a_week_ago(db, runner)
    consent_ops.withdraw_consent(db, setting["candidate"], by=make.user("welfare_officer"))
    db.commit()
    assert runner.invoke(args=["send-survey-reminders"]).exit_code == 0
    assert [m.to_addr for m in outbox(db, "survey_reminder")] == ["handledare@foretag.example"]


def test_no_reminder_for_a_before_questionnaire_once_its_visit_has_started(db, setting, runner) -> None:
    """An answer given after the visit started is late and never a baseline: asking for it again
    then only brings answers that cannot be used (an outside tester's find)."""
    _sent_a_week_ago(db, runner)
    visit = db.get(type(setting["visit"]), setting["visit"].id)
    visit.start_at, visit.end_at = clock.now() - dt.timedelta(hours=1), clock.now() + dt.timedelta(hours=5)
    db.commit()
    assert runner.invoke(args=["send-survey-reminders"]).exit_code == 0
    assert outbox(db, "survey_reminder") == []
