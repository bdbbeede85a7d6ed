"""Exact vectorised histograms: both counting paths against np.histogram row by row."""
import numpy as np
import pytest

from bristol.binning import _scaled_positions, _sorted_row_counts, binned_counts, count_moments, own_range_counts
from bristol.ergodicity import _circle_edges


def _edge_heavy_rows(edges, rng, n_rows=7, per_row=30):
    """Rows with values exactly on, and one ulp either side of, the given edges, plus random values."""
    rows = []
    for r in range(n_rows):
        e = edges[r] if edges.ndim == 2 else edges
        on = rng.choice(e, per_row)
        u = rng.uniform(size=per_row)
        inside = e[0] * (1 - u) + e[-1] * u  # no overflow when e[-1] - e[0] does
        values = np.concatenate((on, np.nextafter(on, np.inf), np.nextafter(on, -np.inf), inside))
        rows.append(np.clip(values, e[0], e[-1]).astype(e.dtype))
    return np.array(rows)


@pytest.mark.parametrize("grid", ["circle", "own64", "own32"])
def test_binned_counts_sorted_and_unsorted_rows_equal_np_histogram(grid):
    """Both counting paths (searchsorted of sorted rows, bincount of keys) are np.histogram bit for bit,
    also for values on an edge and one ulp away from it."""
    rng = np.random.default_rng(13)
    if grid == "circle":
        edges = _circle_edges(32)
    else:
        dtype = np.float64 if grid == "own64" else np.float32
        lo, hi = rng.uniform(-3, 0, 7), rng.uniform(0.5, 1e3, 7)
        edges = np.linspace(lo.astype(dtype), hi.astype(dtype), 11, axis=-1)
    data = _edge_heavy_rows(edges, rng)
    for rows in (np.sort(data, axis=1), rng.permuted(data, axis=1)):
        expected = np.array([np.histogram(r, bins=edges[i] if edges.ndim == 2 else edges)[0]
                             for i, r in enumerate(rows)])
        assert np.array_equal(binned_counts(rows, edges), expected)
    smooth = np.sort(rng.uniform(edges[..., :1], edges[..., -1:], (7, 200)).astype(data.dtype), axis=1)
    fast = _sorted_row_counts(smooth, edges, _scaled_positions(smooth, edges))
    assert fast is not None, "sorted rows away from the edges take the searchsorted path"
    assert np.array_equal(fast, np.array([np.histogram(r, bins=edges[i] if edges.ndim == 2 else edges)[0]
                                          for i, r in enumerate(smooth)]))
    assert _sorted_row_counts(data, edges, _scaled_positions(data, edges)) is None, "unsorted rows are refused"


def _histogram_rows(rows, edges):
    """np.histogram(row, bins=edges) member by member (one grid, or one grid per row)."""
    return np.array([np.histogram(r, bins=edges[i] if edges.ndim == 2 else edges)[0] for i, r in enumerate(rows)])


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("scale", ["subnormal", "tiny", "huge"])
def test_counts_near_the_underflow_and_overflow_limits_equal_np_histogram(dtype, scale):
    """Ranges whose width is subnormal (B / (hi - lo) overflows), just above the smallest normal
    number, and near the largest float: counts on numpy's own edges equal np.histogram, with
    values on the edges and one ulp beside them, sorted and not."""
    rng = np.random.default_rng(21)
    info = np.finfo(dtype)
    unit = {"subnormal": float(info.smallest_subnormal) * 3000, "tiny": float(info.tiny) * 4,
            "huge": float(info.max) / 4}[scale]
    samples = (rng.uniform(-1, 1, (6, 40)) * unit).astype(dtype)
    counts, edges = own_range_counts(samples, 10)
    assert np.array_equal(counts, _histogram_rows(samples, edges))
    assert np.array_equal(edges, np.array([np.histogram_bin_edges(r, 10) for r in samples]))
    data = _edge_heavy_rows(edges, rng, n_rows=6)
    for rows in (np.sort(data, axis=1), rng.permuted(data, axis=1)):
        assert np.array_equal(binned_counts(rows, edges), _histogram_rows(rows, edges))
        grid = edges[0]
        common = np.clip(rows, grid[0], grid[-1])
        pooled, squares = count_moments(common, grid)
        per_row = _histogram_rows(common, grid)
        assert np.array_equal(binned_counts(common, grid), per_row)
        assert np.array_equal(pooled, per_row.sum(0)) and np.array_equal(squares, (per_row**2).sum(0))


def test_counts_on_a_range_wider_than_the_largest_float():
    """Edges from -1e308 to 1e308 (hi - lo = inf in float64) are counted like np.histogram; a
    range whose own numpy edges would overflow is refused, as np.histogram refuses it."""
    rng = np.random.default_rng(22)
    edges = np.linspace(-1.0, 1.0, 9) * 1e308
    data = _edge_heavy_rows(edges, rng, n_rows=5)
    with np.errstate(over="raise", invalid="raise"):
        for rows in (np.sort(data, axis=1), rng.permuted(data, axis=1)):
            assert np.array_equal(binned_counts(rows, edges), _histogram_rows(rows, edges))
    wide = np.array([[-1.5e308, 0.0, 1.5e308]])
    with pytest.raises(ValueError, match="Too many bins"), np.errstate(over="ignore", invalid="ignore"):
        np.histogram(wide[0], bins=4)
    with pytest.raises(ValueError, match="overflows"):
        own_range_counts(wide, 4)


def test_bins_a_few_subnormal_steps_wide():
    """numpy's edges of 40 bins over 100 subnormal steps are 0, 2, 4, ..., 78, 100 steps: far
    (up to 8 bins) from the ideal grid. The counts still follow those edges exactly (numpy's
    own uniform-bin shortcut does not: it disagrees with its edges here)."""
    step = float(np.finfo(float).smallest_subnormal)
    rng = np.random.default_rng(23)
    rows = np.array([rng.permutation(np.arange(101.0)) * step for _ in range(4)])
    rows[1] = np.sort(rows[1])
    counts, edges = own_range_counts(rows, 40)
    assert edges[0, -2] == 78 * step
    assert np.array_equal(counts, _histogram_rows(rows, edges))
