"""The cohort report: one self-contained HTML page of a result dataset (``radcore report DATASET``).

:func:`build_report` writes it; :mod:`radcore.report.analysis` holds the statistics (robust z-scores,
outlying cases and groups, correlation with volume, feature clusters), :mod:`radcore.report.cohort` applies
them to a dataset, :mod:`radcore.report.plots` draws and :mod:`radcore.report.html` assembles.
"""

from radcore.report.build import REPORT_NAME, ReportSummary, build_report

__all__ = ["REPORT_NAME", "ReportSummary", "build_report"]
