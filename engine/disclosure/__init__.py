"""Disclosure control: which groups may be shown, and the audit that proves it.

``rules`` holds the minimum-group-size checks the results service applies; ``tree``, ``cells``
and ``export`` apply them to unit trees, table cells and the research export; ``audit`` and
its ``audit_*`` companions enumerate every view a role can request and prove that no group
below k follows from them, directly or by subtraction.
"""

__all__: list[str] = []
