"""Mixed Gaussian ensembles (Suezen, HAL preprint hal-03464130, 2021).

M orders n_i ~ Binomial(N, mu) (conditioned on n_i >= 1, drawn exactly in constant time per
order), one matrix of order n_i each (:mod:`bristol.ensembles._gaussian`), its spectrum
extended periodically to N values (:mod:`bristol.periodic`) and all members pooled. The order
of each spectrum before the periodic extension decides which eigenvalues are repeated and
changes the pooled density (docs/theory.md, section 5.3), so it is a parameter.
"""
from __future__ import annotations

import numbers

import numpy as np
from numpy.typing import NDArray

from .._random import RandomState, as_generator
from .._validation import check_choice, check_int, check_memory
from ..periodic import ORDERS, order_values, periodic_extension
from ._gaussian import _check_gaussian_beta, gaussian_eigvals, goe, gse, gue

__all__ = ["mixed_ensemble_orders", "mixed_ensemble_eigvals"]


#: The dense sampler of each beta that order="solver" supports.
_DENSE = {1.0: goe, 2.0: gue, 4.0: gse}
#: Peak memory of :func:`mixed_ensemble_orders`, in int64 arrays of the M orders (uniforms, J, n).
_ORDERS_WORK_ARRAYS = 3


def _solver_order_eigvals(order_n: int, beta: float, rng: np.random.Generator) -> NDArray[np.float64]:
    """Real parts of ``np.linalg.eigvals`` of one dense matrix, in LAPACK's output order (as
    the mixed-ensemble notebook did); for GSE one of each Kramers pair, in the same order."""
    values = np.asarray(np.linalg.eigvals(_DENSE[beta](order_n, random_state=rng)).real, dtype=np.float64)
    if beta == 4.0:
        keep = np.ones(values.size, bool)
        keep[np.argsort(values, kind="stable")[1::2]] = False
        values = values[keep]
    return values


def mixed_ensemble_orders(n: int, mu: float, m: int, random_state: RandomState = None) -> NDArray[np.int64]:
    """M matrix orders n_i ~ Binomial(N, mu) conditioned on n_i >= 1 (zero-truncated binomial).

    Parameters
    ----------
    n : int
        Number of trials N >= 1 (the largest order).
    mu : float
        Success probability, a real number in (0, 1].
    m : int
        Number of orders M >= 1.
    random_state : int, SeedSequence, Generator or None
        Source of randomness.

    Returns
    -------
    ndarray of int64, shape (m,)
        Orders in 1..n (memory: a few arrays of m values).

    Raises
    ------
    ValueError
        For n < 1, m < 1, mu outside (0, 1] (NaN included), or m orders that cannot fit in memory.
    TypeError
        For a non-integer n or m, a mu that is not a real number, or a random_state of another type.

    Notes
    -----
    Exact and in constant time per order, for any mu in (0, 1]: with N Bernoulli(mu) trials,
    n >= 1 means that the first success J comes at a trial J <= N, and the trials after J are
    untouched by the condition, so n = 1 + Binomial(N - J, mu) with J from the truncated
    geometric law P(J = j) = mu (1 - mu)^(j - 1) / (1 - (1 - mu)^N), j = 1..N. J is drawn by
    inversion, J = ceil(log(1 - U p) / log(1 - mu)) with U uniform on [0, 1) and
    p = 1 - (1 - mu)^N, using ``log1p``/``expm1`` so that tiny mu (1e-300) keeps full precision.

    References
    ----------
    .. [1] M. Suezen, "Empirical deviations of semicircle law in mixed-matrix ensembles", HAL
       preprint hal-03464130 (2021).

    Examples
    --------
    >>> from bristol.ensembles import mixed_ensemble_orders
    >>> orders = mixed_ensemble_orders(10, 0.3, 1000, random_state=0)
    >>> orders.shape, bool(orders.min() >= 1), bool(orders.max() <= 10)
    ((1000,), True, True)
    >>> mixed_ensemble_orders(10, 1.0, 3, random_state=0).tolist()
    [10, 10, 10]
    """
    n = check_int("n", n)
    m = check_int("m", m)
    if isinstance(mu, (bool, np.bool_)) or not isinstance(mu, numbers.Real):
        raise TypeError(f"mu must be a real number in (0, 1], got {mu!r} ({type(mu).__name__})")
    mu = float(mu)
    if not 0 < mu <= 1:  # also refuses NaN
        raise ValueError(f"mu must be a real number in (0, 1] (mu = 0 gives only empty matrices), got {mu}")
    check_memory(f"mixed_ensemble_orders(m={m})", _ORDERS_WORK_ARRAYS * 8 * m)
    rng = as_generator(random_state)
    with np.errstate(divide="ignore"):  # mu = 1: log(1 - mu) = -inf, and then J = 1
        log_fail = np.log1p(-mu)
    p_any = -np.expm1(n * log_fail)  # 1 - (1 - mu)^N = P(n >= 1)
    first = np.clip(np.ceil(np.log1p(-rng.random(m) * p_any) / log_fail), 1, n).astype(np.int64)
    return 1 + rng.binomial(n - first, mu)


def mixed_ensemble_eigvals(
    n: int,
    mu: float,
    m: int,
    beta: float = 1,
    *,
    order: str = "solver",
    random_state: RandomState = None,
    return_orders: bool = False,
) -> NDArray[np.float64] | tuple[NDArray[np.float64], NDArray[np.int64]]:
    """Pooled spectrum of a mixed Gaussian ensemble (mGOE for beta = 1).

    Parameters
    ----------
    n : int
        Largest matrix order N >= 1; every member contributes exactly N values.
    mu : float
        Mixing parameter in (0, 1]: the orders are n_i ~ Binomial(N, mu) given n_i >= 1
        (:func:`mixed_ensemble_orders`); mu = 1 gives the plain ensemble.
    m : int
        Number of members M >= 1.
    beta : float, default 1
        Dyson index: 1, 2 or 4 with ``order="solver"``, any real > 0 otherwise.
    order : {"solver", "ascending", "descending", "random"}
        The order of a spectrum before the periodic extension: "solver" (the real parts of
        ``np.linalg.eigvals`` of the dense matrix, as the original notebook), or the
        eigenvalues of the tridiagonal model (:func:`gaussian_eigvals`) sorted ascending,
        descending or randomly permuted.
    random_state : int, SeedSequence, Generator or None
        Source of randomness (:mod:`bristol._random`).
    return_orders : bool, default False
        Return the orders n_i too.

    Returns
    -------
    values : ndarray of float, shape (m, n)
        The members' extended spectra.
    orders : ndarray of int64, shape (m,)
        The orders n_i; only with ``return_orders``.

    Raises
    ------
    ValueError
        For invalid n, m, mu, beta or order, ``order="solver"`` with beta not 1, 2 or 4, or a
        result that cannot fit in memory (the (M, N) result plus one member's matrix at a time).
    TypeError
        For arguments of the wrong type.

    Notes
    -----
    Each member is a matrix of order n_i whose spectrum is extended periodically to N values
    (:func:`bristol.periodic.periodic_extension`); the order of the spectrum before the
    extension decides which eigenvalues are repeated and so changes the pooled density
    (docs/theory.md, section 5.3).

    References
    ----------
    .. [1] M. Suezen, "Empirical deviations of semicircle law in mixed-matrix ensembles", HAL
       preprint hal-03464130 (2021).

    Examples
    --------
    >>> from bristol.ensembles import mixed_ensemble_eigvals
    >>> values, orders = mixed_ensemble_eigvals(8, 0.5, 20, order="ascending", random_state=0,
    ...                                         return_orders=True)
    >>> values.shape, orders.shape
    ((20, 8), (20,))
    """
    n = check_int("n", n)
    beta = _check_gaussian_beta(n, beta)
    order = check_choice("order", order, ORDERS)
    check_memory(f"mixed_ensemble_eigvals(n={n}, m={m})", 8 * n * check_int("m", m))
    if order == "solver" and beta not in _DENSE:
        raise ValueError(f"order='solver' needs dense matrices: beta must be 1, 2 or 4, got {beta}")
    rng = as_generator(random_state)
    orders = mixed_ensemble_orders(n, mu, m, rng)
    spectra = []
    for k in orders:
        if order == "solver":
            spectra.append(_solver_order_eigvals(int(k), beta, rng))
        else:
            spectra.append(order_values(gaussian_eigvals(int(k), beta, random_state=rng), order, rng))
    pooled = periodic_extension(spectra, n)
    return (pooled, orders) if return_orders else pooled
