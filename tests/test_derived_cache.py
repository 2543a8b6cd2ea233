"""Recommendation lists kept between views (models/operations/derived_cache.py): a project
leader must never be shown a list older than the last committed change that affects it, and the
list must not be recomputed while nothing it depends on has changed."""

from __future__ import annotations

import datetime as dt

from models import AuditEvent, clock
from models.enums import ClosedOutcome, ReferralStatus, Role, VisitStatus
from models.operations import matching as ops
from models.operations.derived_cache import DerivedCache
from models.system import MATCHING, REPORT, DataVersion, data_version

from .test_matching_eligibility import DAY


def _ids(shown: ops.Recommendations) -> set[int]:
    return {item.id for item in shown.items}


def test_a_kept_value_is_used_until_an_input_changes(db, make) -> None:
    cache = DerivedCache(MATCHING)
    candidate = make.candidate()
    db.commit()
    calls = []

    def compute() -> int:
        calls.append(1)
        return len(calls)

    assert cache.get(db, "k", compute) == 1
    db.commit()  # a new transaction, nothing changed
    assert cache.get(db, "k", compute) == 1
    db.add(AuditEvent(action="test"))  # not an input of matching
    db.commit()
    assert cache.get(db, "k", compute) == 1
    candidate.area = "Norr"
    db.commit()
    assert cache.get(db, "k", compute) == 2
    assert (cache.hits, cache.misses) == (2, 2)


def test_a_value_computed_from_uncommitted_changes_is_not_kept(db, make) -> None:
    cache = DerivedCache(MATCHING)
    candidate = make.candidate()
    db.commit()
    candidate.area = "Söder"
    db.flush()
    assert cache.get(db, "k", lambda: "from uncommitted data") == "from uncommitted data"
    db.rollback()
    assert cache.get(db, "k", lambda: "fresh") == "fresh"


def test_each_kind_of_data_has_its_own_version(db, make) -> None:
    candidate = make.candidate()
    db.commit()
    before = {name: data_version(db, name) for name in (REPORT, MATCHING)}
    db.commit()
    candidate.consents[0].withdrawn_at = clock.now()  # the report does not read consents
    db.commit()
    after = {name: data_version(db, name) for name in (REPORT, MATCHING)}
    assert after[MATCHING] != before[MATCHING]
    assert after[REPORT] == before[REPORT]
    assert db.get(DataVersion, MATCHING).value == after[MATCHING]


def test_offer_list_follows_a_withdrawn_consent_and_a_new_proposal(db, make) -> None:
    officer = make.user(Role.WELFARE_OFFICER)
    offer = make.offer(field="hospitality")
    first, second, third = (make.candidate(referred_by=officer) for _ in range(3))
    db.commit()
    shown = ops.recommend_for_offer(db, offer, day=DAY)
    assert _ids(shown) == {first.id, second.id, third.id}
    db.commit()
    hits = ops.RANKINGS.hits
    assert _ids(ops.recommend_for_offer(db, offer, day=DAY)) == {first.id, second.id, third.id}
    assert ops.RANKINGS.hits == hits + 1  # nothing changed: the kept list was shown

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


def test_a_list_is_not_shared_between_users_with_different_scopes(db, make) -> None:
    from web import permissions as perm

    mine, theirs = make.user(Role.WELFARE_OFFICER), make.user(Role.WELFARE_OFFICER)
    offer = make.offer()
    own = make.candidate(referred_by=mine)
    other = make.candidate(referred_by=theirs)
    db.commit()
    assert _ids(ops.recommend_for_offer(db, offer, day=DAY, scope=perm.candidate_scope(mine))) == {own.id}
    assert _ids(ops.recommend_for_offer(db, offer, day=DAY, scope=perm.candidate_scope(theirs))) == {other.id}
    assert _ids(ops.recommend_for_offer(db, offer, day=DAY)) == {own.id, other.id}


def test_the_shown_list_can_be_changed_without_changing_the_kept_one(db, make) -> None:
    offer = make.offer()
    make.candidate()
    db.commit()
    shown = ops.recommend_for_offer(db, offer, day=DAY)
    shown.items.clear()
    assert len(ops.recommend_for_offer(db, offer, day=DAY).items) == 1


def test_start_page_capacity_totals_follow_a_new_booking(db, make) -> None:
    from models.operations.companies import Quarter, capacity_totals

    offer = make.offer()
    db.commit()
    quarter = Quarter.of(DAY)
    before = capacity_totals(db, quarter)
    db.commit()
    assert capacity_totals(db, quarter) == before
    make.visit(make.candidate(), offer, day=DAY, status=VisitStatus.CONFIRMED)
    db.commit()
    after = capacity_totals(db, quarter)
    assert after.booked == before.booked + 1 and after.offered == before.offered


def test_list_counts_follow_changes_and_differ_per_filter(db, make) -> None:
    import sqlalchemy as sa

    from models import Candidate, Referral
    from models.operations.derived_cache import count_rows

    officer = make.user(Role.WELFARE_OFFICER)
    for _ in range(3):
        make.candidate(referred_by=officer, area="Norr")
    make.candidate(referred_by=officer, area="Söder")
    db.commit()
    referred = sa.select(Candidate).where(sa.exists().where(Referral.candidate_id == Candidate.id))
    north = referred.where(Candidate.area == "Norr")
    assert (count_rows(db, referred), count_rows(db, north)) == (4, 3)
    db.commit()
    assert (count_rows(db, referred), count_rows(db, north)) == (4, 3)
    make.candidate(referred_by=officer, area="Norr")
    db.commit()
    assert (count_rows(db, referred), count_rows(db, north)) == (5, 4)
    # a table no data version covers (the audit log) is counted every time
    from models import AuditEvent

    db.add(AuditEvent(action="x"))
    db.commit()
    assert count_rows(db, sa.select(AuditEvent)) == 1
    db.add(AuditEvent(action="y"))
    db.commit()
    assert count_rows(db, sa.select(AuditEvent)) == 2


def test_threads_missing_the_same_list_at_once_compute_it_once(db) -> None:
    import threading
    import time

    from sqlalchemy.orm import Session

    cache = DerivedCache(MATCHING)
    engine = db.get_bind()
    calls, results = [], []
    start = threading.Barrier(4)

    def compute() -> str:
        calls.append(1)
        time.sleep(0.2)
        return "ranked"

    def view() -> None:
        with Session(engine) as session:
            start.wait()
            results.append(cache.get(session, ("offer", 1), compute))

    threads = [threading.Thread(target=view) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == ["ranked"] * 4
    assert len(calls) == 1 and (cache.hits, cache.misses) == (3, 1)

