"""network meetings: network_meeting, meeting_quota, meeting_invitee, meeting_offer

Dialogue and theme meetings (11:11 Meet Malmö, seed 000) with channels and quotas, the companies
invited or signed up (a numbered seat per channel, unique, so that two sign-ups cannot take the
same place), and the offers that came from a meeting.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-06 07:36:45.126129
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('network_meeting',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('dialogue', 'theme', name='meeting_kind', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('theme', sa.String(length=300), nullable=False),
    sa.Column('starts_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ends_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('place', sa.String(length=200), nullable=False),
    sa.Column('capacity', sa.Integer(), nullable=False),
    sa.Column('open_signup', sa.Boolean(), nullable=False),
    sa.Column('themes_discussed', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.CheckConstraint('capacity > 0', name=op.f('ck_network_meeting_capacity_positive')),
    sa.CheckConstraint('ends_at > starts_at', name=op.f('ck_network_meeting_time_order')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_network_meeting'))
    )
    with op.batch_alter_table('network_meeting', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_network_meeting_starts_at'), ['starts_at'], unique=False)

    op.create_table('meeting_invitee',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('company_id', sa.Integer(), nullable=True),
    sa.Column('channel', sa.Enum('city', 'organisation', 'open', name='meeting_channel', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('recommended_by', sa.String(length=200), nullable=False),
    sa.Column('status', sa.Enum('invited', 'signed_up', 'selected', 'waitlisted', 'declined', name='invitee_status', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('seat', sa.Integer(), nullable=True),
    sa.Column('company_name', sa.String(length=200), nullable=False),
    sa.Column('org_number', sa.String(length=11), nullable=False),
    sa.Column('industry', sa.String(length=120), nullable=False),
    sa.Column('size_class', sa.Enum('micro', 'small', 'medium', 'large', name='size_class', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('contact_name', sa.String(length=200), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('representative_gender', sa.Enum('woman', 'man', 'other', name='representative_gender', native_enum=False, create_constraint=True), nullable=True),
    sa.Column('representative_background', sa.Enum('foreign', 'swedish', name='representative_background', native_enum=False, create_constraint=True), nullable=True),
    sa.Column('invited_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('signed_up_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('attended', sa.Boolean(), nullable=True),
    sa.Column('added_to_network', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("(seat IS NOT NULL) = (status = 'selected')", name=op.f('ck_meeting_invitee_seat_iff_selected')),
    sa.CheckConstraint('seat IS NULL OR seat >= 1', name=op.f('ck_meeting_invitee_seat_positive')),
    sa.ForeignKeyConstraint(['company_id'], ['company.id'], name=op.f('fk_meeting_invitee_company_id_company')),
    sa.ForeignKeyConstraint(['meeting_id'], ['network_meeting.id'], name=op.f('fk_meeting_invitee_meeting_id_network_meeting'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_meeting_invitee')),
    sa.UniqueConstraint('meeting_id', 'channel', 'seat', name='uq_meeting_company_seat'),
    sa.UniqueConstraint('meeting_id', 'org_number', name='uq_meeting_company_org')
    )
    with op.batch_alter_table('meeting_invitee', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_meeting_invitee_company_id'), ['company_id'], unique=False)
        batch_op.create_index('ix_meeting_invitee_meeting_status', ['meeting_id', 'status'], unique=False)

    op.create_table('meeting_quota',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('channel', sa.Enum('city', 'organisation', 'open', name='meeting_channel', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('quota', sa.Integer(), nullable=False),
    sa.CheckConstraint('quota >= 0', name=op.f('ck_meeting_quota_quota_not_negative')),
    sa.ForeignKeyConstraint(['meeting_id'], ['network_meeting.id'], name=op.f('fk_meeting_quota_meeting_id_network_meeting'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_meeting_quota')),
    sa.UniqueConstraint('meeting_id', 'channel', name=op.f('uq_meeting_quota_meeting_id'))
    )
    op.create_table('meeting_offer',
    sa.Column('offer_id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['meeting_id'], ['network_meeting.id'], name=op.f('fk_meeting_offer_meeting_id_network_meeting'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['offer_id'], ['offer.id'], name=op.f('fk_meeting_offer_offer_id_offer'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('offer_id', name=op.f('pk_meeting_offer'))
    )
    with op.batch_alter_table('meeting_offer', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_meeting_offer_meeting_id'), ['meeting_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('meeting_offer', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_meeting_offer_meeting_id'))

    op.drop_table('meeting_offer')
    op.drop_table('meeting_quota')
    with op.batch_alter_table('meeting_invitee', schema=None) as batch_op:
        batch_op.drop_index('ix_meeting_invitee_meeting_status')
        batch_op.drop_index(batch_op.f('ix_meeting_invitee_company_id'))

    op.drop_table('meeting_invitee')
    with op.batch_alter_table('network_meeting', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_network_meeting_starts_at'))

    op.drop_table('network_meeting')
