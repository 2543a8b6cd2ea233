"""The benchmark's generated inputs keep up with the formats they feed (a new import column
made `make bench` fail at its last step)."""

from __future__ import annotations

import csv
import io

from benchmarks.imports import candidate_file
from models.operations import candidates as candidate_ops
from models.operations.spreadsheet import read_table


def test_the_generated_candidate_file_has_every_import_column_and_reads_back() -> None:
    data = candidate_file(5, seed=1)
    rows = list(csv.reader(io.StringIO(data.decode("utf-8")), delimiter=";"))
    assert rows[0] == [spec.header for spec in candidate_ops.IMPORT_COLUMNS]
    assert len(rows) == 6 and all(len(r) == len(rows[0]) for r in rows)
    table = read_table("kandidater.csv", data)
    assert len(table.rows) == 5
