"""The ranker's own choices: a visit's success learned in parts, each part learned by a booster
and a logistic model together, and trees chosen on the latest part of its own history
(issue #24)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.ensemble import HistGradientBoostingClassifier

from matcher import ranker as ranker_module
from matcher.features import FEATURE_COLUMNS, history_features
from matcher.io import validate_candidates, validate_history, validate_offers
from matcher.ranker import (
    ACCEPT_MONOTONIC,
    LINEAR_DESIGNS,
    TUNE_ITERATIONS,
    TUNE_SHAPES,
    Ranker,
    accept_design,
    accept_labels,
    all_pairs,
    show_design,
    visit_labels,
)
from matcher.schema import FIELD_SLUGS
from matcher.simulate import World, make_world


@pytest.fixture(scope="module")
def world() -> World:
    return make_world(n_candidates=200, n_offers=40, n_history=1600, n_quarters=4, seed=5)


@pytest.fixture(scope="module")
def pairs(world: World) -> pd.DataFrame:
    return all_pairs(world.candidates, world.offers.head(5))


@pytest.fixture(scope="module")
def accept_data(world: World) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The accept model's training matrix, labels and its last quarter, as fit builds them."""
    candidates, offers = validate_candidates(world.candidates), validate_offers(world.offers)
    history = validate_history(world.history)
    features = history_features(candidates, offers, history)
    known = history.loc[features.index]
    answered, accepted = accept_labels(known)
    quarter = known["proposed_on"].dt.to_period("Q").to_numpy()
    matrix = features[list(FEATURE_COLUMNS)].to_numpy(dtype=float)[answered]
    return matrix, accepted[answered], (quarter == quarter.max())[answered]


def log_loss(y: np.ndarray, p: np.ndarray) -> float:
    p = np.clip(p, 1e-6, 1 - 1e-6)
    return float(-np.mean(np.where(y, np.log(p), np.log(1 - p))))


def test_tuning_picks_the_setting_with_the_lowest_loss_on_the_last_part(accept_data) -> None:
    matrix, y, last = accept_data
    ranker = Ranker(tune=True, random_state=3)
    found = ranker._tuned(matrix, y, last, ACCEPT_MONOTONIC)
    assert len(found["log_loss"]) == len(TUNE_SHAPES) * len(TUNE_ITERATIONS)
    # Every setting refitted on its own, on the earlier part only, judged on the last part.
    expected = []
    for shape in TUNE_SHAPES:
        for iterations in TUNE_ITERATIONS:
            booster = ranker._booster(int((~last).sum()), ACCEPT_MONOTONIC, **shape, max_iter=iterations)
            booster.fit(matrix[~last], y[~last].astype(int))
            expected.append(log_loss(y[last], booster.predict_proba(matrix[last])[:, 1]))
    losses = [loss for _, loss in found["log_loss"]]
    np.testing.assert_allclose(losses, expected, rtol=1e-9)
    assert found["params"] == found["log_loss"][int(np.argmin(expected))][0]
    assert len(set(np.round(expected, 6))) > 1  # the settings really differ


def test_a_setting_that_is_better_on_the_last_part_is_the_one_chosen(accept_data, monkeypatch) -> None:
    """A shape that cannot learn (its trees' steps are a millionth of the usual) loses to one
    that can."""
    matrix, y, last = accept_data
    monkeypatch.setattr(ranker_module, "TUNE_SHAPES", (
        {"max_leaf_nodes": 6, "min_samples_leaf": 40, "l2_regularization": 5.0, "learning_rate": 1e-6},
        {"max_leaf_nodes": 6, "min_samples_leaf": 40, "l2_regularization": 5.0},
    ))
    found = Ranker()._tuned(matrix, y, last, ACCEPT_MONOTONIC)
    assert "learning_rate" not in found["params"]


def test_tuning_never_fits_on_the_last_part(accept_data, monkeypatch) -> None:
    matrix, y, last = accept_data
    seen: list[tuple[int, bytes]] = []
    original = HistGradientBoostingClassifier.fit

    def spy(self, X, y_fit, *args, **kwargs):  # noqa: N803 - scikit-learn's name
        seen.append((len(X), np.asarray(X).tobytes() + np.asarray(y_fit).tobytes()))
        return original(self, X, y_fit, *args, **kwargs)

    monkeypatch.setattr(HistGradientBoostingClassifier, "fit", spy)
    Ranker()._tuned(matrix, y, last, ACCEPT_MONOTONIC)
    fitted_first = list(seen)
    assert fitted_first and all(n == int((~last).sum()) for n, _ in fitted_first)
    # The last part's labels and features turned upside down: the same boosters are fitted.
    seen.clear()
    scrambled = matrix.copy()
    scrambled[last] = scrambled[last][::-1] * 3 + 1
    Ranker()._tuned(scrambled, np.where(last, ~y, y), last, ACCEPT_MONOTONIC)
    assert seen == fitted_first


def test_fit_tunes_each_model_and_is_deterministic(world: World, pairs) -> None:
    first = Ranker(tune=True, random_state=4).fit(world.candidates, world.offers, world.history)
    second = Ranker(tune=True, random_state=4).fit(world.candidates, world.offers, world.history)
    assert set(first.tuned_) == {"accept", "show", "good"}
    assert first.tuned_ == second.tuned_
    for name, found in first.tuned_.items():
        assert found, name  # enough rows in the last quarter to tune every model here
    pd.testing.assert_frame_equal(
        first.predict_pairs(world.candidates, world.offers, pairs),
        second.predict_pairs(world.candidates, world.offers, pairs))
    booster = first.accept_model_[-1].estimator
    assert booster.max_iter == first.tuned_["accept"]["params"]["max_iter"]
    assert booster.max_leaf_nodes == first.tuned_["accept"]["params"]["max_leaf_nodes"]


def test_one_quarter_of_history_is_not_tuned(world: World) -> None:
    quarter = world.history["proposed_on"].dt.to_period("Q")
    only_first = world.history[quarter == quarter.min()]
    ranker = Ranker(tune=True, min_outcomes=20).fit(world.candidates, world.offers, only_first)
    # The only quarter is the last one: nothing earlier to fit the settings on.
    assert all(found == {} for found in ranker.tuned_.values())
    assert ranker.accept_model_ is not None
    assert ranker.accept_model_[-1].estimator.max_iter == ranker.max_iter


def test_tuning_is_off_by_default_and_keeps_the_given_parameters(world: World) -> None:
    assert Ranker().tune is False
    ranker = Ranker(max_iter=12).fit(world.candidates, world.offers, world.history)
    assert ranker.tuned_ == {}
    assert ranker.accept_model_[-1].estimator.max_iter == 12


def test_split_success_is_the_product_of_its_parts(world: World, pairs) -> None:
    ranker = Ranker(tune=False, linear_parts=False).fit(world.candidates, world.offers, world.history)
    assert ranker.split_success_ and ranker.success_model_ is None
    assert ranker.show_model_ is not None and ranker.good_model_ is not None
    held, showed, came, good = visit_labels(world.history)
    assert 0.85 < ranker.held_rate_ < 1.0  # the simulation cancels about 7 %
    assert ranker.success_rate_ == pytest.approx(ranker.held_rate_ * ranker.show_rate_ * ranker.good_rate_)
    assert (showed <= held).all() and (good <= came).all()
    scored = ranker.predict_pairs(world.candidates, world.offers, pairs)
    from matcher.features import build_pair_features
    features, _ = build_pair_features(world.candidates, world.offers, pairs, ranker.history_stats_)
    expected = (ranker.held_rate_ * ranker.show_model_.predict_proba(features)[:, 1]
                * ranker.good_model_.predict_proba(features)[:, 1])
    np.testing.assert_allclose(scored["p_success"], expected, rtol=1e-12)
    assert ranker.summary()["split_success"] is True


def test_one_success_model_when_asked(world: World, pairs) -> None:
    ranker = Ranker(split_success=False, tune=False).fit(world.candidates, world.offers, world.history)
    assert ranker.success_model_ is not None and not ranker.split_success_
    refit = Ranker(tune=False).fit(world.candidates, world.offers, world.history)
    refit.set_params(split_success=False).fit(world.candidates, world.offers, world.history)
    pd.testing.assert_frame_equal(ranker.predict_pairs(world.candidates, world.offers, pairs),
                                  refit.predict_pairs(world.candidates, world.offers, pairs))


def test_a_ranker_pickled_before_these_parameters_scores_as_it_did(world: World, pairs) -> None:
    old = Ranker(split_success=False, tune=False, linear_parts=False)
    old.fit(world.candidates, world.offers, world.history)
    before = old.predict_pairs(world.candidates, world.offers, pairs)
    state = old.__getstate__()
    for name in ("split_success", "tune", "split_success_", "tuned_", "linear_parts", "linear_"):
        state.pop(name)  # what a model saved by the earlier code holds
    restored = Ranker.__new__(Ranker)
    restored.__setstate__(state)
    params = restored.get_params()
    assert params["split_success"] is False and params["tune"] is False and params["linear_parts"] is False
    pd.testing.assert_frame_equal(restored.predict_pairs(world.candidates, world.offers, pairs), before)
    assert restored.summary()["split_success"] is False and restored.summary()["linear_parts"] == []


# --- each part learned twice (linear_parts) ---------------------------------------------------


def test_the_design_prices_each_missing_step_of_swedish_in_the_offers_field_only() -> None:
    features = pd.DataFrame({
        "interest_match": [1.0, 0.0], "swedish_margin": [2.0, -3.0], "weekday_overlap": [0.0, 3.0],
        "accessibility_ok": [1.0, 0.0], "offer_accept_rate": [0.5, 1.0], "company_accept_rate": [0.0, 0.73],
        "swedish_shortfall": [0.0, -2.0],
        "field_code": [float(FIELD_SLUGS.index("cleaning")), float(FIELD_SLUGS.index("healthcare"))],
    })
    design = accept_design(features)
    assert design.shape == (2, 6 + len(FIELD_SLUGS))
    np.testing.assert_allclose(design[:, :4], [[1, 2, 1, 1], [0, 0, 0, 0]])
    # Rates become log-odds, clipped off 0 and 1 so that a company that said yes to all stays finite.
    assert design[0, 4] == 0.0 and design[1, 4] == pytest.approx(np.log(0.99 / 0.01))
    assert design[0, 5] == pytest.approx(np.log(0.01 / 0.99)) and design[1, 5] == pytest.approx(np.log(0.73 / 0.27))
    by_field = design[:, 6:]
    assert by_field[1, FIELD_SLUGS.index("healthcare")] == -2.0
    assert np.count_nonzero(by_field) == 1  # no shortfall in the first row; the second's in its field only


def test_each_part_is_the_log_odds_average_of_its_booster_and_its_logistic_model(world: World, pairs) -> None:
    ranker = Ranker().fit(world.candidates, world.offers, world.history)
    assert ranker.linear_parts and sorted(ranker.linear_) == ["accept", "good", "show"]
    assert ranker.summary()["linear_parts"] == ["accept", "good", "show"]
    from matcher.features import build_pair_features
    features, _ = build_pair_features(world.candidates, world.offers, pairs, ranker.history_stats_)

    def averaged(name: str, booster) -> np.ndarray:
        boosted = booster.predict_proba(features)[:, 1]
        linear = ranker.linear_[name].predict_proba(LINEAR_DESIGNS[name](features))[:, 1]
        log_odds = (np.log(boosted / (1 - boosted)) + np.log(linear / (1 - linear))) / 2
        return 1 / (1 + np.exp(-log_odds))

    scored = ranker.predict_pairs(world.candidates, world.offers, pairs)
    np.testing.assert_allclose(scored["p_accept"], averaged("accept", ranker.accept_model_), rtol=1e-9)
    np.testing.assert_allclose(
        scored["p_success"],
        ranker.held_rate_ * averaged("show", ranker.show_model_) * averaged("good", ranker.good_model_), rtol=1e-9)

    alone = Ranker(linear_parts=False).fit(world.candidates, world.offers, world.history)
    assert alone.linear_ == {} and alone.summary()["linear_parts"] == []
    alone_scored = alone.predict_pairs(world.candidates, world.offers, pairs)
    np.testing.assert_allclose(alone_scored["p_accept"], ranker.accept_model_.predict_proba(features)[:, 1],
                               rtol=1e-9)


def test_one_success_model_has_no_logistic_companion(world: World) -> None:
    ranker = Ranker(split_success=False).fit(world.candidates, world.offers, world.history)
    assert sorted(ranker.linear_) == ["accept"]


def test_the_turning_up_model_expects_less_of_someone_who_missed_visits(world: World, pairs) -> None:
    ranker = Ranker().fit(world.candidates, world.offers, world.history)
    from matcher.features import build_pair_features
    features, _ = build_pair_features(world.candidates, world.offers, pairs, ranker.history_stats_)
    reliable = features.head(1).assign(candidate_no_shows=0.0, candidate_visits=3.0, candidate_no_show_rate=0.06)
    unreliable = reliable.assign(candidate_no_shows=2.0, candidate_no_show_rate=0.25)
    show = ranker.linear_["show"]
    assert show.predict_proba(show_design(unreliable))[0, 1] < show.predict_proba(show_design(reliable))[0, 1] - 0.1


def test_an_unknown_trip_is_neither_short_nor_long_for_the_turning_up_model() -> None:
    frame = pd.DataFrame({
        "candidate_no_shows": [1.0, 0.0], "candidate_visits": [2.0, 0.0], "candidate_no_show_rate": [0.2, 0.1],
        "candidate_success_rate": [0.5, 0.7], "travel_minutes": [35.0, np.nan], "hours": [6.0, 4.0],
    })
    design = show_design(frame)
    assert np.isfinite(design).all()
    np.testing.assert_allclose(design[:, 4:6], [[35.0, 0.0], [0.0, 1.0]])


@pytest.fixture(scope="module")
def larger_world() -> World:
    return make_world(n_candidates=500, n_offers=100, n_history=4000, n_quarters=4, seed=11)


def test_the_logistic_model_learns_that_missing_swedish_costs_more_where_people_are_talked_to(
    larger_world: World,
) -> None:
    """The simulation prices a missing step of Swedish at 1.6 log-odds in care, school, office and
    sales work and at 0.3 in cleaning, kitchens, building and the like."""
    ranker = Ranker().fit(larger_world.candidates, larger_world.offers, larger_world.history)
    slopes = dict(zip(FIELD_SLUGS, ranker.linear_["accept"].coef_[0, 6:], strict=True))
    strict = np.mean([slopes[f] for f in ("healthcare", "education", "social_work", "admin", "sales")])
    lenient = np.mean([slopes[f] for f in ("cleaning", "hospitality", "construction", "manufacturing", "transport")])
    assert strict > lenient + 0.5
    assert ranker.linear_["accept"].coef_[0, 0] > 0.5  # interest in the field helps


def test_learning_the_answer_twice_agrees_better_with_the_true_chance_of_a_yes(larger_world: World) -> None:
    """Within each offer, the order of the predicted acceptance against the simulation's true one."""
    history = larger_world.history
    quarter = history["proposed_on"].dt.to_period("Q")
    train, test = history[quarter < quarter.max()], history[quarter == quarter.max()]
    truth = larger_world.history_truth.loc[test.index, "p_accept"].to_numpy()

    def agreement(ranker: Ranker) -> float:
        ranker.fit(larger_world.candidates, larger_world.offers, train)
        pairs = test[["candidate_id", "offer_id"]]
        predicted = ranker.predict_pairs(larger_world.candidates, larger_world.offers, pairs,
                                         reasons=False)["p_accept"].to_numpy()
        frame = pd.DataFrame({"offer": test["offer_id"].to_numpy(), "p": predicted, "truth": truth})
        ranks = frame.groupby("offer")[["p", "truth"]].rank()
        ranks["offer"] = frame["offer"]
        return float(np.mean([np.corrcoef(g["p"], g["truth"])[0, 1] for _, g in ranks.groupby("offer")
                              if len(g) >= 3 and g["p"].nunique() > 1 and g["truth"].nunique() > 1]))

    assert agreement(Ranker()) > agreement(Ranker(linear_parts=False)) + 0.02
