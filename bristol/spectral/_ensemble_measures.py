"""Spectral-ergodicity measures of an ensemble given by its specification, not by its eigenvalues.

The Thirumalai-Mountain metric and the approach to spectral ergodicity (:mod:`bristol.spectral._ergodicity`)
use a spectrum only through the number of eigenvalues of each member in each bin. Given the ensemble
-- ``kind`` ("circular" or "gaussian"), N, beta, M members and the bin width -- these functions draw
the members in chunks (:mod:`bristol.parallel`) and count each member's eigenvalues per bin by one of
two paths that give identical counts for the same ``random_state``:

* ``"counts"``: :func:`~bristol.ensembles.circular_counts` / :func:`~bristol.ensembles.gaussian_counts`
  (Pruefer phases, Sturm sequences), O(N) per bin edge and member, never the eigenvalues;
* ``"eigenvalues"``: :func:`~bristol.ensembles.circular_eigphases` /
  :func:`~bristol.ensembles.gaussian_eigvals`, O(N^2) per member, then ``numpy.histogram``.

``method="auto"`` takes the cheaper one by the cost model of :func:`ensemble_method`, with the
constants of the kernel that runs the counts (numba where it imports, else the numpy loop; measured
on this project's 2-core machine, one BLAS thread per chunk). Both paths draw the same
random numbers in every chunk and the counts agree with ``numpy.histogram`` (docs/theory.md,
sections 8.3 and 8.4), so the results do not depend on the path, on ``n_jobs`` or on the backend.

Grids: the circular ensemble is binned on :func:`~bristol.spectral.phase_bin_edges`; the Gaussian
one on ``ceil(2 / delta_rad)`` equal bins over [-R, R], R = sqrt(2 beta N) the semicircle's edge,
plus the two outer bins (-inf, -R) and [R, inf) (edges at the largest float64), so that every
member's counts add up to N on both (:func:`ensemble_bin_edges`).
"""
from __future__ import annotations

import functools
from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

from .._random import RandomState, spawn_seed_sequences
from .._validation import check_choice, check_int, check_memory, check_positive_real
from ..ensembles import circular_counts, circular_eigphases, gaussian_counts, gaussian_eigvals
from ..ensembles._counts import _kernel
from ..parallel import ChunkedSample, check_verbose, n_workers, plan_chunks, run_chunks
from ..theory import semicircle_radius
from ._binning import moments_of_counts, uniform_edges
from ._ergodicity import _BIN_COUNT_SLACK, _GRID_BYTES, consecutive_distances, metric_from_moments, phase_bin_edges

__all__ = [
    "KINDS",
    "ensemble_bin_edges",
    "ensemble_method",
    "counts_of_ensemble",
    "thirumalai_mountain_of_ensemble",
    "approach_to_ergodicity_of_ensemble",
]

#: The ensembles these measures are defined for.
KINDS = ("circular", "gaussian")
_METHODS = ("auto", "counts", "eigenvalues")

# Cost model (seconds) of ensemble_method; its Notes say how the constants were measured
# (benchmarks/bench_ensemble_measures.py measures them again).
#: The counting kernels, as bristol.ensembles._counts._kernel names them.
_KERNELS = ("numba", "numpy", "torch-cpu", "torch-gpu")
#: (o, s, d, e, g) of the counts path, by kernel and kind: seconds per call, per recursion step of
#: a call (the loop's own cost), per step and member (drawing the model), per step, member and edge
#: (the recursion), per member and edge (setting up and reading out the lanes).
_COUNTS_COST = {
    "numba": {"circular": (1e-4, 6.5e-7, 0.0, 1.2e-9, 6.6e-8), "gaussian": (1e-4, 7.2e-7, 0.0, 1.1e-9, 0.0)},
    "numpy": {"circular": (0.0, 4.3e-5, 0.0, 1.3e-8, 0.0), "gaussian": (0.0, 6.1e-6, 3.5e-7, 2.6e-9, 0.0)},
    "torch-cpu": {"circular": (0.0, 1.5e-4, 0.0, 2.8e-8, 0.0), "gaussian": (0.0, 1.8e-5, 4.1e-7, 3.4e-9, 1.9e-7)},
    "torch-gpu": {"circular": (1.6e-2, 8.3e-4, 0.0, 1e-9, 9.3e-8), "gaussian": (1.2e-3, 7.3e-5, 2.3e-8, 1e-9, 2.5e-8)},
}
#: (c, h) of the eigenvalue path, by kind: seconds per member and N^2, per member and N (one BLAS thread).
_EIGEN_COST = {"circular": (4.4e-8, 6.5e-6), "gaussian": (1.1e-8, 1.3e-6)}

# Memory (bytes) per member of a chunk while it runs, and per (member, bin) of the result.
#: counts path: per matrix entry (the model and its draws) and per member and edge (the recursion).
_COUNTS_ENTRY_BYTES, _COUNTS_EDGE_BYTES = 40, 80
#: eigenvalue path: per eigenvalue (the coefficients, their draws and the eigenvalues).
_EIGEN_ENTRY_BYTES = 64
#: Bytes per (member, bin) of the counts: the chunks, then their concatenation.
_RESULT_BYTES = 16


def _check_kind(kind: str) -> str:
    return check_choice("kind", kind, KINDS)


def ensemble_bin_edges(n: int, beta: float, *, delta_rad: float = 0.2, kind: str = "circular") -> NDArray[np.float64]:
    r"""Edges of the bins on which the ensemble measures count eigenvalues.

    Parameters
    ----------
    n : int
        Matrix size N >= 1 (sets the Gaussian grid's scale).
    beta : float
        Dyson index, a finite real > 0 (sets the Gaussian grid's scale).
    delta_rad : float, default 0.2
        Largest bin width: in radians for ``kind="circular"``; in units of the semicircle radius
        :math:`R = \sqrt{2\beta N}` for ``kind="gaussian"``.
    kind : {"circular", "gaussian"}, default "circular"
        The ensemble.

    Returns
    -------
    ndarray of float64
        Circular: :func:`~bristol.spectral.phase_bin_edges` (``ceil(2 pi / delta_rad)`` bins over
        :math:`[-\pi, \pi]`). Gaussian: ``ceil(2 / delta_rad)`` equal bins over :math:`[-R, R]`,
        with one more edge at each end at the largest float64, so that the two outer bins hold the
        eigenvalues beyond the semicircle: every member's counts add up to N.

    Raises
    ------
    TypeError
        If ``n`` is not an integer or ``beta``, ``delta_rad`` are not real numbers.
    ValueError
        If ``n`` < 1, ``beta`` or ``delta_rad`` are not finite and > 0, ``kind`` is unknown, or
        the grid does not fit in memory (about 48 bytes per bin).

    Notes
    -----
    docs/theory.md, section 8.4.

    Examples
    --------
    >>> from bristol.spectral import ensemble_bin_edges
    >>> ensemble_bin_edges(100, 2.0, delta_rad=0.2).shape
    (33,)
    >>> ensemble_bin_edges(8, 1.0, delta_rad=0.5, kind="gaussian")[1:-1]  # R = sqrt(2 beta N) = 4
    array([-4., -2.,  0.,  2.,  4.])
    """
    if _check_kind(kind) == "circular":
        check_int("n", n)
        check_positive_real("beta", beta)
        return phase_bin_edges(delta_rad)
    radius = semicircle_radius(n, beta)
    delta_rad = check_positive_real("delta_rad", delta_rad)
    n_bins = 2.0 / delta_rad
    check_memory(f"delta_rad = {delta_rad!r} ({n_bins:.3g} bins of the semicircle)", _GRID_BYTES * n_bins)
    inner = radius * uniform_edges(-1.0, 1.0, max(1, int(np.ceil(n_bins - _BIN_COUNT_SLACK))), float)
    outer = np.finfo(np.float64).max
    return np.concatenate(([-outer], inner, [outer]))


def _costs(kind: str, n: int, n_edges: int, chunk_members: int, kernel: str) -> tuple[float, float]:
    """Modelled seconds per member of the counts path on ``kernel`` and of the eigenvalue path."""
    call, step, member, edge, lane = _COUNTS_COST[kernel][kind]
    square, linear = _EIGEN_COST[kind]
    counts = (call + n * step) / chunk_members + n * member + (n_edges + 1) * (n * edge + lane)
    return counts, n * (square * n + linear)


def ensemble_method(
    n: int, n_bins: int, *, kind: str = "circular", chunk_members: int = 1, kernel: str | None = None
) -> str:
    r"""The cheaper path to the counts per bin of N x N members: ``"counts"`` or ``"eigenvalues"``.

    Parameters
    ----------
    n : int
        Matrix size N >= 1.
    n_bins : int
        Number of bins B >= 1 (``len(edges) - 1``, see :func:`ensemble_bin_edges`).
    kind : {"circular", "gaussian"}, default "circular"
        The ensemble.
    chunk_members : int, default 1
        Members counted together (a chunk): the counts path's loop over k is shared by them.
    kernel : {"numba", "numpy", "torch-cpu", "torch-gpu"}, optional
        The kernel that would run the counts path, whose constants the model takes. None (the
        default): the one :func:`~bristol.ensembles.circular_counts` and
        :func:`~bristol.ensembles.gaussian_counts` run on the CPU, as the measures of an
        ensemble call them -- ``"numba"`` where numba imports (``pip install 'bristol[fast]'``),
        else ``"numpy"``. ``"torch-cpu"`` / ``"torch-gpu"``: those functions with
        ``device="cpu"`` / a GPU device.

    Returns
    -------
    str
        ``"counts"`` when its modelled time per member is below that of the eigenvalue path,
        else ``"eigenvalues"`` (also on a tie).

    Raises
    ------
    TypeError, ValueError
        For non-integer or out-of-range ``n``, ``n_bins``, ``chunk_members``, or an unknown
        ``kind`` or ``kernel``.

    Notes
    -----
    Per member, for E = B + 1 edges and m members per chunk, the counts path costs
    :math:`(o + s N)/m + d N + (E + 1)(e N + g)` seconds -- o per call, s per recursion step of
    a call, d per step and member, e per step, member and edge, g per member and edge -- and the
    eigenvalue path :math:`c N^2 + h N` (histogram included). The constants were fitted
    (non-negative least squares in relative error) to the two paths timed side by side in one
    run of ``python benchmarks/bench_ensemble_measures.py`` on this project's 2-core machine
    (shared with other jobs; one BLAS thread, numba on its 2 threads): N = 64 ... 4096, m = 1
    and 5, E = 33 and 16 385, beta = 2, best of 3.

    ============  ========  =======  =======  =======  =======  =======
    kernel        ensemble  o        s        d        e        g
    ============  ========  =======  =======  =======  =======  =======
    numba         circular  1e-4     6.5e-7   0        1.2e-9   6.6e-8
    numba         gaussian  1e-4     7.2e-7   0        1.1e-9   0
    numpy         circular  0        4.3e-5   0        1.3e-8   0
    numpy         gaussian  0        6.1e-6   3.5e-7   2.6e-9   0
    torch-cpu     circular  0        1.5e-4   0        2.8e-8   0
    torch-cpu     gaussian  0        1.8e-5   4.1e-7   3.4e-9   1.9e-7
    torch-gpu     circular  1.6e-2   8.3e-4   0        1e-9     9.3e-8
    torch-gpu     gaussian  1.2e-3   7.3e-5   2.3e-8   1e-9     2.5e-8
    ============  ========  =======  =======  =======  =======  =======

    and for the eigenvalue path (c, h) = (4.4e-8, 6.5e-6) (circular), (1.1e-8, 1.3e-6)
    (gaussian). The torch-gpu row was fitted the same way on an NVIDIA H200 (N = 64 ... 1024,
    E = 33 and 65 537, best of 2): each step is a sequence of small kernel launches, whose
    cost s does not grow with the lanes up to 330 000 of them, so e fitted 0; the model takes
    the conservative 1e-9, the bound the timings' noise leaves (it errs towards the eigenvalue
    path, which the measures run on the CPU).
    Numba's o, the start of its parallel region, was fitted between 0 and 1.1e-2 in different
    runs (up to a time slice while other jobs hold the cores); the model takes 1e-4, its cost
    with the cores free (one thread: 9e-5), as where they are not both paths take milliseconds.
    The model agrees with direct timings within a factor of about 2 (the machine is shared and
    repeated runs differ by as much). At the paper's ``delta_rad = 1e-4`` and N = 1024 (62 832
    phase bins) the eigenvalue path stays the cheaper one on every kernel: measured 0.03 s per
    member against 0.09-0.16 s (numba), 1.0-4.3 s (numpy loop), 3-6 s (torch on the CPU) and
    0.44 s (torch on the H200); for the Gaussian ensemble (20 002 bins) numba's counts and the
    eigenvalues take about the same time (0.01-0.03 s). With numba the counts path wins at ten
    times as many bins as with the numpy loop: at ``delta_rad = 1e-3`` and N = 1024 (5 members
    per chunk) counts take 0.005 s per member with numba, 0.2 s with the numpy loop, the
    eigenvalues 0.03 s (docs/theory.md, section 8.4).

    Examples
    --------
    >>> from bristol.spectral import ensemble_method
    >>> ensemble_method(1024, 62832), ensemble_method(4096, 32)
    ('eigenvalues', 'counts')
    >>> [ensemble_method(1024, 6284, chunk_members=5, kernel=k) for k in ("numba", "numpy")]
    ['counts', 'eigenvalues']
    """
    kind = _check_kind(kind)
    n = check_int("n", n)
    n_bins = check_int("n_bins", n_bins)
    chunk_members = check_int("chunk_members", chunk_members)
    kernel = _kernel() if kernel is None else check_choice("kernel", kernel, _KERNELS)
    counts, eigen = _costs(kind, n, n_bins + 1, chunk_members, kernel)
    return "counts" if counts < eigen else "eigenvalues"


def _chunk_counts(size: int, rng: np.random.Generator, *, n: int, beta: float, edges: np.ndarray, kind: str,
                  method: str) -> np.ndarray:
    """Counts per bin of ``size`` members drawn from ``rng``, by either path (the same draws)."""
    if method == "counts":
        counter = circular_counts if kind == "circular" else gaussian_counts
        return counter(n, beta, edges, size=size, random_state=rng)
    sampler = circular_eigphases if kind == "circular" else gaussian_eigvals
    values = sampler(n, beta, size=size, random_state=rng)
    return np.array([np.histogram(row, bins=edges)[0] for row in values], dtype=np.int64).reshape(size, -1)


def counts_of_ensemble(
    n: int,
    beta: float,
    n_members: int,
    *,
    delta_rad: float = 0.2,
    kind: str = "circular",
    method: str = "auto",
    chunk_size: int | None = None,
    random_state: RandomState = None,
    seeds: Sequence[int] | None = None,
    n_jobs: int | None = None,
    backend: str | None = None,
    verbose: int = 0,
) -> ChunkedSample:
    r"""Eigenvalue counts per bin of ``n_members`` members of an ensemble, in chunks.

    Parameters
    ----------
    n : int
        Matrix size N >= 1.
    beta : float
        Dyson index, a finite real > 0 (Gaussian: beta (N - 1) <= 1e300).
    n_members : int
        Number of members M >= 1.
    delta_rad : float, default 0.2
        Largest bin width (see :func:`ensemble_bin_edges`).
    kind : {"circular", "gaussian"}, default "circular"
        The circular beta-ensemble (Killip-Nenciu CMV model) or the Gaussian one
        (Dumitriu-Edelman tridiagonal model).
    method : {"auto", "counts", "eigenvalues"}, default "auto"
        How each member is counted: without its eigenvalues (Pruefer phases, Sturm sequences),
        from its eigenvalues, or the cheaper of the two (:func:`ensemble_method`). The counts do
        not depend on it.
    chunk_size : int, optional
        Members per chunk (default ceil(M / 8)); with ``seeds``, None or the size they imply.
    random_state : int, SeedSequence, Generator or None
        The chunks' streams are its children (:func:`bristol.parallel.plan_chunks`). Not
        together with ``seeds``.
    seeds : sequence of int, optional
        One chunk per seed instead.
    n_jobs : int, optional
        joblib's ``n_jobs``; the result does not depend on it.
    backend : str, optional
        Any joblib backend, or the active ``joblib.parallel_config`` (Dask included).
    verbose : int, default 0
        0 silent, 1 or more a progress bar over the chunks (its label names the path taken).

    Returns
    -------
    ChunkedSample
        ``values``: int64 counts of shape (M, B) on :func:`ensemble_bin_edges`, with the plan
        (chunk sizes and seeds) that drew them.

    Raises
    ------
    TypeError
        For non-integer sizes, non-real ``beta`` or ``delta_rad``, or a ``random_state`` of
        another type.
    ValueError
        For out-of-range arguments, an unknown ``kind`` or ``method``, ``seeds`` together with
        ``random_state``, or a job that does not fit in memory (checked before anything runs:
        16 bytes per member and bin for the result, plus per running member about 40 bytes per
        matrix entry and 80 per edge on the counts path, 64 per eigenvalue on the other).

    See Also
    --------
    bristol.ensembles.circular_counts, bristol.ensembles.gaussian_counts : one batch, no chunks.
    bristol.ensembles.circular_ensemble_eigphases : the chunked eigenphases themselves.

    Notes
    -----
    Each chunk draws its members from its own stream, as the samplers of
    :mod:`bristol.ensembles` do (docs/theory.md, section 6): chunk i of this job draws exactly the
    matrices that chunk i of :func:`~bristol.ensembles.circular_ensemble_eigphases` (or its
    Gaussian twin) draws with the same ``random_state`` or ``seeds`` and chunking. The counts
    are ``numpy.histogram`` of those eigenvalues on either path (docs/theory.md, sections 8.3
    and 8.4).

    Examples
    --------
    >>> from bristol.spectral import counts_of_ensemble
    >>> sample = counts_of_ensemble(64, 2.0, 6, chunk_size=2, random_state=0)
    >>> sample.values.shape, sample.plan.sizes, sample.values.sum(axis=1).tolist()
    ((6, 32), (2, 2, 2), [64, 64, 64, 64, 64, 64])
    >>> by_eigenvalues = counts_of_ensemble(64, 2.0, 6, chunk_size=2, random_state=0, method="eigenvalues")
    >>> bool((by_eigenvalues.values == sample.values).all())
    True
    """
    kind = _check_kind(kind)
    method = check_choice("method", method, _METHODS)
    n = check_int("n", n)
    beta = check_positive_real("beta", beta)
    n_members = check_int("n_members", n_members)
    verbose = check_verbose(verbose)
    edges = ensemble_bin_edges(n, beta, delta_rad=delta_rad, kind=kind)
    n_bins = edges.size - 1
    plan = plan_chunks(n_members, chunk_size=chunk_size, random_state=random_state, seeds=seeds,
                       samples_name="n_members")
    chunk_members = max(plan.sizes)
    if method == "auto":
        method = ensemble_method(n, n_bins, kind=kind, chunk_members=chunk_members)
    per_member = (_COUNTS_ENTRY_BYTES * n + _COUNTS_EDGE_BYTES * edges.size if method == "counts"
                  else _EIGEN_ENTRY_BYTES * n)
    running = n_workers(n_jobs, len(plan.sizes)) * chunk_members
    check_memory(f"{kind} ensemble of n_members = {n_members}, N = {n} in {n_bins} bins (method={method!r})",
                 _RESULT_BYTES * n_members * n_bins + running * per_member)
    chunk = functools.partial(_chunk_counts, n=n, beta=beta, edges=edges, kind=kind, method=method)
    return run_chunks(chunk, plan, n_jobs=n_jobs, backend=backend, verbose=verbose,
                      desc=f"{method}: {kind} beta={beta:g} N={n}")


def _thirumalai_mountain_of_counts(counts: np.ndarray, n: int) -> NDArray[np.float64]:
    r"""Omega(b) = (S(b) - K(b)^2 / M) / (M N) from the (M, B) counts, as
    :func:`~bristol.spectral.thirumalai_mountain` computes it on a common grid (the same bits)."""
    return metric_from_moments(*moments_of_counts(counts), counts.shape[0], n)


def thirumalai_mountain_of_ensemble(
    n: int,
    beta: float,
    n_members: int,
    *,
    delta_rad: float = 0.2,
    kind: str = "circular",
    method: str = "auto",
    chunk_size: int | None = None,
    random_state: RandomState = None,
    seeds: Sequence[int] | None = None,
    n_jobs: int | None = None,
    backend: str | None = None,
    verbose: int = 0,
) -> NDArray[np.float64]:
    r"""Thirumalai-Mountain metric :math:`\Omega_N(b)` of an ensemble given by its specification.

    Parameters
    ----------
    n, beta, n_members, delta_rad, kind, method, chunk_size, random_state, seeds, n_jobs, backend, verbose
        As in :func:`counts_of_ensemble`.

    Returns
    -------
    ndarray of float64, shape (B,)
        :math:`\Omega_N(b) = (M N)^{-1} \sum_i (n_i(b) - \rho(b))^2` on
        :func:`ensemble_bin_edges`.

    Raises
    ------
    TypeError, ValueError
        As :func:`counts_of_ensemble`.

    Notes
    -----
    For the circular ensemble the result is bit for bit
    ``thirumalai_mountain(circular_ensemble_eigphases(n, n_members, beta, ...).values, kind="phase",
    delta_rad=delta_rad)`` with the same chunking and seeds, whichever ``method`` (docs/theory.md,
    sections 5.1 and 8.4); only the time differs: O(N B) per member on the counts path instead of
    O(N^2).

    References
    ----------
    * M. Suezen, C. Weber, J. J. Cerda, "Spectral ergodicity in deep learning architectures
      via surrogate random matrices", arXiv:1704.08303 (2017).

    Examples
    --------
    >>> import numpy as np
    >>> from bristol.ensembles import circular_ensemble_eigphases
    >>> from bristol.spectral import thirumalai_mountain, thirumalai_mountain_of_ensemble
    >>> omega = thirumalai_mountain_of_ensemble(128, 2.0, 8, delta_rad=0.5, random_state=3)
    >>> phases = circular_ensemble_eigphases(128, 8, 2.0, random_state=3).values
    >>> bool(np.array_equal(omega, thirumalai_mountain(phases, kind="phase", delta_rad=0.5)))
    True
    """
    counts = counts_of_ensemble(n, beta, n_members, delta_rad=delta_rad, kind=kind, method=method,
                                chunk_size=chunk_size, random_state=random_state, seeds=seeds, n_jobs=n_jobs,
                                backend=backend, verbose=verbose)
    return _thirumalai_mountain_of_counts(counts.values, n)


def approach_to_ergodicity_of_ensemble(
    sizes: Sequence[int],
    beta: float,
    n_members: int,
    *,
    delta_rad: float = 0.2,
    kind: str = "circular",
    method: str = "auto",
    chunk_size: int | None = None,
    random_state: RandomState = None,
    seeds: Sequence[int] | None = None,
    n_jobs: int | None = None,
    backend: str | None = None,
    verbose: int = 0,
) -> NDArray[np.float64]:
    r"""Approach to spectral ergodicity :math:`D_{se}` of an ensemble over growing sizes.

    Parameters
    ----------
    sizes : sequence of int
        At least two matrix sizes :math:`N_0, N_1, \dots` (bristol 0.2.14's ``Ns``).
    beta : float
        Dyson index, a finite real > 0.
    n_members : int
        Members M >= 1 per size (0.2.14's ``ensemble_size``).
    delta_rad, kind, method, chunk_size, n_jobs, backend, verbose
        As in :func:`counts_of_ensemble`; ``method="auto"`` chooses per size.
    random_state : int, SeedSequence, Generator or None
        Each size draws from its own child (:func:`bristol._random.spawn_seed_sequences`), whose
        children are the chunks' streams. Not together with ``seeds``.
    seeds : sequence of int, optional
        One chunk per seed at every size (the same seeds for all sizes, as the paper's data
        were generated).

    Returns
    -------
    ndarray of float64, shape (len(sizes) - 1,)
        :math:`D_{se}(N_k, N_{k-1}) = D(\Omega_{N_k}, \Omega_{N_{k-1}})`
        (:func:`~bristol.spectral.consecutive_distances` of
        :func:`thirumalai_mountain_of_ensemble` at each size).

    Raises
    ------
    TypeError
        As :func:`counts_of_ensemble`, or ``sizes`` is not a sequence of integers.
    ValueError
        As :func:`counts_of_ensemble`, or fewer than two sizes, or both ``seeds`` and
        ``random_state``.

    Notes
    -----
    The Gaussian grid scales with the semicircle radius of each size, so its metrics compare the
    same fractions of the spectrum. Results do not depend on ``method``, ``n_jobs`` or the
    backend (docs/theory.md, sections 5.1 and 8.4).

    References
    ----------
    * M. Suezen, C. Weber, J. J. Cerda, "Spectral ergodicity in deep learning architectures
      via surrogate random matrices", arXiv:1704.08303 (2017).

    Examples
    --------
    >>> from bristol.spectral import approach_to_ergodicity_of_ensemble
    >>> d_se = approach_to_ergodicity_of_ensemble([64, 128, 256], 2.0, 10, delta_rad=0.5, random_state=0)
    >>> d_se.shape, bool((d_se >= 0).all())
    ((2,), True)
    """
    if isinstance(sizes, (str, bytes)) or not isinstance(sizes, (Sequence, np.ndarray)):
        raise TypeError(f"sizes must be a sequence of matrix sizes, got {sizes!r}")
    sizes = [check_int("sizes", n) for n in sizes]
    if len(sizes) < 2:
        raise ValueError(f"sizes must list at least two matrix sizes, got {sizes}")
    if seeds is not None and random_state is not None:
        raise ValueError("give seeds (one per chunk) or random_state, not both: random_state would be ignored")
    streams: Sequence[RandomState] = [None] * len(sizes) if seeds is not None else (
        spawn_seed_sequences(random_state, len(sizes)))
    return consecutive_distances([
        thirumalai_mountain_of_ensemble(n, beta, n_members, delta_rad=delta_rad, kind=kind, method=method,
                                        chunk_size=chunk_size, random_state=stream, seeds=seeds, n_jobs=n_jobs,
                                        backend=backend, verbose=verbose)
        for n, stream in zip(sizes, streams)
    ])
