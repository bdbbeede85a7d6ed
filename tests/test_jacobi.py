"""Jacobi (MANOVA) ensembles: exact mean, dense vs Edelman-Sutton law, shapes, validation."""
import numpy as np
import pytest
from scipy import stats

from bristol.ensembles import jacobi_eigvals, jacobi_ensemble_eigvals, manova
from bristol.ensembles._jacobi import jacobi_bidiagonal_model
from bristol.theory import jacobi_trace_moment

from helpers import assert_chi2, assert_mean


def _in_unit_interval_ascending(lam):
    return lam.min() >= 0 and lam.max() <= 1 and np.all(np.diff(lam, axis=-1) >= 0)


@pytest.mark.parametrize("beta", [1, 2, 4])
@pytest.mark.parametrize("n, m1, m2", [(4, 6, 5), (3, 2, 2)])
def test_manova_mean_exact(beta, n, m1, m2):
    """E sum lambda = n m1 / (m1 + m2) (docs/theory.md, section 7.3), also for m1, m2 < n <= m1 + m2."""
    lam = manova(n, m1, m2, beta, size=10000, random_state=40 + beta)
    assert _in_unit_interval_ascending(lam)
    assert_mean(lam.sum(1), n * m1 / (m1 + m2))


def test_manova_mean_test_has_power():
    """B (A + B)^-1 instead of A (A + B)^-1 is rejected."""
    with pytest.raises(AssertionError):
        assert_mean(4 - manova(4, 6, 5, 1, size=10000, random_state=7).sum(1), 4 * 6 / 11)


@pytest.mark.parametrize("beta", [0.5, 1, 2, 2.5])
@pytest.mark.parametrize("n, m1, m2", [(4, 6, 5), (3, 2.5, 7.2)])
def test_sparse_moments_exact(beta, n, m1, m2):
    """Aomoto: E sum lambda = n m1 / (m1 + m2), Kadell: E sum lambda^2, for every beta > 0 (docs/theory.md,
    sections 7.4 and 7.5)."""
    lam = jacobi_eigvals(n, m1, m2, beta, size=20000, random_state=50)
    assert _in_unit_interval_ascending(lam)
    assert_mean(lam.sum(1), n * m1 / (m1 + m2))
    assert_chi2(np.stack([lam.sum(1), (lam**2).sum(1)], axis=1),
                [jacobi_trace_moment(n, m1, m2, beta, p) for p in (1, 2)])


@pytest.mark.parametrize("beta", [1, 2, 4])
def test_dense_second_moment_exact(beta):
    """The dense A (A + B)^-1 against the exact E sum lambda^2 (docs/theory.md, section 7.5)."""
    lam = manova(5, 6, 9, beta, size=20000, random_state=80 + beta)
    assert_mean((lam**2).sum(1), jacobi_trace_moment(5, 6, 9, beta, 2))


def test_second_moment_test_has_power():
    """One degree of freedom more for B (m2 = 10 instead of 9) is rejected."""
    with pytest.raises(AssertionError):
        assert_mean((manova(5, 6, 10, 1, size=20000, random_state=81) ** 2).sum(1), jacobi_trace_moment(5, 6, 9, 1, 2))


def _two_sample_z(x, y):
    return (x.mean() - y.mean()) / np.sqrt(x.var() / x.size + y.var() / y.size)


@pytest.mark.parametrize("beta", [1, 2, 4])
def test_dense_and_sparse_agree_in_law(beta):
    """KS on every ordered eigenvalue and a two-sample z on sum lambda^2 (n = 4, m1 = 6, m2 = 5)."""
    dense = manova(4, 6, 5, beta, size=5000, random_state=60 + beta)
    sparse = jacobi_eigvals(4, 6, 5, beta, size=5000, random_state=70 + beta)
    for k in range(4):
        assert stats.ks_2samp(dense[:, k], sparse[:, k]).pvalue > 1e-6
    assert abs(_two_sample_z((dense**2).sum(1), (sparse**2).sum(1))) < 5


def test_shapes_and_reproducibility():
    lam = jacobi_eigvals(30, 29.5, 40, 0.3, size=(2, 3), random_state=4)
    assert lam.shape == (2, 3, 30) and _in_unit_interval_ascending(lam)
    assert np.array_equal(lam, jacobi_eigvals(30, 29.5, 40, 0.3, size=(2, 3), random_state=4))
    assert jacobi_eigvals(1, 0.5, 0.2, 2, random_state=5).shape == (1,)
    assert jacobi_eigvals(4, 5, 5, size=0).shape == (0, 4)
    diag, sup = jacobi_bidiagonal_model(5, 6.0, 7.5, 1.5, (3,), np.random.default_rng(0))
    assert diag.shape == (3, 5) and sup.shape == (3, 4) and np.all(sup <= 0)
    assert manova(3, 4, 5, 4, size=(2, 2), random_state=6).shape == (2, 2, 3)


def test_chunked_reproducible_serial_parallel_dask():
    job = dict(n=30, m1=35.5, m2=41, n_matrices=7, beta=1.5, chunk_size=2, random_state=9)
    a = jacobi_ensemble_eigvals(**job, n_jobs=1)
    b = jacobi_ensemble_eigvals(**job, n_jobs=2)
    c = jacobi_ensemble_eigvals(**job, n_jobs=2, backend="threading")
    assert a.values.shape == (7, 30) and a.plan.sizes == (2, 2, 2, 1)
    assert np.array_equal(a.values, b.values) and np.array_equal(a.values, c.values)
    assert len({r.tobytes() for r in a.values}) == 7 and _in_unit_interval_ascending(a.values)
    # each chunk is jacobi_eigvals drawn from its own stream
    first = jacobi_eigvals(30, 35.5, 41, 1.5, size=2, random_state=np.random.default_rng(a.plan.seed_sequences[0]))
    assert np.array_equal(a.values[:2], first)
    seeded = jacobi_ensemble_eigvals(30, 35.5, 41, 4, 1.5, seeds=[5, 6])
    assert np.array_equal(seeded.values[2:], jacobi_eigvals(30, 35.5, 41, 1.5, size=2, random_state=6))


def test_chunked_on_dask_gives_the_serial_bits():
    distributed = pytest.importorskip("distributed")
    import joblib

    job = dict(n=20, m1=25, m2=22.5, n_matrices=5, beta=0.7, chunk_size=2, random_state=3)
    serial = jacobi_ensemble_eigvals(**job, n_jobs=1).values
    with distributed.Client(processes=False, n_workers=1, threads_per_worker=2, dashboard_address=None):
        with joblib.parallel_config(backend="dask"):
            assert np.array_equal(jacobi_ensemble_eigvals(**job).values, serial)


@pytest.mark.parametrize("call, exc, match", [
    (lambda: jacobi_ensemble_eigvals(5, 4, 6, 3), ValueError, "m1 must be larger"),
    (lambda: jacobi_ensemble_eigvals(5, 6, 6, 0), ValueError, "n_matrices"),
    (lambda: jacobi_ensemble_eigvals(5, 6, 6, 2, beta=0), ValueError, "beta"),
    (lambda: jacobi_eigvals(5, 4, 6), ValueError, "m1 must be larger than n - 1 = 4"),
    (lambda: jacobi_eigvals(5, 6, 3.5), ValueError, "m2 must be larger than n - 1 = 4"),
    (lambda: jacobi_eigvals(5, 6, np.inf), ValueError, "m2"),
    (lambda: jacobi_eigvals(0, 3, 3), ValueError, "n"),
    (lambda: jacobi_eigvals(5, 6, 6, -1), ValueError, "beta"),
    (lambda: jacobi_eigvals(5, 6, 6, 1e299), ValueError, "beta \\* \\(m1 \\+ m2\\)"),
    (lambda: jacobi_eigvals(5, 6, 6, size=-1), ValueError, "size"),
    (lambda: manova(5, 2, 2), ValueError, "m1 \\+ m2 must be at least n = 5"),
    (lambda: manova(3, 0, 4), ValueError, "m1"),
    (lambda: manova(3, 4, 2.5), TypeError, "m2"),
    (lambda: manova(3, 4, 4, 0.5), ValueError, "beta must be 1, 2 or 4"),
])
def test_bad_input(call, exc, match):
    with pytest.raises(exc, match=match):
        call()


@pytest.mark.parametrize("call, what", [
    (lambda: manova(10**5, 10**5, 10**5, size=2), "manova\\(n=100000, m1=100000, m2=100000, size=2\\)"),
    (lambda: jacobi_eigvals(10, 10, 10, size=10**15), "jacobi_eigvals\\(n=10, size=1000000000000000\\)"),
    (lambda: jacobi_eigvals(2**58, 2**58, 2**58, size=0), "jacobi_eigvals\\(n=288230376151711744, size=0\\)"),
])
def test_sizes_that_cannot_fit_are_refused_up_front(call, what):
    with pytest.raises(ValueError, match=what + " needs [0-9.e+]+ GiB, more than the .* GiB of memory"):
        call()
