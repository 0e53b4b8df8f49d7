"""Who may ask for which unit's results.

Two scopes, both derived from the account's role and unit:

- *request scope* (:func:`viewable_units`): the units whose results a caller may request by
  URL. admin and researcher: every unit; manager: their unit and everything below it.
  Anything else answers 403.
- *disclosure scope* (:func:`disclosure_scope`): the units whose numbers the caller's pages
  can show, which for a manager adds the parent unit and the organisation as comparison
  figures. It is :func:`engine.disclosure.audit_views.role_scope`, the same scope the audit checks.

A researcher's request scope is every unit because the rules of :mod:`engine.disclosure.rules`
apply to every number they see, exactly as for an admin: no unit-level view below k, no
complementary suppression undone. Accounts belong to the installation, so every survey's
results are in scope for admins and researchers, and a manager's unit in every survey.

``parent`` is the tree of the wave asked about: for a closed wave the tree it closed with
(:meth:`webapp.results.data.SurveyContext.at_wave`), so a manager's scope in a closed wave is
their unit's subtree as it was then, by unit code, whatever moved since.
"""

from __future__ import annotations

from collections.abc import Mapping

from engine.disclosure.audit_views import role_scope
from surveys.users import UserInfo

__all__ = ["AccessDenied", "check_unit", "disclosure_scope", "subtree", "viewable_units"]


class AccessDenied(Exception):
    """The unit is outside the caller's scope (HTTP 403)."""


def subtree(parent: Mapping[str, str | None], unit: str) -> frozenset[str]:
    """``unit`` and every unit below it."""
    children: dict[str, list[str]] = {u: [] for u in parent}
    for code, up in parent.items():
        if up is not None and up in children:
            children[up].append(code)
    out: set[str] = set()
    stack = [unit]
    while stack:
        code = stack.pop()
        if code in out or code not in parent:
            continue
        out.add(code)
        stack.extend(children[code])
    return frozenset(out)


def viewable_units(user: UserInfo, parent: Mapping[str, str | None]) -> frozenset[str]:
    """Units whose results ``user`` may request."""
    if user.role in ("admin", "researcher"):
        return frozenset(parent)
    if user.role == "manager" and user.unit_code in parent:
        return subtree(parent, user.unit_code)
    return frozenset()


def check_unit(user: UserInfo, parent: Mapping[str, str | None], unit: str) -> None:
    """Raise :class:`AccessDenied` unless ``user`` may request ``unit``."""
    if unit not in viewable_units(user, parent):
        raise AccessDenied(f"unit {unit!r} is outside your scope")


def disclosure_scope(user: UserInfo, parent: Mapping[str, str | None]) -> frozenset[str]:
    """Units whose numbers ``user`` can be shown (before suppression)."""
    if user.role == "manager":
        if user.unit_code not in parent:
            return frozenset()
        return role_scope(parent, "manager", user.unit_code)
    if user.role in ("admin", "researcher"):
        return role_scope(parent, user.role)  # type: ignore[arg-type]
    return frozenset()
