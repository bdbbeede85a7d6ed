"""Shared helpers for the statistical tests (not part of the library)."""
import numpy as np
from scipy import stats

from bristol.spectral_stats import trace_moments

#: Each statistical test fails with probability ~1e-6 under the null (about 5 sigma).
P_FAIL = 1e-6
Z_MAX = 5.0


def hotelling_chi2(samples, expected):
    """S (m - t)^T Cov^{-1} (m - t): chi-square with K dof for large S under the null.

    ``samples`` is (S, K): S independent draws of a K-vector statistic whose exact mean is
    ``expected``. The sample covariance accounts for correlations between components.
    """
    samples = np.asarray(samples, float)
    diff = samples.mean(axis=0) - np.asarray(expected, float)
    cov = np.atleast_2d(np.cov(samples, rowvar=False))
    return float(samples.shape[0] * diff @ np.linalg.solve(cov, diff))


def assert_chi2(samples, expected):
    k = np.asarray(expected).size
    stat = hotelling_chi2(samples, expected)
    limit = stats.chi2.ppf(1 - P_FAIL, k)
    assert stat < limit, f"chi2 = {stat:.1f} >= {limit:.1f} ({k} dof); means {np.mean(samples, 0)} vs {expected}"


def assert_mean(samples, expected, z_max=Z_MAX):
    samples = np.asarray(samples, float).ravel()
    se = samples.std(ddof=1) / np.sqrt(samples.size)
    z = (samples.mean() - expected) / se
    assert abs(z) < z_max, f"mean {samples.mean():.6g} vs {expected:.6g}: z = {z:.2f} (se {se:.3g})"


def trace_powers(phases, kmax):
    """|Tr U^k|^2 = |sum_j exp(i k theta_j)|^2 for k = 1..kmax, shape (S, kmax).

    The library's :func:`bristol.spectral_stats.trace_moments` at the orders 1..kmax (that
    function is checked against the one-shot formula in test_spectral_stats).
    """
    return trace_moments(phases, np.arange(1, kmax + 1))


def pentadiagonal_unitary(theta, weights=None):
    """A five-diagonal unitary (CMV form) with prescribed eigenphases ``theta``.

    Multiplication by z in L^2(mu), mu = sum_j w_j delta(e^{i theta_j}), written in the
    orthonormalised basis 1, z, z^-1, z^2, z^-2, ... (re-orthogonalised Gram-Schmidt) is a
    CMV matrix; entries outside the five diagonals are rounding noise and are dropped.
    Returns the diagonals {offset: values} used by ``bristol.cmv``.
    """
    z = np.exp(1j * np.asarray(theta, float))
    n = z.size
    w = np.ones(n) if weights is None else np.asarray(weights, float)
    basis = np.zeros((n, n), complex)
    basis[:, 0] = np.sqrt(w / w.sum())
    last = {1: 0, -1: 0}
    for k in range(1, n):
        s = 1 if k % 2 else -1
        x = (z if s > 0 else np.conj(z)) * basis[:, last[s]]
        for _ in range(2):
            x = x - basis[:, :k] @ (basis[:, :k].conj().T @ x)
        basis[:, k] = x / np.linalg.norm(x)
        last[s] = k
    c = basis.conj().T @ (z[:, None] * basis)
    rows = np.arange(n)
    return {k: c[rows[max(0, -k): n - max(0, k)], rows[max(0, -k): n - max(0, k)] + k] for k in range(-2, 3)}


def circular_distance(a, b):
    """Largest distance |e^{i a_j} - e^{i b_j}| after optimally aligning two phase lists.

    Both lists are sorted on the circle and cyclically aligned; equal multisets give ~0.
    """
    a = np.sort(np.mod(a, 2 * np.pi))
    b = np.sort(np.mod(b, 2 * np.pi))
    za, zb = np.exp(1j * a), np.exp(1j * b)
    return min(np.abs(za - np.roll(zb, s)).max() for s in range(-2, 3))


def mirror_symmetric_phases(axis, pairs, rng, axis_points=()):
    """Phases symmetric under the reflection theta -> 2 axis - theta.

    ``pairs`` random mirror pairs axis +- t (t jittered on a grid in (0.05, pi - 0.05), so
    that phases stay apart and the CMV builder stays accurate to ~1e-15) plus the points of
    ``axis_points`` (0: the axis point ``axis``, 1: the opposite point ``axis + pi``), which
    are their own mirror images.
    """
    t = 0.05 + (np.arange(pairs) + rng.uniform(0.2, 0.8, pairs)) * (np.pi - 0.1) / pairs
    ends = [axis + np.pi * k for k in axis_points]
    return np.concatenate([axis + t, axis - t, ends])
