"""Initial schema: units, surveys, waves, invitations, responses, comments, counters.

Revision ID: 0001
Revises:
"""

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "units",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(64), nullable=False),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("manager_email", sa.String(254), nullable=True),
        sa.ForeignKeyConstraint(["parent_id"], ["units.id"], name="fk_units_parent_id_units"),
        sa.PrimaryKeyConstraint("id", name="pk_units"),
        sa.UniqueConstraint("code", name="uq_units_code"),
    )
    op.create_index("ix_units_parent_id", "units", ["parent_id"])
    op.create_table(
        "surveys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(64), nullable=False),
        sa.Column("definition", sa.Text(), nullable=False),
        sa.Column("open_token", sa.String(64), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_surveys"),
        sa.UniqueConstraint("slug", name="uq_surveys_slug"),
        sa.UniqueConstraint("open_token", name="uq_surveys_open_token"),
    )
    op.create_table(
        "waves",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("survey_id", sa.Integer(), nullable=False),
        sa.Column("label", sa.String(64), nullable=False),
        sa.Column("state", sa.String(10), nullable=False),
        sa.Column("opened_on", sa.Date(), nullable=False),
        sa.Column("closed_on", sa.Date(), nullable=True),
        sa.Column("purged_on", sa.Date(), nullable=True),
        sa.Column("open_secret", sa.LargeBinary(32), nullable=True),
        sa.ForeignKeyConstraint(
            ["survey_id"], ["surveys.id"], name="fk_waves_survey_id_surveys", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_waves"),
        sa.UniqueConstraint("survey_id", "label", name="uq_waves_survey_id"),
    )
    op.create_table(
        "invitations",
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("wave_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("language", sa.String(8), nullable=True),
        sa.ForeignKeyConstraint(
            ["wave_id"], ["waves.id"], name="fk_invitations_wave_id_waves", ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"], name="fk_invitations_unit_id_units"),
        sa.PrimaryKeyConstraint("token_hash", name="pk_invitations"),
    )
    op.create_index("ix_invitations_wave_id", "invitations", ["wave_id"])
    for table in ("responses", "comments"):
        columns: list[sa.Column[Any]] = [
            sa.Column("id", sa.String(32), nullable=False),
            sa.Column("wave_id", sa.Integer(), nullable=False),
            sa.Column("unit_id", sa.Integer(), nullable=False),
            sa.Column("language", sa.String(8), nullable=False),
        ]
        if table == "responses":
            columns += [
                sa.Column("answers", sa.Text(), nullable=False),
                sa.Column("demographics", sa.Text(), nullable=True),
            ]
        else:
            columns += [sa.Column("text", sa.Text(), nullable=False)]
        op.create_table(
            table,
            *columns,
            sa.ForeignKeyConstraint(
                ["wave_id"], ["waves.id"], name=f"fk_{table}_wave_id_waves", ondelete="CASCADE"
            ),
            sa.ForeignKeyConstraint(["unit_id"], ["units.id"], name=f"fk_{table}_unit_id_units"),
            sa.PrimaryKeyConstraint("id", name=f"pk_{table}"),
            sqlite_with_rowid=False,
        )
        op.create_index(f"ix_{table}_wave_unit", table, ["wave_id", "unit_id"])
    op.create_table(
        "daily_counts",
        sa.Column("wave_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["wave_id"], ["waves.id"], name="fk_daily_counts_wave_id_waves", ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"], name="fk_daily_counts_unit_id_units"),
        sa.PrimaryKeyConstraint("wave_id", "unit_id", "day", name="pk_daily_counts"),
    )
    op.create_table(
        "open_clients",
        sa.Column("wave_id", sa.Integer(), nullable=False),
        sa.Column("key_hash", sa.String(64), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["wave_id"], ["waves.id"], name="fk_open_clients_wave_id_waves", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("wave_id", "key_hash", name="pk_open_clients"),
    )


def downgrade() -> None:
    for table in (
        "open_clients",
        "daily_counts",
        "comments",
        "responses",
        "invitations",
        "waves",
        "surveys",
        "units",
    ):
        op.drop_table(table)
