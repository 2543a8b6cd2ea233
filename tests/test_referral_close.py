"""Closing a referral offers to cancel the participant's visits ahead (issue #23, item 11): a
closed referral with a visit still booked is what the officer's list showed."""

from __future__ import annotations

import sqlalchemy as sa

from models import Referral, Visit
from models.enums import ReferralStatus, Role, VisitStatus

from .test_visits_web import outbox, workday


def _active_with_a_visit_ahead(db, make):  # type: ignore[no-untyped-def]
    candidate = make.candidate()
    visit = make.visit(candidate, day=workday(), status=VisitStatus.CONFIRMED)
    db.commit()
    referral = db.scalars(sa.select(Referral).where(Referral.candidate_id == candidate.id)).one()
    assert referral.status in (ReferralStatus.ACCEPTED, ReferralStatus.ACTIVE)
    return candidate, referral, visit


def test_closing_a_referral_offers_and_cancels_the_visits_ahead(client, auth, db, make) -> None:
    candidate, referral, visit = _active_with_a_visit_ahead(db, make)
    auth.login(Role.PROJECT_LEADER)
    page = client.get(f"/kandidater/{candidate.id}").get_data(as_text=True)
    assert f'id="cancel-visits-{referral.id}" name="cancel_visits" value="y" checked' in page
    assert "Avboka deltagarens kommande besök (1 st)" in page
    response = client.post(f"/kandidater/remisser/{referral.id}/avsluta",
                           data={"outcome": "job", "reason": "", "cancel_visits": "y"})
    assert response.status_code == 302
    db.expire_all()
    assert db.get(Referral, referral.id).status == ReferralStatus.CLOSED
    cancelled = db.get(Visit, visit.id)
    assert cancelled.status == VisitStatus.CANCELLED and cancelled.status_reason == "Remissen är avslutad."
    assert outbox(db, "visit_cancelled"), "the supervisor is told"


def test_the_visits_stay_booked_when_the_box_is_cleared(client, auth, db, make) -> None:
    candidate, referral, visit = _active_with_a_visit_ahead(db, make)
    auth.login(Role.PROJECT_LEADER)
    response = client.post(f"/kandidater/remisser/{referral.id}/avsluta", data={"outcome": "job", "reason": ""})
    assert response.status_code == 302
    db.expire_all()
    assert db.get(Referral, referral.id).status == ReferralStatus.CLOSED
    assert db.get(Visit, visit.id).status == VisitStatus.CONFIRMED


def test_without_visits_ahead_nothing_is_offered(client, auth, db, make) -> None:
    candidate = make.candidate()
    db.commit()
    auth.login(Role.PROJECT_LEADER)
    assert "cancel_visits" not in client.get(f"/kandidater/{candidate.id}").get_data(as_text=True)
