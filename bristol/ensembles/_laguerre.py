"""Laguerre (Wishart) beta-ensembles: dense Wishart matrices (beta = 1, 2, 4) and eigenvalues for any beta > 0.

Normalisation (docs/theory.md, section 7.1), the one of :func:`bristol.ensembles.goe`: G is an n x m
Gaussian matrix whose every real component is standard normal -- real (beta = 1), complex (beta = 2)
or quaternion (beta = 4, written as a 2n x 2m complex matrix in the 2 x 2 block layout of
:func:`bristol.ensembles.gse`) -- and W = G G^H. For n <= m the n distinct eigenvalues have the joint
density proportional to prod ``|lambda_i - lambda_j|^beta`` prod lambda_i^(beta (m - n + 1) / 2 - 1)
exp(-sum lambda / 2).

Eigenvalues for any beta > 0 and any real m > n - 1 come from the Dumitriu-Edelman bidiagonal
model (J. Math. Phys. 43, 5830 (2002)): B lower bidiagonal with diagonal chi_{beta m},
chi_{beta (m - 1)}, ..., chi_{beta (m - n + 1)} and sub-diagonal chi_{beta (n - 1)}, ..., chi_beta,
all independent; the eigenvalues of the tridiagonal B B^T have the law above and are found by
LAPACK's ``sterf`` in O(n^2).

Memory is checked up front (:func:`bristol._validation.check_memory`), as for the Gaussian samplers.
"""
from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray

from .._random import RandomState, as_generator
from .._validation import SizeLike, check_degrees_of_freedom, check_int, check_memory, check_positive_real, check_size
from ._gaussian import (
    _COMPLEX_BYTES,
    _REAL_BYTES,
    MAX_BETA_DOF,
    _complex_normal,
    _quaternion_normal,
    _tridiagonal_eigvals,
)

__all__ = ["wishart", "laguerre_eigvals", "bidiagonal_model"]

#: Dyson indices with a dense (real, complex, quaternion) form.
DENSE_BETAS = (1.0, 2.0, 4.0)
#: Peak memory of the dense samplers, in arrays of the size of their Gaussian factors and output.
_DENSE_WORK_ARRAYS = 3
#: Peak memory of :func:`laguerre_eigvals`, in arrays of ``size + (n,)`` floats.
_BIDIAGONAL_WORK_ARRAYS = 5


def _check_dense_beta(beta: object) -> float:
    """Validate the Dyson index of a dense sampler: 1, 2 or 4."""
    value = check_positive_real("beta", beta)
    if value not in DENSE_BETAS:
        raise ValueError(f"beta must be 1, 2 or 4 for a dense matrix (real, complex, quaternion), got {beta!r}; "
                         "the eigenvalue samplers take any beta > 0")
    return value


def _dense_bytes(beta: float) -> int:
    """Bytes per complex-matrix entry of a dense sampler, times 4 for the 2 x 2 quaternion blocks."""
    return _REAL_BYTES if beta == 1 else _COMPLEX_BYTES * (4 if beta == 4 else 1)


def _gaussian_factor(n: int, m: int, beta: float, shape: tuple[int, ...],
                     rng: np.random.Generator) -> NDArray[np.float64] | NDArray[np.complex128]:
    """n x m Gaussian matrices of ``shape``: real, complex or quaternion (2n x 2m), every real component N(0, 1)."""
    if beta == 1:
        return rng.standard_normal(shape + (n, m))
    if beta == 2:
        return _complex_normal(rng, shape + (n, m))
    return _quaternion_normal(rng, shape + (n, m))


def _gram(g: np.ndarray) -> np.ndarray:
    """G G^H of a (batch of) matrices."""
    return g @ np.conj(np.swapaxes(g, -1, -2))


def _check_laguerre(n: object, m: object, beta: object) -> tuple[int, float, float]:
    """Validate (n, m, beta) of the bidiagonal model: n >= 1, real m > n - 1, beta > 0, beta m <= 1e300."""
    n = check_int("n", n)
    m = check_degrees_of_freedom("m", m, n)
    return n, m, _check_model_beta(beta, m, "m")


def _check_model_beta(beta: object, dof: float, dof_name: str) -> float:
    """Validate beta > 0 of a sparse model with ``beta * dof <= MAX_BETA_DOF`` (its parameters stay finite)."""
    value = check_positive_real("beta", beta)
    if value * dof > MAX_BETA_DOF:
        raise ValueError(f"beta * {dof_name} = {value * dof:g} must be at most {MAX_BETA_DOF:g} "
                         "(the parameters of the bidiagonal model overflow beyond)")
    return value


def _bidiagonal_gram_eigvals(diag: NDArray[np.float64], off: NDArray[np.float64]) -> NDArray[np.float64]:
    """Ascending eigenvalues, clipped at 0, of B^T B (B upper bidiagonal) or B B^T (B lower bidiagonal) for
    the diagonal ``diag`` and the off-diagonal ``off`` of B: the tridiagonal Gram matrix solved by ``sterf``."""
    gram = diag**2
    gram[..., 1:] += off**2
    lam = _tridiagonal_eigvals(gram, diag[..., :-1] * off)
    return np.maximum(lam, 0.0, out=lam)


def wishart(n: int, m: int, beta: float = 1, size: SizeLike = None,
            random_state: RandomState = None) -> NDArray[np.float64] | NDArray[np.complex128]:
    """Sample Wishart matrices W = G G^H, G an n x m real, complex or quaternion Gaussian matrix.

    Parameters
    ----------
    n : int
        Number of rows of G, n >= 1 (W is n x n, or 2n x 2n for beta = 4).
    m : int
        Number of columns of G (degrees of freedom), m >= 1.
    beta : {1, 2, 4}
        Real, complex or quaternion entries.
    size : None, int or tuple of ints
        Batch shape; ``None`` returns one matrix.
    random_state : int, SeedSequence, Generator or None
        Source of randomness: an int or a SeedSequence is a fixed seed, a Generator a stream
        that advances, None fresh entropy (:mod:`bristol._random`).

    Returns
    -------
    ndarray, shape ``size + (n, n)`` (``size + (2n, 2n)`` for beta = 4)
        Real symmetric (beta = 1) or Hermitian (beta = 2; self-dual for beta = 4) positive
        semi-definite matrices.

    Raises
    ------
    ValueError
        For n or m < 1, beta not 1, 2 or 4, a negative size or seed, or an output whose peak
        memory exceeds the machine's memory.
    TypeError
        For a non-integer n, m or size, or a random_state of another type.

    See Also
    --------
    laguerre_eigvals : the eigenvalues alone, any beta > 0, in O(n^2).

    Notes
    -----
    Every real component of G is standard normal (the convention of :func:`goe`, :func:`gue`,
    :func:`gse`; the quaternion matrix uses the block layout of :func:`gse`), so
    E W = beta m I for the n distinct eigenvalues' matrix. For n <= m, E sum lambda = beta n m
    and E sum lambda^2 = n m (beta^2 (n + m) + beta (2 - beta)) over the n distinct
    eigenvalues (docs/theory.md, section 7.1); for beta = 4 every eigenvalue is doubly
    degenerate (Kramers).

    Examples
    --------
    >>> import numpy as np
    >>> from bristol.ensembles import wishart
    >>> w = wishart(3, 5, beta=2, size=2, random_state=0)
    >>> w.shape, bool(np.allclose(w, w.conj().swapaxes(-1, -2)))
    ((2, 3, 3), True)
    >>> wishart(2, 4, beta=4, random_state=1).shape
    (4, 4)
    """
    n = check_int("n", n)
    m = check_int("m", m)
    beta = _check_dense_beta(beta)
    dim = 2 * n if beta == 4 else n
    shape = check_size(size, (dim, dim))
    check_memory(f"wishart(n={n}, m={m}, size={size!r})",
                 _DENSE_WORK_ARRAYS * _dense_bytes(beta) * math.prod(shape) * n * (n + m))
    return _gram(_gaussian_factor(n, m, beta, shape, as_generator(random_state)))


def bidiagonal_model(n: int, m: float, beta: float, shape: tuple[int, ...],
                     rng: np.random.Generator) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Diagonal and sub-diagonal of the Dumitriu-Edelman beta-Laguerre bidiagonal matrix B.

    Parameters
    ----------
    n : int
        Matrix order (not checked).
    m : float
        Real m > n - 1 (not checked, see :func:`laguerre_eigvals`).
    beta : float
        Dyson index > 0 (not checked).
    shape : tuple of int
        Batch shape.
    rng : numpy.random.Generator
        The stream the entries are drawn from.

    Returns
    -------
    diag : ndarray, shape ``shape + (n,)``
        chi_{beta (m - i)} for i = 0, ..., n - 1.
    sub : ndarray, shape ``shape + (n - 1,)``
        chi_{beta k} for k = n - 1, ..., 1.

    References
    ----------
    .. [1] I. Dumitriu and A. Edelman, "Matrix models for beta ensembles", J. Math. Phys. 43,
       5830-5847 (2002), arXiv:math-ph/0206043.

    Examples
    --------
    >>> import numpy as np
    >>> from bristol.ensembles._laguerre import bidiagonal_model
    >>> diag, sub = bidiagonal_model(4, 6.5, 0.5, (2,), np.random.default_rng(0))
    >>> diag.shape, sub.shape, bool(np.all(diag > 0))
    ((2, 4), (2, 3), True)
    """
    diag = np.sqrt(rng.chisquare(np.broadcast_to(beta * (m - np.arange(n)), shape + (n,))))
    sub = np.sqrt(rng.chisquare(np.broadcast_to(beta * np.arange(n - 1, 0, -1.0), shape + (n - 1,))))
    return diag, sub


def laguerre_eigvals(n: int, m: float, beta: float = 1, size: SizeLike = None,
                     random_state: RandomState = None) -> NDArray[np.float64]:
    """Eigenvalues of the Laguerre beta-ensemble (any beta > 0, real m > n - 1), ascending.

    Parameters
    ----------
    n : int
        Number of eigenvalues n >= 1.
    m : float
        Degrees of freedom, any real m > n - 1 with beta m <= 1e300 (the number of columns
        of G in :func:`wishart`).
    beta : float, default 1
        Dyson index, any real > 0; 1, 2 and 4 give the law of the n distinct eigenvalues of
        :func:`wishart`.
    size : None, int or tuple of ints
        Batch shape; ``None`` returns one spectrum.
    random_state : int, SeedSequence, Generator or None
        Source of randomness, as in :func:`wishart`.

    Returns
    -------
    ndarray of float, shape ``size + (n,)``
        Eigenvalues, ascending along the last axis, >= 0.

    Raises
    ------
    ValueError
        For n < 1, m not a finite real > n - 1, beta not finite and > 0, beta m above 1e300,
        a negative size or seed, or an output whose peak memory (about 5 arrays of its size)
        exceeds the machine's memory.
    TypeError
        For a non-integer n or size, a non-real m or beta, or a random_state of another type.

    See Also
    --------
    laguerre_ensemble_eigvals : many members in chunks, in parallel.

    Notes
    -----
    The Dumitriu-Edelman bidiagonal model (docs/theory.md, section 7.2): the eigenvalues of
    the tridiagonal B B^T, with B lower bidiagonal, diagonal chi_{beta m}, ...,
    chi_{beta (m - n + 1)} and sub-diagonal chi_{beta (n - 1)}, ..., chi_beta, solved by
    LAPACK's ``sterf`` in O(n^2). Their joint density is proportional to
    prod ``|lambda_i - lambda_j|^beta`` prod lambda_i^(beta (m - n + 1) / 2 - 1)
    exp(-sum lambda / 2). Rounding can leave the smallest eigenvalue a few ulps of the
    largest below zero: such values are returned as 0.

    References
    ----------
    .. [1] I. Dumitriu and A. Edelman, "Matrix models for beta ensembles", J. Math. Phys. 43,
       5830-5847 (2002), arXiv:math-ph/0206043.

    Examples
    --------
    >>> import numpy as np
    >>> from bristol.ensembles import laguerre_eigvals
    >>> lam = laguerre_eigvals(50, 80.5, beta=0.5, size=3, random_state=0)
    >>> lam.shape, bool(np.all(np.diff(lam, axis=-1) >= 0)), bool(np.all(lam >= 0))
    ((3, 50), True, True)
    """
    n, m, beta = _check_laguerre(n, m, beta)
    shape = check_size(size, (n,))
    check_memory(f"laguerre_eigvals(n={n}, size={size!r})",
                 _REAL_BYTES * n * (_BIDIAGONAL_WORK_ARRAYS * math.prod(shape) + 2))
    return _bidiagonal_gram_eigvals(*bidiagonal_model(n, m, beta, shape, as_generator(random_state)))
