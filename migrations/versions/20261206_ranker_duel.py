"""ranker duels: a challenger model compared with the active one in use

`ranker_duel` holds a duel (the two models, the share of lists shown interleaved, the most
counted lists, the false-promotion level, its state and score); at most one runs at a time.
An exposure shown interleaved names its duel and, in `teams`, the model that placed each row;
the lists logged before this revision have neither (they were not interleaved).

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-06 12:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('ranker_duel',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('challenger_id', sa.Integer(), nullable=False),
    sa.Column('active_model_id', sa.Integer(), nullable=False),
    sa.Column('share', sa.Float(), nullable=False),
    sa.Column('max_lists', sa.Integer(), nullable=False),
    sa.Column('alpha', sa.Float(), nullable=False),
    sa.Column('state', sa.Enum('running', 'promoted', 'abandoned', name='duel_state', native_enum=False,
                               create_constraint=True, length=9), nullable=False),
    sa.Column('reason', sa.String(length=20), nullable=False),
    sa.Column('wins_challenger', sa.Integer(), nullable=False),
    sa.Column('wins_active', sa.Integer(), nullable=False),
    sa.Column('booked_lists', sa.Integer(), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint('alpha > 0 AND alpha < 0.5', name=op.f('ck_ranker_duel_alpha_range')),
    sa.CheckConstraint('max_lists >= 1', name=op.f('ck_ranker_duel_max_lists_positive')),
    sa.CheckConstraint('share > 0 AND share <= 1', name=op.f('ck_ranker_duel_share_range')),
    sa.ForeignKeyConstraint(['active_model_id'], ['ranker_model.id'],
                            name=op.f('fk_ranker_duel_active_model_id_ranker_model')),
    sa.ForeignKeyConstraint(['challenger_id'], ['ranker_model.id'],
                            name=op.f('fk_ranker_duel_challenger_id_ranker_model')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ranker_duel'))
    )
    with op.batch_alter_table('ranker_duel', schema=None) as batch_op:
        batch_op.create_index('uq_ranker_duel_running', ['state'], unique=True,
                              sqlite_where=sa.text("state = 'running'"),
                              postgresql_where=sa.text("state = 'running'"))
    with op.batch_alter_table('exposure', schema=None) as batch_op:
        batch_op.add_column(sa.Column('duel_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('teams', sa.JSON(), nullable=True))
        batch_op.create_index(batch_op.f('ix_exposure_duel_id'), ['duel_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_exposure_duel_id_ranker_duel'), 'ranker_duel', ['duel_id'], ['id'])


def downgrade() -> None:
    with op.batch_alter_table('exposure', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_exposure_duel_id_ranker_duel'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_exposure_duel_id'))
        batch_op.drop_column('teams')
        batch_op.drop_column('duel_id')
    with op.batch_alter_table('ranker_duel', schema=None) as batch_op:
        batch_op.drop_index('uq_ranker_duel_running', sqlite_where=sa.text("state = 'running'"),
                            postgresql_where=sa.text("state = 'running'"))
    op.drop_table('ranker_duel')
