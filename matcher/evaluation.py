"""Honest evaluation: temporal split, NDCG per offer with bootstrap CIs, calibration, fairness.

The ranker is fitted on earlier quarters and judged on the next one, the way it is used. Within
each offer of the test quarter, the proposed candidates are ranked and compared with what
happened, graded as

=====  ================================================================
grade  outcome of the proposal
=====  ================================================================
0      declined by the employer
1      accepted (visit not good, not completed or not yet held)
2      completed with good feedback (see :data:`matcher.features.GOOD_FEEDBACK`)
=====  ================================================================

A later job, internship or study is not graded higher: it depends on much more than the visit,
and nothing the ranker predicts aims at it. NDCG uses the gain 2^grade - 1.

Proposals the employer never answered are left out. Offers with fewer than two judged proposals
or no gain at all cannot tell rankings apart and are skipped. Score ties are broken at random
(seeded), so a baseline that is constant within an offer scores like a random order rather than
like the order rows happen to have in the file.

Baselines: ``random``; ``popularity`` (the company's smoothed acceptance rate in the training
quarters: constant within an offer, so it only matters in the per-candidate view); ``content``
(the day-one content score). Confidence intervals are percentile bootstraps over offers (or
candidates), and the learned-minus-content difference is bootstrapped paired, on the same
resampled offers.

The fairness audit ranks every candidate for every offer with the model fitted on the earlier
quarters and with the content score, and compares the target groups' shares of the top k. Above
:data:`AUDIT_MAX_PAIRS` candidate–offer pairs it ranks a seeded sample of offers instead (all
candidates for each), and ``fairness_sample`` in the report says what was covered.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any, Final

import numpy as np
import pandas as pd
from sklearn.base import clone
from tqdm.auto import tqdm

from matcher.content import content_score
from matcher.features import HistoryStats, as_of_pair_features, pair_features
from matcher.io import is_versioned, profiles_at
from matcher.ranker import CHUNK_SIZE, Ranker, accept_labels, success_labels
from matcher.schema import TARGET_GROUPS

#: Four-fifths rule: a group selected at under 80 % of the best group's rate is flagged.
FOUR_FIFTHS: Final[float] = 0.8
#: Groups with fewer candidates than this are reported as too small to judge.
MIN_GROUP_SIZE: Final[int] = 5
RANDOM_REPEATS: Final[int] = 20
RELIABILITY_BINS: Final[int] = 10
#: The fairness audit ranks every candidate for every offer up to this many pairs, and a seeded
#: sample of offers beyond it (:func:`audit_sample`). At a region's size (20,000 candidates,
#: 3,000 offers: 60 million pairs, which took over 13 GB when scored at once) that is 250
#: offers: 36 s on the shared two-core machine at a load average of 5, in the memory of one
#: chunk of pairs. With 100 offers (2 million pairs, 11 s) the small groups' impact ratios
#: moved by up to 0.2 against 300 offers.
AUDIT_MAX_PAIRS: Final[int] = 5_000_000


class EvaluationError(ValueError):
    """The history cannot support the requested evaluation (e.g. no earlier quarter)."""


def quarter_of(dates: pd.Series) -> pd.Series:
    """Quarter labels such as ``2023Q4``."""
    return dates.dt.to_period("Q").astype(str)


def temporal_split(
    history: pd.DataFrame, test_quarter: str | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Split history into (earlier quarters, test quarter) by ``proposed_on``.

    Without ``test_quarter`` the last quarter with any employer answer is the test quarter.
    """
    quarters = quarter_of(history["proposed_on"])
    if test_quarter is None:
        answered, _ = accept_labels(history)
        if not answered.any():
            raise EvaluationError("ingen besvarad historik — no answered proposals to test on")
        test_quarter = str(quarters[answered].max())
    train = history[quarters < test_quarter]
    test = history[quarters == test_quarter]
    if train.empty or test.empty:
        raise EvaluationError(
            f"kvartal {test_quarter} saknar tidigare kvartal eller data — quarter {test_quarter} "
            "needs earlier quarters to train on and proposals to test on"
        )
    return train, test


def relevance(history: pd.DataFrame) -> np.ndarray:
    """Grade per proposal (see module docstring); NaN where the employer never answered."""
    answered, accepted = accept_labels(history)
    _, success = success_labels(history)
    return np.where(answered, accepted.astype(float) + success, np.nan)


def ndcg_by_group(
    groups: np.ndarray, scores: np.ndarray, gains: np.ndarray, k: int,
    rng: np.random.Generator,
) -> pd.Series:
    """NDCG@k per group (random tie-breaks), for groups with ≥ 2 items and some gain."""
    frame = pd.DataFrame({"group": groups, "score": scores, "gain": gains})
    tie = rng.random(len(frame))
    discount_by_rank = 1.0 / np.log2(np.arange(2, len(frame) + 2))

    def dcg(order: np.ndarray) -> pd.Series:
        ordered = frame.iloc[order]
        rank = ordered.groupby("group", sort=False).cumcount().to_numpy()
        value = np.where(rank < k, (2.0 ** ordered["gain"].to_numpy() - 1)
                         * discount_by_rank[rank], 0.0)
        return pd.Series(value, index=ordered["group"].to_numpy()).groupby(level=0).sum()

    actual = dcg(np.lexsort((tie, -frame["score"].to_numpy(), frame["group"].to_numpy())))
    ideal = dcg(np.lexsort((-frame["gain"].to_numpy(), frame["group"].to_numpy())))
    sizes = frame.groupby("group").size()
    usable = ideal.index[(ideal > 0).to_numpy() & (sizes.reindex(ideal.index) >= 2).to_numpy()]
    return (actual[usable] / ideal[usable]).sort_index()


def bootstrap_ci(
    values: np.ndarray, n_boot: int, rng: np.random.Generator, level: float = 0.95
) -> dict[str, float | None]:
    """Mean and percentile bootstrap CI of the mean over resampled units."""
    if values.size == 0:
        return {"mean": None, "ci_low": None, "ci_high": None, "n": 0}
    picks = rng.integers(values.size, size=(n_boot, values.size))
    means = values[picks].mean(axis=1)
    tail = (1 - level) / 2 * 100
    low, high = np.percentile(means, [tail, 100 - tail])
    return {"mean": float(values.mean()), "ci_low": float(low), "ci_high": float(high),
            "n": int(values.size)}


def brier(p: np.ndarray, y: np.ndarray) -> float | None:
    """Mean squared error of probabilities; None when there is nothing to judge."""
    keep = ~np.isnan(p)
    return float(np.mean((p[keep] - y[keep]) ** 2)) if keep.any() else None


def reliability_table(p: np.ndarray, y: np.ndarray, bins: int = RELIABILITY_BINS
                      ) -> list[dict[str, float | int]]:
    """Equal-width bins of predicted probability: count, mean prediction, observed rate."""
    keep = ~np.isnan(p)
    p, y = p[keep], y[keep].astype(float)
    edges = np.linspace(0, 1, bins + 1)
    which = np.clip(np.digitize(p, edges[1:-1]), 0, bins - 1)
    table = []
    for b in range(bins):
        inside = which == b
        if inside.any():
            table.append({
                "bin_low": float(edges[b]), "bin_high": float(edges[b + 1]),
                "n": int(inside.sum()), "mean_predicted": float(p[inside].mean()),
                "observed_rate": float(y[inside].mean()),
            })
    return table


def _selected(candidates: pd.DataFrame, ranked: pd.DataFrame, k: int) -> pd.DataFrame:
    """``ranked`` with each pair's ``target_group`` and whether it is in its offer's top k."""
    groups = candidates.set_index("candidate_id")["target_group"]
    frame = ranked[["candidate_id", "offer_id", "score"]].copy()
    frame["target_group"] = groups.reindex(frame["candidate_id"]).to_numpy()
    frame = frame.sort_values(["offer_id", "score"], ascending=[True, False], kind="stable")
    frame["selected"] = frame.groupby("offer_id").cumcount().to_numpy() < k
    return frame


def fairness_audit(
    candidates: pd.DataFrame, ranked: pd.DataFrame, k: int = 5
) -> pd.DataFrame:
    """Selection rates of each target group in every offer's top-k, with the four-fifths check.

    ``ranked`` has ``candidate_id, offer_id, score``. A group's selection rate is the share of
    its ranked (candidate, offer) pairs that reach the offer's top k; its impact ratio is that
    rate over the best-treated group's. Groups with fewer than :data:`MIN_GROUP_SIZE` candidates
    are marked too small to judge and left out of the comparison.
    """
    per_group = _selected(candidates, ranked, k).groupby("target_group").agg(
        n_candidates=("candidate_id", "nunique"),
        n_ranked=("candidate_id", "size"),
        n_selected=("selected", "sum"),
    )
    return _impact(per_group)


def _impact(per_group: pd.DataFrame) -> pd.DataFrame:
    """Selection rates, impact ratios and status from per-group counts (index: target group)."""
    order = [g for g in TARGET_GROUPS if g in per_group.index]
    per_group = per_group.reindex(order + sorted(set(per_group.index) - set(order)))
    per_group["selection_rate"] = per_group["n_selected"] / per_group["n_ranked"]
    judged = per_group["n_candidates"] >= MIN_GROUP_SIZE
    best = per_group.loc[judged, "selection_rate"].max() if judged.any() else np.nan
    ratio = per_group["selection_rate"] / best if best and best > 0 else np.nan
    per_group["impact_ratio"] = np.where(judged, ratio, np.nan)
    per_group["status"] = np.select(
        [~judged, per_group["impact_ratio"] < FOUR_FIFTHS],
        ["too_small", "below_four_fifths"],
        "ok",
    )
    return per_group.reset_index()


def audit_sample(
    n_candidates: int, n_offers: int, k: int, max_pairs: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray, int]:
    """Which candidates and offers the evaluation's fairness audit ranks, and its top-k cut.

    Every candidate for every offer while that is at most ``max_pairs`` pairs; otherwise a
    seeded sample of offers, each still ranking every candidate (a group's selection rate is a
    mean over offers, so a uniform sample of offers estimates it without bias). Only when the
    candidates alone exceed ``max_pairs`` are they sampled too, with the cut scaled to keep the
    same share of the pool (``k`` of 40,000 becomes ``k/2`` of 20,000, at least 1). Positions
    are returned sorted, so the frames' order (and the stable tie order) is kept.
    """
    candidates = np.arange(n_candidates)
    cut = k
    if n_candidates > max_pairs:
        candidates = np.sort(rng.choice(n_candidates, size=max_pairs, replace=False))
        cut = max(1, round(k * max_pairs / n_candidates))
    n_audited = min(n_offers, max(1, max_pairs // max(len(candidates), 1)))
    offers = (np.arange(n_offers) if n_audited == n_offers
              else np.sort(rng.choice(n_offers, size=n_audited, replace=False)))
    return candidates, offers, cut


def _fairness_report(
    model: Ranker, candidates: pd.DataFrame, offers: pd.DataFrame, stats: HistoryStats, k: int,
    max_pairs: int, seed: int,
) -> tuple[dict[str, list[dict[str, Any]]], dict[str, Any]]:
    """:func:`fairness_audit` of the learned and the content score over the pairs of
    :func:`audit_sample`, scored a chunk of offers at a time and reduced to per-group counts, so
    memory stays at one chunk and work at ``max_pairs`` pairs whatever the pool. With every pair
    in the sample it equals ``fairness_audit`` over ``predict_all``: each offer's ranking is
    whole within a chunk and each pair's score does not depend on the others."""
    cand_pos, offer_pos, cut = audit_sample(len(candidates), len(offers), k, max_pairs,
                                            np.random.default_rng(seed))
    cand_ids = candidates["candidate_id"].to_numpy()[cand_pos]
    offer_ids = offers["offer_id"].to_numpy()[offer_pos]
    sample = {
        "n_candidates": len(cand_ids), "of_candidates": len(candidates),
        "n_offers": len(offer_ids), "of_offers": len(offers),
        "n_pairs": len(cand_ids) * len(offer_ids), "k": cut,
        "sampled": bool(len(cand_ids) < len(candidates) or len(offer_ids) < len(offers)),
    }
    empty = pd.DataFrame({"candidate_id": [], "offer_id": [], "score": []})
    if not len(cand_ids) or not len(offer_ids):
        table = fairness_audit(candidates, empty, k=cut).to_dict("records")
        return {"learned": table, "content": table}, sample

    groups = candidates["target_group"].to_numpy()[cand_pos]
    counts = {name: pd.Series(dtype="int64") for name in ("learned", "content")}
    n_ranked = pd.Series(dtype="int64")
    per_chunk = max(1, CHUNK_SIZE // len(cand_ids))
    for start in range(0, len(offer_ids), per_chunk):
        chunk = offer_ids[start : start + per_chunk]
        pairs = pd.DataFrame({"candidate_id": np.tile(cand_ids, len(chunk)),
                              "offer_id": np.repeat(chunk, len(cand_ids))})
        scores = {
            "learned": model.predict_pairs(candidates, offers, pairs, reasons=False)["score"],
            "content": pd.Series(content_score(pair_features(candidates, offers, pairs, stats))),
        }
        for name, score in scores.items():
            ranked = pairs.assign(score=score.to_numpy())
            chosen = _selected(candidates, ranked, cut).groupby("target_group")["selected"].sum()
            counts[name] = counts[name].add(chosen, fill_value=0)
        n_ranked = n_ranked.add(pd.Series(np.tile(groups, len(chunk))).value_counts(), fill_value=0)

    n_candidates = pd.Series(groups).value_counts()
    tables = {}
    for name, selected in counts.items():
        per_group = pd.DataFrame({
            "n_candidates": n_candidates, "n_ranked": n_ranked.reindex(n_candidates.index),
            "n_selected": selected.reindex(n_candidates.index, fill_value=0),
        }).astype("int64").sort_index()
        per_group.index.name = "target_group"
        tables[name] = _impact(per_group).to_dict("records")
    return tables, sample


def _jsonable(value: Any) -> Any:
    """Plain JSON types: numpy scalars to Python, NaN to None."""
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def _ndcg_report(
    groups: np.ndarray, gains: np.ndarray, scorers: dict[str, np.ndarray], ks: Sequence[int],
    n_boot: int, seed: int,
) -> tuple[dict[str, Any], dict[str, pd.Series]]:
    """NDCG@k with CIs per scorer, plus the per-group values for paired comparisons."""
    report: dict[str, Any] = {}
    per_group: dict[str, pd.Series] = {}
    for name, scores in scorers.items():
        report[name] = {}
        for k in ks:
            repeats = 1 if name != "random" else RANDOM_REPEATS
            rng = np.random.default_rng(seed)
            runs = [
                ndcg_by_group(groups, rng.random(len(groups)) if name == "random" else scores,
                              gains, k, rng)
                for _ in range(repeats)
            ]
            values = pd.concat(runs, axis=1).mean(axis=1)
            per_group[f"{name}@{k}"] = values
            report[name][f"ndcg@{k}"] = bootstrap_ci(
                values.to_numpy(), n_boot, np.random.default_rng(seed + k)
            )
    return report, per_group


def evaluate(
    candidates: pd.DataFrame,
    offers: pd.DataFrame,
    history: pd.DataFrame,
    k: Sequence[int] = (5, 10),
    n_boot: int = 1000,
    random_state: int = 0,
    ranker: Ranker | None = None,
    test_quarter: str | None = None,
    progress: bool = False,
    max_audit_pairs: int = AUDIT_MAX_PAIRS,
) -> dict[str, Any]:
    """Fit on earlier quarters, judge on the next; return a JSON-serialisable report.

    ``ranker`` gives the parameters to evaluate (it is cloned, never modified); by default
    ``Ranker(random_state=random_state)``. Frames must be validated. The fairness audit scores
    at most ``max_audit_pairs`` candidate–offer pairs (see :func:`audit_sample`); what it
    covered is in ``fairness_sample``.
    """
    steps = tqdm(total=4, desc="utvärdering/evaluation", disable=not progress, unit="steg")
    train, test = temporal_split(history, test_quarter)
    model = clone(ranker) if ranker is not None else Ranker(random_state=random_state)
    model.fit(candidates, offers, train)
    steps.update()

    known = test["candidate_id"].isin(candidates["candidate_id"]) & test["offer_id"].isin(
        offers["offer_id"]
    )
    test = test[known]
    gains = relevance(test)
    judged = ~np.isnan(gains)
    test, gains = test[judged], gains[judged]
    if is_versioned(candidates) or is_versioned(offers):
        # Profile versions (docs/ranker-as-of.md): every test proposal is scored with the profiles
        # as they were when it was made, as the app would have ranked it then; the fairness
        # audit ranks today's profiles.
        scored = model.predict_as_of(candidates, offers, test)
        features = as_of_pair_features(candidates, offers, test, HistoryStats.from_history(train, offers))[0]
        candidates, offers = profiles_at(candidates, "candidate_id"), profiles_at(offers, "offer_id")
    else:
        scored = model.predict_pairs(candidates, offers, test[["candidate_id", "offer_id"]])
        features = pair_features(candidates, offers, test, HistoryStats.from_history(train, offers))
    company_rate = features["company_accept_rate"].to_numpy()
    scorers = {
        "learned": scored["score"].to_numpy(),
        "content": content_score(features),
        "popularity": company_rate,
        "random": np.zeros(len(test)),
    }
    steps.update()

    by_offer, offer_values = _ndcg_report(
        test["offer_id"].to_numpy(), gains, scorers, k, n_boot, random_state
    )
    by_candidate, _ = _ndcg_report(
        test["candidate_id"].to_numpy(), gains, scorers, k, n_boot, random_state
    )
    differences = {}
    for cut in k:
        diff = (offer_values[f"learned@{cut}"] - offer_values[f"content@{cut}"]).to_numpy()
        ci = bootstrap_ci(diff, n_boot, np.random.default_rng(random_state + 1000 + cut))
        excludes = ci["mean"] is not None and (ci["ci_low"] > 0 or ci["ci_high"] < 0)
        differences[f"ndcg@{cut}"] = {**ci, "excludes_zero": bool(excludes)}
    steps.update()

    answered, accepted = accept_labels(test)
    visited, success = success_labels(test)
    p_accept = scored["p_accept"].to_numpy()
    p_success = scored["p_success"].to_numpy()
    p_both = p_accept * p_success
    overall = accepted & success
    calibration = {
        "p_accept": brier(p_accept[answered], accepted[answered]),
        "p_success": brier(p_success[visited], success[visited]),
        "score": brier(p_both, overall),
        # The same with the training base rates: a model should beat these.
        "base_rate_accept": brier(np.full(int(answered.sum()), model.accept_rate_),
                                  accepted[answered]),
        "base_rate_score": brier(np.full(len(test), model.accept_rate_ * model.success_rate_),
                                 overall),
    }
    fairness, fairness_sample = _fairness_report(
        model, candidates, offers, HistoryStats.from_history(train, offers), min(k),
        max_audit_pairs, random_state,
    )
    steps.update()
    steps.close()

    quarters = quarter_of(train["proposed_on"])
    return _jsonable({
        "split": {
            "train_quarters": sorted(quarters.unique().tolist()),
            "test_quarter": str(quarter_of(test["proposed_on"]).iloc[0]) if len(test) else None,
            "n_train": len(train),
            "n_test_judged": len(test),
            "n_test_offers": int(offer_values[f"learned@{min(k)}"].size),
        },
        "ranker": model.summary(),
        "ndcg": by_offer,
        "ndcg_by_candidate": by_candidate,
        "learned_minus_content": differences,
        "brier": calibration,
        "reliability": reliability_table(p_both, overall),
        "fairness": fairness,
        "fairness_k": min(k),
        "fairness_sample": fairness_sample,
    })


def compare_as_of(
    candidates: pd.DataFrame,
    offers: pd.DataFrame,
    history: pd.DataFrame,
    k: int = 5,
    n_boot: int = 1000,
    random_state: int = 0,
    test_quarter: str | None = None,
    truth: np.ndarray | pd.Series | None = None,
) -> dict[str, Any]:
    """Today's way against the as-of way on a truly later quarter (docs/ranker-as-of.md).

    ``candidates`` and ``offers`` carry profile versions (``valid_from``/``valid_to``). Both
    rankers learn from the quarters before the test quarter:

    * ``today``: the profiles as they stood when the test quarter began, for every training
      proposal (what training on "today's" profiles does: later changes leak in);
    * ``as_of``: each training proposal with the profiles as they were when it was made.

    Both are judged on the test quarter's proposals with the profiles of their own time (what
    the app would have ranked then), with the ``content`` score and ``random`` beside them, and
    the ``oracle`` (ranking by ``truth``, a known success probability per history row, aligned
    with ``history``) when given. ``today_self_reported`` is the evaluation as it used to be
    done, everything on the final profiles, which flatters today's way. ``closure`` is
    (scorer − random) / (oracle − random) per scorer, with an oracle. Returns a JSON-ready dict.
    """
    train, test = temporal_split(history, test_quarter)
    cutoff = quarter_of(test["proposed_on"]).iloc[0]
    began = pd.Period(cutoff, freq="Q").start_time
    today_c, today_o = profiles_at(candidates, "candidate_id", began), profiles_at(offers, "offer_id", began)
    as_of = Ranker(random_state=random_state).fit(candidates, offers, train)
    today = Ranker(random_state=random_state).fit(today_c, today_o, train)
    final_c, final_o = profiles_at(candidates, "candidate_id"), profiles_at(offers, "offer_id")
    flattered = Ranker(random_state=random_state).fit(final_c, final_o, train)

    known = test["candidate_id"].isin(candidates["candidate_id"]) & test["offer_id"].isin(offers["offer_id"])
    gains = relevance(test)
    judged = known.to_numpy() & ~np.isnan(gains)
    rows, gains = test[judged], gains[judged]
    features = as_of_pair_features(candidates, offers, rows, HistoryStats.from_history(train, offers))[0]
    scorers = {
        "as_of": as_of.predict_as_of(candidates, offers, rows)["score"].to_numpy(),
        "today": today.predict_as_of(candidates, offers, rows)["score"].to_numpy(),
        "content": content_score(features),
        "random": np.zeros(len(rows)),
    }
    if truth is not None:
        scorers["oracle"] = np.asarray(pd.Series(np.asarray(truth), index=history.index).loc[rows.index])
    report, _ = _ndcg_report(rows["offer_id"].to_numpy(), gains, scorers, (k,), n_boot, random_state)
    flattered_scores = flattered.predict_pairs(final_c, final_o, rows[["candidate_id", "offer_id"]], reasons=False)
    self_reported, _ = _ndcg_report(rows["offer_id"].to_numpy(), gains,
                                    {"today_self_reported": flattered_scores["score"].to_numpy()}, (k,), n_boot,
                                    random_state)
    report.update(self_reported)
    ndcg = {name: values[f"ndcg@{k}"]["mean"] for name, values in report.items()}
    agreement: dict[str, float | None] = {}
    if truth is not None:
        # Without the outcomes' noise: how well each order agrees with the truth within an offer.
        scored = {**scorers, "today_self_reported": flattered_scores["score"].to_numpy()}
        agreement = {name: _rank_agreement(rows["offer_id"].to_numpy(), values, scorers["oracle"])
                     for name, values in scored.items() if name not in ("oracle", "random")}
    closure: dict[str, float | None] = {}
    if "oracle" in ndcg and ndcg["oracle"] is not None and ndcg["random"] is not None:
        span = ndcg["oracle"] - ndcg["random"]
        closure = {name: (value - ndcg["random"]) / span if value is not None and span > 0 else None
                   for name, value in ndcg.items() if name not in ("oracle", "random")}
    return _jsonable({
        "test_quarter": cutoff, "n_train": len(train), "n_test_judged": len(rows),
        "n_test_offers": report["random"][f"ndcg@{k}"]["n"], "k": k,
        "ndcg": report, "closure": closure, "truth_rank_correlation": agreement,
    })


def _rank_agreement(groups: np.ndarray, scores: np.ndarray, truth: np.ndarray) -> float | None:
    """Mean within-group Spearman correlation of ``scores`` with ``truth`` (groups of three or more
    rows where both vary)."""
    frame = pd.DataFrame({"group": groups, "score": scores, "truth": truth})
    ranks = frame.groupby("group")[["score", "truth"]].rank()
    ranks["group"] = frame["group"]
    values = []
    for _, part in ranks.groupby("group"):
        if len(part) >= 3 and part["score"].nunique() > 1 and part["truth"].nunique() > 1:
            values.append(float(np.corrcoef(part["score"], part["truth"])[0, 1]))
    return float(np.mean(values)) if values else None
