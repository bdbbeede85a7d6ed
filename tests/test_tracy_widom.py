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
