"""Team-draft interleaving, its crediting rule, the sequential sign test and its forecast
(matcher/interleaving.py), and the simulation the duel page's promises rest on: a clearly better
model wins within the number of lists the page predicts, and two equally good models are not
separated (false promotions ≤ 5 %) although the score is looked at after every list."""

from __future__ import annotations

import random

import numpy as np
import pytest
from scipy.stats import binomtest

import matcher
from matcher.interleaving import (
    ABANDON_LIMIT,
    ABANDON_LOSING,
    PROMOTE,
    Score,
    SequentialSignTest,
    booked_lists,
    credits,
    list_draw,
    peeking_false_promotion_rate,
    sign_test_p,
    simulate_duels,
    team_draft,
    winner,
)


def _rankings(rng: random.Random, pool: int, length: int) -> tuple[list[int], list[int]]:
    items = list(range(pool))
    first, second = rng.sample(items, length), rng.sample(items, length)
    return first, second


@pytest.mark.parametrize("seed", range(200))
def test_team_draft_is_balanced_complete_and_without_duplicates(seed: int) -> None:
    rng = random.Random(seed)
    pool = rng.choice([5, 12, 40])
    length = rng.randint(1, min(pool, 20))
    first, second = _rankings(rng, pool, length)
    limit = rng.choice([None, 3, 10])
    rows = team_draft(first, second, random.Random(seed), limit)
    items = [item for item, _team in rows]
    assert len(items) == len(set(items)), "no row twice"
    for item, team in rows:
        assert item in (first, second)[team], "every row comes from the ranking of the team that placed it"
    for end in range(1, len(rows) + 1):
        picks = [team for _item, team in rows[:end]]
        assert abs(picks.count(0) - picks.count(1)) <= 1, f"prefix {end} unbalanced: {picks}"
    # The list is as long as asked, unless a ranking ran out of rows not yet shown.
    wanted = len(set(first) | set(second)) if limit is None else limit
    if len(rows) < wanted:
        shown = set(items)
        assert set(first) <= shown or set(second) <= shown


def test_each_team_picks_its_own_best_row_not_yet_shown() -> None:
    rows = team_draft([1, 2, 3, 4], [2, 5, 1, 6], random.Random(3), 4)
    by_team = {0: [i for i, t in rows if t == 0], 1: [i for i, t in rows if t == 1]}
    shown: set[int] = set()
    for item, team in rows:
        own = [1, 2, 3, 4] if team == 0 else [2, 5, 1, 6]
        assert item == next(i for i in own if i not in shown)
        shown.add(item)
    assert sorted(by_team[0] + by_team[1]) == sorted(i for i, _t in rows)


def test_identical_rankings_give_the_same_list_and_each_team_goes_first_half_the_time() -> None:
    ranking = list(range(10))
    firsts = []
    for seed in range(2000):
        rows = team_draft(ranking, ranking, random.Random(seed), 10)
        assert [item for item, _team in rows] == ranking
        firsts.append(rows[0][1])
    assert binomtest(sum(firsts), len(firsts)).pvalue > 0.01


def test_a_list_s_draw_is_reproducible_and_spread_evenly() -> None:
    assert list_draw("1|offer-list|7") == list_draw("1|offer-list|7")
    assert list_draw("1|offer-list|7") != list_draw("1|offer-list|8")
    shares = [list_draw(f"duel|{n}")[0] for n in range(4000)]
    assert min(shares) >= 0 and max(shares) < 1
    assert abs(np.mean(np.array(shares) < 0.3) - 0.3) < 0.03


def test_a_booking_credits_the_team_that_placed_the_row_and_the_list_goes_to_the_most_credits() -> None:
    rows = [(11, "A"), (22, "B"), (33, "A"), (44, "B")]
    assert credits(rows, [22]) == {"B": 1}
    assert winner(credits(rows, [22])) == "B"
    assert winner(credits(rows, [11, 33, 22])) == "A"
    assert winner(credits(rows, [11, 22])) is None, "a tie does not count"
    assert winner(credits(rows, [])) is None, "a list without bookings does not count"
    assert credits(rows, [99]) == {}, "a row the list did not show credits nobody"
    assert credits(rows, [22, 22]) == {"B": 1}, "the same row booked twice counts once"


def test_sign_test() -> None:
    assert sign_test_p(0, 0) == 1.0
    assert sign_test_p(10, 0) == pytest.approx(0.5 ** 10)
    assert sign_test_p(5, 5) == pytest.approx(0.623046875)
    assert sign_test_p(3, 7) > sign_test_p(7, 3)


@pytest.mark.parametrize("max_lists", [50, 100, 300])
def test_looking_after_every_list_keeps_false_promotions_at_alpha_where_the_plain_test_does_not(max_lists) -> None:
    test = SequentialSignTest(max_lists, alpha=0.05)
    assert test.false_promotion_rate() <= 0.05
    assert test.per_look_level < 0.05
    assert peeking_false_promotion_rate(max_lists, 0.05) > 0.1, "peeking at 5 % promotes equal models far too often"


def test_the_rule_promotes_abandons_and_waits() -> None:
    test = SequentialSignTest(100)
    needed = int(test.thresholds[20])
    assert test.decide(Score(challenger=needed, active=20 - needed)) == PROMOTE
    assert test.decide(Score(challenger=20 - needed, active=needed)) == ABANDON_LOSING
    assert test.decide(Score(challenger=11, active=9)) is None
    assert test.decide(Score(challenger=52, active=48)) == ABANDON_LIMIT
    assert test.p_value(Score(challenger=needed, active=20 - needed)) <= test.per_look_level


def test_forecast_needs_more_lists_for_a_smaller_lead() -> None:
    test = SequentialSignTest(1000)
    needed = [test.lists_needed(rate) for rate in (0.6, 0.65, 0.7, 0.8)]
    assert all(n is not None for n in needed)
    assert needed == sorted(needed, reverse=True)
    assert test.promotion_probability(0.7, needed[2]) >= 0.8 > test.promotion_probability(0.7, needed[2] - 1)
    assert SequentialSignTest(30).lists_needed(0.55) is None, "30 lists cannot show a 55 % lead"


def test_the_library_exports_the_interleaving() -> None:
    assert matcher.team_draft is team_draft
    assert matcher.SequentialSignTest is SequentialSignTest


# --- the simulation -----------------------------------------------------------------------------
MAX_LISTS = 100


def test_simulation_two_equal_models_are_not_separated() -> None:
    """1,000 duels of two equally good models (each ranks with noise of the same size), scored
    through interleaving and bookings and looked at after every list: at most 5 % are promoted."""
    test = SequentialSignTest(MAX_LISTS, alpha=0.05)
    outcomes = simulate_duels(test, 1000, active_noise=0.3, challenger_noise=0.3, seed=11)
    promoted = sum(o.decision == PROMOTE for o in outcomes)
    rate = promoted / len(outcomes)
    print(f"false promotions: {promoted} of {len(outcomes)} ({rate:.1%}); exact {test.false_promotion_rate():.2%}")
    assert test.false_promotion_rate() <= 0.05
    assert rate <= 0.05
    # and the simulated rate agrees with the exact one (the interleaving makes each list a fair coin)
    assert binomtest(promoted, len(outcomes), test.false_promotion_rate()).pvalue > 0.01
    # Equal models win as many lists each.
    wins = sum(o.score.challenger for o in outcomes), sum(o.score.active for o in outcomes)
    assert binomtest(wins[0], sum(wins)).pvalue > 0.01


def test_simulation_the_plain_sign_test_looked_at_after_every_list_would_separate_equal_models() -> None:
    """The design matters: with the per-look level set to 5 %, equal models are separated often."""
    naive = SequentialSignTest(MAX_LISTS, alpha=0.05, level=0.05)  # the plain test's level at every look
    outcomes = simulate_duels(naive, 300, active_noise=0.3, challenger_noise=0.3, seed=12)
    assert sum(o.decision == PROMOTE for o in outcomes) / len(outcomes) > 0.1


def test_simulation_a_clearly_better_model_wins_within_the_predicted_number_of_lists() -> None:
    """The challenger ranks with far less noise. The page predicts, from the share of lists it
    wins, how many counted lists give promotion in 8 duels of 10; in most duels it is promoted
    within that many."""
    test = SequentialSignTest(2 * MAX_LISTS, alpha=0.05)
    lists = booked_lists(active_noise=0.6, challenger_noise=0.1, seed=21)
    pilot = [w for w in (next(lists) for _ in range(2000)) if w is not None]
    win_rate = sum(pilot) / len(pilot)  # the challenger's share of the lists it or the active model won
    assert win_rate > 0.6
    predicted = test.lists_needed(win_rate)
    assert predicted is not None and predicted < test.max_lists
    outcomes = simulate_duels(test, 200, active_noise=0.6, challenger_noise=0.1, seed=22)
    within = sum(o.decision == PROMOTE and o.lists <= predicted for o in outcomes) / len(outcomes)
    print(f"win rate {win_rate:.2f}: predicted {predicted} lists; promoted within them in {within:.0%}")
    assert within >= 0.7
    assert sum(o.decision == PROMOTE for o in outcomes) / len(outcomes) >= 0.9
    assert not any(o.decision == ABANDON_LOSING for o in outcomes)
