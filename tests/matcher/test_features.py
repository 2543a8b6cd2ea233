"""Pair features, history statistics without leakage, and the content score."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from matcher.content import ACCESSIBILITY_GATE, WEIGHTS, content_components, content_score
from matcher.features import (
    DEFAULT_ACCEPT_RATE,
    FEATURE_COLUMNS,
    HistoryStats,
    history_features,
    pair_features,
)
from matcher.io import InterchangeError, validate_candidates, validate_history, validate_offers
from matcher.schema import FIELD_SLUGS

HELSINGBORG = (56.0465, 12.6945)
MALMO = (55.6050, 13.0038)


def candidates_frame(**overrides) -> pd.DataFrame:
    base = {
        "candidate_id": ["C1", "C2"],
        "interests": [["hospitality", "it"], ["cleaning"]],
        "swedish_level": [3, 1],
        "languages": [["ar", "en"], ["so"]],
        "target_group": ["newcomer", "youth"],
        "weekdays": [["tue", "thu"], ["mon"]],
        "lat": [HELSINGBORG[0], None],
        "lon": [HELSINGBORG[1], None],
        "needs_accessible": [False, True],
    }
    return validate_candidates(pd.DataFrame({**base, **overrides}))


def offers_frame(**overrides) -> pd.DataFrame:
    base = {
        "offer_id": ["O1", "O2"],
        "company_id": ["K1", "K2"],
        "field": ["hospitality", "it"],
        "min_swedish_level": [2, 4],
        "languages": [["en"], []],
        "weekdays": [["tue", "wed", "thu"], ["fri"]],
        "lat": [MALMO[0], HELSINGBORG[0]],
        "lon": [MALMO[1], HELSINGBORG[1]],
        "accessible": [True, False],
        "hours": [6.0, 3.0],
        "capacity": [2, 1],
    }
    return validate_offers(pd.DataFrame({**base, **overrides}))


def all_pairs_frame() -> pd.DataFrame:
    return pd.DataFrame({"candidate_id": ["C1", "C1", "C2", "C2"],
                         "offer_id": ["O1", "O2", "O1", "O2"]})


def test_pair_features_describe_what_candidate_and_offer_share() -> None:
    f = pair_features(candidates_frame(), offers_frame(), all_pairs_frame()).set_index(
        ["candidate_id", "offer_id"])
    c1o1, c1o2, c2o1, c2o2 = (f.loc[k] for k in
                              [("C1", "O1"), ("C1", "O2"), ("C2", "O1"), ("C2", "O2")])
    assert (c1o1.interest_match, c1o2.interest_match, c2o1.interest_match) == (1, 1, 0)
    assert (c1o1.swedish_margin, c2o2.swedish_margin) == (1, -3)
    assert (c1o1.shared_language, c2o1.shared_language) == (1, 0)
    assert (c1o1.weekday_overlap, c1o2.weekday_overlap, c2o2.weekday_overlap) == (2, 0, 0)
    assert c1o1.distance_km == pytest.approx(52, abs=2)  # Helsingborg–Malmö
    assert c1o2.distance_km == pytest.approx(0, abs=1e-6)
    assert np.isnan(c2o1.distance_km)  # C2 has no coordinates: unknown, not guessed
    assert (c2o1.accessibility_ok, c2o2.accessibility_ok, c1o2.accessibility_ok) == (1, 0, 1)
    assert (c1o1.hours, c1o2.hours) == (6, 3)
    assert c1o1.field_code == FIELD_SLUGS.index("hospitality")


def test_swedish_shortfall_counts_a_shared_language_as_one_step() -> None:
    offers = offers_frame(min_swedish_level=[4, 4], languages=[["en"], []])
    f = pair_features(candidates_frame(), offers, all_pairs_frame()).set_index(
        ["candidate_id", "offer_id"])
    assert f.loc[("C1", "O1"), "swedish_shortfall"] == 0  # one step short, English shared
    assert f.loc[("C1", "O2"), "swedish_shortfall"] == -1  # one step short, nothing shared
    assert f.loc[("C2", "O2"), "swedish_shortfall"] == -3
    above = pair_features(candidates_frame(), offers_frame(min_swedish_level=[0, 0]), all_pairs_frame())
    assert (above["swedish_shortfall"] == 0).all()  # a margin above the minimum is no shortfall


def test_features_never_include_protected_grounds() -> None:
    assert "target_group" not in FEATURE_COLUMNS
    f = pair_features(candidates_frame(), offers_frame(), all_pairs_frame())
    assert "target_group" not in f.columns
    assert list(f.columns) == ["candidate_id", "offer_id", *FEATURE_COLUMNS]


def test_unknown_ids_in_pairs_point_at_the_row() -> None:
    pairs = pd.DataFrame({"candidate_id": ["C1", "C9"], "offer_id": ["O1", "O1"]})
    with pytest.raises(InterchangeError) as caught:
        pair_features(candidates_frame(), offers_frame(), pairs)
    assert (caught.value.file, caught.value.row, caught.value.column) == (
        "pairs.csv", 3, "candidate_id")


def history_frame(rows: list[tuple]) -> pd.DataFrame:
    return validate_history(pd.DataFrame(rows, columns=[
        "candidate_id", "offer_id", "proposed_on", "employer_response", "visit_status",
        "feedback", "outcome"]))


def test_history_rates_are_smoothed_towards_the_overall_rate() -> None:
    offers = offers_frame()
    history = history_frame([
        ("C1", "O1", "2022-01-10", "accepted", "completed", 5, "none"),
        ("C2", "O2", "2022-01-11", "declined", "none", None, ""),
    ])
    stats = HistoryStats.from_history(history, offers, smoothing=5.0)
    # 1 accepted of 2 overall, pulled towards the default with 5 pseudo-counts.
    assert stats.accept_prior == pytest.approx((1 + 5 * DEFAULT_ACCEPT_RATE) / 7)
    f = pair_features(candidates_frame(), offers, all_pairs_frame(), stats).set_index(
        ["candidate_id", "offer_id"])
    k1 = f.loc[("C1", "O1"), "company_accept_rate"]
    k2 = f.loc[("C1", "O2"), "company_accept_rate"]
    assert stats.accept_prior < k1 < 1.0  # one yes is evidence, not certainty
    assert 0.0 < k2 < stats.accept_prior
    assert f.loc[("C1", "O2"), "candidate_field_visits"] == 0
    assert f.loc[("C1", "O1"), "candidate_field_visits"] == 1  # completed hospitality visit
    assert f.loc[("C1", "O1"), "candidate_visits"] == 1


def test_no_history_gives_prior_values_for_everyone() -> None:
    f = pair_features(candidates_frame(), offers_frame(), all_pairs_frame(), None)
    assert (f["company_accept_rate"] == DEFAULT_ACCEPT_RATE).all()
    assert (f[["candidate_no_shows", "candidate_visits", "company_proposals"]] == 0).all().all()


def test_history_features_only_see_earlier_quarters() -> None:
    offers = offers_frame()
    history = history_frame([
        ("C2", "O1", "2022-01-10", "accepted", "no_show", None, ""),
        ("C2", "O1", "2022-02-20", "accepted", "no_show", None, ""),
        ("C2", "O2", "2022-04-03", "declined", "none", None, ""),
    ])
    f = history_features(candidates_frame(), offers, history)
    # First-quarter rows must not learn from their own no-shows; the next quarter sees both.
    assert f["candidate_no_shows"].tolist() == [0, 0, 2]
    assert f.loc[0, "offer_accept_rate"] == f.loc[1, "offer_accept_rate"]


def test_candidate_success_rate_uses_only_earlier_quarters_visits() -> None:
    offers = offers_frame()
    history = history_frame([
        ("C1", "O1", "2022-01-10", "accepted", "completed", 5, "none"),
        ("C1", "O1", "2022-02-10", "accepted", "completed", 2, "none"),  # completed, poor feedback
        ("C2", "O1", "2022-02-20", "accepted", "no_show", None, ""),
        ("C1", "O2", "2022-04-03", "accepted", "completed", None, "none"),  # no form: a good visit
        ("C2", "O2", "2022-04-04", "declined", "none", None, ""),
        ("C1", "O1", "2022-07-01", "declined", "none", None, ""),
    ])
    f = history_features(candidates_frame(), offers, history)
    first = HistoryStats()
    assert f.loc[[0, 1, 2], "candidate_success_rate"].tolist() == pytest.approx(
        [first.good_prior * (1 - first.no_show_prior)] * 3)  # the first quarter knows nothing
    second = HistoryStats.from_history(history, offers, as_of=pd.Timestamp("2022-04-01"))
    prior, m = second.good_prior * (1 - second.no_show_prior), second.smoothing
    # C1: one good visit of two held; C2: one visit missed. Same-quarter outcomes are not seen.
    assert f.loc[3, "candidate_success_rate"] == pytest.approx((1 + m * prior) / (2 + m))
    assert f.loc[4, "candidate_success_rate"] == pytest.approx((0 + m * prior) / (1 + m))
    third = HistoryStats.from_history(history, offers, as_of=pd.Timestamp("2022-07-01"))
    prior, m = third.good_prior * (1 - third.no_show_prior), third.smoothing
    assert f.loc[5, "candidate_success_rate"] == pytest.approx((2 + m * prior) / (3 + m))


def test_content_weights_sum_to_one_and_score_is_bounded() -> None:
    assert sum(WEIGHTS.values()) == pytest.approx(1.0)
    f = pair_features(candidates_frame(), offers_frame(), all_pairs_frame())
    score = content_score(f)
    assert ((score >= 0) & (score <= 1)).all()


def test_missing_distance_is_left_out_not_guessed() -> None:
    f = pair_features(candidates_frame(), offers_frame(), all_pairs_frame())
    row = f[(f.candidate_id == "C2") & (f.offer_id == "O1")]
    parts = content_components(row)
    known = {k: v[0] for k, v in parts.items() if k != "distance"}
    expected = sum(WEIGHTS[k] * v for k, v in known.items()) / (1 - WEIGHTS["distance"])
    assert content_score(row)[0] == pytest.approx(expected)


def test_inaccessible_workplace_gates_the_content_score() -> None:
    f = pair_features(candidates_frame(), offers_frame(), all_pairs_frame())
    row = f[(f.candidate_id == "C2") & (f.offer_id == "O2")].copy()
    gated = content_score(row)[0]
    row["accessibility_ok"] = 1.0
    assert gated == pytest.approx(ACCESSIBILITY_GATE * content_score(row)[0])


def test_content_score_rises_with_each_kind_of_fit() -> None:
    f = pair_features(candidates_frame(), offers_frame(), all_pairs_frame()).iloc[[0]]
    base = content_score(f)[0]
    for column, better in [("interest_match", 1.0), ("swedish_margin", 2.0),
                           ("weekday_overlap", 3.0), ("distance_km", 1.0),
                           ("shared_language", 1.0)]:
        worse = f.assign(**{column: {"interest_match": 0.0, "swedish_margin": -2.0,
                                     "weekday_overlap": 0.0, "distance_km": 90.0,
                                     "shared_language": 0.0}[column]})
        improved = f.assign(**{column: better})
        assert content_score(worse)[0] < content_score(improved)[0], column
        assert content_score(worse)[0] <= base <= content_score(improved)[0], column
