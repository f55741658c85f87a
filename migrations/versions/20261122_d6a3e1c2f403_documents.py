"""documents

Revision ID: d6a3e1c2f403
Revises: c5f2d0b1e302
Create Date: 2026-11-22 22:30:00
"""

from alembic import op
import sqlalchemy as sa
import odr.platform.db


revision = 'd6a3e1c2f403'
down_revision = 'c5f2d0b1e302'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('documents',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('channel', sa.String(length=20), nullable=False),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
    sa.Column('uploader_label', sa.String(length=250), nullable=False),
    sa.Column('file_name', sa.String(length=255), nullable=False),
    sa.Column('content_type', sa.String(length=120), nullable=False),
    sa.Column('size', sa.BigInteger(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('chain_id', sa.Uuid(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('previous_id', sa.Integer(), nullable=True),
    sa.Column('carried_from_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.Enum('pending', 'available', 'refused', name='document_status', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('refusal', sa.String(length=200), nullable=True),
    sa.Column('storage_key', sa.String(length=400), nullable=True),
    sa.Column('idempotency_key', sa.String(length=100), nullable=True),
    sa.Column('available_at', odr.platform.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('public_id', sa.Uuid(), nullable=False),
    sa.Column('created_at', odr.platform.db.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('size >= 0', name=op.f('ck_documents_size_not_negative')),
    sa.CheckConstraint('version >= 1', name=op.f('ck_documents_version_positive')),
    sa.ForeignKeyConstraint(['carried_from_id'], ['documents.id'], name=op.f('fk_documents_carried_from_id_documents'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_documents_case_id_cases'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['previous_id'], ['documents.id'], name=op.f('fk_documents_previous_id_documents'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_documents_tenant_id_tenants'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['users.id'], name=op.f('fk_documents_uploaded_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_documents')),
    sa.UniqueConstraint('case_id', 'uploaded_by_id', 'idempotency_key', name=op.f('uq_documents_case_id_uploaded_by_id_idempotency_key')),
    sa.UniqueConstraint('chain_id', 'version', name=op.f('uq_documents_chain_id_version')),
    sa.UniqueConstraint('public_id', name=op.f('uq_documents_public_id'))
    )
    with op.batch_alter_table('documents', schema=None) as batch_op:
        batch_op.create_index('ix_documents_case_id_channel_status', ['case_id', 'channel', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_documents_chain_id'), ['chain_id'], unique=False)
        batch_op.create_index('ix_documents_storage_key', ['storage_key'], unique=False)
        batch_op.create_index(batch_op.f('ix_documents_tenant_id'), ['tenant_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_documents_uploaded_by_id'), ['uploaded_by_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('documents', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_documents_uploaded_by_id'))
        batch_op.drop_index(batch_op.f('ix_documents_tenant_id'))
        batch_op.drop_index('ix_documents_storage_key')
        batch_op.drop_index(batch_op.f('ix_documents_chain_id'))
        batch_op.drop_index('ix_documents_case_id_channel_status')

    op.drop_table('documents')
