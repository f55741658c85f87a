"""the second factor's secret is kept encrypted: room for the sealed form

Revision ID: 9d52e3f8a1b4
Revises: 8c41d2e7f0a3
Create Date: 2026-12-07 20:45:00

Secrets stored before are plain base32 and stay readable (odr.tenants.totp.unseal); each is sealed
here with the application's secret key, so no plain secret stays in the database.
"""

import sqlalchemy as sa
from alembic import op

revision = '9d52e3f8a1b4'
down_revision = '8c41d2e7f0a3'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.alter_column('totp_secret', existing_type=sa.String(length=64), type_=sa.String(length=255),
                              existing_nullable=True)
    _seal_plain_secrets()


def _seal_plain_secrets() -> None:
    from flask import current_app, has_app_context

    from odr.tenants import totp

    if not has_app_context():
        return
    key = str(current_app.config["ODR"].secret_key)
    bind = op.get_bind()
    rows = bind.execute(sa.text("SELECT id, totp_secret FROM users WHERE totp_secret IS NOT NULL")).all()
    for user_id, secret in rows:
        if totp.is_plain(secret):
            bind.execute(sa.text("UPDATE users SET totp_secret = :s WHERE id = :i"),
                         {"s": totp.seal(secret, key), "i": user_id})


def downgrade() -> None:
    # A sealed secret does not fit the old column, and the plain form is not written back: second
    # factors set up after this revision must be set up again.
    op.execute("UPDATE users SET totp_secret = NULL, totp_enabled_at = NULL, totp_last_step = NULL "
               "WHERE length(totp_secret) > 64")
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.alter_column('totp_secret', existing_type=sa.String(length=255), type_=sa.String(length=64),
                              existing_nullable=True)
