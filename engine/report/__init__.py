"""The psychometric report behind ``samen analyze``: stages, tables and renderings.

``pipeline.analyze`` runs the stages (``stages``, ``factors``) on a response frame and returns
one result; ``tables``, ``render_text``, ``render_html`` and ``jsonable`` present it.
"""

__all__: list[str] = []
