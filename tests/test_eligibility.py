"""Who may take part is one rule (models/operations/eligibility.py): booking, the booking form,
activity registration and its list, both recommendation lists and the quarterly planner refuse
the same people, for the same reason."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import sqlalchemy as sa

from models import Candidate, clock
from models.enums import ActivityType, ReferralStatus, Role
from models.operations import activities as activity_ops
from models.operations import eligibility
from models.operations import matching as matching_ops
from models.operations import visits as visit_ops
from models.operations.errors import DomainError
from tests.factories import local_dt


def _withdrawn(make):
    candidate = make.candidate()
    candidate.consents[0].withdrawn_at = clock.now()
    return candidate


def _partnership_consent_only(make):
    candidate = make.candidate()
    candidate.consents[0].scope_companies = False
    return candidate


def _anonymised(make):
    candidate = make.candidate()
    candidate.anonymised_at = clock.now()
    return candidate


# Who is refused, and the condition (its code) that refuses them.
REFUSED = {
    "withdrawn consent": (_withdrawn, "no_consent"),
    "no consent": (lambda make: make.candidate(consent=False), "no_consent"),
    "consent for the partnership only": (_partnership_consent_only, "no_consent"),
    "anonymised": (_anonymised, "anonymised"),
    "draft referral only": (lambda make: make.candidate(status=ReferralStatus.DRAFT), "no_referral"),
    "submitted referral only": (lambda make: make.candidate(status=ReferralStatus.SUBMITTED), "no_referral"),
    "returned referral only": (lambda make: make.candidate(status=ReferralStatus.RETURNED), "no_referral"),
    "closed referral only": (lambda make: make.candidate(status=ReferralStatus.CLOSED), "no_referral"),
}
ALLOWED = {
    "active referral": lambda make: make.candidate(status=ReferralStatus.ACTIVE),
    "accepted referral": lambda make: make.candidate(status=ReferralStatus.ACCEPTED),
}


def _workday() -> dt.date:
    day = clock.local_today() + dt.timedelta(days=14)
    while not visit_ops.is_working_day(day):
        day += dt.timedelta(days=1)
    return day


def _activity(db, *, company=None):
    start = local_dt(clock.local_today() + dt.timedelta(days=7), 13)
    activity = activity_ops.create_activity(db, activity_ops.ActivityData(
        type=ActivityType.STADIUM_VISIT, title="Visning av Olympia", starts_at=start,
        ends_at=start + dt.timedelta(hours=2), capacity=5,
    ))
    activity.company_id = company.id if company is not None else None
    return activity


def _choices(html: str) -> set[int]:
    """The candidates a page's participant list offers (the select named `candidate`)."""
    select = re.search(r'<select[^>]*name="candidate".*?</select>', html, re.S)
    assert select is not None
    return {int(v) for v in re.findall(r'<option[^>]*value="(\d+)"', select.group(0))}


@pytest.mark.parametrize("build", list(ALLOWED.values()) + [v[0] for v in REFUSED.values()],
                         ids=list(ALLOWED) + list(REFUSED))
def test_the_sql_rule_and_the_reasons_agree(db, make, build) -> None:
    candidate = build(make)
    db.flush()
    in_sql = db.scalar(sa.select(eligibility.may_take_part()).where(Candidate.id == candidate.id))
    assert bool(in_sql) == (eligibility.refusals(db, candidate) == [])


@pytest.mark.parametrize(("build", "code"), list(REFUSED.values()), ids=list(REFUSED))
def test_every_place_refuses_the_same_people_for_the_same_reason(client, auth, db, make, build, code) -> None:
    leader = make.user(Role.PROJECT_LEADER)
    offer = make.offer()
    activity = _activity(db, company=offer.company)
    control = make.candidate()  # may take part: shows that each place lists someone
    refused = build(make)
    db.commit()

    assert [c.code for c in eligibility.refusals(db, refused)] == [code]
    reason = eligibility.refusals(db, refused)[0].reason

    start = local_dt(_workday(), 9)
    with pytest.raises(DomainError) as booking:
        visit_ops.book_visit(db, offer, refused, start, start + dt.timedelta(hours=6), by=leader)
    assert (booking.value.code, booking.value.message) == (code, reason)
    db.rollback()

    with pytest.raises(DomainError) as registration:
        activity_ops.register_participant(db, activity, refused)
    assert (registration.value.code, registration.value.message) == (code, reason)
    db.rollback()

    for_offer = {item.id for item in matching_ops.recommend_for_offer(db, offer).items}
    assert control.id in for_offer and refused.id not in for_offer
    for_candidate = matching_ops.recommend_for_candidate(db, refused)
    assert for_candidate.items == [] and for_candidate.problems == [reason]

    plan = matching_ops.plan_quarter(db, matching_ops.Quarter.of(clock.local_today()).next())
    assert plan.candidates == 1 and {row.candidate_id for row in plan.rows} <= {control.id}

    auth.login(leader)
    booking_form = _choices(client.get("/besok/nytt").get_data(as_text=True))
    activity_page = _choices(client.get(f"/aktiviteter/{activity.id}").get_data(as_text=True))
    assert control.id in booking_form and refused.id not in booking_form
    assert control.id in activity_page and refused.id not in activity_page


def test_the_partnerships_own_activity_needs_consent_to_the_partnership_only(client, auth, db, make) -> None:
    own = _activity(db)
    at_company = _activity(db, company=make.company())
    candidate = _partnership_consent_only(make)
    db.commit()
    auth.login(Role.PROJECT_LEADER)
    assert candidate.id in _choices(client.get(f"/aktiviteter/{own.id}").get_data(as_text=True))
    assert candidate.id not in _choices(client.get(f"/aktiviteter/{at_company.id}").get_data(as_text=True))
    assert eligibility.refusals(db, candidate, with_companies=False) == []
    activity_ops.register_participant(db, own, candidate)
    with pytest.raises(DomainError) as err:
        activity_ops.register_participant(db, at_company, candidate)
    assert err.value.code == "no_consent"


def test_anonymised_data_give_that_reason_alone(db, make) -> None:
    candidate = make.candidate(consent=False, status=ReferralStatus.CLOSED)
    candidate.anonymised_at = clock.now()
    db.flush()
    assert eligibility.refusals(db, candidate) == [eligibility.NOT_ANONYMISED]


def test_a_consent_withdrawn_after_loading_counts_at_once(db, make) -> None:
    candidate = make.candidate()
    db.commit()
    assert eligibility.refusals(db, candidate) == []
    candidate.consents[0].withdrawn_at = clock.now()  # not yet flushed: the check flushes and reads
    assert eligibility.refusals(db, candidate) == [eligibility.CONSENT_IN_FORCE]
