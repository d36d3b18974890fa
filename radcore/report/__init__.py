"""The cohort report: one self-contained HTML page of a result dataset (``radcore report DATASET``).

:func:`build_report` writes it; :mod:`radcore.report.analysis` holds the statistics (robust z-scores,
outlying cases and groups, correlation with volume, feature clusters), :mod:`radcore.report.cohort` applies
them to a dataset, :mod:`radcore.report.plots` draws and :mod:`radcore.report.html` assembles.
"""

__all__ = ["REPORT_NAME", "ReportSummary", "build_report"]


def __getattr__(name: str):
    """The names of :data:`__all__`, imported from :mod:`radcore.report.build` on first use: drawing pulls
    in matplotlib, which a flow that only summarises the QC flags (:mod:`radcore.report.summary`) does not
    need."""
    if name in __all__:
        from radcore.report import build

        return getattr(build, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
