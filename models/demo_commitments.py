"""The demo seed's commitments: some of the network's companies have promised places through a
procurement contract, a land or lease agreement, a social agreement or a voluntary pledge (seed
001). The first demo employer's company has one, so its portal shows a commitment."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Sequence

from sqlalchemy.orm import Session

from .commitments import Commitment, CommitmentPromise, CommitmentSource, PromiseKind
from .companies import Company

DEPARTMENTS = (
    ("Stadsbyggnadsförvaltningen", "SBF"),
    ("Fastighetsförvaltningen", "FF"),
    ("Vård- och omsorgsförvaltningen", "VOF"),
    ("Arbetsmarknadsförvaltningen", "AMF"),
)
SOURCES = (CommitmentSource.PROCUREMENT, CommitmentSource.PROCUREMENT, CommitmentSource.LAND_LEASE,
           CommitmentSource.SOCIAL_AGREEMENT, CommitmentSource.PLEDGE)


def seed_commitments(session: Session, companies: Sequence[Company], today: dt.date, seed: int) -> int:
    """A commitment for the first company and about every fifth of the others; returns how many."""
    rng = random.Random(seed + 25)  # noqa: S311 (made-up commitments for the demo, not a secret)
    chosen = [companies[0], *(c for c in companies[1:] if rng.random() < 0.2)] if companies else []
    for n, company in enumerate(chosen, start=1):
        department, code = DEPARTMENTS[n % len(DEPARTMENTS)]
        start = dt.date(today.year - rng.choice((0, 1)), rng.choice((1, 4, 7)), 1)
        kinds = rng.sample(list(PromiseKind), rng.choice((1, 1, 2)))
        if n == 1:
            kinds = [PromiseKind.VISITS, PromiseKind.INTERNSHIPS]
        per_year = {PromiseKind.VISITS: (4, 12), PromiseKind.SHADOWING_DAYS: (6, 20),
                    PromiseKind.INTERNSHIPS: (1, 4), PromiseKind.HIRES: (1, 2)}
        session.add(Commitment(
            company=company, source=SOURCES[n % len(SOURCES)], reference=f"{code}-{start.year}-{100 + n}",
            department=department, period_from=start, period_to=dt.date(start.year + 2, start.month, 1)
            - dt.timedelta(days=1),
            promises=[CommitmentPromise(kind=k, per_year=rng.randint(*per_year[k])) for k in kinds],
        ))
    session.flush()
    return len(chosen)
