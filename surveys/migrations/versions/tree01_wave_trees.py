"""The tree a wave closed with: one snapshot per closed wave (``wave_units``).

A closed wave keeps the organisation tree it closed with; ``samen org import`` changes the
tree for later waves only (issue 14, path 2: moving a small unit to another parent after a
wave closed let a manager subtract the wave's results before and after the move).

Waves closed before this migration get the tree as it is *now*, at the upgrade: the trees
they were closed with are unknown, because the database kept none. If the tree was changed
since such a wave closed and its results were seen before the change, this migration cannot
undo that; from now on each closed wave is shown with exactly one tree.

Revision ID: tree01
Revises: wal01
"""

import sqlalchemy as sa
from alembic import op

revision = "tree01"
down_revision = "wal01"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "wave_units",
        sa.Column("wave_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(64), nullable=False),
        sa.Column("parent_code", sa.String(64), nullable=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.ForeignKeyConstraint(
            ["wave_id"], ["waves.id"], name="fk_wave_units_wave_id_waves", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("wave_id", "code", name="pk_wave_units"),
    )
    # Closed waves: the current tree (the one they closed with is unknown; see above).
    op.execute(
        "INSERT INTO wave_units (wave_id, code, parent_code, name) "
        "SELECT w.id, u.code, p.code, u.name "
        "FROM waves w CROSS JOIN units u LEFT JOIN units p ON p.id = u.parent_id "
        "WHERE w.state = 'closed'"
    )


def downgrade() -> None:
    op.drop_table("wave_units")
