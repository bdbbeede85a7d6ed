"""Property-based tests (hypothesis) of the row-wise histograms and the spectral public boundary.

* The row-wise histograms of bristol.binning equal np.histogram member by member for random
  shapes, float32/float64, sorted and unsorted rows, values on the edges and one ulp beside
  them, one grid or one per row, at scales from subnormal to near the largest float.
* The public functions of bristol.ergodicity, bristol.spectral_stats and bristol.theory give a
  finite result or a ValueError/TypeError for random arrays and arguments, never another
  exception.
"""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from bristol import spectral_stats as S
from bristol import theory as T
from bristol.binning import binned_counts, count_moments, own_range_counts
from bristol.ergodicity import ensemble_counts, spectral_density, thirumalai_mountain

SETTINGS = settings(max_examples=60, deadline=None, derandomize=True, database=None)
FLOATS = [np.float32, np.float64]


def _histograms(rows, edges):
    return np.array([np.histogram(r, bins=edges[i] if edges.ndim == 2 else edges)[0] for i, r in enumerate(rows)])


def _grid(rng, dtype, exponent, n_bins, n_rows):
    """Equal-width edges of ``n_bins`` bins in ``dtype`` around 2**exponent (one grid or one per
    row), or None when rounding leaves a bin of zero width."""
    info = np.finfo(dtype)
    centre = rng.uniform(-1, 1, n_rows) * 2.0**exponent
    width = rng.uniform(0.1, 2, n_rows) * 2.0**exponent
    lo = np.clip(centre - width / 2, -float(info.max), float(info.max)).astype(dtype)
    hi = np.clip(centre + width / 2, -float(info.max), float(info.max)).astype(dtype)
    with np.errstate(over="ignore", invalid="ignore"):
        edges = np.linspace(lo, hi, n_bins + 1, axis=-1)
    if not np.all(np.isfinite(edges)) or np.any(edges[..., 1:] <= edges[..., :-1]):
        return None
    return edges


def _rows(rng, edges, n_rows, n_values):
    """Values of each row inside its grid: on an edge, one ulp beside one, or anywhere."""
    grids = edges if edges.ndim == 2 else np.broadcast_to(edges, (n_rows, edges.size))
    out = np.empty((n_rows, n_values), dtype=edges.dtype)
    for i, e in enumerate(grids):
        on = rng.choice(e, n_values)
        beside = np.nextafter(on, np.where(rng.random(n_values) < 0.5, np.inf, -np.inf).astype(e.dtype))
        u = rng.random(n_values)
        inside = (e[0] * (1 - u) + e[-1] * u).astype(e.dtype)
        pick = rng.integers(0, 3, n_values)
        out[i] = np.clip(np.choose(pick, [on, beside, inside]), e[0], e[-1])
    return out


@SETTINGS
@given(
    dtype=st.sampled_from(FLOATS),
    exponent=st.one_of(st.integers(-1070, -1000), st.integers(-1022, 1022), st.integers(1000, 1023)),
    n_rows=st.integers(1, 5),
    n_values=st.integers(1, 30),
    n_bins=st.integers(1, 40),
    per_row=st.booleans(),
    sort=st.booleans(),
    seed=st.integers(0, 2**32 - 1),
)
def test_row_histograms_equal_np_histogram(dtype, exponent, n_rows, n_values, n_bins, per_row, sort, seed):
    rng = np.random.default_rng(seed)
    if dtype == np.float32:
        exponent = int(np.clip(exponent, -148, 126))
    edges = _grid(rng, dtype, exponent, n_bins, n_rows if per_row else 1)
    if edges is None:
        return
    edges = edges if per_row else edges[0]
    rows = _rows(rng, edges, n_rows, n_values)
    if sort:
        rows = np.sort(rows, axis=1)
    expected = _histograms(rows, edges)
    assert np.array_equal(binned_counts(rows, edges), expected)
    if not per_row:
        pooled, squares = count_moments(rows, edges)
        assert np.array_equal(pooled, expected.sum(0)) and np.array_equal(squares, (expected**2).sum(0))
    try:
        counts, own_edges = own_range_counts(rows, n_bins)
    except ValueError:  # numpy refuses these ranges too (or fails inside)
        with pytest.raises((ValueError, IndexError)), np.errstate(all="ignore"):
            [np.histogram(r, bins=n_bins) for r in rows]
        return
    with np.errstate(all="ignore"):
        assert np.array_equal(own_edges, np.array([np.histogram_bin_edges(r, n_bins) for r in rows]))
    assert np.array_equal(counts, _histograms(rows, own_edges))


def _spectra():
    """Arrays of many dtypes and shapes, with values from subnormal to huge, NaN and inf."""
    finite = st.floats(allow_nan=False, allow_infinity=False, width=64)
    special = st.sampled_from([0.0, -0.0, 5e-324, -5e-324, 1e-310, 1.7e308, -1.7e308, np.pi, -np.pi, np.nan, np.inf])
    values = st.one_of(finite, special)
    shapes = hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=6)
    dtypes = st.sampled_from(["float16", "float32", "float64", "complex128", "int64", "bool"])
    return st.tuples(shapes, dtypes).flatmap(
        lambda t: st.lists(values, min_size=int(np.prod(t[0])), max_size=int(np.prod(t[0]))).map(
            lambda v: _cast(np.array(v, dtype=float).reshape(t[0]), t[1])
        )
    )


def _cast(values, dtype):
    with np.errstate(all="ignore"):
        if dtype == "complex128":
            return np.exp(1j * np.nan_to_num(values)) * (1 + 0 * values)
        if dtype == "int64":
            return np.nan_to_num(values).clip(-2**62, 2**62).astype(np.int64)
        if dtype == "bool":
            return values > 0
        return values.astype(dtype)


def _finite_or_refused(call):
    """The call's result is finite, or the call raises ValueError/TypeError."""
    try:
        result = call()
    except (ValueError, TypeError):
        return
    for part in result if isinstance(result, tuple) else (result,):
        assert np.all(np.isfinite(part))


BINNING = st.fixed_dictionaries({}, optional={
    "kind": st.sampled_from(["auto", "phase", "real", "complex", 3]),
    "delta_rad": st.one_of(st.floats(1e-5, 10.0),
                           st.sampled_from([0.0, -0.1, np.nan, np.inf, 1e-13, 1e-320, "0.2", True])),
    "real_grid": st.sampled_from(["own", "common", "shared", None]),
    "real_bins": st.one_of(st.integers(-2, 2000), st.sampled_from([10**13, 2.5, "10", True])),
})


@SETTINGS
@given(spectra=_spectra(), binning=BINNING)
def test_ergodicity_boundary_gives_a_finite_result_or_a_clear_error(spectra, binning):
    for function in (thirumalai_mountain, spectral_density, ensemble_counts):
        _finite_or_refused(lambda: function(spectra, **binning))


@SETTINGS
@given(
    spectra=_spectra(),
    degree=st.one_of(st.integers(-1, 12), st.sampled_from([2.0, "3", None])),
    k=st.one_of(st.integers(-2, 40), st.lists(st.integers(-1, 40), max_size=4),
                st.sampled_from([1.5, "3", [[1, 2]], np.inf, True])),
    arc=st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.sampled_from(["1", [1.0], None])),
    n_positions=st.one_of(st.integers(-1, 40), st.sampled_from([2.0, "4"])),
    circular=st.sampled_from([True, False, "yes", 1]),
)
def test_spectral_statistics_boundary_gives_a_finite_result_or_a_clear_error(spectra, degree, k, arc, n_positions,
                                                                             circular):
    _finite_or_refused(lambda: S.circular_spacings(spectra))
    _finite_or_refused(lambda: S.unfold(spectra, degree))
    _finite_or_refused(lambda: S.spacings(spectra, degree))
    _finite_or_refused(lambda: np.nan_to_num(S.gap_ratios(spectra, circular=circular), nan=0.0))  # NaN: 0/0 gap pairs
    _finite_or_refused(lambda: S.trace_moments(spectra, k))
    _finite_or_refused(lambda: S.form_factor(spectra, k))
    _finite_or_refused(lambda: S.arc_counts(spectra, arc, n_positions))
    _finite_or_refused(lambda: S.number_variance(spectra, arc, n_positions))


@SETTINGS
@given(
    n=st.one_of(st.integers(-1, 60), st.sampled_from([2.0, "5", None])),
    k=st.one_of(st.integers(-2, 10**15), st.lists(st.integers(-1, 200), max_size=4),
                st.sampled_from([1.5, "3", np.nan, True])),
    beta=st.one_of(st.sampled_from([0, 1, 2, 4, 1.0, 2.5, -1, np.nan, np.inf, True, "2", None]), st.floats()),
    arc=st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.lists(st.floats(0, 7), max_size=3),
                  st.sampled_from(["1", 1j])),
    k_max=st.one_of(st.none(), st.integers(-2, 3000), st.sampled_from([2.5, "3", True])),
    x=st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.lists(st.floats(-1e300, 1e300), max_size=3),
                st.sampled_from(["x", 1j])),
)
def test_theory_boundary_gives_a_finite_result_or_a_clear_error(n, k, beta, arc, k_max, x):
    _finite_or_refused(lambda: T.circular_form_factor(n, k, beta))
    _finite_or_refused(lambda: T.circular_first_form_factor(n, beta))
    _finite_or_refused(lambda: T.circular_number_variance(n, arc, beta, k_max))
    _finite_or_refused(lambda: T.wigner_surmise(x, beta))
    _finite_or_refused(lambda: T.gap_ratio_surmise(x, beta))
    _finite_or_refused(lambda: T.semicircle_density(x, n, beta))
    _finite_or_refused(lambda: T.circle_density(x))
    _finite_or_refused(lambda: T.gaussian_trace_moment(n, beta, 4))
    _finite_or_refused(lambda: T.semicircle_radius(n, beta))
