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


def test_the_as_of_benchmark_states_a_paired_difference_with_its_confidence_interval() -> None:
    """The as-of way is "not worse" when the interval is not wholly below zero (Student's t over the seeds)."""
    from benchmarks.bench_as_of import paired

    assert paired([0.1, 0.2, 0.3]) == "+0.200 [-0.048, +0.448]"  # 0.2 ± 4.303 × 0.0577
    assert paired([-0.02, -0.03, -0.025, -0.021]) == "-0.024 [-0.031, -0.017]"  # wholly below zero: worse
    assert paired([0.5]) == "+0.500"  # one seed has no interval
