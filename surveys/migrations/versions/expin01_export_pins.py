"""The export settings a closed wave was first exported with (issue 13, exports).

Two exports of one wave that were anonymised differently (another profile, another
importance order) can be joined on their item answers, which are the same in both: the
join holds more quasi-identifiers than either file was made k-anonymous for. So the first
export of a wave pins its settings (``export_pins.settings``, JSON: profile, questions,
order, suppression) and later exports must use the same; format and label language may
differ (they present the same rows). Staff data only: nothing about respondents.

Revision ID: expin01
Revises: open01
"""

import sqlalchemy as sa
from alembic import op

revision = "expin01"
down_revision = "open01"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "export_pins",
        sa.Column("wave_id", sa.Integer(), nullable=False),
        sa.Column("settings", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["wave_id"], ["waves.id"], name="fk_export_pins_wave_id_waves", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("wave_id", name="pk_export_pins"),
    )


def downgrade() -> None:
    op.drop_table("export_pins")
