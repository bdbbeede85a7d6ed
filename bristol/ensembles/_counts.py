"""Eigenvalue counts per bin without the eigenvalues: Pruefer phases and Sturm sequences.

The spectral measures need only how many eigenvalues of each member fall in each bin. For the
sparse beta-ensemble models that count costs O(N) per bin edge instead of the O(N^2) of the
eigenvalues (docs/theory.md, section 8):

* circular (Killip-Nenciu CMV model, :mod:`bristol.ensembles._cmv`): the Pruefer phase
  psi_0 = theta, psi_{k+1} = theta + psi_k + 2 arg(1 - conj(alpha_k) e^{-i psi_k}) is continuous
  and increasing in theta, and the number of eigenphases in (-pi, theta] is
  floor((psi_{N-1}(theta) - c) / 2 pi) - floor((psi_{N-1}(-pi) - c) / 2 pi), c = arg conj(alpha_{N-1})
  (Killip & Stoiciu 2009). psi is carried as 2 pi w + arg(u) with an integer winding w and the
  unit vector u = e^{i psi}, advanced by rotations with +, -, *, / only; w counts the crossings
  of the cut at -1 (docs/theory.md, section 8.3).
* Gaussian (Dumitriu-Edelman tridiagonal model, :mod:`bristol.ensembles._gaussian`): the number
  of eigenvalues below x is the number of negative pivots of the LDL^T factorisation of T - x I
  (Sylvester's law of inertia), with LAPACK dstebz's safeguard against tiny pivots.

Kernels
-------
One step of each recursion is written once (:func:`_make_pruefer_step`, :func:`_make_sturm_step`)
from +, -, *, /, comparisons and ``where``, and runs in three ways that perform the same IEEE
operations in the same order on every lane (member, edge), so that they return the same bits:

* compiled with numba (``pip install 'bristol[fast]'``), a loop over k inside a loop over
  lanes, in parallel over members and blocks of edges -- used whenever numba imports;
* numpy, a Python loop over k vectorised over all lanes -- the fallback;
* torch on ``device`` (a GPU, or the CPU), the same loop with tensors.

Members are processed in chunks of at most ``_CHUNK_BYTES`` of model, drawn exactly as one call
of :func:`~bristol.ensembles.circular_eigphases` or :func:`~bristol.ensembles.gaussian_eigvals`
draws them for the same ``random_state`` (:func:`_model_chunks`), and the counts follow
``numpy.histogram``'s bins (edges[b] <= x < edges[b + 1], the last bin closed).
"""
from __future__ import annotations

import copy
import functools
import math
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any, cast, overload

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .._random import RandomState, as_generator
from .._torch import DeviceLike, require_torch, resolve_device, to_device
from .._validation import SizeLike, check_finite_array, check_int, check_memory, check_positive_real, check_size
from ..parallel import kernel_threads
from ._cmv import verblunsky_coefficients
from ._gaussian import _check_gaussian_beta, tridiagonal_model

if TYPE_CHECKING:
    from .._torch import Tensor, TorchDevice

__all__ = ["circular_counts", "gaussian_counts", "check_edges"]

#: Bytes held per matrix entry of a chunk: the random draws and the model (circular: complex
#: Verblunsky coefficients and their two real draws; Gaussian: diagonal, off-diagonal, draws).
_MODEL_BYTES = {"circular": 40, "gaussian": 32}
#: Bytes per (member, edge) pair: the recursion's state and working arrays (about ten float64
#: arrays on the numpy and torch paths) and the result.
_RECURSION_BYTES = 96
#: Model bytes per chunk of members (at least one member per chunk).
_CHUNK_BYTES = 2**31
#: Smallest p = Re(1 - conj(alpha_k) e^{-i psi}) of a Pruefer step: p >= 1 - |alpha_k| >= 0, and a
#: p that rounds to <= 0 (|alpha_k| = 1 in double precision) is raised to this (section 8.3).
_P_MIN = 2.0**-500
#: Edges per block of the compiled kernels' parallel loop (at most; blocks are balanced).
_EDGE_BLOCK = 16


def _chunk_rows(kind: str, n: int, members: int) -> int:
    """Members per chunk: at most ``_CHUNK_BYTES`` of model, at least one member."""
    return max(1, min(members, _CHUNK_BYTES // (n * _MODEL_BYTES[kind])))


class _SplitStream:
    """Stands in for a Generator in a model that draws two arrays in turn: the first draw
    (method call) comes from ``first``, every later one from ``rest``."""

    def __init__(self, first: np.random.Generator, rest: np.random.Generator) -> None:
        self._streams = (first, rest)
        self._calls = 0

    def __getattr__(self, name: str) -> Any:
        stream = self._streams[min(self._calls, 1)]
        self._calls += 1
        return getattr(stream, name)


class _Zeros:
    """Stands in for a Generator whose draws are not needed: every distribution returns zeros of
    numpy's output shape (``size`` if given, else the broadcast shape of the parameters)."""

    def __getattr__(self, name: str) -> Callable[..., NDArray[np.float64]]:
        def draw(*params: Any, size: Any = None) -> NDArray[np.float64]:
            shape = np.broadcast_shapes(*(np.shape(p) for p in params)) if size is None else size
            return np.zeros(shape)

        return draw


def _model_chunks(
    draw: Callable[[int, np.random.Generator], Any], members: int, rows: int, rng: np.random.Generator
) -> Iterator[Any]:
    """``draw(m, rng)`` for consecutive chunks of at most ``rows`` members, with the numbers that
    ``draw(members, rng)`` draws for them, leaving ``rng`` where that call leaves it.

    The models (:func:`verblunsky_coefficients`, :func:`tridiagonal_model`) draw a first array
    for all members and then a second one, each in row-major order, from numpy distributions
    that draw the elements of an array one after the other. Chunk c therefore takes its first
    array from a copy of ``rng`` that has drawn the first arrays of chunks 0 .. c-1, and its
    second array from ``rng`` after the first arrays of all members: a first pass over the
    chunks moves ``rng`` there (its second draws are zeros that are not drawn, :class:`_Zeros`).
    One chunk is a single call.
    """
    if members <= rows:
        yield draw(members, rng)
        return
    first = copy.deepcopy(rng)
    skip = cast(np.random.Generator, _Zeros())
    starts = range(0, members, rows)
    for start in starts:
        draw(min(rows, members - start), cast(np.random.Generator, _SplitStream(rng, skip)))
    for start in starts:
        yield draw(min(rows, members - start), cast(np.random.Generator, _SplitStream(first, rng)))


def _select(condition: Any, a: Any, b: Any) -> Any:
    """``where(condition, a, b)`` for numpy arrays or torch tensors; under numba (scalars),
    ``a if condition else b`` (registered by :func:`_compiled`)."""
    if isinstance(condition, (np.ndarray, np.generic, bool)):
        return np.where(condition, a, b)
    return require_torch("a torch tensor").where(condition, a, b)


def _pruefer_step(ar: Any, ai: Any, c: Any, s: Any, x: Any, y: Any) -> tuple[Any, Any, Any]:
    """One Pruefer step of lanes (member, edge): numpy arrays, torch tensors, or scalars under numba.

    Maps the unit vector u = (x, y) = e^{i psi_k} of a lane to u' = e^{i psi_{k+1}} =
    e^{i theta} u w / conj(w), w = 1 - conj(alpha_k) conj(u) = p + i q (alpha_k = ar + i ai,
    e^{i theta} = c + i s), and returns (x', y', dw): dw is the change of the winding, the
    number of times the two turns (by 2 arg w, then by theta, each at most pi in modulus, in
    the direction of the sign of q and of s) cross the cut at -1 counter-clockwise less
    clockwise. Points with y > 0, or y = 0 and x < 0, have arg in (0, pi] ("upper"), the others
    arg in (-pi, 0] (docs/theory.md, section 8.3).
    """
    p = 1.0 - (ar * x - ai * y)
    p = _select(p < _P_MIN, _P_MIN, p)
    q = ar * y + ai * x
    pp = p * p
    qq = q * q
    inv = 1.0 / (pp + qq)  # finite: pp >= _P_MIN**2, a normal number
    er = (pp - qq) * inv
    ei = 2.0 * p * q * inv  # w / conj(w) = er + i ei
    vx = x * er - y * ei
    vy = x * ei + y * er
    nx = c * vx - s * vy
    ny = s * vx + c * vy
    upper_u = (y > 0) | ((y == 0) & (x < 0))
    lower_u = (y < 0) | ((y == 0) & (x >= 0))
    upper_v = (vy > 0) | ((vy == 0) & (vx < 0))
    lower_v = (vy < 0) | ((vy == 0) & (vx >= 0))
    upper_n = (ny > 0) | ((ny == 0) & (nx < 0))
    lower_n = (ny < 0) | ((ny == 0) & (nx >= 0))
    dw = ((1 * ((q > 0) & upper_u & lower_v) + ((s > 0) & upper_v & lower_n))
          - (1 * ((q < 0) & lower_u & upper_v) + ((s < 0) & lower_v & upper_n)))
    t = 1.5 - 0.5 * (nx * nx + ny * ny)  # one Newton step towards 1 / |u'|: |u'| stays 1 + O(eps)
    return nx * t, ny * t, dw


def _sturm_step(a: Any, b2: Any, edge: Any, pivmin: Any, guard: Any, d: Any) -> Any:
    """The next pivot a - edge - b2 / d of T - edge I, replaced by ``guard`` where it is below
    ``pivmin`` in modulus (section 8.2); the first pivot is _sturm_step(a_0, 0, edge, pivmin, guard, 1).
    Numpy arrays, torch tensors, or scalars under numba."""
    d = a - edge - b2 / d
    return _select(abs(d) < pivmin, guard, d)


def _pruefer_vector(ar: Any, ai: Any, c: Any, s: Any, x: Any, y: Any, w: Any) -> None:
    """Steps k = 0 .. n-2 of the lanes (member, edge), a loop over k vectorised over the lanes
    (numpy arrays or torch tensors): ``ar``, ``ai`` (m, n); ``c``, ``s`` (e,); ``x``, ``y``, ``w``
    (m, e), updated in place."""
    for k in range(ar.shape[1] - 1):
        x[...], y[...], dw = _pruefer_step(ar[:, k, None], ai[:, k, None], c, s, x, y)
        w += dw


def _sturm_vector(diag: Any, off_sq: Any, edges: Any, pivmin: Any, guard: Any, count: Any) -> None:
    """Sturm counts of the lanes, a loop over k vectorised over the lanes (numpy or torch):
    ``diag`` (m, n), ``off_sq`` (m, n-1), ``edges`` (e,), ``pivmin`` (m, 1), ``guard`` and
    ``count`` (m, e); ``count`` gets the number of negative pivots added."""
    d = 1.0
    for k in range(diag.shape[1]):
        d = _sturm_step(diag[:, k, None], off_sq[:, k - 1, None] if k else 0.0, edges, pivmin, guard, d)
        count += d < 0


#: The loop over (member, block of edges) of the lane kernels: ``range`` in pure Python,
#: ``numba.prange`` once :func:`_compiled` has imported numba (it is read when they compile).
_prange = range


def _blocks(n_edges: int) -> tuple[int, int]:
    """Blocks of edges of the lane kernels: their number and size (balanced, at most _EDGE_BLOCK)."""
    blocks = -(-n_edges // _EDGE_BLOCK)
    return blocks, -(-n_edges // max(blocks, 1))


def _pruefer_lanes(ar: Any, ai: Any, c: Any, s: Any, x: Any, y: Any, w: Any) -> None:
    """:func:`_pruefer_vector` as loops over lanes for numba: per member and block of edges, the
    loop over k outside the loop over the block (which the compiler vectorises)."""
    members, n = ar.shape
    blocks, size = _blocks(c.size)
    for task in _prange(members * blocks):
        i = task // blocks
        lo = (task % blocks) * size
        hi = min(lo + size, c.size)
        bc, bs = c[lo:hi].copy(), s[lo:hi].copy()  # local copies: the compiler sees no aliasing
        bx, by, bw = x[i, lo:hi].copy(), y[i, lo:hi].copy(), w[i, lo:hi].copy()
        for k in range(n - 1):
            a_re, a_im = ar[i, k], ai[i, k]
            for e in range(hi - lo):
                bx[e], by[e], dw = _pruefer_step(a_re, a_im, bc[e], bs[e], bx[e], by[e])
                bw[e] += dw
        x[i, lo:hi], y[i, lo:hi], w[i, lo:hi] = bx, by, bw


def _sturm_lanes(diag: Any, off_sq: Any, edges: Any, pivmin: Any, guard: Any, count: Any) -> None:
    """:func:`_sturm_vector` as loops over lanes for numba (as :func:`_pruefer_lanes`)."""
    members, n = diag.shape
    blocks, size = _blocks(edges.size)
    for task in _prange(members * blocks):
        i = task // blocks
        lo = (task % blocks) * size
        hi = min(lo + size, edges.size)
        be, bg, bc, d = edges[lo:hi].copy(), guard[i, lo:hi].copy(), count[i, lo:hi].copy(), np.ones(hi - lo)
        for k in range(n):
            a, b2 = diag[i, k], off_sq[i, k - 1] if k else 0.0
            for e in range(hi - lo):
                d[e] = _sturm_step(a, b2, be[e], pivmin[i, 0], bg[e], d[e])
                bc[e] += d[e] < 0
        count[i, lo:hi] = bc


@functools.cache
def _compiled() -> dict[str, Callable[..., None]] | None:
    """The lane kernels compiled with numba (cached on disk), or None without numba.

    The same Python source as the pure-Python :func:`_pruefer_lanes` / :func:`_sturm_lanes`,
    with :func:`_select` as a scalar select; ``error_model="numpy"`` (no ZeroDivisionError
    test, which would keep the loops from vectorising; no step divides by zero) and no
    ``fastmath``: every operation is the IEEE operation numpy performs (no fused multiply-add).
    """
    global _prange
    try:
        import numba
        from numba.extending import overload, register_jitable
    except ImportError:
        return None
    _prange = numba.prange
    overload(_select)(lambda condition, a, b: lambda condition, a, b: a if condition else b)
    for helper in (_pruefer_step, _sturm_step, _blocks):
        register_jitable(helper)
    kernels: dict[str, Callable[..., None]] = {"pruefer": _pruefer_lanes, "sturm": _sturm_lanes}
    try:
        return {kind: numba.njit(parallel=True, error_model="numpy", cache=True)(f) for kind, f in kernels.items()}
    except RuntimeError:  # numba finds no writable cache directory: compile in every process
        return {kind: numba.njit(parallel=True, error_model="numpy")(f) for kind, f in kernels.items()}


def _run(kind: str, arrays: list[NDArray[Any]], device: DeviceLike) -> None:
    """Run the ``kind`` ("pruefer" or "sturm") recursion on ``arrays`` (the arguments of
    :func:`_pruefer_vector` / :func:`_sturm_vector`; the last three or one are updated in
    place): on ``device`` with torch, else compiled with numba (on at most
    :func:`bristol.parallel.kernel_threads` threads inside a chunk of a parallel job), else with
    numpy."""
    vector = _pruefer_vector if kind == "pruefer" else _sturm_vector
    if device is not None:
        torch = require_torch(f"device={device!r}")
        dev = resolve_device(device)
        tensors = [torch.as_tensor(np.ascontiguousarray(a), device=dev) for a in arrays]
        vector(*tensors)
        updated = 3 if kind == "pruefer" else 1
        for a, t in zip(arrays[-updated:], tensors[-updated:]):
            a[...] = t.cpu().numpy()
        return
    kernels = _compiled()
    if kernels is None:
        vector(*arrays)
        return
    limit = kernel_threads()  # inside a chunk of a parallel job: its share of the CPUs
    if limit is None:
        kernels[kind](*arrays)
        return
    import numba

    previous = numba.get_num_threads()
    numba.set_num_threads(min(limit, previous))
    try:
        kernels[kind](*arrays)
    finally:
        numba.set_num_threads(previous)


def _kernel(device: DeviceLike = None) -> str:
    """The kernel :func:`_run` takes for ``device``: "torch-cpu" or "torch-gpu" (any other torch
    device) with one, else "numba" where numba imports, else "numpy" (for cost models)."""
    if device is not None:
        return "torch-cpu" if resolve_device(device).type == "cpu" else "torch-gpu"
    return "numpy" if _compiled() is None else "numba"


def check_edges(edges: ArrayLike) -> NDArray[np.float64]:
    """Validate bin edges: a 1-D, finite, strictly increasing array of at least 2 reals.

    Parameters
    ----------
    edges : array_like
        The bin edges.

    Returns
    -------
    ndarray of float, shape (n_edges,)

    Raises
    ------
    ValueError
        For a wrong rank, fewer than 2 edges, NaN or Inf, or edges that do not increase strictly.
    TypeError
        For a non-numeric array.

    Examples
    --------
    >>> from bristol.ensembles._counts import check_edges
    >>> check_edges([0, 1, 2.5])
    array([0. , 1. , 2.5])
    """
    arr = np.asarray(edges)
    if not (np.issubdtype(arr.dtype, np.integer) or np.issubdtype(arr.dtype, np.floating)):
        raise TypeError(f"edges must be real numbers, got dtype {arr.dtype}")
    arr = check_finite_array("edges", arr, ndim=1)
    arr = arr.astype(np.float64)
    if arr.size < 2:
        raise ValueError(f"edges must hold at least 2 values, got {arr.size}")
    if not np.all(np.diff(arr) > 0):
        raise ValueError("edges must be strictly increasing")
    return arr


def _prepare(
    kind: str, n: object, edges: ArrayLike, size: SizeLike
) -> tuple[int, NDArray[np.float64], tuple[int, ...], int]:
    """Validate ``n``, ``edges`` and ``size``, choose the members per chunk, and refuse jobs that
    do not fit in memory (one chunk of model, and the recursion's state for all members)."""
    n = check_int("n", n)
    edges = check_edges(edges)
    shape = check_size(size, (edges.size - 1,))
    members = math.prod(shape)
    rows = _chunk_rows(kind, n, members)
    check_memory(f"{kind}_counts(n={n}, size={size!r}, {edges.size} edges)",
                 rows * n * _MODEL_BYTES[kind] + members * edges.size * _RECURSION_BYTES)
    return n, edges, shape, rows


def _strict(edges: NDArray[np.float64]) -> NDArray[np.bool_]:
    """Which cumulative counts ``numpy.histogram`` needs strict: #(x < edge) for every edge but the
    last, #(x <= edge) for the last (its bin is closed); bin b is the difference of columns b + 1, b."""
    strict = np.ones(edges.size, dtype=bool)
    strict[-1] = False
    return strict


@overload
def circular_counts(
    n: int, beta: float, edges: ArrayLike, size: SizeLike = ..., random_state: RandomState = ..., *,
    device: None = ...,
) -> NDArray[np.int64]:
    ...


@overload
def circular_counts(
    n: int, beta: float, edges: ArrayLike, size: SizeLike = ..., random_state: RandomState = ..., *,
    device: str | TorchDevice,
) -> Tensor:
    ...


def circular_counts(
    n: int, beta: float, edges: ArrayLike, size: SizeLike = None, random_state: RandomState = None, *,
    device: DeviceLike = None,
) -> NDArray[np.int64] | Tensor:
    """Numbers of eigenphases of the circular beta-ensemble per bin, without the eigenphases.

    Parameters
    ----------
    n : int
        Matrix order N >= 1.
    beta : float
        Dyson index, any real > 0.
    edges : array_like of float, shape (n_edges,)
        Bin edges in radians: finite, strictly increasing, at least 2; edges outside (-pi, pi]
        are allowed (the phases lie in (-pi, pi]).
    size : None, int or tuple of ints
        Batch shape; ``None`` counts one matrix.
    random_state : int, SeedSequence, Generator or None
        Source of randomness, as in :func:`~bristol.ensembles.circular_eigphases`: the same
        value draws the same Verblunsky coefficients (also when members are counted in chunks).
    device : str, torch.device or None, keyword-only
        Where the recursion runs (see :mod:`bristol._torch`): None on the CPU (compiled with
        numba where it is installed, else a numpy loop); a torch device ("cuda", "cpu") runs it
        with torch there and returns a torch tensor on it. Every path gives the same counts.
        The torch loop launches a few dozen small kernels per step k, so on a GPU it is bound
        by launch latency, not arithmetic: measured on an H200 (``benchmarks/gpu_scale.py``,
        40 members, 33 edges), N = 1e5 took 77 s (circular) and 7.4 s (Gaussian) against
        0.41 s and 0.20 s for numba on that machine's 16 CPU cores. Prefer ``device=None``
        with numba; ``device`` is for results wanted as tensors on a device.

    Returns
    -------
    ndarray of int64 (torch tensor with ``device``), shape ``size + (n_edges - 1,)``
        ``numpy.histogram(circular_eigphases(n, beta, size, random_state)[i], bins=edges)[0]`` for
        each member i: bin b counts the phases with edges[b] <= theta < edges[b + 1], the last bin
        also those equal to edges[-1].

    Raises
    ------
    ValueError
        For n < 1, beta not finite and > 0, invalid edges (not 1-D, fewer than 2, NaN or Inf,
        not strictly increasing), a negative size or seed, an unknown device, or a job that does
        not fit in memory (one chunk of at most 2 GiB of coefficients plus 96 bytes per member
        and edge).
    TypeError
        For a non-integer n or size, a non-real beta or edges, or a random_state of another type.

    See Also
    --------
    circular_eigphases : the eigenphases themselves, in O(N^2) per matrix.

    Notes
    -----
    The Pruefer-phase recursion of Killip & Stoiciu (docs/theory.md, section 8.1), O(N) per edge
    and member: for E edges and M members the time is O(N E M), the memory O(E M) plus one chunk
    of members' coefficients (at most 2 GiB). The count equals that of the eigenvalue path
    whenever no eigenphase lies within the rounding of both computations of an edge (1e-12 rad
    suffices in the tests, N <= 3000): the phase is carried as a unit vector and an integer
    winding, and the rounding errors of all steps together act like a shift of the edge by at
    most the largest error of one step, whatever N (section 8.3). With numba the kernel runs
    compiled, in parallel over members and blocks of edges; without it, a numpy loop over k
    vectorised over members and edges performs the same operations.

    References
    ----------
    .. [1] R. Killip and M. Stoiciu, "Eigenvalue statistics for CMV matrices: from Poisson to
       clock via random matrix ensembles", Duke Math. J. 146 (3), 361-399 (2009).
    .. [2] R. Killip and I. Nenciu, "Matrix models for circular ensembles", Int. Math. Res.
       Not. 2004 (50), 2665-2701 (2004).

    Examples
    --------
    >>> import numpy as np
    >>> from bristol.ensembles import circular_counts, circular_eigphases
    >>> edges = np.linspace(-np.pi, np.pi, 9)
    >>> counts = circular_counts(100, 2.0, edges, size=3, random_state=0)
    >>> counts.shape, counts.sum(axis=-1).tolist()
    ((3, 8), [100, 100, 100])
    >>> theta = circular_eigphases(100, 2.0, size=3, random_state=0)
    >>> bool(np.array_equal(counts, [np.histogram(t, bins=edges)[0] for t in theta]))
    True
    """
    return to_device(_circular_counts(n, beta, edges, size, random_state, device), device)


def _circular_counts(
    n: int, beta: float, edges: ArrayLike, size: SizeLike, random_state: RandomState, device: DeviceLike
) -> NDArray[np.int64]:
    """:func:`circular_counts` as a numpy array, whatever ``device`` runs the recursion."""
    n, edges, shape, rows = _prepare("circular", n, edges, size)
    beta = check_positive_real("beta", beta)
    members = math.prod(shape)
    # one Pruefer phase per (member, theta): theta = -pi (the reference) and every edge in [-pi, pi]
    theta = np.concatenate([[-np.pi], np.clip(edges, -np.pi, np.pi)])
    cos_t, sin_t = np.cos(theta), np.sin(theta)
    strict = _strict(edges)
    cumulative = np.empty((members, edges.size), dtype=np.int64)
    start = 0
    for alpha in _model_chunks(lambda m, stream: verblunsky_coefficients(n, beta, (m,), stream),
                               members, rows, as_generator(random_state)):
        x, y = np.tile(cos_t, (alpha.shape[0], 1)), np.tile(sin_t, (alpha.shape[0], 1))
        winding = np.zeros(x.shape, dtype=np.int64)  # psi = 2 pi winding + arg(x + i y)
        _run("pruefer", [alpha.real, alpha.imag, cos_t, sin_t, x, y, winding], device)
        # arg(u) in (-pi, pi], as the winding counts; psi_0 = theta itself when there is no step (N = 1)
        r = np.where((y == 0) & (x < 0), np.pi, np.arctan2(y, x)) if n > 1 else theta[None, :]
        shift = (r + np.angle(alpha[:, -1, None])) / (2 * np.pi)  # (psi - c) / 2 pi - winding
        base = winding[:, :1] + np.floor(shift[:, :1]).astype(np.int64)
        # phases in (-pi, edge]: floor(.); in (-pi, edge): ceil(.) - 1
        part = np.where(strict, np.ceil(shift[:, 1:]) - 1, np.floor(shift[:, 1:])).astype(np.int64)
        cumulative[start: start + alpha.shape[0]] = winding[:, 1:] + part - base
        start += alpha.shape[0]
    # edges outside (-pi, pi] by hand
    cumulative = np.where(edges <= -np.pi, 0, cumulative)
    cumulative = np.where((edges > np.pi) | (~strict & (edges >= np.pi)), n, cumulative)
    return np.diff(cumulative, axis=-1).reshape(shape + (edges.size - 1,))


@overload
def gaussian_counts(
    n: int, beta: float, edges: ArrayLike, size: SizeLike = ..., random_state: RandomState = ..., *,
    device: None = ...,
) -> NDArray[np.int64]:
    ...


@overload
def gaussian_counts(
    n: int, beta: float, edges: ArrayLike, size: SizeLike = ..., random_state: RandomState = ..., *,
    device: str | TorchDevice,
) -> Tensor:
    ...


def gaussian_counts(
    n: int, beta: float, edges: ArrayLike, size: SizeLike = None, random_state: RandomState = None, *,
    device: DeviceLike = None,
) -> NDArray[np.int64] | Tensor:
    """Numbers of eigenvalues of the Gaussian beta-ensemble per bin, without the eigenvalues.

    Parameters
    ----------
    n : int
        Number of eigenvalues N >= 1.
    beta : float
        Dyson index: any real > 0 with beta (N - 1) <= 1e300, as in
        :func:`~bristol.ensembles.gaussian_eigvals`.
    edges : array_like of float, shape (n_edges,)
        Bin edges: finite, strictly increasing, at least 2.
    size : None, int or tuple of ints
        Batch shape; ``None`` counts one matrix.
    random_state : int, SeedSequence, Generator or None
        Source of randomness, as in :func:`~bristol.ensembles.gaussian_eigvals`: the same value
        draws the same tridiagonal matrices (also when members are counted in chunks).
    device : str, torch.device or None, keyword-only
        Where the recursion runs (see :mod:`bristol._torch`): None on the CPU (compiled with
        numba where it is installed, else a numpy loop); a torch device ("cuda", "cpu") runs it
        with torch there and returns a torch tensor on it. Every path gives the same counts.
        The torch loop launches a few dozen small kernels per step k, so on a GPU it is bound
        by launch latency, not arithmetic: measured on an H200 (``benchmarks/gpu_scale.py``,
        40 members, 33 edges), N = 1e5 took 77 s (circular) and 7.4 s (Gaussian) against
        0.41 s and 0.20 s for numba on that machine's 16 CPU cores. Prefer ``device=None``
        with numba; ``device`` is for results wanted as tensors on a device.

    Returns
    -------
    ndarray of int64 (torch tensor with ``device``), shape ``size + (n_edges - 1,)``
        ``numpy.histogram(gaussian_eigvals(n, beta, size, random_state)[i], bins=edges)[0]`` for
        each member i: bin b counts the eigenvalues with edges[b] <= x < edges[b + 1], the last
        bin also those equal to edges[-1].

    Raises
    ------
    ValueError
        For n < 1, beta not finite and > 0 or beta (N - 1) > 1e300, invalid edges (not 1-D,
        fewer than 2, NaN or Inf, not strictly increasing), a negative size or seed, an unknown
        device, or a job that does not fit in memory (one chunk of at most 2 GiB of matrices
        plus 96 bytes per member and edge).
    TypeError
        For a non-integer n or size, a non-real beta or edges, or a random_state of another type.

    See Also
    --------
    gaussian_eigvals : the eigenvalues themselves, in O(N^2) per matrix.

    Notes
    -----
    The Sturm count (docs/theory.md, section 8.2): the number of eigenvalues below x is the
    number of negative pivots d_k of T - x I, d_0 = a_0 - x, d_k = a_k - x - b_{k-1}^2 / d_{k-1},
    with pivots smaller than LAPACK dstebz's pivmin in modulus replaced by +pivmin (for the count
    < x) or -pivmin (<= x). Kahan's analysis makes the count exact for a matrix within a few
    relative roundings of T: it agrees with the eigenvalue path whenever no eigenvalue lies within
    a few roundings of ||T|| of an edge (1e-12 ||T|| suffices in the tests; section 8.3). O(N) per
    edge and member; compiled with numba where it is installed, as :func:`circular_counts`.

    References
    ----------
    .. [1] W. Kahan, "Accurate eigenvalues of a symmetric tri-diagonal matrix", Technical Report
       CS41, Stanford University (1966).
    .. [2] E. Anderson et al., LAPACK Users' Guide, 3rd ed., SIAM (1999): routine DSTEBZ.
    .. [3] I. Dumitriu and A. Edelman, "Matrix models for beta ensembles", J. Math. Phys. 43,
       5830-5847 (2002).

    Examples
    --------
    >>> import numpy as np
    >>> from bristol.ensembles import gaussian_counts, gaussian_eigvals
    >>> edges = np.linspace(-20.0, 20.0, 11)
    >>> counts = gaussian_counts(100, 1.0, edges, size=2, random_state=0)
    >>> counts.shape, counts.sum(axis=-1).tolist()
    ((2, 10), [100, 100])
    >>> lam = gaussian_eigvals(100, 1.0, size=2, random_state=0)
    >>> bool(np.array_equal(counts, [np.histogram(x, bins=edges)[0] for x in lam]))
    True
    """
    return to_device(_gaussian_counts(n, beta, edges, size, random_state, device), device)


def _gaussian_counts(
    n: int, beta: float, edges: ArrayLike, size: SizeLike, random_state: RandomState, device: DeviceLike
) -> NDArray[np.int64]:
    """:func:`gaussian_counts` as a numpy array, whatever ``device`` runs the recursion."""
    n, edges, shape, rows = _prepare("gaussian", n, edges, size)
    beta = _check_gaussian_beta(n, beta)
    members = math.prod(shape)
    strict = _strict(edges)
    cumulative = np.empty((members, edges.size), dtype=np.int64)
    start = 0
    for diag, off in _model_chunks(lambda m, stream: tridiagonal_model(n, beta, (m,), stream),
                                   members, rows, as_generator(random_state)):
        off_sq = off**2
        # LAPACK dstebz: pivmin = safe minimum x max(1, max b^2), so that b^2 / pivmin stays finite
        pivmin = np.finfo(np.float64).tiny * np.maximum(1.0, off_sq.max(axis=-1, initial=0.0))[:, None]
        # a pivot below pivmin in modulus is the edge moved down (+pivmin: count < edge) or up
        # (-pivmin: count <= edge, the last edge)
        guard = np.where(strict, pivmin, -pivmin)
        count = np.zeros(guard.shape, dtype=np.int64)
        _run("sturm", [diag, off_sq, edges, pivmin, guard, count], device)
        cumulative[start: start + diag.shape[0]] = count
        start += diag.shape[0]
    return np.diff(cumulative, axis=-1).reshape(shape + (edges.size - 1,))
