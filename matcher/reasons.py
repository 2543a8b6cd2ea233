"""Human-readable reasons in Swedish: the 2–3 strongest things that speak for or against a pair.

Each kind of reason has a strength per pair and a text per pair; the strongest three are kept
and the third is dropped when it says little. Strengths follow the content score's weights
(:mod:`matcher.content`) plus history signals, so a reason always names something the
candidate, employer or project leader can check ("Svenska B1 (krav A2)", "3,2 km"). They explain
what drives fit; they are not an exact attribution of the learned models' output, which would
cost a model evaluation per feature and pair.

Texts are built by table lookups and per unique value, never by formatting each pair in Python,
so explaining 600,000 pairs costs about as much as scoring them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Final

import numpy as np
import pandas as pd

from matcher.content import DISTANCE_SCALE_KM, GOAL_HOURS, WEIGHTS
from matcher.features import PairDetails
from matcher.schema import CEFR, FIELD_SLUGS, FIELDS, WEEKDAY_LABELS, WEEKDAYS, language_name

MAX_REASONS: Final[int] = 3
#: A third reason weaker than this is left out ("2–3 reasons").
THIRD_REASON_MIN: Final[float] = 0.05
#: A company's rate needs this many proposals behind it before it is worth mentioning.
MIN_COMPANY_PROPOSALS: Final[int] = 3


def _decimal(value: float, digits: int = 1) -> str:
    """Swedish number formatting: decimal comma, no trailing ',0'."""
    text = f"{value:.{digits}f}".replace(".", ",")
    return text[:-2] if text.endswith(",0") else text


def _by_unique(values: np.ndarray, fmt: Callable[[float], str]) -> np.ndarray:
    """Format each distinct value once and spread the texts back over the rows."""
    if values.size == 0:
        return np.array([], dtype=object)
    unique, inverse = np.unique(values, return_inverse=True)
    return np.array([fmt(v) for v in unique], dtype=object)[inverse]


def _days_text(mask: int) -> str:
    days = [WEEKDAY_LABELS[d] for i, d in enumerate(WEEKDAYS) if mask >> i & 1]
    if not days:
        return "Inga gemensamma veckodagar"
    if len(days) > 2:
        return f"{len(days)} veckodagar passar"
    return " och ".join([days[0], *(d.lower() for d in days[1:])]) + " passar"


_DAY_TEXTS: Final[np.ndarray] = np.array([_days_text(m) for m in range(128)], dtype=object)
_INTEREST_YES: Final[np.ndarray] = np.array(
    [f"Intresse: {FIELDS[s]}" for s in FIELD_SLUGS], dtype=object
)
_INTEREST_NO: Final[np.ndarray] = np.array(
    [f"Inget uttalat intresse för {FIELDS[s]}" for s in FIELD_SLUGS], dtype=object
)
_SWEDISH: Final[np.ndarray] = np.array(
    [
        [f"Svenska {CEFR[c]} (krav {CEFR[o]})" if o else f"Svenska {CEFR[c]} (inget krav)"
         for o in range(len(CEFR))]
        for c in range(len(CEFR))
    ],
    dtype=object,
)


def _distance_text(km: float) -> str:
    return f"{_decimal(km)} km" if km < 10 else f"{km:.0f} km"


def _hours_text(hours: float) -> str:
    text = f"{_decimal(hours)} timmar"
    if GOAL_HOURS[0] <= hours <= GOAL_HOURS[1]:
        return text
    return f"{text} (räknas inte mot målet 4–8 h)"


def _times(n: float, one: str, many: str) -> str:
    return f"{n:.0f} {one if n == 1 else many}"


def explain(features: pd.DataFrame, details: PairDetails) -> list[list[str]]:
    """The 2–3 strongest reasons per row of a feature frame, strongest first."""
    n = len(features)
    if n == 0:
        return []
    interest = features["interest_match"].to_numpy() > 0
    margin = features["swedish_margin"].to_numpy()
    overlap = features["weekday_overlap"].to_numpy()
    distance = features["distance_km"].to_numpy()
    hours = features["hours"].to_numpy()
    needs = details.needs_accessible
    access_ok = features["accessibility_ok"].to_numpy() > 0
    known = ~np.isnan(distance)
    in_goal = (hours >= GOAL_HOURS[0]) & (hours <= GOAL_HOURS[1])

    # (strength, text) per kind of reason; a strength of 0 means "nothing to say".
    kinds: list[tuple[np.ndarray, np.ndarray]] = [
        (
            np.full(n, WEIGHTS["interest"]),
            np.where(interest, _INTEREST_YES[details.field_code],
                     _INTEREST_NO[details.field_code]),
        ),
        (
            np.where(margin < 0, 0.25 + 0.05 * -margin,
                     np.where(details.offer_level > 0, WEIGHTS["swedish"], 0.04)),
            _SWEDISH[details.candidate_level, details.offer_level],
        ),
        (np.where(overlap == 0, 0.30, WEIGHTS["weekdays"]), _DAY_TEXTS[details.common_days]),
        (
            np.where(
                known,
                WEIGHTS["distance"] * np.abs(2 * np.exp(-distance / DISTANCE_SCALE_KM) - 1),
                0.02,
            ),
            np.where(known, _by_unique(np.round(np.nan_to_num(distance), 1), _distance_text),
                     "Avstånd okänt"),
        ),
        (
            np.where(details.common_language != "",
                     WEIGHTS["language"] * np.where(margin < 0, 2.0, 1.0), 0.0),
            _by_unique_text(
                details.common_language, lambda c: f"Gemensamt språk: {language_name(c)}"
            ),
        ),
        (
            np.where(needs, np.where(access_ok, 0.25, 0.60), 0.0),
            np.where(access_ok, "Tillgänglig arbetsplats",
                     "Arbetsplatsen är inte tillgänglighetsanpassad"),
        ),
        (np.where(in_goal, 0.03, 0.08), _by_unique(hours, _hours_text)),
    ]
    if details.has_history:
        kinds.extend(_history_reasons(features, details.accept_prior))

    strengths = np.column_stack([s for s, _ in kinds])
    texts = np.column_stack([t for _, t in kinds])
    order = np.argsort(-strengths, axis=1, kind="stable")[:, :MAX_REASONS]
    picked = np.take_along_axis(texts, order, axis=1).tolist()
    weak_third = np.take_along_axis(strengths, order, axis=1)[:, -1] < THIRD_REASON_MIN
    for row in np.flatnonzero(weak_third):
        picked[row].pop()
    return picked


def _by_unique_text(values: np.ndarray, fmt: Callable[[str], str]) -> np.ndarray:
    """Like :func:`_by_unique` for strings; empty strings stay empty."""
    unique, inverse = np.unique(values.astype(str), return_inverse=True)
    return np.array([fmt(str(v)) if v else "" for v in unique], dtype=object)[inverse]


def _history_reasons(
    features: pd.DataFrame, accept_prior: float
) -> list[tuple[np.ndarray, np.ndarray]]:
    """Reasons from history: a company's acceptance, earlier no-shows, experience in the field."""
    rate = features["company_accept_rate"].to_numpy()
    proposals = features["company_proposals"].to_numpy()
    no_shows = features["candidate_no_shows"].to_numpy()
    field_visits = features["candidate_field_visits"].to_numpy()
    percent = np.round(rate * 100)
    return [
        (
            np.where(proposals >= MIN_COMPANY_PROPOSALS, 0.5 * np.abs(rate - accept_prior), 0.0),
            _by_unique(percent, lambda p: f"Företaget tackar ja till {p:.0f} %"),
        ),
        (
            0.12 * np.minimum(no_shows, 3),
            _by_unique(no_shows, lambda k: "Uteblivit " + _times(k, "gång", "gånger") + " förut"),
        ),
        (
            0.12 * np.minimum(field_visits, 2),
            _by_unique(field_visits,
                       lambda k: _times(k, "tidigare besök", "tidigare besök") +
                       " i samma yrkesområde"),
        ),
    ]
