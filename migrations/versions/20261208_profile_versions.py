"""the history of the ranker's profile fields: candidate and offer versions with valid_from/valid_to

The ranker learns from past proposals; it must see each candidate's and offer's profile as it was
when the proposal was made, not as it is today (docs/ranker-as-of.md). Every change of a field the
ranker uses is kept as a version (models/profiles.py writes them in the transaction of the
change). The rows that exist get their first version here, valid from the row's creation.

Revision ID: 0018
Revises: 0017a
Create Date: 2026-12-08 08:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0018'
down_revision = '0017a'
branch_labels = None
depends_on = None

_FIELDS = ('admin', 'construction', 'management', 'it', 'sales', 'crafts', 'hospitality', 'healthcare',
           'manufacturing', 'installation', 'beauty', 'culture', 'military', 'agriculture', 'science', 'education',
           'cleaning', 'social_work', 'security', 'engineering', 'transport')
_CANDIDATE_COLUMNS = ('swedish_level', 'languages', 'interests', 'weekdays', 'times_of_day', 'area', 'lat', 'lon',
                      'needs_accessible')
_OFFER_COLUMNS = ('field', 'min_swedish_level', 'languages', 'weekdays', 'window_start', 'window_end', 'hours',
                  'capacity_per_quarter', 'accessible', 'lat', 'lon')


def upgrade() -> None:
    op.create_table('candidate_profile_version',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('candidate_id', sa.Integer(), nullable=False),
    sa.Column('valid_from', sa.DateTime(timezone=True), nullable=False),
    sa.Column('valid_to', sa.DateTime(timezone=True), nullable=True),
    sa.Column('swedish_level', sa.SmallInteger(), nullable=False),
    sa.Column('languages', sa.String(length=200), nullable=False),
    sa.Column('interests', sa.Integer(), nullable=False),
    sa.Column('weekdays', sa.Integer(), nullable=False),
    sa.Column('times_of_day', sa.Integer(), nullable=False),
    sa.Column('area', sa.String(length=100), nullable=True),
    sa.Column('lat', sa.Double(), nullable=True),
    sa.Column('lon', sa.Double(), nullable=True),
    sa.Column('needs_accessible', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['candidate_id'], ['candidate.id'],
                            name=op.f('fk_candidate_profile_version_candidate_id_candidate'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_candidate_profile_version'))
    )
    with op.batch_alter_table('candidate_profile_version', schema=None) as batch_op:
        batch_op.create_index('ix_candidate_profile_version_candidate', ['candidate_id', 'valid_from'], unique=False)
        batch_op.create_index('ix_candidate_profile_version_current', ['candidate_id'], unique=True,
                              sqlite_where=sa.text('valid_to IS NULL'), postgresql_where=sa.text('valid_to IS NULL'))

    op.create_table('offer_profile_version',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('offer_id', sa.Integer(), nullable=False),
    sa.Column('valid_from', sa.DateTime(timezone=True), nullable=False),
    sa.Column('valid_to', sa.DateTime(timezone=True), nullable=True),
    sa.Column('field', sa.Enum(*_FIELDS, name='field', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('min_swedish_level', sa.SmallInteger(), nullable=False),
    sa.Column('languages', sa.String(length=200), nullable=False),
    sa.Column('weekdays', sa.Integer(), nullable=False),
    sa.Column('window_start', sa.Time(), nullable=False),
    sa.Column('window_end', sa.Time(), nullable=False),
    sa.Column('hours', sa.Numeric(precision=3, scale=1, asdecimal=False), nullable=False),
    sa.Column('capacity_per_quarter', sa.Integer(), nullable=False),
    sa.Column('accessible', sa.Boolean(), nullable=False),
    sa.Column('lat', sa.Double(), nullable=True),
    sa.Column('lon', sa.Double(), nullable=True),
    sa.ForeignKeyConstraint(['offer_id'], ['offer.id'],
                            name=op.f('fk_offer_profile_version_offer_id_offer'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_offer_profile_version'))
    )
    with op.batch_alter_table('offer_profile_version', schema=None) as batch_op:
        batch_op.create_index('ix_offer_profile_version_offer', ['offer_id', 'valid_from'], unique=False)
        batch_op.create_index('ix_offer_profile_version_current', ['offer_id'], unique=True,
                              sqlite_where=sa.text('valid_to IS NULL'), postgresql_where=sa.text('valid_to IS NULL'))

    # Every existing row's first version: what it holds now, valid since it was created.
    for table, owner, columns in (('candidate_profile_version', 'candidate', _CANDIDATE_COLUMNS),
                                  ('offer_profile_version', 'offer', _OFFER_COLUMNS)):
        listed = ', '.join(columns)
        op.execute(f'INSERT INTO {table} ({owner}_id, valid_from, valid_to, {listed}) '  # nosec B608: fixed names
                   f'SELECT id, created_at, NULL, {listed} FROM {owner}')


def downgrade() -> None:
    with op.batch_alter_table('offer_profile_version', schema=None) as batch_op:
        batch_op.drop_index('ix_offer_profile_version_current', sqlite_where=sa.text('valid_to IS NULL'),
                            postgresql_where=sa.text('valid_to IS NULL'))
        batch_op.drop_index('ix_offer_profile_version_offer')
    op.drop_table('offer_profile_version')
    with op.batch_alter_table('candidate_profile_version', schema=None) as batch_op:
        batch_op.drop_index('ix_candidate_profile_version_current', sqlite_where=sa.text('valid_to IS NULL'),
                            postgresql_where=sa.text('valid_to IS NULL'))
        batch_op.drop_index('ix_candidate_profile_version_candidate')
    op.drop_table('candidate_profile_version')
