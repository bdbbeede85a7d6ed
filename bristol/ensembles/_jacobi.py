"""Jacobi (MANOVA) ensembles: the eigenvalues of A (A + B)^-1 for independent Wishart matrices A and B.

:func:`manova` samples the dense form (beta = 1, 2, 4): A = G1 G1^H and B = G2 G2^H with G1 (n x m1)
and G2 (n x m2) independent Gaussian factors of :func:`bristol.ensembles.wishart` (real, complex or
quaternion). With L the Cholesky factor of A + B and Y = L^-1 G1, the matrix Y Y^H = L^-1 A L^-H is
Hermitian with the eigenvalues of A (A + B)^-1, all in [0, 1] (docs/theory.md, section 7.3).

:func:`jacobi_eigvals` samples the same law for any beta > 0 and real m1, m2 > n - 1 from the
Edelman-Sutton beta-Jacobi model (Found. Comput. Math. 8, 259 (2008); docs/theory.md, section 7.4):
the squared singular values of an n x n upper bidiagonal block of a CS decomposition whose angles
have independent Beta laws, found by LAPACK's ``sterf`` in O(n^2).
"""
from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray

from .._random import RandomState, as_generator
from .._validation import SizeLike, check_degrees_of_freedom, check_int, check_memory, check_size
from ._gaussian import _REAL_BYTES
from ._laguerre import (
    _DENSE_WORK_ARRAYS,
    _bidiagonal_gram_eigvals,
    _check_dense_beta,
    _check_model_beta,
    _dense_bytes,
    _gaussian_factor,
    _gram,
)

__all__ = ["manova", "jacobi_eigvals", "jacobi_bidiagonal_model"]

#: Peak memory of :func:`jacobi_eigvals`, in arrays of ``size + (n,)`` floats.
_JACOBI_WORK_ARRAYS = 8


def _check_jacobi(n: object, m1: object, m2: object, beta: object) -> tuple[int, float, float, float]:
    """Validate (n, m1, m2, beta) of the Edelman-Sutton model: n >= 1, real m1, m2 > n - 1, beta > 0,
    beta (m1 + m2) <= 1e300."""
    n = check_int("n", n)
    m1 = check_degrees_of_freedom("m1", m1, n)
    m2 = check_degrees_of_freedom("m2", m2, n)
    return n, m1, m2, _check_model_beta(beta, m1 + m2, "(m1 + m2)")


def manova(n: int, m1: int, m2: int, beta: float = 1, size: SizeLike = None,
           random_state: RandomState = None) -> NDArray[np.float64]:
    """Eigenvalues of the MANOVA (Jacobi) ensemble: A (A + B)^-1, A and B independent Wishart.

    Parameters
    ----------
    n : int
        Matrix order n >= 1 (number of eigenvalues).
    m1, m2 : int
        Degrees of freedom of A = Wishart(n, m1) and B = Wishart(n, m2), each >= 1, with
        m1 + m2 >= n so that A + B is invertible.
    beta : {1, 2, 4}
        Real, complex or quaternion Gaussian factors (as in :func:`wishart`).
    size : None, int or tuple of ints
        Batch shape; ``None`` returns one spectrum.
    random_state : int, SeedSequence, Generator or None
        Source of randomness: an int or a SeedSequence is a fixed seed, a Generator a stream
        that advances, None fresh entropy (:mod:`bristol._random`).

    Returns
    -------
    ndarray of float, shape ``size + (n,)``
        The n distinct eigenvalues (one of each Kramers pair for beta = 4), ascending, in
        [0, 1].

    Raises
    ------
    ValueError
        For n, m1 or m2 < 1, m1 + m2 < n, beta not 1, 2 or 4, a negative size or seed, or a
        sample whose peak memory exceeds the machine's memory.
    TypeError
        For a non-integer n, m1, m2 or size, or a random_state of another type.

    See Also
    --------
    jacobi_eigvals : the same law for any beta > 0, in O(n^2).
    wishart : the dense Laguerre ensemble.

    Notes
    -----
    The eigenvalues are those of L^-1 A L^-H, L the Cholesky factor of A + B, found by
    ``numpy.linalg.eigvalsh`` in O(n^2 (n + m1 + m2)) per member. For n <= m1, m2 their
    density is proportional to prod ``|lambda_i - lambda_j|^beta``
    prod lambda_i^(beta (m1 - n + 1) / 2 - 1) (1 - lambda_i)^(beta (m2 - n + 1) / 2 - 1), and
    E sum lambda = n m1 / (m1 + m2) whenever m1 + m2 >= n (docs/theory.md, section 7.3).

    Examples
    --------
    >>> import numpy as np
    >>> from bristol.ensembles import manova
    >>> lam = manova(4, 6, 5, beta=2, size=3, random_state=0)
    >>> lam.shape, bool(np.all((lam >= 0) & (lam <= 1)))
    ((3, 4), True)
    """
    n = check_int("n", n)
    m1 = check_int("m1", m1)
    m2 = check_int("m2", m2)
    if m1 + m2 < n:
        raise ValueError(f"m1 + m2 must be at least n = {n} (A + B is singular otherwise), got {m1} + {m2}")
    beta = _check_dense_beta(beta)
    shape = check_size(size, (n,))
    check_memory(f"manova(n={n}, m1={m1}, m2={m2}, size={size!r})",
                 _DENSE_WORK_ARRAYS * _dense_bytes(beta) * math.prod(shape) * n * (n + m1 + m2))
    rng = as_generator(random_state)
    g1 = _gaussian_factor(n, m1, beta, shape, rng)
    chol = np.linalg.cholesky(_gram(g1) + _gram(_gaussian_factor(n, m2, beta, shape, rng)))
    lam = np.linalg.eigvalsh(_gram(np.linalg.solve(chol, g1)))
    if beta == 4:
        lam = lam[..., 0::2]
    return np.clip(lam, 0.0, 1.0)


def jacobi_bidiagonal_model(n: int, m1: float, m2: float, beta: float, shape: tuple[int, ...],
                            rng: np.random.Generator) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Diagonal and super-diagonal of the upper-left block B11 of the Edelman-Sutton beta-Jacobi matrix.

    Parameters
    ----------
    n : int
        Order of the block (not checked).
    m1, m2 : float
        Reals > n - 1 (not checked, see :func:`jacobi_eigvals`).
    beta : float
        Dyson index > 0 (not checked).
    shape : tuple of int
        Batch shape.
    rng : numpy.random.Generator
        The stream the angles are drawn from.

    Returns
    -------
    diag : ndarray, shape ``shape + (n,)``
        c_n, c_{n-1} s'_{n-1}, ..., c_1 s'_1.
    sup : ndarray, shape ``shape + (n - 1,)``
        -s_n c'_{n-1}, ..., -s_2 c'_1.

    Notes
    -----
    With a = m1 - n and b = m2 - n: c_i = cos(theta_i), c_i^2 ~ Beta(beta (a + i) / 2,
    beta (b + i) / 2) for i = 1, ..., n, and c'_i = cos(phi_i), c'_i^2 ~ Beta(beta i / 2,
    beta (a + b + 1 + i) / 2) for i = 1, ..., n - 1, all independent; s = sqrt(1 - c^2)
    (docs/theory.md, section 7.4).

    References
    ----------
    .. [1] A. Edelman and B. D. Sutton, "The beta-Jacobi matrix model, the CS decomposition,
       and generalized singular value problems", Found. Comput. Math. 8, 259-285 (2008).

    Examples
    --------
    >>> import numpy as np
    >>> from bristol.ensembles._jacobi import jacobi_bidiagonal_model
    >>> diag, sup = jacobi_bidiagonal_model(4, 5.5, 6.0, 0.5, (2,), np.random.default_rng(0))
    >>> diag.shape, sup.shape, bool(np.all(np.abs(diag) <= 1))
    ((2, 4), (2, 3), True)
    """
    a, b = m1 - n, m2 - n
    i = np.arange(n, 0, -1.0)
    c = np.sqrt(rng.beta(np.broadcast_to(beta / 2 * (a + i), shape + (n,)), beta / 2 * (b + i)))
    j = np.arange(n - 1, 0, -1.0)
    c_prime = np.sqrt(rng.beta(np.broadcast_to(beta / 2 * j, shape + (n - 1,)), beta / 2 * (a + b + 1 + j)))
    diag = c.copy()
    diag[..., 1:] *= np.sqrt(1.0 - c_prime**2)
    return diag, -np.sqrt(1.0 - c[..., :-1] ** 2) * c_prime


def jacobi_eigvals(n: int, m1: float, m2: float, beta: float = 1, size: SizeLike = None,
                   random_state: RandomState = None) -> NDArray[np.float64]:
    """Eigenvalues of the Jacobi beta-ensemble (any beta > 0, real m1, m2 > n - 1), ascending, in [0, 1].

    Parameters
    ----------
    n : int
        Number of eigenvalues n >= 1.
    m1, m2 : float
        Degrees of freedom, any reals > n - 1 with beta (m1 + m2) <= 1e300 (those of A and B
        in :func:`manova`).
    beta : float, default 1
        Dyson index, any real > 0; 1, 2 and 4 give the law of :func:`manova`.
    size : None, int or tuple of ints
        Batch shape; ``None`` returns one spectrum.
    random_state : int, SeedSequence, Generator or None
        Source of randomness, as in :func:`manova`.

    Returns
    -------
    ndarray of float, shape ``size + (n,)``
        Eigenvalues, ascending along the last axis, in [0, 1].

    Raises
    ------
    ValueError
        For n < 1, m1 or m2 not a finite real > n - 1, beta not finite and > 0,
        beta (m1 + m2) above 1e300, a negative size or seed, or an output whose peak memory
        (about 8 arrays of its size) exceeds the machine's memory.
    TypeError
        For a non-integer n or size, a non-real m1, m2 or beta, or a random_state of another
        type.

    See Also
    --------
    manova : the dense form, beta = 1, 2, 4.

    Notes
    -----
    The eigenvalues are the squared singular values of the bidiagonal block B11 of the
    Edelman-Sutton beta-Jacobi model (:func:`jacobi_bidiagonal_model`), i.e. the eigenvalues
    of the tridiagonal B11^T B11, solved by LAPACK's ``sterf`` in O(n^2). Their density is
    proportional to prod ``|lambda_i - lambda_j|^beta``
    prod lambda_i^(beta (m1 - n + 1) / 2 - 1) (1 - lambda_i)^(beta (m2 - n + 1) / 2 - 1), and
    E sum lambda = n m1 / (m1 + m2) (docs/theory.md, sections 7.3 and 7.4). Rounding can push
    an eigenvalue a few ulps outside [0, 1]: such values are clipped.

    References
    ----------
    .. [1] A. Edelman and B. D. Sutton, "The beta-Jacobi matrix model, the CS decomposition,
       and generalized singular value problems", Found. Comput. Math. 8, 259-285 (2008).

    Examples
    --------
    >>> import numpy as np
    >>> from bristol.ensembles import jacobi_eigvals
    >>> lam = jacobi_eigvals(40, 45.5, 60, beta=0.5, size=3, random_state=0)
    >>> lam.shape, bool(np.all(np.diff(lam, axis=-1) >= 0)), bool(np.all((lam >= 0) & (lam <= 1)))
    ((3, 40), True, True)
    """
    n, m1, m2, beta = _check_jacobi(n, m1, m2, beta)
    shape = check_size(size, (n,))
    check_memory(f"jacobi_eigvals(n={n}, size={size!r})",
                 _REAL_BYTES * n * (_JACOBI_WORK_ARRAYS * math.prod(shape) + 4))
    lam = _bidiagonal_gram_eigvals(*jacobi_bidiagonal_model(n, m1, m2, beta, shape, as_generator(random_state)))
    return np.minimum(lam, 1.0, out=lam)
