"""The simulator: valid interchange frames, realistic rates, reproducibility, ground truth."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from matcher.io import read_candidates, read_history, read_offers
from matcher.simulate import make_world


def test_world_is_reproducible_and_in_the_interchange_format(tmp_path) -> None:
    world = make_world(n_candidates=200, n_offers=40, n_history=1200, n_quarters=4, seed=7)
    again = make_world(n_candidates=200, n_offers=40, n_history=1200, n_quarters=4, seed=7)
    pd.testing.assert_frame_equal(world.history, again.history)
    paths = world.write(tmp_path)
    candidates = read_candidates(paths["candidates"])
    offers = read_offers(paths["offers"])
    history = read_history(paths["history"])
    assert len(candidates) == 200 and len(offers) == 40 and len(history) == 1200
    assert all(re.fullmatch(r"C\d{5}", c) for c in candidates["candidate_id"])
    assert all(re.fullmatch(r"O\d{4}", o) for o in offers["offer_id"])
    assert all(re.fullmatch(r"K\d{3}", k) for k in offers["company_id"])
    assert history["proposed_on"].dt.to_period("Q").nunique() == 4
    assert set(history["candidate_id"]) <= set(candidates["candidate_id"])
    truth = pd.read_csv(paths["truth"])[["p_accept", "p_success"]]
    assert ((truth >= 0) & (truth <= 1)).all().all()


def test_outcome_rates_are_realistic() -> None:
    history = make_world(n_candidates=400, n_offers=60, n_history=4000, seed=3).history
    answered = history[history["employer_response"] != "none"]
    accept = (answered["employer_response"] == "accepted").mean()
    visits = history[history["employer_response"] == "accepted"]["visit_status"]
    assert 0.60 <= accept <= 0.75
    assert 0.75 <= (visits == "completed").mean() <= 0.86
    assert 0.07 <= (visits == "no_show").mean() <= 0.14


def test_ground_truth_explains_the_outcomes() -> None:
    world = make_world(n_candidates=300, n_offers=50, n_history=3000, seed=4)
    truth = world.history_truth
    accepted = (world.history["employer_response"] == "accepted").to_numpy()
    answered = (world.history["employer_response"] != "none").to_numpy()
    high = truth["p_accept"].to_numpy() > np.median(truth["p_accept"])
    assert accepted[answered & high].mean() > accepted[answered & ~high].mean() + 0.1


def test_employer_bias_lowers_acceptance_for_newcomers_only_when_asked() -> None:
    def newcomer_gap(bias: float) -> float:
        world = make_world(n_candidates=300, n_offers=50, n_history=0, seed=9,
                           employer_bias=bias)
        pairs = pd.DataFrame({
            "candidate_id": np.repeat(world.candidates["candidate_id"], 5).to_numpy(),
            "offer_id": np.tile(world.offers["offer_id"].head(5), 300),
        })
        p = world.truth.probabilities(pairs).assign(
            newcomer=np.repeat(world.candidates["target_group"] == "newcomer", 5).to_numpy())
        means = p.groupby("newcomer")["p_accept"].mean()
        return float(means[False] - means[True])

    assert newcomer_gap(1.5) > newcomer_gap(0.0) + 0.1
