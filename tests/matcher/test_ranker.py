"""The Ranker: estimator contract, cold start, blending, invariance and reasons."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone

from matcher.content import content_score
from matcher.features import pair_features
from matcher.ranker import PREDICTION_COLUMNS, Ranker, all_pairs
from matcher.reasons import Reason
from matcher.schema import TARGET_GROUPS
from matcher.simulate import World, make_world


@pytest.fixture(scope="module")
def world() -> World:
    return make_world(n_candidates=120, n_offers=25, n_history=700, n_quarters=4, seed=11)


@pytest.fixture(scope="module")
def fitted(world: World) -> Ranker:
    return Ranker(min_outcomes=20, blend_full_at=400).fit(
        world.candidates, world.offers, world.history)


@pytest.fixture(scope="module")
def pairs(world: World) -> pd.DataFrame:
    return all_pairs(world.candidates, world.offers.head(6))


def test_init_stores_parameters_and_clone_copies_them() -> None:
    ranker = Ranker(min_outcomes=7, blend_full_at=70, calibration="sigmoid", random_state=3)
    params = ranker.get_params()
    assert params["min_outcomes"] == 7 and params["blend_full_at"] == 70
    assert params["calibration"] == "sigmoid" and params["random_state"] == 3
    twin = clone(ranker)
    assert twin is not ranker and twin.get_params() == params
    assert not any(name.endswith("_") for name in vars(ranker))  # nothing learned in __init__


def test_fit_returns_self_and_clone_drops_what_was_learned(world: World, fitted: Ranker) -> None:
    ranker = Ranker(min_outcomes=20)
    assert ranker.fit(world.candidates, world.offers, world.history.head(50)) is ranker
    assert fitted.n_outcomes_ > 600 and fitted.blend_weight_ == pytest.approx(1 - fitted.content_share)
    assert fitted.accept_model_ is not None
    assert fitted.show_model_ is not None and fitted.good_model_ is not None  # success in parts
    fresh = clone(fitted)
    assert not hasattr(fresh, "blend_weight_")
    assert fresh.get_params() == fitted.get_params()


def test_unfitted_ranker_scores_with_the_content_score(world: World, pairs) -> None:
    scored = Ranker().predict_pairs(world.candidates, world.offers, pairs)
    assert list(scored.columns) == list(PREDICTION_COLUMNS)
    expected = content_score(pair_features(world.candidates, world.offers, pairs))
    np.testing.assert_allclose(scored["score"], expected)
    assert scored["p_accept"].isna().all() and scored["p_success"].isna().all()


def test_no_history_equals_the_content_score(world: World, pairs) -> None:
    empty = world.history.iloc[:0]
    ranker = Ranker().fit(world.candidates, world.offers, empty)
    assert ranker.n_outcomes_ == 0 and ranker.blend_weight_ == 0.0
    expected = content_score(pair_features(world.candidates, world.offers, pairs))
    np.testing.assert_allclose(
        ranker.predict_pairs(world.candidates, world.offers, pairs)["score"], expected)


def relabel(history: pd.DataFrame, response: str) -> pd.DataFrame:
    """History with every answered proposal set to one response (and consistent statuses)."""
    out = history.copy()
    out["employer_response"] = response
    if response == "declined":
        out["visit_status"] = "none"
        out["feedback"] = pd.array([pd.NA] * len(out), dtype="Int64")
        out["outcome"] = ""
    return out


@pytest.mark.parametrize("n_rows", [0, 1, 5])
@pytest.mark.parametrize("response", ["accepted", "declined"])
def test_tiny_or_one_sided_history_never_crashes(world: World, pairs, n_rows, response) -> None:
    history = relabel(world.history.head(n_rows), response)
    ranker = Ranker().fit(world.candidates, world.offers, history)
    assert ranker.blend_weight_ == 0.0
    scores = ranker.predict_pairs(world.candidates, world.offers, pairs)["score"]
    assert scores.notna().all() and ((scores >= 0) & (scores <= 1)).all()


def test_all_positive_labels_use_a_base_rate_not_a_model(world: World, pairs) -> None:
    history = relabel(world.history.head(300), "accepted")
    ranker = Ranker(min_outcomes=20, blend_full_at=100).fit(
        world.candidates, world.offers, history)
    assert ranker.accept_model_ is None  # nothing to learn from a single class
    assert ranker.accept_rate_ > 0.9
    assert ranker.show_model_ is not None and ranker.good_model_ is not None
    assert ranker.blend_weight_ == pytest.approx(0.9)
    scored = ranker.predict_pairs(world.candidates, world.offers, pairs)
    assert scored["p_accept"].nunique() == 1
    assert scored["score"].between(0, 1).all()


def test_content_share_zero_lets_the_learned_score_take_over(world: World, pairs) -> None:
    ranker = Ranker(blend_full_at=100, content_share=0.0).fit(world.candidates, world.offers, world.history)
    assert ranker.blend_weight_ == 1.0
    scored = ranker.predict_pairs(world.candidates, world.offers, pairs, reasons=False)
    np.testing.assert_allclose(scored["score"], scored["p_accept"] * scored["p_success"])
    kept = Ranker(blend_full_at=100).fit(world.candidates, world.offers, world.history)
    content = Ranker().predict_pairs(world.candidates, world.offers, pairs, reasons=False)["score"]
    mixed = kept.predict_pairs(world.candidates, world.offers, pairs, reasons=False)
    np.testing.assert_allclose(
        mixed["score"], 0.1 * content + 0.9 * mixed["p_accept"] * mixed["p_success"])


def test_learned_share_grows_gradually_with_outcomes(world: World, pairs) -> None:
    content = Ranker().predict_pairs(world.candidates, world.offers, pairs)["score"].to_numpy()
    weights, distances = [], []
    for n in (45, 60, 100, 200, 700):
        ranker = Ranker(min_outcomes=40, blend_full_at=400).fit(
            world.candidates, world.offers, world.history.head(n))
        scored = ranker.predict_pairs(world.candidates, world.offers, pairs)["score"].to_numpy()
        weights.append(ranker.blend_weight_)
        distances.append(np.abs(scored - content).mean())
        assert ranker.blend_weight_ == pytest.approx(0.9 * min(1, (ranker.n_outcomes_ - 40) / 360))
    assert 0 < weights[0] < 0.03 and weights[-1] == pytest.approx(0.9)  # the content score keeps a tenth
    assert weights == sorted(weights)
    assert distances[0] < 0.01  # just past the threshold: still almost the content score
    assert distances[-1] > 5 * distances[0]


def test_protected_attribute_does_not_change_scores(world: World, fitted: Ranker, pairs) -> None:
    before = fitted.predict_pairs(world.candidates, world.offers, pairs)
    rng = np.random.default_rng(0)
    shuffled = world.candidates.assign(
        target_group=rng.choice(TARGET_GROUPS, size=len(world.candidates)))
    assert (shuffled["target_group"] != world.candidates["target_group"]).any()
    after = fitted.predict_pairs(shuffled, world.offers, pairs)
    pd.testing.assert_frame_equal(before, after)

    # Training on the altered frame gives the very same model too.
    refitted = clone(fitted).fit(shuffled, world.offers, world.history)
    pd.testing.assert_frame_equal(
        before, refitted.predict_pairs(world.candidates, world.offers, pairs))


def test_reasons_are_two_or_three_swedish_strings(world: World, fitted: Ranker, pairs) -> None:
    scored = fitted.predict_pairs(world.candidates, world.offers, pairs)
    lengths = scored["reasons"].map(len) + scored["considerations"].map(len)
    assert lengths.between(2, 3).all()
    texts = [t for column in ("reasons", "considerations") for reasons in scored[column] for t in reasons]
    assert all(isinstance(t, str) and t and "|" not in t for t in texts)
    assert all(isinstance(t, Reason) and t.template for t in texts)  # translatable by the app
    assert any(t.startswith("Intresse: ") for t in texts)
    assert any(re.fullmatch(r"(Svenska [ABC][12]|Ingen svenska) \((krav [ABC][12]|inget krav)\)", t)
               for t in texts)
    assert all(re.fullmatch(r"ca \d+ min med buss \(\d+(,\d)? km\)", t) for t in texts if t.endswith(" km)"))


def test_shortcomings_are_considerations_never_reasons(world: World, fitted: Ranker, pairs) -> None:
    """#23: "Svenska ingen (krav B1)" was listed under "Därför" beside "mycket god"."""
    scored = fitted.predict_pairs(world.candidates, world.offers, pairs)
    reasons = {t for row in scored["reasons"] for t in row}
    considerations = {t for row in scored["considerations"] for t in row}
    shortcomings = ("Ingen svenska (krav", "Inget uttalat intresse", "Inga gemensamma", "Uteblivit",
                    "Arbetsplatsen är inte", "Avstånd okänt")
    assert not [t for t in reasons if t.startswith(shortcomings)]
    assert [t for t in considerations if t.startswith(shortcomings)]


def test_reason_texts_for_a_known_pair() -> None:
    candidates = pd.DataFrame({
        "candidate_id": ["C1"], "interests": [["hospitality"]], "swedish_level": [3],
        "languages": [["ar"]], "target_group": ["newcomer"], "weekdays": [["tue"]],
        "lat": [56.0465], "lon": [12.6945], "needs_accessible": [False],
    })
    offers = pd.DataFrame({
        "offer_id": ["O1"], "company_id": ["K1"], "field": ["hospitality"],
        "min_swedish_level": [2], "languages": [["ar"]], "weekdays": [["tue", "wed"]],
        "lat": [56.0465 + 3.2 / 111.2], "lon": [12.6945], "accessible": [True],
        "hours": [6.0], "capacity": [1],
    })
    pair = pd.DataFrame({"candidate_id": ["C1"], "offer_id": ["O1"]})
    scored = Ranker().predict_pairs(candidates, offers, pair)
    assert scored["reasons"].iloc[0] == ["Intresse: Hotell, restaurang, storhushåll", "Svenska B1 (krav A2)",
                                         "Tisdagar passar"]
    assert scored["considerations"].iloc[0] == []
    far = offers.assign(weekdays=[["mon"]], lat=[56.0465 + 3.2 / 111.2])
    reasons = Ranker().predict_pairs(candidates.assign(swedish_level=[0]), far, pair)
    assert reasons["reasons"].iloc[0] == ["Intresse: Hotell, restaurang, storhushåll"]
    assert reasons["considerations"].iloc[0] == ["Ingen svenska (krav A2)", "Inga gemensamma veckodagar"]
    first = reasons["considerations"].iloc[0][0]
    assert (first.template, first.params) == ("Ingen svenska (krav %(required)s)", {"required": "A2"})
    near = offers.assign(min_swedish_level=[0], weekdays=[["mon", "tue", "wed", "thu"]],
                         languages=[["en"]])
    reasons = Ranker().predict_pairs(candidates, near, pair)["reasons"].iloc[0]
    # 3.2 km by public transport: 10 minutes to the stop and waiting, 18 km/h door to door.
    assert "ca 20 min med buss (3,2 km)" in reasons
    assert next(r for r in reasons if r.endswith("km)")).params == {"minutes": 20, "km": 3.2}


def test_rank_candidates_and_offers_sort_best_first(world: World, fitted: Ranker) -> None:
    offer_id = world.offers["offer_id"].iloc[3]
    top = fitted.rank_candidates(world.candidates, world.offers, offer_id, limit=10)
    assert len(top) == 10 and (top["offer_id"] == offer_id).all()
    assert top["score"].is_monotonic_decreasing
    everyone = fitted.rank_candidates(world.candidates, world.offers, offer_id)
    assert len(everyone) == len(world.candidates)
    assert top["score"].iloc[0] == everyone["score"].max()

    candidate_id = world.candidates["candidate_id"].iloc[5]
    offers = fitted.rank_offers(world.candidates, world.offers, candidate_id, limit=3)
    assert len(offers) == 3 and offers["score"].is_monotonic_decreasing


def test_newer_history_can_be_passed_at_scoring_time(world: World, pairs) -> None:
    early = world.history[world.history["proposed_on"] < world.history["proposed_on"].median()]
    ranker = Ranker(min_outcomes=20, blend_full_at=100).fit(
        world.candidates, world.offers, early)
    own = ranker.predict_pairs(world.candidates, world.offers, pairs)
    newer = ranker.predict_pairs(world.candidates, world.offers, pairs, history=world.history)
    assert not np.allclose(own["score"], newer["score"])


def test_filtered_frames_and_empty_pair_lists_are_scored(world: World, fitted: Ranker) -> None:
    subset = world.candidates.iloc[7:19]  # the web app filters: the index no longer starts at 0
    offers = world.offers.iloc[2:5]
    ranked = fitted.rank_candidates(subset, offers, offers["offer_id"].iloc[1])
    assert sorted(ranked["candidate_id"]) == sorted(subset["candidate_id"])
    whole = fitted.predict_pairs(world.candidates, world.offers, ranked[["candidate_id",
                                                                         "offer_id"]])
    np.testing.assert_allclose(ranked["score"], whole["score"])
    none = fitted.predict_pairs(world.candidates, world.offers,
                                pd.DataFrame({"candidate_id": [], "offer_id": []}))
    assert none.empty and list(none.columns) == list(PREDICTION_COLUMNS)


def test_scores_without_reasons_are_the_same_scores(world: World, fitted: Ranker, pairs) -> None:
    full = fitted.predict_pairs(world.candidates, world.offers, pairs)
    bare = fitted.predict_pairs(world.candidates, world.offers, pairs, reasons=False)
    assert "reasons" not in bare.columns and "considerations" not in bare.columns
    pd.testing.assert_frame_equal(bare, full.drop(columns=["reasons", "considerations"]))


def test_a_limited_ranking_is_the_head_of_the_full_one(world: World, fitted: Ranker) -> None:
    """Only the rows returned get reasons written; they must be the same rows and reasons."""
    for ranker in (fitted, Ranker()):
        offer_id = world.offers["offer_id"].iloc[4]
        everyone = ranker.rank_candidates(world.candidates, world.offers, offer_id)
        top = ranker.rank_candidates(world.candidates, world.offers, offer_id, limit=7)
        pd.testing.assert_frame_equal(top, everyone.head(7))
        candidate_id = world.candidates["candidate_id"].iloc[9]
        every_offer = ranker.rank_offers(world.candidates, world.offers, candidate_id)
        best = ranker.rank_offers(world.candidates, world.offers, candidate_id, limit=4)
        pd.testing.assert_frame_equal(best, every_offer.head(4))
        assert list(best.columns) == list(PREDICTION_COLUMNS)
