"""Approving a quarter and keeping its report: the web layer renders what is kept (the JSON and
the csv and xlsx exports, in Swedish, naming who compiled and who approved), the domain
operations (models/operations/signoff.py) decide and store."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from flask_babel import force_locale
from flask_babel import gettext as _

from models import QuarterSignoff, User
from models.operations import signoff as signoff_ops
from models.operations.reports import QuarterlyReport

from ..extensions import db
from ..labels import BUDGET_LINE_LABELS
from ..reports.exports import report_csv, report_xlsx
from ..reports.tables import Table
from ..templating import datetime_short

KEPT_LOCALE = "sv"  # the kept report is the one the parties signed: in Swedish


def figures_now(signoff: QuarterSignoff) -> tuple[QuarterlyReport, dict[str, Any], str]:
    """The quarter's report as computed now, its published figures and their fingerprint."""
    quarter = signoff_ops.find_quarter(signoff.programme, signoff.quarter_start)
    report = signoff_ops.quarter_report(db.session, signoff.programme, quarter)
    figures = report.to_dict()
    return report, figures, signoff_ops.fingerprint(figures)


def approve(signoff: QuarterSignoff, user: User, *, seen_sha256: str) -> bool:
    """`user` approves the figures they were shown; when every party has approved the same
    figures the report is kept. True when the quarter is signed off by this approval."""
    report, figures, sha = figures_now(signoff)
    signoff_ops.approve_quarter(db.session, signoff, user, sha256=seen_sha256, current_sha256=sha)
    if signoff_ops.pending_parties(signoff, sha):
        return False
    keep(signoff, report, figures, sha)
    return True


def signoff_table(signoff: QuarterSignoff) -> Table:
    rows: list[list[Any]] = [
        [_("Kvartal"), signoff.quarter],
        [_("Siffrorna gäller den"), signoff.quarter_end.isoformat()],
        [_("Sammanställd av"), _("%(name)s, %(organisation)s, %(at)s", name=signoff.compiled_by_name,
                                 organisation=signoff.compiled_by_organisation or "–",
                                 at=datetime_short(signoff.compiled_at))],
    ]
    for approval in signoff.approvals:
        rows.append([_("Godkänd för %(party)s", party=approval.organisation.name),
                     _("%(name)s, %(at)s", name=approval.user_name, at=datetime_short(approval.approved_at))])
    return Table("godkannande", _("Godkännande"), _("Sammanställning och godkännande"), [_("Uppgift"), _("Värde")],
                 rows)


def keep(signoff: QuarterSignoff, report: QuarterlyReport, figures: dict[str, Any], sha: str) -> None:
    """Render and keep the report every party approved."""
    with force_locale(KEPT_LOCALE):
        first = [signoff_table(signoff)]
        csv, xlsx = report_csv(report, first), report_xlsx(report, first)
    document = {
        "programme": figures["programme"],
        "quarter": signoff.quarter,
        "as_of": signoff.quarter_end.isoformat(),
        "compiled_by": {"name": signoff.compiled_by_name, "organisation": signoff.compiled_by_organisation,
                        "at": _iso(signoff.compiled_at)},
        "approved_by": [
            {"organisation": a.organisation.name, "name": a.user_name, "at": _iso(a.approved_at)}
            for a in signoff.approvals
        ],
        "report_sha256": sha,
        "report": figures,
    }
    text = json.dumps(document, ensure_ascii=False, indent=2) + "\n"
    signoff_ops.sign_off(db.session, signoff, sha256=sha, report_json=text, report_csv=csv, report_xlsx=xlsx)


def _iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat(timespec="seconds")


def corrections(signoff: QuarterSignoff) -> tuple[list[Any], list[signoff_ops.ProtectedChange]]:
    """The signed-off quarter's corrections as the steering group may see them (top-line ones
    with their values, protected tables only as changed): those kept, and any found now (kept
    as found)."""
    if signoff.signed_off_at is not None:
        _report, figures, _sha = figures_now(signoff)
        signoff_ops.detect_corrections(db.session, signoff, figures)
    return signoff_ops.published_corrections(signoff.corrections)


# Names for the figures a correction can concern (the last part of its path, or a section).
FIGURE_NAMES = {
    "quarters": lambda: _("Kvartal"),
    "totals": lambda: _("Totalt"),
    "budget": lambda: _("Budget"),
    "compilation": lambda: _("Sammanställning"),
    "new_persons": lambda: _("Nya personer"),
    "cumulative_persons": lambda: _("Personer ackumulerat"),
    "persons": lambda: _("Personer hittills"),
    "target_to_date": lambda: _("Mål till och med kvartalet"),
    "visits_completed": lambda: _("Genomförda besök"),
    "visits_counting": lambda: _("varav 4–8 timmar"),
    "no_shows": lambda: _("Uteblivna besök"),
    "cancellations": lambda: _("Avbokade besök"),
    "declined": lambda: _("Nekade förslag"),
    "attended": lambda: _("Närvarande deltagare"),
    "absent": lambda: _("Frånvarande"),
    "held": lambda: _("Genomförda tillfällen"),
    "budget_to_date_sek": lambda: _("Budget hittills (kr)"),
    "spent_to_date_sek": lambda: _("Utfall hittills (kr)"),
    "deviation_sek": lambda: _("Avvikelse (kr)"),
    "forms": lambda: _("Ifyllda formulär"),
    "lines": lambda: _("Budgetrader"),
    "year_budget_sek": lambda: _("Årets budget (kr)"),
    "year_spent_sek": lambda: _("Årets utfall (kr)"),
    "year_forecast_sek": lambda: _("Prognos för året (kr)"),
    "deviation_pct": lambda: _("Avvikelse (%)"),
    "significant_deviation": lambda: _("Betydande avvikelse"),
    "deviation_threshold_pct": lambda: _("Tröskel för avvikelse (%)"),
    "cost_per_person_sek": lambda: _("Kostnad per person (kr)"),
    "funding": lambda: _("Finansiering"),
    "organisation": lambda: _("Part"),
    "year_amount_sek": lambda: _("Belopp för avtalsåret (kr)"),
    "funding_covers_budget": lambda: _("Finansieringen täcker budgeten"),
    "through": lambda: _("Till och med"),
    "year": lambda: _("Avtalsår"),
    "line": lambda: _("Budgetrad"),
}

# The protected tables a correction can concern (models/operations/signoff.py, `protected_table`).
PROTECTED_TABLE_NAMES = {
    "new_persons_by": lambda: _("Nya personer per målgrupp, nätverk, yrkesområde och storlek"),
    "activities": lambda: _("Gruppaktiviteter: närvarande och frånvarande"),
    "no_shows": lambda: _("Uteblivna besök"),
    "survey_pairs": lambda: _("Enkäter: svar före och efter i par"),
    "survey_pairs_by_target_group": lambda: _("Enkäter: par per målgrupp"),
    "survey_response": lambda: _("Enkäter: utskick och svar"),
    "employees": lambda: _("Medarbetarnas enkät"),
    "compilation.referrals_by_unit": lambda: _("Sammanställning: remisser per enhet"),
    "compilation.visits_hosted_by_network": lambda: _("Sammanställning: besök per nätverk"),
    "compilation.companies_engaged_by_network": lambda: _("Sammanställning: företag med besök per nätverk"),
    "compilation.companies_recruiting_by_network": lambda: _("Sammanställning: företag som vill rekrytera"),
    "compilation.feedback": lambda: _("Sammanställning: återkoppling"),
}


def describe(path: str) -> str:
    """A correction's figure in words: the path's parts, the known ones named (a budget line by
    its label, a list position left out)."""
    def word(part: str) -> str:
        if part in FIGURE_NAMES:
            return FIGURE_NAMES[part]()
        return str(BUDGET_LINE_LABELS.get(part, part))

    return " › ".join(word(part) for part in path.split(".") if not part.isdigit())


def table_name(table: str) -> str:
    """A protected table's name (a section not named here is shown as it is)."""
    return PROTECTED_TABLE_NAMES[table]() if table in PROTECTED_TABLE_NAMES else table


def shown(value: str) -> str:
    """A kept JSON value as it reads in a table ("–" for nothing)."""
    loaded = json.loads(value)
    return "–" if loaded is None else str(loaded)
