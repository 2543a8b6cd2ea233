"""Ranker duels: a new model proves itself in use before it replaces the active one.

A trained model that is registered as the challenger (`train-ranker --challenger`, or
`ranker-duel --start MODEL`) is compared with the active model on the lists users are shown:

* For a share of the recommendation lists (`RankerDuel.share`), the list shown is the team-draft
  interleaving of the active model's and the challenger's ranked lists (`matcher.interleaving`).
  Whether a list is interleaved, and its coin flips, come from a draw of its own (the duel, the
  list's subject, filters, user and day): the same list looks the same when shown again. Users
  see one ordinary list; each row's score and reasons are those of the model that placed it.
* The exposure log names the duel and, per row, the model that placed it (`Exposure.teams`).
* A proposal booked from such a list (`visits.note_on_list`, in the booking's transaction)
  credits the model that placed the booked row. A list is won by the model with more credited
  bookings; ties and lists without bookings do not count.
* After every credited booking the decision rule (`matcher.interleaving.SequentialSignTest`) is
  applied in the same transaction, automatically: the challenger is activated (the same
  `activate_model` as train-ranker) when it wins significantly; the duel is abandoned when the
  active model wins significantly or after `max_lists` counted lists. The rule may be looked at
  after every list: an equally good challenger is promoted in at most `alpha` of duels.

A duel ends too when an administrator stops it, or when another model is activated
(`activate_model`: the duel compared with a model no longer in use).
"""

from __future__ import annotations

import dataclasses
import random
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Optional

import sqlalchemy as sa
from sqlalchemy.orm import Session

from matcher.interleaving import (
    ABANDON_LIMIT,
    ABANDON_LOSING,
    PLANNING_WIN_RATES,
    PROMOTE,
    Score,
    SequentialSignTest,
    credits,
    list_draw,
    team_draft,
    winner,
)

from .. import clock
from ..enums import DuelState
from ..system import Exposure, RankerDuel, RankerModel
from .errors import DomainError

if TYPE_CHECKING:
    from .matching import Recommendations

DEFAULT_SHARE = 0.5
DEFAULT_MAX_LISTS = 300
DEFAULT_ALPHA = 0.05
#: Why a duel ended (RankerDuel.reason).
SIGNIFICANT, LOSING, LIMIT, STOPPED, REPLACED = "significant", "losing", "limit", "stopped", "replaced"
_REASONS = {PROMOTE: SIGNIFICANT, ABANDON_LOSING: LOSING, ABANDON_LIMIT: LIMIT}


def rule(duel: RankerDuel) -> SequentialSignTest:
    return SequentialSignTest(duel.max_lists, duel.alpha)


def score(duel: RankerDuel) -> Score:
    return Score(challenger=duel.wins_challenger, active=duel.wins_active)


def running_duel(session: Session) -> Optional[RankerDuel]:
    return session.scalar(sa.select(RankerDuel).where(RankerDuel.state == DuelState.RUNNING).limit(1))


# --- starting and stopping ------------------------------------------------------------------------
def start_duel(session: Session, challenger: RankerModel, *, share: float = DEFAULT_SHARE,
               max_lists: int = DEFAULT_MAX_LISTS, alpha: float = DEFAULT_ALPHA) -> RankerDuel:
    """Start comparing `challenger` with the active model in use, or refuse with what to do."""
    if not 0 < share <= 1:
        raise DomainError("Andelen listor i duellen ska vara större än 0 och högst 1 (t.ex. 0,5).", field="share")
    if not 1 <= max_lists <= 5000:
        raise DomainError("Antalet listor ska vara mellan 1 och 5 000.", field="max_lists")
    if not 0 < alpha < 0.5:
        raise DomainError("Risknivån ska vara mellan 0 och 0,5 (t.ex. 0,05).", field="alpha")
    active = session.scalar(sa.select(RankerModel).where(RankerModel.active.is_(True))
                            .order_by(RankerModel.activated_at.desc().nulls_last(), RankerModel.id.desc()).limit(1))
    if active is None:
        raise DomainError("Ingen modell är aktiv, så det finns inget att utmana. Träna en modell med "
                          "flask --app web train-ranker: den första aktiveras direkt.")
    if active.id == challenger.id:
        raise DomainError("Modell nr %(id)s är redan den aktiva modellen.", id=challenger.id)
    if running_duel(session) is not None:
        raise DomainError("En duell pågår redan. Avsluta den först (flask --app web ranker-duel --stop).")
    duel = RankerDuel(challenger_id=challenger.id, active_model_id=active.id, share=share, max_lists=max_lists,
                      alpha=alpha, state=DuelState.RUNNING, reason="", wins_challenger=0, wins_active=0,
                      booked_lists=0, started_at=clock.now())
    session.add(duel)
    session.flush()
    return duel


def _end(duel: RankerDuel, state: DuelState, reason: str) -> None:
    duel.state, duel.reason, duel.decided_at = state, reason, clock.now()


def stop_duel(session: Session, duel: RankerDuel) -> None:
    """Abandon a running duel by hand: the active model stays."""
    if duel.state != DuelState.RUNNING:
        raise DomainError("Duellen är redan avgjord.")
    _end(duel, DuelState.ABANDONED, STOPPED)
    session.flush()


def end_replaced(session: Session, activated: RankerModel) -> None:
    """Another model became active: a running duel compared with one no longer in use ends."""
    session.execute(
        sa.update(RankerDuel).where(RankerDuel.state == DuelState.RUNNING, RankerDuel.active_model_id != activated.id)
        .values(state=DuelState.ABANDONED, reason=REPLACED, decided_at=clock.now())
        .execution_options(synchronize_session="fetch")
    )


# --- showing an interleaved list ----------------------------------------------------------------
@dataclass(frozen=True)
class DuelDraw:
    """A running duel as the lists need it (read in one query)."""

    id: int
    active_model_id: int
    challenger_id: int
    challenger_path: str
    share: float


def running_draw(session: Session) -> Optional[DuelDraw]:
    row = session.execute(
        sa.select(RankerDuel.id, RankerDuel.active_model_id, RankerDuel.challenger_id, RankerModel.path,
                  RankerDuel.share)
        .join(RankerModel, RankerModel.id == RankerDuel.challenger_id)
        .where(RankerDuel.state == DuelState.RUNNING).limit(1)
    ).first()
    return DuelDraw(*row) if row is not None else None


def draw(duel: DuelDraw, subject: tuple[Any, ...]) -> Optional[int]:
    """The seed of the list's coin flips when the list `subject` is shown interleaved, else None."""
    share_draw, seed = list_draw("|".join(map(str, (duel.id, *subject))))
    return seed if share_draw < duel.share else None


def interleaved(active: Recommendations, challenger: Recommendations, duel_id: int, seed: int,
                limit: int) -> Recommendations:
    """The list shown: the active model's list with its rows team-drafted from both lists (each
    row keeps the score and reasons of the model that placed it), naming the duel and teams."""
    if not active.items or not challenger.items:
        return active
    coins = random.Random(seed)  # noqa: S311 (reproducible coin flips of an experiment, not a secret)
    rows = team_draft([i.id for i in active.items], [i.id for i in challenger.items], coins, limit)
    by_team = ({i.id: i for i in active.items}, {i.id: i for i in challenger.items})
    models = (active.model_id, challenger.model_id)
    return dataclasses.replace(active, items=[by_team[team][item] for item, team in rows], duel_id=duel_id,
                               teams=[models[team] for _item, team in rows])


# --- crediting a booking --------------------------------------------------------------------------
def credit_booking(session: Session, exposure: Exposure, before: list[int]) -> None:
    """A proposal was noted on an interleaved list (`exposure.proposed_ids`, `before` it was
    noted): credit the model that placed the booked row, update the score, and apply the
    decision rule, all in the booking's transaction."""
    if exposure.duel_id is None or not exposure.teams:
        return
    duel = session.get(RankerDuel, exposure.duel_id, with_for_update=True)
    if duel is None or duel.state != DuelState.RUNNING:
        return
    rows = list(zip((int(entry[0]) for entry in exposure.ranked), exposure.teams, strict=False))
    old_counts, new_counts = credits(rows, before), credits(rows, exposure.proposed_ids)
    old, new = winner(old_counts), winner(new_counts)
    if sum(new_counts.values()) and not sum(old_counts.values()):
        duel.booked_lists += 1
    for team, step in ((old, -1), (new, 1)):
        if team == duel.challenger_id:
            duel.wins_challenger += step
        elif team == duel.active_model_id:
            duel.wins_active += step
    apply_rule(session, duel)
    session.flush()


def apply_rule(session: Session, duel: RankerDuel) -> Optional[str]:
    """Promote or abandon a running duel when its rule says so; the decision, or None."""
    from .ranker_registry import activate_model  # the registry ends duels when a model is activated

    decision = rule(duel).decide(score(duel))
    if decision == PROMOTE:
        _end(duel, DuelState.PROMOTED, SIGNIFICANT)
        session.flush()
        challenger = session.get(RankerModel, duel.challenger_id)
        if challenger is not None:
            activate_model(session, challenger)
    elif decision is not None:
        _end(duel, DuelState.ABANDONED, _REASONS[decision])
    return decision


# --- the duel page and command ---------------------------------------------------------------------
@dataclass
class Forecast:
    win_rate: float
    lists: Optional[int]  # counted lists needed (None: more than max_lists)
    shown: Optional[int]  # interleaved lists to show for that many, at the rate seen so far
    observed: bool = False  # the win rate seen so far, not a planning value


@dataclass
class DuelSummary:
    duel: RankerDuel
    shown_lists: int  # lists shown interleaved
    p_value: float
    per_look_level: float
    false_promotion_rate: float
    forecasts: list[Forecast]

    @property
    def counted(self) -> int:
        return self.duel.wins_challenger + self.duel.wins_active

    @property
    def ties(self) -> int:
        return self.duel.booked_lists - self.counted


def summary(session: Session, duel: RankerDuel) -> DuelSummary:
    """What the page and the command show of a duel."""
    test = rule(duel)
    shown = session.scalar(sa.select(sa.func.count()).select_from(Exposure).where(Exposure.duel_id == duel.id)) or 0
    counted = duel.wins_challenger + duel.wins_active
    per_counted = shown / counted if counted else None
    rates = list(PLANNING_WIN_RATES)
    observed = score(duel).win_rate
    if observed is not None and observed > 0.5 and counted >= 10:
        rates = sorted({*rates, round(observed, 2)})
    forecasts = []
    for rate in rates:
        needed = test.lists_needed(rate)
        forecasts.append(Forecast(rate, needed, round(needed * per_counted) if needed and per_counted else None,
                                  observed is not None and rate == round(observed, 2) and counted >= 10))
    return DuelSummary(duel, shown, test.p_value(score(duel)), test.per_look_level, test.false_promotion_rate(),
                       forecasts)


def duels(session: Session, limit: int = 10) -> list[RankerDuel]:
    """The latest duels, newest first."""
    return list(session.scalars(sa.select(RankerDuel).order_by(RankerDuel.started_at.desc(), RankerDuel.id.desc())
                                .limit(limit)))

