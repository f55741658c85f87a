"""offers: a figure and terms one side of a case puts to the other

Revision ID: a3f6c1d9e2b7
Revises: 9d52e3f8a1b4
Create Date: 2026-12-07 21:20:00
"""

import sqlalchemy as sa
from alembic import op

import odr.platform.db

revision = 'a3f6c1d9e2b7'
down_revision = '9d52e3f8a1b4'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('offers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('side', sa.String(length=20), nullable=False),
    sa.Column('made_by_id', sa.Integer(), nullable=True),
    sa.Column('made_by_label', sa.String(length=300), nullable=False),
    sa.Column('amount_minor', sa.BigInteger(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('terms', sa.JSON(), nullable=False),
    sa.Column('expires_at', odr.platform.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('replies_to_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.Enum('open', 'accepted', 'rejected', 'countered', 'withdrawn', 'expired', name='offer_status', native_enum=False, create_constraint=True, length=12), nullable=False),
    sa.Column('answered_at', odr.platform.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('answered_by_id', sa.Integer(), nullable=True),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('public_id', sa.Uuid(), nullable=False),
    sa.Column('created_at', odr.platform.db.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('amount_minor >= 0', name=op.f('ck_offers_amount_not_negative')),
    sa.ForeignKeyConstraint(['answered_by_id'], ['users.id'], name=op.f('fk_offers_answered_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_offers_case_id_cases'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['made_by_id'], ['users.id'], name=op.f('fk_offers_made_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['replies_to_id'], ['offers.id'], name=op.f('fk_offers_replies_to_id_offers'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_offers_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_offers')),
    sa.UniqueConstraint('public_id', name=op.f('uq_offers_public_id'))
    )
    with op.batch_alter_table('offers', schema=None) as batch_op:
        batch_op.create_index('ix_offers_case_id_status', ['case_id', 'status'], unique=False)
        batch_op.create_index('ix_offers_status_expires_at', ['status', 'expires_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_offers_tenant_id'), ['tenant_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('offers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_offers_tenant_id'))
        batch_op.drop_index('ix_offers_status_expires_at')
        batch_op.drop_index('ix_offers_case_id_status')
    op.drop_table('offers')
