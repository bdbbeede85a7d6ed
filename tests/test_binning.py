"""Exact vectorised histograms: both counting paths against np.histogram row by row."""
import numpy as np
import pytest

from bristol.binning import _scaled_positions, _sorted_row_counts, binned_counts
from bristol.ergodicity import _circle_edges


def _edge_heavy_rows(edges, rng, n_rows=7, per_row=30):
    """Rows with values exactly on, and one ulp either side of, the given edges, plus random values."""
    rows = []
    for r in range(n_rows):
        e = edges[r] if edges.ndim == 2 else edges
        on = rng.choice(e, per_row)
        values = np.concatenate((on, np.nextafter(on, np.inf), np.nextafter(on, -np.inf), rng.uniform(e[0], e[-1], per_row)))
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
        expected = np.array([np.histogram(r, bins=edges[i] if edges.ndim == 2 else edges)[0] for i, r in enumerate(rows)])
        assert np.array_equal(binned_counts(rows, edges), expected)
    smooth = np.sort(rng.uniform(edges[..., :1], edges[..., -1:], (7, 200)).astype(data.dtype), axis=1)
    fast = _sorted_row_counts(smooth, edges, _scaled_positions(smooth, edges))
    assert fast is not None, "sorted rows away from the edges take the searchsorted path"
    assert np.array_equal(fast, np.array([np.histogram(r, bins=edges[i] if edges.ndim == 2 else edges)[0] for i, r in enumerate(smooth)]))
    assert _sorted_row_counts(data, edges, _scaled_positions(data, edges)) is None, "unsorted rows are refused"
