"""Gaussian beta-ensembles and mixed ensembles: exact moments, structure, reproducibility."""
import numpy as np
import pytest
from scipy import stats

from bristol.ensembles import (
    gaussian_eigvals,
    gaussian_ensemble_eigvals,
    goe,
    gse,
    gue,
    mixed_ensemble_eigvals,
    mixed_ensemble_orders,
    quaternion_dual,
)
from bristol.spectral_stats import mean_gap_ratio
from bristol.theory import MEAN_GAP_RATIO_LARGE_N, gaussian_trace_moment, semicircle_radius

from helpers import assert_chi2

DENSE = {1: goe, 2: gue, 4: gse}


def _dense_eigvals(beta, n, size, seed):
    ev = np.linalg.eigvalsh(DENSE[beta](n, size=size, random_state=seed))
    return ev[:, ::2] if beta == 4 else ev


def _moment_samples(ev):
    return np.stack([(ev**2).sum(1), (ev**4).sum(1)], axis=1)


@pytest.mark.parametrize("beta", [1, 2, 4])
@pytest.mark.parametrize("n", [3, 8])
def test_dense_moments_exact(beta, n):
    ev = _dense_eigvals(beta, n, 20000, 100 + n + beta)
    assert_chi2(_moment_samples(ev), [gaussian_trace_moment(n, beta, 2), gaussian_trace_moment(n, beta, 4)])


@pytest.mark.parametrize("beta", [0.5, 1, 2, 2.7, 4])
@pytest.mark.parametrize("n", [3, 8])
def test_tridiagonal_moments_exact(beta, n):
    ev = gaussian_eigvals(n, beta, size=20000, random_state=200 + n)
    assert_chi2(_moment_samples(ev), [gaussian_trace_moment(n, beta, 2), gaussian_trace_moment(n, beta, 4)])


def test_moment_test_has_power():
    """Dividing the off-diagonal by sqrt(2) twice (a classic slip) is rejected."""
    ev = gaussian_eigvals(8, 1, size=20000, random_state=3) / np.sqrt(1.1)
    with pytest.raises(AssertionError):
        assert_chi2(_moment_samples(ev), [gaussian_trace_moment(8, 1, 2), gaussian_trace_moment(8, 1, 4)])


def test_structure():
    h1, h2, h4 = goe(6, size=3, random_state=1), gue(6, size=3, random_state=2), gse(5, size=3, random_state=3)
    assert h1.dtype == float and np.array_equal(h1, np.swapaxes(h1, -1, -2))
    assert np.array_equal(h2, np.conj(np.swapaxes(h2, -1, -2)))
    assert h4.shape == (3, 10, 10) and np.array_equal(h4, np.conj(np.swapaxes(h4, -1, -2)))
    assert np.abs(quaternion_dual(h4) - h4).max() < 1e-15
    ev = np.linalg.eigvalsh(h4)
    assert np.abs(ev[:, 0::2] - ev[:, 1::2]).max() < 1e-12  # Kramers pairs
    assert np.diff(ev[:, 1::2], axis=1).min() > 1e-8


def test_diagonal_and_offdiagonal_variances():
    h = goe(4, size=40000, random_state=4)
    assert abs(h[:, 0, 0].var() - 1) < 5 * np.sqrt(2 / 40000)
    assert abs(h[:, 0, 1].var() - 0.5) < 5 * 0.5 * np.sqrt(2 / 40000)


@pytest.mark.parametrize("beta", [1, 2, 4])
def test_semicircle_edge_and_second_moment(beta):
    n = 400
    ev = gaussian_eigvals(n, beta, size=20, random_state=5)
    x = ev / semicircle_radius(n, beta)
    assert 0.98 < np.abs(x).max() < 1.03
    per_member = (x**2).mean(axis=1)
    exact = gaussian_trace_moment(n, beta, 2) / n / semicircle_radius(n, beta) ** 2  # -> 1/4
    se = per_member.std(ddof=1) / np.sqrt(per_member.size)
    assert abs(per_member.mean() - exact) < 5 * se and abs(exact - 0.25) < 0.25 / n


@pytest.mark.parametrize("beta", [1, 2, 4])
def test_gap_ratio_large_n(beta):
    """Mean gap ratio of the bulk (middle half) at N = 400 within 0.005 of Atas et al."""
    ev = gaussian_eigvals(400, beta, size=150, random_state=6)[:, 100:300]
    assert abs(mean_gap_ratio(ev) - MEAN_GAP_RATIO_LARGE_N[beta]) < 0.005


def test_dense_and_tridiagonal_agree_in_law():
    """Two-sample KS on the largest eigenvalue (beta = 2, N = 6)."""
    from scipy import stats

    dense = _dense_eigvals(2, 6, 8000, 7)[:, -1]
    tri = gaussian_eigvals(6, 2, size=8000, random_state=8)[:, -1]
    assert stats.ks_2samp(dense, tri).pvalue > 1e-6


def test_chunked_reproducible():
    a = gaussian_ensemble_eigvals(50, 9, 1.5, chunk_size=2, random_state=9, n_jobs=1).values
    b = gaussian_ensemble_eigvals(50, 9, 1.5, chunk_size=2, random_state=9, n_jobs=2).values
    c = gaussian_ensemble_eigvals(50, 9, 1.5, chunk_size=2, random_state=9, n_jobs=2, backend="threading").values
    assert a.shape == (9, 50) and np.array_equal(a, b) and np.array_equal(a, c)
    assert len({r.tobytes() for r in a}) == 9


def test_mixed_ensemble_sizes_and_pooling():
    pooled, orders = mixed_ensemble_eigvals(60, 0.7, 12, random_state=10, return_orders=True)
    assert pooled.shape == (12, 60) and orders.shape == (12,) and orders.min() >= 1 and orders.max() <= 60
    for row, k in zip(pooled, orders):
        assert np.array_equal(row, np.resize(row[:k], 60))  # exactly N values, periodic in n_i
        assert np.unique(np.round(row, 12)).size == k
    for order in ("ascending", "descending", "random"):
        p = mixed_ensemble_eigvals(60, 0.7, 12, beta=2.5, order=order, random_state=10)
        assert p.shape == (12, 60)
    asc = mixed_ensemble_eigvals(30, 0.5, 4, order="ascending", random_state=11, return_orders=True)
    for row, k in zip(*asc):
        assert np.all(np.diff(row[:k]) >= 0)


def test_mixed_mu_one_is_the_plain_ensemble():
    pooled, orders = mixed_ensemble_eigvals(40, 1.0, 30, order="ascending", random_state=12, return_orders=True)
    assert np.all(orders == 40)
    assert_chi2(_moment_samples(pooled), [gaussian_trace_moment(40, 1, 2), gaussian_trace_moment(40, 1, 4)])


def test_mixed_orders_binomial_mean():
    orders = mixed_ensemble_orders(400, 0.8, 5000, random_state=13)
    assert abs(orders.mean() - 320) < 5 * np.sqrt(400 * 0.8 * 0.2 / 5000)


def test_gse_solver_order_returns_one_of_each_pair():
    pooled, orders = mixed_ensemble_eigvals(10, 0.9, 5, beta=4, random_state=14, return_orders=True)
    for row, k in zip(pooled, orders):
        assert np.unique(np.round(row[:k], 10)).size == k


@pytest.mark.parametrize("call, exc, match", [
    (lambda: goe(0), ValueError, "n must be"),
    (lambda: gaussian_eigvals(-1, 1), ValueError, "n must be"),
    (lambda: gaussian_eigvals(5, 0), ValueError, "beta"),
    (lambda: gaussian_eigvals(5, -2), ValueError, "beta"),
    (lambda: mixed_ensemble_eigvals(10, 1.5, 3), ValueError, "mu"),
    (lambda: mixed_ensemble_eigvals(10, -0.1, 3), ValueError, "mu"),
    (lambda: mixed_ensemble_eigvals(10, 0.0, 3), ValueError, "mu"),
    (lambda: mixed_ensemble_eigvals(10, 0.5, 0), ValueError, "m must be"),
    (lambda: mixed_ensemble_eigvals(10, 0.5, 3, beta=0), ValueError, "beta"),
    (lambda: mixed_ensemble_eigvals(10, 0.5, 3, beta=2.5), ValueError, "solver"),
    (lambda: mixed_ensemble_eigvals(10, 0.5, 3, order="sorted"), ValueError, "order"),
    (lambda: gaussian_trace_moment(5, 1, 3), ValueError, "power"),
])
def test_bad_input(call, exc, match):
    with pytest.raises(exc, match=match):
        call()


# --- issue 11: zero-truncated binomial orders, beta range, memory ---

@pytest.mark.parametrize("n, mu, m", [(10, 0.01, 20000), (10**6, 1e-7, 20000), (10, 0.3, 20000)])
def test_mixed_orders_zero_truncated_binomial_law(n, mu, m):
    """Frequencies of n_i = 1, 2, 3 match Binomial(N, mu) conditioned on n_i >= 1 (5 sigma),
    also where P(n_i = 0) is large (0.90 for the first two cases): redrawing or clipping zero
    orders to 1 would pile them on n_i = 1."""
    orders = mixed_ensemble_orders(n, mu, m, random_state=21)
    assert orders.min() >= 1 and orders.max() <= n
    law = stats.binom(n, mu)
    for k in (1, 2, 3):
        p = law.pmf(k) / law.sf(0)
        assert abs(np.sum(orders == k) - m * p) < 5 * np.sqrt(m * p * (1 - p)) + 1e-9, k


def test_mixed_orders_tiny_mu_is_exact_and_fast():
    assert np.all(mixed_ensemble_orders(10, 1e-300, 5, random_state=0) == 1)  # P(n_i >= 2 | n_i >= 1) ~ 5e-300
    assert np.all(mixed_ensemble_orders(10, 5e-324, 5, random_state=0) == 1)
    orders = mixed_ensemble_orders(10, 1e-7, 10**5, random_state=1)
    assert orders.min() == 1 and np.sum(orders > 1) <= 5  # expected 0.045 orders above 1
    assert np.all(mixed_ensemble_orders(7, 1.0, 50, random_state=2) == 7)


@pytest.mark.parametrize("mu, exc", [(float("nan"), ValueError), (0.0, ValueError), (1.0000001, ValueError),
                                     (-1e-300, ValueError), (float("inf"), ValueError), ("0.5", TypeError),
                                     (True, TypeError), (0.5j, TypeError)])
def test_mixed_orders_validate_mu(mu, exc):
    with pytest.raises(exc, match="mu must be a real number in \\(0, 1\\]"):
        mixed_ensemble_orders(10, mu, 3)


def test_gaussian_beta_range():
    """Any beta > 0 works while beta (n - 1) <= 1e300; beyond, a ValueError names beta."""
    tiny = gaussian_eigvals(5, 5e-324, size=2, random_state=3)  # off-diagonal vanishes: sorted N(0, 1)
    assert np.array_equal(tiny, np.sort(np.random.default_rng(3).standard_normal((2, 5)), axis=1))
    big = gaussian_eigvals(5, 1e300 / 4, size=2, random_state=4)
    assert np.all(np.isfinite(big)) and np.all(np.diff(big, axis=1) > 0)
    assert np.array_equal(gaussian_eigvals(1, 1e308, random_state=5), gaussian_eigvals(1, 1, random_state=5))
    for call in (lambda: gaussian_eigvals(5, 1e308), lambda: gaussian_eigvals(5, 1.01e300 / 4),
                 lambda: gaussian_ensemble_eigvals(5, 2, 1e308),
                 lambda: mixed_ensemble_eigvals(5, 0.5, 2, beta=1e308, order="ascending")):
        with pytest.raises(ValueError, match="beta = .* is too large for n = 5"):
            call()


@pytest.mark.parametrize("call, what", [
    (lambda: goe(10**6), "goe\\(n=1000000, size=None\\)"),
    (lambda: gue(10, size=(10**5, 10**5)), "gue\\(n=10, size=\\(100000, 100000\\)\\)"),
    (lambda: gse(10**5, size=3), "gse\\(n=100000, size=3\\)"),
    (lambda: gaussian_eigvals(10**14), "gaussian_eigvals\\(n=100000000000000, size=None\\)"),
    (lambda: gaussian_eigvals(10, size=10**15), "gaussian_eigvals\\(n=10, size=1000000000000000\\)"),
    (lambda: gaussian_eigvals(2**58, size=0), "gaussian_eigvals\\(n=288230376151711744, size=0\\)"),
    (lambda: gaussian_ensemble_eigvals(100, 10**14), "n_matrices = 100000000000000 of 800 bytes each"),
    (lambda: mixed_ensemble_eigvals(10**7, 0.5, 10**11), "mixed_ensemble_eigvals\\(n=10000000, m=100000000000\\)"),
    (lambda: mixed_ensemble_orders(10, 0.5, 10**15), "mixed_ensemble_orders\\(m=1000000000000000\\)"),
])
def test_sizes_that_cannot_fit_are_refused_up_front(call, what):
    with pytest.raises(ValueError, match=what + " needs [0-9.e+]+ GiB, more than the .* GiB of memory"):
        call()
