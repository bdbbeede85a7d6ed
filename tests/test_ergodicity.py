"""Spectral ergodicity core and the 0.2.14 Ergodicity class: definitions, vectorisation, legacy numbers."""
import json
from pathlib import Path

import numpy as np
import pytest

from bristol.binning import own_range_counts
from bristol.ensembles import Circular, circular_eigphases
from bristol.ergodicity import (
    approach_to_ergodicity,
    ensemble_counts,
    member_counts,
    phase_bin_edges,
    spectral_density,
    symmetric_kl_distance,
    thirumalai_mountain,
)
from bristol.spectral import Ergodicity

LEGACY = json.loads((Path(__file__).parent / "reference" / "legacy_0214.json").read_text())["spectral"]
ERGO = Ergodicity()


def _loop_tm(members, edges_for):
    """The straightforward definition, member by member with np.histogram."""
    m, n = members.shape
    pooled, pooled_edges = np.histogram(members.ravel(), bins=edges_for(members.ravel()))
    mean = pooled / m
    omega = np.zeros(mean.size)
    for row in members:
        counts, _ = np.histogram(row, bins=edges_for(row) if edges_for is not None else pooled_edges)
        omega += (counts - mean) ** 2
    return omega / m / n


def test_kl_reference_value_of_0214():
    rs = np.random.RandomState(1235)
    nk, nkm = rs.random_sample(100), rs.random_sample(100)
    assert ERGO.kl_distance_symmetric(nk, nkm) == LEGACY["kl_1235"] == 91.80822813613116


def test_kl_properties():
    rng = np.random.default_rng(0)
    p, q = rng.random(50), rng.random(50)
    assert symmetric_kl_distance(p, q) == pytest.approx(symmetric_kl_distance(q, p), rel=1e-14)
    assert symmetric_kl_distance(p, p) == 0
    assert symmetric_kl_distance(p, q) > 0
    eps = 1e-9
    assert symmetric_kl_distance(p, q) == pytest.approx(np.sum((p - q) * np.log2((p + eps) / (q + eps))), rel=1e-12)


def test_phase_grid_covers_the_circle():
    edges = phase_bin_edges(0.2)
    assert edges[0] == -np.pi and edges[-1] == np.pi and edges.size == 33
    assert np.all(np.diff(edges) <= 0.2)
    phases = circular_eigphases(64, size=10, random_state=1)
    counts = member_counts(phases, kind="phase", delta_rad=0.2)
    mean, centres = ensemble_counts(phases, kind="phase", delta_rad=0.2)
    assert counts.sum() == phases.size, "no eigenphase may be dropped"
    assert counts.shape == (10, 32) and np.allclose(mean, counts.mean(0))
    assert np.array_equal(member_counts(phases + 2 * np.pi, kind="phase"), counts), "phases are wrapped"
    assert np.allclose(centres, 0.5 * (edges[1:] + edges[:-1]))
    assert phase_bin_edges(1e-4).size - 1 == int(np.ceil(2 * np.pi / 1e-4))
    assert phase_bin_edges(2 * np.pi / 32).size == 33


@pytest.mark.parametrize("delta", [0.2, 1e-3])
def test_phase_tm_equals_member_loop(delta):
    z = np.exp(1j * circular_eigphases(128, size=12, random_state=2))
    edges = phase_bin_edges(delta)
    phases = np.angle(z)
    assert np.array_equal(member_counts(z, delta_rad=delta), np.array([np.histogram(r, bins=edges)[0] for r in phases]))
    loop = _loop_tm(phases, lambda row: edges)
    assert np.allclose(thirumalai_mountain(z, delta_rad=delta), loop, rtol=1e-13, atol=0)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_real_own_grid_equals_np_histogram_loop(dtype):
    rng = np.random.default_rng(3)
    members = (rng.standard_normal((9, 60)) ** 2).astype(dtype)
    members[4] = members[4, 0]  # a constant member: numpy widens the range by 0.5
    members[5, :7] = members[5].max()  # values exactly on the last edge
    counts, edges = own_range_counts(members, 10)
    for row, c, e in zip(members, counts, edges):
        ref_c, ref_e = np.histogram(row)
        assert np.array_equal(c, ref_c) and np.array_equal(e, ref_e) and e.dtype == ref_e.dtype
    loop = _loop_tm(members, lambda row: 10)
    assert np.array_equal(thirumalai_mountain(members), loop)
    assert np.array_equal(member_counts(members), counts)


def test_real_common_grid():
    rng = np.random.default_rng(4)
    members = rng.standard_normal((6, 80))
    counts = member_counts(members, real_grid="common")
    mean, _ = ensemble_counts(members, real_grid="common")
    _, pooled_edges = np.histogram(members.ravel())
    assert np.array_equal(counts, np.array([np.histogram(r, bins=pooled_edges)[0] for r in members]))
    assert np.allclose(mean, counts.mean(0))  # same grid: the mean of the member counts
    omega = thirumalai_mountain(members, real_grid="common")
    assert np.allclose(omega, counts.var(axis=0) / 80)


def test_legacy_real_numbers_match_0214():
    for dtype in ("float64", "float32"):
        values = np.random.RandomState(7).standard_normal(5 * 40).astype(dtype) ** 2
        assert ERGO.thirumalai_mountain(values, 5, 40).tolist() == LEGACY[f"tm_real_{dtype}"]
        assert ERGO.spectral_density(values, 5, 40).tolist() == LEGACY[f"density_real_{dtype}"]
    data = {f"N{n}": {"c_eigen": np.random.RandomState(n).standard_normal(4 * n) ** 2} for n in (8, 16, 32)}
    assert ERGO.approach_se([8, 16, 32], 4, data) == LEGACY["approach_se_real"]


def test_legacy_phase_numbers_match_0214_below_its_last_edge():
    """Where 0.2.14's grid is sound (no phase above its last edge) the metric is the same;
    our extra last bin is empty."""
    delta = LEGACY["tm_phase_delta"]
    phases = np.random.RandomState(8).uniform(-np.pi, np.arange(-np.pi, np.pi, delta)[-1], 6 * 50)
    ours = ERGO.thirumalai_mountain(np.exp(1j * phases), 6, 50, delta)
    legacy = np.array(LEGACY["tm_phase"])
    assert legacy.size == LEGACY["tm_phase_n_edges"] - 1 == 31 and ours.size == 32
    assert np.allclose(ours[:31], legacy, rtol=1e-13, atol=0) and ours[31] == 0


def test_spectral_density_columns():
    z = np.exp(1j * circular_eigphases(32, size=4, random_state=5))
    dens = ERGO.spectral_density(z.ravel(), 4, 32)
    assert dens.shape == (32, 2) and dens[:, 1].sum() == pytest.approx(32)
    assert np.array_equal(dens, spectral_density(z))


@pytest.mark.parametrize("function", [spectral_density, approach_to_ergodicity])
def test_a_misspelt_binning_keyword_names_the_function_called(function):
    z = np.exp(1j * circular_eigphases(8, size=3, random_state=5))
    spectra = [z, z] if function is approach_to_ergodicity else z
    with pytest.raises(TypeError, match=rf"{function.__name__}\(\) got an unexpected keyword argument 'delta'"):
        function(spectra, delta=0.1)


def test_approach_se_with_circular_data_and_core_agree():
    circ = Circular()
    seeds = [11, 12]
    data = {f"N{n}": circ.eigen_circular_ensemble(n, cSize=5, nchunks=2, seeds=seeds, parallel=False)
            for n in (16, 32, 64)}
    legacy = ERGO.approach_se([16, 32, 64], 10, data)
    core = approach_to_ergodicity([data[f"N{n}"]["c_eigen"].reshape(10, n) for n in (16, 32, 64)])
    assert np.allclose(legacy, core, rtol=1e-13) and len(legacy) == 2 and all(d > 0 for d in legacy)


def test_cse_handled_as_n_distinct_phases():
    circ = Circular()
    out = circ.eigen_circular_ensemble(16, cSize=3, nchunks=2, ensemble="CSE", seeds=[1, 2], parallel=False)
    omega = ERGO.thirumalai_mountain(out["c_eigen"], 6, 16)
    assert np.isfinite(omega).all()
    with pytest.raises(ValueError, match="ensemble_size \\* N"):
        ERGO.thirumalai_mountain(np.concatenate([out["c_eigen"], out["c_eigen"]]), 6, 16)  # 2N per matrix


@pytest.mark.parametrize("call, match", [
    (lambda: ERGO.kl_distance_symmetric(np.ones(3), np.ones(4)), "same length"),
    (lambda: ERGO.kl_distance_symmetric([], []), "Nk must not be empty"),
    (lambda: ERGO.kl_distance_symmetric([1.0, np.nan], [1.0, 2.0]), "Nk contains NaN"),
    (lambda: ERGO.thirumalai_mountain(np.ones(10), 3, 4), "ensemble_size \\* N"),
    (lambda: ERGO.thirumalai_mountain(np.exp(1j * np.arange(12.0)), 3, 4, delta_rad=0), "delta_rad"),
    (lambda: ERGO.thirumalai_mountain(np.exp(1j * np.arange(12.0)), 3, 4, delta_rad=-0.1), "delta_rad"),
    (lambda: ERGO.spectral_density(np.array([]), 1, 1), "c_eigen"),
    (lambda: ERGO.spectral_density(np.array([1.0, np.nan]), 1, 2), "c_eigen contains NaN"),
    (lambda: ERGO.thirumalai_mountain(np.ones(4), 0, 4), "ensemble_size"),
    (lambda: ERGO.approach_se([8], 2, {}), "at least two"),
    (lambda: ERGO.approach_se([8, 16], 2, {"N8": {"c_eigen": np.ones(16)}}), "N16"),
    (lambda: ERGO.approach_se([8, 16], 2, {"N8": {"c_eigen": np.ones(16)}, "N16": {"eigs": np.ones(32)}}), "'c_eigen'"),
    (lambda: ERGO.approach_se([8, 16], 2, {"N8": {"c_eigen": np.ones(16)}, "N16": np.ones(32)}), "'c_eigen'"),
    (lambda: thirumalai_mountain(np.ones((2, 3)), real_grid="shared"), "real_grid"),
    (lambda: thirumalai_mountain(np.full((2, 3), 1e10, dtype=np.float32)), "finite-sized bins"),
    (lambda: thirumalai_mountain(np.ones((2, 3)), kind="complex"), "kind"),
    (lambda: thirumalai_mountain(np.array([[0.1, np.inf]]), kind="phase"), "spectra contains NaN or Inf"),
    (lambda: thirumalai_mountain(np.array([[0.1, np.nan], [0.2, 0.3]])), "spectra contains NaN or Inf"),
    (lambda: thirumalai_mountain(np.empty((0, 3))), "spectra must not be empty"),
])
def test_bad_input(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_measure_on_uniform_phases_reproduces_paper_magnitude():
    """At delta_rad = 1e-4 the published CUE bars (log10 D_se ~ 1.52, 1.47) come out even for
    i.i.d. uniform phases (theory.md 5.1): the measure is dominated by bin occupancy there."""
    rng = np.random.default_rng(6)
    spectra = [rng.uniform(-np.pi, np.pi, (40, n)) for n in (64, 128, 256)]
    d = approach_to_ergodicity(spectra, kind="phase", delta_rad=1e-4)
    assert np.allclose(np.log10(d), [1.52, 1.47], atol=0.03)


def test_a_transposed_or_reshaped_ensemble_is_refused():
    """A 2-D ensemble must be (ensemble_size, N): its transpose (same size) was reshaped into
    wrong members (Omega off by orders of magnitude); a 3-D array is refused too."""
    c = np.exp(1j * circular_eigphases(64, size=20, random_state=9))
    expected = ERGO.thirumalai_mountain(c.ravel(), 20, 64)
    assert np.array_equal(ERGO.thirumalai_mountain(c, 20, 64), expected)
    for bad in (c.T, c.reshape(2, 10, 64), c.reshape(40, 32)):
        with pytest.raises(ValueError, match=r"\(ensemble_size, N\) = \(20, 64\)"):
            ERGO.thirumalai_mountain(bad, 20, 64)
        with pytest.raises(ValueError, match="c_eigen"):
            ERGO.spectral_density(bad, 20, 64)


@pytest.mark.parametrize("call, match", [
    (lambda: phase_bin_edges(1e-13), r"delta_rad = 1e-13 .* needs .* GiB, more than"),
    (lambda: thirumalai_mountain(np.exp(1j * np.ones((2, 3))), delta_rad=1e-13),
     r"delta_rad = 1e-13 .* needs .* GiB, more than"),
    (lambda: thirumalai_mountain(np.exp(1j * np.ones((2, 3))), delta_rad=1e-320),
     r"delta_rad = 1e-320 \(inf phase bins\)"),
    (lambda: member_counts(np.ones((2, 3)), kind="phase", delta_rad=1e-320), "delta_rad"),
    (lambda: thirumalai_mountain(np.ones((2, 3)), real_bins=10**13),
     r"real_bins = 10000000000000 needs .* GiB, more than"),
    (lambda: thirumalai_mountain(np.ones((2, 3)), real_grid="common", real_bins=10**15), "real_bins"),
    (lambda: member_counts(np.ones((2, 3)), real_bins=10**13), "real_bins"),
])
def test_grids_that_do_not_fit_in_memory_are_refused_up_front(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_thirumalai_mountain_at_the_papers_resolution_equals_member_loop():
    """delta_rad = 1e-4 (62832 bins, more than N: the sparse S(b) of the occupied bins) equals the
    member-by-member np.histogram definition, also where a member has two or more eigenphases in
    one bin (S(b) sums squared counts)."""
    rng = np.random.default_rng(10)
    phases = rng.uniform(-np.pi, np.pi, (30, 200))
    phases[:, 1] = phases[:, 0]  # every member has a doubly occupied bin
    phases[::3, 2] = phases[::3, 0]  # and some a triply occupied one
    edges = phase_bin_edges(1e-4)
    counts = np.array([np.histogram(r, bins=edges)[0] for r in phases])
    assert counts.max() == 3 and edges.size - 1 > phases.shape[1]
    omega = thirumalai_mountain(phases, kind="phase", delta_rad=1e-4)
    assert np.allclose(omega, _loop_tm(phases, lambda row: edges), rtol=1e-13, atol=0)
    assert np.allclose(omega, counts.var(axis=0) / phases.shape[1], rtol=1e-12, atol=1e-18)


def test_phase_bin_count_when_two_pi_over_delta_rounds_above_an_integer():
    """delta_rad = 2 pi / k computed in floating point gives k bins, also for the k where
    2 pi / (2 pi / k) rounds to just above k (k = 61, 122, 197, ...)."""
    ks = np.arange(1, 3001)
    above = [k for k in ks if 2 * np.pi / (2 * np.pi / k) > k]
    assert len(above) > 50
    assert all(phase_bin_edges(2 * np.pi / k).size - 1 == k for k in ks)


@pytest.mark.parametrize("real_grid", ["own", "common"])
def test_real_spectra_near_the_underflow_limit(real_grid):
    """Spectra x 1e-308 (bin width B / (hi - lo) overflowed: 'list argument must have no
    negative elements') and x 1e-315 (subnormal) give the np.histogram loop's metric."""
    base = np.random.default_rng(11).standard_normal((8, 50))
    for scale in (1e-308, 1e-315):
        members = base * scale
        if real_grid == "own":
            loop = _loop_tm(members, lambda row: 10)
        else:
            counts = np.array([np.histogram(r, bins=np.histogram_bin_edges(members, 10))[0] for r in members])
            loop = counts.var(axis=0) / 50
        assert np.allclose(thirumalai_mountain(members, kind="real", real_grid=real_grid), loop, rtol=1e-13, atol=0)
