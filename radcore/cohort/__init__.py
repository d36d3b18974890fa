"""Cohort extraction: planning batches, the per-batch worker, Dask worker set-up.

Imports no Prefect: the flow in ``flows/`` orchestrates these pieces.
"""
