"""Tracy-Widom laws, Marchenko-Pastur and Wachter densities (theory.md section 9)."""
import numpy as np
import pytest
from numpy.polynomial.legendre import leggauss
from scipy.integrate import quad

from bristol import theory as T

#: Bornemann, Math. Comp. 79 (2010) 871, Table 10 (F_4 in his scaling F_4(s) = F_4^TW(sqrt(2) s)):
#: mean, variance, skewness, excess kurtosis.
BORNEMANN = {
    1: (-1.2065335745820, 1.607781034581, 0.29346452408, 0.1652429384),
    2: (-1.771086807411601, 0.8131947928329, 0.224084203610, 0.0934480876),
    4: (-2.306884893241, 0.5177237207726, 0.16550949435, 0.0491951565),
}


@pytest.mark.parametrize("beta", [1, 2, 4])
def test_moments_match_bornemann(beta):
    mean, var, skew, kurt = T.tracy_widom(beta).stats(moments="mvsk")
    ref = BORNEMANN[beta]
    assert abs(mean - ref[0]) < 1e-9 and abs(var - ref[1]) < 1e-9
    assert abs(skew - ref[2]) < 1e-9 and abs(kurt - ref[3]) < 1e-9
    if beta == 4:  # Tracy & Widom's F_4^TW(s) = F_4(s / sqrt 2): mean -3.2624, variance 1.0354 (theory.md section 9)
        assert abs(mean * np.sqrt(2) + 3.262427901) < 1e-8 and abs(var * 2 - 1.035447442) < 1e-8


@pytest.mark.parametrize("beta", [1, 2, 4])
def test_pdf_is_the_derivative_of_the_cdf_and_integrates_to_one(beta):
    tw = T.tracy_widom(beta)
    t, w = leggauss(80)
    lo, hi = -12.0, 16.0
    s = lo + (t + 1) * (hi - lo) / 2
    assert abs(w * (hi - lo) / 2 @ tw.pdf(s) - 1) < 1e-12
    x, h = np.array([-4.0, -2.0, -0.5, 1.5]), 1e-3
    # fourth-order central difference: error O(h^4) ~ 1e-12
    numeric = (tw.cdf(x - 2 * h) - 8 * tw.cdf(x - h) + 8 * tw.cdf(x + h) - tw.cdf(x + 2 * h)) / (12 * h)
    assert np.allclose(tw.pdf(x), numeric, rtol=0, atol=1e-9)
    assert np.all(np.diff(tw.cdf(np.linspace(-8, 2, 11))) > 0)


def test_limits_and_tails():
    tw = T.tracy_widom(2)
    assert tw.cdf(-np.inf) == 0 and tw.cdf(np.inf) == 1 and tw.cdf(-30.0) == 0 and tw.cdf(45.0) == 1
    # right tail: 1 - F_2(s) ~ exp(-4 s^(3/2) / 3) / (16 pi s^(3/2)) (Tracy & Widom 1994)
    s = 8.0
    assert tw.sf(s) == pytest.approx(np.exp(-4 * s**1.5 / 3) / (16 * np.pi * s**1.5), rel=0.05)


@pytest.mark.parametrize("beta", [1, 4])
def test_ppf_inverts_cdf(beta):
    tw = T.tracy_widom(beta)
    x = np.array([-3.5, -1.0, 0.7])
    assert np.allclose(tw.ppf(tw.cdf(x)), x, rtol=0, atol=1e-10)
    assert tw.ppf(0.0) == -np.inf and tw.ppf(1.0) == np.inf
    q = np.array([1e-9, 0.5, 1 - 1e-9])  # the tails, where Newton runs on log F and log(1 - F)
    assert np.allclose(tw.cdf(tw.ppf(q[:2])) / q[:2], 1, rtol=1e-9, atol=0)
    assert abs(tw.sf(tw.ppf(q[2])) / 1e-9 - 1) < 1e-6  # 1 - F carries the rounding of F (1e-16 / 1e-9)


def test_rvs_reproducible_and_distributed():
    tw = T.tracy_widom(2)
    seq = np.random.SeedSequence(11)
    a, b = tw.rvs(size=40, random_state=seq), tw.rvs(size=40, random_state=seq)
    assert a.shape == (40,) and np.array_equal(a, b)
    assert not np.array_equal(a, tw.rvs(size=40, random_state=12))
    # inverse transform: the uniforms of the same generator come back through the cdf
    assert np.allclose(tw.cdf(a), np.random.default_rng(seq).random(40), atol=1e-12)
    assert abs(a.mean() - tw.mean()) < 5 * tw.std() / np.sqrt(40)


def test_tracy_widom_validation():
    with pytest.raises(ValueError, match="beta"):
        T.tracy_widom(3)
    with pytest.raises(TypeError, match="beta"):
        T.tracy_widom("2")


@pytest.mark.parametrize(("n", "m", "beta"), [(4, 16, 1), (10, 10, 2), (30, 45.5, 4), (5, 8, 0.5)])
def test_marchenko_pastur_moments(n, m, beta):
    sigma, c = beta * m, n / m
    lower, upper = sigma * (1 - np.sqrt(c)) ** 2, sigma * (1 + np.sqrt(c)) ** 2
    moments = [quad(lambda x, k=k: x**k * T.marchenko_pastur_density(x, n, m, beta), lower, upper,
                    limit=200, epsabs=1e-12, epsrel=1e-11)[0] for k in range(3)]
    assert moments[0] == pytest.approx(1, abs=1e-8)
    assert moments[1] == pytest.approx(beta * m, rel=1e-8)  # E sum(lambda) / n = beta m, exact at every n
    # the leading term of the exact E sum(lambda^2) / n = m (beta^2 (n + m) + beta (2 - beta)) (theory.md section 9)
    assert moments[2] == pytest.approx(m * beta**2 * (n + m), rel=1e-8)
    assert np.all(T.marchenko_pastur_density([lower / 2, 2 * upper], n, m, beta) == 0)


@pytest.mark.parametrize(("n", "m1", "m2"), [(10, 20, 20), (200, 300, 500), (5, 5, 12.5)])
def test_wachter_moments(n, m1, m2):
    total = quad(lambda x: T.wachter_density(x, n, m1, m2), 0, 1, limit=200, epsabs=1e-12)[0]
    first = quad(lambda x: x * T.wachter_density(x, n, m1, m2), 0, 1, limit=200, epsabs=1e-12)[0]
    assert total == pytest.approx(1, abs=1e-8)
    assert first == pytest.approx(m1 / (m1 + m2), abs=1e-8)  # E sum(lambda) / n, exact at every n


def test_wachter_against_dense_manova():
    rng = np.random.default_rng(3)
    n, m1, m2 = 60, 90, 150
    a, b = rng.standard_normal((2, n, m1)), rng.standard_normal((2, n, m2))
    eig = np.concatenate([np.linalg.eigvalsh(np.linalg.solve(np.linalg.cholesky(x @ x.T + y @ y.T), np.eye(n))
                                             @ (x @ x.T) @ np.linalg.solve(np.linalg.cholesky(x @ x.T + y @ y.T),
                                                                           np.eye(n)).T) for x, y in zip(a, b)])
    second = quad(lambda x: x**2 * T.wachter_density(x, n, m1, m2), 0, 1, limit=200)[0]
    # finite-n correction O(1/n) ~ 2e-3 here, the sampling error ~ 5e-4
    assert abs(np.mean(eig**2) - second) < 5e-3


def test_density_validation():
    with pytest.raises(ValueError, match="m must be at least n"):
        T.marchenko_pastur_density(1.0, 5, 4)
    with pytest.raises(ValueError, match="beta"):
        T.marchenko_pastur_density(1.0, 5, 6, beta=0)
    with pytest.raises(TypeError, match="n"):
        T.marchenko_pastur_density(1.0, 2.5, 6)
    with pytest.raises(ValueError, match="x"):
        T.marchenko_pastur_density(np.nan, 2, 6)
    with pytest.raises(ValueError, match="m2 must be at least n"):
        T.wachter_density(0.5, 5, 6, 3)
    with pytest.raises(TypeError, match="m1"):
        T.wachter_density(0.5, 5, "6", 7)


def test_ppf_takes_a_few_newton_steps(monkeypatch):
    from bristol import _fredholm

    calls = []
    evaluate = _fredholm.cdf_pdf
    monkeypatch.setattr(_fredholm, "cdf_pdf", lambda s, beta: calls.append(s) or evaluate(s, beta))
    tw = T.tracy_widom(2)
    for q in (1e-9, 0.01, 0.5, 0.99, 1 - 1e-9):
        calls.clear()
        tw.ppf(q)
        assert len(calls) <= 12, q  # bisection alone would need ~45


# --- finite-n edge scaling (theory.md section 9.1) -------------------------------------------------
#
# (lambda_max - center) / scale -> tracy_widom(beta); the sampled mean and variance may differ from the
# limit by the standard error and by the finite-n bias, which is O(n^(-2/3)) after the shift
# n -> n + 1/2 - 1/beta. Its constants were measured with 20000 draws for n = 10 ... 800 (beta = 1, 2, 4):
# |mean bias| <= 0.32 n^(-2/3) and |var / var_TW - 1| <= 0.33 n^(-2/3) (Gaussian), |mean bias| <= 0.7 n^(-2/3)
# and |var / var_TW - 1| <= 1.4 n^(-2/3) (Laguerre, n / m <= 1); the bounds below allow about 1.5 times that.
# Without the shift the mean is off by about 0.5 n^(-1/3) at beta = 1 (0.15 at n = 50, 100), which they catch.
EDGE_BIAS = {"gaussian": (0.5, 0.5), "laguerre": (1.0, 2.0)}  # (mean, relative variance) times n^(-2/3)


def largest_eigenvalues(kind, n, beta, draws, seed, m=None):
    """lambda_max of ``draws`` members from the library's tridiagonal models, by bisection (O(n) each)."""
    from scipy.linalg import eigvalsh_tridiagonal

    from bristol.ensembles._gaussian import tridiagonal_model
    from bristol.ensembles._laguerre import bidiagonal_model

    rng = np.random.default_rng(seed)
    if kind == "gaussian":
        diag, off = tridiagonal_model(n, beta, (draws,), rng)
    else:  # B B^T of the bidiagonal model, as laguerre_eigvals builds it
        b_diag, b_sub = bidiagonal_model(n, m, beta, (draws,), rng)
        diag, off = b_diag**2, b_diag[:, :-1] * b_sub
        diag[:, 1:] += b_sub**2
    return np.array([eigvalsh_tridiagonal(d, e, select="i", select_range=(n - 1, n - 1))[0]
                     for d, e in zip(diag, off)])


def edge_variable(kind, n, beta, draws, seed, m=None):
    center, scale = (T.gaussian_edge_scaling(n, beta) if kind == "gaussian"
                     else T.laguerre_edge_scaling(n, m, beta))
    return (largest_eigenvalues(kind, n, beta, draws, seed, m) - center) / scale


@pytest.mark.parametrize("beta", [1, 2, 4])
@pytest.mark.parametrize(("kind", "n", "m"), [("gaussian", 50, None), ("laguerre", 100, 200)])
def test_edge_scaling_mean_and_variance(kind, n, m, beta):
    draws = 10000
    z = edge_variable(kind, n, beta, draws, seed=beta, m=m)
    tw = T.tracy_widom(beta)
    mean, var, _, kurt = (float(v) for v in tw.stats(moments="mvsk"))
    c_mean, c_var = EDGE_BIAS[kind]
    assert abs(z.mean() - mean) < 5 * np.sqrt(var / draws) + c_mean * n ** (-2 / 3)
    # the sample variance's relative standard error is sqrt((kurtosis + 2) / draws)
    assert abs(z.var() / var - 1) < 5 * np.sqrt((kurt + 2) / draws) + c_var * n ** (-2 / 3)


@pytest.mark.parametrize("beta", [1, 2, 4])
def test_edge_scaling_against_tracy_widom_at_large_n(beta):
    """Counts in 8 bins of equal Tracy-Widom probability at n = 2000 (Gaussian) and n = 1000, m = 1500
    (Laguerre), chi-square test: the bias (about 0.01 in the cdf) is far below its resolution with 400 draws."""
    from scipy import stats

    edges = np.concatenate([[-np.inf], T.tracy_widom(beta).ppf(np.arange(1, 8) / 8), [np.inf]])
    for z in (edge_variable("gaussian", 2000, beta, 400, seed=10 + beta),
              edge_variable("laguerre", 1000, beta, 400, seed=20 + beta, m=1500)):
        counts = np.histogram(z, edges)[0]
        assert stats.chisquare(counts).pvalue > 1e-6, counts


def test_edge_scaling_values_and_conventions():
    # beta = 2: the classical GUE scaling sqrt(2N) + s / (sqrt(2) ... ) in bristol's units, no shift
    center, scale = T.gaussian_edge_scaling(1000, 2)
    assert center == pytest.approx(np.sqrt(4000), rel=1e-15) and scale == pytest.approx(1000 ** (-1 / 6), rel=1e-15)
    # beta = 1: Johnstone's formula at the shifted sizes m - 1/2, n - 1/2
    center, scale = T.laguerre_edge_scaling(20, 30, 1)
    root = np.sqrt(29.5) + np.sqrt(19.5)
    assert center == pytest.approx(root**2, rel=1e-15)
    assert scale == pytest.approx(root * (1 / np.sqrt(29.5) + 1 / np.sqrt(19.5)) ** (1 / 3), rel=1e-15)
    # beta = 4: Bornemann's F_4 is the law of 2^(1/6) TW_4, so the scale carries 2^(-1/6) against beta near 4
    assert T.gaussian_edge_scaling(100, 4).scale / T.gaussian_edge_scaling(100, 4 + 1e-9).scale == pytest.approx(
        2 ** (-1 / 6), rel=1e-8)
    # the centre tends to the edges of the semicircle and of Marchenko-Pastur
    assert T.gaussian_edge_scaling(10**12, 0.7).center / T.semicircle_radius(10**12, 0.7) == pytest.approx(1, rel=1e-11)
    n, m, beta = 10**12, 3 * 10**12, 2.5
    assert T.laguerre_edge_scaling(n, m, beta).center == pytest.approx(beta * m * (1 + np.sqrt(n / m)) ** 2, rel=1e-11)
    assert isinstance(T.laguerre_edge_scaling(5, 4.5, 0.5), T.EdgeScaling)


@pytest.mark.parametrize(("call", "exc", "match"), [
    (lambda: T.gaussian_edge_scaling(0, 1), ValueError, "n"),
    (lambda: T.gaussian_edge_scaling(2.5, 1), TypeError, "n"),
    (lambda: T.gaussian_edge_scaling(5, -1), ValueError, "beta"),
    (lambda: T.gaussian_edge_scaling(1, 0.5), ValueError, r"n \+ 1/2 - 1/beta must be > 0"),
    (lambda: T.laguerre_edge_scaling(5, 4, 1), ValueError, "m must be larger than n - 1"),
    (lambda: T.laguerre_edge_scaling(5, "6", 1), TypeError, "m"),
    (lambda: T.laguerre_edge_scaling(1, 0.4, 1), ValueError, r"m \+ 1/2 - 1/beta must be > 0"),
    (lambda: T.laguerre_edge_scaling(5, 1e308, 4), ValueError, "overflow"),
])
def test_edge_scaling_validation(call, exc, match):
    with pytest.raises(exc, match=match):
        call()
