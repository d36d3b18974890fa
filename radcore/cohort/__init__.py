"""A cohort run: its owner (:class:`radcore.cohort.run.CohortRun`), planning, the per-batch worker, failures
as rows, and the Dask clusters it runs on (local, kept warm, started in the background).

Imports no Prefect: the flow in ``flows/`` is a face over :mod:`radcore.cohort.run`, as the command line is.
"""
