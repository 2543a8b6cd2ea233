"""The demo's signed-off quarter: the latest quarter that has ended, compiled by the demo's
project leader (TH) and approved by the demo's steering group member of every party, so the
demo shows a report kept as it was approved (run by `flask --app web seed-demo`)."""

from __future__ import annotations

from typing import Optional

import sqlalchemy as sa

from models import Programme, QuarterSignoff, User
from models.enums import Role
from models.operations import signoff as signoff_ops
from models.operations.programme import current_programme

from ..extensions import db
from . import service

DEMO_COMPILER = "projektledare@demo.example"


def sign_off_demo_quarter() -> Optional[QuarterSignoff]:
    """Sign off the demo programme's latest ended quarter, unless a quarter is signed off already."""
    programme: Optional[Programme] = current_programme(db.session)
    compiler = db.session.scalar(sa.select(User).where(User.email == DEMO_COMPILER))
    if programme is None or compiler is None or not signoff_ops.ended_quarters(programme):
        return None
    if any(s.signed_off_at for s in signoff_ops.signoffs(db.session, programme)):
        return None
    quarter = signoff_ops.ended_quarters(programme)[-1]
    signoff = signoff_ops.compile_quarter(db.session, programme, quarter.calendar_start, by=compiler)
    members = db.session.scalars(
        sa.select(User).where(User.role == Role.STEERING, User.email.like("%@demo.example")).order_by(User.id)
    )
    _report, _figures, sha = service.figures_now(signoff)
    for member in members:
        if signoff_ops.represented_party(signoff, member) is not None and not signoff.signed_off_at:
            service.approve(signoff, member, seen_sha256=sha)
    return signoff if signoff.signed_off_at else None
