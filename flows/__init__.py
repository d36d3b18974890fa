"""Prefect flows and deployments of radcore (orchestration only; the work lives in radcore.cohort).

Installed as the package ``radcore_flows`` (see pyproject.toml); from a checkout ``prefect deploy
flows/cohort.py:cohort_flow`` loads the flow by path.
"""
