"""How far the as-of ranker is from the best any ranker could do on the same simulated worlds
(issue #24's closure goal; docs/ranker-as-of.md).

The *ceiling* ranks each test proposal by its expected grade with what could be known at the
time at best: the **true** chance that the employer says yes (the simulation's own), times
``1 + 2 ×`` the chance of a good visit with the participant's hidden reliability replaced by
its exact posterior given their earlier visits (turned up or not, went well or not), under the
simulation's own rules and coefficients. No ranker learning from the history can know more.
Beside it, the as-of ranker's own score and two orders of the same form as the ceiling that
locate its loss: the ranker's learned chances (``learned yes, learned visit``: the ranker without
its content share, ranking by the expected grade) and the learned chance of a yes with the best
visit estimate (``learned yes, best visit``).

    .venv/bin/python -m benchmarks.ceiling_as_of --seeds 0-9

Prints a Markdown table (means over the seeds): NDCG@5 closure and the within-offer correlation
with the true expected gain, as ``benchmarks.tune_as_of`` measures them.
"""

from __future__ import annotations

import argparse
import copy
import time

import numpy as np
import pandas as pd
from scipy.special import expit, log_expit

from matcher.evaluation import _ndcg_report, _rank_agreement
from matcher.features import quarter_start
from matcher.io import profiles_at
from matcher.ranker import Ranker
from matcher.simulate import CANCEL_RATE, GroundTruth, World, make_world

from .bench_as_of import DRIFT, WORLDS
from .tune_as_of import case, seeds_of

#: The grid the posterior of a participant's reliability (standard normal a priori) is taken on.
GRID = np.linspace(-4.0, 4.0, 161)
#: How the simulation's reliability enters turning up and a good visit (matcher.simulate).
SHOW_WEIGHT, GOOD_WEIGHT = 2.5, 0.6


def truth_at(world: World, moment: pd.Timestamp) -> GroundTruth:
    """The world's truth with the profiles that held at ``moment`` (a quarter's start), as the
    simulation used them for that quarter's proposals. The world keeps today's profiles in its
    truth, and those know the future: an interest added because a visit went well."""
    truth = copy.copy(world.truth)
    for name, versions, column in (("true_candidates", world.candidate_versions, "candidate_id"),
                                   ("true_offers", world.offer_versions, "offer_id")):
        then = profiles_at(versions, column, moment)
        places = getattr(world.truth, name).set_index(column)[["lat", "lon"]]  # places do not move
        then[["lat", "lon"]] = places.loc[then[column]].to_numpy()
        setattr(truth, name, then)
    return truth


def _without_reliability(world: World, frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """The show-up and good-visit log-odds of ``frame``'s pairs, each with the profiles of its
    quarter, with the reliability term taken out."""
    show_rest, good_rest = np.empty(len(frame)), np.empty(len(frame))
    starts = quarter_start(frame["proposed_on"]).to_numpy()
    for start in np.unique(starts):
        rows = starts == start
        truth = truth_at(world, pd.Timestamp(start))
        _, show, good, _ = truth._logits(frame[rows])
        z = truth.reliability.reindex(frame["candidate_id"][rows]).to_numpy()
        show_rest[rows] = truth.show_intercept + show - SHOW_WEIGHT * z
        good_rest[rows] = truth.good_intercept + good - GOOD_WEIGHT * z
    return show_rest, good_rest


def best_visit_chance(world: World, train: pd.DataFrame, rows: pd.DataFrame) -> np.ndarray:
    """P(good visit | accepted) for ``rows`` with the reliability integrated over its posterior
    given each participant's held visits in ``train``."""
    held = train[train["visit_status"].isin(["completed", "no_show"])]
    show_rest, good_rest = _without_reliability(world, held)
    came = (held["visit_status"] == "completed").to_numpy()[:, None]
    good = (held["feedback"].fillna(0).to_numpy() >= 4)[:, None]
    log_lik = log_expit(np.where(came, 1, -1) * (show_rest[:, None] + SHOW_WEIGHT * GRID))
    log_lik += np.where(came, log_expit(np.where(good, 1, -1) * (good_rest[:, None] + GOOD_WEIGHT * GRID)), 0.0)
    per_person = pd.DataFrame(log_lik).groupby(held["candidate_id"].to_numpy()).sum()
    log_post = per_person.reindex(rows["candidate_id"].to_numpy()).fillna(0.0).to_numpy() - GRID ** 2 / 2
    posterior = np.exp(log_post - log_post.max(axis=1, keepdims=True))
    posterior /= posterior.sum(axis=1, keepdims=True)
    show_rest, good_rest = _without_reliability(world, rows)
    chance = expit(show_rest[:, None] + SHOW_WEIGHT * GRID) * expit(good_rest[:, None] + GOOD_WEIGHT * GRID)
    return (1 - CANCEL_RATE) * (posterior * chance).sum(axis=1)


def measure(world_size: tuple[int, int, int, int], seed: int) -> dict[str, float]:
    data = case(world_size, seed)
    world = make_world(*world_size, seed=seed, drift=DRIFT)
    rows = data["rows"]
    ranker = Ranker().fit(data["candidates"], data["offers"], data["train"])
    scored = ranker.predict_as_of(data["candidates"], data["offers"], rows)
    visit = best_visit_chance(world, data["train"], rows)
    true_yes = world.history_truth.loc[rows.index, "p_accept"].to_numpy()
    orders = {
        "ranker": scored["score"].to_numpy(),
        "learned yes, learned visit": scored["p_accept"].to_numpy() * (1 + 2 * scored["p_success"].to_numpy()),
        "learned yes, best visit": scored["p_accept"].to_numpy() * (1 + 2 * visit),
        "ceiling": true_yes * (1 + 2 * visit),
    }
    groups = rows["offer_id"].to_numpy()
    report, _ = _ndcg_report(groups, data["gains"], orders, (5,), 200, seed)
    fixed = data["ndcg"]
    span = fixed["oracle"] - fixed["random"]
    result = {"content closure": (fixed["content"] - fixed["random"]) / span}
    for name, values in orders.items():
        result[f"{name} closure"] = (report[name]["ndcg@5"]["mean"] - fixed["random"]) / span
        result[f"{name} corr."] = _rank_agreement(groups, values, data["oracle"])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", default="0-9", help="first-last")
    args = parser.parse_args()
    lines, started = [], time.perf_counter()
    for size in WORLDS:
        found = pd.DataFrame([measure(size, seed) for seed in seeds_of(args.seeds)]).mean()
        if not lines:
            lines = ["| world | " + " | ".join(found.index) + " |", "|---|" + "---|" * len(found)]
        label = f"{size[0]} cand. × {size[1]} offers, {size[2]} proposals"
        lines.append(f"| {label} | " + " | ".join(f"{v:.3f}" for v in found) + " |")
        print(lines[-1], flush=True)
    print(f"\nseeds {args.seeds}, {time.perf_counter() - started:.0f} s\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
