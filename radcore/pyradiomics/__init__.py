"""PyRadiomics compatibility: its params files, image types, feature definitions and column names.

The matrices come from the shared kernels in :mod:`radcore.kernels`; this package holds PyRadiomics'
settings, preprocessing conventions and formulas where they differ from the IBSI ones.
"""
