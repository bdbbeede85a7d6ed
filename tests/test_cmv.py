"""Killip-Nenciu CMV model: the banded eigen-solver against dense solvers, and exact statistics."""
import numpy as np
import pytest
from scipy import stats
from scipy.linalg import eig_banded

from bristol import cmv
from bristol.cmv import (
    DIRECTIONS,
    circular_eigphases,
    circular_eigvals,
    cmv_diagonals,
    cmv_matrix,
    matrix_from_diagonals,
    pentadiagonal_unitary_eigphases,
    phases_from_projections,
    verblunsky_coefficients,
)
from bristol.theory import circular_first_form_factor, circular_form_factor
from helpers import P_FAIL, assert_chi2, assert_mean, circular_distance, pentadiagonal_unitary, trace_powers

ACCURACY = 1e-12


def _projections(diags):
    return np.stack([eig_banded(cmv._hermitian_part_bands(diags, phi), eigvals_only=True) for phi in DIRECTIONS])


def _banded_without_fallback(diags):
    theta = phases_from_projections(_projections(diags))
    assert theta is not None, "the banded path fell back to the dense solver"
    return theta


def _dense_reference(diags):
    return np.angle(np.linalg.eigvals(matrix_from_diagonals(diags)))


def test_cmv_matrix_is_unitary_and_five_diagonal():
    rng = np.random.default_rng(0)
    for n in (1, 2, 3, 8, 9):
        c = cmv_matrix(verblunsky_coefficients(n, 2.0, (4,), rng))
        assert np.abs(np.conj(np.swapaxes(c, -1, -2)) @ c - np.eye(n)).max() < 1e-13
        i, j = np.indices((n, n))
        assert np.all(c[:, np.abs(i - j) > 2] == 0)


def test_cmv_first_entry_is_conj_alpha0():
    alpha = verblunsky_coefficients(7, 2.0, (3,), np.random.default_rng(1))
    assert np.allclose(cmv_matrix(alpha)[:, 0, 0], np.conj(alpha[:, 0]), atol=0)


@pytest.mark.parametrize("beta", [0.5, 1.0, 2.0, 4.0, 7.3])
@pytest.mark.parametrize("n", [3, 60, 257])
def test_banded_matches_dense_on_random_spectra(n, beta):
    alpha = verblunsky_coefficients(n, beta, (6,), np.random.default_rng(n))
    diags = cmv_diagonals(alpha)
    for i in range(6):
        d = {k: v[i] for k, v in diags.items()}
        assert circular_distance(_banded_without_fallback(d), _dense_reference(d)) < ACCURACY


@pytest.mark.parametrize("n", [200, 201])
def test_banded_conjugation_symmetric_spectra(n):
    """Real Verblunsky coefficients give spectra symmetric under conjugation (and +-1 for odd n)."""
    rng = np.random.default_rng(3)
    alpha = verblunsky_coefficients(n, 2.0, (5,), rng).real.astype(complex)
    alpha[:, -1] = np.sign(alpha[:, -1].real)
    diags = cmv_diagonals(alpha)
    for i in range(5):
        d = {k: v[i] for k, v in diags.items()}
        theta = _banded_without_fallback(d)
        assert circular_distance(theta, -theta) < ACCURACY  # symmetric, as it must be
        assert circular_distance(theta, _dense_reference(d)) < ACCURACY


def _hard_spectra():
    rng = np.random.default_rng(7)
    base = rng.uniform(-np.pi, np.pi, 40)
    yield "conjugate pairs, nearly equal cosines", np.concatenate([base[:20], -base[:20] + 1e-9])
    yield "near 0 and pi", np.concatenate([base[:30], [1e-10, -3e-10, np.pi - 1e-10, -np.pi + 2e-10]])
    yield "exactly at 1 and -1", np.concatenate([base[:30], [0.0, np.pi]])
    yield "tight cluster", np.concatenate([base[:30], 0.7 + 1e-8 * np.arange(6)])
    for m, phi in enumerate(DIRECTIONS):
        yield f"near mirror pairs about direction {m}", np.concatenate([base[:15], 2 * phi - base[:15] + 1e-7])
        yield f"on zone boundaries of direction {m}", np.concatenate(
            [base[:30], phi + np.array([np.pi / 3, -np.pi / 3, 2 * np.pi / 3, -2 * np.pi / 3])]
        )
    yield "antipodal pairs", np.concatenate([base[:20], base[:20] + np.pi + 1e-9])
    yield "regular polygon", 2 * np.pi * np.arange(36) / 36 + 0.01


@pytest.mark.parametrize("label, theta", list(_hard_spectra()), ids=[lbl for lbl, _ in _hard_spectra()])
def test_banded_on_hard_spectra(label, theta):
    """Prescribed spectra (a CMV matrix built from the spectral measure): every angle to 1e-12,
    against the prescribed angles and the dense solver, fallback or not."""
    weights = np.random.default_rng(8).uniform(0.5, 1.5, theta.size)
    diags = pentadiagonal_unitary(theta, weights)
    banded = pentadiagonal_unitary_eigphases(diags, method="banded")
    assert circular_distance(banded, theta) < ACCURACY
    assert circular_distance(banded, _dense_reference(diags)) < ACCURACY


def test_banded_pairing_itself_handles_symmetric_and_edge_spectra():
    """No fallback needed for conjugate pairs, +-1, near 0 and pi (the pairing does the work)."""
    for label, theta in list(_hard_spectra())[:4]:
        diags = pentadiagonal_unitary(theta)
        assert circular_distance(_banded_without_fallback(diags), theta) < ACCURACY, label


def test_phases_from_projections_rejects_inconsistent_lists():
    theta = np.random.default_rng(9).uniform(-np.pi, np.pi, 30)
    proj = np.sort(np.cos(theta[None, :] - DIRECTIONS[:, None]), axis=1)
    assert circular_distance(phases_from_projections(proj), theta) < 1e-13
    proj[1] = np.sort(np.cos(-theta - DIRECTIONS[1]))  # a list of another spectrum
    assert phases_from_projections(proj) is None


def test_auto_method_and_shapes():
    assert circular_eigphases(5, size=(2, 3), random_state=0).shape == (2, 3, 5)
    assert circular_eigphases(5, random_state=0).shape == (5,)
    z = circular_eigvals(64, beta=1, size=2, random_state=0)
    assert z.shape == (2, 64) and np.allclose(np.abs(z), 1)
    a = circular_eigphases(64, size=2, random_state=1, method="dense")
    b = circular_eigphases(64, size=2, random_state=1, method="banded")
    assert max(circular_distance(x, y) for x, y in zip(a, b)) < ACCURACY
    assert np.all(np.diff(a, axis=-1) >= 0) and np.all(np.abs(a) <= np.pi)


def test_verblunsky_law():
    n, beta, s = 6, 2.5, 20000
    alpha = verblunsky_coefficients(n, beta, (s,), np.random.default_rng(20))
    for k in range(n - 1):
        law = stats.beta(1, beta * (n - k - 1) / 2)
        assert stats.kstest(np.abs(alpha[:, k]) ** 2, law.cdf).pvalue > P_FAIL
    assert np.allclose(np.abs(alpha[:, -1]), 1)
    assert stats.kstest(np.angle(alpha[:, 0]), stats.uniform(-np.pi, 2 * np.pi).cdf).pvalue > P_FAIL


@pytest.mark.parametrize("beta", [1, 2, 4])
def test_cmv_form_factor_exact(beta):
    n, s = 5, 20000
    phases = circular_eigphases(n, beta, size=s, random_state=30 + beta)
    assert_chi2(trace_powers(phases, 2 * n + 2), circular_form_factor(n, np.arange(1, 2 * n + 3), beta))


@pytest.mark.parametrize("beta", [0.5, 2.5, 6.0])
def test_cmv_first_form_factor_any_beta(beta):
    n, s = 5, 40000
    phases = circular_eigphases(n, beta, size=s, random_state=40)
    assert_mean(trace_powers(phases, 1), circular_first_form_factor(n, beta))


def test_cmv_form_factor_banded_path():
    """The banded path (N > DENSE_MAX_N) has the exact CUE form factor at k = 1, N/2, N, 2N."""
    n, s = 64, 400
    phases = circular_eigphases(n, 2, size=s, random_state=41, method="banded")
    ks = np.array([1, n // 2, n, 2 * n])
    samples = np.abs(np.exp(1j * ks[None, :, None] * phases[:, None, :]).sum(-1)) ** 2
    assert_chi2(samples, circular_form_factor(n, ks, 2))


@pytest.mark.parametrize("kwargs, exc, match", [
    (dict(n=0), ValueError, "n must be"),
    (dict(n=4.0), TypeError, "n must be"),
    (dict(n=4, beta=0), ValueError, "beta"),
    (dict(n=4, beta=-1), ValueError, "beta"),
    (dict(n=4, beta=float("nan")), ValueError, "beta"),
    (dict(n=4, beta="2"), TypeError, "beta"),
    (dict(n=4, size=-1), ValueError, "size"),
    (dict(n=4, method="qr"), ValueError, "method"),
])
def test_bad_input(kwargs, exc, match):
    with pytest.raises(exc, match=match):
        circular_eigphases(**kwargs)
