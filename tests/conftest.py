import os

# Tests run with one BLAS thread per process (the chunk workers pin themselves anyway):
# the machine is shared and oversubscription makes LAPACK 10-100x slower.
for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(var, "1")
