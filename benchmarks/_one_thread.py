"""Imported first by a benchmark that runs cases as a cohort worker does: numba, ITK and the BLAS get one
thread each, through the variables of :data:`radcore.cohort.cluster.WORKER_ENV`, set before those
libraries load (a variable already set is kept)."""

import os

for _name in ("NUMBA_NUM_THREADS", "ITK_GLOBAL_DEFAULT_NUMBER_OF_THREADS", "OMP_NUM_THREADS",
              "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_name, "1")
