"""A survey's revision: a random number the database draws whenever the stored definition is
written, so each process can check its cached copy with one small query (issue 15, load).

The column is set by triggers, on SQLite and PostgreSQL alike, when a row is inserted and
whenever ``definition`` changes -- by the application (``samen survey update``, the console,
a consent) or by hand in the database -- so no writer can forget it. A random number rather
than a counter: a survey removed and created again under the same slug (and, on SQLite,
perhaps the same id) gets a new revision too. A later migration that rebuilds ``surveys``
on SQLite (batch mode's copy-and-move) drops its triggers and must create them again.

Revision ID: surv01
Revises: expin01
"""

import secrets

import sqlalchemy as sa
from alembic import op

revision = "surv01"
down_revision = "expin01"
branch_labels = None
depends_on = None

_SQLITE = (
    # After the row is written: draw the revision (random(): a 64-bit signed integer).
    "CREATE TRIGGER surveys_revision_insert AFTER INSERT ON surveys FOR EACH ROW "
    "BEGIN UPDATE surveys SET revision = random() WHERE id = NEW.id; END",
    "CREATE TRIGGER surveys_revision_update AFTER UPDATE OF definition ON surveys "
    "FOR EACH ROW WHEN NEW.definition IS NOT OLD.definition "
    "BEGIN UPDATE surveys SET revision = random() WHERE id = NEW.id; END",
)
_POSTGRES = (
    "CREATE FUNCTION surveys_revision() RETURNS trigger LANGUAGE plpgsql AS $$ "
    "BEGIN "
    "IF TG_OP = 'INSERT' OR NEW.definition IS DISTINCT FROM OLD.definition THEN "
    "NEW.revision := floor(random() * 4611686018427387904)::bigint; "
    "END IF; "
    "RETURN NEW; "
    "END $$",
    "CREATE TRIGGER surveys_revision BEFORE INSERT OR UPDATE ON surveys "
    "FOR EACH ROW EXECUTE FUNCTION surveys_revision()",
)


def upgrade() -> None:
    with op.batch_alter_table("surveys") as batch:
        batch.add_column(
            sa.Column("revision", sa.BigInteger(), nullable=False, server_default="0")
        )
    bind = op.get_bind()
    ids = bind.execute(sa.text("SELECT id FROM surveys")).scalars().all()
    for survey_id in ids:
        bind.execute(
            sa.text("UPDATE surveys SET revision = :r WHERE id = :id"),
            {"r": secrets.randbits(62), "id": survey_id},
        )
    for statement in _SQLITE if bind.dialect.name == "sqlite" else _POSTGRES:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS surveys_revision_insert")
        op.execute("DROP TRIGGER IF EXISTS surveys_revision_update")
    else:
        op.execute("DROP TRIGGER IF EXISTS surveys_revision ON surveys")
        op.execute("DROP FUNCTION IF EXISTS surveys_revision()")
    # Not batch mode: on SQLite its copy-and-move drops the old `surveys` table, and with
    # foreign keys on that deletes every wave (ON DELETE CASCADE). SQLite >= 3.35 drops a
    # column in place.
    op.drop_column("surveys", "revision")
