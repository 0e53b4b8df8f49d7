"""Administration domain and storage: org tree, surveys, waves, invitations, responses, users.

Modules (import what you need; nothing heavy is imported here):

- ``surveys.db``: :class:`~surveys.db.Database` (SQLite or PostgreSQL), migrations.
- ``surveys.org``: the organisation tree and its CSV import.
- ``surveys.survey_store`` / ``surveys.survey_definition``: survey YAML files, stored definitions.
- ``surveys.waves``: open and close survey rounds (closing rewrites rows in random order).
- ``surveys.invitations``, ``surveys.mail``: tokens (stored as hashes), links, e-mail.
- ``surveys.responses``, ``surveys.openlink``, ``surveys.response_import``: storing,
  counting and loading answers.
- ``surveys.privacy``, ``surveys.purge``: the privacy statement and deleting for good.
- ``surveys.demo``: the demo hospital; ``surveys.users``: staff accounts.
- ``surveys.errors``: the domain errors every service raises.
"""

__all__: list[str] = []
