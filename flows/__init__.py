"""Prefect flows and deployments of radcore (orchestration only; the work lives in radcore.cohort)."""
