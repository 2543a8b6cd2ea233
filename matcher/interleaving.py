"""Comparing two rankers in use: team-draft interleaving (Chapelle, Joachims, Radlinski and Yue,
"Large-scale validation and analysis of interleaved search evaluation", ACM TOIS 2012), the
crediting rule, a sign test that may be looked at after every list, and how many lists it needs.

* `team_draft(first, second, rng, limit)`: one list from two rankings. Each round the team with
  fewer rows picks (a coin decides when they have as many), and puts its best row not yet shown.
  Every prefix holds as many rows of each team, give or take one; every row comes from one of
  the two rankings and none is shown twice. The list stops at `limit` or when either ranking has
  no new row left (so the balance holds to the end).
* `credits(rows, booked)` and `winner(counts)`: a booked row credits the team that placed it; a
  list is won by the team with more credited bookings. Ties and lists without bookings do not
  count. Under two equally good rankers each counted list is a fair coin, whatever users prefer
  by position, because the coin flips put each team first equally often.
* `SequentialSignTest(max_lists, alpha)`: the decision rule. After every counted list, the
  one-sided sign test's p-value (`sign_test_p`) is compared with a stricter level
  (`per_look_level`), chosen so that the chance of ever promoting an equally good challenger within
  `max_lists` counted lists, looking after each one, is at most `alpha` (computed exactly with the
  binomial random walk, `false_promotion_rate`). Checking the plain sign test at `alpha` after
  every list would promote an equal model far more often (`peeking_false_promotion_rate`). The
  same level in the other direction abandons a challenger that loses clearly; otherwise the duel
  is abandoned after `max_lists` counted lists.
* `lists_needed(win_rate, power)`: how many counted lists the rule needs to promote a challenger
  that wins that share of counted lists, in `power` of duels (exact, the same random walk).
* `booked_lists(...)` and `simulate_duels(...)`: synthetic lists and duels from ranked lists to
  bookings, for the tests and the notebook.

Pure: numpy and scipy only; the web app keeps the duel, the lists and the bookings.
"""

from __future__ import annotations

import hashlib
import math
import random
from collections.abc import Hashable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property, lru_cache
from typing import Optional, TypeVar

import numpy as np

Item = TypeVar("Item", bound=Hashable)
Team = TypeVar("Team", bound=Hashable)

#: The decisions of `SequentialSignTest.decide`.
PROMOTE = "promote"
ABANDON_LOSING = "losing"  # the active model wins significantly
ABANDON_LIMIT = "limit"  # max_lists counted lists without a significant result
#: The chance of promoting a better challenger that `lists_needed` plans for.
POWER = 0.8
#: Win rates the duel page plans with when it has no estimate of its own yet.
PLANNING_WIN_RATES = (0.55, 0.6, 0.65, 0.7)
#: The longest duel the exact calculations accept (counted lists).
MAX_LISTS_LIMIT = 5000


# --- interleaving and crediting ----------------------------------------------------------------------
def team_draft(first: Sequence[Item], second: Sequence[Item], rng: random.Random,
               limit: Optional[int] = None) -> list[tuple[Item, int]]:
    """The team-draft interleaving of two rankings, best first: (item, team) rows where team 0 is
    `first` and team 1 `second`. `rng` flips the coin at each round that starts even."""
    rankings = (list(first), list(second))
    limit = len(set(rankings[0]) | set(rankings[1])) if limit is None else limit
    shown: list[tuple[Item, int]] = []
    taken: set[Item] = set()
    picks = [0, 0]
    position = [0, 0]

    def has_new(team: int) -> bool:
        ranking = rankings[team]
        while position[team] < len(ranking) and ranking[position[team]] in taken:
            position[team] += 1
        return position[team] < len(ranking)

    while len(shown) < limit and has_new(0) and has_new(1):
        team = 0 if picks[0] < picks[1] or (picks[0] == picks[1] and rng.random() < 0.5) else 1
        item = rankings[team][position[team]]
        shown.append((item, team))
        taken.add(item)
        picks[team] += 1
    return shown


def credits(rows: Iterable[tuple[Item, Team]], booked: Iterable[Item]) -> dict[Team, int]:
    """Credited bookings per team: each booked row credits the team that placed it (a booking of
    a row the list did not show credits nobody)."""
    team_of = dict(rows)
    counts: dict[Team, int] = {}
    for item in set(booked):
        if item in team_of:
            counts[team_of[item]] = counts.get(team_of[item], 0) + 1
    return counts


def winner(counts: Mapping[Team, int]) -> Optional[Team]:
    """The team with more credited bookings; None for a tie or a list without bookings."""
    ranked = sorted(counts.items(), key=lambda pair: -pair[1])
    if not ranked or ranked[0][1] == 0 or (len(ranked) > 1 and ranked[1][1] == ranked[0][1]):
        return None
    return ranked[0][0]


def list_draw(key: str) -> tuple[float, int]:
    """A list's own reproducible draw: a number in [0, 1) (is it interleaved?) and a seed for its
    coin flips, both from `key` (what makes the list that list)."""
    digest = hashlib.sha256(key.encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64, int.from_bytes(digest[8:16], "big")


# --- the sign test ---------------------------------------------------------------------------------
def sign_test_p(wins: int, losses: int) -> float:
    """One-sided exact sign test: the chance of at least `wins` wins in `wins + losses` counted
    lists if both models were equally good (1.0 without counted lists)."""
    from scipy.stats import binomtest

    if wins + losses == 0:
        return 1.0
    return float(binomtest(wins, wins + losses, 0.5, alternative="greater").pvalue)


def _thresholds(max_lists: int, level: float) -> np.ndarray:
    """For n = 0..max_lists counted lists, the fewest wins whose one-sided p-value is ≤ `level`
    (n + 1 where none is)."""
    from scipy.stats import binom

    n = np.arange(max_lists + 1)
    wins = np.minimum(binom.isf(level, n, 0.5) + 1, n + 1).astype(np.int64)
    # isf works in floating point: step up wherever the p-value is above the level after all.
    for _ in range(2):
        over = (wins <= n) & (binom.sf(wins - 1, n, 0.5) > level * (1 + 1e-12))
        wins = np.where(over, wins + 1, wins)
    return wins


def _walk(thresholds: np.ndarray, win_rate: float) -> tuple[np.ndarray, np.ndarray]:
    """The exact random walk of a duel whose challenger wins each counted list with `win_rate`:
    the chance of being promoted, and of being abandoned as losing, at each n = 0..max_lists."""
    max_lists = len(thresholds) - 1
    running = np.zeros(max_lists + 2)
    running[0] = 1.0
    promoted, losing = np.zeros(max_lists + 1), np.zeros(max_lists + 1)
    wins = np.arange(max_lists + 2)
    for n in range(1, max_lists + 1):
        running[1:n + 1] = running[1:n + 1] * (1 - win_rate) + running[0:n] * win_rate
        running[0] *= 1 - win_rate
        up = wins[: n + 1] >= thresholds[n]
        down = (n - wins[: n + 1]) >= thresholds[n]
        promoted[n] = running[: n + 1][up].sum()
        losing[n] = running[: n + 1][down & ~up].sum()
        running[: n + 1][up | down] = 0.0
    return promoted, losing


@lru_cache(maxsize=32)
def _calibrated(max_lists: int, alpha: float) -> float:
    """The largest per-look level whose exact false-promotion rate is ≤ alpha (bisection on the
    logarithm; the rate is a step function of the level)."""
    low, high = math.log(alpha / max_lists), math.log(alpha)  # Bonferroni is always safe

    def rate(level: float) -> float:
        return float(_walk(_thresholds(max_lists, level), 0.5)[0].sum())

    if rate(alpha) <= alpha:
        return alpha
    for _ in range(30):
        middle = (low + high) / 2
        if rate(math.exp(middle)) <= alpha:
            low = middle
        else:
            high = middle
    return math.exp(low)


@dataclass(frozen=True)
class Score:
    """Where a duel stands: counted lists won by the challenger and by the active model."""

    challenger: int = 0
    active: int = 0

    @property
    def counted(self) -> int:
        return self.challenger + self.active

    @property
    def win_rate(self) -> Optional[float]:
        return self.challenger / self.counted if self.counted else None


@dataclass(frozen=True)
class SequentialSignTest:
    """The duel's decision rule, looked at after every counted list (see the module docstring)."""

    max_lists: int
    alpha: float = 0.05
    level: Optional[float] = None  # the per-look level; None: calibrated to alpha (the naive rule: alpha)

    def __post_init__(self) -> None:
        if not 1 <= self.max_lists <= MAX_LISTS_LIMIT:
            raise ValueError(f"max_lists must be 1–{MAX_LISTS_LIMIT}, not {self.max_lists}")
        if not 0 < self.alpha < 0.5:
            raise ValueError(f"alpha must be between 0 and 0.5, not {self.alpha}")

    @cached_property
    def per_look_level(self) -> float:
        """The p-value the sign test must reach at a look for a decision."""
        return self.level if self.level is not None else _calibrated(self.max_lists, self.alpha)

    @cached_property
    def thresholds(self) -> np.ndarray:
        return _thresholds(self.max_lists, self.per_look_level)

    def p_value(self, score: Score) -> float:
        return sign_test_p(score.challenger, score.active)

    def decide(self, score: Score) -> Optional[str]:
        """PROMOTE, ABANDON_LOSING, ABANDON_LIMIT, or None while the duel goes on."""
        n = min(score.counted, self.max_lists)
        if score.counted and score.challenger >= self.thresholds[n]:
            return PROMOTE
        if score.counted and score.active >= self.thresholds[n]:
            return ABANDON_LOSING
        if score.counted >= self.max_lists:
            return ABANDON_LIMIT
        return None

    def false_promotion_rate(self) -> float:
        """The exact chance that a challenger exactly as good as the active model is promoted."""
        return float(_walk(self.thresholds, 0.5)[0].sum())

    def promotion_curve(self, win_rate: float) -> np.ndarray:
        """For n = 0..max_lists, the chance that a challenger winning `win_rate` of the counted
        lists is promoted within n of them."""
        return np.cumsum(_walk(self.thresholds, win_rate)[0])

    def promotion_probability(self, win_rate: float, within: Optional[int] = None) -> float:
        """The chance of promotion within `within` counted lists (default: at all)."""
        return float(self.promotion_curve(win_rate)[self.max_lists if within is None else within])

    def lists_needed(self, win_rate: float, power: float = POWER) -> Optional[int]:
        """The fewest counted lists within which a challenger winning `win_rate` of them is
        promoted in `power` of duels; None when `max_lists` is too few for that."""
        hits = np.flatnonzero(self.promotion_curve(win_rate) >= power)
        return int(hits[0]) if len(hits) else None


def peeking_false_promotion_rate(max_lists: int, alpha: float = 0.05) -> float:
    """What the naive rule (promote as soon as the sign test's p-value is ≤ alpha, looking after
    every list) would promote of equally good challengers: the reason for the stricter level."""
    return SequentialSignTest(max_lists, alpha, level=alpha).false_promotion_rate()


# --- simulation -------------------------------------------------------------------------------
@dataclass
class DuelOutcome:
    decision: Optional[str]
    lists: int  # counted lists when decided (or when the simulation stopped)
    score: Score


def booked_lists(
    *, active_noise: float, challenger_noise: float, n_items: int = 30, shown: int = 10, seed: int = 0,
) -> Iterator[Optional[int]]:
    """Synthetic lists with a booking, endlessly: the winner of each (0 the active model, 1 the
    challenger, None a tie). In each list `n_items` candidates have a true suitability (uniform
    0–1); each model ranks them by suitability plus normal noise of its own size (smaller is
    better); the team-draft list of `shown` rows is shown and the user books one row, looking
    top-down (the chance to look at position i falls as 1 / (i + 1)) and choosing by
    suitability. Lists without a booking are not simulated: they do not count."""
    rng = np.random.default_rng(seed)
    coins = random.Random(seed)  # noqa: S311 (a simulation's coin flips, not a secret)
    bias = 1.0 / np.arange(1, shown + 1)
    block = 256  # lists drawn at once (numpy per list would cost more than the rest)
    while True:
        truth = rng.random((block, n_items))
        actives = np.argsort(-(truth + rng.normal(0, active_noise, truth.shape)), axis=1)[:, :shown].tolist()
        challengers = np.argsort(-(truth + rng.normal(0, challenger_noise, truth.shape)), axis=1)[:, :shown].tolist()
        chances = rng.random(block).tolist()
        suitability = (truth ** 3).tolist()
        for active, challenger, chance, suits in zip(actives, challengers, chances, suitability, strict=True):
            rows = team_draft(active, challenger, coins, shown)
            weight = np.cumsum(bias[: len(rows)] * [suits[item] for item, _team in rows])
            booked = rows[int(np.searchsorted(weight, chance * weight[-1]))][0]
            yield winner(credits(rows, [booked]))


def simulate_duels(
    test: SequentialSignTest, n_duels: int, *, active_noise: float, challenger_noise: float,
    n_items: int = 30, shown: int = 10, seed: int = 0,
) -> list[DuelOutcome]:
    """Synthetic duels decided by `test`, each from lists with a booking (`booked_lists`)."""
    lists = booked_lists(active_noise=active_noise, challenger_noise=challenger_noise, n_items=n_items,
                         shown=shown, seed=seed)
    outcomes = []
    for _duel in range(n_duels):
        wins = [0, 0]  # active, challenger
        decision = None
        while decision is None:
            won = next(lists)
            if won is not None:
                wins[won] += 1
            decision = test.decide(Score(challenger=wins[1], active=wins[0]))
        score = Score(challenger=wins[1], active=wins[0])
        outcomes.append(DuelOutcome(decision, score.counted, score))
    return outcomes
