"""Closed forms in bristol.theory against known values (theory.md) and quadrature."""
from fractions import Fraction

import numpy as np
import pytest
from scipy.integrate import quad

from bristol import _validation
from bristol import theory as T

from peak_memory import peak_bytes


def test_form_factor_table():
    ks = np.arange(1, 7)
    assert np.allclose(T.circular_form_factor(5, ks, 2), [1, 2, 3, 4, 5, 5])
    assert np.allclose(T.circular_form_factor(5, ks, 1), [1.666667, 2.833333, 3.65, 4.2, 4.535714, 4.692857], atol=5e-7)
    assert np.allclose(T.circular_form_factor(5, ks, 4), [0.555556, 1.253968, 2.180952, 3.574603, 6.968254, 5.361905],
                       atol=5e-7)
    assert np.allclose(T.circular_form_factor(4, np.arange(1, 9), 4),
                       [0.57143, 1.34286, 2.51429, 5.35238, 4.19048, 4.02857, 4, 4], atol=5e-6)
    n = np.arange(1, 6)
    assert np.allclose(T.circular_form_factor(2, n, 1), 2 - 2 / (4 * n**2 - 1))
    assert T.circular_first_form_factor(5, 1) == pytest.approx(2 * 5 / 6)
    assert T.circular_first_form_factor(5, 4) == pytest.approx(5 / 9)
    assert T.circular_first_form_factor(5, 0.5) == pytest.approx(2.5)


def test_number_variance_values():
    assert np.allclose(T.circular_number_variance(20, 2 * np.pi * np.array([1, 5]) / 20, 2), [0.3437, 0.4983],
                       atol=1e-4)
    arc = 2 * np.pi * 5 / 400
    assert T.circular_number_variance(400, arc, 1) == pytest.approx(0.7683, abs=1e-4)
    assert T.circular_number_variance(400, arc, 2) == pytest.approx(0.5088, abs=2e-4)
    assert T.circular_number_variance(400, arc, 4) == pytest.approx(0.3496, abs=1e-4)
    assert T.circular_number_variance(7, 2 * np.pi, 2) == pytest.approx(0, abs=1e-12)  # all N levels, always
    # direct series with t_k = min(k, N) to K terms, plus its tail N sum_{k>K} 1/k^2 ~ N/K
    big_k = 200000
    k = np.arange(1, big_k + 1)
    direct = (np.sum(np.minimum(k, 20) * (1 - np.cos(k * 0.9)) / k**2) + 20 / (big_k + 0.5)) / np.pi**2
    assert T.circular_number_variance(20, 0.9, 2) == pytest.approx(direct, abs=1e-9)


@pytest.mark.parametrize("beta", [0, 1, 2, 4])
def test_surmises_normalised_mean_one(beta):
    assert quad(lambda s: T.wigner_surmise(s, beta), 0, np.inf)[0] == pytest.approx(1, abs=1e-10)
    assert quad(lambda s: s * T.wigner_surmise(s, beta), 0, np.inf)[0] == pytest.approx(1, abs=1e-10)
    assert quad(lambda r: T.gap_ratio_surmise(r, beta), 0, np.inf)[0] == pytest.approx(1, abs=1e-8)
    mean_rt = 2 * quad(lambda r: r * T.gap_ratio_surmise(r, beta), 0, 1)[0]
    assert mean_rt == pytest.approx(T.MEAN_GAP_RATIO_SURMISE[beta], abs=1e-10)


def test_gap_ratio_values():
    assert T.MEAN_GAP_RATIO_SURMISE[1] == pytest.approx(0.535898, abs=1e-6)
    assert T.MEAN_GAP_RATIO_SURMISE[2] == pytest.approx(0.602658, abs=1e-6)
    assert T.MEAN_GAP_RATIO_SURMISE[4] == pytest.approx(0.676168, abs=1e-6)
    assert T.MEAN_GAP_RATIO_SURMISE[0] == pytest.approx(0.386294, abs=1e-6)


def test_densities():
    n, beta = 50, 2
    r = np.sqrt(2 * beta * n)
    assert quad(lambda x: T.semicircle_density(x, n, beta), -r, r)[0] == pytest.approx(1, abs=1e-8)
    assert quad(lambda x: x**2 * T.semicircle_density(x, n, beta), -r, r)[0] == pytest.approx(r**2 / 4, rel=1e-8)
    assert T.semicircle_density(1.01 * r, n, beta) == 0
    assert quad(lambda t: T.circle_density(t), -np.pi, np.pi)[0] == pytest.approx(1)


@pytest.mark.parametrize("call", [
    lambda: T.circular_form_factor(5, [1, 2], 3),
    lambda: T.circular_form_factor(5, [0], 2),
    lambda: T.circular_number_variance(5, 7.0, 2),
    lambda: T.wigner_surmise(1.0, 3),
    lambda: T.gap_ratio_surmise(1.0, 1.5),
    lambda: T.circular_first_form_factor(5, 0),
    lambda: T.circular_number_variance(10, 1.0, 1, k_max=-5),
    lambda: T.circular_number_variance(10, 1.0, 1, k_max=0),
    lambda: T.circular_number_variance(10, 1.0, 2, k_max=100),
    lambda: T.circular_number_variance(10, np.nan, 1),
    lambda: T.circular_number_variance(10, [0.5, np.inf], 2),
    lambda: T.circular_number_variance(10, -0.1, 2),
    lambda: T.circular_number_variance(0, 1.0, 2),
    lambda: T.circular_number_variance(10, 1.0, 3),
    lambda: T.circular_number_variance(10, 1.0, np.nan),
    lambda: T.circular_form_factor(5, [1, 2.5], 2),
    lambda: T.circular_form_factor(5, np.nan, 1),
    lambda: T.circular_form_factor(5, [1, 2], 2.5),
    lambda: T.wigner_surmise(np.nan, 2),
    lambda: T.gap_ratio_surmise([0.5, np.inf], 1),
    lambda: T.semicircle_density(np.nan, 10, 1),
    lambda: T.circle_density([0.1, np.nan]),
    lambda: T.gaussian_trace_moment(5, 1, 3),
    lambda: T.semicircle_radius(5, -1),
    lambda: T.laguerre_trace_moment(5, 4, 1, 1),
    lambda: T.laguerre_trace_moment(5, 6, 1, 4),
    lambda: T.jacobi_trace_moment(5, 6, 3.9, 1, 2),
    lambda: T.jacobi_trace_moment(5, 6, 6, 0, 2),
])
def test_bad_input(call):
    with pytest.raises(ValueError):
        call()


@pytest.mark.parametrize("call, match", [
    (lambda: T.circular_number_variance(10, 1.0, 1, k_max=2.5), "k_max"),
    (lambda: T.circular_number_variance(10, 1.0, 1, k_max="3"), "k_max"),
    (lambda: T.circular_number_variance(10, "1.0", 1), "arc"),
    (lambda: T.circular_number_variance(10, 1j, 1), "arc"),
    (lambda: T.circular_number_variance(10, 1.0, True), "beta"),
    (lambda: T.circular_number_variance(10, 1.0, "2"), "beta"),
    (lambda: T.circular_number_variance(10.0, 1.0, 2), "n"),
    (lambda: T.circular_form_factor(5, "3", 2), "k"),
    (lambda: T.circular_form_factor(5, [True], 2), "k"),
    (lambda: T.circular_form_factor(5, 3, None), "beta"),
    (lambda: T.wigner_surmise("1", 2), "s"),
    (lambda: T.wigner_surmise(1.0, "2"), "beta"),
    (lambda: T.gap_ratio_surmise(1.0, True), "beta"),
    (lambda: T.semicircle_density("x", 10, 1), "x"),
    (lambda: T.circle_density("abc"), "theta"),
    (lambda: T.gaussian_trace_moment(5, 1, 2.0), "power"),
    (lambda: T.laguerre_trace_moment(5, "6", 1, 2), "m"),
    (lambda: T.jacobi_trace_moment(5, 6, 6, 1, True), "power"),
    (lambda: T.jacobi_trace_moment(5.0, 6, 6, 1, 1), "n"),
])
def test_bad_input_types(call, match):
    with pytest.raises(TypeError, match=match):
        call()


def _exact_form_factor(n, k, beta):
    """t_k from the finite sums of the module docstring in exact rational arithmetic."""
    if beta == 1:
        if k <= n:
            return float(2 * k - k * sum(Fraction(2, 2 * m + n - 1) for m in range(1, k + 1)))
        return float(2 * n - k * sum(Fraction(2, 2 * (m + k) - n - 1) for m in range(1, n + 1)))
    if k >= 2 * n:
        return float(n)
    return float(Fraction(k, 2) + Fraction(k, 4) * sum(Fraction(2, 2 * n + 1 - 2 * m) for m in range(1, k + 1)))


@pytest.mark.parametrize("beta", [1, 4])
def test_form_factor_exact_sums_also_at_large_k(beta):
    """The digamma form of the sums equals the exact rational sums to 1e-13, also at k = 1e12
    where the two digammas cancel to 12 digits (their plain difference is off by 1e-3 there)."""
    for n in (1, 2, 7, 40):
        ks = np.r_[np.arange(1, 3 * n + 3), [10**6, 10**9, 10**12]]
        exact = np.array([_exact_form_factor(n, int(k), beta) for k in ks])
        assert np.allclose(T.circular_form_factor(n, ks, beta), exact, rtol=1e-13, atol=0)
    assert T.circular_form_factor(3, 7, 1).shape == ()
    assert T.circular_form_factor(3, [[1, 2], [3, 4]], 2).shape == (2, 2)


def test_number_variance_works_in_blocks(monkeypatch):
    """The (arcs, k) terms of the series are summed in blocks of bounded size (256 KiB here,
    64 MiB by default): 64 arcs x 4e5 terms (about 200 MB in one piece, 3.3 GB for the default
    k_max at N = 1024 x 100 arcs) peak below 1 MiB; the result equals the one-block sum up to
    the rounding of sums whose terms are of size N (100 eps N)."""
    arcs = np.linspace(0.05, 2 * np.pi, 64)
    monkeypatch.setattr(_validation, "_BLOCK_BYTES", 2**18)
    blocked, peak = peak_bytes(lambda: T.circular_number_variance(1024, arcs, 1, k_max=400_000))
    assert peak < 2**20
    monkeypatch.setattr(_validation, "_BLOCK_BYTES", 2**30)
    one_block = T.circular_number_variance(1024, arcs[::8], 1, k_max=20_000)
    monkeypatch.setattr(_validation, "_BLOCK_BYTES", 2**12)
    rounding = 100 * np.finfo(float).eps * 1024
    assert np.allclose(T.circular_number_variance(1024, arcs[::8], 1, k_max=20_000), one_block, rtol=0, atol=rounding)
    ks = np.arange(1, 20_001)
    direct = (1024 * (np.pi * arcs[::8] / 2 - arcs[::8] ** 2 / 4)
              + np.sum((T.circular_form_factor(1024, ks, 1) - 1024) / ks**2 * (1 - np.cos(np.outer(arcs[::8], ks))),
                       axis=1)) / np.pi**2
    assert np.allclose(one_block, direct, rtol=0, atol=rounding)
    assert np.all(blocked[:-1] > 0) and abs(blocked[-1]) < rounding  # the whole circle holds all N levels


@pytest.mark.parametrize("beta", [0, 1, 2, 4])
def test_surmises_at_extreme_arguments(beta):
    """Huge spacings and ratios give the (near-)zero tail, not NaN (inf * 0 from s^beta e^{-b s^2} or
    r^{2 beta} / r^{2 + 3 beta}); the ratio density keeps its symmetry P(r) = P(1/r) / r^2."""
    huge = np.array([1e154, 1e300, np.finfo(float).max])
    assert np.array_equal(T.wigner_surmise(huge, beta), np.zeros(3))
    tail = T.gap_ratio_surmise(huge, beta)  # ~ r^-(2 + beta)
    assert np.all(np.isfinite(tail)) and np.all(tail <= 1.01e-308) and tail[-1] == 0
    r = np.array([1.5, 10.0, 1e3])
    assert np.allclose(T.gap_ratio_surmise(r, beta), T.gap_ratio_surmise(1 / r, beta) / r**2, rtol=1e-13)
    assert T.wigner_surmise(T._SURMISE_ZERO, beta) == (0 if beta else np.exp(-T._SURMISE_ZERO))


@pytest.mark.parametrize("call", [
    lambda: T.gaussian_trace_moment(5, 1e160, 4),
    lambda: T.semicircle_radius(10, 1e308),
    lambda: T.semicircle_density(0.0, 10, 1e308),
    lambda: T.circular_form_factor(2**60, 3, 2),
])
def test_overflowing_sizes_are_refused(call):
    with pytest.raises(ValueError, match="overflow|2\\*\\*53"):
        call()


@pytest.mark.parametrize("beta", [0.3, 1, 2.5])
def test_jacobi_trace_moments_at_n_1_are_beta_moments(beta):
    """One eigenvalue: Beta(beta m1 / 2, beta m2 / 2) (docs/theory.md, section 7.5)."""
    a, b = beta * 3.5 / 2, beta * 2.25 / 2
    assert T.jacobi_trace_moment(1, 3.5, 2.25, beta, 1) == pytest.approx(a / (a + b), rel=1e-15)
    assert T.jacobi_trace_moment(1, 3.5, 2.25, beta, 2) == pytest.approx(a * (a + 1) / ((a + b) * (a + b + 1)),
                                                                         rel=1e-15)


def test_jacobi_second_moment_limits():
    """E sum lambda^2 / n tends to the Wachter second moment, and to n (m1 / (m1 + m2))^2 ... as m1, m2 grow with n
    fixed (the eigenvalues concentrate at m1 / (m1 + m2)); it lies between (E sum lambda)^2 / n and E sum lambda."""
    from scipy.integrate import quad

    n, m1, m2 = 2000, 3000, 5000
    wachter = quad(lambda x: x**2 * T.wachter_density(x, n, m1, m2), 0, 1, limit=200)[0]
    assert T.jacobi_trace_moment(n, m1, m2, 1.7, 2) / n == pytest.approx(wachter, rel=1e-3)
    assert T.jacobi_trace_moment(3, 3e9, 1e9, 0.8, 2) == pytest.approx(3 * 0.75**2, rel=1e-8)
    for beta in (0.5, 1, 4):
        mean, second = (T.jacobi_trace_moment(4, 4.5, 7, beta, p) for p in (1, 2))
        assert mean**2 / 4 < second < mean
