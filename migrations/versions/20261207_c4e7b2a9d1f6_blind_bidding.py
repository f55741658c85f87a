"""blind bidding: both sides opt in under a disclosed rule, then put in one confidential figure per round

Revision ID: c4e7b2a9d1f6
Revises: d9a1c3e5f7b2
Create Date: 2026-12-07 23:55:00
"""

import sqlalchemy as sa
from alembic import op

import odr.platform.db

revision = 'c4e7b2a9d1f6'
down_revision = 'd9a1c3e5f7b2'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('blind_biddings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('opting_in', 'bidding', 'settled', 'not_settled', name='blind_bidding_status', native_enum=False, create_constraint=True, length=12), nullable=False),
    sa.Column('customer_opted_in_at', odr.platform.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('customer_opted_in_by_id', sa.Integer(), nullable=True),
    sa.Column('insurer_opted_in_at', odr.platform.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('insurer_opted_in_by_id', sa.Integer(), nullable=True),
    sa.Column('rounds', sa.Integer(), nullable=False),
    sa.Column('percent', sa.Integer(), nullable=False),
    sa.Column('gap_minor', sa.BigInteger(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('mediator_sees_figures', sa.Boolean(), nullable=False),
    sa.Column('started_at', odr.platform.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('current_round', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('settled_round', sa.Integer(), nullable=True),
    sa.Column('settled_amount_minor', sa.BigInteger(), nullable=True),
    sa.Column('ended_at', odr.platform.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('public_id', sa.Uuid(), nullable=False),
    sa.Column('created_at', odr.platform.db.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('current_round >= 1', name=op.f('ck_blind_biddings_current_round_at_least_one')),
    sa.CheckConstraint('gap_minor >= 0', name=op.f('ck_blind_biddings_gap_not_negative')),
    sa.CheckConstraint('percent >= 0 AND percent <= 100', name=op.f('ck_blind_biddings_percent_in_range')),
    sa.CheckConstraint('rounds >= 1', name=op.f('ck_blind_biddings_rounds_at_least_one')),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_blind_biddings_case_id_cases'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['customer_opted_in_by_id'], ['users.id'], name=op.f('fk_blind_biddings_customer_opted_in_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['insurer_opted_in_by_id'], ['users.id'], name=op.f('fk_blind_biddings_insurer_opted_in_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_blind_biddings_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_blind_biddings')),
    sa.UniqueConstraint('case_id', name=op.f('uq_blind_biddings_case_id')),
    sa.UniqueConstraint('public_id', name=op.f('uq_blind_biddings_public_id'))
    )
    with op.batch_alter_table('blind_biddings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_blind_biddings_tenant_id'), ['tenant_id'], unique=False)

    op.create_table('blind_bids',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('bidding_id', sa.Integer(), nullable=False),
    sa.Column('round_no', sa.Integer(), nullable=False),
    sa.Column('side', sa.String(length=20), nullable=False),
    sa.Column('figure_minor', sa.BigInteger(), nullable=False),
    sa.Column('made_by_id', sa.Integer(), nullable=True),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('public_id', sa.Uuid(), nullable=False),
    sa.Column('created_at', odr.platform.db.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('figure_minor > 0', name=op.f('ck_blind_bids_figure_positive')),
    sa.ForeignKeyConstraint(['bidding_id'], ['blind_biddings.id'], name=op.f('fk_blind_bids_bidding_id_blind_biddings'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['made_by_id'], ['users.id'], name=op.f('fk_blind_bids_made_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_blind_bids_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_blind_bids')),
    sa.UniqueConstraint('bidding_id', 'round_no', 'side', name=op.f('uq_blind_bids_bidding_id_round_no_side')),
    sa.UniqueConstraint('public_id', name=op.f('uq_blind_bids_public_id'))
    )
    with op.batch_alter_table('blind_bids', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_blind_bids_tenant_id'), ['tenant_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('blind_bids', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_blind_bids_tenant_id'))

    op.drop_table('blind_bids')
    with op.batch_alter_table('blind_biddings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_blind_biddings_tenant_id'))

    op.drop_table('blind_biddings')
