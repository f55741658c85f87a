"""organisation reference prefix unique per tenant

Revision ID: 17dbdbc9dc90
Revises: f8c5a3e4b605
Create Date: 2026-12-07 13:45:00

Two insurers of a tenant could be given the same reference prefix. Where that already happened,
the oldest insurer keeps the prefix and the later ones lose it (an administrator gives them a new
one on the insurer's page); then the database refuses a second one.
"""

from alembic import op
import sqlalchemy as sa


revision = '17dbdbc9dc90'
down_revision = 'f8c5a3e4b605'
branch_labels = None
depends_on = None


def upgrade() -> None:
    organisations = sa.table(
        'organisations', sa.column('id', sa.Integer), sa.column('tenant_id', sa.Integer),
        sa.column('reference_prefix', sa.String),
    )
    earlier = organisations.alias('earlier')
    later_duplicates = sa.select(earlier.c.id).where(
        earlier.c.tenant_id == organisations.c.tenant_id,
        earlier.c.reference_prefix == organisations.c.reference_prefix,
        earlier.c.id < organisations.c.id,
    ).exists()
    op.execute(organisations.update().where(later_duplicates).values(reference_prefix=None))
    with op.batch_alter_table('organisations', schema=None) as batch_op:
        batch_op.create_unique_constraint(
            batch_op.f('uq_organisations_tenant_id_reference_prefix'), ['tenant_id', 'reference_prefix'])


def downgrade() -> None:
    with op.batch_alter_table('organisations', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_organisations_tenant_id_reference_prefix'), type_='unique')
