"""The report as labelled tables: one structure for the dashboard, the print page, the xlsx and
the csv, so that all of them show the same figures with the same small-count suppression."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Optional

from flask_babel import get_locale
from flask_babel import gettext as _

from models.enums import ActivityType
from models.operations import reports as report_ops
from models.operations.compilation import INTERESTS, published_compilation
from models.operations.question_sets import QUESTIONNAIRES, WORKPLACE_EMPLOYEE
from models.operations.reports import PairFigures, QuarterlyReport

from .. import labels

# A cell is an int/float (shown as a number), a str, or None (nothing there: "–").
Cell = Any


@dataclass
class Table:
    key: str  # the anchor on the page
    sheet: str  # the xlsx sheet name (at most 31 characters)
    title: str
    headers: list[str]
    rows: list[list[Cell]]  # the first cell of a row is its heading
    note: str = ""
    percent_columns: frozenset[int] = field(default_factory=frozenset)
    decimal_columns: frozenset[int] = field(default_factory=frozenset)


def quarter_heading(row: report_ops.QuarterRow) -> str:
    if row.is_current:
        return _("%(q)s (pågår)", q=row.quarter)
    if row.is_future:
        return _("%(q)s (kommande)", q=row.quarter)
    return row.quarter


def _column_heading(column: str) -> str:
    return _("Totalt") if column == "total" else column


def _shown(value: Optional[int]) -> Cell:
    return report_ops.SUPPRESSED if value is None else value


def summary_table(report: QuarterlyReport) -> Table:
    totals, forecast = report.totals, report.forecast
    current = report.current
    rows: list[list[Cell]] = [
        [_("Program"), report.programme_name],
        [_("Period"), f"{report.starts_on.isoformat()} – {report.ends_on.isoformat()}"],
        [_("Siffrorna gäller den"), report.today.isoformat()],
        [_("Mål: personer med genomfört besök 4–8 h"), totals.target],
        [_("Personer hittills"), totals.persons],
        [_("Mål till och med innevarande kvartal"), totals.target_to_date],
        [_("Nya personer innevarande kvartal"), current.new_persons if current else None],
        [_("Prognos för hela perioden"), forecast.value],
        [_("Takt per kvartal (hela kvartal hittills)"), forecast.pace],
        [_("Bekräftade kommande besök, personer som inte räknats än"), forecast.booked],
        [_("Budget per år (kr)"), report.yearly_budget_sek],
        [_("Budget hittills i perioden (kr)"), report.budget_to_date_sek],
        [_("Kostnad per nådd person (kr)"), report.cost_per_person_sek],
    ]
    if report.budget is not None:
        rows.append([_("Kostnad per nådd person, faktiska kostnader (kr)"), report.budget.cost_per_person_sek])
    return Table(
        "sammanfattning",
        _("Sammanfattning"),
        _("Sammanfattning"),
        [_("Uppgift"), _("Värde")],
        rows,
        note=_(
            "Prognos = personer hittills + personer med bekräftat kommande besök + det som takten ger därutöver "
            "(takt × återstående kvartal, minus de bokade). Takten är personer per helt kvartal hittills. "
            "Kostnad per person = budget per år × förfluten del av perioden i år / personer hittills. "
            "Med faktiska kostnader: utfallet hittills enligt budgetuppföljningen / personer hittills."
        ),
    )


def quarters_table(report: QuarterlyReport) -> Table:
    no_shows = report_ops.published_no_shows(report)
    elapsed = len(report.elapsed)
    rows: list[list[Cell]] = [
        [
            quarter_heading(q), q.new_persons, q.cumulative_persons, q.target_to_date, q.visits_completed,
            q.visits_counting, _shown(no_shows[i]) if i < elapsed else 0, q.cancellations, q.declined,
        ]
        for i, q in enumerate(report.quarters)
    ]
    t = report.totals
    rows.append(
        [_("Totalt"), t.persons, t.persons, t.target, t.visits_completed, t.visits_counting, _shown(no_shows[-1]),
         t.cancellations, t.declined]
    )
    return Table(
        "kvartal",
        _("Kvartal"),
        _("Kvartal för kvartal"),
        [
            _("Kvartal"), _("Nya personer"), _("Personer ackumulerat"), _("Mål till och med kvartalet"),
            _("Genomförda besök"), _("varav 4–8 timmar"), _("Uteblivna besök"), _("Avbokade besök"),
            _("Nekade förslag"),
        ],
        rows,
        note=_(
            "En person räknas en gång, i kvartalet för sitt första genomförda besök på 4–8 timmar inom perioden. "
            "Besök räknas för sig, i kvartalet för besöksdagen, med status enligt den senaste händelsen "
            "(rättelser ingår)."
        ),
    )


def activities_table(report: QuarterlyReport) -> Table:
    attended = dict(report_ops.published_activities(report, "attended").rows)
    absent = dict(report_ops.published_activities(report, "absent").rows)
    rows: list[list[Cell]] = []
    for activity_type in ActivityType:
        figures = report.totals.activities[activity_type]
        current = report.current
        to_date = current.activity_targets_to_date.get(activity_type) if current else None
        rows.append(
            [
                str(labels.ACTIVITY_TYPE_LABELS[activity_type.value]), figures.held,
                _shown(attended[activity_type.value][-1]), _shown(absent[activity_type.value][-1]),
                report.totals.activity_targets.get(activity_type), to_date,
            ]
        )
    return Table(
        "aktiviteter",
        _("Aktiviteter"),
        _("Gruppaktiviteter under perioden"),
        [
            _("Aktivitet"), _("Genomförda tillfällen"), _("Närvarande deltagare"), _("Frånvarande"),
            _("Mål (närvarande)"), _("Mål till och med innevarande kvartal"),
        ],
        rows,
        note=_("Målen för aktiviteterna räknas som antal närvarande deltagare.") + " " + suppression_note(),
    )


def activities_by_quarter_table(report: QuarterlyReport) -> Table:
    headers = [_("Kvartal")]
    for activity_type in ActivityType:
        name = str(labels.ACTIVITY_TYPE_LABELS[activity_type.value])
        headers += [_("%(a)s: tillfällen", a=name), _("%(a)s: närvarande", a=name)]
    attended = dict(report_ops.published_activities(report, "attended").rows)
    rows = []
    for i, q in enumerate(report.elapsed):
        row: list[Cell] = [quarter_heading(q)]
        for activity_type in ActivityType:
            row += [q.activities[activity_type].held, _shown(attended[activity_type.value][i])]
        rows.append(row)
    return Table(
        "aktiviteter-kvartal", _("Aktiviteter per kvartal"), _("Gruppaktiviteter per kvartal"), headers, rows,
        note=suppression_note(),
    )


BREAKDOWN_TITLES = {
    "target_group": (lambda: (_("Målgrupp"), _("Nya personer per målgrupp")), labels.TARGET_GROUP_LABELS),
    "network": (
        lambda: (_("Nätverk"), _("Nya personer per nätverk (företaget vid första besöket)")),
        labels.NETWORK_LABELS,
    ),
    "field": (lambda: (_("Yrkesområde"), _("Nya personer per yrkesområde (första besöket)")), labels.FIELD_LABELS),
    "size_class": (
        lambda: (_("Företagsstorlek"), _("Nya personer per företagsstorlek (första besöket)")),
        labels.SIZE_CLASS_LABELS,
    ),
}


def breakdown_table(report: QuarterlyReport, dimension: str) -> Table:
    published = report_ops.published_breakdown(report, dimension)
    titles, names = BREAKDOWN_TITLES[dimension]
    sheet, title = titles()
    return Table(
        f"fordelning-{dimension}",
        sheet,
        title,
        [_("Kategori")] + [_column_heading(c) for c in published.columns],
        [[str(names[cat])] + [_shown(v) for v in cells] for cat, cells in published.rows],
        note=suppression_note(),
    )


def suppression_note() -> str:
    return _(
        "x = dolt för att skydda enskilda: antal personer från 1 till 4, och de antal som annars skulle låta "
        "ett sådant räknas fram ur de summor som visas. 0 visas som 0."
    )


def _questionnaire(code: str) -> str:
    return str(labels.QUESTIONNAIRE_LABELS.get(code, code))


def pairs_table(report: QuarterlyReport) -> Table:
    """Paired before/after answers per questionnaire, question and quarter."""
    columns = [quarter_heading(q) for q in report.elapsed] + [_("Totalt")]
    rows: list[list[Cell]] = []
    for group in report_ops.SURVEY_GROUPS:
        for key, cells in report_ops.published_pairs(report, group):
            question = report.survey_questions.get((group, key), key)
            for column, pair in zip(columns, cells, strict=True):
                rows.append([_questionnaire(group), question, column, *_pair_cells(pair)])
    return Table(
        "enkat-par",
        _("Enkäter före och efter"),
        _("Före och efter: förändring per fråga"),
        [_("Enkät"), _("Fråga"), _("Kvartal"), *_pair_headings()],
        rows,
        note=_(
            "Ett par är samma persons (eller företags) svar efter ett besök och första svar före, givet innan "
            "besöket började, på samma fråga. Paret hör till besökets kvartal. Konfidensintervallet är ett "
            "t-intervall för medelförändringen (minst 2 par). Färre än 5 par visas som x, utan medelvärde, "
            "liksom antal som annars skulle låta ett sådant räknas fram."
        ),
        percent_columns=frozenset({7}),
        decimal_columns=frozenset({4, 5, 6}),
    )


def _pair_headings() -> list[str]:
    return [_("Antal par"), _("Medelförändring (skala 1–5)"), _("95 % konfidensintervall, lägst"),
            _("95 % konfidensintervall, högst"), _("Andel som förbättrats")]


def _pair_cells(pair: Optional[PairFigures]) -> list[Cell]:
    if pair is None:
        return [report_ops.SUPPRESSED, None, None, None, None]
    mean = None if pair.mean_change is None else round(pair.mean_change, 2)
    interval = pair.confidence_interval
    low, high = (None, None) if interval is None else (round(interval[0], 2), round(interval[1], 2))
    share = None if pair.share_improved is None else round(pair.share_improved, 3)
    return [pair.pairs, mean, low, high, share]


def response_table(report: QuarterlyReport) -> Table:
    """Per questionnaire and quarter: links sent and finished, the response rate, and how many
    "after" questionnaires paired, did not, and the late "before" ones."""
    columns = [quarter_heading(q) for q in report.elapsed] + [_("Totalt")]
    rows: list[list[Cell]] = []
    for group in report_ops.SURVEY_GROUPS:
        published = report_ops.published_survey_response(report, group)
        for i, column in enumerate(columns):
            cells = {what: published[what][i] for what in report_ops.SURVEY_RESPONSE}
            rate = report_ops.response_rate(cells["invitations_sent"], cells["invitations_answered"])
            rows.append([
                _questionnaire(group), column, _shown(cells["invitations_sent"]),
                _shown(cells["invitations_answered"]), None if rate is None else round(rate, 3),
                _shown(cells["pairs"]), _shown(cells["unpaired"]), _shown(cells["late_baselines"]),
            ])
    return Table(
        "enkat-svar",
        _("Enkäter svar"),
        _("Enkäter: svarsfrekvens och par"),
        [_("Enkät"), _("Kvartal"), _("Utskickade enkäter"), _("Besvarade enkäter"), _("Svarsfrekvens"),
         _("Efter-enkäter med par"), _("Efter-enkäter utan par"), _("För sena före-enkäter")],
        rows,
        note=_(
            "Enkäterna räknas i kvartalet för det besök de gäller. En före-enkät som besvarades först när "
            "besöket hade börjat är för sen: den sparas och räknas här, men blir aldrig utgångsläge i ett par."
        ) + " " + suppression_note(),
        percent_columns=frozenset({4}),
    )


def feedback_ratings_table(report: QuarterlyReport) -> Table:
    """How the supervisors rated the visitors in the feedback template (no free text)."""
    names = {"overall": _("Helhetsintryck"), "interest": _("Intresse och engagemang"), "punctuality": _("Punktlighet")}
    published = report_ops.published_feedback_ratings(report)
    return Table(
        "aterkoppling-betyg",
        _("Återkoppling betyg"),
        _("Återkopplingens betyg: antal formulär per betyg, hela perioden"),
        [_("Betyg"), "1", "2", "3", "4", "5", _("Totalt")],
        [[str(names[name])] + [_shown(v) for v in cells] for name, cells in published.rows],
        note=_("Betygen från mallen som handledarna fyller i efter besöket (1 = lägst, 5 = högst). Intresset "
               "för att rekrytera finns i tabellen Återkoppling. Ingen fritext visas.") + " " + suppression_note(),
    )


def employees_table(report: QuarterlyReport) -> Table:
    """The colleagues' anonymous answers at hosting workplaces, per quarter of the visit."""
    keys = report_ops.employee_question_keys(report)
    rows: list[list[Cell]] = []
    for label, figures in report_ops.published_employees(report):
        row = report.totals.employees if label == "total" else next(
            q.employees for q in report.elapsed if q.quarter == label)
        means: list[Cell] = [
            None if figures is None or figures.mean(key) is None else round(figures.mean(key) or 0, 2) for key in keys
        ]
        rows.append([_column_heading(label), row.companies, _shown(None if figures is None else figures.answers),
                     *means])
    return Table(
        "enkat-medarbetare",
        _("Enkät medarbetare"),
        _("Medarbetarna på arbetsplatserna"),
        [_("Kvartal"), _("Arbetsplatser med svar"), _("Svar"),
         *(report.survey_questions.get((WORKPLACE_EMPLOYEE, key), key) for key in keys)],
        rows,
        note=_("Medarbetarna svarar anonymt via en länk som handledaren skickar vidare. Svaren räknas per "
               "arbetsplats, aldrig per person. Medelvärdet (skala 1–5) visas bara när minst 5 svar har kommit in.")
        + " " + suppression_note(),
        decimal_columns=frozenset(range(3, 3 + len(keys))),
    )


def pairs_by_target_table(report: QuarterlyReport) -> Table:
    """Participants' pairs per questionnaire, question and target group over the whole period."""
    rows: list[list[Cell]] = []
    for group in report_ops.SURVEY_GROUPS:
        if QUESTIONNAIRES[group].audience != "participant":
            continue
        for key, cells in report_ops.published_pairs_by_target(report, group):
            question = report.survey_questions.get((group, key), key)
            for target_group, pair in cells:
                rows.append([_questionnaire(group), question, str(labels.TARGET_GROUP_LABELS[target_group]),
                             *_pair_cells(pair)])
    return Table(
        "enkat-malgrupp",
        _("Enkäter per målgrupp"),
        _("Före och efter per målgrupp, hela perioden"),
        [_("Enkät"), _("Fråga"), _("Målgrupp"), *_pair_headings()],
        rows,
        note=_("Deltagarnas par per målgrupp under hela perioden hittills.") + " " + suppression_note(),
        percent_columns=frozenset({7}),
        decimal_columns=frozenset({4, 5, 6}),
    )


def follow_ups_table(report: QuarterlyReport) -> Table:
    published = report_ops.published_follow_ups(report)
    return Table(
        "uppfoljning",
        _("Uppföljning 3 och 6 mån"),
        _("Läget 3 och 6 månader efter första besöket"),
        [_("Resultat"), _("Efter 3 månader"), _("Efter 6 månader")],
        [[str(labels.FOLLOW_UP_LABELS[result])] + [_shown(v) for v in cells] for result, cells in published.rows],
        note=suppression_note(),
    )


def self_sufficiency_table(report: QuarterlyReport) -> Table:
    published = report_ops.published_self_sufficiency(report)
    return Table(
        "sjalvforsorjning",
        _("Självförsörjning 3 och 6 mån"),
        _("Självförsörjande vid uppföljningen (inte längre ekonomiskt bistånd)"),
        [_("Läge"), _("Efter 3 månader"), _("Efter 6 månader")],
        [[str(labels.SELF_SUFFICIENCY_LABELS[c])] + [_shown(v) for v in cells] for c, cells in published.rows],
        note=suppression_note(),
    )


def budget_table(report: QuarterlyReport) -> Optional[Table]:
    """The agreement's budget lines: budget and actual costs to date, the deviation, and the
    current agreement year's budget and forecast."""
    budget = report.budget
    if budget is None:
        return None
    rows: list[list[Cell]] = [
        [
            str(labels.BUDGET_LINE_LABELS[f.line]), f.budget_to_date_sek, f.spent_to_date_sek, f.deviation_sek,
            f.deviation_share, f.year_budget_sek, f.year_forecast_sek, _("Ja") if f.significant else "",
        ]
        for f in [*budget.lines, budget.total]
    ]
    if budget.through is None:
        period = _("Ingen hel månad av perioden har gått än.")
    else:
        period = _("Kostnaderna följs upp per hel månad, till och med %(d)s.", d=budget.through.isoformat())
    return Table(
        "budget",
        _("Budget"),
        _("Budget och utfall (avtalsår %(n)s: %(start)s – %(end)s)", n=budget.year,
          start=budget.year_start.isoformat(), end=budget.year_end.isoformat()),
        [
            _("Budgetpost"), _("Budget hittills (kr)"), _("Utfall hittills (kr)"), _("Avvikelse (kr)"),
            _("Avvikelse"), _("Budget avtalsåret (kr)"), _("Prognos avtalsåret (kr)"), _("Betydande avvikelse"),
        ],
        rows,
        note=" ".join([
            period,
            _("Prognos = utfall hittills under avtalsåret + budgeten för resten av året."),
            _("En avvikelse på mer än %(t)s %% åt något håll är betydande: enligt överenskommelsen ska parterna "
              "föra en dialog och godkänna förändringarna innan de genomförs.", t=budget.threshold_pct),
        ]),
        percent_columns=frozenset({4}),
    )


def funding_table(report: QuarterlyReport) -> Optional[Table]:
    """The current agreement year's financing per party against its budget."""
    budget = report.budget
    if budget is None:
        return None
    rows: list[list[Cell]] = [[f.organisation, f.year_amount_sek] for f in budget.funding]
    rows.append([_("Summa finansiering"), budget.funding_total_sek])
    rows.append([_("Budget avtalsåret"), budget.total.year_budget_sek])
    if budget.uncovered_years:
        covered = _("Nej, inte för avtalsår %(years)s", years=", ".join(str(y) for y in budget.uncovered_years))
    else:
        covered = _("Ja")
    rows.append([_("Finansieringen täcker budgeten"), covered])
    return Table(
        "finansiering", _("Finansiering"), _("Finansiering per part (avtalsår %(n)s)", n=budget.year),
        [_("Part"), _("Kronor")], rows,
    )


REFERRAL_MEASURE_LABELS = {
    "received": lambda: _("mottagna remisser"),
    "accepted": lambda: _("antagna"),
    "returned": lambda: _("återsända"),
}


def _quarter_headings(report: QuarterlyReport, first: str) -> list[str]:
    return [first, *(quarter_heading(q) for q in report.elapsed), _("Totalt")]


def _published(values: list[Optional[int]]) -> list[Cell]:
    return [_shown(v) for v in values]


def compilation_tables(report: QuarterlyReport) -> list[Table]:
    """What TH compiles the quarter from: referrals and selection per referring unit, companies
    per network, and the feedback from the workplaces."""
    if report.compilation is None:
        return []
    published = published_compilation(report.compilation)
    referral_rows: list[list[Cell]] = []
    for unit_index, unit in enumerate(report.compilation.units):
        for measure, table in published.referrals.items():
            referral_rows.append([
                _("%(unit)s: %(measure)s", unit=unit, measure=REFERRAL_MEASURE_LABELS[measure]()),
                *_published(table.rows[unit_index][1]),
            ])
    network_rows: list[list[Cell]] = []
    for i, network in enumerate(report_ops.DIMENSIONS["network"]):
        name = str(labels.NETWORK_LABELS[network])
        network_rows += [
            [_("%(network)s: företag med besök", network=name),
             *_published(published.companies_engaged.rows[i][1]),
             *_published(published.companies_engaged_period.rows[i][1])],
            [_("%(network)s: genomförda besök", network=name), *_published(published.visits_hosted.rows[i][1])],
            [_("%(network)s: företag som vill rekrytera", network=name),
             *_published(published.recruiting.rows[i][1]), *_published(published.recruiting_period.rows[i][1])],
        ]
    feedback_rows: list[list[Cell]] = [
        [
            quarter_heading(report.elapsed[n]) if n < len(report.elapsed) else _("Totalt"),
            _shown(row.forms), row.means["overall"], row.means["interest"], row.means["punctuality"],
            row.share_welcome_again, *(_shown(row.further[i]) for i in INTERESTS),
        ]
        for n, row in enumerate(published.feedback)
    ]
    return [
        Table(
            "remisser", _("Remisser per enhet"), _("Remisser och urval per remitterande enhet"),
            _quarter_headings(report, _("Enhet och beslut")), referral_rows,
            note=_("Mottagna = skickade till projektledaren under kvartalet; antagna och återsända = beslut under "
                   "kvartalet.") + " " + suppression_note(),
        ),
        Table(
            "natverk", _("Företag per nätverk"), _("Engagerade företag per nätverk"),
            _quarter_headings(report, _("Nätverk")), network_rows,
            note=_("Företag med besök = företag som tagit emot minst ett genomfört besök; i kolumnen Totalt räknas "
                   "varje företag en gång för hela perioden. Företag som vill rekrytera = har angett intresse av "
                   "att rekrytera i återkopplingen efter ett besök.") + " " + suppression_note(),
        ),
        Table(
            "aterkoppling", _("Återkoppling"), _("Återkoppling från arbetsplatserna"),
            [_("Kvartal"), _("Ifyllda formulär"), _("Helhetsintryck (1–5)"), _("Intresse (1–5)"),
             _("Punktlighet (1–5)"), _("Tar gärna emot igen"), *(str(labels.FURTHER_INTEREST_LABELS[i])
                                                                for i in INTERESTS)],
            feedback_rows,
            note=_("Medelvärden och andelar visas bara när minst 5 formulär visas.") + " " + suppression_note(),
            percent_columns=frozenset({5}),
        ),
    ]


def report_tables(report: QuarterlyReport) -> list[Table]:
    """Every table of the report, in the order the dashboard, print page and exports show them;
    worked out once per report and language (a kept report is shown until the data changes).
    The tables are shared between requests: read them, never change them."""
    locale = str(get_locale())
    kept = report.__dict__.setdefault("_tables", {})
    if locale not in kept:
        kept[locale] = _report_tables(report)
    return kept[locale]  # type: ignore[no-any-return]


def _report_tables(report: QuarterlyReport) -> list[Table]:
    money = [t for t in (budget_table(report), funding_table(report)) if t is not None]
    return [
        summary_table(report),
        quarters_table(report),
        activities_table(report),
        activities_by_quarter_table(report),
        *(breakdown_table(report, dim) for dim in report_ops.DIMENSIONS),
        response_table(report),
        pairs_table(report),
        pairs_by_target_table(report),
        employees_table(report),
        feedback_ratings_table(report),
        follow_ups_table(report),
        self_sufficiency_table(report),
        *compilation_tables(report),
        *money,
    ]
