"""Who may be recommended, and the interchange frames the ranker learns from, built from the
database: the rules a project leader relies on when a list says "these people can go there"."""

from __future__ import annotations

import datetime as dt

import pytest

from models import Feedback, FollowUp, VisitEvent, clock
from models.enums import CompanyStatus, Party, ReferralStatus, Role, VisitStatus
from models.operations import matching as ops
from web import permissions as perm

from .factories import local_dt


def _monday_in(days: int) -> dt.date:
    day = clock.local_today() + dt.timedelta(days=days)
    return day + dt.timedelta(days=(7 - day.weekday()) % 7)


DAY = _monday_in(21)  # a Monday three weeks ahead, whatever today is


@pytest.fixture
def world(make, db):
    officer = make.user(Role.WELFARE_OFFICER)
    offer = make.offer(field="hospitality")
    elsewhere = make.offer(field="it")
    people = {
        "ok": make.candidate(referred_by=officer),
        "accepted_referral": make.candidate(referred_by=officer, status=ReferralStatus.ACCEPTED),
        "no_consent": make.candidate(referred_by=officer, consent=False),
        "closed": make.candidate(referred_by=officer, status=ReferralStatus.CLOSED),
        "returned": make.candidate(referred_by=officer, status=ReferralStatus.RETURNED),
        "withdrawn": make.candidate(referred_by=officer),
        "anonymised": make.candidate(referred_by=officer),
        "busy_that_day": make.candidate(referred_by=officer),
        "busy_other_day": make.candidate(referred_by=officer),
        "proposed_here": make.candidate(referred_by=officer),
        "declined_here": make.candidate(referred_by=officer),
    }
    people["withdrawn"].consents[0].withdrawn_at = clock.now()
    people["anonymised"].anonymised_at = clock.now()
    make.visit(people["busy_that_day"], elsewhere, day=DAY, start_hour=10, hours=5, status=VisitStatus.CONFIRMED)
    make.visit(people["busy_other_day"], elsewhere, day=DAY + dt.timedelta(days=1), status=VisitStatus.CONFIRMED)
    make.visit(people["proposed_here"], offer, day=DAY + dt.timedelta(days=7), status=VisitStatus.PROPOSED)
    make.visit(people["declined_here"], offer, day=DAY + dt.timedelta(days=8), status=VisitStatus.DECLINED)
    db.commit()
    return {"offer": offer, "elsewhere": elsewhere, "officer": officer, **people}


def _names(world, recommendations) -> set[str]:
    by_id = {c.id: name for name, c in world.items() if hasattr(c, "referrals")}
    return {by_id[item.id] for item in recommendations.items}


def test_offer_list_holds_only_people_who_can_go_that_day(db, world) -> None:
    shown = ops.recommend_for_offer(db, world["offer"], day=DAY)
    assert _names(world, shown) == {"ok", "accepted_referral", "busy_other_day", "declined_here"}
    assert shown.ranked == 4 and shown.day == DAY
    assert all(item.reasons and 0 <= item.score <= 1 for item in shown.items)
    assert [i.score for i in shown.items] == sorted((i.score for i in shown.items), reverse=True)


def test_the_day_matters_for_who_is_free(db, world) -> None:
    next_day = ops.recommend_for_offer(db, world["offer"], day=DAY + dt.timedelta(days=1))
    assert "busy_that_day" in _names(world, next_day)
    assert "busy_other_day" not in _names(world, next_day)


def test_a_visit_outside_the_offers_hours_does_not_block(db, make, world) -> None:
    evening = make.offer(window_start=dt.time(16, 0), window_end=dt.time(21, 0), hours=4)
    db.commit()
    assert "busy_that_day" in _names(world, ops.recommend_for_offer(db, evening, day=DAY))


def test_paused_offer_or_company_recommends_nobody(db, make, world) -> None:
    paused = make.offer(active=False)
    inactive_company = make.offer(make.company(status=CompanyStatus.PAUSED))
    db.commit()
    for offer in (paused, inactive_company):
        shown = ops.recommend_for_offer(db, offer, day=DAY)
        assert shown.items == [] and "pausat" in shown.empty


def test_no_eligible_candidate_says_so(db, make) -> None:
    offer = make.offer()
    make.candidate(consent=False)
    db.commit()
    shown = ops.recommend_for_offer(db, offer, day=DAY)
    assert shown.items == [] and shown.ranked == 0
    assert shown.empty.startswith("Ingen kandidat kan föreslås")


def test_filters_and_search_narrow_the_list(db, make, world) -> None:
    anna = make.candidate(referred_by=world["officer"], first_name="Anna", area="Söder", languages=["so"],
                          weekdays=["tue"])
    db.commit()
    offer = world["offer"]
    tuesday = DAY + dt.timedelta(days=1)  # Anna can only come on Tuesdays (#23: availability counts)
    for filters in (ops.Filters(area="Söder"), ops.Filters(language="so"), ops.Filters(text="anna")):
        assert {i.id for i in ops.recommend_for_offer(db, offer, day=tuesday, filters=filters).items} == {anna.id}
    monday = ops.recommend_for_offer(db, offer, day=DAY, filters=ops.Filters(weekday="mon"))
    assert anna.id not in {i.id for i in monday.items} and len(monday.items) == 4


def test_scope_keeps_other_units_clients_out(db, make, world) -> None:
    other_officer = make.user(Role.WELFARE_OFFICER)
    theirs = make.candidate(referred_by=other_officer)
    db.commit()
    everyone = ops.recommend_for_offer(db, world["offer"], day=DAY)
    mine = ops.recommend_for_offer(db, world["offer"], day=DAY, scope=perm.candidate_scope(other_officer))
    assert theirs.id in {i.id for i in everyone.items}
    assert {i.id for i in mine.items} == {theirs.id}


@pytest.mark.parametrize(
    ("who", "why"),
    [
        ("no_consent", "samtycke"),
        ("withdrawn", "samtycke"),
        ("closed", "remiss"),
        ("returned", "remiss"),
        ("anonymised", "avidentifierade"),
    ],
)
def test_candidate_who_cannot_take_part_gets_no_offers_and_the_reason(db, world, who: str, why: str) -> None:
    shown = ops.recommend_for_candidate(db, world[who])
    assert shown.items == []
    assert any(why in problem for problem in shown.problems)


def test_offers_for_a_candidate_leave_out_what_cannot_be_booked(db, make, world) -> None:
    paused = make.offer(active=False)
    company_paused = make.offer(make.company(status=CompanyStatus.PAUSED))
    db.commit()
    shown = {i.id for i in ops.recommend_for_candidate(db, world["proposed_here"]).items}
    assert world["elsewhere"].id in shown
    assert world["offer"].id not in shown  # already proposed there
    assert paused.id not in shown and company_paused.id not in shown


def test_a_day_keeps_offers_that_receive_then_and_do_not_clash(db, make, world) -> None:
    evening = make.offer(window_start=dt.time(16, 0), window_end=dt.time(21, 0), hours=4)
    fridays = make.offer(weekdays=["fri"])
    db.commit()
    shown = {i.id for i in ops.recommend_for_candidate(db, world["busy_that_day"], day=DAY).items}
    assert evening.id in shown
    assert world["offer"].id not in shown  # 08–17 clashes with the 10–15 visit
    assert fridays.id not in shown  # DAY is a Monday


# --- the frames the ranker learns from ------------------------------------------------------------
def _visit_with(make, status: VisitStatus, steps: list[VisitStatus], **kw):
    visit = make.visit(status=status, day=dt.date(2025, 3, 10), **kw)
    visit.events = [VisitEvent(to_status=s, by_party=Party.PROJECT_LEADER) for s in steps]
    return visit


def test_history_reads_answers_and_outcomes_from_the_visit_history(db, make) -> None:
    created = local_dt(dt.date(2025, 2, 20), 23, 30)  # late evening: the local date counts
    waiting = _visit_with(make, VisitStatus.PROPOSED, [VisitStatus.PROPOSED], created_at=created)
    declined = _visit_with(make, VisitStatus.DECLINED, [VisitStatus.PROPOSED, VisitStatus.DECLINED])
    withdrawn = _visit_with(make, VisitStatus.CANCELLED, [VisitStatus.PROPOSED, VisitStatus.CANCELLED])
    called_off = _visit_with(make, VisitStatus.CANCELLED,
                             [VisitStatus.PROPOSED, VisitStatus.ACCEPTED, VisitStatus.CANCELLED])
    missed = _visit_with(make, VisitStatus.NO_SHOW, [VisitStatus.NO_SHOW])
    good = _visit_with(make, VisitStatus.COMPLETED, [VisitStatus.COMPLETED], actual_hours=6)
    not_again = _visit_with(make, VisitStatus.COMPLETED, [VisitStatus.COMPLETED], actual_hours=6)
    for visit, overall, again in ((good, 5, True), (not_again, 5, False)):
        db.add(Feedback(visit=visit, attended=True, punctuality=4, interest=4, overall=overall,
                        would_welcome_again=again))
    good.candidate.referrals[0].status = ReferralStatus.CLOSED
    good.candidate.referrals[0].closed_outcome = "job"
    db.add(FollowUp(candidate_id=not_again.candidate_id, months=3, result="internship", recorded_on=dt.date(2025, 6, 1),
                    recorded_by_id=not_again.candidate.referrals[0].referred_by_id))
    db.commit()

    history = ops.history_frame(db).set_index("candidate_id")
    row = {name: history.loc[str(v.candidate_id)] for name, v in {
        "waiting": waiting, "declined": declined, "withdrawn": withdrawn, "called_off": called_off,
        "missed": missed, "good": good, "not_again": not_again}.items()}
    assert [(row[n]["employer_response"], row[n]["visit_status"]) for n in row] == [
        ("none", "none"), ("declined", "none"), ("none", "none"), ("accepted", "cancelled"),
        ("accepted", "no_show"), ("accepted", "completed"), ("accepted", "completed"),
    ]
    assert row["good"]["feedback"] == 5 and row["not_again"]["feedback"] == 3  # capped: not welcome again
    assert row["missed"]["feedback"] is None or str(row["missed"]["feedback"]) == "<NA>"
    assert (row["good"]["outcome"], row["not_again"]["outcome"], row["declined"]["outcome"]) == (
        "job", "internship", "")
    assert row["waiting"]["proposed_on"] == dt.datetime(2025, 2, 20)


def test_frames_carry_profiles_and_capacity_left(db, make) -> None:
    company = make.company(lat=56.1, lon=12.8)
    offer = make.offer(company, capacity_per_quarter=3, languages=["sv", "ar"], weekdays=["mon", "wed"])
    candidate = make.candidate(interests=["it", "hospitality"], languages=["sv", "so"], weekdays=["fri"],
                               needs_accessible=True)
    quarter = ops.Quarter.of(DAY)
    make.visit(candidate, offer, day=DAY, status=VisitStatus.CONFIRMED)
    db.commit()
    offers = ops.offers_frame(db, quarter).set_index("offer_id")
    assert offers.loc[str(offer.id), "capacity"] == 2
    assert offers.loc[str(offer.id), "languages"] == ["sv", "ar"]
    assert offers.loc[str(offer.id), "weekdays"] == ["mon", "wed"]
    assert (offers.loc[str(offer.id), "lat"], offers.loc[str(offer.id), "lon"]) == (56.1, 12.8)  # the company's
    people = ops.candidates_frame(db).set_index("candidate_id")
    assert people.loc[str(candidate.id), "interests"] == ["it", "hospitality"]
    assert people.loc[str(candidate.id), "weekdays"] == ["fri"]
    assert bool(people.loc[str(candidate.id), "needs_accessible"]) is True


def test_profiles_follow_a_changed_candidate(db, make) -> None:
    candidate = make.candidate(interests=["it"])
    db.commit()
    assert ops.candidates_frame(db).set_index("candidate_id").loc[str(candidate.id), "interests"] == ["it"]
    candidate.interests = ["transport"]
    db.commit()
    assert ops.candidates_frame(db).set_index("candidate_id").loc[str(candidate.id), "interests"] == ["transport"]


def test_score_bands() -> None:
    assert [ops.score_band(s) for s in (0.95, 0.6, 0.59, 0.4, 0.39, 0.0)] == [
        "very_good", "very_good", "good", "good", "possible", "possible"]


def test_odd_data_written_past_the_forms_does_not_break_the_lists(db, make) -> None:
    offer = make.offer()
    odd = make.candidate(languages=["sv", "swe"], lat=56.0, lon=None)
    db.commit()
    shown = ops.recommend_for_offer(db, offer, day=DAY)
    assert [item.id for item in shown.items] == [odd.id]
    profile = ops.candidates_frame(db).set_index("candidate_id").loc[str(odd.id)]
    assert profile["languages"] == ["sv"]  # the unreadable code is left out
