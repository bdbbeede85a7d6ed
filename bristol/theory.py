"""Exact reference values for the circular ensembles (finite N).

Form factor t_k = E|Tr U^k|^2 (for CSE the trace over the N distinct eigenvalues), from
Haake, *Quantum Signatures of Chaos* (form factors of the circular ensembles) and
Diaconis & Shahshahani (1994) for CUE; checked in ``shared/reference/theory.md`` section 3.1
by quadrature of the joint density:

* CUE: t_k = min(k, N);
* COE: t_k = 2k - k sum_{m=1}^{k} 1/(m + (N-1)/2) for k <= N,
       t_k = 2N - k sum_{m=1}^{N} 1/(m + k - (N+1)/2) for k >= N;
* CSE: t_k = k/2 + (k/4) sum_{m=1}^{k} 1/(N + 1/2 - m) for k <= 2N, t_k = N for k >= 2N;
* any beta > 0: t_1 = N / (1 + beta (N - 1) / 2).
"""
from __future__ import annotations

import numbers

import numpy as np
from scipy.special import digamma

from ._validation import block_steps, check_int, check_numeric, check_positive_real

__all__ = [
    "COE_TERMS_PER_LEVEL",
    "circular_form_factor",
    "circular_first_form_factor",
    "circular_number_variance",
    "wigner_surmise",
    "MEAN_GAP_RATIO_SURMISE",
    "MEAN_GAP_RATIO_LARGE_N",
    "gap_ratio_surmise",
    "semicircle_density",
    "circle_density",
    "gaussian_trace_moment",
    "semicircle_radius",
]

#: The series of the COE number variance is summed to k_max = 2000 N by default (error < 1e-9 N).
COE_TERMS_PER_LEVEL = 2000


def _check_beta(beta, allowed: tuple, what: str) -> int:
    """``beta`` as an int from ``allowed`` (TypeError for a non-number, ValueError otherwise)."""
    if isinstance(beta, (bool, np.bool_)) or not isinstance(beta, numbers.Real):
        raise TypeError(f"beta must be one of {allowed} for {what}, got {beta!r}")
    if beta not in allowed:
        raise ValueError(f"beta must be one of {allowed} for {what}, got {beta!r}")
    return int(beta)


def _check_n(n) -> int:
    """The number of levels N: an integer in [1, 2**53] (exact in float64)."""
    n = check_int("n", n)
    if n > 2**53:
        raise ValueError(f"n must be at most 2**53, got {n}")
    return n


def _finite(value, n: int, beta: float) -> float:
    """``value`` (a float64 computed from N and beta), refusing an overflow."""
    if not np.isfinite(value):
        raise ValueError(f"n = {n} and beta = {beta!r} overflow float64 here")
    return float(value)


def _check_values(name: str, values) -> np.ndarray:
    """``values`` (any shape, possibly empty) as a float64 array of finite real numbers."""
    arr = check_numeric(name, values)
    if np.iscomplexobj(arr):
        raise TypeError(f"{name} must be real, got complex values")
    arr = arr.astype(float)
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must be finite, got NaN or Inf")
    return arr


def _check_orders(k) -> np.ndarray:
    """The orders ``k`` (any shape, integers >= 1) as a float64 array of the same shape."""
    ks = np.asarray(k)
    if ks.dtype == bool or not (np.issubdtype(ks.dtype, np.integer) or np.issubdtype(ks.dtype, np.floating)):
        raise TypeError(f"k must hold integers >= 1, got {k!r}")
    ks = ks.astype(float)
    if not (np.all(np.isfinite(ks)) and np.all(ks >= 1) and np.all(np.mod(ks, 1) == 0)):
        raise ValueError(f"k must hold integers >= 1, got {k!r}")
    return ks


def _digamma_difference(x: np.ndarray, m) -> np.ndarray:
    """psi(x + m) - psi(x) = sum_{j=0}^{m-1} 1/(x + j) for m >= 1, to near full relative
    precision also where x >> m and the two digammas cancel: for x >= 100 from the asymptotic
    series psi(x) ~ ln x - 1/(2x) - 1/(12x^2) + 1/(120x^4), differenced term by term
    (relative truncation error below 1e-14; the plain difference loses up to 1e-13 at x = 100
    and grows as x / m)."""
    x = np.asarray(x, dtype=float)
    m = np.broadcast_to(np.asarray(m, dtype=float), x.shape)
    out = np.empty(x.shape)
    far = x >= 100
    direct = ~far
    out[direct] = digamma(x[direct] + m[direct]) - digamma(x[direct])
    d, u = m[far], 1 / x[far]
    v = 1 / (x[far] + d)
    w = d * u * v  # = u - v
    out[far] = np.log1p(d * u) + w / 2 + w * (u + v) / 12 - w * (u + v) * (u * u + v * v) / 120
    return out


def _form_factor_values(n: int, ks: np.ndarray, beta: int) -> np.ndarray:
    """t_k of the COE/CUE/CSE (beta = 1, 2, 4) for float64 orders ``ks`` >= 1 (vectorised,
    O(1) per k: the harmonic-type sums of the module docstring as digamma differences)."""
    if beta == 2:
        return np.minimum(ks, float(n))
    if beta == 1:
        small = ks <= n
        return np.where(small,
                        2 * ks - ks * _digamma_difference(np.full(ks.shape, (n + 1) / 2), np.where(small, ks, 1.0)),
                        2 * n - ks * _digamma_difference(ks - (n - 1) / 2, float(n)))
    inside = ks < 2 * n
    k_in = np.where(inside, ks, 1.0)
    return np.where(inside, k_in / 2 + k_in / 4 * _digamma_difference(n + 0.5 - k_in, k_in), float(n))


def circular_form_factor(n: int, k, beta: float = 2) -> np.ndarray:
    """Exact t_k = E|sum_j exp(i k theta_j)|^2 of the COE, CUE or CSE (beta = 1, 2, 4) with
    N = ``n`` distinct eigenphases, for integer k >= 1 (scalar or array; the result has the
    shape of ``k``). O(1) time and memory per k."""
    n = _check_n(n)
    beta = _check_beta(beta, (1, 2, 4), "the exact form factor")
    return _form_factor_values(n, _check_orders(k), beta)


def circular_first_form_factor(n: int, beta: float) -> float:
    """t_1 = E|sum_j exp(i theta_j)|^2 = N / (1 + beta (N - 1) / 2) for any beta > 0."""
    n = _check_n(n)
    beta = check_positive_real("beta", beta)
    return n / (1.0 + beta * (n - 1) / 2.0)


def circular_number_variance(n: int, arc, beta: float = 2, k_max: int | None = None) -> np.ndarray:
    """Exact Var(number of eigenphases in an arc of angle ``arc``) for COE/CUE/CSE of size N.

    For a rotation-invariant circular ensemble E[Tr U^j conj(Tr U^k)] = delta_jk t_k, hence
    Var(n_arc) = (1/pi^2) sum_{k>=1} t_k (1 - cos k arc) / k^2 (theory.md 3.5). Written as
    N sum_k (1 - cos k arc)/k^2 = N (pi arc/2 - arc^2/4) (0 <= arc <= 2 pi) plus the finite
    correction sum_k (t_k - N)(1 - cos k arc)/k^2, which is exactly finite for CUE (k < N)
    and CSE (k < 2N) and summed to ``k_max`` (an integer >= 1, default 2000 N, error
    < 1e-9 N) for COE; ``k_max`` is refused for CUE and CSE, whose series are exact.

    ``arc`` is a finite real number or array in [0, 2 pi]; the result has its shape.
    Time O(len(arc) K) for the K terms of the series; memory the size of ``arc`` plus a
    working block of about 64 MiB (arcs and orders are taken in blocks).
    """
    n = _check_n(n)
    arc = _check_values("arc", arc)
    if np.any(arc < 0) or np.any(arc > 2 * np.pi):
        raise ValueError(f"arc must lie in [0, 2 pi], got {arc}")
    beta = _check_beta(beta, (1, 2, 4), "the exact number variance")
    if k_max is not None and beta != 1:
        raise ValueError(f"k_max applies to the COE (beta = 1) only: the series of beta = {beta} is finite and exact")
    k_last = {2: n - 1, 4: 2 * n - 1, 1: COE_TERMS_PER_LEVEL * n if k_max is None else check_int("k_max", k_max)}[beta]
    flat = arc.reshape(-1)
    corr = np.zeros(flat.size)
    a_step, k_step = block_steps(k_last, 1, 32)  # the (arcs, orders) cosines and products
    for k0 in range(1, k_last + 1, k_step):
        ks = np.arange(k0, min(k0 + k_step, k_last + 1), dtype=float)
        weights = (_form_factor_values(n, ks, beta) - n) / ks**2
        for i in range(0, flat.size, a_step):
            corr[i:i + a_step] += np.sum(weights * (1 - np.cos(np.multiply.outer(flat[i:i + a_step], ks))), axis=1)
    base = n * (np.pi * flat / 2 - flat**2 / 4)
    return ((base + corr) / np.pi**2).reshape(arc.shape)


# --- nearest-neighbour spacings (unfolded to mean 1): Wigner surmises and Poisson -------------

#: s above which every Wigner surmise underflows to 0 in float64 (exp(-(pi/4) 40^2) = 0).
_SURMISE_ZERO = 40.0
_SURMISE = {
    1: (np.pi / 2, 1, np.pi / 4),
    2: (32 / np.pi**2, 2, 4 / np.pi),
    4: (2**18 / (3**6 * np.pi**3), 4, 64 / (9 * np.pi)),
}


def wigner_surmise(s, beta: float) -> np.ndarray:
    """Wigner surmise p_beta(s) = a s^beta exp(-b s^2) for beta = 1, 2, 4 (mean spacing 1):
    p_1 = (pi/2) s e^{-pi s^2/4}, p_2 = (32/pi^2) s^2 e^{-4 s^2/pi},
    p_4 = (2^18/(3^6 pi^3)) s^4 e^{-64 s^2/(9 pi)}. These are 2 x 2 results, within about 1%
    of the large-N (Gaudin) laws. beta = 0 gives the Poisson law e^{-s}."""
    s = _check_values("s", s)
    beta = _check_beta(beta, (0, 1, 2, 4), "the Wigner surmise (0: Poisson)")
    if beta == 0:
        return np.where(s >= 0, np.exp(-np.clip(s, 0, None)), 0.0)
    a, p, b = _SURMISE[beta]
    ss = np.clip(s, 0, _SURMISE_ZERO)  # beyond, the density underflows to 0 (and s^p to inf)
    return np.where(s >= 0, a * ss**p * np.exp(-b * ss**2), 0.0)


# --- adjacent gap ratio (Oganesyan-Huse; Atas, Bogomolny, Giraud, Roux 2013) -----------------

_RATIO_Z = {1: 8 / 27, 2: 4 * np.pi / (81 * np.sqrt(3)), 4: 4 * np.pi / (729 * np.sqrt(3))}
#: Surmise values of <r~> = <min(r, 1/r)> (exact integrals of the 3 x 3 surmise); 0: Poisson.
MEAN_GAP_RATIO_SURMISE = {
    0: 2 * np.log(2) - 1,
    1: 4 - 2 * np.sqrt(3),
    2: 2 * np.sqrt(3) / np.pi - 0.5,
    4: 32 * np.sqrt(3) / (15 * np.pi) - 0.5,
}
#: Large-N values of <r~> quoted by Atas et al. (2013); Poisson is exact.
MEAN_GAP_RATIO_LARGE_N = {0: 2 * np.log(2) - 1, 1: 0.5307, 2: 0.5996, 4: 0.6744}


def gap_ratio_surmise(r, beta: float) -> np.ndarray:
    """Surmise density of r = s_j / s_{j-1} on [0, inf):
    P(r) = (r + r^2)^beta / (Z_beta (1 + r + r^2)^{1 + 3 beta/2}); beta = 0: 1/(1 + r)^2."""
    r = _check_values("r", r)
    beta = _check_beta(beta, (0, 1, 2, 4), "the gap-ratio surmise (0: Poisson)")
    if beta == 0:
        return np.where(r >= 0, (1.0 / (1.0 + np.clip(r, 0, None))) ** 2, 0.0)
    rr = np.clip(r, 0, None)
    # P(r) = P(1/r) / r^2: evaluated at q = min(r, 1/r) in [0, 1], so no power overflows
    q = np.where(rr > 1, 1 / np.maximum(rr, 1), rr)
    density = (q + q**2) ** beta / (_RATIO_Z[beta] * (1 + q + q**2) ** (1 + 1.5 * beta))
    return np.where(r >= 0, np.where(rr > 1, density * q**2, density), 0.0)


# --- one-point densities ------------------------------------------------------------------

def semicircle_density(x, n: int, beta: float = 1) -> np.ndarray:
    """Limiting eigenvalue density (normalised to 1) of bristol's Gaussian ensembles.

    With H = (A + A^*)/2 and standard normal real components (theory.md 4.1) the spectrum of
    N x N (N distinct levels for GSE) fills [-R, R], R = sqrt(2 beta N), with density
    rho(x) = 2 sqrt(R^2 - x^2) / (pi R^2); E x^2 = R^2 / 4.
    """
    n = _check_n(n)
    beta = check_positive_real("beta", beta)
    x = _check_values("x", x)
    r2 = _finite(2 * beta * n, n, beta)
    return 2 * np.sqrt(np.clip(r2 - x**2, 0, None)) / (np.pi * r2)


def circle_density(theta) -> np.ndarray:
    """Eigenphase density of every rotation-invariant circular ensemble: 1/(2 pi) on the circle."""
    return np.full(_check_values("theta", theta).shape, 1.0 / (2 * np.pi))


# --- Gaussian beta-ensembles (normalisation of bristol.ensembles._gaussian, theory.md 4.1-4.2) ----------

def gaussian_trace_moment(n: int, beta: float, power: int) -> float:
    """Exact E sum_j lambda_j^power (power 2 or 4) of the Gaussian beta-ensemble with N levels:
    E sum lambda^2 = N + beta N (N - 1) / 2;
    E sum lambda^4 = (beta^2/2) N^3 - (5 beta (beta - 2)/4) N^2 + ((3 beta^2 - 10 beta + 12)/4) N."""
    n = _check_n(n)
    beta = check_positive_real("beta", beta)
    if isinstance(power, (bool, np.bool_)) or not isinstance(power, numbers.Integral):
        raise TypeError(f"power must be 2 or 4, got {power!r}")
    b, m = np.float64(beta), np.float64(n)
    with np.errstate(over="ignore", invalid="ignore"):
        if power == 2:
            return _finite(m + b * m * (m - 1) / 2, n, beta)
        if power == 4:
            return _finite(b**2 / 2 * m**3 - 5 * b * (b - 2) / 4 * m**2 + (3 * b**2 - 10 * b + 12) / 4 * m, n, beta)
    raise ValueError(f"power must be 2 or 4, got {power!r}")


def semicircle_radius(n: int, beta: float) -> float:
    """Edge R = sqrt(2 beta N) of the Gaussian beta-ensemble spectrum (large N)."""
    beta, n = check_positive_real("beta", beta), _check_n(n)
    return float(np.sqrt(_finite(2 * beta * n, n, beta)))
