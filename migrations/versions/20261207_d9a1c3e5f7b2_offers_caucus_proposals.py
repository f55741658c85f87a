"""offers in caucus, conveyed by the mediator; a late counter-offer's extension; the mediator's proposals

Revision ID: d9a1c3e5f7b2
Revises: b8d2f4a6c3e1
Create Date: 2026-12-07 23:50:00
"""

import sqlalchemy as sa
from alembic import op

import odr.platform.db

revision = 'd9a1c3e5f7b2'
down_revision = 'b8d2f4a6c3e1'
branch_labels = None
depends_on = None

STATUSES = ('open', 'accepted', 'rejected', 'countered', 'withdrawn', 'expired')


def _in(values: tuple[str, ...]) -> str:
    return "status IN (" + ", ".join(f"'{v}'" for v in values) + ")"


def upgrade() -> None:
    with op.batch_alter_table('offers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('channel', sa.String(length=20), server_default='joint', nullable=False))
        batch_op.add_column(sa.Column('conveyed_at', odr.platform.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('conveyed_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('conveyed_figure', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('answer_by', odr.platform.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('answer_extended', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.create_foreign_key(batch_op.f('fk_offers_conveyed_by_id_users'), 'users', ['conveyed_by_id'], ['id'],
                                    ondelete='SET NULL')
        # An offer closed unanswered because the parties settled on another one is 'closed'.
        batch_op.drop_constraint(op.f('ck_offers_offer_status'), type_='check')
        batch_op.create_check_constraint(op.f('ck_offers_offer_status'), _in((*STATUSES, 'closed')))
    op.create_table('offer_proposals',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('made_by_id', sa.Integer(), nullable=True),
    sa.Column('made_by_label', sa.String(length=300), nullable=False),
    sa.Column('amount_minor', sa.BigInteger(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('terms', sa.JSON(), nullable=False),
    sa.Column('expires_at', odr.platform.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('status', sa.Enum('open', 'accepted', 'not_accepted', 'closed', name='proposal_status', native_enum=False, create_constraint=True, length=12), nullable=False),
    sa.Column('customer_answer', sa.String(length=6), nullable=True),
    sa.Column('customer_answered_at', odr.platform.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('insurer_answer', sa.String(length=6), nullable=True),
    sa.Column('insurer_answered_at', odr.platform.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('disclosed_at', odr.platform.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('public_id', sa.Uuid(), nullable=False),
    sa.Column('created_at', odr.platform.db.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('amount_minor >= 0', name=op.f('ck_offer_proposals_amount_not_negative')),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_offer_proposals_case_id_cases'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['made_by_id'], ['users.id'], name=op.f('fk_offer_proposals_made_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_offer_proposals_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_offer_proposals')),
    sa.UniqueConstraint('public_id', name=op.f('uq_offer_proposals_public_id'))
    )
    with op.batch_alter_table('offer_proposals', schema=None) as batch_op:
        batch_op.create_index('ix_offer_proposals_case_id_status', ['case_id', 'status'], unique=False)
        batch_op.create_index('ix_offer_proposals_status_expires_at', ['status', 'expires_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_offer_proposals_tenant_id'), ['tenant_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('offer_proposals', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_offer_proposals_tenant_id'))
        batch_op.drop_index('ix_offer_proposals_status_expires_at')
        batch_op.drop_index('ix_offer_proposals_case_id_status')
    op.drop_table('offer_proposals')
    op.execute("UPDATE offers SET status = 'withdrawn' WHERE status = 'closed'")
    with op.batch_alter_table('offers', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_offers_offer_status'), type_='check')
        batch_op.create_check_constraint(op.f('ck_offers_offer_status'), _in(STATUSES))
        batch_op.drop_constraint(batch_op.f('fk_offers_conveyed_by_id_users'), type_='foreignkey')
        batch_op.drop_column('answer_extended')
        batch_op.drop_column('answer_by')
        batch_op.drop_column('conveyed_figure')
        batch_op.drop_column('conveyed_by_id')
        batch_op.drop_column('conveyed_at')
        batch_op.drop_column('channel')
