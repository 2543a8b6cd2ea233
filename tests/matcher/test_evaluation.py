"""Evaluation: temporal split, NDCG, bootstrap, calibration, fairness audit and the main claim."""

from __future__ import annotations

import importlib
import json
import math

import numpy as np
import pandas as pd
import pytest

from matcher.content import content_score
from matcher.evaluation import (
    EvaluationError,
    audit_sample,
    bootstrap_ci,
    evaluate,
    fairness_audit,
    ndcg_by_group,
    relevance,
    reliability_table,
    temporal_split,
)
from matcher.features import HistoryStats, pair_features
from matcher.ranker import Ranker
from matcher.simulate import make_world

evaluation_module = importlib.import_module("matcher.evaluation")


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


def _records(table: pd.DataFrame) -> list[dict]:
    return json.loads(json.dumps(evaluation_module._jsonable(table.to_dict("records"))))


def test_evaluation_audits_every_pair_while_under_the_cap(small_world) -> None:
    """Below the cap the audit is exactly fairness_audit over every candidate × offer."""
    report = evaluate(small_world.candidates, small_world.offers, small_world.history, n_boot=20)
    train, _ = temporal_split(small_world.history)
    model = Ranker(random_state=0).fit(small_world.candidates, small_world.offers, train)
    everything = model.predict_all(small_world.candidates, small_world.offers)
    content = everything.assign(score=content_score(pair_features(
        small_world.candidates, small_world.offers, everything,
        HistoryStats.from_history(train, small_world.offers))))
    assert report["fairness"]["learned"] == _records(
        fairness_audit(small_world.candidates, everything, k=5))
    assert report["fairness"]["content"] == _records(
        fairness_audit(small_world.candidates, content, k=5))
    assert report["fairness_sample"] == {
        "n_candidates": 150, "of_candidates": 150, "n_offers": 30, "of_offers": 30,
        "n_pairs": 4500, "k": 5, "sampled": False,
    }


def test_evaluation_scores_a_bounded_number_of_pairs(monkeypatch) -> None:
    """However large the pool, evaluation scores the test quarter's proposals plus at most
    max_audit_pairs pairs for the fairness audit, never every candidate × offer at once."""
    world = make_world(n_candidates=300, n_offers=60, n_history=1200, n_quarters=4, seed=3)
    calls: list[int] = []
    predict_pairs = Ranker.predict_pairs
    features = evaluation_module.pair_features

    def counting_predict(self, candidates, offers, pairs, *args, **kwargs):
        calls.append(len(pairs))
        return predict_pairs(self, candidates, offers, pairs, *args, **kwargs)

    def counting_features(candidates, offers, pairs, *args, **kwargs):
        calls.append(len(pairs))
        return features(candidates, offers, pairs, *args, **kwargs)

    monkeypatch.setattr(Ranker, "predict_pairs", counting_predict)
    monkeypatch.setattr(evaluation_module, "pair_features", counting_features)
    report = evaluate(world.candidates, world.offers, world.history, k=(5,), n_boot=20,
                      max_audit_pairs=3000)
    n_test = report["split"]["n_test_judged"]
    # The test quarter twice (learned score, features), the audit's 3,000 pairs twice.
    assert sum(calls) <= 2 * (n_test + 3000) < 300 * 60
    assert report["fairness_sample"] == {
        "n_candidates": 300, "of_candidates": 300, "n_offers": 10, "of_offers": 60,
        "n_pairs": 3000, "k": 5, "sampled": True,
    }
    for scorer in ("learned", "content"):
        rows = report["fairness"][scorer]
        assert sum(row["n_ranked"] for row in rows) == 3000
        assert sum(row["n_selected"] for row in rows) == 10 * 5  # top 5 of each audited offer
        assert sum(row["n_candidates"] for row in rows) == 300


def test_audit_sample_keeps_whole_offers_and_scales_the_cut_for_huge_pools() -> None:
    candidates, offers, cut = audit_sample(20_000, 3_000, 5, 2_000_000, np.random.default_rng(0))
    assert len(candidates) == 20_000 and cut == 5
    assert len(offers) == 100 and len(set(offers)) == 100 and (np.diff(offers) > 0).all()
    again = audit_sample(20_000, 3_000, 5, 2_000_000, np.random.default_rng(0))[1]
    assert (offers == again).all()  # seeded: the same offers every time
    candidates, offers, cut = audit_sample(40_000, 3, 5, 20_000, np.random.default_rng(0))
    assert len(candidates) == 20_000 and len(offers) == 1
    assert cut == 2  # the top 5 of 40,000 is about the top 2.5 of a 20,000 sample
    candidates, offers, cut = audit_sample(10, 4, 5, 100, np.random.default_rng(0))
    assert list(candidates) == list(range(10)) and list(offers) == [0, 1, 2, 3] and cut == 5


def test_learned_ranker_beats_content_with_a_ci_excluding_zero() -> None:
    """The issue's claim on one fixed simulated world with 6,000 past proposals.

    At this size the CI excludes zero in 8 of 10 seeds (seed 0 is one of them); with 2,250
    past proposals the learned ranker is ahead on average but the CI excludes zero in only 2
    of 10. benchmarks/RESULTS_matcher.md has the table.
    """
    world = make_world(n_candidates=1000, n_offers=200, n_history=8000, n_quarters=4, seed=0)
    report = evaluate(world.candidates, world.offers, world.history, k=(5,), n_boot=1000)
    assert report["split"]["n_train"] >= 2000
    assert report["ranker"]["blend_weight"] == 0.9  # fully ramped: the content score keeps a tenth
    difference = report["learned_minus_content"]["ndcg@5"]
    assert difference["excludes_zero"] and difference["ci_low"] > 0
    assert report["ndcg"]["learned"]["ndcg@5"]["mean"] > report["ndcg"]["random"]["ndcg@5"][
        "mean"]
