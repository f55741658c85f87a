"""agreements: the settlement agreement, its signatures, consents, signing codes and templates

Revision ID: b8d2f4a6c3e1
Revises: a3f6c1d9e2b7
Create Date: 2026-12-07 23:53:17.890854
"""

import sqlalchemy as sa
from alembic import op

import odr.platform.db

revision = 'b8d2f4a6c3e1'
down_revision = 'a3f6c1d9e2b7'
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table('agreement_templates',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('locale', sa.String(length=10), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('created_at', odr.platform.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_agreement_templates_tenant_id_tenants'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'], name=op.f('fk_agreement_templates_updated_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_agreement_templates')),
    sa.UniqueConstraint('tenant_id', 'locale', name='uq_agreement_templates_tenant_id_locale')
    )
    with op.batch_alter_table('agreement_templates', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_agreement_templates_tenant_id'), ['tenant_id'], unique=False)

    op.create_table('electronic_consents',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.String(length=20), nullable=False),
    sa.Column('given_at', odr.platform.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('ip_address', sa.String(length=45), nullable=True),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_electronic_consents_tenant_id_tenants'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_electronic_consents_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_electronic_consents')),
    sa.UniqueConstraint('user_id', 'version', name='uq_electronic_consents_user_id_version')
    )
    with op.batch_alter_table('electronic_consents', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_electronic_consents_tenant_id'), ['tenant_id'], unique=False)

    op.create_table('agreements',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('draft', 'sent', 'sealed', name='agreement_status', native_enum=False, create_constraint=True, length=12), nullable=False),
    sa.Column('source', sa.String(length=20), nullable=False),
    sa.Column('source_id', sa.String(length=64), nullable=True),
    sa.Column('amount_minor', sa.BigInteger(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('terms', sa.JSON(), nullable=False),
    sa.Column('payment_days', sa.Integer(), nullable=False),
    sa.Column('payment_method', sa.String(length=300), nullable=False),
    sa.Column('locale', sa.String(length=10), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('round', sa.Integer(), nullable=False),
    sa.Column('text_sha256', sa.String(length=64), nullable=True),
    sa.Column('sent_at', odr.platform.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('sent_by_id', sa.Integer(), nullable=True),
    sa.Column('sealed_at', odr.platform.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('chain_seq', sa.BigInteger(), nullable=True),
    sa.Column('chain_hash', sa.String(length=64), nullable=True),
    sa.Column('document_id', sa.Integer(), nullable=True),
    sa.Column('pdf_sha256', sa.String(length=64), nullable=True),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('public_id', sa.Uuid(), nullable=False),
    sa.Column('created_at', odr.platform.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_agreements_case_id_cases'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['document_id'], ['documents.id'], name=op.f('fk_agreements_document_id_documents'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['sent_by_id'], ['users.id'], name=op.f('fk_agreements_sent_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_agreements_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_agreements')),
    sa.UniqueConstraint('case_id', name='uq_agreements_case_id'),
    sa.UniqueConstraint('public_id', name=op.f('uq_agreements_public_id'))
    )
    with op.batch_alter_table('agreements', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_agreements_tenant_id'), ['tenant_id'], unique=False)

    op.create_table('agreement_signatures',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('agreement_id', sa.Integer(), nullable=False),
    sa.Column('round', sa.Integer(), nullable=False),
    sa.Column('role', sa.String(length=20), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('full_name', sa.String(length=200), nullable=False),
    sa.Column('method', sa.String(length=20), nullable=False),
    sa.Column('signed_at', odr.platform.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('ip_address', sa.String(length=45), nullable=True),
    sa.Column('user_agent', sa.String(length=300), nullable=True),
    sa.Column('text_sha256', sa.String(length=64), nullable=False),
    sa.Column('event_seq', sa.BigInteger(), nullable=True),
    sa.Column('voided_at', odr.platform.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('public_id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['agreement_id'], ['agreements.id'], name=op.f('fk_agreement_signatures_agreement_id_agreements'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_agreement_signatures_tenant_id_tenants'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_agreement_signatures_user_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_agreement_signatures')),
    sa.UniqueConstraint('agreement_id', 'round', 'role', name='uq_agreement_signatures_agreement_id_round_role'),
    sa.UniqueConstraint('public_id', name=op.f('uq_agreement_signatures_public_id'))
    )
    with op.batch_alter_table('agreement_signatures', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_agreement_signatures_tenant_id'), ['tenant_id'], unique=False)

    op.create_table('signing_codes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('agreement_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('code_hash', sa.String(length=64), nullable=False),
    sa.Column('expires_at', odr.platform.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('tries', sa.Integer(), nullable=False),
    sa.Column('used_at', odr.platform.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', odr.platform.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['agreement_id'], ['agreements.id'], name=op.f('fk_signing_codes_agreement_id_agreements'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_signing_codes_tenant_id_tenants'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_signing_codes_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_signing_codes'))
    )
    with op.batch_alter_table('signing_codes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_signing_codes_tenant_id'), ['tenant_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_signing_codes_user_id'), ['user_id'], unique=False)




def downgrade() -> None:

    with op.batch_alter_table('signing_codes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_signing_codes_user_id'))
        batch_op.drop_index(batch_op.f('ix_signing_codes_tenant_id'))

    op.drop_table('signing_codes')
    with op.batch_alter_table('agreement_signatures', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_agreement_signatures_tenant_id'))

    op.drop_table('agreement_signatures')
    with op.batch_alter_table('agreements', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_agreements_tenant_id'))

    op.drop_table('agreements')
    with op.batch_alter_table('electronic_consents', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_electronic_consents_tenant_id'))

    op.drop_table('electronic_consents')
    with op.batch_alter_table('agreement_templates', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_agreement_templates_tenant_id'))

    op.drop_table('agreement_templates')

