"""Numba kernels: arrays in, arrays out (no objects, no logging, fixed dtypes)."""
