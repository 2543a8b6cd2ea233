"""Matcher: rank candidate–workplace pairs, plan a quarter's visits and evaluate honestly.

A pure library (numpy, pandas, scikit-learn, scipy): it takes and returns DataFrames in the
interchange format of DOMAIN.md and never touches Flask, SQLAlchemy or a request.
"""

__version__ = "0.1.0"

from matcher.content import content_score  # noqa: E402
from matcher.evaluate import EvaluationError, evaluate, fairness_audit, temporal_split  # noqa: E402
from matcher.features import FEATURE_COLUMNS, pair_features  # noqa: E402
from matcher.io import (  # noqa: E402
    InterchangeError,
    read_candidates,
    read_history,
    read_offers,
    read_pairs,
    read_plan,
    read_scores,
    validate_candidates,
    validate_history,
    validate_offers,
    validate_pairs,
    write_candidates,
    write_history,
    write_offers,
    write_plan,
    write_scores,
)
from matcher.persistence import (  # noqa: E402
    IncompatibleModelError,
    ModelFileError,
    load_model,
    save_model,
)
from matcher.planner import PlanResult, plan  # noqa: E402
from matcher.ranker import Ranker  # noqa: E402
from matcher.schema import CEFR, FIELDS, TARGET_GROUPS, WEEKDAYS  # noqa: E402
from matcher.simulate import World, make_world  # noqa: E402

__all__ = [
    "CEFR",
    "FEATURE_COLUMNS",
    "FIELDS",
    "TARGET_GROUPS",
    "WEEKDAYS",
    "EvaluationError",
    "IncompatibleModelError",
    "InterchangeError",
    "ModelFileError",
    "PlanResult",
    "Ranker",
    "World",
    "__version__",
    "content_score",
    "evaluate",
    "fairness_audit",
    "load_model",
    "make_world",
    "pair_features",
    "plan",
    "read_candidates",
    "read_history",
    "read_offers",
    "read_pairs",
    "read_plan",
    "read_scores",
    "save_model",
    "temporal_split",
    "validate_candidates",
    "validate_history",
    "validate_offers",
    "validate_pairs",
    "write_candidates",
    "write_history",
    "write_offers",
    "write_plan",
    "write_scores",
]
