"""PyRadiomics compatibility: its params files, image types, feature definitions and column names.

This package holds PyRadiomics' settings, preprocessing, filters, formulas and names; its matrices come from
the ``radcore.kernels.pyrad_*`` kernels, which are not (yet) those of the IBSI families.
"""
