"""Administration domain and storage: org tree, surveys, waves, invitations, responses, users."""

__all__: list[str] = []
