"""The ranker's own choices: a visit's success learned in parts, and trees chosen on the latest
part of its own history (issue #24)."""

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
    TUNE_ITERATIONS,
    TUNE_SHAPES,
    Ranker,
    accept_labels,
    all_pairs,
    visit_labels,
)
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
    ranker = Ranker(tune=False).fit(world.candidates, world.offers, world.history)
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
    old = Ranker(split_success=False, tune=False).fit(world.candidates, world.offers, world.history)
    before = old.predict_pairs(world.candidates, world.offers, pairs)
    state = old.__getstate__()
    for name in ("split_success", "tune", "split_success_", "tuned_"):
        state.pop(name)  # what a model saved by the earlier code holds
    restored = Ranker.__new__(Ranker)
    restored.__setstate__(state)
    assert restored.get_params()["split_success"] is False and restored.get_params()["tune"] is False
    pd.testing.assert_frame_equal(restored.predict_pairs(world.candidates, world.offers, pairs), before)
    assert restored.summary()["split_success"] is False
