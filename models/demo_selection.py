"""The demo's selection in consultation with AF and AMF: the partners' positions on some of the
referrals awaiting selection, a selection meeting held last week whose decisions were made in one
go (one against AF's objection, with the project leader's reason), and one coming up. The
referrals also say whether the client receives ekonomiskt bistånd.

Random choices come from a generator of their own, so the rest of the demo stays as it was."""

from __future__ import annotations

import datetime as dt
import random

import sqlalchemy as sa
from sqlalchemy.orm import Session

from .accounts import User
from .candidates import Candidate, Referral
from .enums import SelectionDecision, SelectionStance
from .operations import selection as selection_ops
from .operations.selection import ItemDecision

OBJECTION = "Behöver stöd i svenska först; pröva om ett halvår."
AGREEMENTS = ("Passar bra med intressena.", "Tillstyrker, personen är motiverad.", "")


def seed_selection(
    session: Session, candidates: list[Candidate], pl: User, partners: list[User], today: dt.date, seed: int
) -> int:
    """Positions, one decided and one coming meeting; returns the number of meetings."""
    rng = random.Random(seed + 1)  # noqa: S311 (made-up choices for the demo, not a secret)
    for candidate in candidates:
        for referral in candidate.referrals:
            referral.economic_assistance = rng.random() < 0.75  # the agreement's target group
    session.flush()
    waiting = list(session.scalars(
        sa.select(Referral).where(selection_ops.awaiting_selection()).order_by(Referral.submitted_at, Referral.id)
    ))
    if not waiting:
        return 0
    held, coming = waiting[:3], waiting[3:6]
    af, amf = partners
    for n, referral in enumerate([*held, *coming]):
        objecting = n == 0
        selection_ops.record_position(
            session, referral, by=af, stance=SelectionStance.OBJECT if objecting else SelectionStance.AGREE,
            comment=OBJECTION if objecting else rng.choice(AGREEMENTS),
        )
        if n % 2 == 0:
            selection_ops.record_position(session, referral, by=amf, stance=SelectionStance.AGREE,
                                          comment=rng.choice(AGREEMENTS))
    last_week = selection_ops.create_meeting(session, held_on=today - dt.timedelta(days=7),
                                             referral_ids=[r.id for r in held], by=pl,
                                             note="Samråd med AF och AMF i Olympia.")
    decisions = {
        r.id: ItemDecision(SelectionDecision.POSTPONE, "") if n == 2 else ItemDecision(
            SelectionDecision.ACCEPT_ACTIVATE,
            "Språkstöd ordnas på arbetsplatsen; besöket ger ett första steg." if n == 0 else "")
        for n, r in enumerate(held)
    }
    selection_ops.decide_meeting(session, last_week, decisions, by=pl)
    if coming:
        selection_ops.create_meeting(session, held_on=today + dt.timedelta(days=7),
                                     referral_ids=[r.id for r in coming], by=pl)
    return 2 if coming else 1
