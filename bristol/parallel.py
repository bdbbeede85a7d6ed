"""Random stream chunking: reproducible parallel sampling with joblib.

A job of M samples is cut into fixed chunks. Each chunk owns one independent random
stream (a child of ``SeedSequence(root).spawn`` or a user seed per chunk) and draws all of
its samples from that stream, in order. Chunks are independent tasks, so they can run
through any joblib backend -- serially, in loky processes, in threads, or on a Dask
cluster via ``joblib.parallel_config(backend="dask")`` -- and the concatenated result
depends only on the seeds and the chunk sizes, never on the number of workers or their
scheduling. Inside a chunk BLAS/LAPACK run with one thread (threadpoolctl): workers do not
oversubscribe the cores, and a chunk computes the same bits wherever it runs.
"""
from __future__ import annotations

import math
import numbers
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Callable

import numpy as np
from joblib import Parallel, delayed, effective_n_jobs
from threadpoolctl import threadpool_limits
from tqdm import tqdm

from ._random import RandomState, describe_seed_sequence, seed_sequences_from_seeds, spawn_seed_sequences
from ._validation import check_int, check_memory

__all__ = [
    "DEFAULT_N_CHUNKS",
    "Sampler",
    "WorkerLostError",
    "ChunkPlan",
    "ChunkedSample",
    "plan_chunks",
    "check_n_jobs",
    "n_workers",
    "run_chunks",
    "sample_in_chunks",
]

#: Number of chunks used when neither ``chunk_size`` nor ``seeds`` is given.
DEFAULT_N_CHUNKS = 8

#: Bookkeeping memory of one chunk (its stream, its task), an upper estimate.
_CHUNK_BYTES = 2048

Sampler = Callable[[int, np.random.Generator], np.ndarray]

#: Exceptions by which joblib (loky) and dask.distributed report a worker process that died.
_LOST_WORKER_ERRORS = ("TerminatedWorkerError", "KilledWorker")


class WorkerLostError(RuntimeError):
    """A worker process died during a chunked job; nothing is returned."""


def _raise_if_worker_lost(err: Exception, plan: ChunkPlan) -> None:
    """Re-raise a lost-worker error of joblib or Dask as :class:`WorkerLostError`."""
    if type(err).__name__ in _LOST_WORKER_ERRORS:
        raise WorkerLostError(
            f"a worker died while running the {len(plan.sizes)} chunks of this job "
            f"({type(err).__name__}: {err}); no partial result is returned"
        ) from err


@dataclass(frozen=True)
class ChunkPlan:
    """How a job is cut into chunks, and the stream of each chunk."""

    sizes: tuple[int, ...]
    seed_sequences: tuple[np.random.SeedSequence, ...]

    @property
    def n_samples(self) -> int:
        return sum(self.sizes)

    def describe(self) -> list[dict]:
        """JSON-friendly record (size, entropy, spawn key) from which every chunk can be redrawn."""
        return [dict(size=s, **describe_seed_sequence(q)) for s, q in zip(self.sizes, self.seed_sequences)]


@dataclass(frozen=True)
class ChunkedSample:
    """Samples of a chunked job, concatenated in chunk order, with the plan that made them."""

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

    * ``seeds`` given: one chunk per seed (``SeedSequence(seed)``), sizes as equal as
      possible (earlier chunks one larger); ``chunk_size`` must then be None or consistent,
      and ``random_state`` None. A seed given twice makes two bit-identical chunks: a
      ``UserWarning`` names the repeated seeds.
    * otherwise: chunks of ``chunk_size`` (last one shorter), default ``ceil(M / 8)``, with
      streams spawned from ``random_state`` (int, SeedSequence, Generator or None; see
      :mod:`bristol._random`: a SeedSequence is a fixed seed and is left unchanged, a
      Generator advances).

    ``samples_name`` is the caller's name for ``n_samples`` (e.g. ``"n_matrices"``), used in
    error messages. Memory: about 2 KiB per chunk; plans with more chunks than fit in the
    machine's memory are refused with a ValueError.
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
    """Return ``n_jobs`` (None or a non-zero int, joblib's convention) or raise naming it."""
    if n_jobs is None:
        return None
    if isinstance(n_jobs, (bool, np.bool_)) or not isinstance(n_jobs, numbers.Integral):
        raise TypeError(f"n_jobs must be None or a non-zero integer, got {n_jobs!r} ({type(n_jobs).__name__})")
    if n_jobs == 0:
        raise ValueError("n_jobs must be None or a non-zero integer (negative: all CPUs but |n_jobs| - 1), got 0")
    return int(n_jobs)


def n_workers(n_jobs: int | None, n_chunks: int) -> int:
    """Workers to start for ``n_chunks`` chunks: joblib's effective ``n_jobs`` (None and
    negative values resolved against the active ``joblib.parallel_config``), at most one
    per chunk."""
    return min(effective_n_jobs(check_n_jobs(n_jobs)), n_chunks)


def _run_chunk(sampler: Sampler, size: int, seed_sequence: np.random.SeedSequence) -> np.ndarray:
    with threadpool_limits(limits=1):
        return np.asarray(sampler(size, np.random.default_rng(seed_sequence)))


def run_chunks(
    sampler: Sampler,
    plan: ChunkPlan,
    *,
    n_jobs: int | None = None,
    backend: str | None = None,
    progress: bool = False,
    desc: str | None = None,
) -> ChunkedSample:
    """Run ``sampler(size, rng)`` once per chunk of ``plan`` and concatenate the results.

    ``sampler`` must return an array with a leading axis of length ``size`` and must be
    picklable for process backends (a module-level function or a ``functools.partial``).
    ``n_jobs`` and ``backend`` go to :class:`joblib.Parallel` (None: joblib's defaults or the
    active ``joblib.parallel_config``). ``progress`` shows a tqdm bar on stderr.
    A failing chunk or a lost worker raises; a partial result is never returned.

    ``n_jobs`` must be None or a non-zero int (``-1``: all CPUs). No more workers than chunks
    are started (:func:`n_workers`): ``n_jobs=96`` on 8 chunks runs 8. On Dask the cluster's
    workers run the chunks and ``n_jobs`` is not used.
    """
    workers = n_workers(n_jobs, len(plan.sizes))
    client = _dask_client(backend)
    if client is not None:
        chunks = _run_on_dask(client, sampler, plan, progress, desc)
        return ChunkedSample(np.concatenate(chunks, axis=0), plan)
    tasks = (delayed(_run_chunk)(sampler, s, q) for s, q in zip(plan.sizes, plan.seed_sequences))
    with threadpool_limits(limits=1):
        runner = Parallel(n_jobs=workers, backend=backend, return_as="generator")
        try:
            chunks = list(tqdm(runner(tasks), total=len(plan.sizes), disable=not progress, desc=desc, file=sys.stderr))
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


def _run_on_dask(client, sampler: Sampler, plan: ChunkPlan, progress: bool, desc: str | None) -> list:
    """Submit one task per chunk to the cluster and gather them in chunk order.

    Used instead of joblib's Dask backend, which waits forever when a worker dies; here the
    scheduler's KilledWorker (after ``distributed.scheduler.allowed-failures`` retries) fails
    the call with :class:`WorkerLostError`, and no partial result is returned.
    """
    from distributed import as_completed

    futures = client.map(_run_chunk, [sampler] * len(plan.sizes), list(plan.sizes), list(plan.seed_sequences),
                         pure=False)
    try:
        for _ in tqdm(as_completed(futures), total=len(futures), disable=not progress, desc=desc, file=sys.stderr):
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
    progress: bool = False,
    desc: str | None = None,
    samples_name: str = "n_samples",
    sample_bytes: int = 0,
) -> ChunkedSample:
    """:func:`plan_chunks` then :func:`run_chunks`: the chunked job behind every ensemble sampler.

    Chunking: ``chunk_size`` (default ceil(M / 8)) with streams spawned from ``random_state``,
    or one chunk per entry of ``seeds``. Execution: ``n_jobs``, ``backend`` (any joblib
    backend, or the active ``joblib.parallel_config``), ``progress`` (tqdm on stderr). The
    result depends only on the seeds and the chunk sizes. ``samples_name``: the caller's name
    for ``n_samples`` in error messages.

    Memory: the chunks, then their concatenation, about ``2 * n_samples * sample_bytes``
    (``sample_bytes``: bytes of one sample of the output) plus the working memory of the
    chunks running at once; a job whose output cannot fit in the machine's memory is
    refused with a ValueError before anything runs.
    """
    n_samples = check_int(samples_name, n_samples, minimum=1)
    check_memory(f"{samples_name} = {n_samples} of {sample_bytes} bytes each", 2 * n_samples * sample_bytes)
    plan = plan_chunks(n_samples, chunk_size=chunk_size, random_state=random_state, seeds=seeds,
                       samples_name=samples_name)
    return run_chunks(sampler, plan, n_jobs=n_jobs, backend=backend, progress=progress, desc=desc)
