"""The research application service: exports, psychometric reports and the disclosure audit.

Where the researcher's side meets storage and statistics, next to :mod:`webapp.results`
(the manager's side). ``samen export``, ``samen audit`` and the research pages call these
functions; they decide nothing about disclosure themselves:

- :func:`export_wave` loads a closed wave, makes it k-anonymous on its quasi-identifiers
  with :func:`engine.disclosure.export.k_anonymize`, shuffles and writes it with
  :mod:`webapp.exports` (:func:`export_zip` for a download);
- :func:`wave_report` runs :func:`engine.report.pipeline.analyze` on a closed wave's scored scales
  once per instrument (reliability and aggregation per scale, with aggregation statistics
  over the units of at least k responses; factor structure per instrument);
- :func:`audit_survey` rebuilds every view a role can request from the results service's
  rules and has :func:`engine.disclosure.audit.audit` check it.

The code lives in :mod:`webapp.research.exporting`, :mod:`webapp.research.reporting` and
:mod:`webapp.research.auditing`.
"""

from webapp.research.auditing import SurveyAudit, audit_survey, served_cells
from webapp.research.exporting import (
    FORMATS,
    ExportFiles,
    export_frame,
    export_wave,
    export_zip,
    quasi_identifiers,
)
from webapp.research.reporting import report_json, scale_specs, wave_report

__all__ = [
    "FORMATS",
    "ExportFiles",
    "SurveyAudit",
    "audit_survey",
    "export_frame",
    "export_wave",
    "export_zip",
    "quasi_identifiers",
    "report_json",
    "scale_specs",
    "served_cells",
    "wave_report",
]
