"""The meeting selection: it fills every channel's quota, keeps the places already given, comes
closer to the target shares than first come, first served on a skewed pool, is optimal on small
pools (checked against every possible selection), and says clearly when no selection exists."""

from __future__ import annotations

import itertools
import random

import numpy as np
import pandas as pd
import pytest

from matcher.diversity import OTHER, SelectionInfeasible, first_come, select

SIZE_TARGETS = {"micro": 0.25, "small": 0.25, "medium": 0.25, "large": 0.25}


def company(i, channel, industry, size, *, fixed=False, gender=None):
    return {"id": i, "channel": channel, "order": i, "fixed": fixed, "industry": industry, "size": size,
            "gender": gender}


def skewed_pool() -> pd.DataFrame:
    """The first sign-ups in every channel are large IT companies; the diverse ones came later."""
    rows = []
    for channel in ("city", "organisation", "open"):
        base = {"city": 0, "organisation": 100, "open": 200}[channel]
        rows += [company(base + i, channel, "IT", "large") for i in range(10)]
        for i, (industry, size) in enumerate(itertools.product(["Bygg", "Hotell och restaurang", "Vård"],
                                                               ["micro", "small", "medium"])):
            rows.append(company(base + 10 + i, channel, industry, size))
    return pd.DataFrame(rows)


def test_it_fills_every_quota_and_beats_first_come_on_a_skewed_pool() -> None:
    pool = skewed_pool()
    quotas = {"city": 8, "organisation": 8, "open": 8}
    targets = {"industry": {"IT": 0.25, "Bygg": 0.25, "Hotell och restaurang": 0.25, "Vård": 0.25},
               "size": SIZE_TARGETS}
    result = select(pool, quotas, targets)

    assert result.per_channel == quotas
    chosen = pool.set_index("id").loc[result.selected]
    assert chosen["channel"].value_counts().to_dict() == quotas
    assert len(set(result.selected)) == 24
    # First come takes only large IT companies: every share is off; the selection hits them.
    assert set(pool.set_index("id").loc[result.first_come, "industry"]) == {"IT"}
    assert result.deviation < result.first_come_deviation
    assert result.deviation == pytest.approx(0.0)
    industry = {row.value: row for row in result.shares if row.attribute == "industry"}
    assert industry["IT"].achieved == pytest.approx(0.25) and industry["IT"].first_come == pytest.approx(1.0)
    assert industry["Vård"].count == 6 and industry["Vård"].first_come_count == 0


def test_places_already_given_are_kept() -> None:
    pool = skewed_pool()
    pool.loc[pool["channel"] == "open", "fixed"] = pool["order"] < 203  # the first three open sign-ups
    result = select(pool, {"open": 6}, {"industry": {"IT": 0.0}})
    assert {200, 201, 202} <= set(result.selected)
    assert len(result.selected) == 6
    assert set(result.selected) <= set(pool.loc[pool["channel"] == "open", "id"])


def test_ties_go_to_the_earlier_sign_up() -> None:
    pool = pd.DataFrame([company(i, "city", "Bygg", "small") for i in range(6)])
    assert select(pool, {"city": 3}, {"industry": {"Bygg": 1.0}}).selected == [0, 1, 2]


def test_an_optional_attribute_is_measured_among_those_who_gave_it() -> None:
    rows = [company(i, "city", "Bygg", "small", gender=g)
            for i, g in enumerate(["man", "man", "man", None, None, "woman", "woman", None])]
    result = select(pd.DataFrame(rows), {"city": 4}, {"gender": {"woman": 0.5, "man": 0.5}})
    gender = {row.value: row for row in result.shares if row.attribute == "gender"}
    assert gender["woman"].achieved == pytest.approx(0.5)
    assert gender["woman"].count == gender["man"].count
    assert result.deviation == pytest.approx(0.0)


def test_unlisted_values_share_the_rest_as_other() -> None:
    rows = [company(i, "city", industry, "small") for i, industry in enumerate(["IT", "IT", "Bygg", "Vård", "Handel"])]
    result = select(pd.DataFrame(rows), {"city": 2}, {"industry": {"IT": 0.5}})
    industry = {row.value: row for row in result.shares}
    assert set(industry) == {"IT", OTHER}
    assert industry[OTHER].target == pytest.approx(0.5)
    assert industry["IT"].count == 1 and industry[OTHER].count == 1


@pytest.mark.parametrize("seed", range(8))
def test_it_is_optimal_on_small_pools(seed: int) -> None:
    """Against every selection that meets the quotas, on random small pools."""
    rng = random.Random(seed)
    rows = [company(i, rng.choice(["city", "open"]), rng.choice(["IT", "Bygg", "Vård"]),
                    rng.choice(["micro", "large"]), gender=rng.choice(["woman", "man", None]))
            for i in range(10)]
    pool = pd.DataFrame(rows)
    sizes = pool["channel"].value_counts()
    quotas = {"city": min(3, int(sizes.get("city", 0))), "open": min(2, int(sizes.get("open", 0)))}
    targets = {"industry": {"IT": 0.2, "Bygg": 0.4}, "size": {"micro": 0.6}, "gender": {"woman": 0.5}}
    result = select(pool, quotas, targets)

    def deviation(ids):
        chosen = pool["id"].isin(ids).to_numpy()
        total = 0.0
        for attribute, shares in targets.items():
            values = pool[attribute]
            known = chosen & values.notna().to_numpy()
            buckets = {**shares, OTHER: 1 - sum(shares.values())}
            for value, share in buckets.items():
                match = values.isin([value]) if value != OTHER else values.notna() & ~values.isin(list(shares))
                total += abs(int((chosen & match.to_numpy()).sum()) - share * int(known.sum())) / sum(quotas.values())
        return total

    per_channel = [list(itertools.combinations(pool.loc[pool["channel"] == c, "id"], q)) for c, q in quotas.items()]
    best = min(deviation([i for part in combo for i in part]) for combo in itertools.product(*per_channel))
    assert result.deviation == pytest.approx(best, abs=1e-6)
    assert result.deviation == pytest.approx(deviation(result.selected), abs=1e-9)
    assert result.deviation <= result.first_come_deviation + 1e-9


def test_too_few_companies_in_a_channel_is_a_clear_refusal() -> None:
    pool = pd.DataFrame([company(i, "organisation", "IT", "small") for i in range(3)])
    with pytest.raises(SelectionInfeasible) as refused:
        select(pool, {"organisation": 5}, {"industry": {"IT": 1.0}})
    assert (refused.value.code, refused.value.channel, refused.value.quota, refused.value.available) == (
        "too_few", "organisation", 5, 3)


def test_more_places_given_than_the_quota_is_a_clear_refusal() -> None:
    pool = pd.DataFrame([company(i, "open", "IT", "small", fixed=True) for i in range(4)])
    with pytest.raises(SelectionInfeasible) as refused:
        select(pool, {"open": 3}, {})
    assert refused.value.code == "too_many_fixed" and refused.value.available == 4


def test_targets_above_one_are_refused() -> None:
    pool = pd.DataFrame([company(i, "city", "IT", "small") for i in range(4)])
    with pytest.raises(SelectionInfeasible) as refused:
        select(pool, {"city": 2}, {"size": {"small": 0.7, "large": 0.6}})
    assert refused.value.code == "targets" and refused.value.attribute == "size"


def test_first_come_takes_the_earliest_in_each_channel() -> None:
    pool = pd.DataFrame([company(i, "city" if i % 2 else "open", "IT", "small") for i in range(8)])
    chosen = first_come(pool, {"city": 2, "open": 1})
    assert pool.loc[np.flatnonzero(chosen), "id"].tolist() == [0, 1, 3]
