"""Retention: `purge-expired` anonymises candidates whose case closed longer ago than
RETENTION_MONTHS, removes identity, contact details and free text, and leaves the quarterly
report exactly as it was."""

from __future__ import annotations

import dataclasses
import datetime as dt

import sqlalchemy as sa

from models import (
    Activity,
    ActivityParticipant,
    AuditEvent,
    Candidate,
    Feedback,
    FollowUp,
    OutboxMessage,
    Referral,
    Survey,
    SurveyAnswer,
    SurveyInvitation,
    SurveyQuestion,
    Visit,
    clock,
)
from models.enums import (
    ActivityType,
    AttendanceStatus,
    FollowUpResult,
    Network,
    QuestionKind,
    ReferralStatus,
    SizeClass,
    SurveyMoment,
    TargetGroup,
    VisitStatus,
)
from models.operations.reports import quarterly_report
from models.operations.retention import months_before

NOW = clock.now()
TODAY = clock.local_today()


def _closed(make, vault, months_ago: int, **kw) -> Candidate:
    candidate = make.candidate(
        status=ReferralStatus.CLOSED, vault=vault, phone="070-000 00 00", email=f"kandidat{months_ago}@test.example",
        postcode="25221", needs_other="Behöver pauser för medicinering", needs_accessible=True,
        adjustments=["breaks"], to_workplace="Tar gärna en paus efter lunch", **kw,
    )
    referral = candidate.referrals[0]
    referral.closed_at = NOW - dt.timedelta(days=months_ago * 31)
    referral.reason = "Har varit sjukskriven länge och vill prova på lager"
    referral.return_reason = "Saknade samtycke först"
    make.session.flush()
    return candidate


def _completed_visit(make, candidate, offer, day: dt.date, **kw) -> Visit:
    return make.visit(candidate, offer, day=day, hours=6, status=VisitStatus.COMPLETED, actual_hours=6, **kw)


def _surveys(db):
    before = Survey(name="Före", moment=SurveyMoment.PARTICIPANT_BEFORE)
    after = Survey(name="Efter", moment=SurveyMoment.PARTICIPANT_AFTER)
    for survey in (before, after):
        survey.questions = [
            SurveyQuestion(position=1, key="confidence", kind=QuestionKind.LIKERT, text_sv="Trygghet",
                           text_en="Confidence"),
            SurveyQuestion(position=2, key="comment", kind=QuestionKind.TEXT, text_sv="Kommentar", text_en="Comment"),
        ]
        db.add(survey)
    db.flush()
    return before, after


def _answer(db, survey, candidate, visit, at, likert, text):
    invitation = SurveyInvitation(
        survey=survey, candidate=candidate, visit_id=visit.id, email=candidate.email or "",
        sent_at=at - dt.timedelta(days=1), expires_at=at + dt.timedelta(days=14), completed_at=at,
    )
    invitation.answers = [
        SurveyAnswer(question=survey.questions[0], likert=likert, answered_at=at),
        SurveyAnswer(question=survey.questions[1], text=text, answered_at=at),
    ]
    db.add(invitation)


def _build_history(make, db, vault):
    """A small partnership: three people whose cases closed long ago, one recently, one still open."""
    programme = make.programme(starts_on=TODAY - dt.timedelta(days=3 * 365), ends_on=TODAY + dt.timedelta(days=365))
    hif = make.company(network=Network.HIF_SPONSOR, size_class=SizeClass.SMALL)
    th = make.company(network=Network.TH_NETWORK, size_class=SizeClass.LARGE)
    offers = [make.offer(hif, field="hospitality"), make.offer(th, field="transport")]
    before, after = _surveys(db)
    old = [
        _closed(make, vault, 14, target_group=TargetGroup.NEWCOMER),
        _closed(make, vault, 15, target_group=TargetGroup.YOUTH),
        _closed(make, vault, 20, target_group=TargetGroup.LONG_TERM),
    ]
    recent = _closed(make, vault, 11, target_group=TargetGroup.YOUTH)
    reopened = _closed(make, vault, 16, target_group=TargetGroup.OTHER)
    first = reopened.referrals[0]  # referred again since: an open case is kept
    reopened.referrals.append(
        Referral(unit=first.unit, referred_by=first.referred_by, status=ReferralStatus.ACTIVE, reason="Ny remiss")
    )
    for n, candidate in enumerate([*old, recent, reopened]):
        day = TODAY - dt.timedelta(days=600 - 20 * n)
        visit = _completed_visit(make, candidate, offers[n % 2], day, status_reason="Kom sent, bussen var försenad")
        make.visit(candidate, offers[(n + 1) % 2], day=day + dt.timedelta(days=7), status=VisitStatus.NO_SHOW,
                   status_reason="Ringde och var sjuk")
        db.add(Feedback(
            visit=visit, attended=True, punctuality=4, interest=5, overall=4, would_welcome_again=True,
            strengths="Lugn och noggrann med kunderna", to_develop="Svenska i telefon",
            message_to_participant="Välkommen tillbaka!", internal_note="Berättade om sin skuld",
            filled_by_name="Handledare",
        ))
        answered = dt.datetime.combine(day, dt.time(12), tzinfo=dt.UTC)
        _answer(db, before, candidate, visit, answered - dt.timedelta(days=3), 2, "Jag är nervös")
        _answer(db, after, candidate, visit, answered + dt.timedelta(days=1), 4, "Det gick bra, tack Ahmed")
        db.add(FollowUp(
            candidate_id=candidate.id, months=3, result=FollowUpResult.JOB if n % 2 else FollowUpResult.STUDIES,
            recorded_on=day + dt.timedelta(days=90), recorded_by_id=candidate.referrals[0].referred_by_id,
        ))
    activity = Activity(
        type=ActivityType.STADIUM_VISIT, title="Olympia", place="Olympia",
        starts_at=dt.datetime.combine(TODAY - dt.timedelta(days=500), dt.time(10), tzinfo=dt.UTC),
        ends_at=dt.datetime.combine(TODAY - dt.timedelta(days=500), dt.time(12), tzinfo=dt.UTC),
    )
    activity.participants = [ActivityParticipant(candidate=c, status=AttendanceStatus.ATTENDED) for c in old]
    db.add(activity)
    for candidate in old:
        db.add(OutboxMessage(to_addr=candidate.email, subject="Ditt besök", body_text="Hej!", kind="visit_confirmed"))
    db.commit()
    return programme, old, recent, reopened


def _report(db, programme):
    db.expire_all()
    report = quarterly_report(db, programme, today=TODAY)
    return report.to_dict(), dataclasses.asdict(report)


def test_purge_keeps_the_quarterly_report_identical(runner, make, db, vault) -> None:
    programme, old, recent, reopened = _build_history(make, db, vault)
    published_before, raw_before = _report(db, programme)
    assert raw_before["totals"]["persons"] == 5  # the report has something to lose

    result = runner.invoke(args=["purge-expired"])
    assert result.exit_code == 0, result.output
    assert "Anonymised 3 candidate(s)." in result.output

    published_after, raw_after = _report(db, programme)
    assert published_after == published_before
    assert raw_after == raw_before  # the unsuppressed figures too


def test_purge_removes_identity_contact_and_free_text_of_expired_candidates_only(runner, make, db, vault) -> None:
    programme, old, recent, reopened = _build_history(make, db, vault)
    emails = [c.email for c in old]
    runner.invoke(args=["purge-expired"])
    db.expire_all()
    for candidate in old:
        c = db.get(Candidate, candidate.id)
        assert (c.first_name, c.last_name) == ("Anonymiserad", "")
        assert c.pin_encrypted is None and c.pin_hash is None and c.pin_masked is None and c.birth_date is None
        assert c.phone is None and c.email is None and c.postcode is None and c.area is None
        assert c.lat is None and c.lon is None and c.needs_other == "" and c.needs_accessible is False
        assert c.adjustments == [] and c.to_workplace == ""
        assert c.anonymised_at is not None
        assert c.target_group is not None and c.swedish_level is not None  # statistics stay
        assert all(r.reason == "" and r.return_reason == "" for r in c.referrals)
        visits = db.scalars(sa.select(Visit).where(Visit.candidate_id == c.id)).all()
        assert len(visits) == 2 and all(v.status_reason == "" for v in visits)
        assert all(e.reason == "" for v in visits for e in v.events)
        feedback = db.scalars(sa.select(Feedback).join(Visit).where(Visit.candidate_id == c.id)).one()
        assert (feedback.strengths, feedback.to_develop, feedback.message_to_participant, feedback.internal_note) == (
            "", "", "", ""
        )
        assert feedback.overall == 4  # the scores stay
        answers = db.scalars(
            sa.select(SurveyAnswer).join(SurveyInvitation).where(SurveyInvitation.candidate_id == c.id)
        ).all()
        assert sorted(a.likert for a in answers if a.likert) == [2, 4] and all(a.text == "" for a in answers)
        assert c.consents  # the consent record stays, without personal data of its own
    assert db.scalar(sa.select(sa.func.count()).where(OutboxMessage.to_addr.in_(emails))) == 0
    for kept in (recent, reopened):
        c = db.get(Candidate, kept.id)
        assert c.first_name == kept.first_name and c.pin_encrypted and c.anonymised_at is None
        assert c.referrals[0].reason != ""
    events = db.scalars(sa.select(AuditEvent).where(AuditEvent.action == "candidate_anonymised")).all()
    assert sorted(e.target_id for e in events) == sorted(c.id for c in old)
    assert all(e.actor_id is None and e.request_id == "cli" for e in events)


def test_dry_run_lists_ids_and_changes_nothing(runner, make, db, vault) -> None:
    _, old, _, _ = _build_history(make, db, vault)
    result = runner.invoke(args=["purge-expired", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "3 candidate(s)" in result.output and "nothing changed" in result.output
    assert all(str(c.id) in result.output for c in old)
    db.expire_all()
    assert db.scalar(sa.select(sa.func.count()).where(Candidate.anonymised_at.is_not(None))) == 0


def test_retention_period_comes_from_configuration(app, make, db, vault) -> None:
    _, old, recent, _ = _build_history(make, db, vault)
    app.config["RETENTION_MONTHS"] = 24
    try:
        result = app.test_cli_runner().invoke(args=["purge-expired"])
    finally:
        app.config["RETENTION_MONTHS"] = 12
    assert "Anonymised 0 candidate(s)." in result.output
    db.expire_all()
    assert db.scalar(sa.select(sa.func.count()).where(Candidate.anonymised_at.is_not(None))) == 0


def test_months_before_keeps_the_calendar_month() -> None:
    at = dt.datetime(2026, 3, 31, 10, tzinfo=dt.UTC)
    assert months_before(at, 1) == dt.datetime(2026, 2, 28, 10, tzinfo=dt.UTC)
    assert months_before(at, 12) == dt.datetime(2025, 3, 31, 10, tzinfo=dt.UTC)
    assert months_before(dt.datetime(2026, 1, 15, tzinfo=dt.UTC), 13) == dt.datetime(2024, 12, 15, tzinfo=dt.UTC)
