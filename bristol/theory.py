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
