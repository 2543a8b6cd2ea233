"""The transparent content score: a weighted average of plain fit components, in [0, 1].

It ranks on day one, before any outcome is known, and stays the baseline the learned models
must beat. Each component is a number in [0, 1]; the score is their weighted mean.

==============  ======  ===================================================================
component       weight  value
==============  ======  ===================================================================
interest        0.35    1 if the offer's field is one of the candidate's interests, else 0
swedish         0.20    1 at or above the offer's minimum level; 0.4 one step below; 0 two
                        or more steps below
weekdays        0.15    0 with no common weekday, 0.75 with one, 1 with two or more
distance        0.15    exp(-km / 10): 1 next door, 0.37 at 10 km, 0.14 at 20 km
language        0.10    1 if candidate and workplace share a language, else 0
hours           0.05    1 if the visit lasts 4–8 hours (the length that counts toward the
                        programme goal), else 0
==============  ======  ===================================================================

When either side lacks coordinates the distance component is left out and the remaining
weights are renormalised: a missing location is neither good nor bad, and guessing one would
be worse than not using it.

Accessibility is a gate, not a weight: when the candidate needs an accessible workplace and the
offer is not accessible, the score is multiplied by 0.25. A weight could be outvoted by the other
components; an inaccessible workplace should sink the pair however well it fits otherwise.
"""

from __future__ import annotations

from typing import Final

import numpy as np
import pandas as pd

WEIGHTS: Final[dict[str, float]] = {
    "interest": 0.35,
    "swedish": 0.20,
    "weekdays": 0.15,
    "distance": 0.15,
    "language": 0.10,
    "hours": 0.05,
}
ACCESSIBILITY_GATE: Final[float] = 0.25
DISTANCE_SCALE_KM: Final[float] = 10.0
GOAL_HOURS: Final[tuple[float, float]] = (4.0, 8.0)


def content_components(features: pd.DataFrame) -> dict[str, np.ndarray]:
    """Each component of :data:`WEIGHTS` as an array in [0, 1]; distance is NaN when unknown."""
    margin = features["swedish_margin"].to_numpy(dtype=float)
    overlap = features["weekday_overlap"].to_numpy(dtype=float)
    hours = features["hours"].to_numpy(dtype=float)
    return {
        "interest": features["interest_match"].to_numpy(dtype=float),
        "swedish": np.clip(1.0 + 0.6 * margin, 0.0, 1.0),
        "weekdays": np.select([overlap >= 2, overlap >= 1], [1.0, 0.75], 0.0),
        "distance": np.exp(-features["distance_km"].to_numpy(dtype=float) / DISTANCE_SCALE_KM),
        "language": features["shared_language"].to_numpy(dtype=float),
        "hours": ((hours >= GOAL_HOURS[0]) & (hours <= GOAL_HOURS[1])).astype(float),
    }


def content_score(features: pd.DataFrame) -> np.ndarray:
    """Content score in [0, 1] for each row of a :func:`matcher.features.pair_features` frame."""
    components = content_components(features)
    total = np.zeros(len(features))
    weight_sum = np.zeros(len(features))
    for name, weight in WEIGHTS.items():
        value = components[name]
        known = ~np.isnan(value)
        total += np.where(known, weight * value, 0.0)
        weight_sum += np.where(known, weight, 0.0)
    gate = np.where(features["accessibility_ok"].to_numpy(dtype=float) > 0, 1.0, ACCESSIBILITY_GATE)
    return gate * total / weight_sum
