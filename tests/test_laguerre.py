"""Laguerre (Wishart) ensembles: exact moments, dense vs bidiagonal law, validation."""
import numpy as np
import pytest
from scipy import stats

from bristol.ensembles import laguerre_eigvals, laguerre_ensemble_eigvals, quaternion_dual, wishart
from bristol.theory import laguerre_trace_moment

from helpers import assert_chi2


def _moments(n, m, beta):
    """E sum lambda and E sum lambda^2 (docs/theory.md, section 7.1)."""
    return [beta * n * m, n * m * (beta**2 * (n + m) + beta * (2 - beta))]


def _sums(ev):
    return np.stack([ev.sum(1), (ev**2).sum(1)], axis=1)


def _dense_eigvals(n, m, beta, size, seed):
    ev = np.linalg.eigvalsh(wishart(n, m, beta, size=size, random_state=seed))
    return ev[:, ::2] if beta == 4 else ev


@pytest.mark.parametrize("beta", [0.5, 1, 2, 2.5])
@pytest.mark.parametrize("n, m", [(5, 8), (3, 2.4)])
def test_bidiagonal_moments_exact(beta, n, m):
    assert [laguerre_trace_moment(n, m, beta, p) for p in (1, 2)] == pytest.approx(_moments(n, m, beta), rel=1e-14)
    assert_chi2(_sums(laguerre_eigvals(n, m, beta, size=20000, random_state=11)), _moments(n, m, beta))


@pytest.mark.parametrize("beta", [1, 2, 4])
def test_dense_moments_exact(beta):
    assert_chi2(_sums(_dense_eigvals(4, 6, beta, 20000, 12 + beta)), _moments(4, 6, beta))


def test_moment_test_has_power():
    """One degree of freedom too few on the diagonal (chi_{beta (m - i - 1)}) is rejected."""
    with pytest.raises(AssertionError):
        assert_chi2(_sums(laguerre_eigvals(5, 7, 1, size=20000, random_state=3)), _moments(5, 8, 1))


@pytest.mark.parametrize("beta", [1, 2, 4])
def test_dense_and_bidiagonal_agree_in_law(beta):
    """Two-sample KS on the smallest and the largest eigenvalue (n = 4, m = 6)."""
    dense = _dense_eigvals(4, 6, beta, 5000, 20 + beta)
    bidiagonal = laguerre_eigvals(4, 6, beta, size=5000, random_state=30 + beta)
    for k in (0, -1):
        assert stats.ks_2samp(dense[:, k], bidiagonal[:, k]).pvalue > 1e-6


def test_structure_and_shapes():
    w1, w2, w4 = (wishart(3, 5, beta, size=(2, 2), random_state=beta) for beta in (1, 2, 4))
    assert w1.dtype == float and w1.shape == (2, 2, 3, 3) and np.array_equal(w1, np.swapaxes(w1, -1, -2))
    assert w2.shape == (2, 2, 3, 3) and np.allclose(w2, np.conj(np.swapaxes(w2, -1, -2)))
    assert w4.shape == (2, 2, 6, 6) and np.allclose(quaternion_dual(w4), w4)
    ev = np.linalg.eigvalsh(w4)
    assert np.allclose(ev[..., 0::2], ev[..., 1::2]) and ev.min() > 0
    lam = laguerre_eigvals(30, 29.5, 0.3, size=(2, 3), random_state=4)
    assert lam.shape == (2, 3, 30) and np.all(np.diff(lam, axis=-1) >= 0) and lam.min() >= 0
    assert laguerre_eigvals(1, 0.5, 2, random_state=5).shape == (1,)
    assert laguerre_eigvals(4, 5, size=0).shape == (0, 4)
    assert np.array_equal(lam, laguerre_eigvals(30, 29.5, 0.3, size=(2, 3), random_state=4))


def test_chunked_reproducible():
    a = laguerre_ensemble_eigvals(40, 45.5, 9, 1.5, chunk_size=2, random_state=9, n_jobs=1).values
    b = laguerre_ensemble_eigvals(40, 45.5, 9, 1.5, chunk_size=2, random_state=9, n_jobs=2).values
    c = laguerre_ensemble_eigvals(40, 45.5, 9, 1.5, chunk_size=2, random_state=9, n_jobs=2, backend="threading").values
    assert a.shape == (9, 40) and np.array_equal(a, b) and np.array_equal(a, c)
    assert len({r.tobytes() for r in a}) == 9


@pytest.mark.parametrize("call, exc, match", [
    (lambda: laguerre_eigvals(5, 4), ValueError, "m must be larger than n - 1 = 4"),
    (lambda: laguerre_eigvals(5, np.nan), ValueError, "m"),
    (lambda: laguerre_eigvals(0, 3), ValueError, "n"),
    (lambda: laguerre_eigvals(2.5, 3), TypeError, "n"),
    (lambda: laguerre_eigvals(5, 6, 0), ValueError, "beta"),
    (lambda: laguerre_eigvals(5, 6, 1e300), ValueError, "beta \\* m"),
    (lambda: laguerre_ensemble_eigvals(5, 4, 3), ValueError, "m must be larger"),
    (lambda: laguerre_ensemble_eigvals(5, 6, 0), ValueError, "n_matrices"),
    (lambda: wishart(3, 4, 3), ValueError, "beta must be 1, 2 or 4"),
    (lambda: wishart(3, 4.5), TypeError, "m"),
    (lambda: wishart(3, 0), ValueError, "m"),
])
def test_bad_input(call, exc, match):
    with pytest.raises(exc, match=match):
        call()


@pytest.mark.parametrize("call, what", [
    (lambda: wishart(10**5, 10**5), "wishart\\(n=100000, m=100000, size=None\\)"),
    (lambda: laguerre_eigvals(10, 10, size=10**15), "laguerre_eigvals\\(n=10, size=1000000000000000\\)"),
    (lambda: laguerre_eigvals(2**58, 2**58, size=0), "laguerre_eigvals\\(n=288230376151711744, size=0\\)"),
    (lambda: laguerre_ensemble_eigvals(100, 100, 10**14), "n_matrices = 100000000000000 of 800 bytes each"),
])
def test_sizes_that_cannot_fit_are_refused_up_front(call, what):
    with pytest.raises(ValueError, match=what + " needs [0-9.e+]+ GiB, more than the .* GiB of memory"):
        call()
