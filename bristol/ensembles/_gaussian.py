"""Gaussian beta-ensembles (GOE, GUE, GSE and any beta > 0) and mixed ensembles.

Normalisation (theory.md 4.1): every real component of a seed matrix A is standard normal
and H = (A + A^*)/2, so that

* GOE (beta = 1): A real N x N; H_ii ~ N(0, 1), H_ij ~ N(0, 1/2);
* GUE (beta = 2): A complex; H_ii ~ N(0, 1), Re/Im H_ij ~ N(0, 1/2);
* GSE (beta = 4): A = [[X, Y], [-conj(Y), conj(X)]] with X, Y complex N x N, laid out in 2 x 2
  quaternion blocks (rows 2j, 2j+1 belong to quaternion j), so H is a 2N x 2N Hermitian
  self-dual matrix (``quaternion_dual(H) == H``) whose eigenvalues are doubly degenerate;

all with eigenvalue density proportional to prod |lambda_i - lambda_j|^beta exp(-sum lambda^2 / 2)
over the N distinct eigenvalues. The spectrum fills [-R, R], R = sqrt(2 beta N).

Eigenvalues for any beta > 0 come from the Dumitriu-Edelman tridiagonal model (J. Math. Phys.
43, 5830 (2002)): diagonal N(0, 1), off-diagonal chi_{beta k} / sqrt(2) for k = N-1, ..., 1, all
independent -- the same law -- solved by LAPACK's tridiagonal eigenvalue routine in O(N^2).

The tridiagonal model needs beta (N - 1) <= ``MAX_BETA_DOF`` (1e300): beyond, the chi-square
degrees of freedom overflow; any beta > 0 below that bound is exact, down to the smallest
float (the off-diagonal then vanishes and the eigenvalues are N independent N(0, 1) values).

Every sampler takes a ``random_state``: an int or a SeedSequence is a fixed seed (the same
value gives the same result; a SeedSequence is never changed), a Generator a stream that
advances with each call, None fresh entropy (:mod:`bristol._random`).

Memory: the dense samplers need about 3 arrays of the output size (8 or 16 bytes per matrix
entry), :func:`gaussian_eigvals` about 4 arrays of ``size + (n,)`` floats; sizes that do not
fit in the machine's memory are refused with a ValueError before anything is allocated.

Mixed ensembles built from these: :mod:`bristol.ensembles._mixed`; chunked jobs:
:mod:`bristol.ensembles._jobs`.
"""
from __future__ import annotations

import math

import numpy as np
from scipy.linalg import eigvalsh_tridiagonal

from .._lazy import lazy_getattr
from .._random import RandomState, as_generator
from .._validation import SizeLike, check_int, check_memory, check_positive_real, check_size

__all__ = ["goe", "gue", "gse", "gaussian_eigvals", "tridiagonal_model", "GAUSSIAN_BETA", "MAX_BETA_DOF"]

#: Functions of ``bristol.gaussian`` (this module's path before 0.3.0's layout) that moved to modules
#: importing this one, so they load on first access (PEP 562).
__getattr__ = lazy_getattr(__name__, {
    "gaussian_ensemble_eigvals": "bristol.ensembles._jobs:gaussian_ensemble_eigvals",
    "mixed_ensemble_eigvals": "bristol.ensembles._mixed:mixed_ensemble_eigvals",
    "mixed_ensemble_orders": "bristol.ensembles._mixed:mixed_ensemble_orders",
})

GAUSSIAN_BETA = {"GOE": 1.0, "GUE": 2.0, "GSE": 4.0}
#: Largest beta (N - 1) of the tridiagonal model: its chi-square degrees of freedom stay finite.
MAX_BETA_DOF = 1e300
#: Peak memory of the dense samplers, in arrays of the output's size.
_DENSE_WORK_ARRAYS = 3
#: Peak memory of :func:`gaussian_eigvals`, in arrays of ``size + (n,)`` floats.
_TRIDIAGONAL_WORK_ARRAYS = 4


def _check_dense(kind: str, n: int, size: SizeLike, bytes_per_entry: int) -> tuple:
    """Validate ``n`` and ``size`` of a dense sampler and refuse outputs that cannot fit in memory;
    return (n, shape)."""
    n = check_int("n", n)
    dim = 2 * n if kind == "gse" else n
    shape = check_size(size, (dim, dim))
    check_memory(f"{kind}(n={n}, size={size!r})",
                 _DENSE_WORK_ARRAYS * bytes_per_entry * math.prod(shape) * dim * dim)
    return n, shape


def _check_gaussian_beta(n: int, beta: object) -> float:
    """Validate the Dyson index of the tridiagonal model of order ``n`` (see the module notes)."""
    beta = check_positive_real("beta", beta)
    if beta * (n - 1) > MAX_BETA_DOF:
        raise ValueError(
            f"beta = {beta:g} is too large for n = {n}: beta * (n - 1) must be at most {MAX_BETA_DOF:g} "
            "(the chi-square degrees of freedom of the tridiagonal model overflow beyond)"
        )
    return beta


def _complex_normal(rng: np.random.Generator, shape: tuple) -> np.ndarray:
    return rng.standard_normal(shape + (2,)).view(np.complex128)[..., 0]


def _hermitian_part(a: np.ndarray) -> np.ndarray:
    return 0.5 * (a + np.conj(np.swapaxes(a, -1, -2)))


def goe(n: int, size: SizeLike = None, random_state: RandomState = None) -> np.ndarray:
    """Gaussian orthogonal ensemble: H = (A + A^T)/2, A with i.i.d. N(0, 1) entries.
    Returns real symmetric matrices of shape ``size + (n, n)``; peak memory about 3 arrays of
    that size (larger is refused with a ValueError)."""
    n, shape = _check_dense("goe", n, size, 8)
    a = as_generator(random_state).standard_normal(shape + (n, n))
    return 0.5 * (a + np.swapaxes(a, -1, -2))


def gue(n: int, size: SizeLike = None, random_state: RandomState = None) -> np.ndarray:
    """Gaussian unitary ensemble: H = (A + A^H)/2, A with i.i.d. standard normal real and
    imaginary parts. Returns complex Hermitian matrices of shape ``size + (n, n)``; peak memory
    about 3 arrays of that size (larger is refused with a ValueError)."""
    n, shape = _check_dense("gue", n, size, 16)
    return _hermitian_part(_complex_normal(as_generator(random_state), shape + (n, n)))


def gse(n: int, size: SizeLike = None, random_state: RandomState = None) -> np.ndarray:
    """Gaussian symplectic ensemble of size N as 2N x 2N Hermitian self-dual matrices.

    H = (A + A^H)/2 with A the quaternion-real matrix [[X, Y], [-conj(Y), conj(X)]] (X, Y with
    standard normal real and imaginary parts), in 2 x 2 quaternion blocks. Every eigenvalue is
    doubly degenerate (Kramers). Returns shape ``size + (2n, 2n)``; peak memory about 3 arrays
    of that size (larger is refused with a ValueError).
    """
    n, shape = _check_dense("gse", n, size, 16)
    rng = as_generator(random_state)
    x, y = _complex_normal(rng, shape + (n, n)), _complex_normal(rng, shape + (n, n))
    a = np.empty(shape + (2 * n, 2 * n), dtype=complex)
    a[..., 0::2, 0::2] = x
    a[..., 0::2, 1::2] = y
    a[..., 1::2, 0::2] = -np.conj(y)
    a[..., 1::2, 1::2] = np.conj(x)
    return _hermitian_part(a)


def tridiagonal_model(n: int, beta: float, shape: tuple, rng: np.random.Generator):
    """Diagonal (shape + (n,)) and off-diagonal (shape + (n - 1,)) of the Dumitriu-Edelman
    beta-Hermite matrix: N(0, 1) and chi_{beta k}/sqrt(2), k = n-1, ..., 1."""
    diag = rng.standard_normal(shape + (n,))
    dof = beta * np.arange(n - 1, 0, -1)
    off = np.sqrt(rng.chisquare(np.broadcast_to(dof, shape + (n - 1,))) / 2.0) if n > 1 else np.zeros(shape + (0,))
    return diag, off


def gaussian_eigvals(n: int, beta: float = 1, size: SizeLike = None, random_state: RandomState = None) -> np.ndarray:
    """Eigenvalues of the Gaussian beta-ensemble (any beta > 0), ascending, exact in distribution.

    From the Dumitriu-Edelman tridiagonal model with LAPACK's ``sterf`` (O(N^2)); for beta = 1,
    2, 4 the same law as the N distinct eigenvalues of :func:`goe`, :func:`gue`, :func:`gse`.
    ``beta`` is any real > 0 with beta (n - 1) <= ``MAX_BETA_DOF`` (1e300). Returns shape
    ``size + (n,)``; peak memory about 4 arrays of that size (larger is refused with a ValueError).
    """
    n = check_int("n", n)
    beta = _check_gaussian_beta(n, beta)
    shape = check_size(size, (n,))
    # the work arrays of every member, and the n degrees of freedom shared by all
    check_memory(f"gaussian_eigvals(n={n}, size={size!r})", 8 * n * (_TRIDIAGONAL_WORK_ARRAYS * math.prod(shape) + 1))
    diag, off = tridiagonal_model(n, beta, shape, as_generator(random_state))
    if n == 1:
        return diag.copy()
    if diag.size == 0:
        return diag
    return eigvalsh_tridiagonal(diag, off, lapack_driver="sterf")
