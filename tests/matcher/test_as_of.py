"""Profiles as of the proposal (docs/ranker-as-of.md): versioned candidates and offers in the
interchange files, training rows built from the version valid when each proposal was made, files
without the new columns unchanged, and drifting simulated worlds."""

from __future__ import annotations

import io
import json

import numpy as np
import pandas as pd
import pytest

from matcher import Ranker, compare_as_of, make_world
from matcher.cli import main
from matcher.features import history_features
from matcher.io import (
    InterchangeError,
    profiles_at,
    read_candidate_versions,
    read_candidates,
    read_history,
    validate_candidate_versions,
    validate_candidates,
    validate_history,
    validate_offer_versions,
    validate_offers,
    write_candidates,
    write_history,
)
from matcher.simulate import expected_gain

CANDIDATE = {"candidate_id": "C1", "interests": ["transport"], "swedish_level": 1, "languages": ["en"],
             "target_group": "newcomer", "weekdays": ["mon", "tue"], "lat": 56.05, "lon": 12.7,
             "needs_accessible": False}
OFFER = {"offer_id": "O1", "company_id": "K1", "field": "it", "min_swedish_level": 3, "languages": [],
         "weekdays": ["mon"], "lat": 56.06, "lon": 12.71, "accessible": True, "hours": 6.0, "capacity": 2}


def versions() -> tuple[pd.DataFrame, pd.DataFrame]:
    """C1 gains Swedish and the field on 1 March (after a good visit); O1 opens Tuesdays then."""
    candidates = validate_candidate_versions(pd.DataFrame([
        {**CANDIDATE, "valid_from": "", "valid_to": "2023-03-01T12:00"},
        {**CANDIDATE, "interests": ["it", "transport"], "swedish_level": 4, "valid_from": "2023-03-01T12:00",
         "valid_to": ""},
    ]))
    offers = validate_offer_versions(pd.DataFrame([
        {**OFFER, "valid_from": "2022-01-01", "valid_to": "2023-03-01"},
        {**OFFER, "weekdays": ["mon", "tue"], "valid_from": "2023-03-01", "valid_to": ""},
    ]))
    return candidates, offers


def history(*moments: str) -> pd.DataFrame:
    return validate_history(pd.DataFrame({
        "candidate_id": "C1", "offer_id": "O1",
        "proposed_on": [m[:10] for m in moments], "as_of": list(moments),
        "employer_response": "accepted", "visit_status": "completed", "feedback": 5, "outcome": "none",
    }))


def test_a_training_row_keeps_the_profile_of_its_own_time() -> None:
    candidates, offers = versions()
    rows = history("2023-02-10T09:00", "2023-03-01T11:59", "2023-03-01T12:00", "2023-05-02T09:00")
    features = history_features(candidates, offers, rows)
    assert features["swedish_margin"].tolist() == [1 - 3, 1 - 3, 4 - 3, 4 - 3]
    assert features["interest_match"].tolist() == [0, 0, 1, 1]
    assert features["weekday_overlap"].tolist() == [1, 2, 2, 2]  # the offer changed at midnight
    # Today's profiles would have told the February proposal about March.
    today = history_features(profiles_at(candidates, "candidate_id"), profiles_at(offers, "offer_id"),
                             rows.drop(columns="as_of"))
    assert today["swedish_margin"].tolist() == [1, 1, 1, 1]


def test_without_a_moment_a_proposal_is_dated_at_the_start_of_its_day() -> None:
    candidates, offers = versions()
    rows = history("2023-03-01T18:00").drop(columns="as_of")
    # 00:00 on 1 March: the noon change had not happened yet.
    assert history_features(candidates, offers, rows)["swedish_margin"].tolist() == [1 - 3]


def test_a_proposal_before_the_first_version_takes_the_earliest_profile() -> None:
    candidates, offers = versions()
    offers = validate_offer_versions(offers.assign(valid_from=pd.to_datetime(["2023-01-01", "2023-03-01"])))
    features = history_features(candidates, offers, history("2022-06-01T09:00"))
    assert features["weekday_overlap"].tolist() == [1]


def test_profiles_at_a_moment_and_the_current_ones() -> None:
    candidates, _ = versions()
    assert profiles_at(candidates, "candidate_id", pd.Timestamp("2023-02-01"))["swedish_level"].tolist() == [1]
    current = profiles_at(candidates, "candidate_id")
    assert current["swedish_level"].tolist() == [4] and list(current.columns) == list(CANDIDATE)


def test_overlapping_versions_are_refused_with_the_row_to_fix() -> None:
    with pytest.raises(InterchangeError) as caught:
        validate_candidate_versions(pd.DataFrame([
            {**CANDIDATE, "valid_from": "2023-01-01", "valid_to": ""},
            {**CANDIDATE, "valid_from": "2023-03-01", "valid_to": ""},
        ]))
    assert (caught.value.row, caught.value.column) == (3, "valid_from") and "overlap" in caught.value.message
    with pytest.raises(InterchangeError, match="after valid_from"):
        validate_candidate_versions(pd.DataFrame([{**CANDIDATE, "valid_from": "2023-03-01", "valid_to": "2023-01-01"}]))
    with pytest.raises(InterchangeError, match="without an offset"):
        validate_candidate_versions(pd.DataFrame([{**CANDIDATE, "valid_from": "2023-03-01T10:00+01:00"}]))


def test_versions_and_moments_round_trip_through_the_files() -> None:
    candidates, _ = versions()
    rows = history("2023-02-10T09:30:15")
    files = {"candidates": io.StringIO(), "history": io.StringIO()}
    write_candidates(candidates, files["candidates"])
    write_history(rows, files["history"])
    text = files["candidates"].getvalue()
    assert text.splitlines()[0].endswith("needs_accessible,valid_from,valid_to")
    assert ",,2023-03-01T12:00:00" in text  # the first version: valid since always
    for buffer in files.values():
        buffer.seek(0)
    pd.testing.assert_frame_equal(read_candidate_versions(files["candidates"]), candidates)
    pd.testing.assert_frame_equal(read_history(files["history"]), rows)
    files["candidates"].seek(0)
    # Scoring and planning read today's profile from the same file.
    assert read_candidates(files["candidates"])["swedish_level"].tolist() == [4]


def test_files_without_the_new_columns_read_and_train_as_before() -> None:
    plain = pd.DataFrame([CANDIDATE])
    text = io.StringIO()
    write_candidates(validate_candidates(plain), text)
    assert "valid_from" not in text.getvalue()
    text.seek(0)
    pd.testing.assert_frame_equal(read_candidate_versions(text), validate_candidates(plain))
    world = make_world(n_candidates=60, n_offers=12, n_history=300, n_quarters=3, seed=4)
    assert world.candidate_versions is None and "as_of" not in world.history.columns
    # One version per subject, valid always: the same model as from the plain frames.
    one_version = world.candidates.assign(valid_from=pd.NaT, valid_to=pd.NaT)
    plain_model = Ranker(min_outcomes=20, blend_full_at=40).fit(world.candidates, world.offers, world.history)
    versioned = Ranker(min_outcomes=20, blend_full_at=40).fit(one_version, world.offers, world.history)
    pairs = world.history[["candidate_id", "offer_id"]].head(50)
    np.testing.assert_allclose(plain_model.predict_pairs(world.candidates, world.offers, pairs)["score"],
                               versioned.predict_pairs(world.candidates, world.offers, pairs)["score"])


@pytest.fixture(scope="module")
def drifting():
    return make_world(n_candidates=150, n_offers=30, n_history=1200, n_quarters=4, seed=3, drift=0.8)


def test_a_drifting_world_changes_profiles_after_good_visits(drifting) -> None:
    candidates = validate_candidate_versions(drifting.candidate_versions)
    offers = validate_offer_versions(drifting.offer_versions)
    changed = candidates[candidates["valid_from"].notna()]
    assert len(changed) > 10 and offers["valid_from"].notna().any()
    pd.testing.assert_frame_equal(validate_candidates(profiles_at(candidates, "candidate_id")),
                                  validate_candidates(drifting.candidates))
    pd.testing.assert_frame_equal(validate_offers(profiles_at(offers, "offer_id")), validate_offers(drifting.offers))
    # Each change follows a good visit of that candidate in the quarter before.
    good = drifting.history[(drifting.history["visit_status"] == "completed") & (drifting.history["feedback"] >= 4)]
    for row in changed.itertuples():
        before = good[(good["candidate_id"] == row.candidate_id) & (good["proposed_on"] < row.valid_from)]
        assert len(before) > 0


def test_compare_as_of_judges_both_ways_on_the_later_quarter(drifting) -> None:
    report = compare_as_of(drifting.candidate_versions, drifting.offer_versions, drifting.history,
                           n_boot=50, truth=expected_gain(drifting.history_truth))
    assert set(report["ndcg"]) == {"as_of", "today", "content", "random", "oracle", "today_self_reported"}
    assert report["n_test_offers"] > 10
    assert set(report["closure"]) == {"as_of", "today", "content", "today_self_reported"}
    ndcg = {name: values["ndcg@5"]["mean"] for name, values in report["ndcg"].items()}
    assert ndcg["random"] < ndcg["as_of"] <= 1 and ndcg["random"] < ndcg["oracle"]


def test_the_command_line_trains_and_compares_on_versioned_files(drifting, tmp_path, capsys) -> None:
    paths = drifting.write(tmp_path)
    assert "valid_from" in paths["candidates"].read_text().splitlines()[0]
    common = ["--candidates", str(paths["candidates"]), "--offers", str(paths["offers"]),
              "--history", str(paths["history"]), "--quiet"]
    assert main(["train", *common, "--model-out", str(tmp_path / "m.joblib"), "--no-evaluate"]) == 0
    capsys.readouterr()
    assert main(["compare-as-of", *common, "--n-boot", "20"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["test_quarter"] == "2021Q4" and "as_of" in report["ndcg"]
    assert main(["score", *common, "--out", str(tmp_path / "s.csv")]) == 0
