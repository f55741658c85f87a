"""case search by policy number and customer e-mail

Revision ID: 5a7e0c3d9b12
Revises: 3f9d357ae54d
Create Date: 2026-12-07 16:20:00
"""

from alembic import op


revision = '5a7e0c3d9b12'
down_revision = '3f9d357ae54d'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.create_index('ix_cases_tenant_id_customer_email', ['tenant_id', 'customer_email'], unique=False)
    if op.get_bind().dialect.name == 'postgresql':
        # pg_trgm exists since the case list's search (b4e1c9a0d201). A policy number's start in any
        # letter case (ILIKE 'abc%') is served by a trigram index as its parts are.
        op.create_index('ix_cases_policy_number_trgm', 'cases', ['policy_number'], unique=False,
                        postgresql_using='gin', postgresql_ops={'policy_number': 'gin_trgm_ops'},
                        postgresql_with={'fastupdate': 'off'})


def downgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        op.drop_index('ix_cases_policy_number_trgm', table_name='cases')
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_index('ix_cases_tenant_id_customer_email')
