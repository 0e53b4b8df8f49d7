"""Leader self-views: a leader's own answers about their team, per wave, stored apart.

Not anonymous on purpose (DESIGN.md, anonymity point 7): the rows name the leader's account
by e-mail and are never read together with employee responses.

Revision ID: lead01
Revises: prog01
"""

import sqlalchemy as sa
from alembic import op

revision = "lead01"
down_revision = "prog01"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "leader_views",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("wave_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(254), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("language", sa.String(8), nullable=True),
        sa.Column("answers", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["wave_id"], ["waves.id"], name="fk_leader_views_wave_id_waves", ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"], name="fk_leader_views_unit_id_units"),
        sa.PrimaryKeyConstraint("id", name="pk_leader_views"),
        sa.UniqueConstraint("wave_id", "unit_id", "email", name="uq_leader_views_wave_id"),
        sa.UniqueConstraint("token_hash", name="uq_leader_views_token_hash"),
    )


def downgrade() -> None:
    op.drop_table("leader_views")
