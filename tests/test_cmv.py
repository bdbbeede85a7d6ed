"""Killip-Nenciu CMV model: the banded eigen-solver against dense solvers, and exact statistics."""
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from scipy import stats
from scipy.linalg import eig_banded

from bristol import cmv
from bristol.cmv import (
    BOUNDARY_TOL,
    DENSE_MAX_N,
    DIRECTIONS,
    PAIR_DIRECTIONS,
    SIDE_MARGIN,
    TIE_DIRECTION,
    circular_eigphases,
    circular_eigvals,
    cmv_diagonals,
    cmv_eigphases,
    cmv_matrix,
    matrix_from_diagonals,
    pentadiagonal_unitary_eigphases,
    phases_from_projections,
    verblunsky_coefficients,
)
from bristol.theory import circular_first_form_factor, circular_form_factor

from helpers import (
    P_FAIL,
    assert_chi2,
    assert_mean,
    circular_distance,
    mirror_symmetric_phases,
    pentadiagonal_unitary,
    trace_powers,
)

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


@pytest.mark.parametrize("weighted", [False, True])
def test_banded_path_handles_symmetric_and_edge_spectra(weighted, dense_solves):
    """No dense solve for any hard spectrum (zone boundaries, mirror pairs, +-1, near 0 and
    pi, the regular 36-gon); all but the 36-gon without the fourth (tie) list."""
    for label, theta in _hard_spectra():
        weights = np.random.default_rng(8).uniform(0.5, 1.5, theta.size) if weighted else None
        diags = pentadiagonal_unitary(theta, weights)
        assert circular_distance(pentadiagonal_unitary_eigphases(diags), theta) < ACCURACY, label
        assert sum(dense_solves) == 0, f"fell back to the dense solver on {label}"
        if label != "regular polygon":
            assert circular_distance(_banded_without_fallback(diags), theta) < ACCURACY, label


def _rotation_symmetric(k, seed):
    """k random points and their rotations by 2 pi / 3 and 4 pi / 3, and the mirror image of
    that spectrum about phi_0."""
    base = np.random.default_rng([k, seed]).uniform(-np.pi, np.pi, k)
    spectrum = np.angle(np.exp(1j * (base[None, :] + 2 * np.pi / 3 * np.arange(3)[:, None]))).ravel()
    return spectrum, 2 * DIRECTIONS[0] - spectrum


def test_rotation_symmetric_spectrum_is_not_confused_with_its_mirror_image():
    """S invariant under a rotation by 2 pi / 3 and its mirror image about phi_0 have the
    same three lists, so these cannot decide: None, never the wrong one of the two (a rule
    choosing sides by score returns the mirror image for 6 of these 80 spectra); the fourth
    list decides, and the solver returns S. The original code returned the mirror image for
    1 in 200 regular 9-gons (beta = 1e300, method="banded")."""
    spectrum, mirror = _rotation_symmetric(4, 0)
    lists = [np.sort(np.cos(t[None, :] - DIRECTIONS[:, None]), axis=1) for t in (spectrum, mirror)]
    assert np.abs(lists[0] - lists[1]).max() < 1e-14 and circular_distance(spectrum, mirror) > 0.1
    for seed in range(40):
        for t in _rotation_symmetric(2, seed):
            diags = pentadiagonal_unitary(t)
            result = phases_from_projections(_projections(diags))
            assert result is None or circular_distance(result, t) < ACCURACY, f"mirror image returned, seed {seed}"
            tie_list = eig_banded(cmv._hermitian_part_bands(diags, TIE_DIRECTION), eigvals_only=True)
            assert circular_distance(phases_from_projections(_projections(diags), tie_list), t) < ACCURACY
            assert circular_distance(pentadiagonal_unitary_eigphases(diags), t) < ACCURACY


def test_rotation_symmetric_spectra_need_the_tie_list():
    """A spectrum invariant under a rotation by 2 pi / 3: both side candidates of every value
    are supported by the three lists; the fourth list (TIE_DIRECTION) decides."""
    theta = 2 * np.pi * np.arange(36) / 36 + 0.01
    diags = pentadiagonal_unitary(theta)
    tie_list = eig_banded(cmv._hermitian_part_bands(diags, TIE_DIRECTION), eigvals_only=True)
    assert phases_from_projections(_projections(diags)) is None
    assert circular_distance(phases_from_projections(_projections(diags), tie_list), theta) < ACCURACY


def _pair_lists(theta):
    return np.sort(np.cos(theta[None, :] - PAIR_DIRECTIONS[:, None]), axis=1)


def test_two_lists_recover_random_spectra():
    rng = np.random.default_rng(13)
    for n in (3, 10, 200, 2000):
        theta = rng.uniform(-np.pi, np.pi, n)
        assert circular_distance(phases_from_projections(_pair_lists(theta)), theta) < 1e-13


def test_two_lists_leave_antipodal_pairs_open():
    """An eigenphase near the antipode of another supports the mirror image of the first in the
    other list: the side is decided only when the two candidates' support differs clearly, and
    mirroring both members of a pair (which leaves both lists unchanged) never passes."""
    rng = np.random.default_rng(14)
    base = rng.uniform(-np.pi, np.pi, 30)
    for gap in (0.0, 1e-13, 1e-11):  # antipodal within rounding, or within SIDE_MARGIN: undecided
        theta = np.concatenate([base, base[:5] + np.pi + gap])
        assert phases_from_projections(_pair_lists(theta)) is None, gap
    theta = np.concatenate([base, base[:5] + np.pi + 20 * SIDE_MARGIN])  # clearly apart: decided
    assert circular_distance(phases_from_projections(_pair_lists(theta)), theta) < 1e-13
    # two near-antipodal pairs whose zone values are within VERIFY_TOL (no twin rule with two lists)
    theta = np.concatenate([base, [1e-10, -3e-10, np.pi - 1e-10, -np.pi + 2e-10]])
    assert phases_from_projections(_pair_lists(theta)) is None


def test_banded_path_solves_two_lists_and_falls_back_to_three(monkeypatch):
    """Random spectra: two banded solves per block; an even regular polygon (antipodal pairs):
    more, and still the right phases without the dense solver."""
    calls = []

    def counting(*args, **kwargs):
        calls.append(1)
        return eig_banded(*args, **kwargs)

    monkeypatch.setattr(cmv, "eig_banded", counting)
    diags = cmv_diagonals(verblunsky_coefficients(300, 2.0, (4,), np.random.default_rng(15)))
    banded = pentadiagonal_unitary_eigphases(diags, method="banded")
    assert len(calls) == 2
    for a, b in zip(banded, pentadiagonal_unitary_eigphases(diags, method="dense")):
        assert circular_distance(a, b) < ACCURACY
    theta = 2 * np.pi * np.arange(40) / 40 + 0.01
    calls.clear()
    polygon = pentadiagonal_unitary(theta, np.random.default_rng(16).uniform(0.5, 1.5, theta.size))
    assert circular_distance(pentadiagonal_unitary_eigphases(polygon, method="banded"), theta) < ACCURACY
    assert len(calls) >= 4


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


# --- the O(N^2) banded path is the one taken, also on hard and symmetric spectra -------------


@pytest.fixture
def dense_solves(monkeypatch):
    """Matrices handed to numpy.linalg.eigvals (the dense path and the banded path's fallback)."""
    solved = []
    eigvals = np.linalg.eigvals

    def counting(a):
        solved.append(int(np.prod(np.shape(a)[:-2])))
        return eigvals(a)

    monkeypatch.setattr(np.linalg, "eigvals", counting)
    return solved


@pytest.mark.parametrize("beta", [0.5, 1.0, 2.0, 4.0])
def test_cpu_path_is_banded_on_random_spectra(beta, dense_solves):
    """N > DENSE_MAX_N: no matrix reaches the dense solver (neither forced nor as a fallback),
    and the banded result equals the dense one; N <= DENSE_MAX_N goes dense."""
    n, s = DENSE_MAX_N + 51, 10
    banded = circular_eigphases(n, beta, size=s, random_state=50)
    assert sum(dense_solves) == 0, "the CPU path of circular_eigphases did not take the banded solver"
    real = verblunsky_coefficients(n, beta, (s,), np.random.default_rng(51)).real.astype(complex)
    real[:, -1] = np.where(real[:, -1].real >= 0, 1.0, -1.0)
    banded_real = cmv_eigphases(real)
    assert sum(dense_solves) == 0, "the banded solver fell back on real Verblunsky coefficients"
    dense = circular_eigphases(n, beta, size=s, random_state=50, method="dense")
    dense_real = cmv_eigphases(real, method="dense")
    assert sum(dense_solves) == 2 * s
    for a, b in zip(np.concatenate([banded, banded_real]), np.concatenate([dense, dense_real])):
        assert circular_distance(a, b) < ACCURACY
    circular_eigphases(DENSE_MAX_N, beta, size=3, random_state=52)
    assert sum(dense_solves) == 2 * s + 3


@pytest.mark.parametrize("shift", [-1, 0, 1], ids=["inside", "exactly 1/2", "outside"])
def test_zone_boundary_values_are_read_once(shift):
    """Phases on all six zone boundaries, listed at |x| = 1/2 + shift * BOUNDARY_TOL in both
    neighbouring lists (rounding either way): each is read, once, without a fallback."""
    boundaries = DIRECTIONS[0] + np.pi / 3 * np.arange(6)
    theta = np.concatenate([np.random.default_rng(12).uniform(-np.pi, np.pi, 30), np.angle(np.exp(1j * boundaries))])
    proj = np.cos(theta[None, :] - DIRECTIONS[:, None])
    on_edge = np.abs(np.abs(proj) - 0.5) < 1e-12
    assert on_edge[:, 30:].sum() == 12 and not on_edge[:, :30].any()
    proj[on_edge] = np.sign(proj[on_edge]) * (0.5 + shift * BOUNDARY_TOL)
    result = phases_from_projections(np.sort(proj, axis=1))
    assert result is not None, "the banded path fell back on phases at zone boundaries"
    assert circular_distance(result, theta) < 2 * abs(shift) * BOUNDARY_TOL + 1e-14


def _rotated(diags, angle):
    return {k: v * np.exp(1j * angle) for k, v in diags.items()}


@pytest.mark.parametrize("n", [60, 61, 200])
@pytest.mark.parametrize("m", range(3))
def test_mirror_symmetric_spectra_take_banded_path(n, m, dense_solves):
    """Real Verblunsky coefficients (a conjugation-symmetric spectrum) rotated so that the
    mirror axis is phi_m + pi/2 or phi_m. Before, 30-41% of the even-N spectra about
    phi_m + pi/2 (those holding both axis points) and all those about phi_m fell back."""
    alpha = verblunsky_coefficients(n, 2.0, (6,), np.random.default_rng(60 + n + m)).real.astype(complex)
    alpha[:, -1] = np.where(alpha[:, -1].real >= 0, 1.0, -1.0)
    for axis in (DIRECTIONS[m] + np.pi / 2, DIRECTIONS[m]):
        diags = _rotated(cmv_diagonals(alpha), axis)
        banded = pentadiagonal_unitary_eigphases(diags, method="banded")
        assert sum(dense_solves) == 0, f"fell back on a spectrum mirror-symmetric about {axis}"
        dense = pentadiagonal_unitary_eigphases(diags, method="dense")
        dense_solves.clear()
        for a, b in zip(banded, dense):
            assert circular_distance(a, b) < ACCURACY
            assert circular_distance(a, 2 * axis - a) < ACCURACY


@pytest.mark.parametrize("m", range(3))
@pytest.mark.parametrize("perpendicular", [True, False], ids=["axis phi_m + pi/2", "axis phi_m"])
def test_prescribed_mirror_spectra_without_fallback(m, perpendicular):
    """Both axis points present (x = 0 twice in list m), or every zone value of list m twice:
    the twin rule gives one copy to each side."""
    axis = DIRECTIONS[m] + (np.pi / 2 if perpendicular else 0.0)
    rng = np.random.default_rng(70 + m)
    for ends in ((0, 1), (0,), ()):
        theta = mirror_symmetric_phases(axis, 25, rng, axis_points=ends)
        diags = pentadiagonal_unitary(theta, rng.uniform(0.5, 1.5, theta.size))
        banded = _banded_without_fallback(diags)
        assert circular_distance(banded, theta) < ACCURACY
        assert circular_distance(banded, _dense_reference(diags)) < ACCURACY


# --- the public boundary: inputs, empty batches, extreme beta, small n on a device, memory --


def test_cmv_eigphases_accepts_array_like():
    alpha = verblunsky_coefficients(60, 2.0, (2,), np.random.default_rng(80))
    expected = cmv_eigphases(alpha)
    assert np.array_equal(cmv_eigphases(alpha.tolist()), expected)
    assert np.array_equal(cmv_eigphases([tuple(row) for row in alpha]), expected)
    real = [0.5, -0.25, 1.0]
    assert np.array_equal(cmv_eigphases(real), cmv_eigphases(np.array(real, dtype=complex)))
    free = np.sort(np.angle(np.linalg.eigvals(cmv_matrix(np.array([0, 0, 1.0])))))
    assert np.array_equal(cmv_eigphases([0, 0, 1]), free)


@pytest.mark.parametrize("alpha, exc, match", [
    (["a", "b"], TypeError, "alpha must be an array of real or complex numbers"),
    ([True, False], TypeError, "alpha must be an array of real or complex numbers"),
    ([[0.1, 1.0], [0.2]], ValueError, "alpha"),  # ragged
    (np.array([None, 1.0], dtype=object), TypeError, "alpha"),
    (1.0, ValueError, r"alpha must have shape \(\.\.\., n\)"),
    (np.zeros((3, 0)), ValueError, r"n >= 1"),
    ([0.1, np.nan, 1.0], ValueError, "NaN or Inf"),
    ([0.1, np.inf, 1.0], ValueError, "NaN or Inf"),
    ([1.5, 0.0, 1.0], ValueError, "closed unit disk"),
    ([0.5, 0.0, 0.9], ValueError, "unit circle"),
    ([0.5, 0.0, 1.1j], ValueError, "unit circle"),
])
def test_cmv_eigphases_rejects_bad_coefficients(alpha, exc, match):
    with pytest.raises(exc, match=match):
        cmv_eigphases(alpha)


@pytest.mark.parametrize("method", ["auto", "banded", "dense"])
def test_empty_batches(method):
    for n in (1, 2, 3, 10, DENSE_MAX_N, DENSE_MAX_N + 1, 100):
        for size in (0, (0,), (2, 0), (0, 3)):
            out = circular_eigphases(n, size=size, random_state=0, method=method)
            expected = (size,) if isinstance(size, int) else size
            assert out.shape == expected + (n,) and out.dtype == float, (n, size)
        assert circular_eigvals(n, size=0, method=method).shape == (0, n)
        assert cmv_eigphases(np.ones((0, n), complex), method=method).shape == (0, n)


@pytest.mark.parametrize("device", ["cpu", "cuda"])
@pytest.mark.parametrize("n", [1, 2, 3, 60])
def test_device_path_small_n(n, device):
    """A torch device gives the CPU path's result as a tensor on the device; n = 1, 2 used to fail there."""
    torch = pytest.importorskip("torch")
    if device == "cuda" and not torch.cuda.is_available():
        pytest.skip("no CUDA device")
    cpu = circular_eigphases(n, 2.0, size=4, random_state=90 + n)
    result = circular_eigphases(n, 2.0, size=4, random_state=90 + n, device=device)
    assert isinstance(result, torch.Tensor) and result.device.type == device and result.dtype == torch.float64
    dev = result.cpu().numpy()
    assert dev.shape == (4, n)
    values = circular_eigvals(n, 2.0, size=4, random_state=90 + n, device=device)
    assert isinstance(values, torch.Tensor) and values.device.type == device
    assert np.array_equal(values.cpu().numpy(), np.exp(1j * dev)), "eigenvalues exp(i theta) of the same draws"
    if n < 3:
        assert np.array_equal(dev, cpu)
    for a, b in zip(dev, cpu):
        assert circular_distance(a, b) < ACCURACY
    assert circular_eigphases(n, size=0, device=device).shape == (0, n)


@pytest.mark.parametrize("beta", [5e-324, 1e-300])
def test_tiny_beta_gives_independent_uniform_phases(beta):
    """beta -> 0: |alpha_k| = 1 in double precision, C is diagonal with independent uniform
    phases (the Poisson limit); beta * 1/2 underflowing to 0 used to fail inside numpy."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        phases = circular_eigphases(5, beta, size=2000, random_state=91)
        banded = circular_eigphases(60, beta, size=3, random_state=92, method="banded")
    assert stats.kstest(phases.ravel(), stats.uniform(-np.pi, 2 * np.pi).cdf).pvalue > P_FAIL
    assert np.all(np.diff(phases, axis=1) > 0)
    dense = circular_eigphases(60, beta, size=3, random_state=92, method="dense")
    assert max(circular_distance(a, b) for a, b in zip(banded, dense)) < ACCURACY


@pytest.mark.parametrize("beta", [1e300, 1.7e308])
@pytest.mark.parametrize("n", [7, 61, 63])
def test_huge_beta_gives_the_rotated_lattice(beta, n, dense_solves):
    """beta -> infinity: alpha_k = 0 to double precision, the phases are a rotated regular
    n-gon, on the banded path also for 3 | n (a 3-fold symmetric spectrum); beta (n - k - 1) / 2
    overflowing used to warn."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        phases = circular_eigphases(n, beta, size=3, random_state=93)
    assert sum(dense_solves) == (3 if n <= DENSE_MAX_N else 0)
    steps = np.diff(np.concatenate([phases, phases[:, :1] + 2 * np.pi], axis=1), axis=1)
    assert np.abs(steps - 2 * np.pi / n).max() < ACCURACY


def test_sizes_beyond_memory_are_refused_before_allocating():
    with pytest.raises(ValueError,
                       match=r"size: 1000000000000 x 100 eigenphases .* needs [0-9.e+]+ GiB, more than the"):
        circular_eigphases(100, size=10**12)
    with pytest.raises(ValueError, match=r"size: .* needs [0-9.e+]+ GiB, more than the"):
        circular_eigvals(10, size=(10**6, 10**6))
    with pytest.raises(ValueError,
                       match=r"size: 1 x 1000000 eigenphases \(method='dense'\) needs [0-9]+ GiB, more than"):
        circular_eigphases(10**6, method="dense")
    alpha = np.zeros(10**5, complex)
    alpha[-1] = 1.0
    with pytest.raises(ValueError,
                       match=r"alpha: 1 x 100000 eigenphases \(method='dense'\) needs [0-9.e+]+ GiB, more than the"):
        cmv_eigphases(alpha, method="dense")


# --- property-based tests of the public boundary ----------------------------------------------

_BETAS = st.one_of(
    st.floats(-323.3, 308.2).map(lambda e: 10.0**e),
    st.sampled_from([0.0, -1.0, float("nan"), float("inf"), 5e-324, 1.7976931348623157e308]),
)
_SIZES = st.one_of(st.none(), st.integers(0, 3), st.tuples(st.integers(0, 2), st.integers(0, 2)), st.just(-1))


@settings(max_examples=60, deadline=None, derandomize=True)
@given(n=st.integers(-1, 80), beta=_BETAS, size=_SIZES, method=st.sampled_from(["auto", "banded", "dense", "qr"]),
       seed=st.integers(0, 2**32))
def test_circular_eigphases_property(n, beta, size, method, seed):
    valid = n >= 1 and 0 < beta < np.inf and method != "qr" and size != -1
    try:
        out = circular_eigphases(n, beta, size, seed, method=method)
    except (ValueError, TypeError):
        assert not valid
        return
    assert valid
    shape = () if size is None else (size,) if isinstance(size, int) else size
    assert out.shape == shape + (n,) and out.dtype == float
    assert np.all((out > -np.pi) & (out <= np.pi))
    assert np.all(np.diff(out, axis=-1) >= 0)


@settings(max_examples=40, deadline=None, derandomize=True)
@given(n=st.integers(3, 80), log_beta=st.floats(-20, 20), real=st.booleans(), seed=st.integers(0, 2**32))
def test_banded_equals_dense_property(n, log_beta, real, seed):
    alpha = verblunsky_coefficients(n, 10.0**log_beta, (2,), np.random.default_rng(seed))
    if real:
        alpha = alpha.real.astype(complex)
        alpha[:, -1] = np.where(alpha[:, -1].real >= 0, 1.0, -1.0)
    banded = cmv_eigphases(alpha, method="banded")
    dense = cmv_eigphases(alpha, method="dense")
    for a, b in zip(banded, dense):
        assert circular_distance(a, b) < 1e-10


@settings(max_examples=60, deadline=None, derandomize=True)
@given(alpha=hnp.arrays(
    dtype=st.sampled_from([np.float64, np.complex128, np.int64, np.bool_, np.float32]),
    shape=hnp.array_shapes(min_dims=0, max_dims=2, min_side=0, max_side=6),
))
def test_cmv_eigphases_property(alpha):
    """Arbitrary arrays (any values, NaN and Inf included) give sorted phases or ValueError/TypeError."""
    try:
        out = cmv_eigphases(alpha)
    except (ValueError, TypeError):
        return
    assert out.shape == alpha.shape and np.all(np.diff(out, axis=-1) >= 0)
    assert np.all(np.abs(np.abs(alpha[..., -1]) - 1) <= 1e-10)
