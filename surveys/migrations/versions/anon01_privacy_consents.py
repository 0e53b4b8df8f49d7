"""Works-council consent to a survey's privacy profile, and recorded changes (issue 13).

``privacy_consents`` holds who consented (a body and date as given, e.g. "OR, 2026-12-01"),
the consented profile (JSON) and the audit summary then; ``privacy_changes`` what changed in
a consented profile and on which day. Staff data only: nothing about respondents.

Revision ID: anon01
Revises: plan01 (main's head at the merge of main into i-anon)
"""

import sqlalchemy as sa
from alembic import op

revision = "anon01"
down_revision = "plan01"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "privacy_consents",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("survey_id", sa.Integer(), nullable=False),
        sa.Column("consented_by", sa.String(200), nullable=False),
        sa.Column("consented_on", sa.Date(), nullable=False),
        sa.Column("profile", sa.Text(), nullable=False),
        sa.Column("audit", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["survey_id"],
            ["surveys.id"],
            name="fk_privacy_consents_survey_id_surveys",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_privacy_consents"),
    )
    op.create_table(
        "privacy_changes",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("survey_id", sa.Integer(), nullable=False),
        sa.Column("changed_on", sa.Date(), nullable=False),
        sa.Column("what", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["survey_id"],
            ["surveys.id"],
            name="fk_privacy_changes_survey_id_surveys",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_privacy_changes"),
    )


def downgrade() -> None:
    op.drop_table("privacy_changes")
    op.drop_table("privacy_consents")
