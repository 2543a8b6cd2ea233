"""The ranker learns from what was true then (docs/ranker-as-of.md): every write of a profile field
the ranker uses keeps a version (models/profiles.py), training pairs each proposal with the
profiles valid when it was made, the export round-trips through matcher.io, and anonymisation
clears the history as it clears the row."""

from __future__ import annotations

import datetime as dt
import io

import pandas as pd
import sqlalchemy as sa

from matcher.features import history_features
from matcher.io import (
    read_candidate_versions,
    read_history,
    read_offer_versions,
    write_candidates,
    write_history,
    write_offers,
)
from models import Candidate, CandidateProfileVersion, OfferProfileVersion, clock
from models.operations import matching as ops
from models.operations.retention import anonymise_candidate

from .test_api_candidates import World, world  # noqa: F401 (the API test's fixture)
from .test_candidates_bank import edit_data, leader  # noqa: F401 (fixture)
from .test_candidates_import import csv_bytes, row, token_of, upload, upload_dir  # noqa: F401 (fixture)
from .test_companies import offer_form

pytest_plugins = ("tests.test_api_support",)

LATER = dt.timedelta(days=30)
SOON = dt.timedelta(minutes=5)  # within a login session


def candidate_versions(db, candidate_id: int) -> list[CandidateProfileVersion]:
    version = CandidateProfileVersion
    return list(db.scalars(sa.select(version).where(version.candidate_id == candidate_id)
                           .order_by(version.valid_from, version.id)))


def offer_versions(db, offer_id: int) -> list[OfferProfileVersion]:
    return list(db.scalars(sa.select(OfferProfileVersion).where(OfferProfileVersion.offer_id == offer_id)
                           .order_by(OfferProfileVersion.valid_from, OfferProfileVersion.id)))


def test_a_swedish_level_raised_after_a_proposal_stays_out_of_its_training_row(db, make, time_travel) -> None:
    candidate = make.candidate(swedish_level=1, interests=["transport"])
    offer = make.offer(field="it", min_swedish_level=3, weekdays=["mon", "tue"])
    make.visit(candidate, offer)
    db.commit()
    time_travel.shift(LATER)  # after a good visit the officer raises the level and adds the interest
    candidate.swedish_level = 4
    candidate.interests = ["it", "transport"]
    offer.weekdays = ["mon", "tue", "wed", "thu", "fri"]
    db.commit()

    candidates, offers, history = ops.training_frames(db)
    features = history_features(candidates, offers, history)
    trained = features.loc[history.index[history["candidate_id"] == str(candidate.id)][0]]
    assert trained["swedish_margin"] == 1 - 3 and trained["interest_match"] == 0
    assert trained["weekday_overlap"] == 2
    # Today's profiles, the way the training read them before, show the future.
    today = history_features(ops.candidates_frame(db), ops.offers_frame(db, ops.Quarter.of(clock.local_today())),
                             history[["candidate_id", "offer_id", "proposed_on", "employer_response", "visit_status",
                                      "feedback", "outcome"]])
    leaked = today.loc[trained.name]
    assert leaked["swedish_margin"] == 4 - 3 and leaked["interest_match"] == 1 and leaked["weekday_overlap"] == 5


def test_a_proposal_made_after_the_change_learns_from_the_new_profile(db, make, time_travel) -> None:
    candidate = make.candidate(swedish_level=1)
    offer = make.offer(min_swedish_level=0)
    db.commit()
    time_travel.shift(LATER)
    candidate.swedish_level = 5
    db.commit()
    time_travel.shift(LATER)
    make.visit(candidate, offer)
    db.commit()
    candidates, offers, history = ops.training_frames(db)
    assert history_features(candidates, offers, history)["swedish_margin"].tolist() == [5]


def test_each_change_closes_the_current_version_and_an_unchanged_save_adds_none(db, make, time_travel) -> None:
    candidate = make.candidate(swedish_level=2)
    db.commit()
    start = candidate.created_at
    time_travel.shift(LATER)
    candidate.swedish_level = 3
    db.commit()
    candidate.first_name = "Ny"  # not a ranker field
    candidate.swedish_level = 3  # the same value again
    db.commit()
    first, second = candidate_versions(db, candidate.id)
    assert (first.swedish_level, first.valid_from, first.valid_to) == (2, start, start + LATER)
    assert (second.swedish_level, second.valid_from, second.valid_to) == (3, start + LATER, None)


def test_the_candidate_form_records_a_version(client, make, db, leader, time_travel) -> None:  # noqa: F811
    candidate = make.candidate(swedish_level=2, area="Centrum", first_name="Lina", last_name="Ek")
    db.commit()
    time_travel.shift(SOON)
    data = edit_data(client, candidate.id)
    response = client.post(f"/kandidater/{candidate.id}/redigera", data={**data, "swedish_level": "5", "area": "Råå"})
    assert response.status_code == 302
    assert [(v.swedish_level, v.area) for v in candidate_versions(db, candidate.id)] == [(2, "Centrum"), (5, "Råå")]


def test_the_api_records_a_version(api, world, db, time_travel) -> None:  # noqa: F811
    headers = world.headers("project_leader")
    url = f"/api/v1/candidates/{world.candidate_a.id}"
    etag = api.get(url, headers=headers).headers["ETag"]
    time_travel.shift(SOON)
    changed = api.patch(url, json={"swedish_level": 6}, headers={**headers, "If-Match": etag})
    assert changed.status_code == 200, changed.get_json()
    levels = [v.swedish_level for v in candidate_versions(db, world.candidate_a.id)]
    assert levels[-1] == 6 and len(levels) == 2


def test_an_import_records_the_first_version_of_each_candidate(client, auth, db) -> None:
    auth.login("welfare_officer")
    preview = upload(client, csv_bytes([row(1), row(2)]))
    assert preview.status_code == 200
    assert client.post("/kandidater/import/genomfor", data={"token": token_of(preview)}).status_code == 302
    imported = db.scalars(sa.select(Candidate)).all()
    assert len(imported) == 2
    for candidate in imported:
        (version,) = candidate_versions(db, candidate.id)
        assert version.valid_to is None and version.swedish_level == candidate.swedish_level
        assert version.interests == candidate.interests and version.languages == candidate.languages


def test_the_offer_form_records_a_version(client, auth, make, db, time_travel) -> None:
    auth.login("project_leader")
    offer = make.offer(capacity_per_quarter=5)
    db.commit()
    time_travel.shift(SOON)
    form = offer_form(capacity_per_quarter="9", version=str(offer.version))
    assert client.post(f"/foretag/erbjudanden/{offer.id}/andra", data=form).status_code == 302
    assert [v.capacity_per_quarter for v in offer_versions(db, offer.id)] == [5, 9]
    # Pausing is not a profile change.
    db.refresh(offer)
    client.post(f"/foretag/erbjudanden/{offer.id}/pausa", data={"version": str(offer.version)})
    assert len(offer_versions(db, offer.id)) == 2


def test_a_change_rolled_back_leaves_no_version(db, make, time_travel) -> None:
    candidate = make.candidate(swedish_level=2)
    db.commit()
    time_travel.shift(LATER)
    candidate.swedish_level = 6
    db.flush()
    db.rollback()
    assert [(v.swedish_level, v.valid_to) for v in candidate_versions(db, candidate.id)] == [(2, None)]


def test_anonymisation_clears_what_it_clears_on_the_row_from_every_version(db, make, time_travel) -> None:
    candidate = make.candidate(area="Råå", lat=56.0, lon=12.7, needs_accessible=True, swedish_level=2)
    db.commit()
    time_travel.shift(LATER)
    candidate.area, candidate.lat, candidate.lon = "Norr", 56.1, 12.8
    db.commit()
    time_travel.shift(LATER)
    anonymise_candidate(db, candidate)
    db.commit()
    versions = candidate_versions(db, candidate.id)
    assert len(versions) == 2
    for version in versions:
        assert (version.area, version.lat, version.lon, version.needs_accessible) == (None, None, None, False)
    assert versions[-1].valid_to is None


def test_the_export_round_trips_through_the_interchange_files(db, make, time_travel) -> None:
    candidate = make.candidate(swedish_level=1, languages=["sv", "ar"])
    offer = make.offer(min_swedish_level=2)
    make.visit(candidate, offer)
    db.commit()
    time_travel.shift(LATER)
    candidate.swedish_level = 3
    offer.hours = 5
    db.commit()
    candidates, offers, history = ops.training_frames(db)
    assert len(candidates) == 2 and len(offers) == 2 and "as_of" in history.columns
    files = {name: io.StringIO() for name in ("candidates", "offers", "history")}
    write_candidates(candidates, files["candidates"])
    write_offers(offers, files["offers"])
    write_history(history, files["history"])
    header = files["candidates"].getvalue().splitlines()[0]
    assert header.endswith(",valid_from,valid_to")
    for buffer in files.values():
        buffer.seek(0)
    pd.testing.assert_frame_equal(read_candidate_versions(files["candidates"]), candidates)
    pd.testing.assert_frame_equal(read_offer_versions(files["offers"]), offers)
    pd.testing.assert_frame_equal(read_history(files["history"]), history)


def test_the_exported_files_train_on_the_command_line(runner, db, make, time_travel, tmp_path, capsys) -> None:
    from matcher.cli import main

    candidate = make.candidate(swedish_level=1)
    make.visit(candidate, make.offer(min_swedish_level=2))
    db.commit()
    time_travel.shift(LATER)
    candidate.swedish_level = 4
    db.commit()
    result = runner.invoke(args=["export-matcher", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "history.csv: 1 rader" in result.output
    files = {name: tmp_path / f"{name}.csv" for name in ("candidates", "offers", "history")}
    assert files["history"].read_text().splitlines()[0].endswith(",as_of")
    assert read_candidate_versions(files["candidates"])["swedish_level"].tolist() == [1, 4]
    status = main(["train", "--candidates", str(files["candidates"]), "--offers", str(files["offers"]),
                   "--history", str(files["history"]), "--model-out", str(tmp_path / "m.joblib"), "--no-evaluate",
                   "--quiet"])
    assert status == 0
