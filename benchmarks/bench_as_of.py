"""Today's profiles against the profiles as of each proposal (docs/ranker-as-of.md), on simulated
worlds whose profiles drift after visits, judged on a truly later quarter.

Run from the repository root (about 3 s per seed for the smaller world and 4 s for the larger on the
two-core machine: 40 seeds take about five minutes):

    .venv/bin/python -m benchmarks.bench_as_of            # the worlds below, 5 seeds each
    .venv/bin/python -m benchmarks.bench_as_of --seeds 2  # quicker
    .venv/bin/python -m benchmarks.bench_as_of --seeds 40 --first-seed 60  # the results file's run

Seeds 20-59 are for choosing designs (benchmarks/tune_as_of.py); seeds 60-99 were used for none,
and one seed's closure moves by ±0.1, so the differences are given with their 95 % interval.

Writes its section of benchmarks/RESULTS_matcher.md (replacing an earlier one; the rest of the
file is left as it is) and prints it.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd
from scipy import stats

from matcher.evaluation import compare_as_of
from matcher.simulate import expected_gain, make_world

from .bench_matcher import RESULTS, markdown_table

TITLE = "## Profiles as of the proposal: today's way against the as-of way"
#: (candidates, offers, proposals, quarters)
WORLDS = ((500, 100, 3000, 4), (1000, 200, 8000, 4))
DRIFT = 0.8
SCORERS = ("as_of", "today", "content", "today_self_reported")


def kept_section() -> str:
    """The section as it stands in the results file ('' when there is none)."""
    if not RESULTS.exists():
        return ""
    text = RESULTS.read_text(encoding="utf-8")
    start = text.find(TITLE)
    return "" if start < 0 else "\n\n" + text[start:].rstrip() + "\n"


def paired(differences: list[float]) -> str:
    """The mean of per-seed differences with its 95 % confidence interval (Student's t over the
    seeds: each seed is one independent simulated partnership)."""
    values = np.asarray(differences, dtype=float)
    mean = float(values.mean())
    if len(values) < 2:
        return f"{mean:+.3f}"
    low, high = stats.t.interval(0.95, len(values) - 1, loc=mean, scale=stats.sem(values))
    return f"{mean:+.3f} [{low:+.3f}, {high:+.3f}]"


def run(seeds: int, first_seed: int = 0) -> str:
    rows = []
    for n_candidates, n_offers, n_history, n_quarters in WORLDS:
        closures, ndcgs, gaps, agreements = [], [], [], []
        started = time.perf_counter()
        for seed in range(first_seed, first_seed + seeds):
            world = make_world(n_candidates, n_offers, n_history, n_quarters, seed=seed, drift=DRIFT)
            report = compare_as_of(world.candidate_versions, world.offer_versions, world.history, n_boot=200,
                                   random_state=seed, truth=expected_gain(world.history_truth))
            closures.append(report["closure"])
            agreements.append(report["truth_rank_correlation"])
            ndcgs.append({name: values["ndcg@5"]["mean"] for name, values in report["ndcg"].items()})
            gaps.append(report["closure"]["as_of"] - report["closure"]["today"])
            print(f"{n_candidates}×{n_offers} seed {seed}: " + ", ".join(
                f"{k} {v:.3f}" for k, v in report["closure"].items()), flush=True)
        closure, ndcg = pd.DataFrame(closures).mean(), pd.DataFrame(ndcgs).mean()
        agreement = pd.DataFrame(agreements)
        wins = int((agreement["as_of"] > agreement["today"]).sum())
        rows.append({
            "world": f"{n_candidates} cand. × {n_offers} offers, {n_history} proposals / {n_quarters} quarters",
            **{f"closure {name}": f"{closure[name]:.3f}" for name in SCORERS},
            "as_of − today (min)": f"{np.mean(gaps):+.3f} ({min(gaps):+.3f})",
            "as_of − today, 95 % CI": paired(gaps),
            "NDCG@5 random / as_of / oracle": f"{ndcg['random']:.3f} / {ndcg['as_of']:.3f} / {ndcg['oracle']:.3f}",
            "truth corr. as_of / today / content": " / ".join(
                f"{agreement[name].mean():.3f}" for name in ("as_of", "today", "content")),
            "as_of closer to truth": f"{wins}/{len(agreement)}",
            "truth corr. as_of − today, 95 % CI": paired(list(agreement["as_of"] - agreement["today"])),
            "seconds": f"{time.perf_counter() - started:.0f}",
        })
    lines = [
        TITLE,
        "",
        f"Produced by `python -m benchmarks.bench_as_of --seeds {seeds}"
        + (f" --first-seed {first_seed}" if first_seed else "") + "`. Simulated worlds "
        f"(`make_world(..., drift={DRIFT})`): after a good visit a candidate gains the field and a step of "
        "Swedish; an offer most proposals were declined at asks for less Swedish and opens a day; hours "
        "change now and then. Both rankers learn from the quarters before the last and are judged on the "
        "last quarter with the profiles of each proposal's own time: `today` on the profiles as they stood "
        "when the test quarter began, `as_of` on each proposal's own (`matcher.compare_as_of`). "
        "`today_self_reported` is the old evaluation, everything on the final profiles: what it claims, not "
        "what it does. Closure = (scorer − random) / (oracle − random) in NDCG@5, the oracle ranking by the "
        "true expected gain; means over seeds (the difference column: mean and the worst seed; beside it "
        "the mean difference with its 95 % confidence interval over the seeds, each seed one independent "
        "simulated partnership: an interval wholly below zero would mean the as-of way is worse). NDCG is "
        "judged on noisy outcomes (one seed's closure moves by ±0.1); `truth corr.` is the noise-free "
        "view: the mean within-offer Spearman correlation of each order with the true expected gain, and "
        "the last column counts the seeds where the as-of order agrees better with the truth.",
        "",
        markdown_table(rows, list(rows[0])),
        "",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--first-seed", type=int, default=0,
                        help="the first seed (seeds first_seed .. first_seed + seeds - 1)")
    args = parser.parse_args()
    section = run(args.seeds, args.first_seed)
    text = RESULTS.read_text(encoding="utf-8") if RESULTS.exists() else ""
    start = text.find(TITLE)
    head = text if start < 0 else text[:start]
    RESULTS.write_text(head.rstrip() + "\n\n" + section, encoding="utf-8")
    print(section)


if __name__ == "__main__":
    main()
