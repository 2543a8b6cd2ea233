"""Evaluation: temporal split, NDCG, bootstrap, calibration, fairness audit and the main claim."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest

from matcher.evaluate import (
    EvaluationError,
    bootstrap_ci,
    evaluate,
    fairness_audit,
    ndcg_by_group,
    relevance,
    reliability_table,
    temporal_split,
)
from matcher.simulate import make_world


@pytest.fixture(scope="module")
def small_world():
    return make_world(n_candidates=150, n_offers=30, n_history=900, n_quarters=4, seed=5)


def test_temporal_split_trains_on_earlier_quarters_only(small_world) -> None:
    train, test = temporal_split(small_world.history)
    assert train["proposed_on"].max() < test["proposed_on"].min()
    assert test["proposed_on"].dt.to_period("Q").nunique() == 1
    assert str(test["proposed_on"].dt.to_period("Q").iloc[0]) == "2021Q4"
    train, test = temporal_split(small_world.history, "2021Q2")
    assert set(train["proposed_on"].dt.to_period("Q").astype(str)) == {"2021Q1"}
    with pytest.raises(EvaluationError, match="earlier quarters"):
        temporal_split(small_world.history, "2021Q1")


def test_relevance_grades_outcomes(small_world) -> None:
    history = small_world.history
    grades = relevance(history)
    response = history["employer_response"].to_numpy()
    assert np.isnan(grades[response == "none"]).all()
    assert (grades[response == "declined"] == 0).all()
    good = (history["visit_status"] == "completed") & (history["feedback"] >= 4)
    assert (grades[good.to_numpy()] == 2).all()
    assert (grades[(response == "accepted") & ~good.to_numpy()] == 1).all()


def test_ndcg_matches_hand_computed_values() -> None:
    rng = np.random.default_rng(0)
    groups = np.array(["a", "a", "a", "b", "b", "c", "d", "d"])
    gains = np.array([2, 1, 0, 1, 0, 2, 0, 0], dtype=float)
    perfect = ndcg_by_group(groups, gains, gains, k=5, rng=rng)
    # c has one item and d has no gain: neither can tell rankings apart.
    assert list(perfect.index) == ["a", "b"] and np.allclose(perfect, 1.0)
    reversed_ = ndcg_by_group(groups, -gains, gains, k=5, rng=rng)
    dcg = 0 / 1 + 1 / math.log2(3) + 3 / 2
    idcg = 3 / 1 + 1 / math.log2(3)
    assert reversed_["a"] == pytest.approx(dcg / idcg)
    cut = ndcg_by_group(groups, -gains, gains, k=1, rng=rng)
    assert cut["a"] == 0.0


def test_ties_are_broken_at_random_not_by_row_order() -> None:
    groups = np.repeat(np.arange(400), 2)
    gains = np.tile([1.0, 0.0], 400)  # the good row always comes first in the file
    values = ndcg_by_group(groups, np.zeros(800), gains, k=1, rng=np.random.default_rng(1))
    assert 0.4 < values.mean() < 0.6


def test_bootstrap_ci_brackets_the_mean() -> None:
    rng = np.random.default_rng(0)
    values = rng.normal(0.3, 0.1, size=200)
    ci = bootstrap_ci(values, 2000, rng)
    assert ci["ci_low"] < ci["mean"] < ci["ci_high"]
    assert ci["ci_high"] - ci["ci_low"] == pytest.approx(2 * 1.96 * 0.1 / np.sqrt(200), rel=0.25)
    assert bootstrap_ci(np.array([]), 10, rng)["mean"] is None


def test_reliability_table_bins_predictions() -> None:
    p = np.array([0.05, 0.15, 0.12, 0.95, np.nan])
    y = np.array([0, 1, 0, 1, 1])
    table = reliability_table(p, y)
    assert [row["n"] for row in table] == [1, 2, 1]
    assert table[1]["observed_rate"] == 0.5
    assert table[1]["bin_low"] <= table[1]["mean_predicted"] < table[1]["bin_high"]


def test_fairness_audit_flags_groups_below_four_fifths_and_small_groups() -> None:
    candidates = pd.DataFrame({
        "candidate_id": [f"C{i}" for i in range(23)],
        "target_group": ["youth"] * 10 + ["newcomer"] * 10 + ["other"] * 3,
    })
    ranked = pd.DataFrame({
        "candidate_id": candidates["candidate_id"],
        "offer_id": "O1",
        # Youth fill the top 5 except one newcomer at rank 3.
        "score": [1.0, 0.99, 0.97, 0.96] + [0.5] * 6 + [0.98] + [0.1] * 9 + [0.95] * 3,
    })
    audit = fairness_audit(candidates, ranked, k=5).set_index("target_group")
    assert audit.loc["youth", "n_selected"] == 4
    assert audit.loc["newcomer", "n_selected"] == 1
    assert audit.loc["youth", "impact_ratio"] == 1.0
    assert audit.loc["newcomer", "impact_ratio"] == pytest.approx(0.25)
    assert audit.loc["newcomer", "status"] == "below_four_fifths"
    assert audit.loc["youth", "status"] == "ok"
    assert audit.loc["other", "status"] == "too_small"  # 3 candidates: too few to judge
    assert np.isnan(audit.loc["other", "impact_ratio"])


def test_evaluation_report_is_complete_and_json_serialisable(small_world) -> None:
    report = evaluate(small_world.candidates, small_world.offers, small_world.history,
                      n_boot=100)
    text = json.dumps(report, allow_nan=False)
    assert "NaN" not in text
    assert report["split"]["test_quarter"] == "2021Q4"
    for model in ("learned", "content", "popularity", "random"):
        for k in ("ndcg@5", "ndcg@10"):
            entry = report["ndcg"][model][k]
            assert entry["ci_low"] <= entry["mean"] <= entry["ci_high"]
            assert report["ndcg_by_candidate"][model][k]["n"] > 0
    assert set(report["learned_minus_content"]) == {"ndcg@5", "ndcg@10"}
    brier = report["brier"]
    assert 0 < brier["p_accept"] < 0.25 and 0 < brier["score"] < 0.3
    assert sum(row["n"] for row in report["reliability"]) == report["split"]["n_test_judged"]
    groups = {row["target_group"] for row in report["fairness"]["learned"]}
    assert groups == {"youth", "newcomer", "long_term", "other"}


def test_learned_ranker_beats_content_with_a_ci_excluding_zero() -> None:
    """The issue's claim on one fixed simulated world with 6,000 past proposals.

    At this size the CI excludes zero in 8 of 10 seeds (seed 0 is one of them); with 2,250
    past proposals the learned ranker is ahead on average but the CI excludes zero in only 2
    of 10. benchmarks/RESULTS_matcher.md has the table.
    """
    world = make_world(n_candidates=1000, n_offers=200, n_history=8000, n_quarters=4, seed=0)
    report = evaluate(world.candidates, world.offers, world.history, k=(5,), n_boot=1000)
    assert report["split"]["n_train"] >= 2000
    assert report["ranker"]["blend_weight"] == 1.0
    difference = report["learned_minus_content"]["ndcg@5"]
    assert difference["excludes_zero"] and difference["ci_low"] > 0
    assert report["ndcg"]["learned"]["ndcg@5"]["mean"] > report["ndcg"]["random"]["ndcg@5"][
        "mean"]
