"""The offer page with recommendations, one client at a time (issue #7's target: ≤ 300 ms median
over 10,000 eligible candidates on this machine, with the model loaded).

gunicorn is started exactly as the load test starts it (`load.Server`); one project leader,
logged in through the login form (`load.login`), asks for the pages one after the other, each
request sent when the previous answer has been read. Each round asks for

* the full list for a day not asked for before, `/matchning/erbjudanden/<id>/rekommendationer
  ?day=…`: every eligible candidate ranked afresh (as every view does). The target is judged on
  this one;
* the same list for the offer's next day with a place (the address the offer page links to);
* the offer page, `/foretag/erbjudanden/<id>`, which includes the best 10 of that ranking.

The second and third are what the pages a project leader opens next cost.

The offer is the first bookable one (by id) for which at least 10,000 candidates may be
recommended on its next day with a place; the list page states the number ("N kandidater kunde
föreslås"), and the smallest number any measured list stated is reported. Whether the trained
model ranked the lists, and not the content score the app falls back to, is read from the
exposure rows the requests logged: each names the model that ranked it.

    python -m benchmarks.offer_page URL [--offer ID] [--runs 30] [--model-dir DIR]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import re
import statistics
import sys
import time
from dataclasses import dataclass, field
from typing import Optional

import numpy as np
import requests
import sqlalchemy as sa
from sqlalchemy.orm import Session

from models import Exposure, Offer, RankerModel, User, clock, make_engine
from models.enums import Role
from models.operations import matching as ops

from . import load

#: Issue #7: the offer page with recommendations, median, one client.
TARGET_MEDIAN_MS = 300.0
MIN_ELIGIBLE = 10_000
#: Bookable offers tried (by id) when looking for one with enough eligible candidates.
SEARCH_OFFERS = 50
RANKED_RE = re.compile(r"(\d[\d\s\u00a0\u202f]*) kandidat(?:er)? kunde föreslås")


@dataclass
class OfferPageResult:
    offer_id: int
    eligible: int  # the fewest candidates a measured list ranked (eligible on that list's day)
    day: Optional[dt.date]  # the offer's next day with a place
    runs: int
    fresh_ms: list[float] = field(default_factory=list)  # the full list for a new day: ranked afresh
    list_ms: list[float] = field(default_factory=list)  # the full list for the next day, again
    offer_ms: list[float] = field(default_factory=list)  # the offer page with its panel, again
    active_model_id: Optional[int] = None
    exposure_models: list[Optional[int]] = field(default_factory=list)  # model of each logged list
    errors: list[str] = field(default_factory=list)

    @staticmethod
    def median(values: list[float]) -> float:
        return statistics.median(values) if values else float("nan")

    @staticmethod
    def p95(values: list[float]) -> float:
        return float(np.percentile(values, 95)) if values else float("nan")

    @property
    def median_ms(self) -> float:
        """What the target is judged on: the median of the lists ranked afresh."""
        return self.median(self.fresh_ms)

    @property
    def model_used(self) -> bool:
        """Every list the requests logged was ranked by the active trained model."""
        return (self.active_model_id is not None and bool(self.exposure_models)
                and all(m == self.active_model_id for m in self.exposure_models))

    @property
    def met(self) -> bool:
        return (not self.errors and self.eligible >= MIN_ELIGIBLE and self.model_used
                and self.median_ms <= TARGET_MEDIAN_MS)

    def rows(self) -> list[tuple[str, list[float]]]:
        return [("full list, a new day each time (ranked afresh)", self.fresh_ms),
                ("full list, the next day again", self.list_ms),
                ("offer page with its panel, again", self.offer_ms)]

    def summary(self) -> str:
        model = (f"model nr {self.active_model_id} ranked all {len(self.exposure_models)} logged lists"
                 if self.model_used else
                 f"NOT the trained model (active: {self.active_model_id}; lists ranked by "
                 f"{sorted(set(self.exposure_models), key=str)})")
        timings = "; ".join(f"{what}: median {self.median(ms):.0f} ms, p95 {self.p95(ms):.0f} ms"
                            for what, ms in self.rows())
        return (f"offer {self.offer_id} (next day {self.day}), at least {self.eligible} eligible candidates; "
                f"{self.runs} sequential requests each: {timings}; {model}"
                + (f"; errors: {'; '.join(self.errors[:5])}" if self.errors else ""))


def _project_leader(session: Session) -> str:
    email = session.scalar(sa.select(User.email).where(User.role == Role.PROJECT_LEADER).order_by(User.id).limit(1))
    if email is None:
        raise RuntimeError("no project leader account in the database")
    return email


def choose_offer(session: Session, minimum: int = MIN_ELIGIBLE) -> tuple[int, int]:
    """(offer id, eligible candidates): the first bookable offer with at least `minimum`, else the
    one with most among the first SEARCH_OFFERS. Counted as the page counts them."""
    best = (0, -1)
    offers = session.scalars(sa.select(Offer).where(ops.bookable_offers_sql()).order_by(Offer.id)
                             .limit(SEARCH_OFFERS))
    for offer in offers:
        ranked = ops.recommend_for_offer(session, offer, limit=1).ranked
        if ranked >= minimum:
            return offer.id, ranked
        best = max(best, (ranked, offer.id))
    if best[1] < 0:
        raise RuntimeError("no bookable offer in the database")
    return best[1], best[0]


def _get(client: requests.Session, url: str) -> tuple[float, requests.Response]:
    started = time.perf_counter()
    response = client.get(url, allow_redirects=False, timeout=load.REQUEST_TIMEOUT)
    response.content  # noqa: B018 (read the whole body)
    return (time.perf_counter() - started) * 1000, response


def _new_days(offer: Offer, after: dt.date, count: int) -> list[dt.date]:
    """`count` days after `after` that the offer receives visits on (not public holidays)."""
    days = list(ops.suitable_days(offer, after + dt.timedelta(days=1), after + dt.timedelta(days=5 * 366), {}))
    if len(days) < count:
        raise RuntimeError(f"offer {offer.id} has only {len(days)} visit days in five years")
    return days[:count]


def measure(url: str, offer_id: Optional[int] = None, runs: int = 30, *, warmup: int = 10,
            model_dir: Optional[str] = None, workers: int = 2, threads: int = 4) -> OfferPageResult:
    """Time `runs` rounds of sequential requests (see the module's docstring), after `warmup`
    unmeasured rounds of the repeated pages (which load the model and the candidate profiles in
    the workers), against the database at `url` with its active model (files under
    `model_dir`, default $MODEL_DIR)."""
    engine = make_engine(url)
    try:
        with Session(engine) as session:
            email = _project_leader(session)
            if offer_id is None:
                offer_id, _count = choose_offer(session)
            offer = session.get(Offer, offer_id)
            if offer is None:
                raise RuntimeError(f"no offer {offer_id}")
            today = clock.local_today()
            day = ops.next_offer_day(session, offer, today)
            fresh_days = _new_days(offer, max(day or today, today), runs)
            active_model_id = session.scalar(sa.select(RankerModel.id).where(RankerModel.active.is_(True))
                                             .order_by(RankerModel.id.desc()).limit(1))
            first_exposure = session.scalar(sa.select(sa.func.max(Exposure.id))) or 0
        result = OfferPageResult(offer_id=offer_id, eligible=0, day=day, runs=runs,
                                 active_model_id=active_model_id)
        list_path = f"/matchning/erbjudanden/{offer_id}/rekommendationer"
        offer_path = f"/foretag/erbjudanden/{offer_id}"
        counts: list[int] = []
        server = load.Server(url, workers=workers, threads=threads)
        if model_dir is not None:
            server.env["MODEL_DIR"] = model_dir
        with server:
            client = load.login(server.base, email)
            for _ in range(warmup):
                for path in (list_path, offer_path):
                    _get(client, server.base + path)
            for fresh in fresh_days:
                for path, into in ((f"{list_path}?day={fresh.isoformat()}", result.fresh_ms),
                                   (list_path, result.list_ms), (offer_path, result.offer_ms)):
                    ms, response = _get(client, server.base + path)
                    if response.status_code != 200:
                        result.errors.append(f"{path}: HTTP {response.status_code}")
                        continue
                    into.append(ms)
                    if path.startswith(list_path):
                        match = RANKED_RE.search(response.text)
                        counts.append(int(re.sub(r"\D", "", match.group(1))) if match else 0)
        result.eligible = min(counts, default=0)
        with Session(engine) as session:
            result.exposure_models = list(session.scalars(
                sa.select(Exposure.model_id).where(Exposure.id > first_exposure, Exposure.context == "offer",
                                                   Exposure.context_id == offer_id).order_by(Exposure.id)))
        return result
    finally:
        engine.dispose()


def main(argv: Optional[list[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("url", help="database with a trained, active model")
    parser.add_argument("--offer", type=int, help="offer id (default: the first with 10,000 eligible candidates)")
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--warmup", type=int, default=10)
    parser.add_argument("--model-dir", default=os.environ.get("MODEL_DIR"), help="default: $MODEL_DIR")
    args = parser.parse_args(argv)
    result = measure(args.url, args.offer, args.runs, warmup=args.warmup, model_dir=args.model_dir)
    print(result.summary())
    print(f"target: median ≤ {TARGET_MEDIAN_MS:.0f} ms over ≥ {MIN_ELIGIBLE} eligible candidates with the model: "
          + ("met" if result.met else "NOT met"))
    return 0 if result.met else 1


if __name__ == "__main__":
    sys.exit(main())
