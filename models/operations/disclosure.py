"""Small counts in what the steering group sees: which cells of a published table to hide so that
no hidden count of 1–4 persons can be worked out from everything published together.

A table is a grid of counts with the sums that are published about it (`Grid`):
- `row_total`: its last column is each row's total over the other columns (a category's
  figure for the whole period next to its quarters);
- `column_totals`: each column's sum over the rows is published elsewhere as a top-line
  figure (new persons per quarter, persons in total) or is assumed known;
- `fixed`: cells another published figure pins down (attendance in a quarter when no session
  of the activity was held is 0), which a move may not use.

Primary suppression hides every count of 1–4. Secondary suppression then makes each of those
cells **unresolvable**: whatever the published sums, the cell could be 0 and could be 4 (or as
much as its published column sum allows, if that is less). The proof used is the one of the
hypercube method of statistical offices: a set of hidden cells (a pair in one line, or the four
corners of a rectangle when rows and columns both have published sums) along which the values
can be shifted +d/−d without changing any published sum or making any count negative, far
enough to take the cell to 0 and to 4. Among the possible sets the one hiding the least is
chosen. Where no such set exists, the whole table is withheld. Adding hidden cells never
narrows an interval, so each proof holds for the final table.

`tests/test_disclosure.py` checks the result the way tau-Argus audits a table: every hidden
cell a variable, every published sum an equation, linear programming for each hidden cell's
interval, on random small programmes and on the demo. docs/disclosure.md states the rule.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Optional

SMALL_COUNT = 5  # counts 1..SMALL_COUNT-1 are hidden
TOP = SMALL_COUNT - 1
SUPPRESSED = "x"  # Statistics Sweden's mark for a figure withheld for confidentiality

Cell = tuple[int, int]


@dataclass(frozen=True)
class Grid:
    values: Sequence[Sequence[int]]
    row_total: bool = False  # the last column is the row's total
    column_totals: bool = False  # each column's sum is published
    # Cells whose value anyone can tell from other published figures (no attendance in a quarter
    # with no session held): they cannot move, so they never protect another cell.
    fixed: frozenset[Cell] = frozenset()

    @property
    def shape(self) -> tuple[int, int]:
        return len(self.values), (len(self.values[0]) if self.values else 0)

    def value(self, cell: Cell) -> int:
        return int(self.values[cell[0]][cell[1]])

    def sign(self, column: int) -> int:
        """The column's coefficient in its row's equation: +1, or −1 for the total column."""
        return -1 if self.row_total and column == self.shape[1] - 1 else 1

    def cells(self) -> Iterable[Cell]:
        rows, columns = self.shape
        return itertools.product(range(rows), range(columns))

    def column_sum(self, column: int) -> int:
        return sum(int(row[column]) for row in self.values)

    def reach(self, cell: Cell) -> int:
        """How high the cell must be shown able to go: 4, or less where its column's published
        sum (which is known whatever is hidden) is smaller."""
        return min(TOP, self.column_sum(cell[1])) if self.column_totals else TOP


def primary(grid: Grid) -> set[Cell]:
    return {cell for cell in grid.cells() if 0 < grid.value(cell) < SMALL_COUNT}


def _moves(grid: Grid, cell: Cell) -> Iterable[dict[Cell, int]]:
    """Each smallest set of cells (with signs) along which `cell` can change by +1 while every
    published sum stays the same."""
    rows, columns = grid.shape
    r1, c1 = cell
    if grid.row_total and grid.column_totals:
        for r2, c2 in itertools.product(range(rows), range(columns)):
            if r2 != r1 and c2 != c1:
                ratio = grid.sign(c1) * grid.sign(c2)  # s1/s2 with s = ±1
                yield {cell: 1, (r1, c2): -ratio, (r2, c1): -1, (r2, c2): ratio}
    elif grid.row_total:
        for c2 in range(columns):
            if c2 != c1:
                yield {cell: 1, (r1, c2): -grid.sign(c1) * grid.sign(c2)}
    elif grid.column_totals:
        for r2 in range(rows):
            if r2 != r1:
                yield {cell: 1, (r2, c1): -1}
    else:  # nothing about the cell is published: it cannot be worked out at all
        yield {cell: 1}


def _protects(grid: Grid, move: dict[Cell, int], cell: Cell) -> bool:
    """Shifting along `move` takes `cell` to 0 and to its reach without a negative count."""
    value = grid.value(cell)
    for shift in (-value, grid.reach(cell) - value):
        if any(grid.value(c) + shift * sign < 0 for c, sign in move.items()):
            return False
    return True


def hidden_cells(grid: Grid) -> set[Cell]:
    """The cells to hide: the small counts, and what protects them; every cell when that fails."""
    hidden = primary(grid)
    for cell in sorted(hidden, key=grid.value):
        moves = [m for m in _moves(grid, cell) if not grid.fixed & m.keys() and _protects(grid, m, cell)]
        if not moves:
            return set(grid.cells())
        if any(set(m) <= hidden for m in moves):
            continue
        cheapest = min(moves, key=lambda m: (len(set(m) - hidden), sum(grid.value(c) for c in set(m) - hidden)))
        hidden |= set(cheapest)
    return hidden


def publish(grid: Grid) -> list[list[Optional[int]]]:
    """The grid as it may be shown: None where a cell is hidden."""
    hidden = hidden_cells(grid)
    rows, columns = grid.shape
    return [[None if (r, c) in hidden else grid.value((r, c)) for c in range(columns)] for r in range(rows)]
