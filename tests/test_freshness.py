"""Every reader sees the last committed data and nothing else: a change committed by another
client of the database (another worker, a script, psql) shows at once on the start page's
panels, the candidate bank, the visit list, the steering dashboard, the API's report and the
recommendation lists; a change that is rolled back never reaches anyone (issue #19)."""

from __future__ import annotations

import datetime as dt

import pytest
from flask_login import login_user

from models import User, Visit, clock
from models.enums import ClosedOutcome, ReferralStatus, Role, VisitStatus
from models.operations import matching as ops
from models.operations import visits as visit_ops
from models.operations.companies import Quarter, capacity_totals
from models.operations.reports import quarterly_report
from web.extensions import db as web_db

from .test_matching_eligibility import DAY

pytest_plugins = ("tests.test_api_support",)
WAITING = "Remisser att ta ställning till"


def test_a_panel_shows_a_committed_change_at_once(client, auth, make, db) -> None:
    leader = auth.login(Role.PROJECT_LEADER)
    assert f"{WAITING} (0)" in client.get("/").get_data(as_text=True)

    # Another client of the database (an officer's request, say) commits a new referral.
    candidate = make.candidate(status=ReferralStatus.SUBMITTED, first_name="Nadia", last_name="Panelsdottir")
    db.commit()
    start = client.get("/").get_data(as_text=True)
    assert f"{WAITING} (1)" in start and "Nadia Panelsdottir" in start

    candidate.first_name = "Nadja"  # a change to a person shown in a panel
    db.commit()
    start = client.get("/").get_data(as_text=True)
    assert "Nadja Panelsdottir" in start and "Nadia Panelsdottir" not in start
    assert leader.role == Role.PROJECT_LEADER


def test_each_user_sees_their_own_panels(client, auth, make, db) -> None:
    first, second = make.user(Role.WELFARE_OFFICER), make.user(Role.WELFARE_OFFICER)
    make.candidate(referred_by=first, status=ReferralStatus.RETURNED, first_name="Omar", last_name="Förstesson")
    make.candidate(referred_by=second, status=ReferralStatus.RETURNED, first_name="Sara", last_name="Andrasson")
    db.commit()
    auth.login(first)
    page = client.get("/").get_data(as_text=True)
    assert "Omar Förstesson" in page and "Sara Andrasson" not in page
    auth.logout()
    auth.login(second)
    page = client.get("/").get_data(as_text=True)
    assert "Sara Andrasson" in page and "Omar Förstesson" not in page


def test_each_language_has_its_own_panels(client, auth) -> None:
    auth.login(Role.PROJECT_LEADER)
    assert WAITING in client.get("/").get_data(as_text=True)
    client.post("/language", data={"locale": "en"})
    page = client.get("/").get_data(as_text=True)
    assert WAITING not in page and "Referrals to decide on" in page


def test_the_candidate_bank_shows_a_new_candidate_at_once(client, auth, make, db) -> None:
    auth.login(Role.PROJECT_LEADER)
    make.candidate(first_name="Ali", last_name="Förstsson")
    db.commit()
    page = client.get("/kandidater/?interests=hospitality").get_data(as_text=True)
    assert "Förstsson, Ali" in page and "1 kandidat" in page
    make.candidate(first_name="Bea", last_name="Andrasson")
    db.commit()
    page = client.get("/kandidater/?interests=hospitality").get_data(as_text=True)
    assert "Andrasson, Bea" in page and "2 kandidater" in page
    assert "Andrasson, Bea" not in client.get("/kandidater/?interests=transport").get_data(as_text=True)


def test_the_visit_list_shows_a_new_status_at_once(client, auth, make, db) -> None:
    auth.login(Role.PROJECT_LEADER)
    visit = make.visit(status=VisitStatus.PROPOSED)
    db.commit()
    assert '<span class="badge warn">Föreslaget</span>' in client.get("/besok").get_data(as_text=True)
    visit.status = VisitStatus.DECLINED
    db.commit()
    page = client.get("/besok").get_data(as_text=True)
    assert '<span class="badge err">Nekat av företaget</span>' in page and '<span class="badge warn">' not in page


def test_the_dashboard_shows_a_renamed_programme_at_once(client, auth, make, db) -> None:
    programme = make.programme(name="Jobbskuggning norr")
    db.commit()
    auth.login(Role.STEERING)
    assert "Jobbskuggning norr" in client.get("/uppfoljning/").get_data(as_text=True)
    programme.name = "Jobbskuggning söder"
    db.commit()
    page = client.get("/uppfoljning/").get_data(as_text=True)
    assert "Jobbskuggning söder" in page and "Jobbskuggning norr" not in page


# --- the quarterly report --------------------------------------------------------------------
def _running_programme_with_a_visit(make, db):
    """A programme running today and a confirmed visit two days ago, not yet completed."""
    today = clock.local_today()
    programme = make.programme(starts_on=today - dt.timedelta(days=60), ends_on=today + dt.timedelta(days=300))
    visit = make.visit(make.candidate(), day=today - dt.timedelta(days=2), start_hour=9, hours=6,
                       status=VisitStatus.CONFIRMED)
    db.commit()
    return programme, visit


def _complete(session, visit: Visit) -> None:
    visit_ops.transition(session, visit, VisitStatus.COMPLETED, by=None, party="project_leader",
                         actual_start=visit.start_at, actual_end=visit.end_at)


def test_the_dashboard_shows_a_committed_outcome_at_once(client, auth, make, db) -> None:
    _programme, visit = _running_programme_with_a_visit(make, db)
    auth.login(Role.STEERING)
    assert "0 av målet 350" in client.get("/uppfoljning/").get_data(as_text=True)
    _complete(db, visit)
    db.commit()
    assert "1 av målet 350" in client.get("/uppfoljning/").get_data(as_text=True)


def test_a_rolled_back_change_never_reaches_a_reader(app, client, auth, api, tokens, make, db) -> None:
    programme, visit = _running_programme_with_a_visit(make, db)
    steering = auth.login(Role.STEERING)
    _user, headers = tokens.headers(Role.STEERING)

    def persons_shown() -> tuple[int, int]:
        """Persons reached, as the dashboard and the API's report show them to the steering group."""
        page = client.get("/uppfoljning/").get_data(as_text=True)
        report = api.get(f"/api/v1/programmes/{programme.id}/report", headers=headers).get_json()
        return int(page.split(" av målet 350")[0].rsplit(">", 1)[-1]), report["totals"]["persons"]

    # A request of the app completes the visit and draws the dashboard from its own uncommitted
    # change; then it fails, and its transaction is rolled back.
    with app.test_request_context("/uppfoljning/"):
        login_user(web_db.session.get(User, steering.id))
        _complete(web_db.session, web_db.session.get(Visit, visit.id))
        assert "1 av målet 350" in app.view_functions["reports.dashboard"]()
        web_db.session.rollback()
    assert persons_shown() == (0, 0)

    # Another client of the database completes the visit and reads the report in its open
    # transaction: no other reader sees it meanwhile, nor after it is rolled back.
    _complete(db, db.get(Visit, visit.id))
    assert quarterly_report(db, programme).totals.persons == 1
    assert persons_shown() == (0, 0)
    db.rollback()
    assert persons_shown() == (0, 0)

    _complete(db, db.get(Visit, visit.id))
    db.commit()
    assert persons_shown() == (1, 1)


@pytest.mark.now("2026-12-07T23:58:00+01:00")
def test_the_report_is_of_the_day_it_is_read(client, auth, make, db, time_travel) -> None:
    make.programme()
    db.commit()
    auth.login(Role.STEERING)
    assert "Siffrorna gäller den 2026-12-07" in client.get("/uppfoljning/").get_data(as_text=True)
    time_travel.shift(dt.timedelta(minutes=4))
    assert "Siffrorna gäller den 2026-12-08" in client.get("/uppfoljning/").get_data(as_text=True)


def test_the_start_pages_capacity_totals_follow_a_new_booking(db, make) -> None:
    offer = make.offer()
    db.commit()
    quarter = Quarter.of(DAY)
    before = capacity_totals(db, quarter)
    make.visit(make.candidate(), offer, day=DAY, status=VisitStatus.CONFIRMED)
    db.commit()
    after = capacity_totals(db, quarter)
    assert after.booked == before.booked + 1 and after.offered == before.offered


# --- recommendation lists --------------------------------------------------------------------
def _ids(shown: ops.Recommendations) -> set[int]:
    return {item.id for item in shown.items}


def test_an_offers_list_follows_consent_proposals_and_referrals_at_once(db, make) -> None:
    officer = make.user(Role.WELFARE_OFFICER)
    offer = make.offer(field="hospitality")
    first, second, third = (make.candidate(referred_by=officer) for _ in range(3))
    db.commit()
    assert _ids(ops.recommend_for_offer(db, offer, day=DAY)) == {first.id, second.id, third.id}

    first.consents[0].withdrawn_at = clock.now()
    db.commit()
    assert _ids(ops.recommend_for_offer(db, offer, day=DAY)) == {second.id, third.id}

    make.visit(second, offer, day=DAY + dt.timedelta(days=7), status=VisitStatus.PROPOSED)
    db.commit()
    assert _ids(ops.recommend_for_offer(db, offer, day=DAY)) == {third.id}

    third.referrals[0].status = ReferralStatus.CLOSED
    third.referrals[0].closed_outcome = ClosedOutcome.MOVED
    db.commit()
    assert ops.recommend_for_offer(db, offer, day=DAY).items == []


def test_each_user_is_recommended_only_whom_they_may_see(db, make) -> None:
    from web import permissions as perm

    mine, theirs = make.user(Role.WELFARE_OFFICER), make.user(Role.WELFARE_OFFICER)
    offer = make.offer()
    own = make.candidate(referred_by=mine)
    other = make.candidate(referred_by=theirs)
    db.commit()
    assert _ids(ops.recommend_for_offer(db, offer, day=DAY, scope=perm.candidate_scope(mine))) == {own.id}
    assert _ids(ops.recommend_for_offer(db, offer, day=DAY, scope=perm.candidate_scope(theirs))) == {other.id}
    assert _ids(ops.recommend_for_offer(db, offer, day=DAY)) == {own.id, other.id}
