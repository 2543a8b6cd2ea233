"""the standard questionnaires, installed on every database

The question sets of every standard questionnaire (models/operations/question_sets.py as it
stood when this was written: the workplace visit for participants and companies, the employees
at a hosting workplace, and participants before and after each kind of group activity), as
version 1, active. A questionnaire that already has a set (an installation that made its own,
or ran the demo) is left as it is. Downgrading removes the sets installed here that nobody has
been sent.

Revision ID: 0014b
Revises: 0014
Create Date: 2026-12-06 08:05:00.000000
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from alembic import op

revision = '0014b'
down_revision = '0014'
branch_labels = None
depends_on = None

survey = sa.table(
    'survey', sa.column('id', sa.Integer), sa.column('name', sa.String), sa.column('moment', sa.String),
    sa.column('questionnaire', sa.String), sa.column('version', sa.Integer), sa.column('active', sa.Boolean),
    sa.column('created_at', sa.DateTime(timezone=True)),
)
question = sa.table(
    'survey_question', sa.column('survey_id', sa.Integer), sa.column('position', sa.Integer),
    sa.column('key', sa.String), sa.column('kind', sa.String), sa.column('text_sv', sa.Text),
    sa.column('text_en', sa.Text), sa.column('text_easy_sv', sa.Text),
)
INSTALLED_AT = dt.datetime(2026, 12, 6, 8, 5, tzinfo=dt.UTC)


def _installed_at(conn: sa.Connection) -> dt.datetime:
    """In UTC, as every timestamp is stored (SQLite keeps it without the zone)."""
    return INSTALLED_AT.replace(tzinfo=None) if conn.dialect.name == 'sqlite' else INSTALLED_AT

# Per questionnaire: its sets (moment, name) and their questions (key, kind, Swedish, English,
# plain Swedish), the same in the "before" and the "after" set.
QUESTIONNAIRES = [{'questionnaire': 'workplace_participant',
  'sets': [['participant_before', 'Deltagare – före'], ['participant_after', 'Deltagare – efter']],
  'questions': [['picture',
                 'likert',
                 'Jag vet hur det är att arbeta på en arbetsplats i Sverige.',
                 'I know what it is like to work at a workplace in Sweden.',
                 'Jag vet hur det är på ett jobb i Sverige.'],
                ['confidence',
                 'likert',
                 'Jag tror att jag kan få ett arbete.',
                 'I believe I can get a job.',
                 'Jag tror att jag kan få ett jobb.'],
                ['contacts',
                 'likert',
                 'Jag har kontakter som kan hjälpa mig att hitta arbete.',
                 'I have contacts who can help me find work.',
                 'Jag känner folk som kan hjälpa mig att få jobb.'],
                ['field_interest',
                 'likert',
                 'Jag vet vilket yrke jag vill arbeta med.',
                 'I know which occupation I want to work in.',
                 'Jag vet vilket jobb jag vill ha.'],
                ['comment',
                 'text',
                 'Vill du säga något mer?',
                 'Anything else you want to tell us?',
                 'Vill du säga något mer?']]},
 {'questionnaire': 'workplace_company',
  'sets': [['company_before', 'Företag – före'], ['company_after', 'Företag – efter']],
  'questions': [['competence',
                 'likert',
                 'Personer som står långt från arbetsmarknaden har kompetens vi behöver.',
                 'People far from the labour market have skills we need.',
                 'Personer utan jobb kan saker som vi behöver.'],
                ['recruit',
                 'likert',
                 'Vi kan tänka oss att rekrytera via partnerskapet.',
                 'We would consider recruiting through the partnership.',
                 'Vi kan tänka oss att anställa genom projektet.'],
                ['supervise',
                 'likert',
                 'Vi har förutsättningar att handleda besökare.',
                 'We are able to supervise visitors.',
                 'Vi kan ta hand om besökare.'],
                ['comment', 'text', 'Övriga synpunkter', 'Other comments', 'Vill ni säga något mer?']]},
 {'questionnaire': 'workplace_employee',
  'sets': [['employee', 'Medarbetare på arbetsplatsen']],
  'questions': [['competence',
                 'likert',
                 'Personer som står långt från arbetsmarknaden har kompetens som behövs hos oss.',
                 'People far from the labour market have skills we need here.',
                 'Personer utan jobb kan saker som vi behöver.'],
                ['welcome',
                 'likert',
                 'Jag tar gärna emot fler besökare på min arbetsplats.',
                 'I would gladly welcome more visitors at my workplace.',
                 'Jag vill gärna att fler besöker mitt jobb.'],
                ['changed_view',
                 'likert',
                 'Besöket har gett mig en ny bild av vad en ny kollega kan bidra med.',
                 'The visit has changed my view of what a new colleague can contribute.',
                 'Besöket har ändrat vad jag tror att en ny kollega kan göra.']]},
 {'questionnaire': 'stadium_visit_participant',
  'sets': [['participant_before', 'Arenabesök – före'], ['participant_after', 'Arenabesök – efter']],
  'questions': [['belonging',
                 'likert',
                 'Jag känner mig välkommen på arenan och i klubben.',
                 'I feel welcome at the stadium and the club.',
                 'Jag känner mig välkommen på arenan.'],
                ['confidence',
                 'likert',
                 'Jag tror att jag kan få ett arbete.',
                 'I believe I can get a job.',
                 'Jag tror att jag kan få ett jobb.'],
                ['contacts',
                 'likert',
                 'Jag har kontakter som kan hjälpa mig att hitta arbete.',
                 'I have contacts who can help me find work.',
                 'Jag känner folk som kan hjälpa mig att få jobb.'],
                ['comment',
                 'text',
                 'Vill du säga något mer?',
                 'Anything else you want to tell us?',
                 'Vill du säga något mer?']]},
 {'questionnaire': 'match_host_participant',
  'sets': [['participant_before', 'Matchvärdsskuggning – före'],
           ['participant_after', 'Matchvärdsskuggning – efter']],
  'questions': [['belonging',
                 'likert',
                 'Jag känner mig välkommen bland matchvärdarna.',
                 'I feel welcome among the match hosts.',
                 'Jag känner mig välkommen bland matchvärdarna.'],
                ['confidence',
                 'likert',
                 'Jag tror att jag kan få ett arbete.',
                 'I believe I can get a job.',
                 'Jag tror att jag kan få ett jobb.'],
                ['contacts',
                 'likert',
                 'Jag har kontakter som kan hjälpa mig att hitta arbete.',
                 'I have contacts who can help me find work.',
                 'Jag känner folk som kan hjälpa mig att få jobb.'],
                ['comment',
                 'text',
                 'Vill du säga något mer?',
                 'Anything else you want to tell us?',
                 'Vill du säga något mer?']]},
 {'questionnaire': 'association_participant',
  'sets': [['participant_before', 'Föreningsaktivitet – före'],
           ['participant_after', 'Föreningsaktivitet – efter']],
  'questions': [['belonging',
                 'likert',
                 'Jag känner mig välkommen i föreningslivet.',
                 'I feel welcome in association life.',
                 'Jag känner mig välkommen i en förening.'],
                ['confidence',
                 'likert',
                 'Jag tror att jag kan få ett arbete.',
                 'I believe I can get a job.',
                 'Jag tror att jag kan få ett jobb.'],
                ['contacts',
                 'likert',
                 'Jag har kontakter som kan hjälpa mig att hitta arbete.',
                 'I have contacts who can help me find work.',
                 'Jag känner folk som kan hjälpa mig att få jobb.'],
                ['comment',
                 'text',
                 'Vill du säga något mer?',
                 'Anything else you want to tell us?',
                 'Vill du säga något mer?']]},
 {'questionnaire': 'wellness_participant',
  'sets': [['participant_before', 'Friskvård – före'], ['participant_after', 'Friskvård – efter']],
  'questions': [['belonging',
                 'likert',
                 'Jag känner mig välkommen i friskvårdsgruppen.',
                 'I feel welcome in the wellness group.',
                 'Jag känner mig välkommen i gruppen.'],
                ['confidence',
                 'likert',
                 'Jag tror att jag kan få ett arbete.',
                 'I believe I can get a job.',
                 'Jag tror att jag kan få ett jobb.'],
                ['contacts',
                 'likert',
                 'Jag har kontakter som kan hjälpa mig att hitta arbete.',
                 'I have contacts who can help me find work.',
                 'Jag känner folk som kan hjälpa mig att få jobb.'],
                ['comment',
                 'text',
                 'Vill du säga något mer?',
                 'Anything else you want to tell us?',
                 'Vill du säga något mer?']]}]


def upgrade() -> None:
    conn = op.get_bind()
    present = set(conn.scalars(sa.select(survey.c.questionnaire).distinct()))
    for row in QUESTIONNAIRES:
        if row['questionnaire'] in present:
            continue
        for moment, name in row['sets']:
            survey_id = conn.execute(
                survey.insert().values(
                    name=name, moment=moment, questionnaire=row['questionnaire'], version=1, active=True,
                    created_at=_installed_at(conn),
                ).returning(survey.c.id)
            ).scalar_one()
            conn.execute(question.insert(), [
                {"survey_id": survey_id, "position": position, "key": key, "kind": kind, "text_sv": sv,
                 "text_en": en, "text_easy_sv": easy}
                for position, (key, kind, sv, en, easy) in enumerate(row['questions'], start=1)
            ])


def downgrade() -> None:
    conn = op.get_bind()
    unsent = sa.text(
        "SELECT s.id FROM survey s WHERE s.created_at = :at AND s.version = 1 AND s.created_by_id IS NULL "
        "AND NOT EXISTS (SELECT 1 FROM survey_invitation i WHERE i.survey_id = s.id)"
    ).bindparams(sa.bindparam("at", type_=sa.DateTime(timezone=True)))
    for (survey_id,) in conn.execute(unsent, {"at": _installed_at(conn)}).all():
        conn.execute(sa.text("DELETE FROM survey_question WHERE survey_id = :id"), {"id": survey_id})
        conn.execute(sa.text("DELETE FROM survey WHERE id = :id"), {"id": survey_id})
