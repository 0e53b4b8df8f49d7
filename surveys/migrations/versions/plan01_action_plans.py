"""Action plans: a team's focus points and agreed actions after a wave's results.

The team's own notes, not respondent data (surveys/plans.py): no names, no timestamps.

Revision ID: plan01
Revises: prog01
"""

import sqlalchemy as sa
from alembic import op

revision = "plan01"
down_revision = "consb01"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "plans",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("wave_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("shared", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["wave_id"], ["waves.id"], name="fk_plans_wave_id_waves", ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"], name="fk_plans_unit_id_units"),
        sa.PrimaryKeyConstraint("id", name="pk_plans"),
        sa.UniqueConstraint("wave_id", "unit_id", name="uq_plans_wave_id"),
    )
    op.create_index("ix_plans_unit_id", "plans", ["unit_id"])
    op.create_table(
        "plan_focus",
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("ref", sa.String(128), nullable=False),
        sa.Column("action", sa.Text(), nullable=False),
        sa.Column("owner_role", sa.String(100), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(
            ["plan_id"], ["plans.id"], name="fk_plan_focus_plan_id_plans", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("plan_id", "position", name="pk_plan_focus"),
    )


def downgrade() -> None:
    op.drop_table("plan_focus")
    op.drop_index("ix_plans_unit_id", table_name="plans")
    op.drop_table("plans")
