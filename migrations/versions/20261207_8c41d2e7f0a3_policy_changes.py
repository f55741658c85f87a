"""policy changes: who changed which setting of the tenant's policy, when, from what to what

Revision ID: 8c41d2e7f0a3
Revises: 5a7e0c3d9b12
Create Date: 2026-12-07 19:40:00
"""

import sqlalchemy as sa
from alembic import op

import odr.platform.db

revision = '8c41d2e7f0a3'
down_revision = '5a7e0c3d9b12'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('policy_changes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('changed_at', odr.platform.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('actor_label', sa.String(length=300), nullable=False),
    sa.Column('setting', sa.String(length=120), nullable=False),
    sa.Column('old_value', sa.JSON(), nullable=False),
    sa.Column('new_value', sa.JSON(), nullable=False),
    sa.Column('recomputed', sa.Boolean(), nullable=False),
    sa.Column('moved', sa.Integer(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_policy_changes_actor_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_policy_changes_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_policy_changes'))
    )
    with op.batch_alter_table('policy_changes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_policy_changes_tenant_id'), ['tenant_id'], unique=False)
        batch_op.create_index('ix_policy_changes_tenant_id_changed_at', ['tenant_id', 'changed_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('policy_changes', schema=None) as batch_op:
        batch_op.drop_index('ix_policy_changes_tenant_id_changed_at')
        batch_op.drop_index(batch_op.f('ix_policy_changes_tenant_id'))
    op.drop_table('policy_changes')
