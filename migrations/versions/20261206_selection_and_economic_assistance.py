"""selection with AF and AMF, and what the agreement measures about people (issue #21 §1, §5)

- The role `selection_partner` (AF's or AMF's contact person): the role column's check widens.
- `selection_position`: a partner organisation's agree / object, with a comment, per referral.
- `selection_meeting` and `selection_meeting_item`: a meeting's date, its list of referrals and
  what was decided for each.
- `referral.economic_assistance`: whether the client receives ekonomiskt bistånd (recorded at
  referral; unknown for the referrals made before).
- `follow_up.self_sufficient`: at the 3- and 6-month follow-up, no longer on economic assistance.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06 09:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None

OLD_ROLES = ('admin', 'project_leader', 'welfare_officer', 'employer', 'steering')
NEW_ROLES = (*OLD_ROLES, 'selection_partner')


def _roles_check(roles: tuple[str, ...]) -> str:
    return "role IN (" + ", ".join(f"'{r}'" for r in roles) + ")"


def _set_roles(roles: tuple[str, ...]) -> None:
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_user_account_role'), type_='check')
        batch_op.alter_column('role', type_=sa.String(length=max(len(r) for r in roles)),
                              existing_nullable=False)
        batch_op.create_check_constraint(op.f('ck_user_account_role'), _roles_check(roles))


def upgrade() -> None:
    _set_roles(NEW_ROLES)
    op.create_table('selection_position',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('referral_id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('user_name', sa.String(length=200), nullable=False),
    sa.Column('stance', sa.Enum('agree', 'object', name='selection_stance', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_selection_position_organisation_id_organisation')),
    sa.ForeignKeyConstraint(['referral_id'], ['referral.id'], name=op.f('fk_selection_position_referral_id_referral'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_selection_position_user_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_selection_position')),
    sa.UniqueConstraint('referral_id', 'organisation_id', name=op.f('uq_selection_position_referral_id'))
    )
    with op.batch_alter_table('selection_position', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_selection_position_referral_id'), ['referral_id'], unique=False)

    op.create_table('selection_meeting',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('held_on', sa.Date(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_selection_meeting_created_by_id_user_account')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['user_account.id'], name=op.f('fk_selection_meeting_decided_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_selection_meeting'))
    )
    with op.batch_alter_table('selection_meeting', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_selection_meeting_held_on'), ['held_on'], unique=False)

    op.create_table('selection_meeting_item',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('referral_id', sa.Integer(), nullable=False),
    sa.Column('decision', sa.Enum('accept', 'accept_activate', 'return', 'postpone', name='selection_decision', native_enum=False, create_constraint=True), nullable=True),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['meeting_id'], ['selection_meeting.id'], name=op.f('fk_selection_meeting_item_meeting_id_selection_meeting'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['referral_id'], ['referral.id'], name=op.f('fk_selection_meeting_item_referral_id_referral'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_selection_meeting_item')),
    sa.UniqueConstraint('meeting_id', 'referral_id', name=op.f('uq_selection_meeting_item_meeting_id'))
    )
    with op.batch_alter_table('selection_meeting_item', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_selection_meeting_item_referral_id'), ['referral_id'], unique=False)

    with op.batch_alter_table('referral', schema=None) as batch_op:
        batch_op.add_column(sa.Column('economic_assistance', sa.Boolean(), nullable=True))
    with op.batch_alter_table('follow_up', schema=None) as batch_op:
        batch_op.add_column(sa.Column('self_sufficient', sa.Boolean(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('follow_up', schema=None) as batch_op:
        batch_op.drop_column('self_sufficient')
    with op.batch_alter_table('referral', schema=None) as batch_op:
        batch_op.drop_column('economic_assistance')
    with op.batch_alter_table('selection_meeting_item', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_selection_meeting_item_referral_id'))
    op.drop_table('selection_meeting_item')
    with op.batch_alter_table('selection_meeting', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_selection_meeting_held_on'))
    op.drop_table('selection_meeting')
    with op.batch_alter_table('selection_position', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_selection_position_referral_id'))
    op.drop_table('selection_position')
    op.execute(sa.text("DELETE FROM user_account WHERE role = 'selection_partner'"))
    _set_roles(OLD_ROLES)
