"""Imported first by a benchmark that runs cases as a cohort worker does: numba, ITK and the BLAS get one
thread each, through the variables of :data:`radcore.cohort.cluster.WORKER_ENV`, set before those
libraries load (a variable already set is kept); and Blosc compresses on the calling thread alone, as in a
worker, whose tasks run off the main thread (numcodecs starts Blosc's own threads only from the main
thread: in a benchmark's main thread they added about 0.3 s of CPU per realistic CT case)."""

import os

for _name in ("NUMBA_NUM_THREADS", "ITK_GLOBAL_DEFAULT_NUMBER_OF_THREADS", "OMP_NUM_THREADS",
              "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_name, "1")

import numcodecs.blosc  # noqa: E402

numcodecs.blosc.use_threads = False
