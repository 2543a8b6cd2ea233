"""Network meetings: planning with channel quotas, invitations answered through the link, the
open sign-up (first come, first served, then a waiting list, also under twenty simultaneous
sign-ups), the diversity-aware selection, attendance, offers from the meeting and what the
steering group sees."""

from __future__ import annotations

import datetime as dt
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from models import MeetingInvitee, NetworkMeeting, clock, make_engine
from models.enums import SizeClass
from models.meetings import InviteeStatus, MeetingChannel, MeetingKind
from models.operations import meetings as ops
from models.operations.errors import Conflict, DomainError
from tests.factories import org_number

THREADS = 20


def later(days: int = 30, hour: int = 9) -> dt.datetime:
    day = clock.local_today() + dt.timedelta(days=days)
    return clock.local_datetime(day, dt.time(hour, 0))


def meeting_data(**kw) -> ops.MeetingData:
    start = kw.pop("starts_at", later())
    values = dict(kind=MeetingKind.THEME, title="Tematräff 1: vad kan staden göra för företagen?", starts_at=start,
                  ends_at=start + dt.timedelta(hours=3), place="Malmö Live", theme="Kompetensförsörjning",
                  capacity=9, quotas={"city": 3, "organisation": 3, "open": 3})
    values.update(kw)
    return ops.MeetingData(**values)


def facts(n: int, **kw) -> ops.CompanyFacts:
    values = dict(company_name=f"Företag {n} AB", org_number=org_number(9000 + n), size_class=SizeClass.SMALL,
                  industry="Bygg", contact_name=f"Kontakt {n}", email=f"kontakt{n}@foretag.example")
    values.update(kw)
    return ops.CompanyFacts(**values)


@pytest.fixture
def meeting(db) -> NetworkMeeting:
    meeting = ops.create_meeting(db, meeting_data())
    db.commit()
    return meeting


def test_channel_quotas_may_not_exceed_the_capacity(db) -> None:
    with pytest.raises(DomainError) as refused:
        ops.create_meeting(db, meeting_data(capacity=8))
    assert refused.value.field == "capacity" and "9" in str(refused.value)


def test_open_sign_up_fills_the_quota_first_come_then_a_waiting_list(db, meeting) -> None:
    signed = [ops.sign_up_open(db, meeting, facts(i)) for i in range(5)]
    assert [s.status for s in signed] == [InviteeStatus.SELECTED] * 3 + [InviteeStatus.WAITLISTED] * 2
    assert [s.seat for s in signed[:3]] == [1, 2, 3]
    assert [ops.waiting_position(db, s) for s in signed[3:]] == [1, 2]
    # A place given back goes to the first on the waiting list.
    promoted = ops.cancel(db, signed[1])
    assert promoted is signed[3] and promoted.status == InviteeStatus.SELECTED and promoted.seat == 2
    assert ops.waiting_position(db, signed[4]) == 1


def test_a_company_signs_up_once(db, meeting) -> None:
    ops.sign_up_open(db, meeting, facts(1))
    with pytest.raises(Conflict) as refused:
        ops.sign_up_open(db, meeting, facts(1, company_name="Samma bolag, nytt namn"))
    assert refused.value.code == "duplicate" and refused.value.field == "org_number"


def test_open_sign_up_is_refused_when_closed_or_started(db, meeting, time_travel) -> None:
    meeting.open_signup = False
    with pytest.raises(Conflict) as refused:
        ops.sign_up_open(db, meeting, facts(1))
    assert refused.value.code == "closed"
    meeting.open_signup = True
    time_travel.move_to(meeting.starts_at + dt.timedelta(minutes=1))
    with pytest.raises(Conflict):
        ops.sign_up_open(db, meeting, facts(2))
    assert db.scalar(sa.select(sa.func.count()).select_from(MeetingInvitee)) == 0


def test_bad_input_names_the_field_and_saves_nothing(db, meeting) -> None:
    for bad, field in ((facts(1, org_number="123"), "org_number"), (facts(2, email="inte-en-adress"), "email"),
                       (facts(3, size_class="enorm"), "size_class"), (facts(4, company_name=" "), "company_name"),
                       (facts(5, representative_gender="kanske"), "representative_gender")):
        with pytest.raises(DomainError) as refused:
            ops.sign_up_open(db, meeting, bad)
        assert refused.value.field == field
    assert db.scalar(sa.select(sa.func.count()).select_from(MeetingInvitee)) == 0


def test_invitation_answered_yes_waits_for_the_selection(db, meeting, make) -> None:
    company = make.company(industry="Handel")
    invitee = ops.invite(db, meeting, ops.facts_of(company), channel="city", company=company)
    assert invitee.status == InviteeStatus.INVITED and invitee.company_id == company.id
    assert invitee.email == company.contacts[0].email
    ops.answer_invitation(db, invitee, coming=True, representative_gender="woman")
    assert invitee.status == InviteeStatus.SIGNED_UP and invitee.seat is None
    with pytest.raises(Conflict):
        ops.answer_invitation(db, invitee, coming=False)


def test_organisation_channel_needs_the_recommending_organisation(db, meeting) -> None:
    with pytest.raises(DomainError) as refused:
        ops.invite(db, meeting, facts(1), channel="organisation")
    assert refused.value.field == "recommended_by"
    invitee = ops.invite(db, meeting, facts(1), channel="organisation", recommended_by="Arbetsförmedlingen")
    assert invitee.recommended_by == "Arbetsförmedlingen"
    with pytest.raises(DomainError):
        ops.invite(db, meeting, facts(2), channel="open")


def _signed_up(db, meeting, channel, specs):
    out = []
    for n, (industry, size) in specs:
        invitee = ops.invite(db, meeting, facts(n, industry=industry, size_class=size), channel=channel,
                             recommended_by="Företagarna")
        ops.answer_invitation(db, invitee, coming=True)
        out.append(invitee)
    return out


def test_selection_fills_the_quotas_closer_to_the_targets_and_is_applied(db, meeting) -> None:
    skew = [(n, ("IT", SizeClass.LARGE)) for n in range(3)]
    diverse = [(10 + n, (industry, SizeClass.MICRO)) for n, industry in enumerate(["Bygg", "Vård", "Handel"])]
    _signed_up(db, meeting, "city", skew + diverse)
    _signed_up(db, meeting, "organisation", [(20 + n, v) for n, v in skew] + [(30 + n, v) for n, v in diverse])
    for n in range(3):
        ops.sign_up_open(db, meeting, facts(60 + n, industry="IT", size_class=SizeClass.LARGE))
    targets = ops.SelectionTargets(industry={"it": 1 / 3, "Bygg": 2 / 9, "vård": 2 / 9, "Handel": 2 / 9},
                                   size_class={"micro": 2 / 3, "large": 1 / 3})
    proposal = ops.propose_selection(db, meeting, targets)

    assert proposal.result.per_channel == {"city": 3, "organisation": 3, "open": 3}
    assert proposal.result.deviation < proposal.result.first_come_deviation
    it = next(r for r in proposal.steered_shares if r.attribute == "industry" and r.value == "it")
    assert it.achieved == pytest.approx(1 / 3) and it.first_come == pytest.approx(1.0)
    newly = ops.apply_selection(db, meeting, proposal.result.selected)
    assert len(newly) == 6
    statuses = Counter((i.channel, i.status) for i in meeting.invitees)
    assert statuses[(MeetingChannel.CITY, InviteeStatus.SELECTED)] == 3
    assert statuses[(MeetingChannel.CITY, InviteeStatus.WAITLISTED)] == 3
    assert sorted(i.seat for i in meeting.invitees if i.channel == MeetingChannel.CITY and i.seat) == [1, 2, 3]


def test_selection_that_cannot_fill_a_channel_says_which(db, meeting) -> None:
    _signed_up(db, meeting, "city", [(1, ("IT", SizeClass.SMALL))])
    with pytest.raises(DomainError) as refused:
        ops.propose_selection(db, meeting, ops.SelectionTargets(size_class={"small": 1.0}))
    assert refused.value.code == "infeasible"
    assert "Stadens rekommendationer" in str(refused.value) and "3 platser" in str(refused.value)


def test_voluntary_answers_are_shown_only_as_protected_aggregates(db, meeting) -> None:
    pool = []
    for n in range(15):
        invitee = ops.sign_up_open(db, meeting, facts(n, representative_gender="woman" if n < 9 else "man"))
        pool.append(invitee)
    shown = ops.representation(pool, {p.id for p in pool[:3]})
    by_value = {row["value"]: row for row in shown["gender"]}
    assert (by_value["woman"]["signed_up"], by_value["man"]["signed_up"]) == (9, 6)
    assert by_value["woman"]["selected"] is None  # 3 selected: a small count, hidden
    assert by_value["man"]["selected"] is None  # and the 0 beside it, which would give it away


def test_attendance_offers_and_new_companies_count_for_the_meeting(db, meeting, make, time_travel) -> None:
    company = make.company()
    invited = ops.invite(db, meeting, ops.facts_of(company), channel="city", company=company)
    ops.answer_invitation(db, invited, coming=True)
    ops.apply_selection(db, meeting, [invited.id])
    newcomer = ops.sign_up_open(db, meeting, facts(77))
    with pytest.raises(DomainError):
        ops.mark_attendance(db, meeting, {invited.id: True})
    time_travel.move_to(meeting.starts_at + dt.timedelta(hours=1))
    assert ops.mark_attendance(db, meeting, {invited.id: True, newcomer.id: True}) == 2
    new_company = ops.add_to_network(db, newcomer)
    assert new_company.org_number == newcomer.org_number and newcomer.added_to_network
    ops.link_offer(db, meeting, make.offer(company=new_company))
    ops.link_offer(db, meeting, make.offer(company=new_company))
    with pytest.raises(DomainError):
        ops.link_offer(db, meeting, make.offer())  # a company that was not there
    db.commit()
    [outcome] = ops.outcomes(db, [meeting.id])
    assert (outcome.invited, outcome.signed_up, outcome.with_place, outcome.attended) == (2, 2, 2, 2)
    assert (outcome.new_companies, outcome.offers, outcome.companies_offering) == (1, 2, 1)


# --- twenty sign-ups at the same moment --------------------------------------------------------
@pytest.fixture
def engine(app, database_url):
    engine = make_engine(database_url, pool_size=THREADS, max_overflow=5)
    yield engine
    engine.dispose()


def _race(engine, meeting_id, attempts):
    barrier = threading.Barrier(len(attempts), timeout=30)

    def attempt(company_facts):
        with Session(engine) as session:
            meeting = session.get(NetworkMeeting, meeting_id)
            barrier.wait()
            try:
                invitee = ops.sign_up_open(session, meeting, company_facts)
                status = invitee.status.value
                session.commit()
                return status
            except Conflict as exc:
                session.rollback()
                return exc.code
            except Exception as exc:  # anything else breaks the guarantee
                session.rollback()
                return f"unexpected {type(exc).__name__}: {exc}"

    with ThreadPoolExecutor(max_workers=len(attempts)) as pool:
        return list(pool.map(attempt, attempts))


def test_twenty_simultaneous_sign_ups_fill_the_quota_exactly(db, meeting, engine) -> None:
    outcomes = _race(engine, meeting.id, [facts(i) for i in range(THREADS)])
    assert Counter(outcomes) == {"selected": 3, "waitlisted": THREADS - 3}, outcomes
    db.expire_all()
    seats = db.scalars(sa.select(MeetingInvitee.seat).where(MeetingInvitee.seat.is_not(None))).all()
    assert sorted(seats) == [1, 2, 3]


def test_twenty_simultaneous_sign_ups_of_one_company_one_succeeds(db, meeting, engine) -> None:
    outcomes = _race(engine, meeting.id, [facts(1, contact_name=f"Person {i}") for i in range(THREADS)])
    assert Counter(outcomes) == {"selected": 1, "duplicate": THREADS - 1}, outcomes


def test_the_demo_has_one_meeting_that_grew_the_network(db, vault) -> None:
    from models.demo import seed_demo

    seed_demo(db, vault, n_candidates=30, n_companies=15, seed=3)
    db.commit()
    [outcome] = ops.outcomes(db)
    assert outcome.with_place >= 3 and 0 < outcome.attended <= outcome.with_place
    assert outcome.new_companies == 1 and outcome.meeting.themes
