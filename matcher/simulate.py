"""Synthetic matching worlds in the interchange format, with the ground truth that made them.

For tests, benchmarks and notebooks: never real people. Ids look like C00001 (candidate),
O0001 (offer) and K001 (company); there are no names. Places are scattered around Helsingborg.

How a world works (the ground truth, hidden from the matcher):

* The project leader proposes batches of candidates to an offer each quarter, mostly people
  interested in the offer's field.
* The employer accepts with a probability that rises with interest and with Swedish at the
  required level, falls steeply below it (less so when candidate and workplace share another
  language), and drops when no weekday fits or access is missing. Each company has its own
  leniency. ``employer_bias`` optionally lowers acceptance for newcomers, to give fairness
  audits something to find; the matcher never sees the target group.
* An accepted visit is cancelled now and then; otherwise the candidate shows up with a
  probability driven by a latent *reliability* (only visible through earlier no-shows) and
  by distance; a visit that happens is good (feedback 4–5) mostly when it fits the interest.

Intercepts are tuned per world so that about 68 % of proposals are accepted, about 82 % of
accepted visits are completed and about 11 % are no-shows.

Drifting profiles (``make_world(drift=...)``, docs/ranker-as-of.md): profiles change after the
fact, as they do in the app. After a good visit the candidate, with probability ``drift``, gains
the visited field as an interest and a step of Swedish (the visit helped: the truth sees the new
profile from then on); an offer the employer declined most proposals to asks, with probability
``drift``, a step less Swedish and opens another weekday, and any offer now and then changes its
hours. A change is valid from the next quarter's start (the
quarterly review); the world's ``candidate_versions``/``offer_versions`` hold every version and
``candidates``/``offers`` today's, so a ranker trained on today's profiles sees the future.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Final

import numpy as np
import pandas as pd
from scipy.optimize import brentq
from scipy.special import expit

from matcher.content import content_score
from matcher.features import pair_features
from matcher.io import write_candidates, write_history, write_offers
from matcher.schema import FIELD_SLUGS, TARGET_GROUPS, WEEKDAYS

_CENTRE: Final[tuple[float, float]] = (56.046, 12.695)  # Helsingborg
_GROUP_SHARES: Final[tuple[float, ...]] = (0.30, 0.35, 0.25, 0.10)
_NEWCOMER_LANGUAGES: Final[tuple[str, ...]] = (
    "ar", "so", "ti", "fa", "uk", "ps", "sq", "bs", "ru", "es", "tr", "ku",
)
#: How much each missing step of Swedish lowers the acceptance log-odds, by field.
_STRICTNESS: Final[dict[str, float]] = {
    **dict.fromkeys(
        ("cleaning", "manufacturing", "agriculture", "transport", "hospitality", "construction",
         "crafts", "installation", "beauty"), 0.3),
    **dict.fromkeys(
        ("healthcare", "education", "social_work", "admin", "security", "management", "sales"),
        1.6),
}
_WORKPLACE_LANGUAGES: Final[tuple[str, ...]] = ("en", "ar", "so", "fa", "uk", "pl", "es")

ACCEPT_RATE: Final[float] = 0.68
SHOW_RATE: Final[float] = 0.88
CANCEL_RATE: Final[float] = 0.07
GOOD_RATE: Final[float] = 0.80
PENDING_RATE: Final[float] = 0.03  # proposals the employer never answered


@dataclass
class GroundTruth:
    """The hidden mechanism of a world: latent traits and the coefficients of its outcomes."""

    reliability: pd.Series  # candidate_id -> latent reliability (standard normal)
    company_leniency: pd.Series  # company_id -> shift of the acceptance log-odds
    true_candidates: pd.DataFrame  # candidates with every coordinate known
    true_offers: pd.DataFrame
    accept_intercept: float = 0.0
    show_intercept: float = 0.0
    good_intercept: float = 0.0
    employer_bias: float = 0.0

    def _logits(
        self, pairs: pd.DataFrame
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Acceptance, show-up and good-visit log-odds without intercepts, plus distances."""
        f = pair_features(self.true_candidates, self.true_offers, pairs)
        margin = f["swedish_margin"].to_numpy()
        interest = f["interest_match"].to_numpy()
        overlap = f["weekday_overlap"].to_numpy()
        distance = f["distance_km"].to_numpy()
        company = self.true_offers.set_index("offer_id")["company_id"].reindex(pairs["offer_id"])
        groups = self.true_candidates.set_index("candidate_id")["target_group"]
        newcomer = (groups.reindex(pairs["candidate_id"]) == "newcomer").to_numpy()
        z = self.reliability.reindex(pairs["candidate_id"]).to_numpy()
        # Shared language makes up for one step of Swedish; how much a missing step costs
        # depends on the field (talking to patients versus sorting stock).
        shortfall = np.minimum(margin + (f["shared_language"].to_numpy() > 0), 0)
        strictness_by_code = np.array([_STRICTNESS.get(slug, 1.0) for slug in FIELD_SLUGS])
        field_strictness = strictness_by_code[f["field_code"].to_numpy(dtype=int)]
        accept = (
            self.company_leniency.reindex(company).to_numpy()
            + 1.0 * interest
            + field_strictness * shortfall
            + 0.15 * np.maximum(margin, 0)
            - 1.0 * (overlap == 0)
            - 1.5 * (1 - f["accessibility_ok"].to_numpy())
            - self.employer_bias * newcomer
        )
        # Beyond ~8 km the bus ride, not the person, decides whether they turn up.
        show = 2.5 * z - 0.12 * np.maximum(distance - 8.0, 0.0) - 0.5 * (f["hours"].to_numpy() > 8)
        good = 1.0 * interest + 0.3 * np.clip(margin, -2, 2) + 0.6 * z
        return accept, show, good, distance

    def probabilities(self, pairs: pd.DataFrame) -> pd.DataFrame:
        """True P(accept) and P(completed with good feedback | accepted) for each pair."""
        accept, show, good, _ = self._logits(pairs)
        p_success = (
            (1 - CANCEL_RATE)
            * expit(self.show_intercept + show)
            * expit(self.good_intercept + good)
        )
        return pd.DataFrame(
            {
                "candidate_id": pairs["candidate_id"].to_numpy(),
                "offer_id": pairs["offer_id"].to_numpy(),
                "p_accept": expit(self.accept_intercept + accept),
                "p_success": p_success,
            }
        )


@dataclass
class World:
    """A synthetic world: interchange frames plus the truth behind the history."""

    candidates: pd.DataFrame
    offers: pd.DataFrame
    history: pd.DataFrame
    truth: GroundTruth
    history_truth: pd.DataFrame  # true p_accept/p_success per history row
    candidate_versions: pd.DataFrame | None = None  # with drift: every profile version, valid_from/valid_to
    offer_versions: pd.DataFrame | None = None

    def write(self, directory: str | Path) -> dict[str, Path]:
        """Write candidates/offers/history CSVs and the truth per history row; return paths."""
        out = Path(directory)
        out.mkdir(parents=True, exist_ok=True)
        paths = {
            "candidates": out / "candidates.csv",
            "offers": out / "offers.csv",
            "history": out / "history.csv",
            "truth": out / "history_truth.csv",
        }
        # With drifting profiles the files carry every version (the interchange extension).
        write_candidates(self.candidates if self.candidate_versions is None else self.candidate_versions,
                         paths["candidates"])
        write_offers(self.offers if self.offer_versions is None else self.offer_versions, paths["offers"])
        write_history(self.history, paths["history"])
        self.history_truth.to_csv(paths["truth"], index=False, float_format="%.6f")
        return paths


def _subsets(
    rng: np.random.Generator, n: int, vocabulary: tuple[str, ...], low: int, high: int,
    weights: np.ndarray | None = None,
) -> list[list[str]]:
    """``n`` random subsets of ``vocabulary`` with low..high members, in vocabulary order."""
    sizes = rng.integers(low, high + 1, size=n)
    out = []
    for size in sizes:
        chosen = rng.choice(len(vocabulary), size=size, replace=False, p=weights)
        out.append([vocabulary[i] for i in sorted(chosen)])
    return out


def _coordinates(
    rng: np.random.Generator, n: int, spread: float
) -> tuple[np.ndarray, np.ndarray]:
    lat = _CENTRE[0] + rng.normal(0, 0.06 * spread, n)
    lon = _CENTRE[1] + rng.normal(0, 0.10 * spread, n)
    return lat.round(5), lon.round(5)


def _make_candidates(rng: np.random.Generator, n: int) -> pd.DataFrame:
    groups = rng.choice(TARGET_GROUPS, size=n, p=_GROUP_SHARES)
    newcomer = groups == "newcomer"
    level = np.where(
        newcomer,
        rng.choice(5, size=n, p=[0.10, 0.25, 0.30, 0.20, 0.15]),
        rng.choice([3, 4, 5, 6], size=n, p=[0.10, 0.30, 0.35, 0.25]),
    )
    languages = []
    for is_new in newcomer:
        if is_new:
            langs = set(rng.choice(_NEWCOMER_LANGUAGES, size=rng.integers(1, 3), replace=False))
            if rng.random() < 0.4:
                langs.add("en")
        else:
            langs = {"en"} if rng.random() < 0.7 else set()
            if rng.random() < 0.1:  # a heritage language
                langs.add(str(rng.choice(_NEWCOMER_LANGUAGES)))
        languages.append(sorted(str(x) for x in langs))
    popularity = rng.dirichlet(np.full(len(FIELD_SLUGS), 2.0))
    lat, lon = _coordinates(rng, n, spread=1.0)
    return pd.DataFrame(
        {
            "candidate_id": [f"C{i:05d}" for i in range(1, n + 1)],
            "interests": _subsets(rng, n, FIELD_SLUGS, 1, 3, popularity),
            "swedish_level": level.astype(np.int64),
            "languages": languages,
            "target_group": groups,
            "weekdays": _subsets(rng, n, WEEKDAYS[:5], 2, 5),
            "lat": lat,
            "lon": lon,
            "needs_accessible": rng.random(n) < 0.06,
        }
    )


def _make_offers(rng: np.random.Generator, n: int) -> pd.DataFrame:
    n_companies = max(1, min(999, (2 * n) // 3))
    companies = rng.integers(1, n_companies + 1, size=n)
    languages = []
    for _ in range(n):
        langs = {"en"} if rng.random() < 0.5 else set()
        if rng.random() < 0.3:
            langs.add(str(rng.choice(_WORKPLACE_LANGUAGES[1:])))
        languages.append(sorted(langs))
    weekdays = _subsets(rng, n, WEEKDAYS[:6], 1, 4, np.array([0.19] * 5 + [0.05]))
    lat, lon = _coordinates(rng, n, spread=1.3)
    return pd.DataFrame(
        {
            "offer_id": [f"O{i:04d}" for i in range(1, n + 1)],
            "company_id": [f"K{c:03d}" for c in companies],
            "field": rng.choice(FIELD_SLUGS, size=n),
            "min_swedish_level": rng.choice(5, size=n, p=[0.15, 0.20, 0.30, 0.25, 0.10]),
            "languages": languages,
            "weekdays": weekdays,
            "lat": lat,
            "lon": lon,
            "accessible": rng.random(n) < 0.6,
            "hours": rng.choice([3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0], size=n,
                                p=[0.05, 0.2, 0.2, 0.25, 0.15, 0.1, 0.05]),
            "capacity": rng.integers(1, 4, size=n).astype(np.int64),
        }
    )


def _propose(
    rng: np.random.Generator,
    candidates: pd.DataFrame,
    offers: pd.DataFrame,
    n_history: int,
    n_quarters: int,
    start: pd.Timestamp,
    selection: float,
    batch_size: float,
) -> pd.DataFrame:
    """Batches of proposals per quarter, drawn with weights exp(selection × content score)."""
    everyone = pd.DataFrame({
        "candidate_id": np.tile(candidates["candidate_id"].to_numpy(), len(offers)),
        "offer_id": np.repeat(offers["offer_id"].to_numpy(), len(candidates)),
    })
    content = content_score(pair_features(candidates, offers, everyone)).reshape(
        len(offers), len(candidates)
    )
    quarters = pd.period_range(start, periods=n_quarters, freq="Q")
    per_quarter = np.full(n_quarters, n_history // n_quarters)
    per_quarter[: n_history % n_quarters] += 1
    rows: list[tuple[int, int, pd.Timestamp]] = []
    for quarter, budget in zip(quarters, per_quarter, strict=True):
        q_start = quarter.start_time
        days = (quarter.end_time - q_start).days + 1
        made = 0
        while made < budget:
            offer = int(rng.integers(len(offers)))
            size = int(min(budget - made, 2 + rng.poisson(batch_size - 2), len(candidates)))
            weights = np.exp(selection * content[offer])
            weights /= weights.sum()
            chosen = rng.choice(len(candidates), size=size, replace=False, p=weights)
            when = q_start + pd.Timedelta(days=int(rng.integers(days)))
            rows.extend((int(c), offer, when) for c in chosen)
            made += size
    cand, offer, when = zip(*rows, strict=True) if rows else ((), (), ())
    return pd.DataFrame(
        {
            "candidate_id": candidates["candidate_id"].to_numpy()[list(cand)],
            "offer_id": offers["offer_id"].to_numpy()[list(offer)],
            "proposed_on": pd.to_datetime(list(when)).astype("datetime64[ns]"),
        }
    )


def _intercept(logits: np.ndarray, target: float) -> float:
    """The intercept that makes the mean probability over ``logits`` equal ``target``."""
    if logits.size == 0:
        return float(np.log(target / (1 - target)))
    return float(brentq(lambda b: expit(b + logits).mean() - target, -20, 20))


def make_world(
    n_candidates: int = 400,
    n_offers: int = 60,
    n_history: int = 1500,
    n_quarters: int = 8,
    seed: int = 0,
    *,
    start: str = "2021-01-01",
    employer_bias: float = 0.0,
    missing_coordinates: float = 0.04,
    selection: float = 6.0,
    batch_size: float = 7.0,
    drift: float = 0.0,
) -> World:
    """A reproducible synthetic world with ``n_history`` past proposals over ``n_quarters``;
    with ``drift`` > 0 the profiles change after visits (see the module docstring)."""
    if drift > 0:
        return _drifting_world(n_candidates, n_offers, n_history, n_quarters, seed, start=start,
                               employer_bias=employer_bias, missing_coordinates=missing_coordinates,
                               selection=selection, batch_size=batch_size, drift=drift)
    rng = np.random.default_rng(seed)
    true_candidates = _make_candidates(rng, n_candidates)
    true_offers = _make_offers(rng, n_offers)
    truth = GroundTruth(
        reliability=pd.Series(rng.normal(size=n_candidates), index=true_candidates["candidate_id"]),
        company_leniency=pd.Series(
            rng.normal(0, 0.7, size=true_offers["company_id"].nunique()),
            index=np.unique(true_offers["company_id"]),
        ),
        true_candidates=true_candidates,
        true_offers=true_offers,
        employer_bias=employer_bias,
    )
    history = _propose(
        rng, true_candidates, true_offers, n_history, n_quarters, pd.Timestamp(start), selection,
        batch_size,
    )
    accept, show, good, _ = truth._logits(history)
    truth.accept_intercept = _intercept(accept, ACCEPT_RATE)
    truth.show_intercept = _intercept(show, SHOW_RATE)
    truth.good_intercept = _intercept(good, GOOD_RATE)

    history = _outcomes(rng, truth, history)
    history = history.sort_values("proposed_on", kind="stable").reset_index(drop=True)
    history_truth = truth.probabilities(history).assign(proposed_on=history["proposed_on"])

    candidates, offers = true_candidates.copy(), true_offers.copy()
    for frame in (candidates, offers):
        hidden = rng.random(len(frame)) < missing_coordinates
        frame.loc[hidden, ["lat", "lon"]] = np.nan
    return World(candidates, offers, history, truth, history_truth)


def _outcomes(rng: np.random.Generator, truth: GroundTruth, history: pd.DataFrame) -> pd.DataFrame:
    """Employer answers, visit statuses, feedback and later outcomes of ``history``'s proposals
    drawn from the truth (with the truth's profiles as they are now)."""
    _, show, good, _ = truth._logits(history)
    n = len(history)
    probabilities = truth.probabilities(history)
    pending = rng.random(n) < PENDING_RATE
    accepted = ~pending & (rng.random(n) < probabilities["p_accept"].to_numpy())
    cancelled = accepted & (rng.random(n) < CANCEL_RATE)
    showed = accepted & ~cancelled & (rng.random(n) < expit(truth.show_intercept + show))
    good_visit = showed & (rng.random(n) < expit(truth.good_intercept + good))
    status = np.select(
        [cancelled, showed, accepted], ["cancelled", "completed", "no_show"], "none"
    )
    feedback = np.where(good_visit, rng.integers(4, 6, n), rng.integers(1, 4, n))
    draw = rng.random(n)
    outcome = np.select([draw < 0.04, draw < 0.12, draw < 0.16], ["job", "internship", "study"],
                        "none")
    return history.assign(
        employer_response=np.select([pending, accepted], ["none", "accepted"], "declined"),
        visit_status=status,
        feedback=pd.array(np.where(showed, feedback, np.nan), dtype="Int64"),
        outcome=np.where(showed, np.where(good_visit, outcome, "none"), ""),
    )


def _versions(snapshots: list[tuple[pd.Timestamp | None, pd.DataFrame]], id_column: str) -> pd.DataFrame:
    """Profile versions from snapshots taken at successive moments: a subject gets a new row
    whenever its profile differs from the snapshot before; ``valid_to`` is the next row's start."""
    rows, previous = [], None
    for moment, frame in snapshots:
        texts = frame.astype(str).agg("|".join, axis=1)
        changed = np.ones(len(frame), dtype=bool) if previous is None else (texts != previous).to_numpy()
        rows.append(frame[changed].assign(valid_from=moment))
        previous = texts
    versions = pd.concat(rows, ignore_index=True).sort_values([id_column, "valid_from"], kind="stable",
                                                              na_position="first")
    versions["valid_from"] = pd.to_datetime(versions["valid_from"]).astype("datetime64[ns]")
    versions["valid_to"] = versions.groupby(id_column)["valid_from"].shift(-1)
    return versions.reset_index(drop=True)


def _drift_candidates(
    rng: np.random.Generator, candidates: pd.DataFrame, offers: pd.DataFrame, history: pd.DataFrame,
    drift: float,
) -> pd.DataFrame:
    """After a good visit, with probability ``drift``: the visited field becomes an interest and
    the Swedish level rises a step."""
    good = history[(history["visit_status"] == "completed") & (history["feedback"].fillna(0) >= 4)]
    good = good[rng.random(len(good)) < drift]
    if good.empty:
        return candidates
    fields = offers.set_index("offer_id")["field"]
    changed = candidates.set_index("candidate_id", drop=False)
    interests = changed["interests"].to_dict()
    levels = changed["swedish_level"].to_dict()
    for candidate_id, offer_id in zip(good["candidate_id"], good["offer_id"], strict=True):
        field_slug = fields[offer_id]
        if field_slug not in interests[candidate_id]:
            interests[candidate_id] = [f for f in FIELD_SLUGS if f in interests[candidate_id] or f == field_slug]
        levels[candidate_id] = min(6, levels[candidate_id] + 1)
    ids = candidates["candidate_id"]
    return candidates.assign(interests=ids.map(interests).to_list(),
                             swedish_level=ids.map(levels).astype(np.int64).to_numpy())


def _drift_offers(
    rng: np.random.Generator, offers: pd.DataFrame, history: pd.DataFrame, drift: float
) -> pd.DataFrame:
    """Offers move after a quarter. One the employer declined at least half of the answered
    proposals to (two or more) asks, with probability ``drift``, a step less Swedish and opens
    one more weekday; any offer, with probability ``drift / 5``, changes its hours."""
    answered = history[history["employer_response"] != "none"]
    declines = answered.groupby("offer_id")["employer_response"].agg(
        lambda r: int((r == "declined").sum()) if (r == "declined").mean() >= 0.5 else 0)
    relaxing = offers["offer_id"].map(declines).fillna(0).to_numpy() >= 2
    relaxing &= rng.random(len(offers)) < drift
    rehoured = rng.random(len(offers)) < drift / 5
    if not (relaxing.any() or rehoured.any()):
        return offers
    offers = offers.copy()
    levels = offers["min_swedish_level"].to_numpy(dtype=np.int64).copy()
    levels[relaxing] = np.maximum(levels[relaxing] - 1, 0)
    offers["min_swedish_level"] = levels
    weekdays = offers["weekdays"].tolist()
    for i in np.flatnonzero(relaxing):
        closed = [d for d in WEEKDAYS[:5] if d not in weekdays[i]]
        if closed:
            extra = closed[int(rng.integers(len(closed)))]
            weekdays[i] = [d for d in WEEKDAYS if d in weekdays[i] or d == extra]
    offers["weekdays"] = weekdays
    hours = offers["hours"].to_numpy(dtype=float).copy()
    hours[rehoured] = rng.choice([4.0, 5.0, 6.0, 7.0, 8.0], size=int(rehoured.sum()))
    offers["hours"] = hours
    return offers


def _drifting_world(
    n_candidates: int, n_offers: int, n_history: int, n_quarters: int, seed: int, *, start: str,
    employer_bias: float, missing_coordinates: float, selection: float, batch_size: float, drift: float,
) -> World:
    """:func:`make_world` with profiles that change after visits, quarter by quarter."""
    rng = np.random.default_rng(seed)
    candidates = _make_candidates(rng, n_candidates)
    offers = _make_offers(rng, n_offers)
    truth = GroundTruth(
        reliability=pd.Series(rng.normal(size=n_candidates), index=candidates["candidate_id"]),
        company_leniency=pd.Series(rng.normal(0, 0.7, size=offers["company_id"].nunique()),
                                   index=np.unique(offers["company_id"])),
        true_candidates=candidates, true_offers=offers, employer_bias=employer_bias,
    )
    # The intercepts are tuned once, on the proposals the first profiles would get.
    calibration = _propose(rng, candidates, offers, n_history, n_quarters, pd.Timestamp(start), selection,
                           batch_size)
    accept, show, good, _ = truth._logits(calibration)
    truth.accept_intercept = _intercept(accept, ACCEPT_RATE)
    truth.show_intercept = _intercept(show, SHOW_RATE)
    truth.good_intercept = _intercept(good, GOOD_RATE)

    quarters = pd.period_range(pd.Timestamp(start), periods=n_quarters, freq="Q")
    budgets = np.full(n_quarters, n_history // n_quarters)
    budgets[: n_history % n_quarters] += 1
    parts, truths = [], []
    candidate_snapshots: list[tuple[pd.Timestamp | None, pd.DataFrame]] = [(None, candidates)]
    offer_snapshots: list[tuple[pd.Timestamp | None, pd.DataFrame]] = [(None, offers)]
    for quarter, budget in zip(quarters, budgets, strict=True):
        truth.true_candidates, truth.true_offers = candidates, offers
        proposals = _propose(rng, candidates, offers, int(budget), 1, quarter.start_time, selection, batch_size)
        proposals = _outcomes(rng, truth, proposals).sort_values("proposed_on", kind="stable")
        parts.append(proposals)
        truths.append(truth.probabilities(proposals).assign(proposed_on=proposals["proposed_on"].to_numpy()))
        # What the quarter changed holds from the next quarter on.
        candidates = _drift_candidates(rng, candidates, offers, proposals, drift)
        offers = _drift_offers(rng, offers, proposals, drift)
        following = (quarter + 1).start_time
        candidate_snapshots.append((following, candidates))
        offer_snapshots.append((following, offers))
    truth.true_candidates, truth.true_offers = candidates, offers
    history = pd.concat(parts, ignore_index=True)
    history_truth = pd.concat(truths, ignore_index=True)

    candidate_versions = _versions(candidate_snapshots, "candidate_id")
    offer_versions = _versions(offer_snapshots, "offer_id")
    for versions, frame, column in ((candidate_versions, candidates, "candidate_id"),
                                    (offer_versions, offers, "offer_id")):
        hidden = frame[column][rng.random(len(frame)) < missing_coordinates]
        versions.loc[versions[column].isin(hidden), ["lat", "lon"]] = np.nan
    current_candidates = candidate_versions[candidate_versions["valid_to"].isna()].drop(
        columns=["valid_from", "valid_to"]).reset_index(drop=True)
    current_offers = offer_versions[offer_versions["valid_to"].isna()].drop(
        columns=["valid_from", "valid_to"]).reset_index(drop=True)
    return World(current_candidates, current_offers, history, truth, history_truth,
                 candidate_versions=candidate_versions, offer_versions=offer_versions)


def expected_gain(history_truth: pd.DataFrame) -> np.ndarray:
    """Each proposal's expected NDCG gain by the truth (``World.history_truth``): the employer
    accepts with ``p_accept`` (gain 1) and the visit then goes well with ``p_success`` (gain 3,
    see matcher.evaluation), so ``p_accept × (1 + 2 × p_success)``. Ranking by it is the oracle
    an evaluation's closure is measured against."""
    p_accept = history_truth["p_accept"].to_numpy(dtype=float)
    return p_accept * (1.0 + 2.0 * history_truth["p_success"].to_numpy(dtype=float))
