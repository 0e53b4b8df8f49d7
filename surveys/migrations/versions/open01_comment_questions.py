"""Comments name the open question they answer: ``comments.question``.

An instrument may ask open questions of its own (instruments/FORMAT.md, ``open_questions``);
their answers are comments with the question's id. NULL is the survey's general open comment
(the ``open_comments`` module), so every comment stored before this migration keeps its
meaning. The column says which question, never which response: comments stay apart from the
response they came with.

Revision ID: open01
Revises: anon01
"""

import sqlalchemy as sa
from alembic import op

revision = "open01"
down_revision = "anon01"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("comments", sa.Column("question", sa.String(64), nullable=True))


def downgrade() -> None:
    # Answers to open questions would read as general comments without the column: drop them.
    op.execute("DELETE FROM comments WHERE question IS NOT NULL")
    op.execute("ALTER TABLE comments DROP COLUMN question")
