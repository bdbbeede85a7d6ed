"""Exact, vectorised histograms of many rows at once: ``np.histogram(row, bins=edges)`` for
every row of an (M, N) array, bit for bit, without a loop over rows.

Rows are binned on equal-width grids -- one grid for all rows, or one per row -- with numpy's
edges (``np.linspace`` in the data's dtype) and numpy's rule: edges[b] <= x < edges[b + 1],
the last bin closed. Two exact paths:

* sorted rows (as bristol's samplers return eigenphases): one ``searchsorted`` of the bin
  boundaries in the scaled positions ``row * B + (x - lo) * B / (hi - lo)``, each boundary
  confirmed against the edges themselves;
* any rows: the floor of the scaled positions is the key ``row * B + bin`` except within
  rounding of an edge, where the edges decide; one ``bincount`` of the keys.

The positions are computed on the data and edges scaled by a power of two per grid (exact),
so ranges near the underflow limit (subnormal hi - lo, where B / (hi - lo) overflows) and
near the overflow limit (hi - lo = inf) are counted like any other; values within the
measured rounding of an edge (bins a few subnormal steps wide are far from the ideal grid) are
placed by a bisection on the edges. Memory besides the counts: about 9 bytes per value (M N) for
sorted rows, 26 for others, 42 for the occupied pairs of :func:`count_moments`.

Used by :mod:`bristol.spectral._ergodicity` (spectral densities, the Thirumalai-Mountain metric) and
:mod:`bristol.cPSE._pse` (cPSE).
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, DTypeLike, NDArray

__all__ = ["uniform_edges", "binned_counts", "histogram_range", "own_range_counts", "count_moments",
           "moments_of_counts"]

#: Safety factor on the bound of the scaled positions' rounding in :func:`_bin_keys`. A position
#: is a handful of rounded operations on the data (a few ulps of the data's dtype, times the
#: number of bins and the range's offset from 0) and on the row offset ``row * B`` (ulps of
#: float64, times M B). Values within the bound of an edge are placed by an exact bisection on the
#: edges, so a generous factor costs a little time, never a wrong bin; 1e3 leaves room for every
#: rounding of those few operations with a wide margin.
_ROUNDING_SAFETY = 1e3
#: Values looked at first by :func:`_sorted_row_counts` before the full sortedness check:
#: unsorted rows nearly always show it within the first few values, which saves the full pass.
_SORTED_PROBE = 64


def uniform_edges(first: ArrayLike, last: ArrayLike, n_bins: int, dtype: DTypeLike) -> NDArray[np.floating]:
    """numpy's edges of ``n_bins`` equal bins over [first, last] in ``dtype``.

    Parameters
    ----------
    first, last : float or array_like of float, shape (M,)
        The ends of one grid (scalars) or of one grid per row.
    n_bins : int
        The number of bins B >= 1.
    dtype : dtype
        The floating dtype of the edges (that of the data, as ``np.histogram`` uses).

    Returns
    -------
    ndarray, shape (B + 1,) or (M, B + 1)
        ``np.linspace(first, last, B + 1)`` in ``dtype``, one row per grid.

    Raises
    ------
    ValueError
        As ``np.histogram``: if last - first overflows, or rounding leaves a bin of zero width.

    Examples
    --------
    >>> import numpy as np
    >>> from bristol.spectral._binning import uniform_edges
    >>> uniform_edges(0.0, 1.0, 4, np.float64)
    array([0.  , 0.25, 0.5 , 0.75, 1.  ])
    """
    first, last = np.asarray(first, dtype=dtype), np.asarray(last, dtype=dtype)
    with np.errstate(over="ignore", invalid="ignore"):
        edges = np.linspace(first, last, n_bins + 1, axis=-1)
    if not np.all(np.isfinite(edges)):
        raise ValueError(
            f"the range of a spectrum overflows {np.dtype(dtype)} (max - min = inf): np.histogram cannot bin it "
            "either; rescale the spectra"
        )
    if np.any(edges[..., 1:] <= edges[..., :-1]):
        raise ValueError(
            f"the range of a spectrum is too small to hold {n_bins} finite-sized bins in {np.dtype(dtype)}"
        )
    return edges


_TINY, _HUGE = float(np.finfo(float).tiny), float(np.finfo(float).max)


def _scaled_grid(edges: NDArray[np.floating]) -> tuple[Any, Any, Any]:
    """Exponents s and the float64 ends lo * 2**s, hi * 2**s of each grid, with (hi - lo) * 2**s
    in [1, 2): scaling by 2**s is exact and keeps B / (hi - lo) and the positions finite for
    subnormal widths (B / (hi - lo) = inf) and overflowing ones (hi - lo = inf) alike."""
    if edges.ndim == 1:  # one grid: Python floats (numpy's 0-d arithmetic costs ~10x more here)
        first, last = float(edges[0]), float(edges[-1])
        span = last - first
        power = math.frexp(span)[1] if math.isfinite(span) else math.frexp(last * 0.5 - first * 0.5)[1] + 1
        return 1 - power, math.ldexp(first, 1 - power), math.ldexp(last, 1 - power)
    lo, hi = edges[..., 0].astype(float), edges[..., -1].astype(float)
    with np.errstate(over="ignore"):
        width = hi - lo
    exponent = np.where(np.isfinite(width), np.frexp(np.where(np.isfinite(width), width, 1.0))[1],
                        np.frexp(hi * 0.5 - lo * 0.5)[1] + 1)
    shift = 1 - exponent
    return shift, np.ldexp(lo, shift), np.ldexp(hi, shift)


def _scaled_positions(data: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """Float64 ``row * B + (x - edges[0]) * B / (edges[B] - edges[0])`` for (M, N) ``data``.

    ``edges`` is (B + 1,) for one grid or (M, B + 1) for one grid per row. Up to rounding, the
    floor of a position is the key ``row * B + bin`` of the value; the positions are sorted
    when every row is. Data and edges are first scaled by the power of two of
    :func:`_scaled_grid` (exact), so no step overflows.
    """
    m, n_bins = data.shape[0], edges.shape[-1] - 1
    shift, lo, hi = _scaled_grid(edges)
    slope = n_bins / (hi - lo)
    per_row = edges.ndim == 2
    # 2**shift * slope is B / (hi - lo) of the unscaled grid, exactly, unless it leaves the
    # normal range: then scale the data first (one more pass); otherwise fold the power of two
    # into the slope (the positions differ at most by the rounding of subnormal data values,
    # which the edge checks of the callers absorb)
    with np.errstate(over="ignore", under="ignore"):
        factor = np.ldexp(slope, shift)
    if np.all((factor >= _TINY) & (factor <= _HUGE)):
        scaled = np.multiply(data, factor[:, None] if per_row else factor, dtype=float)
    else:
        scaled = np.ldexp(data, shift[:, None] if per_row else shift, dtype=float)
        scaled *= slope[:, None] if per_row else slope
    scaled += (np.arange(m) * float(n_bins) - lo * slope)[:, None]
    return scaled


def _bin_keys(data: np.ndarray, edges: np.ndarray, scaled: np.ndarray) -> np.ndarray:
    """Key ``row * B + bin`` of every value of (M, N) ``data`` (flat, size M * N).

    The bins are exactly ``np.histogram(row, bins=edges)``'s: edges[b] <= x < edges[b + 1],
    the last bin closed (``edges`` (B + 1,) or one row per member; values inside their row's
    range). The key is the floor of the scaled position (one pass) except within rounding of an
    edge: values whose fractional position lies within a bound ``tol`` of that rounding (the
    measured distance of the edges from their ideal positions -- large for subnormal edges --
    plus a generous bound on the positions' rounding) are placed by a bisection on the edges
    themselves, among the bins within ``tol`` of the floor. ``scaled`` (the positions of
    :func:`_scaled_positions`) is overwritten.
    """
    m, n_bins = data.shape[0], edges.shape[-1] - 1
    floor = np.floor(scaled)
    frac = np.subtract(scaled, floor, out=scaled)
    keys = floor.astype(np.intp).reshape(-1)
    _, lo, hi = _scaled_grid(edges)
    grids = edges if edges.ndim == 2 else edges[None, :]
    off_grid = _edge_deviation(grids) if _extreme_grid(grids) else 0.0
    span = float(np.max(np.maximum(np.abs(lo), np.abs(hi)) / (hi - lo)))
    rounding = np.finfo(data.dtype).eps * n_bins * (1.0 + span) + np.finfo(float).eps * m * n_bins
    tol = 2 * off_grid + _ROUNDING_SAFETY * rounding
    near = np.flatnonzero((frac < tol) | (frac > 1 - tol))
    if near.size:
        rows = near // data.shape[1]
        x = data.reshape(-1)[near]
        row_edges = grids[rows] if edges.ndim == 2 else grids
        at = np.arange(near.size) if edges.ndim == 2 else 0
        # the bin is the last b <= B - 1 with edges[b] <= x, within ceil(tol) + 1 of the floor
        reach = int(np.ceil(tol)) + 1
        first = np.clip(keys[near] - rows * n_bins - reach, 0, n_bins - 1)
        last = np.clip(keys[near] - rows * n_bins + reach, 0, n_bins - 1)
        while np.any(first < last):
            mid = (first + last + 1) // 2
            right = x >= row_edges[at, mid]
            first, last = np.where(right, mid, first), np.where(right, last, mid - 1)
        keys[near] = rows * n_bins + first
    return keys


def _extreme_grid(grids: np.ndarray) -> bool:
    """Whether a grid's bins are within a factor 1/eps of the smallest normal number of the
    edges' dtype (edges there are rounded to the subnormal step, far from their ideal
    positions), or its width overflows. Other grids are accurate to a few ulps of their ends,
    which the ``eps``-based term of the tolerance in :func:`_bin_keys` covers."""
    info = np.finfo(grids.dtype)
    with np.errstate(over="ignore"):
        widths = np.abs(grids[:, -1].astype(float) - grids[:, 0].astype(float)) / (grids.shape[1] - 1)
    return not bool(np.all(np.isfinite(widths) & (widths >= float(info.tiny) / float(info.eps))))


def _edge_deviation(grids: np.ndarray) -> float:
    """Largest distance, in bins, of the edges' scaled positions from their ideal integers."""
    n_bins = grids.shape[1] - 1
    ideal = np.arange(grids.shape[0])[:, None] * float(n_bins) + np.arange(n_bins + 1)
    return float(np.max(np.abs(_scaled_positions(grids, grids) - ideal)))


def _sorted_row_counts(data: np.ndarray, edges: np.ndarray, scaled: np.ndarray) -> np.ndarray | None:
    """Counts (M, B) when every row of ``data`` is sorted, else None.

    The number of values of a sorted row below each inner edge is found by one searchsorted of
    the integer positions ``row * B + b`` in the (then sorted) scaled positions, and confirmed
    against the edges themselves: the value before each boundary must lie below its edge and
    the value at it not. Anything unconfirmed (rounding at an edge) returns None.
    """
    flat = scaled.reshape(-1)
    head = min(flat.size, _SORTED_PROBE)
    if not (np.all(flat[1:head] >= flat[:head - 1]) and np.all(flat[1:] >= flat[:-1])):
        return None
    (m, n), n_bins = data.shape, edges.shape[-1] - 1
    starts = np.arange(m)[:, None] * n
    pos = np.searchsorted(flat, (np.arange(m)[:, None] * n_bins + np.arange(1, n_bins)).astype(float).ravel())
    pos = pos.reshape(m, n_bins - 1)
    inner = edges[..., 1:-1]
    x = data.reshape(-1)
    below = (pos == starts) | (x[np.maximum(pos - 1, 0)] < inner)
    above = (pos == starts + n) | (x[np.minimum(pos, x.size - 1)] >= inner)
    if not np.all(below & above & (pos >= starts) & (pos <= starts + n)):
        return None
    return np.diff(np.concatenate((starts, pos, starts + n), axis=1), axis=1)


def binned_counts(data: NDArray[np.floating], edges: NDArray[np.floating]) -> NDArray[np.intp]:
    """Histograms of every row of ``data``, bit for bit ``np.histogram(row, bins=edges)``.

    Parameters
    ----------
    data : ndarray of float, shape (M, N)
        The rows, each within its grid's range (values outside are not counted by numpy;
        here they must not occur).
    edges : ndarray of float, shape (B + 1,) or (M, B + 1)
        Equal-width edges (:func:`uniform_edges`): one grid, or one per row.

    Returns
    -------
    ndarray of intp, shape (M, B)
        The counts of each row, numpy's rule: edges[b] <= x < edges[b + 1], the last bin
        closed.

    Notes
    -----
    Sorted rows take a searchsorted of the bin boundaries, others one bincount; see the
    module docstring.

    Examples
    --------
    >>> import numpy as np
    >>> from bristol.spectral._binning import binned_counts, uniform_edges
    >>> data = np.array([[0.0, 0.3, 0.6, 1.0], [0.1, 0.2, 0.25, 0.9]])
    >>> binned_counts(data, uniform_edges(0.0, 1.0, 4, float))
    array([[1, 1, 1, 1],
           [2, 1, 0, 1]])
    """
    scaled = _scaled_positions(data, edges)
    counts = _sorted_row_counts(data, edges, scaled)
    if counts is None:
        m, n_bins = data.shape[0], edges.shape[-1] - 1
        counts = np.bincount(_bin_keys(data, edges, scaled), minlength=m * n_bins).reshape(m, n_bins)
    return counts


def histogram_range(lo: NDArray[np.floating],
                    hi: NDArray[np.floating]) -> tuple[NDArray[np.floating], NDArray[np.floating]]:
    """numpy's automatic histogram range: [min, max], widened by 0.5 on each side if min == max.

    Elementwise over arrays of minima ``lo`` and maxima ``hi``, in their dtype.

    Examples
    --------
    >>> import numpy as np
    >>> from bristol.spectral._binning import histogram_range
    >>> histogram_range(np.array([0.0, 2.0]), np.array([1.0, 2.0]))
    (array([0. , 1.5]), array([1. , 2.5]))
    """
    half = lo.dtype.type(0.5)
    same = lo == hi
    return np.where(same, lo - half, lo), np.where(same, hi + half, hi)


def own_range_counts(samples: NDArray[np.floating],
                     n_bins: int) -> tuple[NDArray[np.intp], NDArray[np.floating]]:
    """``np.histogram(row, bins=n_bins)`` of every row at once, each on its own range.

    Parameters
    ----------
    samples : ndarray of float, shape (M, N)
        The rows.
    n_bins : int
        The number of equal bins B of each row's grid over its [min, max] (widened by 0.5 on
        each side when min == max).

    Returns
    -------
    counts : ndarray of intp, shape (M, B)
        The counts, bit for bit numpy's. Where numpy's uniform-bin shortcut disagrees with
        its own edges (bins a few subnormal steps wide) these follow the edges, as
        ``np.histogram(row, bins=edges)`` does.
    edges : ndarray, shape (M, B + 1)
        Each row's edges, in the dtype of ``samples``.

    Raises
    ------
    ValueError
        If a row's range overflows (max - min = inf), as in ``np.histogram``.

    Examples
    --------
    >>> import numpy as np
    >>> from bristol.spectral._binning import own_range_counts
    >>> counts, edges = own_range_counts(np.array([[0.0, 1.0, 1.0, 4.0]]), 2)
    >>> counts, edges
    (array([[3, 1]]), array([[0., 2., 4.]]))
    """
    edges = uniform_edges(*histogram_range(samples.min(axis=1), samples.max(axis=1)), n_bins, samples.dtype)
    return binned_counts(samples, edges), edges


def moments_of_counts(counts: NDArray[np.integer]) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Pooled counts K(b) = sum_i n_i(b) and S(b) = sum_i n_i(b)^2 of (M, B) integer counts, as
    float64 (summed exactly in integers first).

    Examples
    --------
    >>> import numpy as np
    >>> moments_of_counts(np.array([[2, 1, 0], [1, 1, 2]]))
    (array([3., 2., 2.]), array([5., 2., 4.]))
    """
    return counts.sum(axis=0).astype(float), np.einsum("ib,ib->b", counts, counts).astype(float)


def count_moments(data: NDArray[np.floating],
                  edges: NDArray[np.floating]) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Pooled counts K(b) = sum_i n_i(b) and S(b) = sum_i n_i(b)^2 of the rows of (M, N) data.

    With no more bins than values per member, from the dense M x B counts; otherwise from the
    occupied (member, bin) pairs only -- sorted keys and their run lengths -- never a dense
    table (B can be 10^5 at delta_rad = 1e-4). ``edges`` is one grid (B + 1,); returns
    (K (B,), S (B,)) as float64.

    Examples
    --------
    >>> import numpy as np
    >>> from bristol.spectral._binning import count_moments, uniform_edges
    >>> data = np.array([[0.0, 0.3, 0.6, 1.0], [0.1, 0.2, 0.25, 0.9]])
    >>> count_moments(data, uniform_edges(0.0, 1.0, 4, float))
    (array([3., 2., 1., 2.]), array([5., 2., 1., 2.]))
    """
    n, n_bins = data.shape[1], edges.size - 1
    if n_bins <= n:
        return moments_of_counts(binned_counts(data, edges))
    keys = _bin_keys(data, edges, _scaled_positions(data, edges))
    if np.any(keys[1:] < keys[:-1]):
        keys = np.sort(keys)
    starts = np.flatnonzero(np.concatenate(([True], keys[1:] != keys[:-1])))
    lengths = np.diff(np.append(starts, keys.size)).astype(float)
    bins = keys[starts] % n_bins
    # bincount with weights returns float64 (numpy's stubs say intp: astype makes no copy)
    pooled = np.bincount(bins, lengths, minlength=n_bins).astype(float, copy=False)
    return pooled, np.bincount(bins, lengths**2, minlength=n_bins).astype(float, copy=False)
