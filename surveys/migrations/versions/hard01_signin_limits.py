"""Sign-in limits every worker sees: recent failures and pauses, under keyed hashes.

The sign-in throttle counted per worker process (four workers gave a guesser four times the
tries; a restart forgot). ``signin_failures`` and ``signin_pauses`` hold HMACs of e-mail and
client addresses (never the addresses) with seconds on the wall clock, for at most the
sign-in window (issue 15, "Sign-in limits across workers").

Revision ID: hard01
Revises: tree01
"""

import sqlalchemy as sa
from alembic import op

revision = "hard01"
down_revision = "tree01"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "signin_failures",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("key", sa.String(64), nullable=False),
        sa.Column("at", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_signin_failures"),
    )
    op.create_index("ix_signin_failures_key_at", "signin_failures", ["key", "at"])
    op.create_table(
        "signin_pauses",
        sa.Column("key", sa.String(64), nullable=False),
        sa.Column("until", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("key", name="pk_signin_pauses"),
    )


def downgrade() -> None:
    op.drop_table("signin_pauses")
    op.drop_index("ix_signin_failures_key_at", table_name="signin_failures")
    op.drop_table("signin_failures")
