"""Spectral statistics on samples from bristol.ensembles against their exact values."""

import numpy as np
import pytest
from scipy import stats

from bristol import _validation
from bristol.ensembles import circular_eigphases, circular_eigvals
from bristol.spectral_stats import (
    arc_counts,
    circular_spacings,
    form_factor,
    gap_ratios,
    mean_gap_ratio,
    number_variance,
    spacings,
    trace_moments,
    unfold,
)
from bristol.theory import (
    MEAN_GAP_RATIO_LARGE_N,
    MEAN_GAP_RATIO_SURMISE,
    circular_form_factor,
    circular_number_variance,
    wigner_surmise,
)

from helpers import P_FAIL, assert_chi2, assert_mean
from peak_memory import peak_bytes


def test_circular_spacings_mean_one_and_periodic():
    phases = circular_eigphases(50, size=20, random_state=0)
    s = circular_spacings(phases)
    assert s.shape == (20, 50) and np.allclose(s.mean(axis=1), 1.0)
    assert np.allclose(circular_spacings(np.exp(1j * phases)), s)
    assert np.all(s > 0)


@pytest.mark.parametrize("beta", [1, 2, 4])
def test_form_factor_estimator_matches_exact(beta):
    n, m = 6, 20000
    phases = circular_eigphases(n, beta, size=m, random_state=60 + beta)
    ks = np.arange(1, 2 * n + 3)
    assert np.allclose(form_factor(phases, ks), trace_moments(phases, ks).mean(0))
    assert_chi2(trace_moments(phases, ks), circular_form_factor(n, ks, beta))


@pytest.mark.slow
@pytest.mark.parametrize("beta", [1, 2, 4])
def test_number_variance_exact_finite_n(beta):
    """Per-member mean squared deviation of arc counts from N arc / 2 pi: unbiased for Var."""
    n, m = 20, 6000
    phases = circular_eigphases(n, beta, size=m, random_state=70 + beta)
    for L in (1, 5):
        arc = 2 * np.pi * L / n
        counts = arc_counts(phases, arc, n_positions=8)
        per_member = np.mean((counts - n * arc / (2 * np.pi)) ** 2, axis=1)
        assert_mean(per_member, float(circular_number_variance(n, arc, beta)))
        assert number_variance(phases, arc, 8) == pytest.approx(per_member.mean(), abs=0.02)


def test_number_variance_detects_poisson():
    n, m = 20, 3000
    phases = np.random.default_rng(1).uniform(-np.pi, np.pi, (m, n))
    arc = 2 * np.pi * 5 / n
    per_member = np.mean((arc_counts(phases, arc, 8) - 5.0) ** 2, axis=1)
    with pytest.raises(AssertionError):
        assert_mean(per_member, float(circular_number_variance(n, arc, 2)))


@pytest.mark.slow
@pytest.mark.parametrize("beta", [1, 2, 4])
def test_mean_gap_ratio_large_n(beta):
    """Circular ensembles at N = 128 against Atas et al.'s large-N values, tolerance 0.005
    (theory.md 3.4: finite-N and correlated-ratio effects are ~0.003); 5 SE must be tighter."""
    m = 1000
    phases = circular_eigphases(128, beta, size=m, random_state=80 + beta)
    r = gap_ratios(phases, circular=True)
    assert r.shape == (m, 128)
    per_member = r.mean(axis=1)  # members are independent; ratios within a member are not
    assert 5 * per_member.std() / np.sqrt(m) < 0.005
    assert abs(mean_gap_ratio(phases, circular=True) - MEAN_GAP_RATIO_LARGE_N[beta]) < 0.005


def test_gap_ratio_poisson_exact():
    x = np.random.default_rng(2).uniform(0, 1, (2000, 100))
    per_member = np.nanmean(gap_ratios(x), axis=1)
    assert_mean(per_member, MEAN_GAP_RATIO_SURMISE[0])


def test_gap_ratios_real_shapes_and_values():
    r = gap_ratios(np.array([[0.0, 1.0, 3.0, 3.5]]))
    assert np.allclose(r, [[0.5, 0.25]])
    degenerate = gap_ratios(np.array([0.0, 1.0, 1.0, 1.0]))  # gaps 1, 0, 0
    assert degenerate[0, 0] == 0 and np.isnan(degenerate[0, 1])


def test_unfolding_poisson_gives_exponential_spacings():
    rng = np.random.default_rng(3)
    levels = np.sort(rng.exponential(size=(200, 400)) ** 0.5 * 3, axis=1)  # non-uniform density
    s = spacings(levels, degree=9)[:, 40:-40]  # away from the edges
    assert abs(s.mean() - 1) < 0.02
    assert stats.kstest(s[::7, ::11].ravel(), stats.expon.cdf).pvalue > P_FAIL


def test_unfolding_a_smooth_map_of_cue_recovers_circular_spacings():
    """lambda = f(theta) with f smooth and monotone: unfolding undoes f up to the fit error."""
    phases = np.sort(circular_eigphases(200, 2, size=50, random_state=4), axis=1)
    lam = phases + 0.3 * np.sin(phases)  # strictly increasing on (-pi, pi]
    xi = unfold(lam, degree=9)
    s_unf = np.diff(xi, axis=1)[:, 20:-20]
    s_true = circular_spacings(phases)[:, 20:-21]
    assert np.median(np.abs(s_unf - s_true)) < 0.05


def test_cue_spacings_close_to_the_beta2_surmise():
    """The surmise is within ~1% of the large-N law; beta = 1 and 4 surmises are rejected."""
    s = circular_spacings(circular_eigphases(128, 2, size=400, random_state=5)).ravel()
    grid = np.linspace(0, 3, 301)
    ecdf = np.searchsorted(np.sort(s), grid, side="right") / s.size
    cdf = {b: np.cumsum(wigner_surmise(grid, b)) * (grid[1] - grid[0]) for b in (1, 2, 4)}
    assert np.max(np.abs(ecdf - cdf[2])) < 0.01
    assert np.max(np.abs(ecdf - cdf[1])) > 0.04 and np.max(np.abs(ecdf - cdf[4])) > 0.04


@pytest.mark.parametrize("call, exc, match", [
    (lambda: circular_spacings(np.array([0.1])), ValueError, "at least 2"),
    (lambda: unfold(np.ones((2, 10)), degree=0), ValueError, "degree"),
    (lambda: unfold(np.arange(5.0), degree=5), ValueError, "degree"),
    (lambda: gap_ratios(np.array([1.0, np.nan, 2.0])), ValueError, "NaN"),
    (lambda: trace_moments(np.zeros((2, 3)), 0), ValueError, "k must"),
    (lambda: arc_counts(np.zeros((2, 3)), 7.0), ValueError, "arc"),
    (lambda: form_factor(np.zeros((2, 2, 2)), 1), ValueError, "2-D"),
    (lambda: form_factor(np.zeros((2, 3)), "3"), TypeError, "k must"),
    (lambda: form_factor(np.zeros((2, 3)), [[1, 2]]), ValueError, "k must"),
    (lambda: form_factor(np.zeros((2, 3)), []), ValueError, "k must"),
    (lambda: form_factor(np.zeros((2, 3)), [1.5]), ValueError, "k must"),
    (lambda: form_factor(np.zeros((2, 3)), [np.inf]), ValueError, "k must"),
    (lambda: form_factor(np.zeros((2, 3)), True), TypeError, "k must"),
    (lambda: form_factor(np.array([["a", "b"]]), 1), TypeError, "phases must be an array of numbers"),
    (lambda: arc_counts(np.zeros((2, 3)), "1"), TypeError, "arc"),
    (lambda: arc_counts(np.zeros((2, 3)), np.nan), ValueError, "arc"),
    (lambda: arc_counts(np.zeros((2, 3)), np.array([1.0, 2.0])), TypeError, "arc"),
    (lambda: number_variance(np.zeros((2, 3)), 1.0, n_positions=0), ValueError, "n_positions"),
    (lambda: number_variance(np.zeros((2, 3)), 1.0, n_positions=2.0), TypeError, "n_positions"),
    (lambda: gap_ratios(np.arange(5.0), circular="yes"), TypeError, "circular"),
    (lambda: unfold(np.exp(1j * np.arange(10.0))), TypeError, "eigenvalues must be real"),
    (lambda: spacings(np.arange(10.0), degree=2.0), TypeError, "degree"),
])
def test_bad_input(call, exc, match):
    with pytest.raises(exc, match=match):
        call()


def test_eigvals_accepted_everywhere():
    z = circular_eigvals(30, size=5, random_state=6)
    assert np.allclose(form_factor(z, [1, 2]), form_factor(np.angle(z), [1, 2]))
    assert np.allclose(gap_ratios(z, circular=True), gap_ratios(np.angle(z), circular=True))


@pytest.mark.parametrize("levels, degree", [
    ([1.0, 1, 1, 2, 2, 2, 2, 2, 2, 2], 3),  # 2 distinct levels: the fit gave values of 1e15..1e32
    ([1.0, 1, 1, 2, 2, 3, 3, 3, 3, 3], 3),  # 3 distinct levels, degree 3
    ([[0.0, 1, 2, 3, 4, 5, 6, 7], [0.0, 0, 0, 0, 1, 1, 1, 1]], 2),  # one member of two is degenerate
])
def test_unfold_needs_more_distinct_levels_than_the_degree(levels, degree):
    with pytest.raises(ValueError, match="distinct levels"):
        unfold(np.array(levels), degree=degree)
    with pytest.raises(ValueError, match="distinct levels"):
        spacings(np.array(levels), degree=degree)


def test_unfold_refuses_levels_too_close_for_the_fit_and_handles_extreme_ranges():
    """Distinct levels 1e-15 apart make the least-squares fit singular in float64: refused.
    Levels spanning the whole float64 range (differences overflow), or subnormal ones, unfold
    exactly like their copies scaled by a power of two (each member is rescaled so)."""
    with pytest.raises(ValueError, match="too close together"):
        unfold(np.array([0.0, 1e-15, 2e-15, 3e-15, 1.0]), degree=3)
    levels = np.sort(np.random.default_rng(12).uniform(-1, 1, (3, 60)), axis=1)
    reference = unfold(levels, degree=5)
    assert np.array_equal(unfold(levels * 2.0**1023, degree=5), reference)
    subnormal = levels * 2.0**-1060
    assert np.array_equal(unfold(subnormal, degree=5), unfold(np.ldexp(subnormal, 1060), degree=5))
    assert np.array_equal(gap_ratios(levels * 2.0**1023), gap_ratios(levels))


@pytest.mark.slow
def test_form_factor_and_arc_counts_work_in_blocks(monkeypatch):
    """The (M, K, N) and (M, P, N) intermediate arrays are built in blocks of bounded size
    (1 MiB here, 64 MiB by default): a case that needs about 200 MB in one piece peaks below
    4 MiB, with results identical to the one-piece computation."""
    phases = circular_eigphases(128, size=200, random_state=13)
    ks = np.arange(1, 257)
    one_piece_tm = np.abs(np.exp(1j * ks[None, :, None] * phases[:, None, :]).sum(axis=-1)) ** 2
    starts = 2 * np.pi * np.arange(512) / 512
    one_piece_arcs = np.sum(np.mod(phases[:, None, :] - starts[None, :, None], 2 * np.pi) < 0.7, axis=-1)
    monkeypatch.setattr(_validation, "_BLOCK_BYTES", 2**20)
    tm, peak = peak_bytes(lambda: trace_moments(phases, ks))
    assert np.array_equal(tm, one_piece_tm) and peak < 4 * 2**20
    ff, peak = peak_bytes(lambda: form_factor(phases, ks))
    assert np.array_equal(ff, one_piece_tm.mean(axis=0)) and peak < 4 * 2**20
    counts, peak = peak_bytes(lambda: arc_counts(phases, 0.7, n_positions=512))
    assert np.array_equal(counts, one_piece_arcs) and peak < 4 * 2**20
    assert 16 * one_piece_tm.size * phases.shape[1] > 50 * 2**20
    assert 8 * one_piece_arcs.size * phases.shape[1] > 50 * 2**20
