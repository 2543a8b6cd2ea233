"""Interchange readers and writers: round trips, conversions and the errors users see."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest

from matcher import io as mio
from matcher.schema import (
    CANDIDATE_COLUMNS,
    CEFR,
    FIELDS,
    HISTORY_COLUMNS,
    OFFER_COLUMNS,
    PAIR_COLUMNS,
    TARGET_GROUPS,
    WEEKDAYS,
)
from matcher.simulate import make_world

CANDIDATES_CSV = ",".join(CANDIDATE_COLUMNS) + """
C00001,hospitality|cleaning,3,ar|en,newcomer,tue|thu,56.05,12.70,false
C00002,it,5,,youth,mon|tue|wed,,,true
C00003,,0,so,long_term,fri,56.1,12.6,
"""
OFFERS_CSV = ",".join(OFFER_COLUMNS) + """
O0001,K001,hospitality,2,en,tue|wed,56.04,12.69,true,6,2
O0002,K002,it,4,,mon,,,false,4.5,0
"""
HISTORY_CSV = """candidate_id,offer_id,proposed_on,employer_response,visit_status,feedback,outcome
C00001,O0001,2022-02-01,accepted,completed,5,job
C00002,O0002,2022-05-11,declined,none,,
C00003,O0001,2022-05-12,accepted,no_show,,none
C00001,O0002,2022-08-30,none,none,,
"""


def read(reader, text: str, name: str = "file.csv") -> pd.DataFrame:
    handle = io.StringIO(text)
    handle.name = name
    return reader(handle)


def error_of(reader, text: str, name: str = "file.csv") -> mio.InterchangeError:
    with pytest.raises(mio.InterchangeError) as caught:
        read(reader, text, name)
    return caught.value


def replace_line(text: str, line: int, old: str, new: str) -> str:
    """The CSV with one occurrence of ``old`` replaced on 1-based ``line``."""
    lines = text.splitlines(keepends=True)
    assert old in lines[line - 1], (old, lines[line - 1])
    lines[line - 1] = lines[line - 1].replace(old, new, 1)
    return "".join(lines)


def test_schema_vocabularies_match_the_domain() -> None:
    assert len(FIELDS) == 21
    assert {"hospitality", "social_work", "it", "transport"} <= set(FIELDS)
    assert FIELDS["hospitality"] == "Hotell, restaurang, storhushåll"
    assert WEEKDAYS == ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
    assert TARGET_GROUPS == ("youth", "newcomer", "long_term", "other")
    assert CEFR == {0: "ingen", 1: "A1", 2: "A2", 3: "B1", 4: "B2", 5: "C1", 6: "C2"}


def test_readers_convert_cells_to_python_values() -> None:
    candidates = read(mio.read_candidates, CANDIDATES_CSV)
    assert tuple(candidates.columns) == CANDIDATE_COLUMNS
    assert candidates.loc[0, "interests"] == ["hospitality", "cleaning"]
    assert candidates.loc[1, "languages"] == []
    assert candidates.loc[2, "interests"] == []
    assert candidates["swedish_level"].tolist() == [3, 5, 0]
    assert candidates["needs_accessible"].tolist() == [False, True, False]  # empty means no
    assert np.isnan(candidates.loc[1, "lat"]) and np.isnan(candidates.loc[1, "lon"])

    offers = read(mio.read_offers, OFFERS_CSV)
    assert tuple(offers.columns) == OFFER_COLUMNS
    assert offers["hours"].tolist() == [6.0, 4.5]
    assert offers["capacity"].tolist() == [2, 0]

    history = read(mio.read_history, HISTORY_CSV)
    assert tuple(history.columns) == HISTORY_COLUMNS
    assert history.loc[0, "proposed_on"] == pd.Timestamp("2022-02-01")
    assert history.loc[0, "feedback"] == 5
    assert history["feedback"].isna().tolist() == [False, True, True, True]

    pairs = read(mio.read_pairs, "candidate_id,offer_id\nC00001,O0001\n")
    assert tuple(pairs.columns) == PAIR_COLUMNS


def test_extra_columns_are_dropped_so_they_cannot_reach_ranking() -> None:
    text = CANDIDATES_CSV.replace("needs_accessible\n", "needs_accessible,name\n", 1)
    text = text.replace("false\n", "false,Anna\n", 1)
    assert "name" not in read(mio.read_candidates, text).columns


@pytest.mark.parametrize(
    ("writer", "reader", "frame_name"),
    [
        (mio.write_candidates, mio.read_candidates, "candidates"),
        (mio.write_offers, mio.read_offers, "offers"),
        (mio.write_history, mio.read_history, "history"),
    ],
)
def test_write_then_read_round_trips_a_simulated_world(writer, reader, frame_name) -> None:
    world = make_world(n_candidates=40, n_offers=10, n_history=80, n_quarters=2, seed=4)
    frame = getattr(world, frame_name)
    buffer = io.StringIO()
    writer(frame, buffer)
    buffer.seek(0)
    pd.testing.assert_frame_equal(reader(buffer), reader_validate(frame_name)(frame))


def reader_validate(frame_name: str):
    return {
        "candidates": mio.validate_candidates,
        "offers": mio.validate_offers,
        "history": mio.validate_history,
    }[frame_name]


def test_scores_and_plan_round_trip_with_reasons_as_lists() -> None:
    scores = pd.DataFrame({
        "candidate_id": ["C00001", "C00002"],
        "offer_id": ["O0001", "O0001"],
        "score": [0.5, 0.25],
        "reasons": [["Intresse: Data/IT", "3,2 km"], ["Svenska B1 (krav A2)", "Tisdagar passar"]],
        "considerations": [[], ["Avstånd okänt"]],
        "p_accept": [0.7, 0.5],  # not in the contract: not written
    })
    buffer = io.StringIO()
    mio.write_scores(scores, buffer)
    assert buffer.getvalue().splitlines()[0] == "candidate_id,offer_id,score,reasons,considerations"
    assert '"Intresse: Data/IT|3,2 km"' in buffer.getvalue()
    buffer.seek(0)
    back = mio.read_scores(buffer)
    assert back["reasons"].tolist() == scores["reasons"].tolist()
    assert back["considerations"].tolist() == scores["considerations"].tolist()
    assert back["score"].tolist() == [0.5, 0.25]

    buffer = io.StringIO()
    mio.write_plan(scores, buffer)
    buffer.seek(0)
    assert mio.read_plan(buffer).columns.tolist() == ["candidate_id", "offer_id", "score"]


def test_in_memory_frames_go_through_the_same_validation() -> None:
    frame = pd.DataFrame({
        "candidate_id": ["C1", "C2"],
        "interests": [["it"], "hospitality|cleaning"],  # list or '|'-joined string
        "swedish_level": np.array([4, 2], dtype=np.int32),
        "languages": [("en",), None],
        "target_group": ["youth", "other"],
        "weekdays": [["mon"], []],
        "lat": [56.0, None],
        "lon": [12.7, None],
        "needs_accessible": [True, False],
    })
    out = mio.validate_candidates(frame)
    assert out["interests"].tolist() == [["it"], ["hospitality", "cleaning"]]
    assert out["languages"].tolist() == [["en"], []]
    bad = frame.assign(swedish_level=[4, 9])
    with pytest.raises(mio.InterchangeError) as caught:
        mio.validate_candidates(bad, file="databas")
    assert (caught.value.file, caught.value.row, caught.value.column) == (
        "databas", 3, "swedish_level")


@pytest.mark.parametrize(
    ("line", "old", "new", "column", "says"),
    [
        (3, "it,5", "chef,5", "interests", "unknown occupational field 'chef'"),
        (2, "cleaning,3", "cleaning,7", "swedish_level", "outside 0–6"),
        (2, "cleaning,3", "cleaning,B1", "swedish_level", "not a number"),
        (4, ",0,", ",2.5,", "swedish_level", "not a whole number"),
        (2, "ar|en", "ar|eng", "languages", "unknown language code 'eng'"),
        (2, "newcomer", "refugee", "target_group", "unknown target group 'refugee'"),
        (3, "mon|tue|wed", "mon|tis", "weekdays", "unknown weekday 'tis'"),
        (2, "56.05,12.70", "56.05,", "lon", "lon missing but lat given"),
        (2, "56.05", "95.0", "lat", "outside -90–90"),
        (3, ",true", ",kanske", "needs_accessible", "not true/false"),
        (4, "C00003", "C00001", "candidate_id", "appears more than once"),
        (3, "C00002", "", "candidate_id", "value missing"),
    ],
)
def test_candidate_errors_name_file_row_and_column(line, old, new, column, says) -> None:
    error = error_of(mio.read_candidates, replace_line(CANDIDATES_CSV, line, old, new),
                     "candidates.csv")
    assert (error.file, error.row, error.column) == ("candidates.csv", line, column)
    assert says in error.message
    assert str(error).startswith(f"candidates.csv, rad/row {line}, kolumn/column '{column}': ")


@pytest.mark.parametrize(
    ("line", "old", "new", "column", "says"),
    [
        (2, "hospitality", "hotel", "field", "unknown occupational field 'hotel'"),
        (3, ",4,", ",-1,", "min_swedish_level", "outside 0–6"),
        (2, ",6,2", ",0,2", "hours", "outside 0.5–24"),
        (2, ",6,2", ",6,-1", "capacity", "outside 0–10000"),
        (3, "K002", "", "company_id", "value missing"),
    ],
)
def test_offer_errors_name_file_row_and_column(line, old, new, column, says) -> None:
    error = error_of(mio.read_offers, replace_line(OFFERS_CSV, line, old, new), "offers.csv")
    assert (error.file, error.row, error.column) == ("offers.csv", line, column)
    assert says in error.message


@pytest.mark.parametrize(
    ("line", "old", "new", "column", "says"),
    [
        (2, "2022-02-01", "1/2/2022", "proposed_on", "is not a date YYYY-MM-DD"),
        (3, "declined", "maybe", "employer_response", "unknown response 'maybe'"),
        (3, "declined,none", "declined,completed", "visit_status", "employer_response is"),
        (2, ",5,", ",6,", "feedback", "outside 1–5"),
        (4, "no_show,,", "no_show,3,", "feedback", "feedback given but the visit is not"),
        (2, "job", "pension", "outcome", "unknown outcome 'pension'"),
    ],
)
def test_history_errors_name_file_row_and_column(line, old, new, column, says) -> None:
    error = error_of(mio.read_history, replace_line(HISTORY_CSV, line, old, new), "history.csv")
    assert (error.file, error.row, error.column) == ("history.csv", line, column)
    assert says in error.message


def test_missing_column_is_reported_on_the_header_row() -> None:
    text = OFFERS_CSV.replace(",capacity", "", 1)
    error = error_of(mio.read_offers, text, "offers.csv")
    assert (error.row, error.column) == (1, "capacity")
    assert "column missing" in error.message


def test_whole_file_problems_have_no_row(tmp_path) -> None:
    missing = tmp_path / "nowhere.csv"
    with pytest.raises(mio.InterchangeError, match="file not found") as caught:
        mio.read_pairs(missing)
    assert caught.value.file == "nowhere.csv"

    latin = tmp_path / "latin1.csv"
    latin.write_bytes("candidate_id,offer_id\nC1,Ö1\n".encode("latin-1"))
    with pytest.raises(mio.InterchangeError, match="not UTF-8"):
        mio.read_pairs(latin)

    empty = tmp_path / "empty.csv"
    empty.write_text("")
    with pytest.raises(mio.InterchangeError, match="file is empty"):
        mio.read_pairs(empty)


def test_duplicate_pairs_are_refused() -> None:
    error = error_of(mio.read_pairs, "candidate_id,offer_id\nC1,O1\nC2,O1\nC1,O1\n", "pairs.csv")
    assert (error.row, error.column) == (4, "offer_id")


def test_writers_refuse_frames_that_break_the_contract() -> None:
    world = make_world(n_candidates=5, n_offers=3, n_history=0, seed=1)
    broken = world.offers.assign(field=["it", "it", "rocket_science"])
    with pytest.raises(mio.InterchangeError, match="rocket_science"):
        mio.write_offers(broken, io.StringIO())
