"""Mixed Gaussian ensembles (Suezen, hal-03464130).

M orders n_i ~ Binomial(N, mu) (conditioned on n_i >= 1, drawn exactly in constant time per
order), one matrix of order n_i each (:mod:`bristol.ensembles._gaussian`), its spectrum
extended periodically to N values (:mod:`bristol.periodic`) and all members pooled. The order
of each spectrum before the periodic extension decides which eigenvalues are repeated and
changes the pooled density (theory.md 5.3), so it is a parameter.
"""
from __future__ import annotations

import numbers

import numpy as np

from .._random import RandomState, as_generator
from .._validation import check_choice, check_int, check_memory
from ..periodic import ORDERS, order_values, periodic_extension
from ._gaussian import _check_gaussian_beta, gaussian_eigvals, goe, gse, gue

__all__ = ["mixed_ensemble_orders", "mixed_ensemble_eigvals"]


_DENSE = {1.0: goe, 2.0: gue, 4.0: gse}


def _solver_order_eigvals(order_n: int, beta: float, rng: np.random.Generator) -> np.ndarray:
    """Real parts of ``np.linalg.eigvals`` of one dense matrix, in LAPACK's output order (as
    the mixed-ensemble notebook did); for GSE one of each Kramers pair, in the same order."""
    values = np.linalg.eigvals(_DENSE[beta](order_n, random_state=rng)).real
    if beta == 4.0:
        keep = np.ones(values.size, bool)
        keep[np.argsort(values, kind="stable")[1::2]] = False
        values = values[keep]
    return values


def mixed_ensemble_orders(n: int, mu: float, m: int, random_state: RandomState = None) -> np.ndarray:
    """M matrix orders n_i ~ Binomial(N, mu) conditioned on n_i >= 1 (zero-truncated binomial).

    Exact and in constant time per order, for any mu in (0, 1]: with N Bernoulli(mu) trials,
    n >= 1 means that the first success J comes at a trial J <= N, and the trials after J are
    untouched by the condition, so n = 1 + Binomial(N - J, mu) with J from the truncated
    geometric law P(J = j) = mu (1 - mu)^(j - 1) / (1 - (1 - mu)^N), j = 1..N. J is drawn by
    inversion, J = ceil(log(1 - U p) / log(1 - mu)) with U uniform on [0, 1) and
    p = 1 - (1 - mu)^N, using ``log1p``/``expm1`` so that tiny mu (1e-300) keeps full precision.

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
    ndarray of int64, shape (m,), values in 1..n (memory: a few arrays of m values).
    """
    n = check_int("n", n)
    m = check_int("m", m)
    if isinstance(mu, (bool, np.bool_)) or not isinstance(mu, numbers.Real):
        raise TypeError(f"mu must be a real number in (0, 1], got {mu!r} ({type(mu).__name__})")
    mu = float(mu)
    if not 0 < mu <= 1:  # also refuses NaN
        raise ValueError(f"mu must be a real number in (0, 1] (mu = 0 gives only empty matrices), got {mu}")
    check_memory(f"mixed_ensemble_orders(m={m})", 3 * 8 * m)
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
):
    """Pooled spectrum of a mixed Gaussian ensemble (mGOE for beta = 1; hal-03464130).

    Draws M orders n_i ~ Binomial(N, mu) (:func:`mixed_ensemble_orders`), one matrix of order
    n_i each, and extends each spectrum periodically to N values. ``order`` is the order of a
    spectrum before the extension: "solver" (``np.linalg.eigvals`` of the dense matrix, as the
    original notebook; beta = 1, 2, 4 only), "ascending", "descending" or "random" (these use
    the tridiagonal model, any beta > 0). Returns an (M, N) array -- every member contributes
    exactly N values -- and, with ``return_orders``, the orders n_i. mu = 1 gives the plain
    ensemble. Memory: the (M, N) result, plus one member's matrix at a time; larger results are
    refused with a ValueError.
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
