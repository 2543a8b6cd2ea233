"""Saving and loading models: round trip, metadata, version refusal and damaged files."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

import matcher
from matcher import persistence
from matcher.persistence import IncompatibleModelError, ModelFileError, load_model, save_model
from matcher.ranker import Ranker, all_pairs
from matcher.simulate import make_world

SAVED_AT = dt.datetime(2026, 12, 7, 9, 0, tzinfo=dt.UTC)


@pytest.fixture(scope="module")
def world():
    return make_world(n_candidates=80, n_offers=15, n_history=400, n_quarters=3, seed=2)


@pytest.fixture(scope="module")
def ranker(world):
    return Ranker(min_outcomes=20, blend_full_at=200).fit(
        world.candidates, world.offers, world.history)


def test_round_trip_keeps_predictions_and_metadata(tmp_path, world, ranker) -> None:
    path = tmp_path / "model.joblib"
    written = save_model(ranker, path, {"evaluation": {"ndcg@5": 0.71}, "note": "kvartal 3"}, saved_at=SAVED_AT)
    loaded, metadata = load_model(path)
    pairs = all_pairs(world.candidates, world.offers)
    pd.testing.assert_frame_equal(
        ranker.predict_pairs(world.candidates, world.offers, pairs),
        loaded.predict_pairs(world.candidates, world.offers, pairs),
    )
    assert metadata == written
    assert metadata["code_version"] == matcher.__version__
    assert metadata["training"]["snapshot_id"] == ranker.training_snapshot_
    assert metadata["training"]["n_rows"] == len(world.history)
    assert metadata["training"]["n_outcomes"] == ranker.n_outcomes_
    assert metadata["evaluation"] == {"ndcg@5": 0.71}
    assert metadata["extra"] == {"note": "kvartal 3"}
    assert {"scikit-learn", "numpy", "scipy", "pandas", "python"} <= set(
        metadata["library_versions"])
    assert metadata["params"]["min_outcomes"] == 20


def test_snapshot_id_identifies_the_training_data(tmp_path, world, ranker) -> None:
    other = Ranker(min_outcomes=20).fit(world.candidates, world.offers, world.history.head(300))
    assert other.training_snapshot_ != ranker.training_snapshot_
    given = save_model(ranker, tmp_path / "m.joblib", {"snapshot_id": "db-2024-03-31"}, saved_at=SAVED_AT)
    assert given["training"]["snapshot_id"] == "db-2024-03-31"


def test_an_unfitted_ranker_can_be_saved_and_still_scores(tmp_path, world) -> None:
    save_model(Ranker(), tmp_path / "cold.joblib", saved_at=SAVED_AT)
    loaded, metadata = load_model(tmp_path / "cold.joblib")
    assert metadata["training"]["n_outcomes"] == 0
    assert len(loaded.rank_candidates(world.candidates, world.offers, "O0001", limit=3)) == 3


@pytest.mark.parametrize("library", ["scikit-learn", "numpy", "matcher"])
def test_other_library_versions_are_refused_with_both_versions_named(
    tmp_path, monkeypatch, ranker, library
) -> None:
    path = tmp_path / "model.joblib"
    save_model(ranker, path, saved_at=SAVED_AT)
    real = persistence.library_versions()
    monkeypatch.setattr(persistence, "library_versions", lambda: {**real, library: "0.0.1"})
    with pytest.raises(IncompatibleModelError) as caught:
        load_model(path)
    message = str(caught.value)
    assert f"{library} {real[library]}" in message and "0.0.1" in message
    assert "retrain" in message


def test_pandas_or_python_patch_differences_do_not_block_loading(
    tmp_path, monkeypatch, ranker
) -> None:
    path = tmp_path / "model.joblib"
    save_model(ranker, path, saved_at=SAVED_AT)
    real = persistence.library_versions()
    monkeypatch.setattr(persistence, "library_versions", lambda: {**real, "python": "3.11.99"})
    assert isinstance(load_model(path)[0], Ranker)


def test_files_that_are_not_models_or_are_damaged_are_refused(tmp_path, ranker) -> None:
    text = tmp_path / "notes.txt"
    text.write_text("hej")
    with pytest.raises(ModelFileError, match="not a matcher model"):
        load_model(text)
    with pytest.raises(ModelFileError, match="cannot be read"):
        load_model(tmp_path / "missing.joblib")

    path = tmp_path / "model.joblib"
    save_model(ranker, path, saved_at=SAVED_AT)
    data = bytearray(path.read_bytes())
    data[-10] ^= 0xFF  # flip bits in the payload
    damaged = tmp_path / "damaged.joblib"
    damaged.write_bytes(bytes(data))
    with pytest.raises(ModelFileError, match="checksum"):
        load_model(damaged)

    truncated = tmp_path / "truncated.joblib"
    truncated.write_bytes(path.read_bytes()[:40])
    with pytest.raises(ModelFileError):
        load_model(truncated)
