"""The command line: every command on a simulated world, and user errors with exit status 2."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

from matcher.cli import main
from matcher.io import read_plan, read_scores
from matcher.simulate import make_world


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    world = make_world(n_candidates=80, n_offers=15, n_history=500, n_quarters=3, seed=8)
    paths = world.write(tmp_path_factory.mktemp("world"))
    pairs = paths["candidates"].parent / "pairs.csv"
    pairs.write_text("candidate_id,offer_id\nC00001,O0001\nC00002,O0003\nC00003,O0002\n")
    return {**paths, "pairs": pairs}


def common(files) -> list[str]:
    return ["--candidates", str(files["candidates"]), "--offers", str(files["offers"]),
            "--quiet"]


def test_score_writes_scores_with_reasons(files, tmp_path) -> None:
    out = tmp_path / "scores.csv"
    status = main(["score", *common(files), "--history", str(files["history"]),
                   "--pairs", str(files["pairs"]), "--out", str(out)])
    assert status == 0
    scores = read_scores(out)
    assert scores[["candidate_id", "offer_id"]].values.tolist() == [
        ["C00001", "O0001"], ["C00002", "O0003"], ["C00003", "O0002"]]
    assert (scores["reasons"].map(len) + scores["considerations"].map(len)).between(2, 3).all()


def test_plan_respects_capacity_and_prints_a_summary(files, tmp_path, capsys) -> None:
    out = tmp_path / "plan.csv"
    status = main(["plan", *common(files), "--history", str(files["history"]),
                   "--out", str(out), "--fair"])
    assert status == 0
    summary = json.loads(capsys.readouterr().out)
    planned = read_plan(out)
    assert len(planned) == summary["visits"] > 0
    assert summary["fair"] is True and summary["gap"] >= -1e-9
    assert not planned["candidate_id"].duplicated().any()


def test_plan_with_a_travel_cap_plans_no_longer_trips(files, tmp_path, capsys) -> None:
    from matcher.features import pair_travel_minutes
    from matcher.io import read_candidates, read_offers

    candidates, offers = read_candidates(files["candidates"]), read_offers(files["offers"])
    uncapped, capped = tmp_path / "all.csv", tmp_path / "capped.csv"
    assert main(["plan", *common(files), "--history", str(files["history"]), "--out", str(uncapped)]) == 0
    trips = pair_travel_minutes(candidates, offers, read_plan(uncapped))
    cap = float(np.nanmedian(trips))  # the median known trip of the uncapped plan
    assert main(["plan", *common(files), "--history", str(files["history"]), "--out", str(capped),
                 "--max-travel-minutes", str(cap)]) == 0
    planned = read_plan(capped)
    assert len(planned) > 0
    # A pair without coordinates has no known trip and is kept; every known trip is within the cap.
    assert not (pair_travel_minutes(candidates, offers, planned) > cap).any()
    assert (trips > cap).any()  # the cap did leave something out


@pytest.mark.parametrize("value", ["0", "-5", "långt"])
def test_plan_refuses_a_travel_cap_that_is_not_a_positive_number(files, tmp_path, capsys, value) -> None:
    with pytest.raises(SystemExit) as stopped:
        main(["plan", *common(files), "--out", str(tmp_path / "p.csv"), "--max-travel-minutes", value])
    assert stopped.value.code == 2
    assert "positivt antal minuter" in capsys.readouterr().err


def test_train_then_score_with_the_saved_model(files, tmp_path, capsys) -> None:
    model = tmp_path / "model.joblib"
    status = main(["train", *common(files), "--history", str(files["history"]),
                   "--model-out", str(model), "--n-boot", "50", "--snapshot-id", "test-1"])
    assert status == 0
    metadata = json.loads(capsys.readouterr().out)
    assert metadata["training"]["snapshot_id"] == "test-1"
    assert metadata["evaluation"]["ndcg"]["learned"]["ndcg@5"]["mean"] > 0
    first, second = tmp_path / "a.csv", tmp_path / "b.csv"
    assert main(["score", *common(files), "--model", str(model), "--out", str(first)]) == 0
    assert main(["score", *common(files), "--history", str(files["history"]),
                 "--out", str(second)]) == 0
    # Same data and seed: the saved model scores exactly like a fresh fit.
    assert first.read_text() == second.read_text()


def test_evaluate_prints_json(files, capsys) -> None:
    status = main(["evaluate", *common(files), "--history", str(files["history"]),
                   "--n-boot", "50"])
    assert status == 0
    report = json.loads(capsys.readouterr().out)
    assert {"ndcg", "brier", "reliability", "fairness", "learned_minus_content"} <= set(report)


def test_user_errors_exit_with_status_2_and_say_where(files, tmp_path, capsys) -> None:
    bad = tmp_path / "candidates.csv"
    bad.write_text(files["candidates"].read_text().replace(",youth,", ",pupil,", 1))
    status = main(["score", "--candidates", str(bad), "--offers", str(files["offers"]),
                   "--out", str(tmp_path / "s.csv"), "--quiet"])
    assert status == 2
    error = capsys.readouterr().err
    assert "candidates.csv, rad/row" in error and "'target_group'" in error and "pupil" in error

    junk = tmp_path / "junk.joblib"
    junk.write_text("not a model")
    status = main(["plan", *common(files), "--model", str(junk), "--out", str(tmp_path / "p")])
    assert status == 2 and "not a matcher model" in capsys.readouterr().err


def test_module_entry_point_runs_without_web_or_database_imports(files, tmp_path) -> None:
    out = tmp_path / "scores.csv"
    # Run `python -m matcher score ...`, then report whether Flask or SQLAlchemy got imported.
    code = (
        "import sys, runpy\n"
        "sys.argv = ['matcher'] + sys.argv[1:]\n"
        "try:\n"
        "    runpy.run_module('matcher', run_name='__main__')\n"
        "except SystemExit as done:\n"
        "    print(done.code, sorted(m for m in ('flask', 'sqlalchemy') if m in sys.modules))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, "score", *common(files), "--out", str(out)],
        capture_output=True, text=True, check=False)
    assert result.stdout.strip() == "0 []", result.stderr
    assert out.read_text().startswith("candidate_id,offer_id,score,reasons,considerations\n")
