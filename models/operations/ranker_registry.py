"""The ranker model registry: model files under MODEL_DIR with a RankerModel row each (metadata
and evaluation), the activation rule, and the loaded active model through which the app scores
without a restart.

Activation rule. A new model is trained on all history. Its parameters are judged the honest
way (`matcher.evaluate`: fitted on the earlier quarters, tested on the latest quarter with
answered proposals) and its NDCG@5 over that quarter's offers is compared with the active
model's on the same proposals, scored with the same earlier-quarter history statistics. The
new model becomes active only when it is not worse (or with `force`). When no model is active,
or the active one cannot be loaded, the app scores with the content score, and the new model
is activated: the ranker blends its learned part in from the content score as outcomes grow,
so it starts out as the content score. When the history cannot be split (no earlier quarter),
the active model is kept. The active model may have been trained on part of the test quarter,
which can only favour keeping it.
"""

from __future__ import annotations

import logging
import secrets
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, Optional

import numpy as np
import pandas as pd
import sqlalchemy as sa
from sqlalchemy.orm import Session

import matcher
from matcher import IncompatibleModelError, ModelFileError, Ranker, load_model, save_model

from .. import clock
from ..system import RankerModel
from .errors import N_
from .matching import ScoringModel, content_only, training_frames

log = logging.getLogger(__name__)

#: NDCG cut the activation rule compares on.
K = 5
#: Bootstrap resamples for the confidence intervals shown on the registry page.
N_BOOT = 500
RANDOM_STATE = 0
#: Two NDCG values closer than this are equal (floating-point noise, not a difference).
TOLERANCE = 1e-9

Echo = Callable[[str], None]


# --- loading the active model ----------------------------------------------------------------------
def model_path(model_dir: str | Path, stored: str) -> Path:
    """The file of a registry row; refused (ModelFileError) outside MODEL_DIR, since only files
    this programme wrote may be unpickled."""
    root = Path(model_dir).resolve()
    path = (root / stored).resolve()
    if not path.is_relative_to(root):
        raise ModelFileError(f"{stored}: ligger utanför modellkatalogen — outside the model directory")
    return path


def load_scoring_model(row: Optional[RankerModel], model_dir: str | Path) -> ScoringModel:
    """The registry row's model ready to score, or the content score with a plain notice why."""
    if row is None:
        return content_only()
    try:
        path = model_path(model_dir, row.path)
        if not path.is_file():
            log.warning("active ranker model %s: file %s is missing", row.id, path)
            return content_only(N_("Filen för den aktiva modellen (nr %(id)s) saknas – förslagen bygger på "
                                   "innehållsmatchning. Träna en ny modell.", id=row.id))
        ranker, _metadata = load_model(path)
    except IncompatibleModelError as exc:
        log.warning("active ranker model %s cannot be used: %s", row.id, exc)
        return content_only(N_("Den aktiva modellen (nr %(id)s) är sparad med andra programversioner – förslagen "
                               "bygger på innehållsmatchning. Träna en ny modell.", id=row.id))
    except ModelFileError as exc:
        log.warning("active ranker model %s cannot be read: %s", row.id, exc)
        return content_only(N_("Filen för den aktiva modellen (nr %(id)s) är skadad – förslagen bygger på "
                               "innehållsmatchning. Träna en ny modell.", id=row.id))
    return ScoringModel(ranker, row.id, None)


def _active(*columns: Any) -> sa.Select[Any]:
    """The active row (the latest activated, should there ever be two), as `columns`."""
    return (sa.select(*columns).where(RankerModel.active.is_(True))
            .order_by(RankerModel.activated_at.desc().nulls_last(), RankerModel.id.desc()).limit(1))


def active_row(session: Session) -> Optional[RankerModel]:
    return session.scalar(_active(RankerModel))


class ActiveModelCache:
    """The active model, loaded once per process and shared by its requests: the one thing the
    app keeps in memory between requests (docs/architecture.md).

    Which model is active is read on every call (one query on the indexed `active` column, in
    the caller's transaction), so a model activated by any process or host is used from the
    next request on. The file is loaded only when the active row's id or file changes: the app
    never rewrites a registered file (each training writes a new one).
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._key: Optional[tuple[Any, ...]] = None
        self._model: Optional[ScoringModel] = None

    def get(self, session: Session, model_dir: str | Path) -> ScoringModel:
        active = session.execute(_active(RankerModel.id, RankerModel.path)).first()
        return self.get_row(session, model_dir, *(active if active is not None else (None, None)))

    def get_row(self, session: Session, model_dir: str | Path, model_id: Optional[int],
                path: Optional[str]) -> ScoringModel:
        """The registry row `model_id` stored at `path` (None: the content score), loaded when
        either differs from the one loaded (a duel's challenger has a cache of its own)."""
        key = (str(model_dir), model_id, path)
        with self._lock:  # one thread loads a new model; the others wait for it rather than load it too
            if self._model is None or key != self._key:
                row = session.get(RankerModel, model_id) if model_id is not None else None
                self._model, self._key = load_scoring_model(row, model_dir), key
            return self._model


# --- training, evaluation and activation -------------------------------------------------------------
def _ndcg(ranker: Ranker, candidates: pd.DataFrame, offers: pd.DataFrame, train: pd.DataFrame,
          test: pd.DataFrame) -> Optional[float]:
    """Mean NDCG@K over the test quarter's offers, the way matcher.evaluate scores a ranker:
    answered proposals of known pairs, ties broken with the same seed, history statistics from
    the earlier quarters only."""
    from matcher.evaluation import ndcg_by_group, relevance  # training only: not loaded to serve pages

    known = test[test["candidate_id"].isin(candidates["candidate_id"]) & test["offer_id"].isin(offers["offer_id"])]
    gains = relevance(known)
    judged = ~np.isnan(gains)
    known, gains = known[judged], gains[judged]
    if known.empty:
        return None
    scored = ranker.predict_as_of(candidates, offers, known, history=train)  # the profiles of the proposal's time
    values = ndcg_by_group(known["offer_id"].to_numpy(), scored["score"].to_numpy(), gains, K,
                           np.random.default_rng(RANDOM_STATE))
    return float(values.mean()) if len(values) else None


def _summary(report: dict[str, Any]) -> dict[str, Any]:
    """What the registry page shows of an evaluation report: NDCG per scorer with CIs, calibration."""
    scorers = ("learned", "content", "popularity", "random")
    ndcg = {f"ndcg@{k}": {name: report["ndcg"][name][f"ndcg@{k}"] for name in scorers} for k in (5, 10)}
    return {"split": report["split"], "ndcg": ndcg, "brier": report["brier"],
            "learned_minus_content": report["learned_minus_content"]}


def _decide(force: bool, active: Optional[RankerModel], active_usable: bool, new: Optional[float],
            old: Optional[float], evaluation_error: Optional[str]) -> tuple[bool, str]:
    if force:
        return True, "forced"
    if active is None or not active_usable:
        return True, "no_usable_active_model"
    if evaluation_error is not None or new is None:
        return False, "not_evaluated"
    if old is None or new + TOLERANCE >= old:
        return True, "not_worse"
    return False, "worse"


def _model_file_name(snapshot: str) -> str:
    return f"ranker-{clock.now():%Y%m%dT%H%M%S}-{snapshot}-{secrets.token_hex(3)}.joblib"


def train_and_maybe_activate(
    session: Session,
    model_dir: str | Path,
    force: bool = False,
    *,
    progress: bool = False,
    echo: Echo = lambda _message: None,
    activate_new: bool = True,
) -> Optional[RankerModel]:
    """Export the history, train, evaluate against the active model, save and register the new
    model, and activate it by the rule above (always with `force`; never with `activate_new=False`,
    for a challenger that is to prove itself in use first: models/operations/ranker_duel.py).
    Returns the new row (active or not), or None when there is no history to learn from.
    Flushes; the caller commits."""
    from matcher.evaluation import EvaluationError, evaluate, temporal_split  # not loaded to serve pages

    echo("Hämtar kandidater, erbjudanden (med profilernas historik) och förslag ur databasen …")
    # Each proposal is learnt from with the profiles as they were when it was made (docs/ranker-as-of.md).
    candidates, offers, history = training_frames(session)
    echo(f"  {candidates['candidate_id'].nunique()} kandidater, {offers['offer_id'].nunique()} erbjudanden, "
         f"{len(history)} förslag i historiken.")
    if history.empty:
        echo("Ingen historik att lära av ännu: ingen modell tränas.")
        return None

    echo("Utvärderar på senaste kvartalet (tränar på kvartalen före) …")
    report: Optional[dict[str, Any]] = None
    evaluation_error: Optional[str] = None
    new_score = old_score = None
    active = active_row(session)
    active_model = load_scoring_model(active, model_dir) if active is not None else None
    active_usable = active_model is not None and active_model.model_id is not None
    try:
        report = evaluate(candidates, offers, history, k=(5, 10), n_boot=N_BOOT, random_state=RANDOM_STATE,
                          progress=progress)
        new_score = report["ndcg"]["learned"][f"ndcg@{K}"]["mean"]
        if active_usable and active_model is not None:
            train, test = temporal_split(history)
            old_score = _ndcg(active_model.ranker, candidates, offers, train, test)
    except EvaluationError as exc:
        evaluation_error = str(exc)
        echo(f"  Kan inte utvärdera: {exc}")
    activate, reason = _decide(force, active, active_usable, new_score, old_score, evaluation_error)
    offline_reason = reason
    if not activate_new:
        activate, reason = False, "challenger"

    echo("Tränar den nya modellen på all historik …")
    ranker = Ranker(random_state=RANDOM_STATE, verbose=progress).fit(candidates, offers, history)
    metrics: dict[str, Any] = {
        "decision": "activated" if activate else "kept",
        "reason": reason,
        "offline_reason": offline_reason,
        "k": K,
        "new_ndcg": new_score,
        "active_ndcg": old_score,
        "compared_with": active.id if active is not None else None,
        "evaluation": _summary(report) if report is not None else None,
        "evaluation_error": evaluation_error,
        "ranker": ranker.summary(),
        "n_candidates": int(candidates["candidate_id"].nunique()),
        "n_offers": int(offers["offer_id"].nunique()),
    }
    directory = Path(model_dir)
    directory.mkdir(parents=True, exist_ok=True)
    name = _model_file_name(ranker.training_snapshot_)
    save_model(ranker, directory / name, metadata={"evaluation": metrics["evaluation"], "decision": reason},
               saved_at=clock.now())
    row = RankerModel(path=name, snapshot_id=ranker.training_snapshot_, n_history=len(history),
                      code_version=matcher.__version__, metrics=metrics)
    session.add(row)
    session.flush()
    if activate:
        activate_model(session, row)
    echo(f"Modell nr {row.id} sparad ({name}): {_decision_text(metrics)}")
    return row


def activate_model(session: Session, row: RankerModel) -> None:
    """Make `row` the one active model (a running duel with another model ends: ranker_duel)."""
    from .ranker_duel import end_replaced

    end_replaced(session, row)
    session.execute(
        sa.update(RankerModel).where(RankerModel.id != row.id, RankerModel.active.is_(True)).values(active=False)
        .execution_options(synchronize_session="fetch")
    )
    row.active = True
    row.activated_at = clock.now()
    session.flush()


def _number(value: Optional[float]) -> str:
    return "–" if value is None else f"{value:.3f}"


def _decision_text(metrics: dict[str, Any]) -> str:
    new, old = _number(metrics["new_ndcg"]), _number(metrics["active_ndcg"])
    return {
        "forced": f"aktiverad med --force (NDCG@{K} ny {new}, aktiv {old}).",
        "no_usable_active_model": f"aktiverad: ingen användbar modell var aktiv (NDCG@{K} {new}).",
        "not_evaluated": "inte aktiverad: historiken räcker inte för en utvärdering; den aktiva modellen behålls.",
        "not_worse": f"aktiverad: inte sämre än den aktiva (NDCG@{K} ny {new}, aktiv {old}).",
        "worse": f"inte aktiverad: sämre än den aktiva (NDCG@{K} ny {new}, aktiv {old}).",
        "challenger": f"utmanare: prövas mot den aktiva i användning (NDCG@{K} ny {new}, aktiv {old}).",
    }[metrics["reason"]]
