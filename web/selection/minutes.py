"""A selection meeting's minutes as a file (xlsx or csv, in Swedish like every kept record): one
row per referral on the list with each partner's position and the decision, and a sheet naming
the meeting, who was consulted and who decided."""

from __future__ import annotations

from typing import Any

from flask_babel import force_locale
from flask_babel import gettext as _

from models import SelectionMeeting
from models.operations import candidates as candidate_ops
from models.operations import selection as selection_ops
from models.operations.spreadsheet import write_table

from .. import labels
from ..templating import datetime_short

MINUTES_LOCALE = "sv"


def _position(referral: Any, organisation_id: int) -> str:
    found = next((p for p in candidate_ops.current_positions(referral) if p.organisation_id == organisation_id), None)
    if found is None:
        return "–"
    text = f"{labels.SELECTION_STANCE_LABELS[found.stance.value]} ({found.user_name})"
    return f"{text}: {found.comment}" if found.comment else text


def _decision(item: Any) -> str:
    if item.decision is not None:
        return str(labels.SELECTION_DECISION_LABELS[item.decision.value])
    return _("Beslutad utanför mötet: %(status)s", status=labels.REFERRAL_STATUS_LABELS[item.referral.status.value])


def minutes_file(meeting: SelectionMeeting, partners: list[Any], fmt: str) -> bytes:
    with force_locale(MINUTES_LOCALE):
        headers = [_("Remiss nr"), _("Förnamn"), _("Målgrupp"), _("Skäl för remissen"),
                   *[_("Ställningstagande %(party)s", party=o.short_name) for o in partners]]
        if meeting.decided_at is not None:
            headers += [_("Beslut"), _("Motivering")]
        rows = []
        for item in meeting.items:
            r = item.referral
            row = [r.id, r.candidate.first_name, str(labels.TARGET_GROUP_LABELS[r.candidate.target_group.value]),
                   r.reason, *[_position(r, o.id) for o in partners]]
            if meeting.decided_at is not None:
                row += [_decision(item), item.reason]
            rows.append(row)
        about = [
            [_("Urvalsmöte"), meeting.held_on.isoformat()],
            [_("Samrådda"), ", ".join(selection_ops.consulted(i.referral for i in meeting.items)) or "–"],
            [_("Beslutat av"), f"{meeting.decided_by.name}, {datetime_short(meeting.decided_at)}"
             if meeting.decided_by and meeting.decided_at else _("Inga beslut ännu")],
            [_("Anteckning"), meeting.note or "–"],
        ]
        return write_table(headers, rows, fmt, sheet_title=_("Protokoll"),
                           extra_sheets={_("Mötet"): ([_("Uppgift"), _("Värde")], about)})
