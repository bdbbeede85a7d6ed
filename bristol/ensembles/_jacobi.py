"""Jacobi (MANOVA) ensembles: the eigenvalues of A (A + B)^-1 for independent Wishart matrices A and B.

A = G1 G1^H and B = G2 G2^H with G1 (n x m1) and G2 (n x m2) independent Gaussian factors of
:func:`bristol.ensembles.wishart` (real, complex or quaternion, beta = 1, 2, 4). With L the Cholesky
factor of A + B and Y = L^-1 G1, the matrix Y Y^H = L^-1 A L^-H is Hermitian with the eigenvalues of
A (A + B)^-1, all in [0, 1] (docs/theory.md, section 7.3).
"""
from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray

from .._random import RandomState, as_generator
from .._validation import SizeLike, check_int, check_memory, check_size
from ._laguerre import _DENSE_WORK_ARRAYS, _check_dense_beta, _dense_bytes, _gaussian_factor, _gram

__all__ = ["manova"]


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
