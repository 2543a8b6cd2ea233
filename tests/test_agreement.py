"""The agreement's period, its 1+1-year extension and frozen targets, and the history of changes
(issue #21, section 3): the deadline six months before the end and its reminder 30 days before
(once, through the outbox), an extension recorded with each party's approval, past quarters'
targets unchanged by an extension, and who may see and record what."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import sqlalchemy as sa

from models import AgreementChange, OutboxMessage
from models.enums import AgreementChangeKind, GoalKind, Role
from models.operations import agreement as ops
from models.operations.agreement import Approval
from models.operations.errors import Conflict, DomainError
from models.operations.programme import milestone_plan, programme_quarters, set_milestones
from models.operations.reports import quarterly_report

from .test_api_support import assert_problem

pytest_plugins = ("tests.test_api_support", "tests.partnership")

MAIN = GoalKind.PERSONS_WORKPLACE_VISIT


@pytest.fixture
def agreement(make, parties) -> Any:
    programme = make.programme(name="IOP Jobbskuggning", starts_on=dt.date(2020, 1, 1), ends_on=dt.date(2022, 12, 31))
    programme.parties = list(parties.values())
    make.session.commit()
    return programme


def _approvals(parties, day: dt.date = dt.date(2021, 6, 1), **days: dt.date) -> dict[int, Approval]:
    return {org.id: Approval(days.get(key, day), f"Firmatecknare {key}") for key, org in parties.items()}


def _targets(programme) -> list[int]:
    return [row.target_to_date for row in milestone_plan(programme, programme.goal(MAIN))]


# --- the period and the deadline ---------------------------------------------------------------
@pytest.mark.parametrize(
    ("ends_on", "deadline"),
    [
        (dt.date(2022, 12, 31), dt.date(2022, 6, 30)),
        (dt.date(2023, 12, 31), dt.date(2023, 6, 30)),
        (dt.date(2023, 6, 30), dt.date(2022, 12, 31)),
        (dt.date(2024, 8, 31), dt.date(2024, 2, 29)),
    ],
)
def test_an_extension_is_approved_at_the_latest_six_months_before_the_end(ends_on, deadline) -> None:
    assert ops.extension_deadline(ends_on) == deadline
    assert ops.extended_end(dt.date(2022, 12, 31)) == dt.date(2023, 12, 31)


@pytest.mark.now("2022-05-31T08:00:00+02:00")
def test_the_deadline_is_shown_on_the_agreement_page_and_the_dashboard(client, auth, agreement) -> None:
    auth.login("steering")
    page = client.get(f"/overenskommelse/{agreement.id}").get_data(as_text=True)
    assert "2022-06-30" in page and "30 dagar kvar" in page
    assert "0 av 2 (1 + 1 år)" in page
    assert "Registrera förlängning" not in page  # the steering group reads
    dashboard = client.get(f"/uppfoljning/?programme={agreement.id}").get_data(as_text=True)
    assert "Parterna ska godkänna en förlängning skriftligen senast 2022-06-30." in dashboard


# --- the reminder --------------------------------------------------------------------------
def _reminders(db) -> list[OutboxMessage]:
    return list(db.scalars(sa.select(OutboxMessage).where(OutboxMessage.kind == "extension_deadline")
                           .order_by(OutboxMessage.to_addr)))


@pytest.mark.now("2022-05-30T08:00:00+02:00")
def test_the_reminder_is_queued_once_thirty_days_before_the_deadline(runner, db, make, agreement, time_travel) -> None:
    leader = make.user(Role.PROJECT_LEADER, email="pl@test.example")
    steering = make.user(Role.STEERING, email="styr@test.example", organisation=agreement.parties[0])
    make.user(Role.STEERING, email="slutat@test.example", active=False)
    make.user(Role.EMPLOYER)
    make.user(Role.ADMIN)
    db.commit()
    assert "written to the outbox: 0" in runner.invoke(args=["send-agreement-reminders"]).output  # 31 days before

    time_travel.move_to(dt.datetime(2022, 5, 31, 8, 0, tzinfo=dt.timezone(dt.timedelta(hours=2))))
    result = runner.invoke(args=["send-agreement-reminders"])
    assert result.exit_code == 0, result.output
    assert "written to the outbox: 2" in result.output
    again = runner.invoke(args=["send-agreement-reminders"])
    assert "written to the outbox: 0" in again.output
    time_travel.move_to(dt.datetime(2022, 6, 20, 8, 0, tzinfo=dt.timezone(dt.timedelta(hours=2))))
    assert "written to the outbox: 0" in runner.invoke(args=["send-agreement-reminders"]).output  # already sent

    mails = _reminders(db)
    assert [m.to_addr for m in mails] == [leader.email, steering.email]
    assert mails[0].subject == "Påminnelse: förlängning av IOP Jobbskuggning ska godkännas senast 2022-06-30"
    assert "senast sex månader innan den upphör: senast 2022-06-30" in mails[0].body_text
    assert f"/overenskommelse/{agreement.id}" in mails[0].body_text
    assert mails[0].dedupe_key == f"extension-deadline:{agreement.id}:2022-06-30:{leader.id}"


@pytest.mark.now("2022-07-01T08:00:00+02:00")
def test_no_reminder_after_the_deadline_or_when_the_extensions_are_used_up(runner, db, make, agreement) -> None:
    make.user(Role.PROJECT_LEADER)
    db.commit()
    assert "written to the outbox: 0" in runner.invoke(args=["send-agreement-reminders"]).output
    assert ops.due_extension_reminders(db, dt.date(2022, 6, 1))  # in the window, while one is left
    for n in range(2):
        db.add(AgreementChange(programme_id=agreement.id, kind=AgreementChangeKind.EXTENSION, decided_on=dt.date(
            2021, 1, 1 + n), summary="", reason="Test", previous_ends_on=dt.date(2022, 12, 31),
            new_ends_on=dt.date(2022, 12, 31)))
    db.commit()
    assert ops.due_extension_reminders(db, dt.date(2022, 6, 1)) == []


# --- recording an extension ----------------------------------------------------------------
@pytest.mark.now("2021-07-15T10:00:00+02:00")
def test_an_extension_is_recorded_with_each_party_s_approval(db, make, agreement, parties) -> None:
    pl = make.user(Role.PROJECT_LEADER)
    change = ops.record_extension(
        db, agreement, approvals=_approvals(parties, AMF=dt.date(2021, 6, 20)), reason="Målet nås inte i tid.", by=pl,
    )
    db.commit()
    assert agreement.ends_on == dt.date(2023, 12, 31)
    assert (change.kind, change.previous_ends_on, change.new_ends_on) == (
        AgreementChangeKind.EXTENSION, dt.date(2022, 12, 31), dt.date(2023, 12, 31),
    )
    assert change.decided_on == dt.date(2021, 6, 20)  # the last party's approval
    assert {(a.organisation.short_name, a.approved_on, a.signed_by) for a in change.approvals} == {
        ("TH", dt.date(2021, 6, 1), "Firmatecknare TH"), ("HIF", dt.date(2021, 6, 1), "Firmatecknare HIF"),
        ("AMF", dt.date(2021, 6, 20), "Firmatecknare AMF"),
    }
    status = ops.agreement_status(db, agreement)
    assert (status.extensions_used, status.extensions_left, status.deadline) == (1, 1, dt.date(2023, 6, 30))


@pytest.mark.now("2021-07-15T10:00:00+02:00")
@pytest.mark.parametrize(
    ("days", "message"),
    [
        ({"HIF": None}, "Ange dagen då Helsingborgs IF godkände ändringen skriftligen."),
        ({"TH": dt.date(2021, 8, 1)}, "Dagen då Tillväxt Helsingborg godkände kan inte ligga i framtiden."),
    ],
)
def test_an_extension_without_every_party_s_written_approval_is_refused(db, agreement, parties, days,
                                                                          message) -> None:
    approvals = _approvals(parties)
    for key, day in days.items():
        approvals[parties[key].id] = Approval(day)
    with pytest.raises(DomainError) as refused:
        ops.record_extension(db, agreement, approvals=approvals, reason="Skäl")
    assert str(refused.value) == message
    db.rollback()
    assert agreement.ends_on == dt.date(2022, 12, 31)


@pytest.mark.now("2022-08-15T10:00:00+02:00")
def test_an_extension_approved_after_the_deadline_is_refused(db, agreement, parties) -> None:
    with pytest.raises(DomainError, match="senast 2022-06-30, sex månader innan den upphör"):
        ops.record_extension(db, agreement, approvals=_approvals(parties, dt.date(2022, 7, 1)), reason="Sent")


@pytest.mark.now("2021-07-15T10:00:00+02:00")
def test_the_agreement_extends_by_one_plus_one_years_and_no_more(db, agreement, parties) -> None:
    ops.record_extension(db, agreement, approvals=_approvals(parties), reason="Ett")
    ops.record_extension(db, agreement, approvals=_approvals(parties), reason="Två")
    assert agreement.ends_on == dt.date(2024, 12, 31)
    with pytest.raises(Conflict, match="redan förlängts två gånger"):
        ops.record_extension(db, agreement, approvals=_approvals(parties), reason="Tre")


# --- frozen targets ------------------------------------------------------------------------
@pytest.mark.now("2021-07-15T10:00:00+02:00")
def test_past_quarters_keep_their_targets_when_the_agreement_is_extended(db, agreement, parties) -> None:
    before = _targets(agreement)
    assert before[:6] == [29, 58, 88, 117, 146, 175]  # 2020-Q1 … 2021-Q2 have ended
    ops.record_extension(db, agreement, approvals=_approvals(parties), reason="Förlängning")
    db.commit()
    after = _targets(agreement)
    assert len(after) == 16
    assert after[:6] == before[:6]  # what the old code did: 350 × i / 16 = 22, 44, 66 … for them too
    # the rest of the goal (350 − 175) is spread over the ten quarters left
    assert after[6:] == [193, 210, 228, 245, 263, 280, 298, 315, 333, 350]
    plan = milestone_plan(agreement, agreement.goal(MAIN))
    assert [row.frozen for row in plan] == [True] * 6 + [False] * 10
    report = quarterly_report(db, agreement)
    assert [q.target_to_date for q in report.quarters][:6] == before[:6]


@pytest.mark.now("2021-07-15T10:00:00+02:00")
def test_an_extension_can_take_new_targets_and_the_past_still_stands(db, agreement, parties) -> None:
    before = _targets(agreement)
    change = ops.record_extension(db, agreement, approvals=_approvals(parties), reason="Mer tid, högre mål",
                                  new_targets={MAIN: 450})
    assert change.details == {"targets": {"persons_workplace_visit": [350, 450]}}
    after = _targets(agreement)
    assert after[:6] == before[:6] and after[6] == 203 and after[-1] == 450  # 175 + 275 / 10, half up


@pytest.mark.now("2021-07-15T10:00:00+02:00")
def test_a_frozen_quarter_cannot_be_edited_but_the_quarters_left_can(db, agreement, parties) -> None:
    ops.record_extension(db, agreement, approvals=_approvals(parties), reason="Förlängning")
    goal = agreement.goal(MAIN)
    first, later = programme_quarters(agreement.starts_on, agreement.ends_on)[0], dt.date(2022, 1, 1)
    with pytest.raises(DomainError, match="2020-Q1 är avslutat och dess mål är låst sedan 2021-07-15"):
        set_milestones(db, goal, {first.calendar_start: 40})
    set_milestones(db, goal, {later: 240, first.calendar_start: 29})  # an unchanged frozen value is fine
    assert _targets(agreement)[8] == 240


@pytest.mark.now("2021-07-15T10:00:00+02:00")
def test_moving_the_end_in_the_settings_freezes_the_past_too(client, auth, db, agreement, parties) -> None:
    before = _targets(agreement)
    auth.login("admin")
    data = {
        "name": agreement.name, "starts_on": "2020-01-01", "ends_on": "2023-06-30", "yearly_budget_sek": "1241000",
        "parties": [str(o.id) for o in parties.values()], "goal_persons_workplace_visit": "350",
    }
    assert client.post(f"/program/{agreement.id}", data=data).status_code == 302
    db.expire_all()
    after = _targets(db.merge(agreement))
    assert after[:6] == before[:6] and after[-1] == 350 and len(after) == 14
    page = client.get(f"/program/{agreement.id}/kvartalsmal/persons_workplace_visit").get_data(as_text=True)
    assert "låst: kvartalet är avslutat" in page


# --- the history of changes ----------------------------------------------------------------
@pytest.mark.now("2021-07-15T10:00:00+02:00")
def test_changes_are_recorded_with_reason_and_approvals_and_shown_as_a_history(client, auth, db, agreement,
                                                                               parties) -> None:
    ops.record_extension(db, agreement, approvals=_approvals(parties, dt.date(2021, 5, 3)), reason="Mer tid")
    ops.record_change(db, agreement, kind=AgreementChangeKind.BUDGET, summary="Informationsmaterial år 2: 80 000 kr",
                      reason="Tryck av broschyrer", approvals=_approvals(parties, dt.date(2021, 7, 1)))
    db.commit()
    history = ops.change_history(db, agreement)
    assert [c.kind for c in history] == [AgreementChangeKind.BUDGET, AgreementChangeKind.EXTENSION]
    with pytest.raises(DomainError, match="skälet"):
        ops.record_change(db, agreement, kind=AgreementChangeKind.GOALS, summary="Nytt mål", reason=" ",
                          approvals=_approvals(parties))

    auth.login("steering")
    page = client.get(f"/overenskommelse/{agreement.id}").get_data(as_text=True)
    assert "Informationsmaterial år 2: 80 000 kr" in page and "Tryck av broschyrer" in page
    assert "Perioden slutar 2023-12-31 i stället för 2022-12-31." in page
    assert "HIF 2021-07-01 (Firmatecknare HIF)" in page


@pytest.mark.now("2021-07-15T10:00:00+02:00")
def test_the_project_leader_records_an_extension_and_a_change_on_the_web(client, auth, db, agreement,
                                                                         parties) -> None:
    auth.login("project_leader")
    data: dict[str, str] = {"reason": "Parterna vill fortsätta", "goal_persons_workplace_visit": ""}
    for key, org in parties.items():
        data[f"approved_{org.id}"] = "2021-06-01"
        data[f"signed_{org.id}"] = f"Ordförande {key}"
    data[f"approved_{parties['AMF'].id}"] = ""
    refused = client.post(f"/overenskommelse/{agreement.id}/forlangning", data=data)
    assert refused.status_code == 422
    assert "Ange dagen då Arbetsmarknadsförvaltningen godkände ändringen skriftligen." in refused.get_data(
        as_text=True)
    data[f"approved_{parties['AMF'].id}"] = "2021-06-02"
    assert client.post(f"/overenskommelse/{agreement.id}/forlangning", data=data).status_code == 302
    db.expire_all()
    assert db.merge(agreement).ends_on == dt.date(2023, 12, 31)

    change = {k: v for k, v in data.items() if k.startswith(("approved_", "signed_"))}
    change.update({"kind": "goals", "summary": "Friskvård: 100 blir 120", "reason": "Fler anmälningar"})
    assert client.post(f"/overenskommelse/{agreement.id}/andring", data=change).status_code == 302
    assert [c.kind for c in ops.change_history(db, agreement)] == [AgreementChangeKind.GOALS,
                                                                     AgreementChangeKind.EXTENSION]


@pytest.mark.now("2021-07-15T10:00:00+02:00")
@pytest.mark.parametrize("role", ["steering", "project_leader", "admin", "welfare_officer", "employer"])
def test_the_agreement_through_the_api(api, tokens, db, agreement, parties, role) -> None:
    ops.record_extension(db, agreement, approvals=_approvals(parties, AMF=dt.date(2021, 6, 20)), reason="Mer tid",
                         new_targets={MAIN: 400})
    db.commit()
    _user, headers = tokens.headers(role)
    response = api.get(f"/api/v1/programmes/{agreement.id}/agreement", headers=headers)
    if role in ("welfare_officer", "employer"):
        assert_problem(response, 403)
        return
    body = response.get_json()
    assert (body["ends_on"], body["extension_deadline"], body["reminder_on"]) == (
        "2023-12-31", "2023-06-30", "2023-05-31")
    assert (body["extensions_used"], body["extensions_left"]) == (1, 1)
    [change] = body["changes"]
    assert change["kind"] == "extension" and change["decided_on"] == "2021-06-20"
    assert change["targets"] == {"persons_workplace_visit": [350, 400]}
    assert {(a["organisation"], a["approved_on"]) for a in change["approvals"]} == {
        ("Tillväxt Helsingborg", "2021-06-01"), ("Helsingborgs IF", "2021-06-01"),
        ("Arbetsmarknadsförvaltningen", "2021-06-20"),
    }


@pytest.mark.parametrize("role", ["steering", "welfare_officer", "employer"])
def test_only_project_leaders_and_admins_record_changes(client, auth, agreement, role) -> None:
    auth.login(role)
    assert client.get(f"/overenskommelse/{agreement.id}/forlangning").status_code == 403
    assert client.post(f"/overenskommelse/{agreement.id}/andring", data={}).status_code == 403
    assert client.get(f"/overenskommelse/{agreement.id}").status_code == (200 if role == "steering" else 403)
