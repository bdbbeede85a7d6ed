"""Eigenvalue counts per bin without the eigenvalues: Pruefer phases and Sturm sequences.

The spectral measures need only how many eigenvalues of each member fall in each bin. For the
sparse beta-ensemble models that count costs O(N) per bin edge instead of the O(N^2) of the
eigenvalues (docs/theory.md, section 8):

* circular (Killip-Nenciu CMV model, :mod:`bristol.ensembles._cmv`): the Pruefer phase
  psi_0 = theta, psi_{k+1} = theta + psi_k + 2 arg(1 - conj(alpha_k) e^{-i psi_k}) is continuous
  and increasing in theta, and the number of eigenphases in (-pi, theta] is
  floor((psi_{N-1}(theta) - c) / 2 pi) - floor((psi_{N-1}(-pi) - c) / 2 pi), c = arg conj(alpha_{N-1})
  (Killip & Stoiciu 2009). psi is carried as 2 pi w + r with an integer winding w and
  r in [-pi, pi), so that rounding stays at the level of one step however large N is.
* Gaussian (Dumitriu-Edelman tridiagonal model, :mod:`bristol.ensembles._gaussian`): the number
  of eigenvalues below x is the number of negative pivots of the LDL^T factorisation of T - x I
  (Sylvester's law of inertia), with LAPACK dstebz's safeguard against tiny pivots.

Both recursions run as a Python loop over k, vectorised over members and edges. The random draws
are those of :func:`~bristol.ensembles.circular_eigphases` and
:func:`~bristol.ensembles.gaussian_eigvals` for the same ``random_state``, and the counts follow
``numpy.histogram``'s bins (edges[b] <= x < edges[b + 1], the last bin closed).
"""
from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .._random import RandomState, as_generator
from .._validation import SizeLike, check_finite_array, check_int, check_memory, check_positive_real, check_size
from ._cmv import verblunsky_coefficients
from ._gaussian import _check_gaussian_beta, tridiagonal_model

__all__ = ["circular_counts", "gaussian_counts", "check_edges"]

#: Bytes held per matrix entry of a batch: the random draws and the model (circular: complex
#: Verblunsky coefficients and their two real draws; Gaussian: diagonal, off-diagonal, draws).
_MODEL_BYTES = {"circular": 40, "gaussian": 32}
#: Bytes per (member, edge) pair of the recursion's working arrays (about ten float64 arrays).
_RECURSION_BYTES = 80


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
) -> tuple[int, NDArray[np.float64], tuple[int, ...]]:
    """Validate ``n``, ``edges`` and ``size`` and refuse jobs that do not fit in memory."""
    n = check_int("n", n)
    edges = check_edges(edges)
    shape = check_size(size, (edges.size - 1,))
    members = math.prod(shape)
    check_memory(f"{kind}_counts(n={n}, size={size!r}, {edges.size} edges)",
                 members * (n * _MODEL_BYTES[kind] + edges.size * _RECURSION_BYTES))
    return n, edges, shape


def _strict(edges: NDArray[np.float64]) -> NDArray[np.bool_]:
    """Which cumulative counts ``numpy.histogram`` needs strict: #(x < edge) for every edge but the
    last, #(x <= edge) for the last (its bin is closed); bin b is the difference of columns b + 1, b."""
    strict = np.ones(edges.size, dtype=bool)
    strict[-1] = False
    return strict


def circular_counts(
    n: int, beta: float, edges: ArrayLike, size: SizeLike = None, random_state: RandomState = None
) -> NDArray[np.int64]:
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
        value draws the same Verblunsky coefficients.

    Returns
    -------
    ndarray of int64, shape ``size + (n_edges - 1,)``
        ``numpy.histogram(circular_eigphases(n, beta, size, random_state)[i], bins=edges)[0]`` for
        each member i: bin b counts the phases with edges[b] <= theta < edges[b + 1], the last bin
        also those equal to edges[-1].

    Raises
    ------
    ValueError
        For n < 1, beta not finite and > 0, invalid edges (not 1-D, fewer than 2, NaN or Inf,
        not strictly increasing), a negative size or seed, or a job that does not fit in memory
        (about 40 bytes per coefficient plus 80 per member and edge).
    TypeError
        For a non-integer n or size, a non-real beta or edges, or a random_state of another type.

    See Also
    --------
    circular_eigphases : the eigenphases themselves, in O(N^2) per matrix.

    Notes
    -----
    The Pruefer-phase recursion of Killip & Stoiciu (docs/theory.md, section 8.1), O(N) per edge
    and member: for E edges and M members the time is O(N E M), the memory O(N M + E M). The count
    equals that of the eigenvalue path whenever no eigenphase lies within the rounding of both
    computations of an edge (1e-13 rad suffices in the tests, N <= 3000): the phase is carried
    modulo 2 pi with an integer winding, so the rounding of a step does not grow with
    psi ~ 2 pi N (section 8.3).

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
    n, edges, shape = _prepare("circular", n, edges, size)
    beta = check_positive_real("beta", beta)
    alpha = verblunsky_coefficients(n, beta, shape, as_generator(random_state)).reshape(math.prod(shape), n)
    # one Pruefer phase per (member, theta): theta = -pi (the reference) and every edge in [-pi, pi]
    theta = np.concatenate([[-np.pi], np.clip(edges, -np.pi, np.pi)])[None, :]
    winding = np.zeros((alpha.shape[0], theta.shape[1]), dtype=np.int64)
    r = np.broadcast_to(theta, winding.shape).copy()  # psi = 2 pi winding + r, r in [-pi, pi)
    wrapped = r >= np.pi
    r[wrapped] -= 2 * np.pi
    winding[wrapped] = 1
    two_pi = 2 * np.pi
    for k in range(n - 1):
        a_re, a_im = alpha[:, k, None].real, alpha[:, k, None].imag
        cos_r, sin_r = np.cos(r), np.sin(r)
        # 1 - conj(alpha_k) e^{-i r}: its real part is >= 1 - |alpha_k| >= 0
        step = np.arctan2(a_im * cos_r + a_re * sin_r, 1.0 - a_re * cos_r + a_im * sin_r)
        r = theta + r + 2.0 * step
        turns = np.floor((r + np.pi) / two_pi)
        winding += turns.astype(np.int64)
        r -= two_pi * turns
    shift = (r + np.angle(alpha[:, -1, None])) / two_pi  # (psi - c) / 2 pi - winding, c = -arg alpha_{N-1}
    base = winding[:, :1] + np.floor(shift[:, :1]).astype(np.int64)

    # phases in (-pi, edge]: floor(.); in (-pi, edge): ceil(.) - 1; edges outside (-pi, pi] by hand
    strict = _strict(edges)
    part = np.where(strict, np.ceil(shift[:, 1:]) - 1, np.floor(shift[:, 1:])).astype(np.int64)
    cumulative = winding[:, 1:] + part - base
    cumulative = np.where(edges <= -np.pi, 0, cumulative)
    cumulative = np.where((edges > np.pi) | (~strict & (edges >= np.pi)), n, cumulative)
    return np.diff(cumulative, axis=-1).reshape(shape + (edges.size - 1,))


def gaussian_counts(
    n: int, beta: float, edges: ArrayLike, size: SizeLike = None, random_state: RandomState = None
) -> NDArray[np.int64]:
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
        draws the same tridiagonal matrices.

    Returns
    -------
    ndarray of int64, shape ``size + (n_edges - 1,)``
        ``numpy.histogram(gaussian_eigvals(n, beta, size, random_state)[i], bins=edges)[0]`` for
        each member i: bin b counts the eigenvalues with edges[b] <= x < edges[b + 1], the last
        bin also those equal to edges[-1].

    Raises
    ------
    ValueError
        For n < 1, beta not finite and > 0 or beta (N - 1) > 1e300, invalid edges (not 1-D,
        fewer than 2, NaN or Inf, not strictly increasing), a negative size or seed, or a job that
        does not fit in memory (about 32 bytes per matrix entry plus 80 per member and edge).
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
    a few roundings of ||T|| of an edge (1e-13 ||T|| suffices in the tests; section 8.3). O(N) per edge and member.

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
    n, edges, shape = _prepare("gaussian", n, edges, size)
    beta = _check_gaussian_beta(n, beta)
    diag, off = tridiagonal_model(n, beta, shape, as_generator(random_state))
    members = math.prod(shape)
    diag, off_sq = diag.reshape(members, n), off.reshape(members, n - 1) ** 2
    tiny = np.finfo(np.float64).tiny
    # LAPACK dstebz: pivmin = safe minimum x max(1, max b^2), so that b^2 / pivmin stays finite
    pivmin = tiny * np.maximum(1.0, off_sq.max(axis=-1, initial=0.0))[:, None]

    # a pivot below pivmin in modulus is the edge moved down (+pivmin: count < edge) or up
    # (-pivmin: count <= edge, the last edge)
    guard = np.where(_strict(edges), pivmin, -pivmin)
    cumulative = np.zeros((members, edges.size), dtype=np.int64)
    d = np.ones(cumulative.shape)
    for k in range(n):
        d = diag[:, k, None] - edges - (off_sq[:, k - 1, None] / d if k else 0.0)
        d = np.where(np.abs(d) < pivmin, guard, d)
        cumulative += d < 0
    return np.diff(cumulative, axis=-1).reshape(shape + (edges.size - 1,))
