"""The result of ``samen audit``: :class:`SurveyAudit`, with what was checked and found.

Split from :mod:`webapp.research.auditing`, which re-exports it.
"""

from __future__ import annotations

from dataclasses import dataclass

from engine.disclosure.audit import AuditResult
from engine.disclosure.audit_comments import CommentFinding
from engine.disclosure.homogeneity import HomogeneityFinding

__all__ = ["SurveyAudit"]


@dataclass(frozen=True)
class SurveyAudit(AuditResult):
    """:class:`engine.disclosure.audit.AuditResult` of a whole survey, with what was checked.

    Attributes
    ----------
    views : int
        Views audited (numbers a role can be shown), over every wave and measure.
    groups : int
        Nonempty atoms (a unit's own members with one combination of demographic answers)
        per audited wave, summed.
    waves : tuple of str
        Waves audited; ``held`` the open waves, which release nothing yet.
    role : str
        Whose views: ``"every role"`` or the account given.
    filters : bool
        Whether the filtered views were audited.
    contexts : tuple of str
        Per finding, the wave and measure it is about (``"2026-1 item bel_mem_1"``).
    comment_findings : tuple of CommentFinding
        Sets of 1 to threshold-1 writers' comments derivable from the comment views, each
        with its wave in ``comment_contexts``; ``comment_views`` counts the views audited.
    """

    views: int = 0
    groups: int = 0
    waves: tuple[str, ...] = ()
    held: tuple[str, ...] = ()
    role: str = "every role"
    filters: bool = True
    contexts: tuple[str, ...] = ()
    comment_findings: tuple[CommentFinding, ...] = ()
    comment_contexts: tuple[str, ...] = ()
    comment_views: int = 0
    #: Views of programme evaluations (two groups of units per scale and wave), in ``views``.
    programme_views: int = 0
    #: Shown partitions of sensitive items with fewer than 2 respondents outside the largest
    #: part, alone or as a parent minus its shown children (issue 13), with their contexts.
    homogeneity_findings: tuple[HomogeneityFinding, ...] = ()
    homogeneity_contexts: tuple[str, ...] = ()
    homogeneity_views: int = 0
    #: Cells the change and equity views rest on (:mod:`webapp.research.audit_comparisons`),
    #: and those of them outside the audited views (each a finding; there must be none).
    comparison_cells: int = 0
    comparison_unserved: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return (
            not self.findings
            and not self.comment_findings
            and not self.comparison_unserved
            and not self.homogeneity_findings
        )

    def lines(self) -> list[str]:
        """One line per finding: the wave and measure, the group and its combination."""
        contexts = self.contexts or ("",) * len(self.findings)
        out = [
            f"{context}: {finding.describe()}" if context else finding.describe()
            for context, finding in zip(contexts, self.findings, strict=True)
        ]
        pairs = zip(self.comment_contexts, self.comment_findings, strict=True)
        out += [f"{context}: {finding.describe()}" for context, finding in pairs]
        same = zip(self.homogeneity_contexts, self.homogeneity_findings, strict=True)
        out += [f"{context}: {finding.describe()}" for context, finding in same]
        return out + [f"not an audited cell: {cell}" for cell in self.comparison_unserved]

    def summary(self) -> str:
        """The one line ``samen audit`` prints, e.g. ``checked 3974 views over 33 groups: no
        group smaller than 5 can be derived (waves: 2026-1; every role)``."""
        line = f"checked {self.views} views over {self.groups} groups"
        if self.programme_views:
            line += f" ({self.programme_views} of them of programme evaluations)"
        line += ": "
        if not self.findings:
            line += f"no group smaller than {self.k} can be derived"
        else:
            line += f"{len(self.findings)} finding(s) of a group smaller than {self.k}"
        if self.comment_views:
            line += f"; {self.comment_views} comment views: "
            if self.comment_findings:
                line += f"{len(self.comment_findings)} finding(s) of too few writers"
            else:
                line += "no set of comments by too few writers can be derived"
        if self.homogeneity_views:
            line += f"; {self.homogeneity_views} views under the homogeneity rule: "
            if self.homogeneity_findings:
                line += f"{len(self.homogeneity_findings)} homogeneity finding(s)"
            else:
                line += "none too uniform (at least 2 respondents outside the largest answer)"
        if self.comparison_cells:
            line += f"; change and equity views rest on {self.comparison_cells} cells: "
            if self.comparison_unserved:
                line += f"{len(self.comparison_unserved)} outside the audited views"
            else:
                line += "all among the audited views"
        details = [f"waves: {', '.join(self.waves) or 'none'}", self.role]
        if self.held:
            details.append(f"not yet released: {', '.join(self.held)}")
        if not self.filters:
            details.append("filters not audited")
        return f"{line} ({'; '.join(details)})"
