"""Matcher: rank candidate–workplace pairs, plan a quarter's visits and evaluate honestly.

A pure library (numpy, pandas, scikit-learn, scipy): it takes and returns DataFrames in the
interchange format of DOMAIN.md and never touches Flask, SQLAlchemy or a request.

`import matcher` is cheap: each public name is imported from its module on first use (PEP 562),
so a program that only ranks (the web app) does not load the planner (SciPy's MILP solver), the
evaluation or the simulator. `plan` is a function here that imports the planner when called.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

#: Public name -> the module that defines it.
_EXPORTS: dict[str, str] = {
    "content_score": "content",
    **dict.fromkeys(("EvaluationError", "compare_as_of", "evaluate", "fairness_audit", "temporal_split"),
                    "evaluation"),
    **dict.fromkeys(("FEATURE_COLUMNS", "EncodedCandidates", "pair_features"), "features"),
    **dict.fromkeys((
        "InterchangeError", "read_candidates", "read_history", "read_offers", "read_pairs", "read_plan",
        "read_scores", "validate_candidates", "validate_history", "validate_offers", "validate_pairs",
        "write_candidates", "write_history", "write_offers", "write_plan", "write_scores",
        "profiles_at", "read_candidate_versions", "read_offer_versions", "validate_candidate_versions",
        "validate_offer_versions",
    ), "io"),
    **dict.fromkeys(("IncompatibleModelError", "ModelFileError", "load_model", "save_model"), "persistence"),
    **dict.fromkeys(("SequentialSignTest", "credits", "simulate_duels", "team_draft", "winner"), "interleaving"),
    "PlanResult": "planner",
    "Ranker": "ranker",
    **dict.fromkeys(("CEFR", "FIELDS", "TARGET_GROUPS", "WEEKDAYS"), "schema"),
    **dict.fromkeys(("World", "make_world"), "simulate"),
}

if TYPE_CHECKING:  # what the names are, for type checkers and editors
    import pandas as pd

    from matcher.content import content_score
    from matcher.evaluation import EvaluationError, compare_as_of, evaluate, fairness_audit, temporal_split
    from matcher.features import FEATURE_COLUMNS, EncodedCandidates, pair_features
    from matcher.interleaving import SequentialSignTest, credits, simulate_duels, team_draft, winner
    from matcher.io import (
        InterchangeError,
        profiles_at,
        read_candidate_versions,
        read_candidates,
        read_history,
        read_offer_versions,
        read_offers,
        read_pairs,
        read_plan,
        read_scores,
        validate_candidate_versions,
        validate_candidates,
        validate_history,
        validate_offer_versions,
        validate_offers,
        validate_pairs,
        write_candidates,
        write_history,
        write_offers,
        write_plan,
        write_scores,
    )
    from matcher.persistence import IncompatibleModelError, ModelFileError, load_model, save_model
    from matcher.planner import PlanResult
    from matcher.ranker import Ranker
    from matcher.schema import CEFR, FIELDS, TARGET_GROUPS, WEEKDAYS
    from matcher.simulate import World, make_world


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value  # found directly from now on
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


def plan(candidates: pd.DataFrame, offers: pd.DataFrame, scores: pd.DataFrame, fair: bool = False) -> PlanResult:
    """:func:`matcher.planner.plan`: choose visits, ≤ 1 per candidate, ≤ ``capacity`` per offer,
    maximal total score (with ``fair=True`` a floor per target group). Imports the planner, and
    SciPy's MILP solver with it, on the first call."""
    from matcher.planner import plan as plan_

    return plan_(candidates, offers, scores, fair=fair)


__all__ = [
    "CEFR",
    "FEATURE_COLUMNS",
    "FIELDS",
    "TARGET_GROUPS",
    "WEEKDAYS",
    "EncodedCandidates",
    "EvaluationError",
    "IncompatibleModelError",
    "InterchangeError",
    "ModelFileError",
    "PlanResult",
    "Ranker",
    "SequentialSignTest",
    "World",
    "__version__",
    "compare_as_of",
    "content_score",
    "credits",
    "evaluate",
    "fairness_audit",
    "load_model",
    "make_world",
    "pair_features",
    "plan",
    "profiles_at",
    "read_candidate_versions",
    "read_candidates",
    "read_history",
    "read_offer_versions",
    "read_offers",
    "read_pairs",
    "read_plan",
    "read_scores",
    "save_model",
    "simulate_duels",
    "team_draft",
    "temporal_split",
    "validate_candidate_versions",
    "validate_candidates",
    "validate_history",
    "validate_offer_versions",
    "validate_offers",
    "validate_pairs",
    "winner",
    "write_candidates",
    "write_history",
    "write_offers",
    "write_plan",
    "write_scores",
]
