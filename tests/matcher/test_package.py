"""The package's public names: imported lazily from their modules, the same objects as before."""

from __future__ import annotations

import importlib
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

import matcher
from matcher import planner

ROOT = Path(__file__).resolve().parents[2]


def _run(code: str) -> str:
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_import_matcher_loads_no_library() -> None:
    loaded = _run("import sys, matcher\n"
                  "print(sorted(m for m in sys.modules if m.split('.')[0] in "
                  "('pandas', 'numpy', 'scipy', 'sklearn', 'joblib', 'tqdm') or m.startswith('matcher.')))")
    assert loaded == "[]"


@pytest.mark.parametrize("name", sorted(set(matcher.__all__) - {"__version__", "plan"}))
def test_every_public_name_is_its_modules_object(name: str) -> None:
    exec(f"from matcher import {name}")  # noqa: S102 (the form the docs, notebooks and app use)
    value = getattr(matcher, name)
    module = importlib.import_module(f"matcher.{matcher._EXPORTS[name]}")
    assert value is getattr(module, name)
    assert name in dir(matcher)


def test_unknown_names_are_still_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no attribute 'rank'"):
        matcher.rank  # noqa: B018
    with pytest.raises(ImportError):
        exec("from matcher import rank")  # noqa: S102


def test_evaluate_is_the_function_and_its_module_is_evaluation() -> None:
    # The module has its own name, so importing it never shadows the package's function.
    out = _run("import matcher\n"
               "from matcher.evaluation import temporal_split\n"
               "from matcher import evaluate\n"
               "import matcher.evaluation as module\n"
               "print(callable(evaluate), evaluate is matcher.evaluate, module.evaluate is evaluate,"
               " evaluate.__module__)")
    assert out == "True True True matcher.evaluation"


def test_plan_imports_the_planner_when_called_and_plans_the_same() -> None:
    candidates = pd.DataFrame({"candidate_id": ["C1", "C2", "C3"], "target_group": ["youth", "other", "youth"]})
    offers = pd.DataFrame({"offer_id": ["O1", "O2"], "capacity": [1, 1]})
    scores = pd.DataFrame({"candidate_id": ["C1", "C1", "C2", "C3"], "offer_id": ["O1", "O2", "O1", "O2"],
                           "score": [0.9, 0.8, 0.7, 0.1]})
    ours = matcher.plan(candidates, offers, scores, fair=True)
    direct = planner.plan(candidates, offers, scores, fair=True)
    assert isinstance(ours, matcher.PlanResult)
    pd.testing.assert_frame_equal(ours.plan, direct.plan)
    assert set(zip(ours.plan["candidate_id"], ours.plan["offer_id"], strict=True)) == {("C1", "O2"), ("C2", "O1")}
    assert ours.expected_successes == pytest.approx(1.5)
    loaded = _run("import sys\nimport pandas as pd\nfrom matcher import plan\n"
                  "before = 'matcher.planner' in sys.modules\n"
                  "plan(pd.DataFrame({'candidate_id': ['C1'], 'target_group': ['youth']}),\n"
                  "     pd.DataFrame({'offer_id': ['O1'], 'capacity': [1]}),\n"
                  "     pd.DataFrame({'candidate_id': ['C1'], 'offer_id': ['O1'], 'score': [0.5]}))\n"
                  "print(before, 'matcher.planner' in sys.modules)")
    assert loaded == "False True"
