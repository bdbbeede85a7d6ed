"""One Hermitian list and Pruefer-phase counts (bristol.ensembles._cmv_pruefer): the sides, the
refinement near the direction, and the fallbacks to the two-list path."""
import numpy as np
import pytest
from scipy.linalg import eig_banded

from bristol.ensembles import _cmv, _cmv_pruefer, _counts
from bristol.ensembles._cmv import (
    PAIR_DIRECTIONS,
    circular_eigphases,
    cmv_diagonals,
    cmv_eigphases,
    cmv_matrix,
    verblunsky_coefficients,
)
from bristol.ensembles._cmv_pruefer import REFINE_SIN, phases_from_one_list, pruefer_levels

from helpers import circular_distance

ACCURACY = 1e-12
PHI = PAIR_DIRECTIONS[0]


def _list(alpha, phi=PHI):
    return eig_banded(_cmv._hermitian_part_bands(cmv_diagonals(alpha), phi), eigvals_only=True)


def _dense(alpha):
    return np.sort(np.angle(np.linalg.eigvals(cmv_matrix(alpha))))


def _rotated(alpha, angle):
    """Coefficients of the measure rotated by ``angle``: the eigenphases move by +angle."""
    return alpha * np.exp(-1j * angle * np.arange(1, alpha.size + 1))


def test_pruefer_levels_vanish_at_eigenphases_numpy_loop(monkeypatch):
    """The residual is 0 at the eigenphases and their levels are distinct modulo n, also with the
    numpy loop that runs without numba."""
    monkeypatch.setattr(_counts, "_compiled", lambda: None)
    alpha = verblunsky_coefficients(12, 2.0, (), np.random.default_rng(1))
    index, rho = pruefer_levels(alpha, _dense(alpha))
    assert np.abs(rho).max() < 1e-11
    assert np.unique(index % 12).size == 12
    index, rho = pruefer_levels(alpha, _dense(alpha) + 1e-3)  # off the eigenphases
    assert np.abs(rho).min() > 1e-6


@pytest.mark.parametrize("beta", [0.5, 1.0, 2.0, 4.0, 1e4])
@pytest.mark.parametrize("n", [3, 60, 201])
def test_one_list_matches_dense(n, beta):
    """Every side right (a mirror image 2 phi - theta would be off by far more than ACCURACY) and
    no fallback on random spectra."""
    pytest.importorskip("numba")
    rng = np.random.default_rng([n, int(beta)])
    for _ in range(3):
        alpha = verblunsky_coefficients(n, beta, (), rng)
        theta = phases_from_one_list(_list(alpha), PHI, alpha)
        assert theta is not None, "the Pruefer counts left a random spectrum to the two-list path"
        assert circular_distance(theta, _dense(alpha)) < ACCURACY


def test_one_list_takes_the_right_side_of_every_value():
    """Each value x_j = cos(theta_j - phi) becomes theta_j, not its mirror image: the result
    projects onto the list and equals the spectrum, while the mirrored spectrum (same list)
    does not."""
    pytest.importorskip("numba")
    alpha = verblunsky_coefficients(400, 2.0, (), np.random.default_rng(3))
    theta, dense = phases_from_one_list(_list(alpha), PHI, alpha), _dense(alpha)
    mirror = np.sort(np.angle(np.exp(1j * (2 * PHI - dense))))
    assert np.abs(np.sort(np.cos(mirror - PHI)) - _list(alpha)).max() < 1e-12  # the list cannot tell
    assert circular_distance(theta, dense) < ACCURACY < circular_distance(theta, mirror)


def test_ill_conditioned_readings_are_refined(monkeypatch):
    """Eigenphases near phi and phi + pi (|sin a| < REFINE_SIN) are bisected on the Pruefer phase:
    rotate the spectrum so that eigenphases lie 1e-6 and 1e-3 from phi, where reading phi +-
    arccos(x) loses 7 and 4 digits."""
    pytest.importorskip("numba")
    alpha = verblunsky_coefficients(300, 2.0, (), np.random.default_rng(4))
    dense = _dense(alpha)
    for offset in (1e-3, 1e-6):  # the second one is reused below
        rotated = _rotated(alpha, PHI - dense[7] + offset)
        expected = _dense(rotated)
        theta = phases_from_one_list(_list(rotated), PHI, rotated)
        assert theta is not None
        near = np.abs(np.sin(expected - PHI)) < REFINE_SIN
        assert near.sum() >= 10
        assert np.abs(theta - expected)[near].max() < 1e-13
    monkeypatch.setattr(_cmv_pruefer, "REFINE_SIN", 0.0)  # readings only: the near ones are worse
    raw = phases_from_one_list(_list(rotated), PHI, rotated)
    assert np.abs(raw - expected)[np.abs(np.sin(expected - PHI)) < 1e-2].max() > 1e-12


def test_refinement_survives_readings_worse_than_assumed(monkeypatch):
    """With READING_TOL far too small the brackets miss the eigenphases; the bisection notices
    (an end never moved) and bisects the whole cell instead."""
    pytest.importorskip("numba")
    monkeypatch.setattr(_cmv_pruefer, "READING_TOL", 1e-30)
    alpha = verblunsky_coefficients(200, 2.0, (), np.random.default_rng(5))
    assert circular_distance(phases_from_one_list(_list(alpha), PHI, alpha), _dense(alpha)) < ACCURACY


def test_mirror_symmetric_and_decoupled_matrices_go_to_two_lists():
    """A spectrum symmetric about phi (each value listed twice, its candidates coincide) and a
    matrix with |alpha_k| = 1 (C decouples, psi no longer sees all of it): None; cmv_eigphases
    then solves them on the two-list path, without the dense solver."""
    pytest.importorskip("numba")
    real = verblunsky_coefficients(101, 2.0, (), np.random.default_rng(6)).real.astype(complex)
    real[-1] = 1.0
    mirror = _rotated(real, PHI)  # conjugation symmetry about 0, rotated to the axis phi
    assert phases_from_one_list(_list(mirror), PHI, mirror) is None
    decoupled = verblunsky_coefficients(101, 2.0, (), np.random.default_rng(7))
    decoupled[50] = 1j
    assert phases_from_one_list(_list(decoupled), PHI, decoupled) is None
    for alpha in (mirror, decoupled):
        assert circular_distance(cmv_eigphases(alpha, method="banded"), _dense(alpha)) < ACCURACY


def test_circular_eigphases_solves_one_list_per_matrix(monkeypatch):
    """With numba, circular_eigphases makes one banded solve per block (two without numba) and
    both paths give the same phases."""
    pytest.importorskip("numba")
    calls = []

    def counting(*args, **kwargs):
        calls.append(np.shape(args[0]))
        return eig_banded(*args, **kwargs)

    monkeypatch.setattr(_cmv, "eig_banded", counting)
    one = circular_eigphases(250, 2.0, size=3, random_state=8)
    assert len(calls) == 1
    monkeypatch.setattr(_cmv, "_one_list_solver", lambda: None)
    calls.clear()
    two = circular_eigphases(250, 2.0, size=3, random_state=8)
    assert len(calls) == 2
    assert max(circular_distance(a, b) for a, b in zip(one, two)) < 1e-13
