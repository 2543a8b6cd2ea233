"""Encoded candidates, the web app's fast path: the same rankings, scores and reasons as frames.

The web app encodes all candidates once and ranks a subset of them per request; whatever it
shows must be exactly what ranking the validated frame of that subset gives.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from matcher.features import EncodedCandidates, build_pair_features
from matcher.io import InterchangeError, validate_candidates, validate_history, validate_offers
from matcher.ranker import PREDICTION_COLUMNS, Ranker, all_pairs
from matcher.simulate import World, make_world


@pytest.fixture(scope="module")
def world() -> World:
    # Some candidates without coordinates (distance NaN), languages in common and not.
    world = make_world(n_candidates=400, n_offers=30, n_history=1200, n_quarters=6, seed=23,
                       missing_coordinates=0.15)
    world.candidates = validate_candidates(world.candidates)
    world.offers = validate_offers(world.offers)
    world.history = validate_history(world.history)
    return world


@pytest.fixture(scope="module")
def rankers(world: World) -> dict[str, Ranker]:
    return {
        "learned": Ranker().fit(world.candidates, world.offers, world.history),  # fully learned
        "blended": Ranker(min_outcomes=20, blend_full_at=2000).fit(
            world.candidates, world.offers, world.history),
        "content": Ranker(),  # unfitted: the content score alone
    }


def _subset(world: World, seed: int) -> np.ndarray:
    """Sorted positions of about two thirds of the candidates, as eligibility would leave."""
    rng = np.random.default_rng(seed)
    return np.sort(rng.choice(len(world.candidates), size=len(world.candidates) * 2 // 3, replace=False))


@pytest.mark.parametrize("name", ["learned", "blended", "content"])
@pytest.mark.parametrize("limit", [None, 20, 1])
def test_encoded_candidates_rank_exactly_as_their_frame(world: World, rankers, name: str, limit) -> None:
    ranker = rankers[name]
    encoded = EncodedCandidates.from_frame(world.candidates)
    for seed, offer_id in enumerate(world.offers["offer_id"].iloc[::6]):
        rows = _subset(world, seed)
        frame = world.candidates.iloc[rows].reset_index(drop=True)
        expected = ranker.rank_candidates(frame, world.offers, offer_id, limit=limit)
        got = ranker.rank_candidates(encoded.take(rows), world.offers, offer_id, limit=limit)
        pd.testing.assert_frame_equal(got, expected, check_exact=True)  # ids, scores, reasons
        assert len(got) == (limit or len(rows))


def test_a_subset_of_a_subset_is_the_same_candidates(world: World, rankers) -> None:
    ranker = rankers["learned"]
    encoded = EncodedCandidates.from_frame(world.candidates)
    outer = _subset(world, 1)
    inner = np.arange(0, len(outer), 3)
    offer_id = world.offers["offer_id"].iloc[2]
    once = encoded.take(outer[inner])
    pd.testing.assert_frame_equal(
        ranker.rank_candidates(encoded.take(outer).take(inner), world.offers, offer_id),
        ranker.rank_candidates(once, world.offers, offer_id), check_exact=True)
    assert list(once.candidate_id) == list(world.candidates["candidate_id"].iloc[outer[inner]])


def test_pair_features_from_encoded_candidates_equal_the_frames(world: World, rankers) -> None:
    encoded = EncodedCandidates.from_frame(world.candidates)
    pairs = all_pairs(world.candidates, world.offers.head(4)).sample(frac=1.0, random_state=3)
    stats = rankers["learned"].history_stats_
    from_frame, frame_details = build_pair_features(world.candidates, world.offers, pairs, stats)
    from_encoded, encoded_details = build_pair_features(encoded, world.offers, pairs, stats)
    pd.testing.assert_frame_equal(from_encoded, from_frame, check_exact=True)
    np.testing.assert_array_equal(encoded_details.common_language, frame_details.common_language)
    pd.testing.assert_frame_equal(
        rankers["learned"].predict_pairs(encoded, world.offers, pairs),
        rankers["learned"].predict_pairs(world.candidates, world.offers, pairs), check_exact=True)


def test_newer_history_is_looked_up_for_the_encoded_candidates_too(world: World, rankers) -> None:
    """The encoding keeps each candidate's history lookups for the statistics last asked for;
    other statistics must not get them."""
    ranker = rankers["learned"]
    encoded = EncodedCandidates.from_frame(world.candidates)
    offer_id = world.offers["offer_id"].iloc[5]
    before = ranker.rank_candidates(encoded.take(np.arange(100)), world.offers, offer_id)
    early = world.history[world.history["proposed_on"] < world.history["proposed_on"].median()]
    other = Ranker().fit(world.candidates, world.offers, early)
    pd.testing.assert_frame_equal(
        other.rank_candidates(encoded.take(np.arange(100)), world.offers, offer_id),
        other.rank_candidates(world.candidates.head(100), world.offers, offer_id), check_exact=True)
    pd.testing.assert_frame_equal(
        ranker.rank_candidates(encoded.take(np.arange(100)), world.offers, offer_id), before, check_exact=True)


@pytest.mark.parametrize("calibration", ["sigmoid", "isotonic"])
def test_scoring_distinct_rows_once_gives_the_models_own_probabilities(world: World, calibration: str) -> None:
    """Rows the trees cannot tell apart are scored once: the probabilities must be exactly the
    fitted pipeline's, over many offers (the offer's field is a categorical feature)."""
    ranker = Ranker(calibration=calibration).fit(world.candidates, world.offers, world.history)
    pairs = all_pairs(world.candidates, world.offers)
    features, _ = build_pair_features(world.candidates, world.offers, pairs, ranker.history_stats_)
    for model, rate in ((ranker.accept_model_, ranker.accept_rate_), (ranker.show_model_, ranker.show_rate_),
                        (ranker.good_model_, ranker.good_rate_)):
        assert model is not None
        expected = model.predict_proba(features)[:, 1]
        np.testing.assert_array_equal(ranker._probabilities(model, rate, features), expected)


def test_empty_subsets_and_unknown_offers(world: World, rankers) -> None:
    encoded = EncodedCandidates.from_frame(world.candidates)
    offer_id = world.offers["offer_id"].iloc[0]
    for ranker in rankers.values():
        none = ranker.rank_candidates(encoded.take([]), world.offers, offer_id, limit=20)
        assert none.empty and list(none.columns) == list(PREDICTION_COLUMNS)
    with pytest.raises(InterchangeError, match="unknown id 'nope'"):
        rankers["learned"].rank_candidates(encoded, world.offers, "nope")


def test_encoding_a_frame_without_a_needed_column_names_it(world: World) -> None:
    with pytest.raises(InterchangeError, match="weekdays"):
        EncodedCandidates.from_frame(world.candidates.drop(columns="weekdays"))
