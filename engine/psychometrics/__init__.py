"""Psychometrics: scoring, reliability, polychoric correlations, factor structure, CFA, omega,
aggregation.

Each module is pure functions matching an R function (named in its numpydoc), with small
result dataclasses. ``scoring`` turns answers into scale scores; ``reliability`` gives alpha,
KMO and Bartlett; ``polychoric*`` the latent correlations; ``factors``, ``extraction`` and
``rotation`` the EFA; ``cfa`` and ``omega`` the confirmatory model and its reliabilities
(``cfa_model``, ``cfa_start``, ``cfa_derivatives`` and ``cfa_fit`` the ML fit behind it:
lavaan's parameter table and starting values, Fisher scoring; the multi-group CFA of
measurement invariance uses the same fit from :mod:`engine.comparisons.invariance`);
``aggregation`` ICC and rwg(j) for team-level scores.
"""

__all__: list[str] = []
