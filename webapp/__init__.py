"""Flask application and the ``samen`` command line."""

__all__: list[str] = []
