"""Closed forms in bristol.theory against known values (theory.md) and quadrature."""
import numpy as np
import pytest
from scipy.integrate import quad

from bristol import theory as T


def test_form_factor_table():
    ks = np.arange(1, 7)
    assert np.allclose(T.circular_form_factor(5, ks, 2), [1, 2, 3, 4, 5, 5])
    assert np.allclose(T.circular_form_factor(5, ks, 1), [1.666667, 2.833333, 3.65, 4.2, 4.535714, 4.692857], atol=5e-7)
    assert np.allclose(T.circular_form_factor(5, ks, 4), [0.555556, 1.253968, 2.180952, 3.574603, 6.968254, 5.361905], atol=5e-7)
    assert np.allclose(T.circular_form_factor(4, np.arange(1, 9), 4), [0.57143, 1.34286, 2.51429, 5.35238, 4.19048, 4.02857, 4, 4], atol=5e-6)
    n = np.arange(1, 6)
    assert np.allclose(T.circular_form_factor(2, n, 1), 2 - 2 / (4 * n**2 - 1))
    assert T.circular_first_form_factor(5, 1) == pytest.approx(2 * 5 / 6)
    assert T.circular_first_form_factor(5, 4) == pytest.approx(5 / 9)
    assert T.circular_first_form_factor(5, 0.5) == pytest.approx(2.5)


def test_number_variance_values():
    assert np.allclose(T.circular_number_variance(20, 2 * np.pi * np.array([1, 5]) / 20, 2), [0.3437, 0.4983], atol=1e-4)
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
])
def test_bad_input(call):
    with pytest.raises(ValueError):
        call()
