"""The Ranker: scores candidate–offer pairs by expected success, learning from outcomes.

Job matching is reciprocal, so the learned score is the product of calibrated models:

* ``P(employer accepts | proposed)``, trained on proposals the employer answered;
* ``P(visit completed with good feedback | accepted)``. Good feedback means 4 or 5 on the
  template's 1–5 scale; a completed visit without feedback counts as good, because the form is
  optional and a visit that took place is the main outcome. By default (``split_success``) it
  is learned in three parts: the share of accepted visits that are held (not cancelled),
  ``P(the candidate comes | held)`` and ``P(good feedback | came)``. Turning up depends on the
  person's record and the trip, a good visit on the fit; one model of their product learned
  less well from a few thousand visits (issue #24, "Success in parts" in docs/ranker-as-of.md).

Each model is a ``HistGradientBoostingClassifier`` behind a ``ColumnTransformer`` in a
``Pipeline``, calibrated with ``CalibratedClassifierCV`` (sigmoid below
:data:`ISOTONIC_FROM` labelled rows: isotonic needs many rows and its steps create ties that hurt
ranking; at 6,000 rows it did not improve the Brier score in simulation).

Each part is learned twice (``linear_parts``): by its booster and by a logistic model of a few
inputs chosen for it (:data:`LINEAR_DESIGNS`: for the employer's answer a slope per occupational
field for each missing step of Swedish, for turning up the person's record and the trip, for a
good visit the fit and the record), and the two are averaged in log-odds. Small trees fitted on a
few thousand answers (and a hundred or two no-shows) learn such slopes only coarsely; a
linear model learns them well, and the booster keeps what a straight line cannot say
(docs/ranker-as-of.md, "Each part learned twice").

Cold start: below ``min_outcomes`` labelled employer responses the transparent content score
(:mod:`matcher.content`) ranks alone. From there the score moves linearly from content to learned
and has reached its learned share at ``blend_full_at`` outcomes, so one more outcome never flips a
ranking wholesale. The content score keeps ``content_share`` (a tenth) of the say for good: its
fixed priors steady what a few thousand noisy outcomes teach the models (on simulated drifting
worlds, 60 seeds: the expected NDCG@5 closure rose by 0.009 and 0.003 against the learned score
alone, see docs/ranker-as-of.md).
The defaults (50 and 1,000) follow simulation: the learned score alone was no better
than the content score at ~500 training proposals and slightly ahead at ~1,000 ("Where the
blend ends" in benchmarks/RESULTS_matcher.md). A model whose labels are all one class (or
nearly so) is replaced by its smoothed base rate instead of being fitted.
"""

from __future__ import annotations

import hashlib
import threading
import weakref
from collections.abc import Callable
from contextlib import AbstractContextManager
from functools import cache
from typing import Any, Final, Literal

import numpy as np
import pandas as pd
from scipy.special import expit, logit
from sklearn.base import BaseEstimator
from sklearn.calibration import CalibratedClassifierCV
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer
from threadpoolctl import ThreadpoolController
from tqdm.auto import tqdm

from matcher.content import content_score
from matcher.features import (
    CATEGORICAL_FEATURES,
    FEATURE_COLUMNS,
    NUMERIC_FEATURES,
    EncodedCandidates,
    HistoryStats,
    as_of_pair_features,
    build_pair_features,
    good_visits,
    history_features,
    offer_features,
)
from matcher.io import (
    InterchangeError,
    is_versioned,
    validate_candidate_versions,
    validate_candidates,
    validate_history,
    validate_offer_versions,
    validate_offers,
)
from matcher.reasons import explain
from matcher.schema import FIELD_SLUGS, HISTORY_COLUMNS

#: From this many labelled rows, ``calibration="auto"`` switches from sigmoid to isotonic.
ISOTONIC_FROM: Final[int] = 20_000
#: Each class needs this many rows before a model is fitted rather than a base rate used.
MIN_CLASS_ROWS: Final[int] = 5
#: Share of accepted visits cancelled, assumed before any history (the programme's typical rate).
CANCEL_PRIOR: Final[float] = 0.07
#: Pairs are scored in chunks of this size (bounded memory, progress per chunk).
CHUNK_SIZE: Final[int] = 100_000

#: Directions the models must respect (+1 more is better, -1 more is worse). Known directions
#: are a cheap regulariser for a few thousand outcomes, and keep the scores explainable: a
#: better Swedish level never lowers a pair's score. On simulated worlds of 2,400 proposals the
#: within-offer rank correlation with the true success probability was 0.71 with constraints
#: and small trees, 0.69 without constraints, 0.53 with unconstrained 15-leaf trees and 0.47
#: for the content score ("Model choice" in benchmarks/RESULTS_matcher.md).
ACCEPT_MONOTONIC: Final[dict[str, int]] = {
    "interest_match": 1,
    "swedish_margin": 1,
    "shared_language": 1,
    "swedish_shortfall": 1,
    "weekday_overlap": 1,
    "accessibility_ok": 1,
    "company_accept_rate": 1,
    "offer_accept_rate": 1,
}
SUCCESS_MONOTONIC: Final[dict[str, int]] = {
    "interest_match": 1,
    "swedish_margin": 1,
    "accessibility_ok": 1,
    "distance_km": -1,
    "travel_minutes": -1,
    "candidate_no_shows": -1,
    "candidate_no_show_rate": -1,
    "candidate_success_rate": 1,
    "company_completion_rate": 1,
    "offer_completion_rate": 1,
}

#: The two parts of a visit's success when ``split_success`` is on (see :class:`Ranker`): turning
#: up is a matter of the person and the trip; a visit that took place goes well mostly when it
#: fits the interest and the Swedish.
SHOW_MONOTONIC: Final[dict[str, int]] = {
    name: sign for name, sign in SUCCESS_MONOTONIC.items() if name not in ("interest_match", "swedish_margin")
}
GOOD_MONOTONIC: Final[dict[str, int]] = dict(SUCCESS_MONOTONIC)

#: What ``Ranker(tune=True)`` tries on its own history (:meth:`Ranker._tuned`): each tree shape,
#: each with every number of trees in :data:`TUNE_ITERATIONS` (one fit per shape: the trees of a
#: longer fit include the shorter ones).
TUNE_SHAPES: Final[tuple[dict[str, Any], ...]] = (
    {"max_leaf_nodes": 6, "min_samples_leaf": 40, "l2_regularization": 5.0},
    {"max_leaf_nodes": 4, "min_samples_leaf": 40, "l2_regularization": 5.0},
    {"max_leaf_nodes": 8, "min_samples_leaf": 80, "l2_regularization": 10.0},
)
TUNE_ITERATIONS: Final[tuple[int, ...]] = (15, 30, 45, 60)
#: The validation part (the training history's last quarter) must hold this many labelled rows
#: of a model, with both labels, for that model to be tuned; otherwise it keeps its parameters.
TUNE_MIN_ROWS: Final[int] = 200

PREDICTION_COLUMNS: Final[tuple[str, ...]] = (
    "candidate_id", "offer_id", "score", "p_accept", "p_success", "reasons", "considerations",
)


def accept_labels(history: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Mask of proposals with an employer answer, and whether each was accepted."""
    response = history["employer_response"].to_numpy()
    return response != "none", response == "accepted"


def success_labels(history: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Mask of accepted proposals whose visit has a status, and whether it was a success."""
    status = history["visit_status"].to_numpy()
    labelled = (history["employer_response"].to_numpy() == "accepted") & (status != "none")
    return labelled, good_visits(history)


def visit_labels(history: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The parts of a visit's success: which accepted proposals' visits were held (the candidate
    came or did not: ``completed`` or ``no_show``) and whether the candidate came; which visits
    took place and whether they went well (:func:`~matcher.features.good_visits`)."""
    status = history["visit_status"].to_numpy()
    accepted = history["employer_response"].to_numpy() == "accepted"
    held = accepted & np.isin(status, ("completed", "no_show"))
    showed = accepted & (status == "completed")
    return held, showed, showed, good_visits(history)


def snapshot_id(history: pd.DataFrame) -> str:
    """A short content hash of a history frame: which data a model was trained on."""
    digest = hashlib.sha256()
    for column in HISTORY_COLUMNS:
        digest.update(column.encode())
        digest.update(pd.util.hash_pandas_object(history[column].astype(str), index=False)
                      .to_numpy().tobytes())
    return digest.hexdigest()[:16]


#: Rates are clipped to this distance from 0 and 1 before their log-odds are taken.
_RATE_CLIP: Final[float] = 0.01
#: The logistic models' L2 strength (scikit-learn's ``C``: smaller is stronger).
LINEAR_C: Final[float] = 1.0


def _log_odds(features: pd.DataFrame, column: str) -> np.ndarray:
    return logit(np.clip(features[column].to_numpy(dtype=float), _RATE_CLIP, 1 - _RATE_CLIP))


def _column(features: pd.DataFrame, column: str) -> np.ndarray:
    return features[column].to_numpy(dtype=float)


def accept_design(features: pd.DataFrame) -> np.ndarray:
    """The logistic acceptance model's inputs for a feature frame, one row per pair: interest,
    Swedish above the minimum, no common weekday, access, the log-odds of the offer's and the
    company's smoothed acceptance rates, and the missing steps of Swedish
    (``swedish_shortfall``, a shared language counting as one step) once per occupational field,
    so that each field learns its own price for a missing step (talking to patients is not
    sorting stock)."""
    shortfall_by_field = np.zeros((len(features), len(FIELD_SLUGS)))
    codes = _column(features, "field_code")
    known = (codes >= 0) & (codes < len(FIELD_SLUGS))
    shortfall = _column(features, "swedish_shortfall")
    shortfall_by_field[np.flatnonzero(known), codes[known].astype(np.intp)] = shortfall[known]
    return np.column_stack([
        _column(features, "interest_match"),
        np.maximum(_column(features, "swedish_margin"), 0.0),
        (_column(features, "weekday_overlap") == 0).astype(float),
        _column(features, "accessibility_ok"),
        _log_odds(features, "offer_accept_rate"),
        _log_odds(features, "company_accept_rate"),
        shortfall_by_field,
    ])


def show_design(features: pd.DataFrame) -> np.ndarray:
    """The logistic model of turning up: the person's record (earlier no-shows and completed
    visits, and their smoothed rates as log-odds), the trip (estimated minutes; unknown ones
    as 0 with a column that says so) and the visit's length."""
    minutes = _column(features, "travel_minutes")
    unknown = np.isnan(minutes)
    return np.column_stack([
        _column(features, "candidate_no_shows"),
        _column(features, "candidate_visits"),
        _log_odds(features, "candidate_no_show_rate"),
        _log_odds(features, "candidate_success_rate"),
        np.where(unknown, 0.0, minutes),
        unknown.astype(float),
        _column(features, "hours"),
    ])


def good_design(features: pd.DataFrame) -> np.ndarray:
    """The logistic model of a good visit among those held: the fit (interest, the Swedish margin
    within two steps either way, the shortfall) and the person's record (the log-odds of their
    earlier visits going well, how many they completed and missed, and whether they already
    visited this field)."""
    return np.column_stack([
        _column(features, "interest_match"),
        np.clip(_column(features, "swedish_margin"), -2.0, 2.0),
        _column(features, "swedish_shortfall"),
        _log_odds(features, "candidate_success_rate"),
        _column(features, "candidate_visits"),
        _column(features, "candidate_no_shows"),
        (_column(features, "candidate_field_visits") > 0).astype(float),
    ])


#: Each part's logistic model and the inputs it is given (see the module docstring). None reads a
#: protected ground: only :data:`~matcher.features.FEATURE_COLUMNS`. A saved model's logistic
#: parts expect these columns in this order: changing a design changes what they read, so it
#: needs a new model format (matcher.persistence.FORMAT_VERSION), as a new feature does.
LINEAR_DESIGNS: Final[dict[str, Callable[[pd.DataFrame], np.ndarray]]] = {
    "accept": accept_design, "show": show_design, "good": good_design,
}


class Ranker(BaseEstimator):
    """Scores pairs by expected success; falls back to the content score without history.

    Parameters
    ----------
    min_outcomes : labelled employer responses needed before the learned models count at all.
    blend_full_at : labelled responses at which the learned score has taken its full share.
    content_share : the content score's share of the score from ``blend_full_at`` on (0 = the
        learned score alone).
    calibration : ``"auto"``, ``"sigmoid"`` or ``"isotonic"``.
    max_iter, learning_rate, max_leaf_nodes, min_samples_leaf, l2_regularization :
        passed to each ``HistGradientBoostingClassifier`` (small trees: see the monotonic note;
        four leaves rather than six since the success is learned in parts: each part is a
        simpler function, and on 40 simulated drifting worlds of each size the within-offer
        correlation with the true expected gain rose by 0.006 and 0.004 more).
    monotonic : constrain the models to :data:`ACCEPT_MONOTONIC` / :data:`SUCCESS_MONOTONIC`
        (:data:`SHOW_MONOTONIC` / :data:`GOOD_MONOTONIC`).
    split_success : learn a visit's success as three parts instead of one model: the share of
        accepted visits that are held (not cancelled), ``P(the candidate comes | held)`` and
        ``P(good feedback | came)``; ``p_success`` is their product. Each part has one clear
        signal (turning up: the person's record and the trip; a good visit: the fit), which one
        model of their product learns less well from a few thousand visits.
    linear_parts : also learn each part (the employer's answer, turning up, a good visit) with a
        logistic model of its :data:`LINEAR_DESIGNS` inputs and average it with the booster's
        answer in log-odds (see the module docstring). On simulated drifting worlds (seeds 20–59
        of both sizes) the order agreed better with the true expected gain in most
        (docs/ranker-as-of.md). Not for the single success model (``split_success=False``).
    tune : let ``fit`` choose each model's trees on its own history (:meth:`_tuned`): fitted on
        the quarters before the training history's last one, judged by log-loss on that last
        quarter, over :data:`TUNE_SHAPES` × :data:`TUNE_ITERATIONS`; the chosen setting is
        then fitted on all of it. Without enough rows in the last quarter a model keeps the
        parameters given here. Off by default: on simulated worlds it chose worse than the
        fixed four-leaf trees (docs/ranker-as-of.md, "Choosing its own capacity") and it adds a
        fit per tree shape.
    smoothing : pseudo-counts for history rates (see :mod:`matcher.features`).
    random_state : seed for the models and the calibration folds.
    n_threads : OpenMP threads for the boosters. One by default: two help only on an idle
        machine; on the shared two-core reference machine under load they spin waiting for a
        busy core: 10,000 rows took 0.71 s with two threads against 0.12 s with one
        ("Under load" in benchmarks/RESULTS_matcher.md).
    verbose : show progress bars on stderr.

    Attributes
    ----------
    n_outcomes_ : labelled employer responses used (set by ``fit``, like all below).
    n_visits_ : accepted proposals with a visit status, used by the success model.
    blend_weight_ : the learned score's share: 0 = pure content score, at most 1 - content_share.
    linear_ : with ``linear_parts``, the fitted logistic models by part (``"accept"``, ``"show"``,
        ``"good"``); a part without a booster has none, and a model saved before they existed
        has none at all.
    accept_model_, success_model_ : fitted pipelines, or ``None`` when a base rate is used
        (``success_model_`` is always ``None`` with ``split_success``).
    show_model_, good_model_ : with ``split_success``, the same for the parts of a success.
    accept_rate_, success_rate_, show_rate_, good_rate_ : smoothed base rates used in place of
        a missing model (``success_rate_`` with ``split_success``: the parts' product).
    held_rate_ : with ``split_success``, the smoothed share of accepted visits that were held.
    split_success_ : whether the success was learned in parts (a model saved before: ``False``).
    tuned_ : with ``tune``, per model the parameters chosen and the validation log-loss of every
        setting tried; empty for a model that could not be tuned.
    history_stats_ : aggregated history for the history features at scoring time.
    training_snapshot_, n_training_rows_ : which history the ranker was fitted on.
    """

    def __init__(
        self,
        min_outcomes: int = 50,
        blend_full_at: int = 1000,
        content_share: float = 0.1,
        calibration: Literal["auto", "sigmoid", "isotonic"] = "auto",
        max_iter: int = 30,
        learning_rate: float = 0.15,
        max_leaf_nodes: int = 4,
        min_samples_leaf: int = 40,
        l2_regularization: float = 5.0,
        monotonic: bool = True,
        split_success: bool = True,
        linear_parts: bool = True,
        tune: bool = False,
        smoothing: float = 5.0,
        random_state: int | None = 0,
        n_threads: int = 1,
        verbose: bool = False,
    ) -> None:
        self.min_outcomes = min_outcomes
        self.blend_full_at = blend_full_at
        self.content_share = content_share
        self.calibration = calibration
        self.max_iter = max_iter
        self.learning_rate = learning_rate
        self.max_leaf_nodes = max_leaf_nodes
        self.min_samples_leaf = min_samples_leaf
        self.l2_regularization = l2_regularization
        self.monotonic = monotonic
        self.split_success = split_success
        self.linear_parts = linear_parts
        self.tune = tune
        self.smoothing = smoothing
        self.random_state = random_state
        self.n_threads = n_threads
        self.verbose = verbose

    def __setstate__(self, state: dict[str, Any]) -> None:
        # A model saved before these parameters existed learned one success model, untuned, and
        # each part with its booster alone.
        state = {"split_success": False, "tune": False, "linear_parts": False, **state}
        if "blend_weight_" in state:  # fitted: scoring reads its logistic parts, here none
            state.setdefault("linear_", {})
        super().__setstate__(state)

    # --- fitting --------------------------------------------------------------------------

    def _threads(self) -> AbstractContextManager[Any]:
        return _controller().limit(limits=self.n_threads, user_api="openmp")

    def _blend(self, n_outcomes: int) -> float:
        """Linear ramp from 0 at ``min_outcomes`` to ``1 - content_share`` at ``blend_full_at``."""
        if n_outcomes < self.min_outcomes:
            return 0.0
        span = max(self.blend_full_at - self.min_outcomes, 1)
        ramp = float(np.clip((n_outcomes - self.min_outcomes) / span, 0.0, 1.0))
        return ramp * (1.0 - self.content_share)

    def _booster(self, n_rows: int, directions: dict[str, int], **params: Any
                 ) -> HistGradientBoostingClassifier:
        """One booster with this ranker's parameters, ``params`` overriding them."""
        chosen = {
            "max_iter": self.max_iter, "learning_rate": self.learning_rate,
            "max_leaf_nodes": self.max_leaf_nodes, "min_samples_leaf": self.min_samples_leaf,
            "l2_regularization": self.l2_regularization, **params,
        }
        # Leaves of 40 rows are too strict for the first hundred outcomes.
        chosen["min_samples_leaf"] = int(min(chosen["min_samples_leaf"], max(5, n_rows // 20)))
        return HistGradientBoostingClassifier(
            **chosen,
            categorical_features=[False] * len(NUMERIC_FEATURES)
            + [True] * len(CATEGORICAL_FEATURES),
            monotonic_cst=[directions.get(c, 0) if self.monotonic else 0 for c in NUMERIC_FEATURES]
            + [0] * len(CATEGORICAL_FEATURES),
            early_stopping=False,
            random_state=self.random_state,
        )

    def _make_model(self, y: np.ndarray, directions: dict[str, int], **params: Any) -> Pipeline:
        n_minority = int(min(y.sum(), len(y) - y.sum()))
        method = self.calibration
        if method == "auto":
            method = "sigmoid" if len(y) < ISOTONIC_FROM else "isotonic"
        if method not in ("sigmoid", "isotonic"):
            raise ValueError(f"calibration must be 'auto', 'sigmoid' or 'isotonic', not {method!r}")
        # The field arrives as its fixed schema code (see matcher.features), so the categorical
        # branch passes it through: an encoder would learn nothing and cost string hashing on
        # every scoring call. The booster treats it as categorical via the mask below.
        columns = ColumnTransformer(
            [
                ("numeric", "passthrough", list(NUMERIC_FEATURES)),
                ("categorical", "passthrough", list(CATEGORICAL_FEATURES)),
            ],
            remainder="drop",
        )
        boosting = self._booster(len(y), directions, **params)
        folds = StratifiedKFold(
            n_splits=int(min(5, n_minority)), shuffle=True, random_state=self.random_state
        )
        # ensemble=False: one booster on all rows, calibrated on out-of-fold predictions;
        # scoring then costs one booster per model instead of one per fold.
        calibrated = CalibratedClassifierCV(boosting, method=method, cv=folds, ensemble=False)
        return Pipeline([("columns", columns), ("model", calibrated)])

    def _tuned(
        self, matrix: np.ndarray, y: np.ndarray, last: np.ndarray, directions: dict[str, int]
    ) -> dict[str, Any]:
        """The setting of :data:`TUNE_SHAPES` × :data:`TUNE_ITERATIONS` whose booster, fitted on
        the rows before the last part (``~last``), has the lowest log-loss on the last part
        (``last``); ties go to the earlier setting. Returns ``{"params": ..., "log_loss":
        [[params, loss], ...]}``, or ``{}`` when the parts cannot support a choice. The last
        part's rows are only ever predicted, never fitted on."""
        train, valid = ~last, last
        y_train, y_valid = y[train], y[valid]
        n_pos_train = int(y_train.sum())
        if (int(valid.sum()) < TUNE_MIN_ROWS or y_valid.all() or not y_valid.any()
                or min(n_pos_train, len(y_train) - n_pos_train) < MIN_CLASS_ROWS
                or len(y_train) < self.min_outcomes):
            return {}
        x_train = np.ascontiguousarray(matrix[train])
        x_valid = np.ascontiguousarray(matrix[valid])
        eps = 1e-6
        tried: list[list[Any]] = []
        best: tuple[float, dict[str, Any]] | None = None
        for shape in TUNE_SHAPES:
            booster = self._booster(len(y_train), directions, **shape, max_iter=max(TUNE_ITERATIONS))
            with self._threads():
                booster.fit(x_train, y_train.astype(int))
                stages = booster.staged_predict_proba(x_valid)
                for iteration, proba in enumerate(stages, start=1):
                    if iteration not in TUNE_ITERATIONS:
                        continue
                    p = np.clip(proba[:, 1], eps, 1 - eps)
                    loss = float(-np.mean(np.where(y_valid, np.log(p), np.log(1 - p))))
                    params = {**shape, "max_iter": iteration}
                    tried.append([params, loss])
                    if best is None or loss < best[0]:
                        best = (loss, params)
        if best is None:  # no iteration count reached: nothing to choose from
            return {}
        return {"params": best[1], "log_loss": tried}

    def _fit_one(
        self, features: pd.DataFrame, y: np.ndarray, prior: float, directions: dict[str, int],
        name: str = "model", last: np.ndarray | None = None,
    ) -> tuple[Pipeline | None, float]:
        """A calibrated model, or ``None`` when the labels cannot support one; and a base rate.
        With ``tune`` and ``last`` (the rows of the validation part), its trees are chosen by
        :meth:`_tuned` first (recorded in ``tuned_[name]``)."""
        n_pos = int(y.sum())
        n_neg = len(y) - n_pos
        base_rate = float((n_pos + self.smoothing * prior) / (len(y) + self.smoothing))
        if min(n_pos, n_neg) < MIN_CLASS_ROWS or len(y) < self.min_outcomes:
            return None, base_rate
        params: dict[str, Any] = {}
        if self.tune and last is not None:
            matrix = features[list(FEATURE_COLUMNS)].to_numpy(dtype=float)
            found = self._tuned(matrix, y, np.asarray(last, dtype=bool), directions)
            self.tuned_[name] = found
            params = found.get("params", {})
        model = self._make_model(y, directions, **params)
        with self._threads():
            model.fit(features, y.astype(int))
        return model, base_rate

    def _fit_linear(self, name: str, booster: Pipeline | None, features: pd.DataFrame, y: np.ndarray) -> None:
        """With ``linear_parts``, part ``name``'s logistic model of its :data:`LINEAR_DESIGNS`
        inputs, beside a fitted booster (none where the labels could not support one)."""
        if self.linear_parts and booster is not None:
            self.linear_[name] = LogisticRegression(C=LINEAR_C, max_iter=3000).fit(
                LINEAR_DESIGNS[name](features), np.asarray(y).astype(int))

    def fit(
        self,
        candidates: pd.DataFrame,
        offers: pd.DataFrame,
        history: pd.DataFrame | None = None,
    ) -> Ranker:
        """Learn from ``history`` (validated here); return ``self``.

        Only proposals whose candidate and offer are in the frames can be described, so only
        they train the models; all rows still feed the history statistics. Frames with profile
        versions (``valid_from``/``valid_to``, docs/ranker-as-of.md) describe each proposal by
        the profiles as they were when it was made; plain frames by today's.
        """
        candidates = (validate_candidate_versions(candidates) if is_versioned(candidates)
                      else validate_candidates(candidates))
        offers = validate_offer_versions(offers) if is_versioned(offers) else validate_offers(offers)
        if history is None:
            history = pd.DataFrame({c: [] for c in HISTORY_COLUMNS})
        history = validate_history(history)
        steps = tqdm(total=3, desc="träning/training", disable=not self.verbose, unit="steg")

        self.history_stats_ = HistoryStats.from_history(history, offers, smoothing=self.smoothing)
        self.training_snapshot_ = snapshot_id(history)
        self.n_training_rows_ = len(history)
        features = history_features(candidates, offers, history, self.smoothing)
        known = history.loc[features.index]
        answered, accepted = accept_labels(known)
        visited, success = success_labels(known)
        self.n_outcomes_ = int(answered.sum())
        self.n_visits_ = int(visited.sum())
        # The validation part for tuning: the training history's last quarter (proposals are
        # dated by quarter; their features only know the quarters before their own).
        quarter = known["proposed_on"].dt.to_period("Q").to_numpy()
        last = quarter == quarter.max() if len(quarter) else np.zeros(0, dtype=bool)
        self.tuned_ = {}
        steps.update()

        stats = self.history_stats_
        self.accept_model_, self.accept_rate_ = self._fit_one(
            features[answered], accepted[answered], stats.accept_prior, ACCEPT_MONOTONIC,
            "accept", last[answered],
        )
        self.linear_ = {}
        self._fit_linear("accept", self.accept_model_, features[answered], accepted[answered])
        steps.update()
        if self.split_success:
            held, showed, came, good = visit_labels(known)
            n_held = int(held.sum())
            # Shares of visits held, attended and good: priors from the history's overall rates.
            self.held_rate_ = float((n_held + self.smoothing * (1 - CANCEL_PRIOR))
                                    / (self.n_visits_ + self.smoothing))
            self.show_model_, self.show_rate_ = self._fit_one(
                features[held], showed[held], 1 - stats.no_show_prior, SHOW_MONOTONIC,
                "show", last[held],
            )
            self._fit_linear("show", self.show_model_, features[held], showed[held])
            self.good_model_, self.good_rate_ = self._fit_one(
                features[came], good[came], stats.good_prior, GOOD_MONOTONIC, "good", last[came],
            )
            self._fit_linear("good", self.good_model_, features[came], good[came])
            self.success_model_ = None
            self.success_rate_ = self.held_rate_ * self.show_rate_ * self.good_rate_
            learned = [self.show_model_, self.good_model_]
        else:
            self.success_model_, self.success_rate_ = self._fit_one(
                features[visited], success[visited], stats.completion_prior, SUCCESS_MONOTONIC,
                "success", last[visited],
            )
            learned = [self.success_model_]
        self.split_success_ = bool(self.split_success)
        steps.update()
        steps.close()
        has_model = self.accept_model_ is not None or any(m is not None for m in learned)
        self.blend_weight_ = self._blend(self.n_outcomes_) if has_model else 0.0
        return self

    # --- scoring --------------------------------------------------------------------------

    def _is_fitted(self) -> bool:
        return hasattr(self, "blend_weight_")

    def _probabilities(self, model: Pipeline | None, rate: float, features: pd.DataFrame
                       ) -> np.ndarray:
        if model is None or len(features) == 0:  # scikit-learn refuses zero-row input
            return np.full(len(features), rate)
        with self._threads():
            if not _passes_features_through(model):
                return model.predict_proba(features)[:, 1]
            # The first step only picks FEATURE_COLUMNS in order: the calibrated model gets that
            # matrix directly, without the transformer's per-call checks and copies, and only
            # one row of each group its trees cannot tell apart (see _distinct_rows): the same
            # numbers; one offer's 15,000 candidates were 700-1,400 groups (benchmark data).
            calibrated = model[-1]
            matrix = features[list(FEATURE_COLUMNS)].to_numpy(dtype=float)  # column-major
            splits = _split_points(calibrated)
            if splits is None:
                return calibrated.predict_proba(np.ascontiguousarray(matrix))[:, 1]
            first, group = _distinct_rows(matrix, splits)
            return calibrated.predict_proba(np.ascontiguousarray(matrix[first]))[:, 1][group]

    def success_parts(self) -> list[tuple[str, Pipeline | None, float]]:
        """The parts of a visit's success: name, fitted booster and the base rate used in its
        place, in the order scoring multiplies them (after the share of visits held, with
        ``split_success``)."""
        if getattr(self, "split_success_", False):
            return [("show", self.show_model_, self.show_rate_), ("good", self.good_model_, self.good_rate_)]
        return [("success", self.success_model_, self.success_rate_)]

    def part_probabilities(self, name: str, model: Pipeline | None, rate: float, features: pd.DataFrame
                           ) -> np.ndarray:
        """Part ``name``'s probability for each row of a feature frame: the booster's (or the base
        rate), averaged in log-odds with the part's logistic model when it has one."""
        p = self._probabilities(model, rate, features)
        linear = self.linear_.get(name)
        if linear is None or len(features) == 0:
            return p
        boosted = logit(np.clip(p, 1e-6, 1 - 1e-6))
        return expit((boosted + linear.decision_function(LINEAR_DESIGNS[name](features))) / 2)

    def _scores(self, features: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """score, p_accept and p_success for each row of a feature frame."""
        score = content_score(features)
        weight = self.blend_weight_ if self._is_fitted() else 0.0
        p_accept = np.full(len(features), np.nan)
        p_success = np.full(len(features), np.nan)
        if weight > 0:
            p_accept = self.part_probabilities("accept", self.accept_model_, self.accept_rate_, features)
            split = getattr(self, "split_success_", False)  # a model saved before: one success model
            p_success = np.full(len(features), self.held_rate_ if split else 1.0)
            for name, model, rate in self.success_parts():
                p_success = p_success * self.part_probabilities(name, model, rate, features)
            score = (1.0 - weight) * score + weight * p_accept * p_success
        return score, p_accept, p_success

    def _predict_chunk(
        self,
        candidates: pd.DataFrame | EncodedCandidates,
        offers: pd.DataFrame,
        pairs: pd.DataFrame,
        history: pd.DataFrame | HistoryStats | None,
        reasons: bool = True,
    ) -> pd.DataFrame:
        features, details = build_pair_features(candidates, offers, pairs, history)
        score, p_accept, p_success = self._scores(features)
        columns = {
            "candidate_id": features["candidate_id"].to_numpy(),
            "offer_id": features["offer_id"].to_numpy(),
            "score": score,
            "p_accept": p_accept,
            "p_success": p_success,
        }
        if reasons:
            columns["reasons"], columns["considerations"] = explain(features, details)
        return pd.DataFrame(columns)

    def predict_pairs(
        self,
        candidates: pd.DataFrame | EncodedCandidates,
        offers: pd.DataFrame,
        pairs: pd.DataFrame,
        history: pd.DataFrame | None = None,
        *,
        reasons: bool = True,
    ) -> pd.DataFrame:
        """Score each pair: ``candidate_id, offer_id, score, p_accept, p_success, reasons``.

        Frames must already be validated (``matcher.io``); this is the hot path. ``candidates``
        may also be their :class:`~matcher.features.EncodedCandidates`. ``score`` is
        higher for better pairs. ``p_accept``/``p_success`` are NaN while the content score
        ranks alone. ``history`` replaces the fitted history statistics, so a model trained
        last quarter can score with this quarter's outcomes without refitting. With
        ``reasons=False`` the ``reasons`` and ``considerations`` columns are left out (a fifth to
        two fifths of the cost).
        """
        if history is not None:
            source: pd.DataFrame | HistoryStats | None = HistoryStats.from_history(
                history, offers, smoothing=self.smoothing
            )
        else:
            source = self.history_stats_ if self._is_fitted() else None
        if len(pairs) <= CHUNK_SIZE:
            return self._predict_chunk(candidates, offers, pairs, source, reasons)
        starts = range(0, len(pairs), CHUNK_SIZE)
        chunks = [
            self._predict_chunk(candidates, offers, pairs.iloc[i : i + CHUNK_SIZE], source, reasons)
            for i in tqdm(starts, desc="poäng/scoring", unit="chunk", disable=not self.verbose)
        ]
        return pd.concat(chunks, ignore_index=True)

    def predict_as_of(
        self,
        candidates: pd.DataFrame,
        offers: pd.DataFrame,
        rows: pd.DataFrame,
        history: pd.DataFrame | None = None,
    ) -> pd.DataFrame:
        """Score history rows (``candidate_id``, ``offer_id``, ``proposed_on``/``as_of``) with the
        profiles as they were when each was proposed (frames with or without versions, validated):
        ``candidate_id, offer_id, score, p_accept, p_success`` in the rows' order. ``history``
        replaces the fitted history statistics, as in :meth:`predict_pairs`."""
        source: HistoryStats | None
        if history is not None:
            source = HistoryStats.from_history(history, offers, smoothing=self.smoothing)
        else:
            source = self.history_stats_ if self._is_fitted() else None
        features, _ = as_of_pair_features(candidates, offers, rows, source)
        score, p_accept, p_success = self._scores(features)
        return pd.DataFrame({
            "candidate_id": features["candidate_id"].to_numpy(), "offer_id": features["offer_id"].to_numpy(),
            "score": score, "p_accept": p_accept, "p_success": p_success,
        })

    def predict_all(self, candidates: pd.DataFrame, offers: pd.DataFrame) -> pd.DataFrame:
        """Score every candidate against every offer."""
        return self.predict_pairs(candidates, offers, all_pairs(candidates, offers))

    def _ranked(
        self, candidates: pd.DataFrame, offers: pd.DataFrame, pairs: pd.DataFrame,
        limit: int | None,
    ) -> pd.DataFrame:
        """``pairs`` scored, best first, at most ``limit`` rows. With a limit, every pair is
        scored without reasons and only the rows returned get them (the best 20 of 14,650
        candidates for an offer: 92 ms instead of 127 ms, the same rows and reasons)."""
        if not limit or limit >= len(pairs):
            scored = self.predict_pairs(candidates, offers, pairs)
            return scored.sort_values("score", ascending=False, kind="stable").reset_index(
                drop=True)
        scored = self.predict_pairs(candidates, offers, pairs, reasons=False)
        top = scored.sort_values("score", ascending=False, kind="stable").head(limit)
        top = top.reset_index(drop=True)
        # Only the rows of the pairs returned: feature encoding costs per row of the frames, and a
        # pair's features depend on its own candidate and offer alone.
        features, details = build_pair_features(
            candidates[candidates["candidate_id"].isin(top["candidate_id"])],
            offers[offers["offer_id"].isin(top["offer_id"])],
            top, self.history_stats_ if self._is_fitted() else None,
        )
        top["reasons"], top["considerations"] = explain(features, details)
        return top

    def rank_candidates(
        self, candidates: pd.DataFrame | EncodedCandidates, offers: pd.DataFrame, offer_id: str,
        limit: int | None = None,
    ) -> pd.DataFrame:
        """All candidates for one offer, best first (at most ``limit`` rows).

        ``candidates`` is a validated frame or, faster, its
        :class:`~matcher.features.EncodedCandidates` (encoded once, subsets taken per call): the
        same rows, scores and reasons either way."""
        _require_id(offers, "offer_id", offer_id, "offers.csv")
        if isinstance(candidates, EncodedCandidates):
            return self._rank_encoded(candidates, offers, offer_id, limit)
        pairs = pd.DataFrame(
            {"candidate_id": candidates["candidate_id"].to_numpy(), "offer_id": offer_id}
        )
        return self._ranked(candidates, offers, pairs, limit)

    def _rank_encoded(
        self, candidates: EncodedCandidates, offers: pd.DataFrame, offer_id: str,
        limit: int | None,
    ) -> pd.DataFrame:
        """:meth:`rank_candidates` from encoded candidates: features straight from the encoded
        arrays (no pair table, no id lookups), reasons only for the rows returned."""
        features, details = offer_features(
            candidates, offers, offer_id, self.history_stats_ if self._is_fitted() else None
        )
        score, p_accept, p_success = self._scores(features)
        # The frame path's order: a stable sort by score, best first (ties keep the input order).
        order = pd.Series(score).sort_values(ascending=False, kind="stable").index.to_numpy()
        if limit:
            order = order[:limit]
        reasons, considerations = explain(features.take(order), details.take(order))
        return pd.DataFrame({
            "candidate_id": candidates.candidate_id[order],
            "offer_id": np.full(len(order), offer_id, dtype=object),
            "score": score[order],
            "p_accept": p_accept[order],
            "p_success": p_success[order],
            "reasons": reasons,
            "considerations": considerations,
        })

    def rank_offers(
        self, candidates: pd.DataFrame, offers: pd.DataFrame, candidate_id: str,
        limit: int | None = None,
    ) -> pd.DataFrame:
        """All offers for one candidate, best first (at most ``limit`` rows)."""
        _require_id(candidates, "candidate_id", candidate_id, "candidates.csv")
        pairs = pd.DataFrame(
            {"candidate_id": candidate_id, "offer_id": offers["offer_id"].to_numpy()}
        )
        return self._ranked(candidates, offers, pairs, limit)

    def summary(self) -> dict[str, Any]:
        """Plain facts about the fitted state, for metadata and the CLI."""
        if not self._is_fitted():
            return {"fitted": False, "blend_weight": 0.0}
        return {
            "fitted": True,
            "n_training_rows": self.n_training_rows_,
            "n_outcomes": self.n_outcomes_,
            "n_visits": self.n_visits_,
            "blend_weight": self.blend_weight_,
            "accept_model": self.accept_model_ is not None,
            "linear_parts": sorted(self.linear_),
            "success_model": self.success_model_ is not None,
            "split_success": getattr(self, "split_success_", False),
            "tuned": {name: found.get("params") for name, found in getattr(self, "tuned_", {}).items()},
            "accept_rate": self.accept_rate_,
            "success_rate": self.success_rate_,
            "training_snapshot": self.training_snapshot_,
        }


def _passes_features_through(model: Pipeline) -> bool:
    """Whether the pipeline's first step only passes :data:`FEATURE_COLUMNS` on, in order, to
    a model fitted without column names (as :meth:`Ranker._make_model` builds it)."""
    if len(model.steps) != 2 or hasattr(model[-1], "feature_names_in_"):
        return False
    columns = model[0]
    if not isinstance(columns, ColumnTransformer) or not hasattr(columns, "transformers_"):
        return False
    passed: list[str] = []
    for _name, transformer, selected in columns.transformers_:
        if isinstance(transformer, str):
            if transformer == "drop":
                continue
            if transformer != "passthrough":
                return False
        elif not (isinstance(transformer, FunctionTransformer) and transformer.func is None):
            return False
        passed.extend(selected)
    return passed == list(FEATURE_COLUMNS)


#: Each feature's column and the sorted thresholds the trees compare it with; ``None`` for a
#: categorical feature, which they compare by value.
Splits = tuple[tuple[int, np.ndarray | None], ...]
#: Per calibrated model: its Splits (see _split_points), with the fitted list they were read from.
_SPLITS: weakref.WeakKeyDictionary[Any, tuple[Any, Splits | None]] = weakref.WeakKeyDictionary()
_SPLITS_LOCK = threading.Lock()


def _split_points(calibrated: Any) -> Splits | None:
    """Each feature the boosters of a fitted ``CalibratedClassifierCV`` look at, with the
    thresholds they compare it with; ``None`` when the model is not made of
    ``HistGradientBoostingClassifier`` trees that can be read (then every row is scored)."""
    with _SPLITS_LOCK:
        try:
            kept = _SPLITS.get(calibrated)
            fitted = calibrated.calibrated_classifiers_
        except (AttributeError, TypeError):
            return None
        if kept is not None and kept[0] is fitted:  # refitting makes a new list
            return kept[1]
        splits = _read_splits(fitted)
        _SPLITS[calibrated] = (fitted, splits)
        return splits


def _read_splits(fitted: list[Any]) -> Splits | None:
    thresholds: dict[int, list[float]] = {}
    by_value: set[int] = set()
    try:
        for member in fitted:
            booster = member.estimator
            if not isinstance(booster, HistGradientBoostingClassifier):
                return None
            origin, categorical = _booster_columns(booster)
            if origin is None:
                return None
            by_value.update(categorical)
            for iteration in booster._predictors:  # scikit-learn's fitted trees
                for tree in iteration:
                    nodes = tree.nodes[~tree.nodes["is_leaf"].astype(bool)]
                    columns = origin[nodes["feature_idx"]].tolist()
                    for column, threshold, is_categorical in zip(
                        columns, nodes["num_threshold"].tolist(),
                        nodes["is_categorical"].astype(bool).tolist(), strict=True,
                    ):
                        if is_categorical:
                            by_value.add(column)
                        else:
                            thresholds.setdefault(column, []).append(threshold)
    except (AttributeError, IndexError, KeyError, TypeError, ValueError):
        return None
    return tuple(
        (column, None if column in by_value else np.unique(thresholds[column]))
        for column in sorted(by_value | set(thresholds))
    )


def _booster_columns(booster: HistGradientBoostingClassifier) -> tuple[np.ndarray | None, set[int]]:
    """Which input column each of the trees' features is, and the categorical columns.

    With categorical features the booster reorders its input (scikit-learn >= 1.4): an ordinal
    encoder's columns first, then the numeric ones passed on unchanged. The trees' feature
    indices count in that order; categories are compared by their encoded value, so rows with
    the same input value go the same way."""
    n_features = booster.n_features_in_
    preprocessor = getattr(booster, "_preprocessor", None)
    if preprocessor is None:
        return np.arange(n_features), set()
    origin = np.full(n_features, -1)
    categorical: set[int] = set()
    for name, _transformer, selection in preprocessor.transformers_:
        if name not in ("encoder", "numerical", "remainder"):
            return None, set()
        out = preprocessor.output_indices_[name]
        selected = np.arange(n_features)[selection]
        if len(selected) != out.stop - out.start:
            return None, set()
        origin[out] = selected
        if name == "encoder":
            categorical.update(selected.tolist())
    if (origin < 0).any():
        return None, set()
    return origin, categorical


def _distinct_rows(matrix: np.ndarray, splits: Splits) -> tuple[np.ndarray, np.ndarray]:
    """Group rows the trees cannot tell apart: (a row of each group, each row's group).

    A tree node sends a row left when its value is NaN and the node says so, or when the value
    is at most the node's threshold (a categorical node: by the value itself); nothing else of
    the row is read. Rows whose values fall, feature by feature, in the same interval between
    the thresholds (or are NaN, or the same category) therefore reach the same leaves of every
    tree and get exactly the same probability. Features no tree splits on are ignored."""
    key = np.zeros(len(matrix), dtype=np.int64)
    size = 1
    for column, thresholds in splits:
        values = matrix[:, column]
        if thresholds is None:
            codes, uniques = pd.factorize(values, use_na_sentinel=False)
            n_codes = len(uniques)
        else:
            # side="left": value <= thresholds[i] exactly when its code is at most i.
            codes = np.searchsorted(thresholds, values, side="left")
            codes[np.isnan(values)] = len(thresholds) + 1
            n_codes = len(thresholds) + 2
        if size > np.iinfo(np.int64).max // max(n_codes, 1) // 2:
            key = pd.factorize(key)[0].astype(np.int64)  # renumber densely before it overflows
            size = int(key.max()) + 1
        key = key * n_codes + codes
        size *= max(n_codes, 1)
    group, keys = pd.factorize(key)
    rows = np.empty(len(keys), dtype=np.intp)
    rows[group] = np.arange(len(key))  # any row of a group stands for it: here its last
    return rows, group


@cache
def _controller() -> ThreadpoolController:
    """One scan of the loaded thread pools per process; scanning costs milliseconds per call."""
    return ThreadpoolController()


def _require_id(frame: pd.DataFrame, column: str, value: str, file: str) -> None:
    if not (frame[column] == value).any():
        raise InterchangeError(file, None, column, f"okänt id '{value}' — unknown id '{value}'")


def all_pairs(candidates: pd.DataFrame, offers: pd.DataFrame) -> pd.DataFrame:
    """Every candidate × offer combination, offer-major (all candidates of the first offer...)."""
    cand = candidates["candidate_id"].to_numpy()
    offer = offers["offer_id"].to_numpy()
    return pd.DataFrame(
        {"candidate_id": np.tile(cand, len(offer)), "offer_id": np.repeat(offer, len(cand))}
    )
