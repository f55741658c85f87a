"""notifications, deadlines, tasks and attention reasons keep message ids and parameters; grouped notifications

Revision ID: 0b6c24be129f
Revises: 17dbdbc9dc90
Create Date: 2026-12-07 13:30:00

Notifications, what a deadline expects, a task's description and outcome and why a case needs
attention were stored as text in the language of whoever caused them. They now also keep the
catalogue id and parameters, put into words for each reader. Older rows keep their text, which
is shown when there is no message; the deadlines' standard wordings (in English or German) are
matched back to their messages here.
"""

from alembic import op
import sqlalchemy as sa


revision = '0b6c24be129f'
down_revision = '17dbdbc9dc90'
branch_labels = None
depends_on = None

_TIERS = {
    "screening": "Prüfung",
    "mediation": "Mediation",
    "senior review": "Überprüfung durch die Leitung",
    "arbitration or the regulator": "Schiedsverfahren oder Aufsichtsbehörde",
}


def _known_wordings() -> dict[str, dict]:
    """The standard texts of ``deadlines.what`` in both languages, with the message each stands for."""
    outcome = {"id": "reach an outcome", "params": {}}
    known = {"reach an outcome": outcome, "ein Ergebnis erzielen": outcome}
    for english, german in _TIERS.items():
        message = {"id": "finish %(tier)s", "params": {"tier": {"id": english, "params": {}}}}
        known[f"finish {english}"] = message
        known[f"Stufe „{german}“ abschließen"] = message
    return known


def upgrade() -> None:
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.add_column(sa.Column('title_message', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('body_message', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('group_key', sa.String(length=120), nullable=True))
        batch_op.add_column(sa.Column('group_version', sa.Integer(), nullable=True))
        batch_op.create_unique_constraint('uq_notifications_user_id_group_key', ['user_id', 'group_key'])
    with op.batch_alter_table('deadlines', schema=None) as batch_op:
        batch_op.add_column(sa.Column('what_message', sa.JSON(), nullable=True))
    with op.batch_alter_table('case_tasks', schema=None) as batch_op:
        batch_op.add_column(sa.Column('description_message', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('outcome_message', sa.JSON(), nullable=True))
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.add_column(sa.Column('attention_message', sa.JSON(), nullable=True))
    deadlines = sa.table('deadlines', sa.column('what', sa.String), sa.column('what_message', sa.JSON))
    statement = (deadlines.update().where(deadlines.c.what == sa.bindparam('text'))
                 .values(what_message=sa.bindparam('message', type_=sa.JSON)))
    op.get_bind().execute(statement, [{'text': text, 'message': message}
                                      for text, message in _known_wordings().items()])


def downgrade() -> None:
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_column('attention_message')
    with op.batch_alter_table('case_tasks', schema=None) as batch_op:
        batch_op.drop_column('outcome_message')
        batch_op.drop_column('description_message')
    with op.batch_alter_table('deadlines', schema=None) as batch_op:
        batch_op.drop_column('what_message')
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_constraint('uq_notifications_user_id_group_key', type_='unique')
        batch_op.drop_column('group_version')
        batch_op.drop_column('group_key')
        batch_op.drop_column('body_message')
        batch_op.drop_column('title_message')
