"""The demo's agreement follow-up: the budget of the agreement's table for every agreement year,
financed by HIF and AMF, and actual costs for every month that has ended, as a ledger would give
them (the information material runs over budget, so the demo shows a significant deviation).

Random numbers come from a generator of their own, so the rest of the demo stays as it was."""

from __future__ import annotations

import datetime as dt
import random

from sqlalchemy.orm import Session

from .accounts import Organisation, User
from .enums import BudgetLineKind, CostSource
from .operations import budget as budget_ops
from .operations.periods import agreement_years, last_complete_month_end, months_between
from .programme import Programme

AGREEMENT_TABLE = {
    BudgetLineKind.PROJECT_LEADER: 570_000,
    BudgetLineKind.CO_WORKER: 489_000,
    BudgetLineKind.OVERHEAD: 120_000,
    BudgetLineKind.INFORMATION: 50_000,
    BudgetLineKind.TRAVEL: 12_000,
}
FINANCING = {"HIF": 241_000, "AMF": 1_000_000}


def seed_budget(
    session: Session, programme: Programme, orgs: dict[str, Organisation], pl: User, today: dt.date, seed: int
) -> int:
    """The budget and the months' costs; returns the number of cost rows."""
    rng = random.Random(seed + 21)  # noqa: S311 (made-up amounts for the demo, not a secret)
    for year in agreement_years(programme.starts_on, programme.ends_on):
        budget_ops.save_year(
            session, programme, year.number, AGREEMENT_TABLE, {orgs[k].id: v for k, v in FINANCING.items()}
        )
    through = min(last_complete_month_end(today), programme.ends_on)
    rows = 0
    for n, month in enumerate(months_between(programme.starts_on, through) if through >= programme.starts_on else []):
        amounts = {
            BudgetLineKind.PROJECT_LEADER: 47_500 + (3_800 if month.month == 6 else 0),  # holiday pay in June
            BudgetLineKind.CO_WORKER: 40_750 + (3_300 if month.month == 6 else 0),
            BudgetLineKind.OVERHEAD: 10_000 + rng.randint(-1_500, 1_500),
            BudgetLineKind.INFORMATION: (17_000 if n % 4 == 1 else 0) + rng.randint(0, 900),  # print runs
            BudgetLineKind.TRAVEL: rng.randint(300, 1_700),
        }
        budget_ops.record_costs(session, programme, month, amounts, by=pl, source=CostSource.IMPORT, today=today)
        rows += len(amounts)
    return rows
