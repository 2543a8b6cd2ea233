"""Diversity-aware selection for a network meeting: which of the invited and signed-up companies
get a place, so that every channel's quota is filled and the group comes as close as possible to
target shares (industry, company size and, where given voluntarily, the representative's gender
and background).

An integer program (``scipy.optimize.milp``, HiGHS): one 0/1 variable per company, one deviation
variable per attribute value. Each channel's places are filled exactly; a company that already
holds its place (an open sign-up that came in time) is fixed in. For an attribute ``a`` and one
of its values ``v`` with target share ``t``, the deviation ``d ≥ |count(v) − t · R_a|`` where
``R_a`` is the number of selected companies whose ``a`` is known (so an attribute some companies
leave blank is measured among those who gave it, and stays linear). The objective is the sum of
the deviations as shares of the places, weighted per attribute; among equally close selections
a second solve prefers the earlier sign-ups. Values without a target of their own share the rest
(1 − the targets' sum) as "other".

A pure function on a DataFrame: no database, no clock. ``first_come`` is the plain rule to
compare with (each channel filled in sign-up order).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final

import numpy as np
import pandas as pd
from scipy import sparse
from scipy.optimize import Bounds, LinearConstraint, milp

OTHER: Final[str] = "__other__"
_TOL: Final[float] = 1e-9
#: How far the tie-break may move the deviation (as a share): solver tolerance only.
_SLACK: Final[float] = 1e-7


class SelectionInfeasible(ValueError):
    """No selection meets the quotas. ``code``: ``too_few`` (the channel has fewer companies than
    places), ``too_many_fixed`` (more companies already hold a place than it has), ``targets``
    (shares below 0 or adding up to more than 1), ``solver``."""

    def __init__(self, code: str, *, channel: str | None = None, quota: int = 0, available: int = 0,
                 attribute: str | None = None) -> None:
        super().__init__(f"{code}: channel={channel} quota={quota} available={available} attribute={attribute}")
        self.code = code
        self.channel = channel
        self.quota = quota
        self.available = available
        self.attribute = attribute


@dataclass(frozen=True)
class ShareRow:
    attribute: str
    value: str  # OTHER for the values without a target of their own
    target: float
    achieved: float | None  # None when no selected company gave the attribute
    first_come: float | None
    count: int
    first_come_count: int


@dataclass
class SelectionResult:
    selected: list[Any]  # ids, in channel and sign-up order
    first_come: list[Any]
    deviation: float  # sum of |achieved − target| over every attribute value, weighted
    first_come_deviation: float
    shares: list[ShareRow] = field(default_factory=list)
    per_channel: dict[str, int] = field(default_factory=dict)

    @property
    def improvement(self) -> float:
        return self.first_come_deviation - self.deviation


def _buckets(values: pd.Series, targets: Mapping[str, float]) -> tuple[list[str], list[float], np.ndarray]:
    """The attribute's values with targets (plus OTHER when any share or company is left over),
    their target shares, and each company's bucket position (−1 where the value is not given)."""
    names = list(targets)
    shares = [float(targets[name]) for name in names]
    known = values.notna() & (values.astype(str).str.strip() != "")
    rest = 1.0 - sum(shares)
    unlisted = known & ~values.isin(names)
    if rest > _TOL or unlisted.any():
        names.append(OTHER)
        shares.append(max(rest, 0.0))
    index = pd.Index(names)
    position = np.where(known, index.get_indexer(values.where(~unlisted, OTHER)), -1)
    return names, shares, position


def _check(pool: pd.DataFrame, quotas: Mapping[str, int], targets: Mapping[str, Mapping[str, float]]) -> None:
    for attribute, shares in targets.items():
        if attribute not in pool.columns:
            raise SelectionInfeasible("targets", attribute=attribute)
        if any(s < -_TOL for s in shares.values()) or sum(shares.values()) > 1 + 1e-6:
            raise SelectionInfeasible("targets", attribute=attribute)
    for channel, quota in quotas.items():
        members = pool["channel"] == channel
        available, fixed = int(members.sum()), int((members & pool["fixed"]).sum())
        if fixed > quota:
            raise SelectionInfeasible("too_many_fixed", channel=channel, quota=quota, available=fixed)
        if available < quota:
            raise SelectionInfeasible("too_few", channel=channel, quota=quota, available=available)


def _deviation(chosen: np.ndarray, encoded: list[tuple[float, list[float], np.ndarray]], places: int) -> float:
    total = 0.0
    for weight, shares, position in encoded:
        known = int((chosen & (position >= 0)).sum())
        for b, share in enumerate(shares):
            total += weight * abs(int((chosen & (position == b)).sum()) - share * known) / places
    return total


def first_come(pool: pd.DataFrame, quotas: Mapping[str, int]) -> np.ndarray:
    """Each channel filled in sign-up order (those holding a place first)."""
    chosen = np.zeros(len(pool), dtype=bool)
    for channel, quota in quotas.items():
        members = pool.index[pool["channel"] == channel]
        ordered = pool.loc[members].sort_values(["fixed", "order"], ascending=[False, True], kind="stable")
        chosen[pool.index.get_indexer(ordered.index[:quota])] = True
    return chosen


def select(
    pool: pd.DataFrame,
    quotas: Mapping[str, int],
    targets: Mapping[str, Mapping[str, float]],
    weights: Mapping[str, float] | None = None,
) -> SelectionResult:
    """Choose ``quotas[channel]`` companies from each channel of ``pool`` (columns ``id``,
    ``channel``, ``order`` (sign-up rank), ``fixed`` (already holds a place) and one column per
    attribute in ``targets``), closest to the target shares. Raises ``SelectionInfeasible``."""
    pool = pool.reset_index(drop=True)
    pool["fixed"] = pool["fixed"].astype(bool)
    quotas = {c: int(q) for c, q in quotas.items() if int(q) > 0}
    pool = pool[pool["channel"].isin(list(quotas))].reset_index(drop=True)
    _check(pool, quotas, targets)
    n, places = len(pool), sum(quotas.values())
    encoded = []
    for attribute, shares in targets.items():
        names, target_shares, position = _buckets(pool[attribute], shares)
        encoded.append((float((weights or {}).get(attribute, 1.0)), target_shares, position))
    fcfs = first_come(pool, quotas)
    if places == 0:
        return _result(pool, np.zeros(n, dtype=bool), fcfs, targets, encoded, quotas, 1)

    rows: list[sparse.csr_matrix] = []
    lower: list[np.ndarray] = []
    upper: list[np.ndarray] = []
    channel_rows = sparse.csr_matrix(
        np.vstack([(pool["channel"] == c).to_numpy(dtype=float) for c in quotas])
    )
    n_dev = sum(len(shares) for _, shares, _ in encoded)
    rows.append(sparse.hstack([channel_rows, sparse.csr_matrix((len(quotas), n_dev))]))
    q = np.array(list(quotas.values()), dtype=float)
    lower.append(q)
    upper.append(q)
    cost = np.zeros(n + n_dev)
    column = n
    for weight, shares, position in encoded:
        for b, share in enumerate(shares):
            # count(b) − share · known − d ≤ 0   and   −count(b) + share · known − d ≤ 0
            coef = (position == b).astype(float) - share * (position >= 0)
            dev = np.zeros(n_dev)
            dev[column - n] = 1.0
            rows.append(sparse.csr_matrix(np.vstack([np.r_[coef, -dev], np.r_[-coef, -dev]])))
            lower.append(np.full(2, -np.inf))
            upper.append(np.zeros(2))
            cost[column] = weight / places
            column += 1
    a = sparse.vstack(rows).tocsr()
    integrality = np.r_[np.ones(n), np.zeros(n_dev)]
    bounds = Bounds(np.r_[pool["fixed"].to_numpy(dtype=float), np.zeros(n_dev)],
                    np.r_[np.ones(n), np.full(n_dev, np.inf)])
    constraints = [LinearConstraint(a, np.concatenate(lower), np.concatenate(upper))]
    options = {"mip_rel_gap": 1e-9}
    result = milp(cost, constraints=constraints, integrality=integrality, bounds=bounds, options=options)
    if result.status != 0 or result.x is None:
        raise SelectionInfeasible("solver")
    # Among the closest selections, the earliest sign-ups: the same program with the deviation
    # held at its optimum and the sign-up ranks to minimise.
    best = float(cost @ result.x)
    constraints.append(LinearConstraint(cost.reshape(1, -1), -np.inf, best + _SLACK))
    ranks = np.r_[pool["order"].rank(method="first").to_numpy(), np.zeros(n_dev)]
    tie = milp(ranks, constraints=constraints, integrality=integrality, bounds=bounds, options=options)
    if tie.status == 0 and tie.x is not None:
        result = tie
    chosen = result.x[:n] > 0.5
    return _result(pool, chosen, fcfs, targets, encoded, quotas, places)


def _result(pool: pd.DataFrame, chosen: np.ndarray, fcfs: np.ndarray, targets: Mapping[str, Mapping[str, float]],
            encoded: list[tuple[float, list[float], np.ndarray]], quotas: Mapping[str, int],
            places: int) -> SelectionResult:
    shares: list[ShareRow] = []
    for attribute, (_, target_shares, position) in zip(targets, encoded, strict=True):
        names = [*targets[attribute], OTHER][: len(target_shares)]
        known, known_fcfs = int((chosen & (position >= 0)).sum()), int((fcfs & (position >= 0)).sum())
        for b, (name, target) in enumerate(zip(names, target_shares, strict=True)):
            count, count_fcfs = int((chosen & (position == b)).sum()), int((fcfs & (position == b)).sum())
            shares.append(ShareRow(
                attribute=attribute, value=name, target=target,
                achieved=count / known if known else None, first_come=count_fcfs / known_fcfs if known_fcfs else None,
                count=count, first_come_count=count_fcfs,
            ))
    order = pool.assign(_chosen=chosen, _fcfs=fcfs).sort_values(["channel", "order"], kind="stable")
    return SelectionResult(
        selected=order.loc[order["_chosen"], "id"].tolist(),
        first_come=order.loc[order["_fcfs"], "id"].tolist(),
        deviation=_deviation(chosen, encoded, places),
        first_come_deviation=_deviation(fcfs, encoded, places),
        shares=shares,
        per_channel={c: int((chosen & (pool["channel"] == c).to_numpy()).sum()) for c in quotas},
    )
