"""Stored runs of the disclosure audit, and how many files each export pin wrote (issue 13).

``audit_runs``: one row per run of ``samen audit`` or the console's audit (survey, time,
who ran it, the result's summary line); the council page shows the latest beside the audit
recorded at consent. Staff data, no respondent data: a run describes views, never answers.

``export_pins.files``: files written with the pinned settings. A pin whose wave has no file
yet (an export refused or failed after it pinned) may be reset by an admin
(``samen export-pin reset``); once a file was written it cannot
(:mod:`surveys.export_pins`).

Revision ID: runs01
Revises: surv01
"""

import sqlalchemy as sa
from alembic import op

revision = "runs01"
down_revision = "surv01"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "audit_runs",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("survey_id", sa.Integer(), nullable=False),
        sa.Column("ran_at", sa.DateTime(), nullable=False),
        sa.Column("ran_by", sa.String(length=200), nullable=False),
        sa.Column("ok", sa.Boolean(), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["survey_id"],
            ["surveys.id"],
            name="fk_audit_runs_survey_id_surveys",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_audit_runs"),
    )
    op.add_column(
        "export_pins", sa.Column("files", sa.Integer(), nullable=False, server_default="0")
    )


def downgrade() -> None:
    with op.batch_alter_table("export_pins") as batch:  # export_pins: no cascade depends on it
        batch.drop_column("files")
    op.drop_table("audit_runs")
