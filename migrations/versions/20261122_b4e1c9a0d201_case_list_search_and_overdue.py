"""case list search and overdue

Revision ID: b4e1c9a0d201
Revises: 31f8067b7929
Create Date: 2026-11-22 22:30:00
"""

from alembic import op
import sqlalchemy as sa
import odr.platform.db


revision = 'b4e1c9a0d201'
down_revision = '31f8067b7929'
branch_labels = None
depends_on = None

# odr.mediation.deadlines.overdue keeps the column from here on; this fills it for the cases there are.
# In progress: referred, screening, open, settled. Counting deadlines: open and passed.
BACKFILL = """
UPDATE cases SET overdue_from = (
    SELECT min(deadlines.due_at) FROM deadlines
    WHERE deadlines.case_id = cases.id AND deadlines.status IN ('open', 'passed')
)
WHERE cases.state IN ('referred', 'screening', 'open', 'settled')
"""


def upgrade() -> None:
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.add_column(sa.Column('overdue_from', odr.platform.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.create_index('ix_cases_tenant_id_overdue_from', ['tenant_id', 'overdue_from'], unique=False)
    op.execute(BACKFILL)
    if op.get_bind().dialect.name == 'postgresql':
        # pg_trgm is a trusted extension (PostgreSQL 13+): the database's owner may create it.
        op.execute('CREATE EXTENSION IF NOT EXISTS pg_trgm')
        # fastupdate off: new cases go straight into the index instead of a pending list that every
        # search reads through until the next vacuum (referrals are few; searches are many).
        op.create_index('ix_cases_reference_trgm', 'cases', ['reference'], unique=False,
                        postgresql_using='gin', postgresql_ops={'reference': 'gin_trgm_ops'},
                        postgresql_with={'fastupdate': 'off'})
        op.create_index('ix_cases_customer_name_trgm', 'cases', ['customer_name'], unique=False,
                        postgresql_using='gin', postgresql_ops={'customer_name': 'gin_trgm_ops'},
                        postgresql_with={'fastupdate': 'off'})


def downgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        op.drop_index('ix_cases_customer_name_trgm', table_name='cases')
        op.drop_index('ix_cases_reference_trgm', table_name='cases')
        # The extension stays: other tables may use it, and it holds no data of ours.
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_index('ix_cases_tenant_id_overdue_from')
        batch_op.drop_column('overdue_from')
