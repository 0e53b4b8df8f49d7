"""Rights to submit spent (exactly-once answers after Start) and invitation counts per unit.

Revision ID: wal01
Revises: users01
"""

import sqlalchemy as sa
from alembic import op

revision = "wal01"
down_revision = "users01"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "invitation_counts",
        sa.Column("wave_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("mailed", sa.Integer(), nullable=False),
        sa.Column("handed_out", sa.Integer(), nullable=False),
        sa.Column("started", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["wave_id"],
            ["waves.id"],
            name="fk_invitation_counts_wave_id_waves",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["units.id"], name="fk_invitation_counts_unit_id_units"
        ),
        sa.PrimaryKeyConstraint("wave_id", "unit_id", name="pk_invitation_counts"),
    )
    op.create_table(
        "spent_rights",
        sa.Column("nonce_hash", sa.String(64), nullable=False),
        sa.Column("wave_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["wave_id"], ["waves.id"], name="fk_spent_rights_wave_id_waves", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("nonce_hash", name="pk_spent_rights"),
    )
    op.create_index("ix_spent_rights_wave_id", "spent_rights", ["wave_id"])


def downgrade() -> None:
    op.drop_index("ix_spent_rights_wave_id", table_name="spent_rights")
    op.drop_table("spent_rights")
    op.drop_table("invitation_counts")
