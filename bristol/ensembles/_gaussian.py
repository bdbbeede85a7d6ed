"""Gaussian beta-ensembles (GOE, GUE, GSE and any beta > 0) and mixed ensembles.

Normalisation (docs/theory.md, section 4.1): every real component of a seed matrix A is standard normal
and H = (A + A^*)/2, so that

* GOE (beta = 1): A real N x N; H_ii ~ N(0, 1), H_ij ~ N(0, 1/2);
* GUE (beta = 2): A complex; H_ii ~ N(0, 1), Re/Im H_ij ~ N(0, 1/2);
* GSE (beta = 4): A = [[X, Y], [-conj(Y), conj(X)]] with X, Y complex N x N, laid out in 2 x 2
  quaternion blocks (rows 2j, 2j+1 belong to quaternion j), so H is a 2N x 2N Hermitian
  self-dual matrix (``quaternion_dual(H) == H``) whose eigenvalues are doubly degenerate;

all with eigenvalue density proportional to prod |lambda_i - lambda_j|^beta exp(-sum lambda^2 / 2)
over the N distinct eigenvalues. The spectrum fills [-R, R], R = sqrt(2 beta N).

Eigenvalues for any beta > 0 come from the Dumitriu-Edelman tridiagonal model (docs/theory.md,
section 4.2; J. Math. Phys.
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
from numpy.typing import NDArray
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

#: Dyson index of each named Gaussian ensemble.
GAUSSIAN_BETA = {"GOE": 1.0, "GUE": 2.0, "GSE": 4.0}
#: Largest beta (N - 1) of the tridiagonal model: its chi-square degrees of freedom stay finite.
MAX_BETA_DOF = 1e300
#: Peak memory of the dense samplers, in arrays of the output's size.
_DENSE_WORK_ARRAYS = 3
#: Peak memory of :func:`gaussian_eigvals`, in arrays of ``size + (n,)`` floats.
_TRIDIAGONAL_WORK_ARRAYS = 4
#: Bytes of one float64 and of one complex128 entry.
_REAL_BYTES, _COMPLEX_BYTES = 8, 16


def _check_dense(kind: str, n: int, size: SizeLike, bytes_per_entry: int) -> tuple[int, tuple[int, ...]]:
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


def _complex_normal(rng: np.random.Generator, shape: tuple[int, ...]) -> NDArray[np.complex128]:
    """Complex array of ``shape`` with independent standard normal real and imaginary parts."""
    return rng.standard_normal(shape + (2,)).view(np.complex128)[..., 0]


def _quaternion_normal(rng: np.random.Generator, shape: tuple[int, ...]) -> NDArray[np.complex128]:
    """Quaternion-real Gaussian matrices [[X, Y], [-conj(Y), conj(X)]] of quaternion ``shape``
    ``batch + (r, c)``: X, Y from :func:`_complex_normal`, laid out in 2 x 2 quaternion blocks (rows
    2j, 2j+1 and columns 2k, 2k+1 hold quaternion (j, k)), so the result has shape ``batch + (2r, 2c)``."""
    x, y = _complex_normal(rng, shape), _complex_normal(rng, shape)
    a = np.empty(shape[:-2] + (2 * shape[-2], 2 * shape[-1]), dtype=complex)
    a[..., 0::2, 0::2] = x
    a[..., 0::2, 1::2] = y
    a[..., 1::2, 0::2] = -np.conj(y)
    a[..., 1::2, 1::2] = np.conj(x)
    return a


def _hermitian_part(a: NDArray[np.complex128]) -> NDArray[np.complex128]:
    """(a + a^H) / 2 of a (batch of) square matrices."""
    return 0.5 * (a + np.conj(np.swapaxes(a, -1, -2)))




def goe(n: int, size: SizeLike = None, random_state: RandomState = None) -> NDArray[np.float64]:
    """Sample the Gaussian orthogonal ensemble: H = (A + A^T)/2, A with i.i.d. N(0, 1) entries.

    Parameters
    ----------
    n : int
        Matrix order N >= 1.
    size : None, int or tuple of ints
        Batch shape; ``None`` returns one matrix.
    random_state : int, SeedSequence, Generator or None
        Source of randomness: an int or a SeedSequence is a fixed seed, a Generator a stream
        that advances, None fresh entropy (:mod:`bristol._random`).

    Returns
    -------
    ndarray of float, shape ``size + (n, n)``
        Real symmetric matrices.

    Raises
    ------
    ValueError
        For n < 1, a negative size or seed, or an output whose peak memory (about 3 arrays of
        its size) exceeds the machine's memory.
    TypeError
        For a non-integer n or size, or a random_state of another type.

    See Also
    --------
    gaussian_eigvals : the eigenvalues alone, any beta > 0, in O(N^2).

    Notes
    -----
    H_ii ~ N(0, 1) and H_ij ~ N(0, 1/2) for i < j, so that the eigenvalue density is
    proportional to prod ``|lambda_i - lambda_j|`` exp(-sum lambda^2 / 2) (docs/theory.md,
    section 4.1); the spectrum fills [-sqrt(2N), sqrt(2N)].

    Examples
    --------
    >>> import numpy as np
    >>> from bristol.ensembles import goe
    >>> h = goe(4, size=2, random_state=0)
    >>> h.shape, bool(np.array_equal(h, h.swapaxes(-1, -2)))
    ((2, 4, 4), True)
    """
    n, shape = _check_dense("goe", n, size, _REAL_BYTES)
    a = as_generator(random_state).standard_normal(shape + (n, n))
    return 0.5 * (a + np.swapaxes(a, -1, -2))


def gue(n: int, size: SizeLike = None, random_state: RandomState = None) -> NDArray[np.complex128]:
    """Sample the Gaussian unitary ensemble: H = (A + A^H)/2, A with i.i.d. complex normal entries.

    Parameters
    ----------
    n, size, random_state
        As in :func:`goe`.

    Returns
    -------
    ndarray of complex, shape ``size + (n, n)``
        Hermitian matrices.

    Raises
    ------
    ValueError, TypeError
        As :func:`goe`.

    Notes
    -----
    The real and imaginary parts of A are independent standard normals: H_ii ~ N(0, 1),
    Re H_ij and Im H_ij ~ N(0, 1/2) (docs/theory.md, section 4.1), beta = 2.

    Examples
    --------
    >>> import numpy as np
    >>> from bristol.ensembles import gue
    >>> h = gue(3, random_state=1)
    >>> h.shape, bool(np.array_equal(h, h.conj().T))
    ((3, 3), True)
    """
    n, shape = _check_dense("gue", n, size, _COMPLEX_BYTES)
    return _hermitian_part(_complex_normal(as_generator(random_state), shape + (n, n)))


def gse(n: int, size: SizeLike = None, random_state: RandomState = None) -> NDArray[np.complex128]:
    """Sample the Gaussian symplectic ensemble of size N as 2N x 2N Hermitian self-dual matrices.

    Parameters
    ----------
    n : int
        Number of quaternion dimensions N >= 1: the matrices are 2N x 2N.
    size, random_state
        As in :func:`goe`.

    Returns
    -------
    ndarray of complex, shape ``size + (2n, 2n)``
        Hermitian self-dual matrices.

    Raises
    ------
    ValueError, TypeError
        As :func:`goe`.

    Notes
    -----
    H = (A + A^H)/2 with A the quaternion-real matrix [[X, Y], [-conj(Y), conj(X)]] (X, Y with
    standard normal real and imaginary parts), laid out in 2 x 2 quaternion blocks. Every
    eigenvalue is doubly degenerate (Kramers), beta = 4 (docs/theory.md, section 4.1).

    Examples
    --------
    >>> import numpy as np
    >>> from bristol.ensembles import gse, quaternion_dual
    >>> h = gse(2, random_state=2)
    >>> h.shape, bool(np.allclose(quaternion_dual(h), h))
    ((4, 4), True)
    >>> lam = np.linalg.eigvalsh(h)
    >>> bool(np.allclose(lam[0::2], lam[1::2]))
    True
    """
    n, shape = _check_dense("gse", n, size, _COMPLEX_BYTES)
    return _hermitian_part(_quaternion_normal(as_generator(random_state), shape + (n, n)))


def _tridiagonal_eigvals(diag: NDArray[np.float64], off: NDArray[np.float64]) -> NDArray[np.float64]:
    """Ascending eigenvalues of a batch of symmetric tridiagonal matrices by LAPACK's ``sterf``
    (order 1 and empty batches, which ``sterf`` does not take, as they are)."""
    if diag.shape[-1] == 1 or diag.size == 0:
        return diag.copy()
    return eigvalsh_tridiagonal(diag, off, lapack_driver="sterf")


def tridiagonal_model(
    n: int, beta: float, shape: tuple[int, ...], rng: np.random.Generator
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Diagonal and off-diagonal of the Dumitriu-Edelman beta-Hermite matrix.

    Parameters
    ----------
    n : int
        Matrix order (not checked).
    beta : float
        Dyson index > 0 (not checked, see :func:`gaussian_eigvals`).
    shape : tuple of int
        Batch shape.
    rng : numpy.random.Generator
        The stream the entries are drawn from.

    Returns
    -------
    diag : ndarray, shape ``shape + (n,)``
        N(0, 1) entries.
    off : ndarray, shape ``shape + (n - 1,)``
        chi_{beta k} / sqrt(2) for k = n-1, ..., 1.

    Examples
    --------
    >>> import numpy as np
    >>> from bristol.ensembles._gaussian import tridiagonal_model
    >>> diag, off = tridiagonal_model(5, 2.0, (3,), np.random.default_rng(0))
    >>> diag.shape, off.shape, bool(np.all(off >= 0))
    ((3, 5), (3, 4), True)

    References
    ----------
    .. [1] I. Dumitriu and A. Edelman, "Matrix models for beta ensembles", J. Math. Phys. 43,
       5830-5847 (2002), arXiv:math-ph/0206043.
    """
    diag = rng.standard_normal(shape + (n,))
    dof = beta * np.arange(n - 1, 0, -1)
    off = np.sqrt(rng.chisquare(np.broadcast_to(dof, shape + (n - 1,))) / 2.0) if n > 1 else np.zeros(shape + (0,))
    return diag, off


def gaussian_eigvals(
    n: int, beta: float = 1, size: SizeLike = None, random_state: RandomState = None
) -> NDArray[np.float64]:
    """Eigenvalues of the Gaussian beta-ensemble (any beta > 0), ascending, exact in distribution.

    Parameters
    ----------
    n : int
        Number of eigenvalues N >= 1.
    beta : float, default 1
        Dyson index: any real > 0 with beta (N - 1) <= ``MAX_BETA_DOF`` (1e300); 1, 2 and 4
        give the GOE, GUE and GSE.
    size : None, int or tuple of ints
        Batch shape; ``None`` returns one spectrum.
    random_state : int, SeedSequence, Generator or None
        Source of randomness, as in :func:`goe`.

    Returns
    -------
    ndarray of float, shape ``size + (n,)``
        Eigenvalues, ascending along the last axis.

    Raises
    ------
    ValueError
        For n < 1, beta not finite and > 0 or beta (N - 1) > 1e300, a negative size or seed,
        or an output whose peak memory (about 4 arrays of its size) exceeds the machine's
        memory.
    TypeError
        For a non-integer n or size, a non-real beta, or a random_state of another type.

    See Also
    --------
    gaussian_ensemble_eigvals : many members in chunks, in parallel.

    Notes
    -----
    The Dumitriu-Edelman tridiagonal model (docs/theory.md, section 4.2): diagonal N(0, 1),
    off-diagonal chi_{beta k} / sqrt(2) for k = N-1, ..., 1, solved by LAPACK's ``sterf`` in
    O(N^2). Its eigenvalues have the joint density proportional to
    prod ``|lambda_i - lambda_j|^beta`` exp(-sum lambda^2 / 2): for beta = 1, 2, 4 the law of the
    N distinct eigenvalues of :func:`goe`, :func:`gue`, :func:`gse`. The spectrum fills
    [-sqrt(2 beta N), sqrt(2 beta N)] (the semicircle, docs/theory.md, section 4.3).

    References
    ----------
    .. [1] I. Dumitriu and A. Edelman, "Matrix models for beta ensembles", J. Math. Phys. 43,
       5830-5847 (2002), arXiv:math-ph/0206043.

    Examples
    --------
    >>> import numpy as np
    >>> from bristol.ensembles import gaussian_eigvals
    >>> lam = gaussian_eigvals(50, beta=2.5, size=3, random_state=0)
    >>> lam.shape, bool(np.all(np.diff(lam, axis=-1) >= 0))
    ((3, 50), True)
    >>> bool(np.array_equal(lam, gaussian_eigvals(50, beta=2.5, size=3, random_state=0)))
    True
    """
    n = check_int("n", n)
    beta = _check_gaussian_beta(n, beta)
    shape = check_size(size, (n,))
    # the work arrays of every member, and the n degrees of freedom shared by all
    check_memory(f"gaussian_eigvals(n={n}, size={size!r})",
                 _REAL_BYTES * n * (_TRIDIAGONAL_WORK_ARRAYS * math.prod(shape) + 1))
    return _tridiagonal_eigvals(*tridiagonal_model(n, beta, shape, as_generator(random_state)))
