"""Periodic spectral ergodicity of a stack of layers (cPSE, arXiv:1911.07831): numpy core.

Given the spectra of L layers, each extended periodically to the largest layer's size U
(:mod:`bristol.periodic`), the layers 1..l form an ensemble of l members of size U with the
Thirumalai-Mountain metric Omega_l (:mod:`bristol.spectral._ergodicity`, real spectra). Then

    d_l = D(Omega_l, Omega_{l+1}),  l = 1 .. L - 2,        cPSE = mean_l log10 d_l,

with D the symmetric KL distance: L layers give L - 2 values and the last layer never enters
(bristol 0.2.14's definition). Real spectra are histogrammed as bristol 0.2.14 did
(``real_grid="own"``: numpy's 10 bins over each layer's own range, the ensemble over the
pooled range of layers 1..l), or on the pooled grid of each ensemble (``"common"``).

All Omega_l come from two passes over the layers: each layer's sorted spectrum is searched
for the edges of the pooled grids it belongs to and added to running pooled counts, then its
squared deviations are added to running member sums in layer order, so the numbers are
bit-identical to the member-by-member computation of bristol 0.2.14, in memory
O(L * (U + bins)).

Layer spectra come from Gram matrices with exact power-of-two scaling (:func:`gram_spectra`):
real matrices in float64, complex ones through the Hermitian X X^H; a spectrum outside the
normal float64 range is refused with a ValueError naming the matrix.
"""
from __future__ import annotations

import sys
import warnings
from collections.abc import Sequence
from typing import Any, Callable

import numpy as np
from numpy.typing import ArrayLike, NDArray
from tqdm import tqdm

from .._torch import installed_torch, require_torch
from .._validation import check_choice, check_finite_array, check_int
from ..spectral._binning import histogram_range, own_range_counts, uniform_edges
from ..spectral._ergodicity import REAL_BINS, consecutive_distances

__all__ = [
    "ensemble_metrics",
    "d_layers",
    "cpse_from_d_layers",
    "is_complex",
    "scaled_stack",
    "TORCH_EIGVALSH_MIN",
    "symmetric_eigvalsh",
    "smaller_gram",
    "numpy_gram_eigvalsh",
    "numpy_scaled_solver",
    "STACK_ENTRIES",
    "gram_spectra",
    "LazyMatrix",
    "NonFiniteMatrix",
    "scale_exponents",
    "scale_factors",
]


#: What needs torch when a matrix is a torch tensor (always installed then).
_TENSORS = "reading torch tensors"


class LazyMatrix:
    """A matrix read only when needed (a layer of a checkpoint on disk, say).

    Its shape and whether it is complex are known without reading it; :meth:`load` returns
    the values (a 2-D numpy array or torch tensor of that shape). :func:`gram_spectra`
    loads each lazy matrix right before its eigen-solve and lets it go after, so the values
    of only a few matrices are in memory at a time.

    Parameters
    ----------
    shape : tuple of (int, int)
        The matrix's shape.
    complex : bool
        Whether its values are complex.
    load : callable
        Returns the values.

    Examples
    --------
    >>> lazy = LazyMatrix((2, 3), False, lambda: np.ones((2, 3)))
    >>> lazy.shape, lazy.is_complex(), lazy.load().sum()
    ((2, 3), False, np.float64(6.0))
    """

    __slots__ = ("shape", "_complex", "_load")

    def __init__(self, shape: tuple[int, int], complex: bool, load: Callable[[], Any]):
        self.shape = tuple(int(n) for n in shape)
        self._complex = bool(complex)
        self._load = load

    def is_complex(self) -> bool:
        return self._complex

    def load(self) -> Any:
        """The values; a ValueError if they do not have the declared shape."""
        values = self._load()
        if tuple(values.shape) != self.shape:
            raise ValueError(f"a lazily read matrix has shape {tuple(values.shape)}, expected {self.shape}")
        return values

    def __repr__(self) -> str:
        return f"LazyMatrix(shape={self.shape}, complex={self._complex})"


def _loaded(x: Any) -> Any:
    """The values of ``x``: loaded for a :class:`LazyMatrix`, ``x`` itself otherwise."""
    return x.load() if isinstance(x, LazyMatrix) else x


def ensemble_metrics(periodic: ArrayLike, real_grid: str = "own", bins: int = REAL_BINS) -> NDArray[np.float64]:
    """Omega_l for the ensembles of the first l layers, l = 1 .. L; shape (L, bins).

    Parameters
    ----------
    periodic : array_like
        The (L, U) periodically extended real spectra, one layer per row (integers and
        booleans are taken as float64).
    real_grid : {"own", "common"}, default "own"
        ``"own"``: each layer's counts on numpy's grid over its own range (bristol 0.2.14);
        ``"common"``: on the pooled grid of the ensemble.
    bins : int, default 10
        Number of bins.

    Returns
    -------
    numpy.ndarray
        (L, bins) float64; row l - 1 is Omega_l.

    Raises
    ------
    ValueError
        A layer's range, or the pooled range of layers 1..l, overflows the dtype or is so
        narrow that its bins would be subnormal; an unknown ``real_grid`` or a bad ``bins``.

    Notes
    -----
    Omega_l(b) = (1 / (l U)) sum_{i <= l} (n_i(b) - mean_l(b))^2, with n_i(b) the counts of
    layer i and mean_l the mean count of layers 1..l on the pooled grid of layers 1..l
    (docs/theory.md, sections 5.1 and 5.2). One pass over the layers finds, for layer i,
    its counts on the pooled grids of layers 1..l for every l >= i (a searchsorted of those
    grids' edges in the sorted layer) and adds them to the running pooled counts; a second
    pass adds each layer's squared deviations in layer order, as bristol 0.2.14's
    member-by-member computation did, so the numbers are bit-identical. Memory
    O(L (U + bins)), never an (L, L, bins) table; time O(L U log U + L^2 bins log U) [1]_.

    References
    ----------
    .. [1] M. Suezen, "Periodic spectral ergodicity: a complexity measure for deep neural
       networks and neural architecture search", arXiv:1911.07831 (2019).

    Examples
    --------
    >>> periodic = np.arange(12.0).reshape(3, 4)
    >>> ensemble_metrics(periodic, bins=4).shape
    (3, 4)
    >>> bool(np.all(ensemble_metrics(periodic)[0] == 0))  # one layer: no deviation
    True
    """
    grid = check_choice("real_grid", real_grid, ("own", "common"))
    bins = check_int("bins", bins)
    x = np.asarray(periodic)
    if not np.issubdtype(x.dtype, np.floating):
        x = x.astype(float)
    n_layers, size = x.shape
    sizes = np.arange(1, n_layers + 1)
    row_lo, row_hi = x.min(axis=1), x.max(axis=1)
    lo, hi = np.minimum.accumulate(row_lo), np.maximum.accumulate(row_hi)
    _check_bin_widths(row_lo, row_hi, bins, "layer {} alone")
    _check_bin_widths(lo, hi, bins, "layers 1..{} pooled")
    edges = uniform_edges(*histogram_range(lo, hi), bins, x.dtype)  # (L, bins + 1): pooled grid of layers 1..l
    ordered = np.sort(x, axis=1)
    pooled = np.zeros((n_layers, bins), dtype=np.int64)  # (l, b): counts of layers 1..l on grid l
    for i in range(n_layers):
        pooled[i:] += _counts_on_grids(ordered[i], edges[i:])
    mean = pooled / sizes[:, None]
    own = own_range_counts(x, bins)[0] if grid == "own" else None  # (i, b)
    sums = np.zeros((n_layers, bins))  # (l, b): sum over i <= l in order of (n_i(b) - mean_l(b))^2
    for i in range(n_layers):
        counts = own[i] if own is not None else _counts_on_grids(ordered[i], edges[i:])
        sums[i:] += (counts - mean[i:]) ** 2
    return sums / sizes[:, None] / size


def _counts_on_grids(ordered: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """Counts (G, bins) of the sorted 1-D ``ordered`` on each of the G grids ``edges`` (G, bins + 1),
    with numpy's histogram rule (edges[b] <= x < edges[b + 1], the last bin closed)."""
    below = np.searchsorted(ordered, edges, side="left")
    below[:, -1] = np.searchsorted(ordered, edges[:, -1], side="right")
    return below[:, 1:] - below[:, :-1]


def _check_bin_widths(lo: np.ndarray, hi: np.ndarray, bins: int, what: str) -> None:
    """Raise ValueError naming the first range [lo, hi] (``what`` formatted with its 1-based
    index) whose width overflows or whose ``bins`` bins would be narrower than the smallest
    normal number of the dtype (a zero width is fine: numpy widens it by 0.5 on each side)."""
    with np.errstate(over="ignore"):
        width = hi - lo
    tiny = np.finfo(width.dtype).tiny
    bad = np.flatnonzero(~np.isfinite(width) | ((width > 0) & (width / bins < tiny)))
    if bad.size:
        k = bad[0]
        problem = "is wider than the largest" if not np.isfinite(width[k]) else \
            f"is too narrow for {bins} bins of at least the smallest normal ({tiny:.3g})"
        raise ValueError(f"periodic spectra: the range [{float(lo[k]):.6g}, {float(hi[k]):.6g}] of "
                         f"{what.format(k + 1)} {problem} "
                         f"{width.dtype} number; spectra at the overflow or underflow limit cannot be binned")


def d_layers(periodic: ArrayLike, real_grid: str = "own", bins: int = REAL_BINS) -> NDArray[np.float64]:
    """d_l = D(Omega_l, Omega_{l+1}) for l = 1 .. L - 2 from the (L, U) periodic spectra.

    Parameters
    ----------
    periodic : array_like
        The (L, U) periodically extended real spectra (floating, integer or boolean),
        finite, L >= 3; the last row never enters (bristol 0.2.14's definition).
    real_grid : {"own", "common"}, default "own"
        See :func:`ensemble_metrics`.
    bins : int, default 10
        Number of bins.

    Returns
    -------
    numpy.ndarray
        The L - 2 finite, nonnegative values d_l (float64).

    Raises
    ------
    TypeError
        ``periodic`` is not real.
    ValueError
        ``periodic`` is not 2-D, holds NaN / Inf or has fewer than 3 rows.

    Notes
    -----
    D is the symmetric Kullback-Leibler distance of consecutive Thirumalai-Mountain metrics
    (docs/theory.md, section 5.2). Memory O(L (U + bins)) (:func:`ensemble_metrics`) [1]_.

    References
    ----------
    .. [1] M. Suezen, "Periodic spectral ergodicity: a complexity measure for deep neural
       networks and neural architecture search", arXiv:1911.07831 (2019).

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> d_layers(rng.standard_normal((5, 40)) ** 2).shape
    (3,)
    """
    periodic = np.asarray(periodic)
    if periodic.dtype.kind not in "biuf":
        raise TypeError(f"periodic spectra must be real numbers, got dtype {periodic.dtype}")
    periodic = check_finite_array("periodic spectra", periodic, ndim=2)
    if periodic.shape[0] < 3:
        raise ValueError(f"cPSE needs at least 3 layers (L layers give L - 2 values), got {periodic.shape[0]}")
    omegas = ensemble_metrics(periodic[:-1], real_grid, bins)
    return consecutive_distances(list(omegas))


def cpse_from_d_layers(values: ArrayLike) -> float:
    """cPSE = the mean of log10 d_l.

    Parameters
    ----------
    values : array_like
        The d_l, 1-D, finite, nonnegative.

    Returns
    -------
    float
        mean_l log10 d_l; -inf (with a RuntimeWarning naming the positions, instead of
        numpy's divide-by-zero message) when some d_l is 0, as in bristol 0.2.14 (two
        consecutive ensembles with identical metrics, e.g. repeated identical layers).

    Raises
    ------
    ValueError
        ``values`` is empty, not 1-D, or holds NaN, Inf or a negative value (never produced by
        :func:`d_layers`).

    Examples
    --------
    >>> cpse_from_d_layers([0.1, 0.01])
    -1.5
    """
    d = np.asarray(values, dtype=float)
    if d.size == 0:
        raise ValueError("d_layers is empty")
    d = check_finite_array("d_layers", d, ndim=1)
    if np.any(d < 0):
        raise ValueError(f"d_layers must be >= 0 (distances), got a negative value at l = {int(np.argmax(d < 0)) + 1}")
    zero = np.flatnonzero(d == 0)
    if zero.size:
        warnings.warn(f"d_l = 0 at l = {(zero + 1).tolist()} (identical metrics of consecutive layer ensembles): "
                      "cPSE = mean log10 d_l is -inf", RuntimeWarning, stacklevel=2)
        return float("-inf")
    return float(np.mean(np.log10(d)))


def is_complex(x: Any) -> bool:
    """Whether ``x`` (a numpy array or a torch tensor) holds complex numbers.

    Examples
    --------
    >>> is_complex(np.ones(2)), is_complex(np.ones(2) * 1j)
    (False, True)
    """
    return bool(x.is_complex()) if hasattr(x, "is_complex") else np.iscomplexobj(x)


def scaled_stack(matrices: Sequence[Any]) -> tuple[NDArray[np.inexact], NDArray[np.int64]]:
    """Equally shaped matrices stacked, each scaled by a power of two into [0.5, 1).

    Parameters
    ----------
    matrices : sequence of array_like or torch.Tensor
        k matrices of one shape (n, m), in any real or complex dtype (bfloat16 included).

    Returns
    -------
    stack : numpy.ndarray
        (k, n, m), float64 -- complex128 when any matrix is complex -- with matrix j
        multiplied by 2^-e_j.
    exponents : numpy.ndarray
        The e_j (int64), chosen by ``np.frexp`` so that the largest |real or imaginary part|
        of matrix j lies in [0.5, 1) (e_j = 0 for a zero matrix).

    Raises
    ------
    ValueError
        A matrix holds NaN or Inf (its position is in the message).

    Notes
    -----
    A power-of-two scale is exact, so the Gram matrix of the scaled stack is 2^-2e_j times
    the true one exactly, with neither overflow nor underflow. Each matrix is read twice
    in its stored dtype: once for its largest entry (which also finds a NaN or Inf: no
    separate finiteness pass) and once converted into its slot of the stack, which is then
    scaled in place; the stack takes the memory layout of the first matrix (a transposed
    view, such as an embedding's d x V matrix, is copied without a transpose). A single
    float64 array with e_j = 0 is not copied; otherwise the stack takes k n m values.

    Examples
    --------
    >>> stack, exponents = scaled_stack([np.full((2, 3), 8.0), np.full((2, 3), 0.25)])
    >>> stack.shape, exponents.tolist(), float(stack[0, 0, 0]), float(stack[1, 0, 0])
    ((2, 2, 3), [4, -1], 0.5, 0.5)
    """
    arrays = [x if hasattr(x, "detach") else np.asarray(x) for x in matrices]
    dtype = np.complex128 if any(is_complex(x) for x in arrays) else np.float64
    exponents = scale_exponents([_max_abs(x) for x in arrays])
    if len(arrays) == 1 and exponents[0] == 0 and isinstance(arrays[0], np.ndarray) and arrays[0].dtype == dtype:
        return arrays[0][None], exponents
    shape = tuple(arrays[0].shape)
    if _column_major(arrays[0]):
        stack = np.swapaxes(np.empty((len(arrays),) + shape[::-1], dtype=dtype), 1, 2)
    else:
        stack = np.empty((len(arrays),) + shape, dtype=dtype)
    for target, x, factors in zip(stack, arrays, zip(*scale_factors(exponents))):
        if hasattr(x, "detach"):
            require_torch(_TENSORS).from_numpy(target).copy_(x.detach())  # converts in one pass
        else:
            target[...] = x
        for factor in factors:
            if factor != 1:
                for part in _parts(target):
                    np.multiply(part, factor, out=part)
    return stack, exponents


class NonFiniteMatrix(ValueError):
    """A matrix given to a solver of :func:`gram_spectra` holds NaN or Inf.

    :func:`scaled_stack` raises it, and so may a custom solver, with the matrix's position
    in the list it was given; :func:`gram_spectra` turns it into a ValueError that names
    the matrix by its label.

    Parameters
    ----------
    position : int
        The matrix's position in the solver's list.

    Examples
    --------
    >>> str(NonFiniteMatrix(2))
    'matrix 2 of the stack has NaN or Inf entries'
    """

    def __init__(self, position: int):
        super().__init__(f"matrix {position} of the stack has NaN or Inf entries")
        self.position = position


def scale_exponents(top: ArrayLike) -> NDArray[np.int64]:
    """The exponents e of the power-of-two scaling of matrices with largest entries ``top``.

    Parameters
    ----------
    top : array_like
        Per matrix, its largest |real or imaginary part|, as its minimum and maximum give
        it (NaN or Inf when the matrix holds one).

    Returns
    -------
    numpy.ndarray
        The e (int64) with top * 2^-e in [0.5, 1) (``np.frexp``; 0 for a zero matrix).

    Raises
    ------
    NonFiniteMatrix
        Some ``top`` is NaN or Inf; its position is the first such matrix's.

    Examples
    --------
    >>> scale_exponents([8.0, 0.25, 0.0]).tolist()
    [4, -1, 0]
    """
    top = np.asarray(top, dtype=np.float64)
    bad = np.flatnonzero(~np.isfinite(top))
    if bad.size:
        raise NonFiniteMatrix(int(bad[0]))
    return np.frexp(top)[1].astype(np.int64)


def scale_factors(exponents: ArrayLike) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Two powers of two whose product is 2^-e, for each e of :func:`scaled_stack`.

    Parameters
    ----------
    exponents : array_like of int
        The scale exponents e (the ``np.frexp`` exponents of finite float64 numbers,
        -1073 .. 1024).

    Returns
    -------
    first, second : numpy.ndarray
        float64 factors: first = 2^-e and second = 1 where 2^-e is a float64 number
        (e >= -1023), else two factors > 1 (a matrix of subnormal numbers).

    Notes
    -----
    Multiplying by a power of two rounds once, exactly as ``np.ldexp`` does, and
    multiplying by 1 changes nothing, so ``x * first * second == np.ldexp(x, -e)`` bit for
    bit; ``torch.pow(2.0, -e)`` is inexact on CUDA, hence the factors come from ldexp.

    Examples
    --------
    >>> first, second = scale_factors([4, -1073])  # 8.0, and the smallest subnormal 2^-1074
    >>> float(8.0 * first[0] * second[0]), float(5e-324 * first[1] * second[1]), float(second[0])
    (0.5, 0.5, 1.0)
    """
    e = np.asarray(exponents, dtype=np.int64)
    first = np.where(e < -1023, -e // 2, -e)
    return np.ldexp(1.0, first), np.ldexp(1.0, -e - first)


def _max_abs(x: Any) -> float:
    """The largest |real or imaginary part| of the numpy array or torch tensor ``x``, from its
    minimum and maximum in its stored dtype (one read, no temporary); NaN if it holds a NaN,
    inf if it holds an Inf; 0 for an empty one."""
    if hasattr(x, "detach"):
        t = x.detach()
        if not (t.is_floating_point() or t.is_complex()):
            t = t.double()
        parts = (t.real, t.imag) if t.is_complex() else (t,)
        torch = require_torch(_TENSORS)
        extremes = [float(v) for p in parts if p.numel() for v in torch.aminmax(p)]
    else:
        extremes = [float(v) for p in _parts(np.asarray(x)) if p.size for v in (p.min(), p.max())]
    return float(np.max(np.abs(extremes), initial=0.0))


def _column_major(x: Any) -> bool:
    """Whether the 2-D ``x`` is stored column by column (a transposed view)."""
    strides = x.stride() if hasattr(x, "detach") else x.strides
    return x.shape[0] > 1 and x.shape[1] > 1 and abs(strides[0]) < abs(strides[1])


def _parts(a: np.ndarray) -> tuple:
    """The real and imaginary parts of a complex array (writable views), or the real array."""
    return (a.real, a.imag) if np.iscomplexobj(a) else (a,)


#: Gram matrices at least this large are solved by torch's LAPACK when torch is installed: in
#: the x86 wheels that is MKL's dsyevd, measured 1.3-2x faster than numpy's OpenBLAS at
#: n = 4096 and slower below about 2000 (2-core machine, benchmarks/bench_cpse.py).
TORCH_EIGVALSH_MIN = 2048


def symmetric_eigvalsh(gram: NDArray[np.inexact]) -> NDArray[np.floating]:
    """Ascending eigenvalues of a stack of symmetric (float64) or Hermitian (complex128) matrices.

    Parameters
    ----------
    gram : numpy.ndarray
        (k, n, n) symmetric or Hermitian matrices.

    Returns
    -------
    numpy.ndarray
        (k, n) real eigenvalues, ascending per matrix.

    Notes
    -----
    LAPACK's dsyevd / zheevd: torch's for n >= :data:`TORCH_EIGVALSH_MIN` when torch is
    installed (MKL in the x86 wheels, faster there), numpy's otherwise. The two agree to
    rounding (~1e-15 relative).

    Examples
    --------
    >>> symmetric_eigvalsh(np.array([[[2.0, 0.0], [0.0, 1.0]]])).tolist()
    [[1.0, 2.0]]
    """
    torch = installed_torch() if gram.shape[-1] >= TORCH_EIGVALSH_MIN else None
    if torch is not None:
        return torch.linalg.eigvalsh(torch.from_numpy(gram)).numpy()
    return np.linalg.eigvalsh(gram)


def smaller_gram(stack: Any, adjoint: Any) -> Any:
    """The smaller Gram matrix of every matrix X in a (k, n, m) stack: X X^H if n <= m, else X^H X.

    The one place that decides the orientation, for numpy arrays and torch tensors alike
    (:func:`numpy_gram_eigvalsh` and the torch solver of :mod:`bristol.cPSE._report`).

    Parameters
    ----------
    stack : numpy.ndarray or torch.Tensor
        The matrices X, shape (k, n, m).
    adjoint : numpy.ndarray or torch.Tensor
        Their conjugate transposes X^H, shape (k, m, n).

    Returns
    -------
    numpy.ndarray or torch.Tensor
        The (k, r, r) Hermitian Gram matrices, r = min(n, m).

    Examples
    --------
    >>> import numpy as np
    >>> x = np.ones((1, 2, 5))
    >>> smaller_gram(x, np.swapaxes(x, 1, 2)).shape
    (1, 2, 2)
    >>> smaller_gram(np.swapaxes(x, 1, 2), x).shape
    (1, 2, 2)
    """
    n, m = stack.shape[-2:]
    return stack @ adjoint if n <= m else adjoint @ stack


def numpy_gram_eigvalsh(stack: NDArray[np.inexact]) -> NDArray[np.floating]:
    """Eigenvalues of the smaller Gram matrix of every matrix in a stack, with numpy.

    Parameters
    ----------
    stack : numpy.ndarray
        (k, n, m) float64 or complex128 matrices X.

    Returns
    -------
    numpy.ndarray
        (k, min(n, m)) real eigenvalues of X X^H if n <= m, else X^H X
        (:func:`smaller_gram`), ascending.

    Examples
    --------
    >>> x = np.array([[[3.0, 0.0, 0.0], [0.0, 2.0, 0.0]]])
    >>> numpy_gram_eigvalsh(x).tolist()
    [[4.0, 9.0]]
    """
    adjoint = np.swapaxes(stack, 1, 2)
    if np.iscomplexobj(stack):
        adjoint = adjoint.conj()
    return symmetric_eigvalsh(smaller_gram(stack, adjoint))


def numpy_scaled_solver(matrices: Sequence[Any]) -> tuple[NDArray[np.floating], NDArray[np.int64]]:
    """The default solver of :func:`gram_spectra`: numpy on the CPU, on :func:`scaled_stack`.

    Parameters
    ----------
    matrices : sequence of array_like or torch.Tensor
        Equally shaped matrices.

    Returns
    -------
    values : numpy.ndarray
        (k, min(n, m)) Gram eigenvalues of the scaled matrices (:func:`numpy_gram_eigvalsh`).
    exponents : numpy.ndarray
        The scale exponents e_j of :func:`scaled_stack`.

    Examples
    --------
    >>> values, exponents = numpy_scaled_solver([np.diag([4.0, 1.0])])
    >>> values.tolist(), exponents.tolist()
    ([[0.015625, 0.25]], [3])
    """
    stack, exponents = scaled_stack(matrices)
    return numpy_gram_eigvalsh(stack), exponents


#: Largest number of float64 entries stacked into one batched eigen-solve (8 MiB): small
#: equally shaped matrices (3x3 convolutions) are solved in batches, which halves the time of
#: thousands of 16 x 144 matrices and gains nothing above 2^18 entries; a larger matrix is
#: solved alone, so the working memory follows the largest layer, not the model (measured on
#: 2 cores with 1 BLAS thread, caps 1 .. 2^28).
STACK_ENTRIES = 2**20


def gram_spectra(
    matrices: Sequence[Any],
    power: int = 1,
    *,
    solver: Callable[[list[Any]], tuple[ArrayLike, ArrayLike]] | None = None,
    progress: bool = False,
    labels: Sequence[str] | None = None,
) -> list[NDArray[np.float64]]:
    """Eigenvalues of (X X^H)^power for every matrix X (n x m), descending, n values each.

    Parameters
    ----------
    matrices : sequence of array_like, torch.Tensor or LazyMatrix
        The matrices X (real or complex, 2-D); a :class:`LazyMatrix` is loaded right before
        its solve.
    power : int, default 1
        The power of the Gram matrix (2 gives sigma^4, as cPSE of models uses).
    solver : callable, optional
        Maps a list of equally shaped matrices to (values, exponents): the (k, min(n, m))
        Gram eigenvalues of the matrices scaled by 2^-e_j, and the e_j; it raises
        :class:`NonFiniteMatrix` for a matrix with NaN or Inf. Default:
        :func:`numpy_scaled_solver`; :mod:`bristol.cPSE` passes a torch solver for
        ``device=``.
    progress : bool, default False
        Show a tqdm bar on stderr.
    labels : sequence of str, optional
        Names of the matrices in errors (default ``matrices[k]``).

    Returns
    -------
    list of numpy.ndarray
        Per matrix, its n eigenvalues (float64), descending.

    Raises
    ------
    ValueError
        A matrix holds NaN or Inf (``"{label} has NaN or Inf weights"``), a spectrum exceeds
        the float64 range, or a nonzero matrix's spectrum falls below the smallest normal
        float64 (~2.2e-308); a bad ``power``. Raised before any result is returned.

    Notes
    -----
    Computed from the smaller Gram matrix (X X^H, or X^H X padded with n - m zeros) with a
    symmetric (Hermitian for complex X) eigen-solver in float64 (:func:`numpy_gram_eigvalsh`).
    Matrices of equal shape and kind are solved in stacks of at most :data:`STACK_ENTRIES`
    entries (8 MiB); a larger matrix is solved alone, so the working memory is a small
    multiple of the largest matrix in float64 (the matrix in its stored dtype, its float64
    copy and its Gram matrix), whatever the number of matrices, and a :class:`LazyMatrix` is
    read only for its own solve. Every matrix is scaled by a power of two that brings its
    largest entry into [0.5, 1) and the eigenvalues are scaled back exactly, so the Gram
    matrix neither overflows nor underflows (the result is the unscaled computation's, bit
    for bit, wherever that one stays in range); the minimum and maximum that find the scale
    also find a NaN or Inf, so there is no separate finiteness pass. Eigenvalues are taken
    in absolute value (a Gram matrix is positive semi-definite: this only removes
    rounding-level negatives, as bristol 0.2.14's abs() did).

    Examples
    --------
    >>> spectra = gram_spectra([np.diag([1.0, 2.0]), np.ones((3, 2))], power=2)
    >>> [s.shape for s in spectra]
    [(2,), (3,)]
    >>> spectra[0].tolist()
    [16.0, 1.0]
    """
    power = check_int("power", power)
    solver = solver or numpy_scaled_solver
    labels = [f"matrices[{k}]" for k in range(len(matrices))] if labels is None else list(labels)
    out: list[np.ndarray] = [np.empty(0)] * len(matrices)
    groups: dict = {}
    for k, x in enumerate(matrices):
        groups.setdefault((tuple(x.shape), is_complex(x)), []).append(k)
    with tqdm(total=len(matrices), disable=not progress, desc="cPSE layers", file=sys.stderr) as bar:
        for ((n, m), _), members in groups.items():
            per_stack = max(1, STACK_ENTRIES // (n * m))
            for start in range(0, len(members), per_stack):
                chunk = members[start: start + per_stack]
                try:
                    scaled, exponents = solver([_loaded(matrices[k]) for k in chunk])
                except NonFiniteMatrix as err:
                    raise ValueError(f"{labels[chunk[err.position]]} has NaN or Inf weights") from None
                values = _unscaled_powers(np.asarray(scaled, dtype=np.float64), np.asarray(exponents), power,
                                          [labels[k] for k in chunk])
                values = np.concatenate([values, np.zeros((len(chunk), max(n - m, 0)))], axis=1)
                for k, v in zip(chunk, values):
                    out[k] = np.sort(v)[::-1]
                bar.update(len(chunk))
    return out


def _unscaled_powers(scaled: np.ndarray, exponents: np.ndarray, power: int, labels: Sequence[str]) -> np.ndarray:
    """|values|^power * 2^(2 e power) for the (k, r) eigenvalues of scaled Gram matrices,
    raising ValueError naming the matrix whose spectrum leaves the normal float64 range."""
    with np.errstate(over="ignore", under="ignore"):
        values = np.ldexp(np.abs(scaled) ** power, (2 * power * exponents)[:, None])
    top, scaled_top = values.max(axis=1), np.abs(scaled).max(axis=1)
    tiny = np.finfo(np.float64).tiny
    for label, t, s in zip(labels, top, scaled_top):
        if not np.isfinite(t) or (s > 0 and t < tiny):
            above = not np.isfinite(t)
            side, scale = ("above the largest", "large") if above else ("below the smallest normal", "small")
            raise ValueError(f"{label}: the eigenvalues of (X X^H)^{power} lie {side} float64 number "
                             f"(the matrix's entries are too {scale}); rescale it")
    return values
