"""Leadership programmes: a cohort of units evaluated between a wave before and a wave after.

Revision ID: prog01
Revises: tree01
"""

import sqlalchemy as sa
from alembic import op

revision = "prog01"
down_revision = "hard01"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "programmes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("survey_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("cohort", sa.String(100), nullable=False),
        sa.Column("wave_before_id", sa.Integer(), nullable=False),
        sa.Column("wave_after_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["survey_id"],
            ["surveys.id"],
            name="fk_programmes_survey_id_surveys",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["wave_before_id"],
            ["waves.id"],
            name="fk_programmes_wave_before_id_waves",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["wave_after_id"],
            ["waves.id"],
            name="fk_programmes_wave_after_id_waves",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_programmes"),
        sa.UniqueConstraint("survey_id", "name", name="uq_programmes_survey_id"),
    )
    op.create_table(
        "programme_units",
        sa.Column("programme_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["programme_id"],
            ["programmes.id"],
            name="fk_programme_units_programme_id_programmes",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["units.id"], name="fk_programme_units_unit_id_units"
        ),
        sa.PrimaryKeyConstraint("programme_id", "unit_id", name="pk_programme_units"),
    )


def downgrade() -> None:
    op.drop_table("programme_units")
    op.drop_table("programmes")
