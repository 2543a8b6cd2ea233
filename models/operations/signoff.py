"""A quarter the steering group signs off (Organisation och samverkan: the steering group
follows up the operations and the agreement; Tillväxt Helsingborg compiles).

1. A project leader compiles a quarter that has ended (`compile_quarter`). The quarter's report
   is the report as of its last day, reading only what is dated up to that day.
2. A steering group member approves it for their organisation (`approve_quarter`), approving
   the figures they were shown: the approval carries the figures' fingerprint (`fingerprint`).
   An approval of figures that have changed since counts for nothing until it is given again.
3. When every party of the programme has approved the same figures, the report is kept as it
   was approved (`sign_off`): its JSON and the csv and xlsx exports, bytes as they were served,
   naming who compiled and who approved. They are served from there ever after.
4. When the quarter's data changes later (a corrected visit outcome, a late questionnaire, a
   cost booked late), a recomputation differs from the approved figures: each difference is
   kept as a correction with the day it was found (`detect_corrections`), and the approved
   report is never rewritten.

What is compared: the rows of the quarters up to the signed one, the totals (goal targets
aside: a target is changed by a change to the agreement, which has its own history), the
budget and the compilation tables, all as published (small counts as "x"). The forecast and
the 3- and 6-month follow-ups are not: the first is a projection made that day, the second is
recorded months later by design.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Optional

import sqlalchemy as sa
from sqlalchemy.orm import Session

from .. import clock
from ..accounts import Organisation, User
from ..clock import local_today
from ..enums import Role
from ..programme import Programme
from ..signoff import QuarterApproval, QuarterCorrection, QuarterSignoff
from .errors import Conflict, DomainError, NotAllowed
from .programme import Quarter, programme_quarters
from .reports import QuarterlyReport, quarterly_report

COMPARED = ("quarters", "totals", "budget", "compilation")
NOT_CORRECTIONS = frozenset({"target"})  # goal targets: changed by a recorded change to the agreement


def quarter_report(session: Session, programme: Programme, quarter: Quarter) -> QuarterlyReport:
    """The quarter's report: as of its last day, with what is dated up to that day."""
    return quarterly_report(session, programme, today=quarter.end, data_until=quarter.end)


def fingerprint(figures: dict[str, Any]) -> str:
    """sha256 of the figures' canonical JSON (sorted keys): what an approval approves."""
    text = json.dumps(figures, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def find_quarter(programme: Programme, quarter_start: dt.date) -> Quarter:
    for quarter in programme_quarters(programme.starts_on, programme.ends_on):
        if quarter.calendar_start == quarter_start:
            return quarter
    raise DomainError("Kvartalet ligger utanför programmets period.", field="quarter")


def quarter_labelled(programme: Programme, label: str) -> Quarter:
    """The programme's quarter called `label` ("2026-Q3")."""
    for quarter in programme_quarters(programme.starts_on, programme.ends_on):
        if quarter.label == label:
            return quarter
    raise DomainError("Kvartalet ligger utanför programmets period.", field="quarter")


def ended_quarters(programme: Programme, today: Optional[dt.date] = None) -> list[Quarter]:
    today = today or local_today()
    return [q for q in programme_quarters(programme.starts_on, programme.ends_on) if q.end < today]


def signoffs(session: Session, programme: Programme) -> list[QuarterSignoff]:
    return list(session.scalars(
        sa.select(QuarterSignoff).where(QuarterSignoff.programme_id == programme.id)
        .order_by(QuarterSignoff.quarter_start.desc())
    ))


def signoff_for(session: Session, programme: Programme, quarter_start: dt.date) -> Optional[QuarterSignoff]:
    return session.scalar(sa.select(QuarterSignoff).where(
        QuarterSignoff.programme_id == programme.id, QuarterSignoff.quarter_start == quarter_start
    ))


def compile_quarter(
    session: Session, programme: Programme, quarter_start: dt.date, *, by: User, today: Optional[dt.date] = None
) -> QuarterSignoff:
    """Put a quarter that has ended before the steering group, compiled by `by`. Compiling again
    (before it is signed off) renews who compiled it and when; the approvals given stay, and
    count while the figures are the same."""
    today = today or local_today()
    quarter = find_quarter(programme, quarter_start)
    if quarter.end >= today:
        raise DomainError("Kvartalet %(quarter)s har inte tagit slut än. Det kan sammanställas från %(day)s.",
                          field="quarter", quarter=quarter.label,
                          day=(quarter.end + dt.timedelta(days=1)).isoformat())
    signoff = signoff_for(session, programme, quarter.calendar_start)
    if signoff is not None and signoff.signed_off_at is not None:
        raise Conflict("Styrgruppen har redan godkänt %(quarter)s.", field="quarter", quarter=quarter.label)
    compiler = {
        "compiled_by": by, "compiled_by_name": by.name,
        "compiled_by_organisation": by.organisation.name if by.organisation else "", "compiled_at": clock.now(),
    }
    if signoff is None:
        signoff = QuarterSignoff(programme=programme, quarter=quarter.label, quarter_start=quarter.calendar_start,
                                 quarter_end=quarter.end, **compiler)
        session.add(signoff)
    else:
        for name, value in compiler.items():
            setattr(signoff, name, value)
    session.flush()
    return signoff


def parties(signoff: QuarterSignoff) -> list[Organisation]:
    """The organisations whose approval the quarter needs: the programme's parties."""
    return sorted(signoff.programme.parties, key=lambda o: o.name)


def pending_parties(signoff: QuarterSignoff, sha256: str) -> list[Organisation]:
    """The parties that have not approved these figures (or approved figures that have changed)."""
    approved = {a.organisation_id for a in signoff.approvals if a.report_sha256 == sha256}
    return [o for o in parties(signoff) if o.id not in approved]


def represented_party(signoff: QuarterSignoff, user: User) -> Optional[Organisation]:
    """The party a steering group member approves for: their own organisation, if it is one."""
    if user.role != Role.STEERING or user.organisation_id is None:
        return None
    return next((o for o in parties(signoff) if o.id == user.organisation_id), None)


def approve_quarter(
    session: Session, signoff: QuarterSignoff, user: User, *, sha256: str, current_sha256: Optional[str] = None
) -> QuarterApproval:
    """`user`'s organisation approves the figures with the fingerprint `sha256` (the ones the
    member was shown; refused when they are no longer the figures as computed now,
    `current_sha256`). A new approval by the same organisation replaces its earlier one."""
    if signoff.signed_off_at is not None:
        raise Conflict("Styrgruppen har redan godkänt %(quarter)s.", quarter=signoff.quarter)
    party = represented_party(signoff, user)
    if party is None:
        raise NotAllowed("Bara en ledamot av styrgruppen som företräder en av parterna kan godkänna kvartalet.")
    if current_sha256 is not None and sha256 != current_sha256:
        raise Conflict("Siffrorna har ändrats sedan sidan visades. Titta på dem igen innan du godkänner.")
    approval = next((a for a in signoff.approvals if a.organisation_id == party.id), None)
    if approval is None:
        approval = QuarterApproval(organisation=party)
        signoff.approvals.append(approval)
    approval.user, approval.user_name, approval.report_sha256 = user, user.name, sha256
    approval.approved_at = clock.now()
    session.flush()
    return approval


def sign_off(
    session: Session, signoff: QuarterSignoff, *, sha256: str, report_json: str, report_csv: bytes,
    report_xlsx: bytes,
) -> None:
    """Keep the report as every party approved it. Refused while a party's approval is missing."""
    pending = pending_parties(signoff, sha256)
    if pending:
        raise DomainError("%(parties)s har inte godkänt siffrorna ännu.",
                          parties=", ".join(o.name for o in pending))
    signoff.report_sha256 = sha256
    signoff.report_json, signoff.report_csv, signoff.report_xlsx = report_json, report_csv, report_xlsx
    signoff.signed_off_at = clock.now()
    session.flush()


def approved_figures(signoff: QuarterSignoff) -> dict[str, Any]:
    """The figures as approved (the `report` of the kept JSON)."""
    if signoff.report_json is None:
        raise DomainError("Kvartalet är inte godkänt än.")
    figures: dict[str, Any] = json.loads(signoff.report_json)["report"]
    return figures


# --- corrections -------------------------------------------------------------------------------
def _flatten(value: Any, prefix: str, into: dict[str, Any]) -> None:
    if isinstance(value, dict):
        for key, inner in value.items():
            if key not in NOT_CORRECTIONS:
                _flatten(inner, f"{prefix}.{key}", into)
    elif isinstance(value, list) and value and all(isinstance(v, dict) and "line" in v for v in value):
        for inner in value:  # budget lines, by their name
            _flatten(inner, f"{prefix}.{inner['line']}", into)
    elif isinstance(value, list):
        for i, inner in enumerate(value):
            _flatten(inner, f"{prefix}.{i}", into)
    else:
        into[prefix] = value


def comparable(figures: dict[str, Any], quarter: str) -> dict[str, Any]:
    """The figures a correction is looked for in, by path, for the quarter signed off."""
    flat: dict[str, Any] = {}
    for row in figures.get("quarters", []):
        if row["quarter"] <= quarter:  # "YYYY-Qn" sorts as the quarters do
            _flatten({k: v for k, v in row.items() if k not in ("start", "end", "status")},
                     f"quarters.{row['quarter']}", flat)
    for section in COMPARED[1:]:
        if figures.get(section) is not None:
            _flatten(figures[section], section, flat)
    return flat


# Figures published as they are (docs/disclosure.md, "top-line"): persons, targets, visits by
# outcome except no-shows, activity sessions held, and the budget. Every other figure is a count
# of a small group (or a mean over one), protected where it is shown.
TOP_LINE = frozenset({
    "new_persons", "cumulative_persons", "persons", "target_to_date", "visits_completed", "visits_counting",
    "cancellations", "declined", "held",
})


def protected_table(path: str) -> Optional[str]:
    """The protected table a correction's figure belongs to ("new_persons_by", "compilation.feedback",
    …), or None for a top-line figure, which may be shown with its values."""
    parts = path.split(".")
    if parts[0] == "budget":
        return None
    if parts[0] == "compilation":
        return ".".join(parts[:2])
    name = parts[2] if parts[0] == "quarters" else parts[1]
    return None if name in TOP_LINE or (name == "activities" and parts[-1] in TOP_LINE) else name


@dataclass(frozen=True)
class ProtectedChange:
    """Corrections to one protected table, told without which cells or values: between two
    releases a difference of one is a group of one ("long-term unemployed: 20 → 19")."""

    table: str
    figures: int
    last_detected_at: dt.datetime


def published_corrections(
    corrections: Sequence[QuarterCorrection],
) -> tuple[list[QuarterCorrection], list[ProtectedChange]]:
    """What the steering group is told of the corrections: top-line ones with their values, and
    per protected table only how many of its figures changed since approval."""
    shown: list[QuarterCorrection] = []
    changed: dict[str, list[QuarterCorrection]] = {}
    for correction in corrections:
        table = protected_table(correction.path)
        if table is None:
            shown.append(correction)
        else:
            changed.setdefault(table, []).append(correction)
    protected = [
        ProtectedChange(table, len({c.path for c in found}), max(c.detected_at for c in found))
        for table, found in sorted(changed.items())
    ]
    return shown, protected


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def detect_corrections(session: Session, signoff: QuarterSignoff, current: dict[str, Any]) -> list[QuarterCorrection]:
    """Compare the recomputed figures `current` (the quarter's report as it is computed now) with
    the approved ones; keep each new difference as a correction dated now. Returns the new ones.
    A figure that changes back is a correction too (to the approved value)."""
    approved = comparable(approved_figures(signoff), signoff.quarter)
    now = comparable(current, signoff.quarter)
    latest = {c.path: c.corrected_value for c in signoff.corrections}
    found = []
    for path in sorted(set(approved) | set(now)):
        value = _json(now.get(path))
        previous = latest.get(path, _json(approved.get(path)))
        if value != previous:
            correction = QuarterCorrection(
                path=path, approved_value=_json(approved.get(path)), previous_value=previous, corrected_value=value,
            )
            signoff.corrections.append(correction)
            found.append(correction)
    if found:
        session.flush()
    return found
