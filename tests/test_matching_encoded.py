"""An offer's list is ranked from the encoded profiles of all candidates (the fast path):
it must be exactly the list that ranking the validated frame of the eligible candidates gives,
ids, scores and reasons, and it must follow a changed profile."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from matcher import Ranker, make_world
from matcher.features import HistoryStats
from models import Offer, clock
from models.enums import FIELD_SLUGS, WEEKDAYS, ReferralStatus, Role, VisitStatus
from models.operations import matching as ops


def _monday_in(days: int) -> dt.date:
    day = clock.local_today() + dt.timedelta(days=days)
    return day + dt.timedelta(days=(7 - day.weekday()) % 7)


DAY = _monday_in(21)


@pytest.fixture(scope="module")
def learned() -> Ranker:
    world = make_world(n_candidates=200, n_offers=20, n_history=900, n_quarters=4, seed=5)
    return Ranker(min_outcomes=20, blend_full_at=400).fit(world.candidates, world.offers, world.history)


@pytest.fixture
def people(db, make):
    """30 candidates who may go, with varied profiles and some history, and some who may not."""
    officer = make.user(Role.WELFARE_OFFICER)
    offer = make.offer(field="hospitality", languages=["sv", "ar"], weekdays=["mon", "wed"], min_swedish_level=2)
    elsewhere = make.offer(field="it")
    rng = np.random.default_rng(7)
    eligible = []
    for i in range(30):
        placed = i % 7 != 0  # some without coordinates
        eligible.append(make.candidate(
            referred_by=officer,
            status=ReferralStatus.ACCEPTED if i % 4 == 0 else ReferralStatus.ACTIVE,
            interests=[str(f) for f in rng.choice(FIELD_SLUGS, size=int(rng.integers(0, 3)), replace=False)],
            languages=[str(c) for c in rng.choice(["sv", "ar", "so", "fa", "en"], size=int(rng.integers(1, 3)),
                                                   replace=False)],
            weekdays=[str(d) for d in rng.choice(WEEKDAYS[:5], size=int(rng.integers(1, 5)), replace=False)],
            swedish_level=int(rng.integers(0, 6)),
            lat=56.0 + float(rng.random()) * 0.3 if placed else None,
            lon=12.6 + float(rng.random()) * 0.3 if placed else None,
            needs_accessible=i % 5 == 0,
        ))
    make.candidate(referred_by=officer, consent=False)
    make.candidate(referred_by=officer, status=ReferralStatus.CLOSED)
    make.visit(make.candidate(referred_by=officer), offer, day=DAY + dt.timedelta(days=2),
               status=VisitStatus.PROPOSED)  # already proposed there
    for i, candidate in enumerate(eligible[:8]):  # history: earlier visits elsewhere
        make.visit(candidate, elsewhere, day=dt.date(2025, 3, 10) + dt.timedelta(days=i),
                   status=VisitStatus.NO_SHOW if i % 3 == 0 else VisitStatus.COMPLETED, actual_hours=6)
    db.commit()
    return {"offer": offer, "eligible": eligible}


@pytest.mark.parametrize("kind", ["learned", "content"])
@pytest.mark.parametrize("limit", [20, 50])
def test_the_offer_list_is_the_ranking_of_the_frame_of_who_may_go(db, people, learned, kind, limit) -> None:
    ranker = learned if kind == "learned" else Ranker()
    if kind == "learned":  # with this database's history, so candidates' history counts
        quarter = ops.Quarter.of(DAY)
        ranker.history_stats_ = HistoryStats.from_history(
            ops.history_frame(db), ops.offers_frame(db, quarter), smoothing=ranker.smoothing)
    offer = people["offer"]
    shown = ops.recommend_for_offer(db, offer, model=ops.ScoringModel(ranker), day=DAY, limit=limit)

    # Who may go, and can come on DAY, a Monday (#23: availability is part of taking part on a day).
    eligible = {str(c.id) for c in people["eligible"] if "mon" in c.weekdays}
    frame = ops.candidates_frame(db)
    frame = frame[frame["candidate_id"].isin(eligible)].reset_index(drop=True)
    offers = ops.offers_frame(db, ops.Quarter.of(DAY), Offer.id == offer.id)
    expected = ranker.rank_candidates(frame, offers, str(offer.id), limit=limit)

    assert shown.ranked == len(eligible) and 0 < len(eligible) < 30
    assert [(item.id, item.score, item.reasons) for item in shown.items] == [
        (int(c), s, list(r)) for c, s, r in zip(expected["candidate_id"], expected["score"], expected["reasons"],
                                                 strict=True)]
    assert len(shown.items) == min(limit, len(eligible))


def test_the_list_follows_a_changed_profile(db, make) -> None:
    offer = make.offer(field="hospitality")
    candidate = make.candidate(interests=["it"])
    make.candidate(interests=["transport"])
    db.commit()
    before = {item.id: item for item in ops.recommend_for_offer(db, offer, day=DAY).items}
    assert not any(r.startswith("Intresse:") for r in before[candidate.id].reasons)

    candidate.interests = ["it", "hospitality"]
    db.commit()
    after = {item.id: item for item in ops.recommend_for_offer(db, offer, day=DAY).items}
    assert any(r.startswith("Intresse:") for r in after[candidate.id].reasons)
    assert after[candidate.id].score > before[candidate.id].score
