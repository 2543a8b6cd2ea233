"""The standard questionnaires: which exist, whom they ask, about which activity, and their
questions as installed by the migration `0014b` (a fresh `flask db upgrade` has them).

A questionnaire (`code`) has a "before" and an "after" question set for participants or
companies, or one set for the employees at a hosting workplace. Each set is a `Survey` row with
the questionnaire's code and a version. A sent version is never changed: a change of wording
makes a new version of the questionnaire's sets (models/operations/surveys.py, `editable_set`),
and answers pair only within one version.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ..enums import ActivityType, QuestionKind, SurveyMoment
from ..followup import Survey, SurveyQuestion

PARTICIPANT, COMPANY, EMPLOYEE = "participant", "company", "employee"

WORKPLACE_PARTICIPANT = "workplace_participant"
WORKPLACE_COMPANY = "workplace_company"
WORKPLACE_EMPLOYEE = "workplace_employee"
ACTIVITY_PARTICIPANT = {
    ActivityType.STADIUM_VISIT: "stadium_visit_participant",
    ActivityType.MATCH_HOST_SHADOWING: "match_host_participant",
    ActivityType.ASSOCIATION_ACTIVITY: "association_participant",
    ActivityType.WELLNESS: "wellness_participant",
}

Question = tuple[str, QuestionKind, str, str, str]  # key, kind, Swedish, English, plain Swedish
L, T = QuestionKind.LIKERT, QuestionKind.TEXT


@dataclass(frozen=True)
class Questionnaire:
    code: str
    audience: str  # participant, company or employee
    activity_type: Optional[ActivityType]  # None: the workplace visit
    sets: tuple[tuple[SurveyMoment, str], ...]  # (moment, the set's name)
    questions: tuple[Question, ...]


_WORKPLACE_PARTICIPANT: tuple[Question, ...] = (
    ("picture", L, "Jag vet hur det är att arbeta på en arbetsplats i Sverige.",
     "I know what it is like to work at a workplace in Sweden.", "Jag vet hur det är på ett jobb i Sverige."),
    ("confidence", L, "Jag tror att jag kan få ett arbete.", "I believe I can get a job.",
     "Jag tror att jag kan få ett jobb."),
    ("contacts", L, "Jag har kontakter som kan hjälpa mig att hitta arbete.",
     "I have contacts who can help me find work.", "Jag känner folk som kan hjälpa mig att få jobb."),
    ("field_interest", L, "Jag vet vilket yrke jag vill arbeta med.", "I know which occupation I want to work in.",
     "Jag vet vilket jobb jag vill ha."),
    ("comment", T, "Vill du säga något mer?", "Anything else you want to tell us?", "Vill du säga något mer?"),
)
_WORKPLACE_COMPANY: tuple[Question, ...] = (
    ("competence", L, "Personer som står långt från arbetsmarknaden har kompetens vi behöver.",
     "People far from the labour market have skills we need.", "Personer utan jobb kan saker som vi behöver."),
    ("recruit", L, "Vi kan tänka oss att rekrytera via partnerskapet.",
     "We would consider recruiting through the partnership.", "Vi kan tänka oss att anställa genom projektet."),
    ("supervise", L, "Vi har förutsättningar att handleda besökare.", "We are able to supervise visitors.",
     "Vi kan ta hand om besökare."),
    ("comment", T, "Övriga synpunkter", "Other comments", "Vill ni säga något mer?"),
)
_EMPLOYEE: tuple[Question, ...] = (
    ("competence", L, "Personer som står långt från arbetsmarknaden har kompetens som behövs hos oss.",
     "People far from the labour market have skills we need here.", "Personer utan jobb kan saker som vi behöver."),
    ("welcome", L, "Jag tar gärna emot fler besökare på min arbetsplats.",
     "I would gladly welcome more visitors at my workplace.", "Jag vill gärna att fler besöker mitt jobb."),
    ("changed_view", L, "Besöket har gett mig en ny bild av vad en ny kollega kan bidra med.",
     "The visit has changed my view of what a new colleague can contribute.",
     "Besöket har ändrat vad jag tror att en ny kollega kan göra."),
)


def _activity_questions(place_sv: str, place_en: str, place_easy: str) -> tuple[Question, ...]:
    return (
        ("belonging", L, f"Jag känner mig välkommen {place_sv}.", f"I feel welcome {place_en}.",
         f"Jag känner mig välkommen {place_easy}."),
        ("confidence", L, "Jag tror att jag kan få ett arbete.", "I believe I can get a job.",
         "Jag tror att jag kan få ett jobb."),
        ("contacts", L, "Jag har kontakter som kan hjälpa mig att hitta arbete.",
         "I have contacts who can help me find work.", "Jag känner folk som kan hjälpa mig att få jobb."),
        ("comment", T, "Vill du säga något mer?", "Anything else you want to tell us?", "Vill du säga något mer?"),
    )


_PARTICIPANT_SETS = ((SurveyMoment.PARTICIPANT_BEFORE, "före"), (SurveyMoment.PARTICIPANT_AFTER, "efter"))
_ACTIVITY_TEXTS = {
    ActivityType.STADIUM_VISIT: ("Arenabesök", "på arenan och i klubben", "at the stadium and the club",
                                 "på arenan"),
    ActivityType.MATCH_HOST_SHADOWING: ("Matchvärdsskuggning", "bland matchvärdarna", "among the match hosts",
                                        "bland matchvärdarna"),
    ActivityType.ASSOCIATION_ACTIVITY: ("Föreningsaktivitet", "i föreningslivet", "in association life",
                                        "i en förening"),
    ActivityType.WELLNESS: ("Friskvård", "i friskvårdsgruppen", "in the wellness group", "i gruppen"),
}


def _catalogue() -> dict[str, Questionnaire]:
    questionnaires = [
        Questionnaire(WORKPLACE_PARTICIPANT, PARTICIPANT, None,
                      ((SurveyMoment.PARTICIPANT_BEFORE, "Deltagare – före"),
                       (SurveyMoment.PARTICIPANT_AFTER, "Deltagare – efter")), _WORKPLACE_PARTICIPANT),
        Questionnaire(WORKPLACE_COMPANY, COMPANY, None,
                      ((SurveyMoment.COMPANY_BEFORE, "Företag – före"),
                       (SurveyMoment.COMPANY_AFTER, "Företag – efter")), _WORKPLACE_COMPANY),
        Questionnaire(WORKPLACE_EMPLOYEE, EMPLOYEE, None,
                      ((SurveyMoment.EMPLOYEE, "Medarbetare på arbetsplatsen"),), _EMPLOYEE),
    ]
    for activity_type, code in ACTIVITY_PARTICIPANT.items():
        name, sv, en, easy = _ACTIVITY_TEXTS[activity_type]
        questionnaires.append(Questionnaire(
            code, PARTICIPANT, activity_type,
            tuple((moment, f"{name} – {side}") for moment, side in _PARTICIPANT_SETS),
            _activity_questions(sv, en, easy),
        ))
    return {q.code: q for q in questionnaires}


QUESTIONNAIRES: dict[str, Questionnaire] = _catalogue()
AUDIENCE_OF_MOMENT = {
    SurveyMoment.PARTICIPANT_BEFORE: PARTICIPANT,
    SurveyMoment.PARTICIPANT_AFTER: PARTICIPANT,
    SurveyMoment.COMPANY_BEFORE: COMPANY,
    SurveyMoment.COMPANY_AFTER: COMPANY,
    SurveyMoment.EMPLOYEE: EMPLOYEE,
}


def workplace_code(moment: SurveyMoment | str) -> str:
    """The workplace visit's questionnaire a set of this moment belongs to (the default)."""
    return {PARTICIPANT: WORKPLACE_PARTICIPANT, COMPANY: WORKPLACE_COMPANY, EMPLOYEE: WORKPLACE_EMPLOYEE}[
        AUDIENCE_OF_MOMENT[SurveyMoment(moment)]
    ]


def activity_code(activity_type: Optional[ActivityType], moment: SurveyMoment) -> str:
    """The questionnaire for an activity type (None: a workplace visit) and moment."""
    if activity_type is None or AUDIENCE_OF_MOMENT[moment] != PARTICIPANT:
        return workplace_code(moment)
    return ACTIVITY_PARTICIPANT[activity_type]


def standard_rows() -> list[dict[str, object]]:
    """Every standard set as plain values (what the migration writes, version 1, active)."""
    rows = []
    for questionnaire in QUESTIONNAIRES.values():
        for moment, name in questionnaire.sets:
            rows.append({
                "questionnaire": questionnaire.code, "moment": moment.value, "name": name,
                "questions": [
                    {"position": i, "key": key, "kind": kind.value, "text_sv": sv, "text_en": en, "text_easy_sv": easy}
                    for i, (key, kind, sv, en, easy) in enumerate(questionnaire.questions, start=1)
                ],
            })
    return rows


def standard_surveys() -> list[Survey]:
    """The standard sets as new rows (version 1, active), not yet in a session."""
    surveys = []
    for row in standard_rows():
        survey = Survey(name=row["name"], moment=SurveyMoment(str(row["moment"])),
                        questionnaire=row["questionnaire"], version=1, active=True)
        survey.questions = [
            SurveyQuestion(
                position=q["position"], key=q["key"], kind=QuestionKind(q["kind"]), text_sv=q["text_sv"],
                text_en=q["text_en"], text_easy_sv=q["text_easy_sv"],
            )
            for q in row["questions"]  # type: ignore[attr-defined]
        ]
        surveys.append(survey)
    return surveys


def install_missing(session: Session) -> int:
    """Add the standard sets of every questionnaire that has no set yet (the demo, a test)."""
    present = set(session.scalars(sa.select(Survey.questionnaire).distinct()))
    missing = [s for s in standard_surveys() if s.questionnaire not in present]
    session.add_all(missing)
    session.flush()
    return len(missing)
