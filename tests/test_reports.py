"""The quarterly report: every figure of a known data set with every edge of the counting rule,
computed in the database (run on SQLite and PostgreSQL)."""

from __future__ import annotations

import datetime as dt
import json
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from models import (
    Activity,
    ActivityParticipant,
    FollowUp,
    Goal,
    Milestone,
    Survey,
    SurveyAnswer,
    SurveyInvitation,
    SurveyQuestion,
    Visit,
    clock,
)
from models.enums import (
    ActivityType,
    AttendanceStatus,
    FollowUpResult,
    GoalKind,
    Network,
    QuestionKind,
    SizeClass,
    SurveyMoment,
    TargetGroup,
    VisitStatus,
)
from models.operations import reports
from models.operations import visits as visit_ops
from models.operations.reports import quarterly_report
from models.operations.visits import counts_toward_goal

STOCKHOLM = ZoneInfo("Europe/Stockholm")
TODAY = dt.date(2025, 8, 15)  # in 2025-Q3


def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=STOCKHOLM)


def d(month: int, day: int, year: int = 2025) -> dt.date:
    return dt.date(year, month, day)


def programme(make, starts_on: dt.date, ends_on: dt.date, target: int = 350):
    created = make.programme(starts_on=starts_on, ends_on=ends_on, yearly_budget_sek=1_241_000)
    created.goal(GoalKind.PERSONS_WORKPLACE_VISIT).target = target
    return created


class KnownSet:
    """Seven persons count (3 in Q1, 3 in Q2, 1 in Q3) among visits that test every edge."""

    def __init__(self, db, make):
        self.db, self.make = db, make
        self.programme = programme(make, d(1, 1), d(12, 31), target=40)
        main_goal = self.programme.goal(GoalKind.PERSONS_WORKPLACE_VISIT)
        main_goal.milestones.append(Milestone(quarter_start=d(4, 1), target_to_date=15))
        self.programme.goals.append(Goal(kind=GoalKind.STADIUM_VISIT, target=8))
        hif_small = make.company(network=Network.HIF_SPONSOR, size_class=SizeClass.SMALL)
        th_large = make.company(network=Network.TH_NETWORK, size_class=SizeClass.LARGE)
        both_micro = make.company(network=Network.BOTH, size_class=SizeClass.MICRO)
        self.kitchen = make.offer(hif_small, field="hospitality")
        self.it = make.offer(th_large, field="it")
        self.care = make.offer(both_micro, field="healthcare")
        person = self.person
        visit = self.visit

        # Q1 -----------------------------------------------------------------------------
        self.a = person("Aida", TargetGroup.YOUTH)
        self.a1 = visit(self.a, self.kitchen, d(1, 15), 9, 6, VisitStatus.COMPLETED)  # counts Q1
        self.a2 = visit(self.a, self.it, d(4, 10), 9, 5, VisitStatus.COMPLETED)  # second visit: not a new person
        visit(self.a, self.it, d(9, 12), 9, 6, VisitStatus.CONFIRMED)  # already counted: not "booked"
        self.b = person("Bertil", TargetGroup.NEWCOMER)
        visit(self.b, self.kitchen, d(12, 31, 2024), 9, 6, VisitStatus.COMPLETED)  # before the period
        self.b1 = visit(self.b, self.it, d(1, 1), 9, 4, VisitStatus.COMPLETED)  # exactly 4.0 h, first day of Q1
        self.c = person("Cecilia", TargetGroup.NEWCOMER)
        self.c1 = visit(self.c, self.care, d(3, 31), 20, 8, VisitStatus.COMPLETED)  # exactly 8.0 h, ends 04:00 in Q2
        self.e = person("Emil", TargetGroup.LONG_TERM)
        self.e1 = visit(self.e, self.kitchen, d(2, 10), 9, 3.5, VisitStatus.COMPLETED)  # 3.5 h: reported, not counted
        visit(self.e, self.kitchen, d(5, 5), 8, 8.5, VisitStatus.COMPLETED)  # 8.5 h: reported, not counted
        self.f = person("Fatima", TargetGroup.NEWCOMER)
        visit(self.f, self.kitchen, d(2, 11), 9, 6, VisitStatus.NO_SHOW)
        self.f1 = visit(self.f, self.care, d(5, 6), 9, 7, VisitStatus.COMPLETED)  # counts Q2
        self.g = person("Gustav", TargetGroup.YOUTH)
        visit(self.g, self.kitchen, d(3, 3), 9, 6, VisitStatus.CANCELLED)
        self.h = person("Hanna", TargetGroup.YOUTH)
        visit(self.h, self.it, d(3, 4), 9, 6, VisitStatus.DECLINED)

        # Q2 -----------------------------------------------------------------------------
        self.dd = person("David", TargetGroup.LONG_TERM)
        # 00:00 on 1 April in Stockholm is still 31 March in UTC: the local date decides.
        self.d1 = visit(self.dd, self.it, d(4, 1), 0, 4, VisitStatus.COMPLETED)
        self.i = person("Ingrid", TargetGroup.OTHER)
        self.i_visit = visit(self.i, self.kitchen, d(6, 30), 9, 6, VisitStatus.COMPLETED)
        self.j = person("Jonas", TargetGroup.NEWCOMER)
        self.j_visit = visit(self.j, self.care, d(5, 20), 9, 5, VisitStatus.NO_SHOW)
        # Corrections, in both directions, through the bookings engineer's operation.
        visit_ops.correct_outcome(db, self.i_visit, VisitStatus.NO_SHOW, by=None, reason="kom aldrig")
        visit_ops.correct_outcome(
            db, self.j_visit, VisitStatus.COMPLETED, by=None, reason="fel registrering",
            actual_start=at(d(5, 20), 9), actual_end=at(d(5, 20), 14),
        )

        # Q3 and outside ------------------------------------------------------------------
        self.m = person("Maja", TargetGroup.OTHER)
        visit(self.m, self.it, d(7, 1), 9, 6, VisitStatus.COMPLETED)  # first day of Q3
        self.k = person("Karl", TargetGroup.YOUTH)
        visit(self.k, self.it, d(1, 2, 2026), 9, 6, VisitStatus.COMPLETED)  # after the period
        self.l_ = person("Lina", TargetGroup.YOUTH)
        visit(self.l_, self.care, d(9, 10), 9, 6, VisitStatus.CONFIRMED)  # a booked future person
        self.n = person("Nils", TargetGroup.YOUTH)
        visit(self.n, self.care, d(9, 11), 9, 6, VisitStatus.PROPOSED)  # not confirmed: not booked

        self._activities()
        self._surveys()
        self._follow_ups()
        db.commit()

    def person(self, first_name, group):
        return self.make.candidate(first_name=first_name, last_name="Testsson", target_group=group)

    def visit(self, candidate, offer, day, hour, hours, status):
        completed = status == VisitStatus.COMPLETED
        return self.make.visit(
            candidate, offer, day=day, start_hour=hour, hours=hours, status=status,
            actual_hours=hours if completed else None,
        )

    def _activities(self):
        def activity(kind, start, marks):
            act = Activity(type=kind, title="Aktivitet", starts_at=start, ends_at=start + dt.timedelta(hours=2))
            for status in marks:
                act.participants.append(ActivityParticipant(candidate=self.make.candidate(), status=status))
            self.db.add(act)

        att, absent, reg = AttendanceStatus.ATTENDED, AttendanceStatus.ABSENT, AttendanceStatus.REGISTERED
        activity(ActivityType.STADIUM_VISIT, at(d(3, 31), 21, 30), [att, att, absent])  # Q1 (local evening)
        activity(ActivityType.STADIUM_VISIT, at(d(4, 1), 0, 30), [att, reg])  # Q2 although 31 March in UTC
        activity(ActivityType.WELLNESS, at(d(5, 2), 13), [att, att, att])  # Q2
        activity(ActivityType.WELLNESS, at(d(8, 20), 13), [reg, reg])  # after today: not held yet
        activity(ActivityType.WELLNESS, at(d(12, 31, 2024), 13), [att])  # before the period
        activity(ActivityType.ASSOCIATION_ACTIVITY, at(d(7, 3), 18), [])  # held, nobody marked yet

    def _surveys(self):
        def survey(moment):
            s = Survey(name=str(moment), moment=moment)
            confidence = "Jag tror att jag kan få ett arbete."
            s.questions = [
                SurveyQuestion(position=1, key="confidence", kind=QuestionKind.LIKERT, text_sv=confidence, text_en="x"),
                SurveyQuestion(position=2, key="comment", kind=QuestionKind.TEXT, text_sv="Övrigt", text_en="x"),
            ]
            self.db.add(s)
            return s

        pb, pa = survey(SurveyMoment.PARTICIPANT_BEFORE), survey(SurveyMoment.PARTICIPANT_AFTER)
        cb, ca = survey(SurveyMoment.COMPANY_BEFORE), survey(SurveyMoment.COMPANY_AFTER)
        self.db.flush()

        def answer(s, when, likert, visit, *, candidate=None, company=None):
            inv = SurveyInvitation(
                survey=s, candidate=candidate, company=company, visit_id=visit.id,
                expires_at=when + dt.timedelta(days=14),
            )
            inv.answers.append(SurveyAnswer(question=s.questions[0], likert=likert, answered_at=when))
            inv.answers.append(SurveyAnswer(question=s.questions[1], text="fritext", answered_at=when))
            self.db.add(inv)

        # Aida 2 → 3 about her Q1 visit (+1) and 2 → 5 about her Q2 visit (+3). Her second
        # "before" came after her first visit had started: late, never a baseline.
        answer(pb, at(d(1, 10), 10), 2, self.a1, candidate=self.a)
        answer(pb, at(d(1, 20), 10), 4, self.a1, candidate=self.a)
        answer(pa, at(d(2, 1), 10), 3, self.a1, candidate=self.a)
        answer(pa, at(d(4, 12), 10), 5, self.a2, candidate=self.a)
        # Bertil 4 → 3 in Q1 (worse), his "before" given before the period, his "after" late on
        # 31 March; Cecilia 3 → 3 (same) in Q1, the quarter of her visit, though she answered
        # "after" in April; Emil "after" only (unpaired).
        answer(pb, at(d(12, 20, 2024), 10), 4, self.b1, candidate=self.b)
        answer(pa, at(d(3, 31), 23, 30), 3, self.b1, candidate=self.b)
        answer(pb, at(d(3, 1), 10), 3, self.c1, candidate=self.c)
        answer(pa, at(d(4, 20), 10), 3, self.c1, candidate=self.c)
        answer(pa, at(d(2, 12), 10), 5, self.e1, candidate=self.e)
        # Fatima answered "before" the day after her visit: late, so her "after" is unpaired (Q2).
        answer(pb, at(d(5, 7), 10), 1, self.f1, candidate=self.f)
        answer(pa, at(d(5, 8), 10), 5, self.f1, candidate=self.f)
        # Companies: the kitchen 1 → 4 about Aida's Q1 visit, IT 2 → 3 about David's Q2 visit.
        answer(cb, at(d(1, 5), 10), 1, self.a1, company=self.kitchen.company)
        answer(ca, at(d(2, 1), 10), 4, self.a1, company=self.kitchen.company)
        answer(cb, at(d(12, 20, 2024), 10), 2, self.b1, company=self.it.company)
        answer(ca, at(d(6, 1), 10), 3, self.d1, company=self.it.company)

    def _follow_ups(self):
        officer = self.make.user("welfare_officer")
        for candidate, months, result in (
            (self.a, 3, FollowUpResult.JOB),
            (self.b, 3, FollowUpResult.STUDIES),
            (self.b, 6, FollowUpResult.JOB),
            (self.e, 3, FollowUpResult.NO_CHANGE),  # completed visits, though none counted
            (self.g, 3, FollowUpResult.JOB),  # no completed visit: left out
        ):
            self.db.add(
                FollowUp(
                    candidate_id=candidate.id, months=months, result=result, recorded_on=TODAY,
                    recorded_by_id=officer.id,
                )
            )


@pytest.fixture
def known(db, make):
    return KnownSet(db, make)


def test_every_quarter_figure_of_the_known_set(db, known) -> None:
    report = quarterly_report(db, known.programme, today=TODAY)
    got = [
        (q.quarter, q.start, q.end, q.status, q.new_persons, q.cumulative_persons, q.target_to_date,
         q.visits_completed, q.visits_counting, q.no_shows, q.cancellations, q.declined)
        for q in report.quarters
    ]
    assert got == [
        ("2025-Q1", d(1, 1), d(3, 31), "past", 3, 3, 10, 4, 3, 1, 1, 1),
        ("2025-Q2", d(4, 1), d(6, 30), "past", 3, 6, 15, 5, 4, 1, 0, 0),  # edited milestone 15
        ("2025-Q3", d(7, 1), d(9, 30), "current", 1, 7, 30, 1, 1, 0, 0, 0),
        ("2025-Q4", d(10, 1), d(12, 31), "future", 0, 7, 40, 0, 0, 0, 0, 0),
    ]
    totals = report.totals
    assert (totals.persons, totals.target, totals.target_to_date) == (7, 40, 30)
    visits = (totals.visits_completed, totals.visits_counting, totals.no_shows, totals.cancellations, totals.declined)
    assert visits == (10, 8, 2, 1, 1)


def test_breakdowns_use_the_person_and_the_company_of_the_first_counting_visit(db, known) -> None:
    report = quarterly_report(db, known.programme, today=TODAY)
    q1, q2, q3, q4 = report.quarters
    assert q1.new_persons_by["target_group"] == {"youth": 1, "newcomer": 2, "long_term": 0, "other": 0}
    assert q2.new_persons_by["target_group"] == {"youth": 0, "newcomer": 2, "long_term": 1, "other": 0}
    assert q3.new_persons_by["target_group"] == {"youth": 0, "newcomer": 0, "long_term": 0, "other": 1}
    # Q1: Aida at the kitchen (HIF, small), Bertil at IT (TH, large), Cecilia in care (both, micro)
    assert q1.new_persons_by["network"] == {"hif_sponsor": 1, "th_network": 1, "both": 1}
    assert q1.new_persons_by["size_class"] == {"micro": 1, "small": 1, "medium": 0, "large": 1}
    # Q2: David at IT, Fatima in care, Jonas in care (Aida's second visit at IT is not counted)
    assert q2.new_persons_by["network"] == {"hif_sponsor": 0, "th_network": 1, "both": 2}
    assert {k: v for k, v in q2.new_persons_by["field"].items() if v} == {"it": 1, "healthcare": 2}
    assert sum(q4.new_persons_by["field"].values()) == 0
    assert report.totals.new_persons_by["target_group"] == {"youth": 1, "newcomer": 4, "long_term": 1, "other": 1}
    for dim in reports.DIMENSIONS:
        assert sum(report.totals.new_persons_by[dim].values()) == report.totals.persons


def test_activities_attendance_and_activity_targets(db, known) -> None:
    report = quarterly_report(db, known.programme, today=TODAY)
    q1, q2, q3, q4 = report.quarters
    stadium, wellness, association = (
        ActivityType.STADIUM_VISIT, ActivityType.WELLNESS, ActivityType.ASSOCIATION_ACTIVITY,
    )
    assert (q1.activities[stadium].held, q1.activities[stadium].attended, q1.activities[stadium].absent) == (1, 2, 1)
    assert (q2.activities[stadium].held, q2.activities[stadium].attended) == (1, 1)
    assert (q2.activities[wellness].held, q2.activities[wellness].attended) == (1, 3)
    assert (q3.activities[wellness].held, q3.activities[association].held) == (0, 1)
    assert q3.activities[association].attended == 0
    assert all(f.held == 0 for f in q4.activities.values())
    assert report.totals.activities[stadium].attended == 3
    assert report.totals.activities[wellness].held == 1
    # Activity goals count attendances; linear targets to date for a goal of 8 over 4 quarters
    assert [q.activity_targets_to_date[stadium] for q in report.quarters] == [2, 4, 6, 8]
    assert wellness not in q1.activity_targets_to_date
    assert report.totals.activity_targets == {stadium: 8}


def test_paired_before_and_after_per_quarter(db, known) -> None:
    report = quarterly_report(db, known.programme, today=TODAY)
    q1, q2, *_ = report.quarters
    # Q1: Aida +1, Bertil −1, Cecilia 0 (her visit's quarter, though she answered in April).
    q1_participants = q1.survey_pairs[("workplace_participant", "confidence")]
    assert (q1_participants.pairs, q1_participants.change_sum, q1_participants.improved) == (3, 0, 1)
    low, high = q1_participants.confidence_interval
    assert low < 0 < high and round(high, 2) == 2.48  # t(0.975, 2) = 4.303, s = 1: 4.303 / √3
    q2_participants = q2.survey_pairs[("workplace_participant", "confidence")]
    assert (q2_participants.pairs, q2_participants.change_sum, q2_participants.improved) == (1, 3, 1)
    assert q2_participants.confidence_interval is None  # one pair has no interval
    companies = [q.survey_pairs[("workplace_company", "confidence")].change_sum for q in (q1, q2)]
    assert companies == [3, 1]
    total = report.totals.survey_pairs[("workplace_participant", "confidence")]
    assert (total.pairs, total.change_sum, total.improved) == (4, 3, 2)
    assert ("workplace_participant", "comment") not in report.totals.survey_pairs  # free text never pairs
    assert report.survey_questions[("workplace_participant", "confidence")] == "Jag tror att jag kan få ett arbete."
    # Answered "after" questionnaires, paired or not, and the late "before" ones.
    units = q1.survey_units["workplace_participant"]
    assert (units.answered, units.paired, units.unpaired, units.late_baselines) == (4, 3, 1, 1)  # Emil; Aida
    units = q2.survey_units["workplace_participant"]
    assert (units.answered, units.paired, units.unpaired, units.late_baselines) == (2, 1, 1, 1)  # Fatima
    # Links are counted in the quarter of the visit they are about; none was finished.
    q1_links = q1.survey_units["workplace_participant"]
    assert (q1_links.invitations_sent, q1_links.invitations_answered, q1_links.response_rate) == (8, 0, 0.0)


def test_forecast_cost_and_follow_ups(db, known) -> None:
    report = quarterly_report(db, known.programme, today=TODAY)
    forecast = report.forecast
    # pace = 6 persons / 2 full quarters = 3; remaining = 4 − 2 − 46/92 = 1.5; 3 × 1.5 = 4.5 → 5
    assert (forecast.pace, forecast.full_quarters, forecast.remaining_quarters) == (3.0, 2, 1.5)
    assert (forecast.projected, forecast.booked) == (5, 1)  # Lina; Aida is already counted
    assert forecast.value == 7 + 1 + (5 - 1)
    # 227 days of 2025 up to 15 August: 1 241 000 × 227 / 365.25 = 771 271.7 kr; / 7 persons
    assert report.budget_to_date_sek == 771_272
    assert report.cost_per_person_sek == 110_182
    assert report.follow_ups[3] == {"job": 1, "studies": 1, "internship": 0, "other_effort": 0, "no_change": 1}
    assert report.follow_ups[6] == {"job": 1, "studies": 0, "internship": 0, "other_effort": 0, "no_change": 0}


def test_the_headline_alone_says_what_the_whole_report_says(db, known) -> None:
    """The start page works out its headline without the questionnaires and compilation; every
    figure it shows must be the report's own."""
    full = reports.Headline.of(quarterly_report(db, known.programme, today=TODAY))
    alone = reports.headline(db, known.programme, today=TODAY)

    def shown(h: reports.Headline) -> tuple:
        return (h.totals.persons, h.totals.target, h.totals.target_to_date, h.current and h.current.quarter,
                h.current and h.current.new_persons, h.forecast, h.cost_per_person_sek, h.budget)

    assert shown(alone) == shown(full)
    assert alone.totals.persons == 7 and alone.forecast.value == 12


def test_report_follows_a_correction_in_both_directions(db, make) -> None:
    prog = programme(make, d(1, 1), d(12, 31))
    person = make.candidate()
    visit = make.visit(person, day=d(2, 3), hours=6, status=VisitStatus.COMPLETED, actual_hours=6)
    db.commit()
    assert quarterly_report(db, prog, today=TODAY).totals.persons == 1

    visit_ops.correct_outcome(db, visit, VisitStatus.NO_SHOW, by=None, reason="var inte där")
    db.commit()
    report = quarterly_report(db, prog, today=TODAY)
    assert (report.totals.persons, report.totals.visits_completed, report.totals.no_shows) == (0, 0, 1)

    visit_ops.correct_outcome(
        db, visit, VisitStatus.COMPLETED, by=None, reason="var där ändå",
        actual_start=at(d(2, 3), 9), actual_end=at(d(2, 3), 13, 30),
    )
    db.commit()
    report = quarterly_report(db, prog, today=TODAY)
    assert (report.totals.persons, report.totals.visits_counting, report.totals.no_shows) == (1, 1, 0)
    assert [e.reason.startswith("Rättelse:") for e in visit.events] == [False, True, True]


def test_empty_programme_reports_zeros_not_errors(db, make) -> None:
    prog = programme(make, d(1, 1), d(12, 31), target=350)
    db.commit()
    report = quarterly_report(db, prog, today=TODAY)
    assert [q.new_persons for q in report.quarters] == [0, 0, 0, 0]
    assert [q.target_to_date for q in report.quarters] == [88, 175, 263, 350]  # 87.5 and 262.5 round up
    assert report.totals.persons == 0 and report.cost_per_person_sek is None
    assert report.forecast.value == 0 and report.forecast.pace == 0.0
    data = report.to_dict()
    json.dumps(data)
    assert data["quarters"][0]["new_persons_by"]["target_group"]["youth"] == 0


def test_a_programme_starting_mid_quarter_has_a_short_first_quarter(db, make) -> None:
    prog = programme(make, d(2, 15), d(8, 14, 2026), target=10)
    db.commit()
    report = quarterly_report(db, prog, today=d(2, 20))
    assert [q.quarter for q in report.quarters] == [
        "2025-Q1", "2025-Q2", "2025-Q3", "2025-Q4", "2026-Q1", "2026-Q2", "2026-Q3",
    ]
    assert (report.quarters[0].start, report.quarters[-1].end) == (d(2, 15), d(8, 14, 2026))
    assert report.forecast.pace is None  # no quarter has ended: no pace to extrapolate


def test_to_dict_is_json_with_quarters_and_suppressed_breakdowns(db, known) -> None:
    data = json.loads(json.dumps(quarterly_report(db, known.programme, today=TODAY).to_dict()))
    assert [q["quarter"] for q in data["quarters"]] == ["2025-Q1", "2025-Q2", "2025-Q3", "2025-Q4"]
    q1 = data["quarters"][0]
    assert (q1["new_persons"], q1["visits_completed"], q1["status"]) == (3, 4, "past")
    # small counts never leave the report unsuppressed: 1 and 2 become "x"
    assert q1["new_persons_by"]["target_group"]["youth"] == "x"
    assert data["totals"]["persons"] == 7 and data["forecast"]["persons"] == 12
    assert data["totals"]["new_persons_by"]["target_group"]["newcomer"] == "x"
    assert data["totals"]["survey_pairs"]["workplace_participant"]["confidence"]["pairs"] == "x"
    assert data["totals"]["survey_pairs"]["workplace_participant"]["confidence"]["mean_change"] is None
    assert data["follow_ups"]["3"]["job"] == "x"
    assert "Testsson" not in json.dumps(data)


def test_published_breakdown_hides_small_cells_but_shows_zeros(db, known) -> None:
    report = quarterly_report(db, known.programme, today=TODAY)
    table = reports.published_breakdown(report, "target_group")
    assert table.columns == ["2025-Q1", "2025-Q2", "2025-Q3", "total"]  # the future quarter is left out
    rows = dict(table.rows)
    assert rows["youth"][0] is None  # 1 person
    assert all(cell is None or cell == 0 for cells in rows.values() for cell in cells)


def test_a_visit_counts_by_its_length_in_whole_seconds(db, make) -> None:
    # 4:00:00 and 8:00:00 count, 3:59:59 and 8:00:01 do not; fractions are truncated when stored,
    # so 3:59:59.6 is 3:59:59 and does not count (the report and the visit's own mark agree).
    prog = programme(make, d(1, 1), d(12, 31))
    lengths = (4 * 3600, 8 * 3600, 4 * 3600 - 1, 8 * 3600 + 1, 4 * 3600 - 0.4)
    visits = []
    for seconds in lengths:
        visit = make.visit(make.candidate(), day=d(2, 3), hours=9, status=VisitStatus.COMPLETED, actual_hours=1)
        visit.actual_end = visit.actual_start + dt.timedelta(seconds=seconds)
        visits.append(visit)
    db.commit()
    db.expire_all()
    assert [v.actual_seconds for v in visits] == [14400, 28800, 14399, 28801, 14399]
    assert [counts_toward_goal(v) for v in visits] == [True, True, False, False, False]
    report = quarterly_report(db, prog, today=TODAY)
    q1 = report.quarters[0]
    assert (q1.visits_completed, q1.visits_counting, q1.new_persons) == (5, 2, 2)
    assert report.forecast.booked == 0


def test_the_python_rule_and_the_report_s_sql_agree_even_on_fractions_written_past_the_app(db, make) -> None:
    """Rows written by psql or a restore may carry fractions; both tests round them alike. (An
    exact half second is left out: SQLite's julianday() cannot tell it from a hair less, and the
    app itself never stores a fraction.)"""
    prog = programme(make, d(1, 1), d(12, 31))
    ids = {}
    for micro in (0, 400_000, 600_000):
        for base in (4 * 3600 - 1, 8 * 3600):
            visit = make.visit(make.candidate(), day=d(3, 3), hours=9, status=VisitStatus.COMPLETED, actual_hours=1)
            db.flush()
            ids[visit.id] = dt.timedelta(seconds=base, microseconds=micro)
    db.commit()
    for visit_id, length in ids.items():  # past the ORM type, as another client would
        row = db.get(Visit, visit_id)
        end = (row.actual_start + length).astimezone(dt.UTC)
        db.execute(sa.text("UPDATE visit SET actual_end = :end WHERE id = :id"),
                   {"end": end.replace(tzinfo=None) if db.bind.dialect.name == "sqlite" else end, "id": visit_id})
    db.commit()
    db.expire_all()
    python = {v.id for v in db.scalars(sa.select(Visit)) if counts_toward_goal(v)}
    sql = set(db.scalars(sa.select(Visit.id).where(reports.counting_visit())))
    assert python == sql
    assert len(sql) == 3  # 3:59:59.6 rounds up to 4 h; 8:00:00.0 and .4 stay 8 h
    assert quarterly_report(db, prog, today=TODAY).quarters[0].visits_counting == 3


def test_a_visit_counts_on_the_day_it_took_place_not_the_day_it_was_booked(db, make) -> None:
    """Booked for Monday 30 June, held on Tuesday 1 July 10-14: a third-quarter person."""
    prog = programme(make, d(1, 1), d(12, 31))
    visit = make.visit(make.candidate(), day=d(6, 30), status=VisitStatus.CONFIRMED)
    db.commit()
    held_from, held_to = clock.local_datetime(d(7, 1), dt.time(10)), clock.local_datetime(d(7, 1), dt.time(14))
    visit_ops.transition(db, visit, VisitStatus.COMPLETED, by=None, party="project_leader",
                         actual_start=held_from, actual_end=held_to, now=held_to)
    db.commit()
    assert visit.visit_date == d(7, 1)
    q2, q3 = quarterly_report(db, prog, today=d(12, 1)).quarters[1:3]
    assert (q2.new_persons, q2.visits_completed) == (0, 0)
    assert (q3.new_persons, q3.visits_completed, q3.visits_counting) == (1, 1, 1)


def test_a_persons_first_visit_is_the_earliest_started_then_the_first_recorded(db, make) -> None:
    prog = programme(make, d(1, 1), d(12, 31))
    kitchen = make.offer(make.company(network=Network.HIF_SPONSOR, size_class=SizeClass.SMALL), field="hospitality")
    it = make.offer(make.company(network=Network.TH_NETWORK, size_class=SizeClass.LARGE), field="it")
    care = make.offer(make.company(network=Network.BOTH, size_class=SizeClass.MICRO), field="healthcare")
    completed = VisitStatus.COMPLETED
    # Anna: a 3 h visit first (not counting), then two counting visits on one day; the one that
    # started earlier was recorded later.
    anna = make.candidate(target_group=TargetGroup.YOUTH)
    make.visit(anna, care, day=d(2, 1), start_hour=9, hours=3, status=completed, actual_hours=3)
    make.visit(anna, care, day=d(2, 10), start_hour=13, hours=4, status=completed, actual_hours=4)
    make.visit(anna, it, day=d(2, 10), start_hour=8, hours=4, status=completed, actual_hours=4)
    # Bo: two counting visits starting at the same moment: the one recorded first is his first.
    bo = make.candidate(target_group=TargetGroup.NEWCOMER)
    make.visit(bo, kitchen, day=d(5, 5), start_hour=9, hours=5, status=completed, actual_hours=5)
    make.visit(bo, care, day=d(5, 5), start_hour=9, hours=5, status=completed, actual_hours=5)
    db.commit()
    q1, q2, *_ = quarterly_report(db, prog, today=TODAY).quarters
    assert (q1.new_persons, q1.visits_completed, q1.visits_counting) == (1, 3, 2)
    assert (q2.new_persons, q2.visits_completed, q2.visits_counting) == (1, 2, 2)
    assert q1.new_persons_by["network"] == {"hif_sponsor": 0, "th_network": 1, "both": 0}
    assert q1.new_persons_by["size_class"] == {"micro": 0, "small": 0, "medium": 0, "large": 1}
    assert {k: v for k, v in q1.new_persons_by["field"].items() if v} == {"it": 1}
    assert q2.new_persons_by["network"] == {"hif_sponsor": 1, "th_network": 0, "both": 0}
    assert {k: v for k, v in q2.new_persons_by["field"].items() if v} == {"hospitality": 1}
    assert q2.new_persons_by["target_group"] == {"youth": 0, "newcomer": 1, "long_term": 0, "other": 0}


def _two_surveys(db, group: str = "participant") -> dict[str, Survey]:
    moments = {
        "participant": (SurveyMoment.PARTICIPANT_BEFORE, SurveyMoment.PARTICIPANT_AFTER),
        "company": (SurveyMoment.COMPANY_BEFORE, SurveyMoment.COMPANY_AFTER),
    }[group]
    surveys = {}
    for side, moment in zip(("before", "after"), moments, strict=True):
        surveys[side] = Survey(name=str(moment), moment=moment, questions=[
            SurveyQuestion(position=1, key="confidence", kind=QuestionKind.LIKERT, text_sv="Tro", text_en="x"),
        ])
        db.add(surveys[side])
    db.flush()
    return surveys


def _answered(db, survey, when, likert, visit, *, candidate=None, company=None):
    invitation = SurveyInvitation(
        survey=survey, candidate=candidate, company=company, visit_id=visit.id, expires_at=when + dt.timedelta(days=14)
    )
    invitation.answers.append(SurveyAnswer(question=survey.questions[0], likert=likert, answered_at=when))
    db.add(invitation)
    db.flush()
    return invitation


def test_answers_given_at_the_same_moment_pair_the_first_before_and_the_last_after(db, make) -> None:
    prog = programme(make, d(1, 1), d(12, 31))
    person = make.candidate()
    visit = make.visit(person, day=d(4, 8), hours=6, status=VisitStatus.COMPLETED, actual_hours=6)
    surveys = _two_surveys(db)
    # Two questionnaires of each kind answered at the same moment, recorded in this order.
    for side, when, likert in (
        ("before", at(d(1, 10), 10), 1),
        ("before", at(d(1, 10), 10), 4),
        ("after", at(d(4, 10), 10), 2),
        ("after", at(d(4, 10), 10), 5),
    ):
        _answered(db, surveys[side], when, likert, visit, candidate=person)
    db.commit()
    pair = quarterly_report(db, prog, today=TODAY).quarters[1].survey_pairs[("workplace_participant", "confidence")]
    assert (pair.pairs, pair.change_sum, pair.improved) == (1, 5 - 1, 1)


def test_before_answers_given_after_the_visit_started_are_late_and_never_pair(db, make) -> None:
    """The finding of issue #22: six participants answered "before" after their visits, and the
    report made 6 pairs with a mean change of +2.0 out of them."""
    prog = programme(make, d(1, 1), d(12, 31))
    surveys = _two_surveys(db)
    for _ in range(6):
        person = make.candidate()
        visit = make.visit(person, day=d(2, 3), start_hour=9, hours=6, status=VisitStatus.COMPLETED, actual_hours=6)
        _answered(db, surveys["before"], at(d(2, 3), 12), 2, visit, candidate=person)  # during the visit
        _answered(db, surveys["after"], at(d(2, 4), 10), 4, visit, candidate=person)
    db.commit()
    report = quarterly_report(db, prog, today=TODAY)
    assert report.totals.survey_pairs.get(("workplace_participant", "confidence")) is None
    units = report.quarters[0].survey_units["workplace_participant"]
    assert (units.answered, units.paired, units.unpaired, units.late_baselines) == (6, 0, 6, 6)
    # The late answers are kept, and the report says how many there were.
    assert db.scalar(sa.select(sa.func.count()).select_from(SurveyAnswer)) == 12
    totals = report.to_dict()["totals"]["survey_response"]["workplace_participant"]
    assert (totals["pairs"], totals["unpaired"], totals["late_baselines"]) == (0, 6, 6)


def test_a_companys_second_after_answer_does_not_move_its_pair(db, make) -> None:
    """The finding of issue #22: a company's second "after" moved its pair from Q1 to Q3."""
    prog = programme(make, d(1, 1), d(12, 31))
    surveys = _two_surveys(db, "company")
    offer = make.offer()
    company = offer.company
    first = make.visit(make.candidate(), offer, day=d(2, 3), hours=6, status=VisitStatus.COMPLETED, actual_hours=6)
    _answered(db, surveys["before"], at(d(1, 20), 10), 2, first, company=company)
    _answered(db, surveys["after"], at(d(2, 10), 10), 4, first, company=company)
    db.commit()
    q1 = quarterly_report(db, prog, today=TODAY).quarters[0]
    assert q1.survey_pairs[("workplace_company", "confidence")].pairs == 1

    # In Q3 the company hosts again and answers "after" twice more: about the new visit, and
    # (by an old link) about the first one.
    later = make.visit(make.candidate(), offer, day=d(8, 5), hours=6, status=VisitStatus.COMPLETED, actual_hours=6)
    _answered(db, surveys["after"], at(d(8, 6), 10), 5, later, company=company)
    _answered(db, surveys["after"], at(d(8, 7), 10), 3, first, company=company)
    db.commit()
    q1, _q2, q3, _q4 = quarterly_report(db, prog, today=d(12, 31)).quarters
    assert q1.survey_pairs[("workplace_company", "confidence")].pairs == 1  # still Q1, the first visit's quarter
    assert q1.survey_pairs[("workplace_company", "confidence")].change_sum == 3 - 2  # its latest "after"
    assert q3.survey_pairs[("workplace_company", "confidence")].pairs == 1  # the second visit's own pair
    assert q3.survey_pairs[("workplace_company", "confidence")].change_sum == 5 - 2


def test_paired_figures_equal_the_pairing_rule_applied_by_hand_to_random_answers(db, make) -> None:
    """The database pairs the answers (a window over each respondent's answers); here the rule is
    applied plainly, answer by answer, to answers drawn at random around the visits (early, late,
    several "after" answers about one visit, baselines from an earlier visit, some unrecorded
    starts), and every quarter's figures must be the same."""
    import random

    rng = random.Random(24)
    prog = programme(make, d(1, 1), d(12, 31))
    surveys = _two_surveys(db)
    visits, befores, afters = [], [], []  # (visit, start, quarter); (person, when, likert, start); (...)
    for _person in range(40):
        person = make.candidate(target_group=rng.choice(list(TargetGroup)))
        for _visit in range(rng.randint(1, 3)):
            day = d(1, 1) + dt.timedelta(days=rng.randrange(360))
            recorded = rng.random() < 0.8
            visit = make.visit(person, day=day, start_hour=rng.choice((8, 9, 13)), hours=6,
                               status=VisitStatus.COMPLETED if recorded else VisitStatus.CONFIRMED,
                               actual_hours=6 if recorded else None)
            start = visit.actual_start or visit.start_at
            visits.append((person, visit, start, (day.month - 1) // 3))
            for _ in range(rng.choice((0, 1, 1, 2))):
                when = start + dt.timedelta(hours=rng.choice((-240, -30, -2, 0, 3, 50)))
                likert = rng.randint(1, 5)
                _answered(db, surveys["before"], when, likert, visit, candidate=person)
                befores.append((person.id, when, likert, start, len(befores)))
            for _ in range(rng.choice((0, 1, 1, 2))):
                when = start + dt.timedelta(hours=rng.choice((7, 30, 400)))
                likert = rng.randint(1, 5)
                _answered(db, surveys["after"], when, likert, visit, candidate=person)
                afters.append((person.id, visit.id, when, likert, len(afters)))
    db.commit()

    expected_pairs: dict[int, list[int]] = {}
    expected_units: dict[int, list[int]] = {}
    by_visit = {visit.id: (person, start, q) for person, visit, start, q in visits}
    for visit_id in sorted({a[1] for a in afters}):
        person, start, q = by_visit[visit_id]
        latest = max((a for a in afters if a[1] == visit_id), key=lambda a: (a[2], a[4]))
        in_time = [b for b in befores if b[0] == person.id and b[1] < b[3]]  # not late for its own visit
        earliest = min(in_time, key=lambda b: (b[1], b[4])) if in_time else None
        units = expected_units.setdefault(q, [0, 0])
        units[0] += 1
        if earliest is not None and earliest[1] < start:
            change = latest[3] - earliest[2]
            figures = expected_pairs.setdefault(q, [0, 0, 0, 0])
            for i, value in enumerate((1, change, int(change > 0), change * change)):
                figures[i] += value
            units[1] += 1
    assert sum(n for n, _ in expected_units.values()) > 30 and sum(p for _, p in expected_units.values()) > 10

    report = quarterly_report(db, prog, today=d(12, 31))
    for q, row in enumerate(report.quarters):
        pair = row.survey_pairs.get(("workplace_participant", "confidence"))
        got = [pair.pairs, pair.change_sum, pair.improved, pair.change_squares] if pair else None
        assert got == expected_pairs.get(q), row.quarter
        units = row.survey_units.get("workplace_participant")
        assert ([units.answered, units.paired] if units and units.answered else None) == expected_units.get(q)
        by_group = sum(f.pairs for (_g, _k, _t), f in row.survey_pairs_by_target.items())
        assert by_group == (pair.pairs if pair else 0)


def test_the_counting_visits_index_holds_what_the_report_counts(db, make) -> None:
    """The report reads its counting visits from `ix_visit_counting`: its test and the index's
    predicate must stay word for word alike, or the database can no longer use the index (the
    report stays right, but scans and sorts every visit again)."""
    prog = programme(make, d(1, 1), d(12, 31))
    make.visit(make.candidate(), day=d(2, 3), hours=6, status=VisitStatus.COMPLETED, actual_hours=6)
    make.visit(make.candidate(), day=d(2, 3), hours=6, status=VisitStatus.COMPLETED, actual_hours=3)
    db.commit()
    stmt = sa.select(sa.func.count()).select_from(Visit).where(reports.counting_visit())
    sql = str(stmt.compile(db.get_bind(), compile_kwargs={"literal_binds": True}))
    if db.get_bind().dialect.name == "postgresql":
        db.execute(sa.text("SET LOCAL enable_seqscan = off"))
        plan = "\n".join(row[0] for row in db.execute(sa.text(f"EXPLAIN {sql}")))
    else:
        # INDEXED BY fails ("no query solution") unless the index's predicate covers the test.
        sql = sql.replace("FROM visit", "FROM visit INDEXED BY ix_visit_counting")
        plan = "\n".join(row[3] for row in db.execute(sa.text(f"EXPLAIN QUERY PLAN {sql}")))
    assert "ix_visit_counting" in plan
    assert db.scalar(sa.text(sql.removeprefix("EXPLAIN "))) == 1
    db.rollback()
    assert quarterly_report(db, prog, today=TODAY).totals.visits_counting == 1


def test_the_totals_are_the_quarters_shown_not_a_quarter_still_to_come(db, make) -> None:
    """An outside tester's find: a questionnaire sent ahead of a visit next quarter made "Totalt"
    one more than the quarters beside it, and the difference told a hidden small count. Figures of
    a quarter to come count when it comes."""
    from models.enums import SurveyMoment
    from models.operations import surveys as survey_ops

    from .test_surveys import make_default_surveys

    make_default_surveys(db)
    today = clock.local_today()
    programme = make.programme(starts_on=today - dt.timedelta(days=200), ends_on=today + dt.timedelta(days=400))
    ahead = make.visit(make.candidate(email="deltagare@exempel.example"), day=today + dt.timedelta(days=120),
                       status=VisitStatus.CONFIRMED)
    db.flush()
    survey_ops.invite_for_visit(db, SurveyMoment.PARTICIPANT_BEFORE, ahead)
    db.commit()
    report = quarterly_report(db, programme)
    shown = [q.survey_units.get("workplace_participant") for q in report.elapsed]
    assert sum(u.invitations_sent for u in shown if u) == 0
    assert report.totals.survey_units.get("workplace_participant", reports.SurveyUnits()).invitations_sent == 0
    future = [q for q in report.quarters if q.is_future and q.survey_units.get("workplace_participant")]
    assert future and future[0].survey_units["workplace_participant"].invitations_sent == 1  # kept for its quarter
    data = report.to_dict()
    assert data["totals"]["survey_response"]["workplace_participant"]["invitations_sent"] == 0
