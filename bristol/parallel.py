"""Random stream chunking: reproducible parallel sampling with joblib.

A job of M samples is cut into fixed chunks. Each chunk owns one independent random
stream (a child of ``SeedSequence(root).spawn`` or a user seed per chunk) and draws all of
its samples from that stream, in order. Chunks are independent tasks, so they can run
through any joblib backend -- serially, in loky processes, in threads, or on a Dask
cluster via ``joblib.parallel_config(backend="dask")`` -- and the concatenated result
depends only on the seeds and the chunk sizes, never on the number of workers or their
scheduling. Inside a chunk BLAS/LAPACK run with one thread (threadpoolctl): workers do not
oversubscribe the cores, and a chunk computes the same bits wherever it runs. The streams
follow numpy's guide on parallel random number generation (docs/theory.md, section 6).

Every job takes ``verbose`` (scikit-learn's convention: 0 silent, 1 or more a tqdm progress
bar on stderr); ``progress``, its name before, still works with a FutureWarning.
"""
from __future__ import annotations

import math
import numbers
import os
import sys
import threading
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Callable

import numpy as np
from joblib import Parallel, delayed, effective_n_jobs
from threadpoolctl import threadpool_limits
from tqdm import tqdm

from ._random import (
    RandomState,
    caller_stacklevel,
    describe_seed_sequence,
    seed_sequences_from_seeds,
    spawn_seed_sequences,
)
from ._validation import check_int, check_memory

__all__ = [
    "DEFAULT_N_CHUNKS",
    "Sampler",
    "WorkerLostError",
    "ChunkPlan",
    "ChunkedSample",
    "plan_chunks",
    "check_n_jobs",
    "check_verbose",
    "n_workers",
    "kernel_threads",
    "run_chunks",
    "sample_in_chunks",
]

#: Number of chunks used when neither ``chunk_size`` nor ``seeds`` is given.
DEFAULT_N_CHUNKS = 8

#: Bookkeeping memory of one chunk (its stream, its task), an upper estimate.
_CHUNK_BYTES = 2048

#: A chunk function: ``sampler(size, rng)`` returns ``size`` samples along its first axis.
Sampler = Callable[[int, np.random.Generator], np.ndarray]

#: Exceptions by which joblib (loky) and dask.distributed report a worker process that died.
_LOST_WORKER_ERRORS = ("TerminatedWorkerError", "KilledWorker")


class WorkerLostError(RuntimeError):
    """A worker process died during a chunked job; nothing is returned.

    Raised by :func:`run_chunks` in place of joblib's ``TerminatedWorkerError`` and
    dask.distributed's ``KilledWorker`` (the original is its ``__cause__``).
    """


def _raise_if_worker_lost(err: Exception, plan: ChunkPlan) -> None:
    """Re-raise a lost-worker error of joblib or Dask as :class:`WorkerLostError`."""
    if type(err).__name__ in _LOST_WORKER_ERRORS:
        raise WorkerLostError(
            f"a worker died while running the {len(plan.sizes)} chunks of this job "
            f"({type(err).__name__}: {err}); no partial result is returned"
        ) from err


@dataclass(frozen=True)
class ChunkPlan:
    """How a job is cut into chunks, and the stream of each chunk.

    Attributes
    ----------
    sizes : tuple of int
        Samples per chunk, in order.
    seed_sequences : tuple of numpy.random.SeedSequence
        The stream of each chunk: chunk ``i`` draws from ``default_rng(seed_sequences[i])``.

    Examples
    --------
    >>> from bristol.parallel import plan_chunks
    >>> plan = plan_chunks(10, chunk_size=4, random_state=0)
    >>> plan.sizes, plan.n_samples
    ((4, 4, 2), 10)
    >>> [chunk["spawn_key"] for chunk in plan.describe()]
    [[0], [1], [2]]
    """

    sizes: tuple[int, ...]
    seed_sequences: tuple[np.random.SeedSequence, ...]

    @property
    def n_samples(self) -> int:
        """Total number of samples, the sum of :attr:`sizes`."""
        return sum(self.sizes)

    def describe(self) -> list[dict]:
        """JSON-friendly record from which every chunk can be redrawn.

        Returns
        -------
        list of dict
            One ``{"size", "entropy", "spawn_key"}`` per chunk
            (:func:`bristol._random.describe_seed_sequence`).
        """
        return [dict(size=s, **describe_seed_sequence(q)) for s, q in zip(self.sizes, self.seed_sequences)]


@dataclass(frozen=True)
class ChunkedSample:
    """Samples of a chunked job, concatenated in chunk order, with the plan that made them.

    Attributes
    ----------
    values : ndarray
        The samples, leading axis of length ``plan.n_samples``.
    plan : ChunkPlan
        The chunk sizes and streams that made ``values``.

    Examples
    --------
    >>> import numpy as np
    >>> from bristol.ensembles import gaussian_ensemble_eigvals
    >>> sample = gaussian_ensemble_eigvals(4, 5, chunk_size=2, random_state=0)
    >>> sample.values.shape, sample.plan.sizes
    ((5, 4), (2, 2, 1))

    Every chunk can be redrawn from the plan alone:

    >>> first = np.random.default_rng(sample.plan.seed_sequences[0])
    >>> from bristol.ensembles import gaussian_eigvals
    >>> bool(np.array_equal(gaussian_eigvals(4, 1, 2, first), sample.values[:2]))
    True
    """

    values: np.ndarray
    plan: ChunkPlan


def plan_chunks(
    n_samples: int,
    *,
    chunk_size: int | None = None,
    random_state: RandomState = None,
    seeds: Sequence[int] | None = None,
    samples_name: str = "n_samples",
) -> ChunkPlan:
    """Cut ``n_samples`` into chunks and bind one independent stream to each.

    Parameters
    ----------
    n_samples : int
        Number of samples M >= 1.
    chunk_size : int, optional
        Samples per chunk (the last one shorter), default ``ceil(M / DEFAULT_N_CHUNKS)``. With
        ``seeds``: None or the size the seeds imply.
    random_state : int, SeedSequence, Generator or None
        The chunks' streams are its children (:func:`bristol._random.spawn_seed_sequences`:
        an int or a SeedSequence is a fixed seed and is left unchanged, a Generator advances).
    seeds : sequence of int, optional
        One chunk per seed (``SeedSequence(seed)``) instead, sizes as equal as possible
        (earlier chunks one larger). A seed given twice makes two bit-identical chunks: a
        ``UserWarning`` names the repeated seeds.
    samples_name : str, default "n_samples"
        The caller's name for ``n_samples`` (e.g. ``"n_matrices"``), used in error messages.

    Returns
    -------
    ChunkPlan

    Raises
    ------
    ValueError
        For ``n_samples`` or ``chunk_size`` < 1, ``seeds`` together with ``random_state``,
        empty ``seeds``, more seeds than samples, a ``chunk_size`` that does not match the
        seeds, a negative seed, or a plan whose chunks (about 2 KiB each) cannot fit in memory.
    TypeError
        For non-integer sizes or a random_state of another type.

    Examples
    --------
    >>> from bristol.parallel import plan_chunks
    >>> plan_chunks(10, seeds=[7, 8, 9]).sizes
    (4, 3, 3)
    >>> plan_chunks(10, chunk_size=3, random_state=1).sizes
    (3, 3, 3, 1)
    """
    n_samples = check_int(samples_name, n_samples, minimum=1)
    if seeds is not None:
        if random_state is not None:
            raise ValueError("give seeds (one per chunk) or random_state, not both: random_state would be ignored")
        seeds = list(seeds)
        if not seeds:
            raise ValueError("seeds must hold one integer per chunk, got an empty list")
        n_chunks = len(seeds)
        if n_chunks > n_samples:
            raise ValueError(f"len(seeds) = {n_chunks} exceeds {samples_name} = {n_samples}: chunks would be empty")
        base, extra = divmod(n_samples, n_chunks)
        sizes = tuple(base + (i < extra) for i in range(n_chunks))
        if chunk_size is not None and check_int("chunk_size", chunk_size) != sizes[0]:
            raise ValueError(
                f"chunk_size = {chunk_size} does not match {samples_name} = {n_samples} in {n_chunks} seeded chunks"
            )
        return ChunkPlan(sizes, tuple(seed_sequences_from_seeds(seeds)))
    if chunk_size is None:
        chunk_size = math.ceil(n_samples / DEFAULT_N_CHUNKS)
    chunk_size = check_int("chunk_size", chunk_size)
    full, rest = divmod(n_samples, chunk_size)
    check_memory(f"{samples_name} = {n_samples} in chunks of {chunk_size}", (full + 1) * _CHUNK_BYTES)
    sizes = (chunk_size,) * full + ((rest,) if rest else ())
    return ChunkPlan(sizes, tuple(spawn_seed_sequences(random_state, len(sizes))))


def check_n_jobs(n_jobs: object) -> int | None:
    """Return ``n_jobs`` (None or a non-zero int, joblib's convention) or raise naming it.

    Parameters
    ----------
    n_jobs : object
        None (joblib's default) or a non-zero integer (negative: all CPUs but ``|n_jobs|`` - 1).

    Returns
    -------
    int or None

    Raises
    ------
    TypeError
        ``n_jobs`` is not None or an integer (bools included).
    ValueError
        ``n_jobs`` is 0.

    Examples
    --------
    >>> from bristol.parallel import check_n_jobs
    >>> check_n_jobs(-1), check_n_jobs(None)
    (-1, None)
    """
    if n_jobs is None:
        return None
    if isinstance(n_jobs, (bool, np.bool_)) or not isinstance(n_jobs, numbers.Integral):
        raise TypeError(f"n_jobs must be None or a non-zero integer, got {n_jobs!r} ({type(n_jobs).__name__})")
    if n_jobs == 0:
        raise ValueError("n_jobs must be None or a non-zero integer (negative: all CPUs but |n_jobs| - 1), got 0")
    return int(n_jobs)


def check_verbose(verbose: object, progress: object = None) -> int:
    """Return the verbosity of a chunked job, scikit-learn's ``verbose`` convention.

    Parameters
    ----------
    verbose : int or bool
        0 (or False): silent; 1 or more (or True): a tqdm progress bar on stderr.
    progress : object, optional
        Deprecated alias of ``verbose`` (bristol 0.3.0 before the ``verbose`` convention): a
        true value means ``verbose=1``, a false one ``verbose=0``. None: not given.

    Returns
    -------
    int
        The verbosity, >= 0.

    Raises
    ------
    TypeError
        ``verbose`` is not an integer or a bool.
    ValueError
        ``verbose`` is negative, or both ``verbose`` (non-zero) and ``progress`` are given.

    Warns
    -----
    FutureWarning
        When ``progress`` is given; it names ``verbose``, which replaces it.

    Examples
    --------
    >>> from bristol.parallel import check_verbose
    >>> check_verbose(0), check_verbose(2), check_verbose(True)
    (0, 2, 1)
    """
    level = int(verbose) if isinstance(verbose, (bool, np.bool_)) else check_int("verbose", verbose, minimum=0)
    if progress is None:
        return level
    if level:
        raise ValueError("give verbose or progress (its deprecated alias), not both")
    level = 1 if progress else 0
    warnings.warn(
        f"progress is deprecated and will be removed: use verbose={level} instead "
        "(verbose=0: silent, verbose>=1: a progress bar)",
        FutureWarning,
        stacklevel=caller_stacklevel(),
    )
    return level


def n_workers(n_jobs: int | None, n_chunks: int) -> int:
    """Workers to start for ``n_chunks`` chunks, at most one per chunk.

    Parameters
    ----------
    n_jobs : int or None
        joblib's ``n_jobs`` (checked by :func:`check_n_jobs`); None and negative values are
        resolved against the active ``joblib.parallel_config``.
    n_chunks : int
        Number of chunks.

    Returns
    -------
    int
        ``min(joblib.effective_n_jobs(n_jobs), n_chunks)``.

    Examples
    --------
    >>> from bristol.parallel import n_workers
    >>> n_workers(96, 8), n_workers(1, 8)
    (8, 1)
    """
    return min(effective_n_jobs(check_n_jobs(n_jobs)), n_chunks)


#: Per thread: the threads a compiled kernel may use inside the chunk that thread is running.
_chunk_state = threading.local()


def kernel_threads() -> int | None:
    """The number of threads a compiled (numba) kernel may use in the chunk this thread runs.

    Inside a chunk of :func:`run_chunks` the machine's CPUs are shared among its workers:
    ``max(1, os.cpu_count() // workers)`` (one on Dask, whose workers share machines we do not
    see), as BLAS is limited to one thread there; None outside a chunk (no limit).

    Returns
    -------
    int or None

    Examples
    --------
    >>> from bristol.parallel import kernel_threads
    >>> kernel_threads() is None
    True
    """
    return getattr(_chunk_state, "threads", None)


def _run_chunk(sampler: Sampler, size: int, seed_sequence: np.random.SeedSequence, threads: int = 1) -> np.ndarray:
    outer = kernel_threads()  # a job run inside a chunk gets it back when it ends
    _chunk_state.threads = threads if outer is None else min(threads, outer)
    try:
        with threadpool_limits(limits=1):
            return np.asarray(sampler(size, np.random.default_rng(seed_sequence)))
    finally:
        _chunk_state.threads = outer


def run_chunks(
    sampler: Sampler,
    plan: ChunkPlan,
    *,
    n_jobs: int | None = None,
    backend: str | None = None,
    verbose: int = 0,
    desc: str | None = None,
    progress: bool | None = None,
) -> ChunkedSample:
    """Run ``sampler(size, rng)`` once per chunk of ``plan`` and concatenate the results.

    Parameters
    ----------
    sampler : callable
        ``sampler(size, rng)`` returns an array with a leading axis of length ``size`` drawn
        from the :class:`numpy.random.Generator` ``rng``; it must be picklable for process
        backends (a module-level function or a ``functools.partial`` of one).
    plan : ChunkPlan
        Chunk sizes and streams (:func:`plan_chunks`).
    n_jobs : int, optional
        joblib's ``n_jobs``: None or a non-zero int (``-1``: all CPUs). No more workers than
        chunks are started (:func:`n_workers`): ``n_jobs=96`` on 8 chunks runs 8. On Dask the
        cluster's workers run the chunks and ``n_jobs`` is not used.
    backend : str, optional
        Goes to :class:`joblib.Parallel` (None: joblib's default or the active
        ``joblib.parallel_config``, Dask included).
    verbose : int, default 0
        0: silent; 1 or more: a tqdm progress bar on stderr (scikit-learn's convention).
    desc : str, optional
        Label of the progress bar.
    progress : bool, optional
        Deprecated alias of ``verbose`` (FutureWarning).

    Returns
    -------
    ChunkedSample
        The chunks concatenated along the first axis, in chunk order, with ``plan``.

    Raises
    ------
    WorkerLostError
        A worker process died (joblib's loky or dask.distributed).
    RuntimeError
        A chunk returned a leading axis of the wrong length.
    TypeError, ValueError
        For an invalid ``n_jobs`` or ``verbose``; any exception of a chunk is re-raised. A
        partial result is never returned.

    Examples
    --------
    >>> from bristol.parallel import plan_chunks, run_chunks
    >>> def normals(size, rng):
    ...     return rng.standard_normal((size, 3))
    >>> plan = plan_chunks(5, chunk_size=2, random_state=4)
    >>> run_chunks(normals, plan, backend="threading").values.shape
    (5, 3)
    """
    show = check_verbose(verbose, progress) > 0
    workers = n_workers(n_jobs, len(plan.sizes))
    client = _dask_client(backend)
    if client is not None:
        chunks = _run_on_dask(client, sampler, plan, show, desc)
        return ChunkedSample(np.concatenate(chunks, axis=0), plan)
    threads = max(1, (os.cpu_count() or 1) // workers)  # compiled kernels' share of the CPUs
    tasks = (delayed(_run_chunk)(sampler, s, q, threads) for s, q in zip(plan.sizes, plan.seed_sequences))
    with threadpool_limits(limits=1):
        runner = Parallel(n_jobs=workers, backend=backend, return_as="generator")
        try:
            chunks = list(tqdm(runner(tasks), total=len(plan.sizes), disable=not show, desc=desc, file=sys.stderr))
        except Exception as err:
            _raise_if_worker_lost(err, plan)
            raise
    for size, chunk in zip(plan.sizes, chunks):
        if chunk.shape[:1] != (size,):
            raise RuntimeError(f"a chunk of {size} samples returned shape {chunk.shape}")
    return ChunkedSample(np.concatenate(chunks, axis=0), plan)


def _dask_client(backend: str | None):
    """The dask.distributed client when the job goes to Dask (``backend="dask"`` or an active
    ``joblib.parallel_config(backend="dask")``), else None."""
    if backend not in (None, "dask"):
        return None
    if backend is None:
        from joblib.parallel import get_active_backend

        active, _ = get_active_backend()
        return getattr(active, "client", None) if type(active).__name__ == "DaskDistributedBackend" else None
    from distributed import get_client

    return get_client()


def _run_on_dask(client, sampler: Sampler, plan: ChunkPlan, show: bool, desc: str | None) -> list:
    """Submit one task per chunk to the cluster and gather them in chunk order.

    Used instead of joblib's Dask backend, which waits forever when a worker dies; here the
    scheduler's KilledWorker (after ``distributed.scheduler.allowed-failures`` retries) fails
    the call with :class:`WorkerLostError`, and no partial result is returned.
    """
    from distributed import as_completed

    futures = client.map(_run_chunk, [sampler] * len(plan.sizes), list(plan.sizes), list(plan.seed_sequences),
                         pure=False)
    try:
        for _ in tqdm(as_completed(futures), total=len(futures), disable=not show, desc=desc, file=sys.stderr):
            pass
        return client.gather(futures)
    except Exception as err:
        client.cancel(futures)
        _raise_if_worker_lost(err, plan)
        raise


def sample_in_chunks(
    sampler: Sampler,
    n_samples: int,
    *,
    chunk_size: int | None = None,
    random_state: RandomState = None,
    seeds: Sequence[int] | None = None,
    n_jobs: int | None = None,
    backend: str | None = None,
    verbose: int = 0,
    desc: str | None = None,
    samples_name: str = "n_samples",
    sample_bytes: int = 0,
    progress: bool | None = None,
) -> ChunkedSample:
    """:func:`plan_chunks` then :func:`run_chunks`: the chunked job behind every ensemble sampler.

    Parameters
    ----------
    sampler : callable
        ``sampler(size, rng)``, as in :func:`run_chunks`.
    n_samples : int
        Number of samples M >= 1.
    chunk_size, random_state, seeds
        Chunking, as in :func:`plan_chunks`: chunks of ``chunk_size`` (default ceil(M / 8))
        with streams spawned from ``random_state``, or one chunk per entry of ``seeds``.
    n_jobs, backend, verbose, desc
        Execution, as in :func:`run_chunks` (``verbose``: 0 silent, 1 or more a progress bar).
    samples_name : str, default "n_samples"
        The caller's name for ``n_samples`` in error messages.
    sample_bytes : int, default 0
        Bytes of one sample of the output, for the memory check.
    progress : bool, optional
        Deprecated alias of ``verbose`` (FutureWarning).

    Returns
    -------
    ChunkedSample
        The result depends only on the seeds and the chunk sizes, never on ``n_jobs`` or the
        backend.

    Raises
    ------
    ValueError
        As :func:`plan_chunks` and :func:`run_chunks`, and for a job whose output, about
        ``2 * n_samples * sample_bytes`` (the chunks, then their concatenation), cannot fit in
        the machine's memory: refused before anything runs.
    TypeError
        As :func:`plan_chunks` and :func:`run_chunks`.

    Examples
    --------
    >>> import functools
    >>> from bristol.parallel import sample_in_chunks
    >>> def uniforms(size, rng, *, n):
    ...     return rng.random((size, n))
    >>> a = sample_in_chunks(functools.partial(uniforms, n=2), 6, chunk_size=2, random_state=9)
    >>> b = sample_in_chunks(functools.partial(uniforms, n=2), 6, chunk_size=2, random_state=9,
    ...                      n_jobs=2, backend="threading")
    >>> a.values.shape, bool((a.values == b.values).all())
    ((6, 2), True)
    """
    verbose = check_verbose(verbose, progress)
    n_samples = check_int(samples_name, n_samples, minimum=1)
    check_memory(f"{samples_name} = {n_samples} of {sample_bytes} bytes each", 2 * n_samples * sample_bytes)
    plan = plan_chunks(n_samples, chunk_size=chunk_size, random_state=random_state, seeds=seeds,
                       samples_name=samples_name)
    return run_chunks(sampler, plan, n_jobs=n_jobs, backend=backend, verbose=verbose, desc=desc)
