"""Dense circular ensembles: structure to rounding, and exact Haar statistics at finite N."""
import numpy as np
import pytest
from scipy import stats

from bristol.haar import coe, cse, cue, kramers_phases, quaternion_dual, unitary_eigphases
from bristol.theory import circular_form_factor

from helpers import P_FAIL, assert_chi2, assert_mean, trace_powers

N = 5
S = 20000


def _eye_error(u):
    n = u.shape[-1]
    return np.abs(np.conj(np.swapaxes(u, -1, -2)) @ u - np.eye(n)).max()


def test_shapes_and_batch_axes():
    assert cue(4).shape == (4, 4)
    assert cue(4, size=3).shape == (3, 4, 4)
    assert coe(4, size=(2, 3)).shape == (2, 3, 4, 4)
    assert cse(4, size=2).shape == (2, 8, 8)
    assert cue(3, size=0).shape == (0, 3, 3)


def test_structure_to_rounding():
    u = cue(40, size=20, random_state=1)
    s = coe(40, size=20, random_state=2)
    q = cse(20, size=20, random_state=3)
    assert _eye_error(u) < 1e-12
    assert _eye_error(s) < 1e-12
    assert np.abs(s - np.swapaxes(s, -1, -2)).max() < 1e-12
    assert _eye_error(q) < 1e-12
    assert np.abs(quaternion_dual(q) - q).max() < 1e-12


def test_quaternion_dual_matches_definition():
    rng = np.random.default_rng(0)
    a = rng.standard_normal((3, 6, 6)) + 1j * rng.standard_normal((3, 6, 6))
    z = np.kron(np.eye(3), [[0, 1], [-1, 0]])
    assert np.allclose(quaternion_dual(a), z @ np.swapaxes(a, -1, -2) @ z.T, atol=0, rtol=0)
    with pytest.raises(ValueError, match="2N x 2N"):
        quaternion_dual(np.zeros((3, 3)))


def test_cse_kramers_pairs_and_reduction():
    q = cse(30, size=50, random_state=4)
    phases = unitary_eigphases(q)
    distinct = kramers_phases(phases)
    assert distinct.shape == (50, 30)
    # every distinct phase appears twice in the full spectrum
    z_full = np.exp(1j * phases)
    z_dist = np.exp(1j * distinct)
    dist = np.abs(z_full[:, :, None] - z_dist[:, None, :])
    assert np.all(np.sort(dist, axis=1)[:, 1, :] < 1e-12)  # two full eigenvalues at each distinct one
    assert np.all(np.diff(distinct, axis=-1) > 0)


def test_kramers_phases_handles_the_cut_at_pi():
    phases = np.sort(np.array([np.pi - 1e-15, -np.pi + 1e-15, 0.3, 0.3, -1.0, -1.0]))
    out = kramers_phases(phases)
    expected = np.exp(1j * np.array([-1.0, 0.3, np.pi]))
    assert out.shape == (3,)
    assert np.abs(np.sort_complex(np.exp(1j * out)) - np.sort_complex(expected)).max() < 1e-14


def test_cue_form_factor_exact():
    assert_chi2(trace_powers(unitary_eigphases(cue(N, size=S, random_state=10)), 2 * N + 2),
                circular_form_factor(N, np.arange(1, 2 * N + 3), 2))


def test_coe_form_factor_exact():
    assert_chi2(trace_powers(unitary_eigphases(coe(N, size=S, random_state=11)), 2 * N + 2),
                circular_form_factor(N, np.arange(1, 2 * N + 3), 1))


def test_cse_form_factor_exact():
    phases = kramers_phases(unitary_eigphases(cse(N, size=S, random_state=12)))
    assert_chi2(trace_powers(phases, 2 * N + 2), circular_form_factor(N, np.arange(1, 2 * N + 3), 4))


def test_cue_entry_moments_and_beta_law():
    u = cue(N, size=S, random_state=13)
    a11 = np.abs(u[:, 0, 0]) ** 2
    a22 = np.abs(u[:, 1, 1]) ** 2
    assert_mean(a11 ** 2, 2 / (N * (N + 1)))
    assert_mean(a11 * a22, 1 / (N ** 2 - 1))
    assert_mean(a11 * np.abs(u[:, 0, 1]) ** 2, 1 / (N * (N + 1)))
    assert stats.kstest(a11, stats.beta(1, N - 1).cdf).pvalue > P_FAIL


def test_cue_without_phase_fix_would_fail():
    """The battery has power: plain LAPACK QR (no phase fix) is rejected."""
    rng = np.random.default_rng(14)
    z = (rng.standard_normal((S, N, N)) + 1j * rng.standard_normal((S, N, N))) / np.sqrt(2)
    q, _ = np.linalg.qr(z)
    with pytest.raises(AssertionError):
        assert_chi2(trace_powers(unitary_eigphases(q), 2 * N + 2), circular_form_factor(N, np.arange(1, 2 * N + 3), 2))


def test_coe_element_variances():
    s = coe(N, size=S, random_state=15)
    assert_mean(np.abs(s[:, 0, 0]) ** 2, 2 / (N + 1))
    assert_mean(np.abs(s[:, 0, 1]) ** 2, 1 / (N + 1))


@pytest.mark.parametrize("sampler", [cue, coe])
def test_eigenphases_uniform(sampler):
    phases = unitary_eigphases(sampler(8, size=5000, random_state=16))
    pick = np.random.default_rng(17).integers(0, 8, size=5000)  # one phase per matrix: iid
    one = phases[np.arange(5000), pick]
    assert stats.kstest(one, stats.uniform(-np.pi, 2 * np.pi).cdf).pvalue > P_FAIL


def test_seeding_is_explicit_and_reproducible():
    a = cue(6, size=3, random_state=5)
    b = cue(6, size=3, random_state=np.random.SeedSequence(5))
    c = cue(6, size=3, random_state=np.random.default_rng(5))
    assert np.array_equal(a, b) and np.array_equal(a, c)
    assert not np.array_equal(a, cue(6, size=3, random_state=6))
    state = np.random.get_state()[1].copy()
    cue(6, random_state=None)
    assert np.array_equal(state, np.random.get_state()[1]), "the global numpy state must not be used"


@pytest.mark.parametrize("bad, exc", [(0, ValueError), (-3, ValueError), (2.5, TypeError), ("4", TypeError),
                                      (True, TypeError)])
def test_bad_n(bad, exc):
    for sampler in (cue, coe, cse):
        with pytest.raises(exc, match="n must be an integer"):
            sampler(bad)


def test_bad_random_state():
    with pytest.raises(TypeError, match="random_state"):
        cue(3, random_state="seed")
    with pytest.raises(ValueError, match="random_state"):
        cue(3, random_state=-1)


@pytest.mark.parametrize("sampler, n, size, shown", [
    (cue, 10**6, None, "cue\\(n=1000000, size=None\\)"),
    (coe, 1000, (10**6,), "coe\\(n=1000, size=\\(1000000,\\)\\)"),
    (cse, 10**5, 1, "cse\\(n=100000, size=1\\)"),
])
def test_sizes_that_cannot_fit_are_refused_up_front(sampler, n, size, shown):
    """cue(10**6) needs 4 x 14.6 TiB: refused with the bytes needed, before numpy allocates."""
    with pytest.raises(ValueError, match=shown + " needs [0-9]+ GiB, more than the .* GiB of memory on this machine"):
        sampler(n, size=size)


def test_seed_sequence_gives_the_same_matrices_and_is_left_unchanged():
    ss = np.random.SeedSequence(8)
    for sampler in (cue, coe, cse):
        assert np.array_equal(sampler(3, size=2, random_state=ss), sampler(3, size=2, random_state=ss))
    assert ss.n_children_spawned == 0


def test_arrays_numpy_cannot_describe_are_refused_by_name():
    """Empty batches of impossible matrices and integers beyond 64 bits name size / n."""
    with pytest.raises(ValueError, match="size = 0 with samples of shape \\(1099511627776, 1099511627776\\)"):
        cue(2**40, size=0)
    with pytest.raises(ValueError, match="size = \\(0, 4611686018427387904\\) with samples of shape"):
        coe(3, size=(0, 2**62))
    with pytest.raises(ValueError, match="n must be at most 9223372036854775807"):
        cse(2**70, size=0)
    assert cue(3, size=(0, 4)).shape == (0, 4, 3, 3)
