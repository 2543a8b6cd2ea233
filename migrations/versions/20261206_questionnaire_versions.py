"""questionnaires: versions, group activities and the employees at a hosting workplace

`survey.questionnaire` names the questionnaire a question set belongs to
(models/operations/question_sets.py) and `survey.version` its version: answers pair only within
one version, and a change of wording makes a new one. Existing sets belong to the workplace
visit's questionnaire of their moment, version 1. `survey.created_by_id` says who made a
version. The moment `employee` is added (colleagues at a hosting workplace, anonymous), and
`survey_invitation.activity_id` links a questionnaire to a group activity.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06 08:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None

OLD_MOMENTS = ('participant_before', 'participant_after', 'company_before', 'company_after')
NEW_MOMENTS = (*OLD_MOMENTS, 'employee')


def _moments(values: tuple[str, ...]) -> str:
    return "moment IN (" + ", ".join(f"'{v}'" for v in values) + ")"


def upgrade() -> None:
    with op.batch_alter_table('survey', schema=None) as batch_op:
        batch_op.add_column(sa.Column('questionnaire', sa.String(length=40), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('version', sa.Integer(), nullable=False, server_default='1'))
        batch_op.add_column(sa.Column('created_by_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f('fk_survey_created_by_id_user_account'), 'user_account', ['created_by_id'], ['id']
        )
        batch_op.create_index('ix_survey_questionnaire', ['questionnaire', 'moment', 'version'], unique=False)
        batch_op.drop_constraint(batch_op.f('ck_survey_survey_moment'), type_='check')
        batch_op.create_check_constraint('survey_moment', _moments(NEW_MOMENTS))
    op.execute(
        "UPDATE survey SET questionnaire = CASE WHEN moment LIKE 'participant%' "
        "THEN 'workplace_participant' ELSE 'workplace_company' END"
    )
    with op.batch_alter_table('survey_invitation', schema=None) as batch_op:
        batch_op.add_column(sa.Column('activity_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_survey_invitation_activity_id'), ['activity_id'], unique=False)
        batch_op.create_foreign_key(
            batch_op.f('fk_survey_invitation_activity_id_activity'), 'activity', ['activity_id'], ['id']
        )


def downgrade() -> None:
    with op.batch_alter_table('survey_invitation', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_survey_invitation_activity_id_activity'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_survey_invitation_activity_id'))
        batch_op.drop_column('activity_id')
    op.execute("DELETE FROM survey_answer WHERE invitation_id IN (SELECT i.id FROM survey_invitation i "
               "JOIN survey s ON s.id = i.survey_id WHERE s.moment = 'employee')")
    op.execute("DELETE FROM survey_invitation WHERE survey_id IN (SELECT id FROM survey WHERE moment = 'employee')")
    op.execute("DELETE FROM survey_question WHERE survey_id IN (SELECT id FROM survey WHERE moment = 'employee')")
    op.execute("DELETE FROM survey WHERE moment = 'employee'")
    with op.batch_alter_table('survey', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_survey_survey_moment'), type_='check')
        batch_op.create_check_constraint('survey_moment', _moments(OLD_MOMENTS))
        batch_op.drop_index('ix_survey_questionnaire')
        batch_op.drop_constraint(batch_op.f('fk_survey_created_by_id_user_account'), type_='foreignkey')
        batch_op.drop_column('created_by_id')
        batch_op.drop_column('version')
        batch_op.drop_column('questionnaire')
