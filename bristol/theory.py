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

import numpy as np
from scipy.special import digamma

from ._validation import check_int, check_positive_real


def _form_factor_one(n: int, k: int, beta: float) -> float:
    if beta == 2:
        return float(min(k, n))
    if beta == 1:
        if k <= n:
            return 2 * k - k * np.sum(1.0 / (np.arange(1, k + 1) + (n - 1) / 2))
        return 2 * n - k * np.sum(1.0 / (np.arange(1, n + 1) + k - (n + 1) / 2))
    if k >= 2 * n:
        return float(n)
    return k / 2 + k / 4 * np.sum(1.0 / (n + 0.5 - np.arange(1, k + 1)))


def circular_form_factor(n: int, k, beta: float = 2) -> np.ndarray:
    """Exact t_k = E|sum_j exp(i k theta_j)|^2 of the COE, CUE or CSE (beta = 1, 2, 4) with
    N = ``n`` distinct eigenphases, for integer k >= 1 (scalar or array)."""
    n = check_int("n", n)
    if beta not in (1, 2, 4):
        raise ValueError(f"beta must be 1, 2 or 4 for the exact form factor, got {beta!r}")
    ks = np.asarray(k)
    if ks.size and (np.any(ks < 1) or not np.all(np.mod(ks, 1) == 0)):
        raise ValueError(f"k must hold integers >= 1, got {k!r}")
    out = np.array([_form_factor_one(n, int(kk), beta) for kk in ks.ravel()]).reshape(ks.shape)
    return out


def circular_first_form_factor(n: int, beta: float) -> float:
    """t_1 = E|sum_j exp(i theta_j)|^2 = N / (1 + beta (N - 1) / 2) for any beta > 0."""
    n = check_int("n", n)
    beta = check_positive_real("beta", beta)
    return n / (1.0 + beta * (n - 1) / 2.0)


def circular_number_variance(n: int, arc, beta: float = 2, k_max: int | None = None) -> np.ndarray:
    """Exact Var(number of eigenphases in an arc of angle ``arc``) for COE/CUE/CSE of size N.

    For a rotation-invariant circular ensemble E[Tr U^j conj(Tr U^k)] = delta_jk t_k, hence
    Var(n_arc) = (1/pi^2) sum_{k>=1} t_k (1 - cos k arc) / k^2 (theory.md 3.5). Written as
    N sum_k (1 - cos k arc)/k^2 = N (pi arc/2 - arc^2/4) (0 <= arc <= 2 pi) plus the finite
    correction sum_k (t_k - N)(1 - cos k arc)/k^2, which is exactly finite for CUE (k < N)
    and CSE (k < 2N) and summed to ``k_max`` (default 2000 N, error < 1e-9 N) for COE.
    """
    n = check_int("n", n)
    arc = np.asarray(arc, dtype=float)
    if np.any(arc < 0) or np.any(arc > 2 * np.pi):
        raise ValueError(f"arc must lie in [0, 2 pi], got {arc}")
    if beta not in (1, 2, 4):
        raise ValueError(f"beta must be 1, 2 or 4 for the exact number variance, got {beta!r}")
    k_last = {2: n - 1, 4: 2 * n - 1, 1: k_max or 2000 * n}[beta]
    ks = np.arange(1, k_last + 1)
    if beta == 1:
        # t_k in closed form, vectorised: a cumulative sum for k <= N and, for k > N,
        # sum_{m=1}^{N} 1/(m + a) = digamma(a + N + 1) - digamma(a + 1) with a = k - (N + 1)/2
        small = ks <= n
        t = np.empty(ks.size)
        csum = np.cumsum(1.0 / (np.arange(1, n + 1) + (n - 1) / 2))
        t[small] = 2 * ks[small] - ks[small] * csum[ks[small] - 1]
        a = ks[~small] - (n + 1) / 2
        t[~small] = 2 * n - ks[~small] * (digamma(a + n + 1) - digamma(a + 1))
    else:
        t = circular_form_factor(n, ks, beta)
    corr = np.sum(((t - n) / ks**2)[None, :] * (1 - np.cos(np.multiply.outer(arc.ravel(), ks))), axis=1)
    base = n * (np.pi * arc.ravel() / 2 - arc.ravel() ** 2 / 4)
    return ((base + corr) / np.pi**2).reshape(arc.shape)


# --- nearest-neighbour spacings (unfolded to mean 1): Wigner surmises and Poisson -------------

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
    s = np.asarray(s, dtype=float)
    if beta == 0:
        return np.where(s >= 0, np.exp(-np.clip(s, 0, None)), 0.0)
    if beta not in _SURMISE:
        raise ValueError(f"beta must be 0 (Poisson), 1, 2 or 4, got {beta!r}")
    a, p, b = _SURMISE[beta]
    return np.where(s >= 0, a * np.clip(s, 0, None) ** p * np.exp(-b * s**2), 0.0)


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
    r = np.asarray(r, dtype=float)
    if beta == 0:
        return np.where(r >= 0, 1.0 / (1.0 + np.clip(r, 0, None)) ** 2, 0.0)
    if beta not in _RATIO_Z:
        raise ValueError(f"beta must be 0 (Poisson), 1, 2 or 4, got {beta!r}")
    rr = np.clip(r, 0, None)
    return np.where(r >= 0, (rr + rr**2) ** beta / (_RATIO_Z[beta] * (1 + rr + rr**2) ** (1 + 1.5 * beta)), 0.0)


# --- one-point densities ------------------------------------------------------------------

def semicircle_density(x, n: int, beta: float = 1) -> np.ndarray:
    """Limiting eigenvalue density (normalised to 1) of bristol's Gaussian ensembles.

    With H = (A + A^*)/2 and standard normal real components (theory.md 4.1) the spectrum of
    N x N (N distinct levels for GSE) fills [-R, R], R = sqrt(2 beta N), with density
    rho(x) = 2 sqrt(R^2 - x^2) / (pi R^2); E x^2 = R^2 / 4.
    """
    n = check_int("n", n)
    beta = check_positive_real("beta", beta)
    x = np.asarray(x, dtype=float)
    r2 = 2 * beta * n
    return 2 * np.sqrt(np.clip(r2 - x**2, 0, None)) / (np.pi * r2)


def circle_density(theta) -> np.ndarray:
    """Eigenphase density of every rotation-invariant circular ensemble: 1/(2 pi) on the circle."""
    return np.full(np.shape(theta), 1.0 / (2 * np.pi))


# --- Gaussian beta-ensembles (normalisation of bristol.gaussian, theory.md 4.1-4.2) ----------

def gaussian_trace_moment(n: int, beta: float, power: int) -> float:
    """Exact E sum_j lambda_j^power (power 2 or 4) of the Gaussian beta-ensemble with N levels:
    E sum lambda^2 = N + beta N (N - 1) / 2;
    E sum lambda^4 = (beta^2/2) N^3 - (5 beta (beta - 2)/4) N^2 + ((3 beta^2 - 10 beta + 12)/4) N."""
    n = check_int("n", n)
    beta = check_positive_real("beta", beta)
    if power == 2:
        return n + beta * n * (n - 1) / 2
    if power == 4:
        return beta**2 / 2 * n**3 - 5 * beta * (beta - 2) / 4 * n**2 + (3 * beta**2 - 10 * beta + 12) / 4 * n
    raise ValueError(f"power must be 2 or 4, got {power!r}")


def semicircle_radius(n: int, beta: float) -> float:
    """Edge R = sqrt(2 beta N) of the Gaussian beta-ensemble spectrum (large N)."""
    return float(np.sqrt(2 * check_positive_real("beta", beta) * check_int("n", n)))
