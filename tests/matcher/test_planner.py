"""The quarterly planner: capacity, one visit per candidate, optimality and fairness floors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import sparse
from scipy.optimize import Bounds, LinearConstraint, milp

from matcher.io import InterchangeError
from matcher.planner import plan


def market(seed: int, n_candidates: int = 60, n_offers: int = 12, density: float = 0.5,
           groups: tuple[str, ...] = ("youth", "newcomer", "long_term", "other"),
           group_p: tuple[float, ...] = (0.3, 0.35, 0.25, 0.1)):
    """Random candidates, offers with capacities and scores over a random subset of pairs."""
    rng = np.random.default_rng(seed)
    candidates = pd.DataFrame({
        "candidate_id": [f"C{i:05d}" for i in range(n_candidates)],
        "target_group": rng.choice(groups, size=n_candidates, p=group_p),
    })
    offers = pd.DataFrame({
        "offer_id": [f"O{i:04d}" for i in range(n_offers)],
        "capacity": rng.integers(0, 4, size=n_offers),
    })
    cand, offer = np.meshgrid(np.arange(n_candidates), np.arange(n_offers), indexing="ij")
    keep = rng.random(cand.size) < density
    scores = pd.DataFrame({
        "candidate_id": candidates["candidate_id"].to_numpy()[cand.ravel()[keep]],
        "offer_id": offers["offer_id"].to_numpy()[offer.ravel()[keep]],
        "score": rng.random(int(keep.sum())),
    })
    return candidates, offers, scores


def best_total(offers: pd.DataFrame, scores: pd.DataFrame, candidates: pd.DataFrame,
               floors: dict[str, int] | None = None) -> float:
    """Brute-force optimum with an integer program over every pair (the reference)."""
    ci = pd.Index(candidates["candidate_id"]).get_indexer(scores["candidate_id"])
    oi = pd.Index(offers["offer_id"]).get_indexer(scores["offer_id"])
    n = len(scores)
    rows = np.concatenate([ci, len(candidates) + oi])
    a = sparse.csr_matrix((np.ones(2 * n), (rows, np.tile(np.arange(n), 2))),
                          shape=(len(candidates) + len(offers), n))
    upper = np.concatenate([np.ones(len(candidates)), offers["capacity"]])
    constraints = [LinearConstraint(a, -np.inf, upper)]
    if floors:
        group = candidates["target_group"].to_numpy()[ci]
        names = list(floors)
        g = sparse.csr_matrix(
            (np.ones(n), (pd.Index(names).get_indexer(group), np.arange(n))), shape=(len(names), n))
        constraints.append(LinearConstraint(g, [floors[k] for k in names], np.inf))
    result = milp(-scores["score"].to_numpy(), constraints=constraints,
                  integrality=np.ones(n), bounds=Bounds(0, 1))
    return -result.fun


def assert_feasible(result, candidates, offers, scores) -> None:
    planned = result.plan
    assert not planned["candidate_id"].duplicated().any(), "two visits for one candidate"
    load = planned["offer_id"].value_counts()
    capacity = offers.set_index("offer_id")["capacity"]
    assert (load <= capacity.reindex(load.index)).all(), "offer over capacity"
    allowed = set(zip(scores["candidate_id"], scores["offer_id"], strict=True))
    assert set(zip(planned["candidate_id"], planned["offer_id"], strict=True)) <= allowed
    assert result.expected_successes == pytest.approx(planned["score"].sum())


@pytest.mark.parametrize("seed", range(6))
def test_plan_respects_capacity_and_one_visit_and_is_optimal(seed: int) -> None:
    candidates, offers, scores = market(seed)
    result = plan(candidates, offers, scores)
    assert_feasible(result, candidates, offers, scores)
    assert result.expected_successes == pytest.approx(best_total(offers, scores, candidates))
    assert result.gap == 0.0 and not result.fair
    assert sum(result.group_counts.values()) == len(result.plan)


@pytest.mark.parametrize("seed", range(6))
def test_fair_plan_meets_every_feasible_floor_at_the_least_cost(seed: int) -> None:
    candidates, offers, scores = market(seed)
    free = plan(candidates, offers, scores)
    fair = plan(candidates, offers, scores, fair=True)
    assert_feasible(fair, candidates, offers, scores)
    assert fair.fair and fair.infeasible_groups == []
    visits = len(free.plan)
    shares = candidates["target_group"].value_counts() / len(candidates)
    for group, floor in fair.group_floors.items():
        assert floor == int(np.floor(shares[group] * visits + 1e-9))
        assert fair.group_counts[group] >= floor
    assert fair.unconstrained_expected == pytest.approx(free.expected_successes)
    assert fair.gap == pytest.approx(free.expected_successes - fair.expected_successes)
    assert fair.gap >= -1e-9
    assert fair.expected_successes == pytest.approx(
        best_total(offers, scores, candidates, fair.group_floors))


def test_fairness_floor_shifts_visits_to_an_underserved_group() -> None:
    # Newcomers score lower everywhere; the free plan gives them nothing.
    candidates = pd.DataFrame({
        "candidate_id": [f"C{i}" for i in range(8)],
        "target_group": ["youth"] * 4 + ["newcomer"] * 4,
    })
    offers = pd.DataFrame({"offer_id": ["O1", "O2"], "capacity": [2, 2]})
    scores = pd.DataFrame({
        "candidate_id": np.repeat(candidates["candidate_id"], 2).to_numpy(),
        "offer_id": ["O1", "O2"] * 8,
        "score": [0.9, 0.8] * 4 + [0.3, 0.2] * 4,
    })
    free = plan(candidates, offers, scores)
    assert free.group_counts == {"newcomer": 0, "youth": 4}
    fair = plan(candidates, offers, scores, fair=True)
    assert fair.group_floors == {"newcomer": 2, "youth": 2}
    assert fair.group_counts == {"newcomer": 2, "youth": 2}
    assert fair.gap == pytest.approx(free.expected_successes - fair.expected_successes)
    assert fair.gap > 0.5


def test_impossible_floor_is_reported_not_fatal() -> None:
    candidates = pd.DataFrame({
        "candidate_id": [f"C{i}" for i in range(6)],
        "target_group": ["youth"] * 3 + ["other"] * 3,
    })
    offers = pd.DataFrame({"offer_id": ["O1"], "capacity": [4]})
    # Only one 'other' candidate is scored for the offer at all.
    scores = pd.DataFrame({
        "candidate_id": ["C0", "C1", "C2", "C3"],
        "offer_id": ["O1"] * 4,
        "score": [0.9, 0.8, 0.7, 0.1],
    })
    result = plan(candidates, offers, scores, fair=True)
    assert result.group_floors == {"other": 2, "youth": 2}
    assert result.infeasible_groups == ["other"]
    assert result.group_counts == {"other": 1, "youth": 3}
    assert_feasible(result, candidates, offers, scores)


def test_zero_capacity_and_zero_scores_are_never_planned() -> None:
    candidates = pd.DataFrame({"candidate_id": ["C1", "C2"], "target_group": ["youth"] * 2})
    offers = pd.DataFrame({"offer_id": ["O1", "O2"], "capacity": [0, 5]})
    scores = pd.DataFrame({"candidate_id": ["C1", "C1", "C2"],
                           "offer_id": ["O1", "O2", "O2"], "score": [0.9, 0.0, 0.4]})
    result = plan(candidates, offers, scores)
    assert result.plan[["candidate_id", "offer_id"]].values.tolist() == [["C2", "O2"]]


def test_unknown_ids_in_scores_are_refused() -> None:
    candidates, offers, scores = market(0)
    scores.loc[3, "offer_id"] = "O9999"
    with pytest.raises(InterchangeError) as caught:
        plan(candidates, offers, scores)
    assert (caught.value.row, caught.value.column) == (5, "offer_id")


def test_empty_scores_give_an_empty_plan() -> None:
    candidates, offers, scores = market(1)
    result = plan(candidates, offers, scores.iloc[:0], fair=True)
    assert result.plan.empty and result.expected_successes == 0.0


@pytest.mark.parametrize("seed", range(3))
def test_near_improving_pairs_save_rounds_without_changing_the_optimum(seed: int, monkeypatch) -> None:
    from matcher import planner

    candidates, offers, scores = market(seed, n_candidates=400, n_offers=60, density=0.8)
    solves: list[int] = []
    original = planner._solve

    def counted(*args, **kwargs):
        solves.append(1)
        return original(*args, **kwargs)

    monkeypatch.setattr(planner, "_solve", counted)
    results = {}
    for margin in (0.0, planner.NEAR_MARGIN):
        monkeypatch.setattr(planner, "NEAR_MARGIN", margin)
        solves.clear()
        results[margin] = (plan(candidates, offers, scores), plan(candidates, offers, scores, fair=True),
                           len(solves))
    (free_0, fair_0, rounds_0), (free_m, fair_m, rounds_m) = results[0.0], results[planner.NEAR_MARGIN]
    assert free_m.expected_successes == pytest.approx(free_0.expected_successes)
    assert fair_m.expected_successes == pytest.approx(fair_0.expected_successes)
    assert fair_m.group_floors == fair_0.group_floors
    assert rounds_m <= rounds_0
