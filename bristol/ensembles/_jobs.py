"""Chunked, parallel jobs of many ensemble members: circular, Gaussian, Laguerre and Jacobi.

All cut ``n_matrices`` members into chunks, bind one independent random stream to each
chunk (:func:`bristol.parallel.plan_chunks`) and run the chunks through joblib or Dask
(:func:`bristol.parallel.run_chunks`): the result depends only on the seeds and the chunk
sizes, so any ``n_jobs`` and any backend give identical bits. The chunk functions
(``_cmv_sampler``, ``_gaussian_sampler``, ``_laguerre_sampler``, ``_jacobi_sampler``) are module-level so
that worker processes can unpickle them.
"""
from __future__ import annotations

import functools
from collections.abc import Sequence

import numpy as np

from .._random import RandomState
from .._validation import check_choice, check_int, check_positive_real
from ..parallel import ChunkedSample, sample_in_chunks
from ._cmv import _cmv_phases, verblunsky_coefficients
from ._gaussian import _check_gaussian_beta, gaussian_eigvals
from ._jacobi import _check_jacobi, jacobi_eigvals
from ._laguerre import _check_laguerre, laguerre_eigvals

__all__ = ["circular_ensemble_eigphases", "gaussian_ensemble_eigvals", "laguerre_ensemble_eigvals",
           "jacobi_ensemble_eigvals"]


def _cmv_sampler(size: int, rng: np.random.Generator, *, n: int, beta: float, method: str) -> np.ndarray:
    return _cmv_phases(verblunsky_coefficients(n, beta, (size,), rng), method, None)


def _gaussian_sampler(size: int, rng: np.random.Generator, *, n: int, beta: float) -> np.ndarray:
    return gaussian_eigvals(n, beta, size, rng)


def _laguerre_sampler(size: int, rng: np.random.Generator, *, n: int, m: float, beta: float) -> np.ndarray:
    return laguerre_eigvals(n, m, beta, size, rng)


def _jacobi_sampler(size: int, rng: np.random.Generator, *, n: int, m1: float, m2: float, beta: float
                    ) -> np.ndarray:
    return jacobi_eigvals(n, m1, m2, beta, size, rng)


def circular_ensemble_eigphases(
    n: int,
    n_matrices: int,
    beta: float = 2,
    *,
    method: str = "auto",
    chunk_size: int | None = None,
    random_state: RandomState = None,
    seeds: Sequence[int] | None = None,
    n_jobs: int | None = None,
    backend: str | None = None,
    verbose: int = 0,
    progress: bool | None = None,
) -> ChunkedSample:
    """Eigenphases of ``n_matrices`` members of the circular beta-ensemble, in chunks.

    Parameters
    ----------
    n : int
        Number of eigenphases per matrix, N >= 1.
    n_matrices : int
        Number of matrices M >= 1.
    beta : float, default 2
        Dyson index, any finite real > 0 (see
        :func:`bristol.ensembles.circular_eigphases` for the extremes).
    method : {"auto", "banded", "dense"}
        Eigen-solver, as in :func:`bristol.ensembles.cmv_eigphases`.
    chunk_size : int, optional
        Matrices per chunk (default ceil(M / 8)); with ``seeds``, None or the size the seeds
        imply.
    random_state : int, SeedSequence, Generator or None
        Streams of the chunks are spawned from it: an int or a SeedSequence is a fixed seed
        (the same one gives the same result and is left unchanged), a Generator advances (see
        :mod:`bristol._random`). Not together with ``seeds``.
    seeds : sequence of int, optional
        One chunk per seed instead (a seed given twice makes two identical chunks and a
        UserWarning).
    n_jobs : int, optional
        joblib's ``n_jobs``: parallel workers (-1: one per CPU); the result does not depend
        on it.
    backend : str, optional
        Any joblib backend, or the active ``joblib.parallel_config`` (Dask included).
    verbose : int, default 0
        scikit-learn's convention: 0 is silent, 1 or more shows a tqdm progress bar on stderr.
    progress : bool, optional
        Deprecated alias of ``verbose`` (a FutureWarning says so): True is ``verbose=1``.

    Returns
    -------
    ChunkedSample
        ``values`` has shape (n_matrices, n): sorted phases in (-pi, pi] per matrix (N
        distinct phases for CSE), with the plan (chunk sizes and seeds) that made them.

    Raises
    ------
    ValueError
        For n, n_matrices or chunk_size < 1, beta not finite and > 0, an unknown method, seeds
        together with random_state, or a job whose output cannot fit in memory.
    TypeError
        For non-integer n, n_matrices, chunk_size or n_jobs, or a random_state of another type.

    See Also
    --------
    gaussian_ensemble_eigvals : the Gaussian twin.
    bristol.parallel.sample_in_chunks : the chunked job behind both.

    Notes
    -----
    Each chunk draws its matrices from its own stream, a child of one
    :class:`numpy.random.SeedSequence` (docs/theory.md, section 6), and every matrix comes
    from the Killip-Nenciu CMV model (docs/theory.md, section 2). The result depends only on
    the seeds and the chunk sizes: any ``n_jobs`` and any backend give the same bits. Memory:
    about twice the output (8 bytes per phase), plus the working arrays of the chunks running
    at once.

    References
    ----------
    .. [1] R. Killip and I. Nenciu, "Matrix models for circular ensembles", Int. Math. Res.
       Not. 2004 (50), 2665-2701 (2004), arXiv:math/0410034.

    Examples
    --------
    >>> from bristol.ensembles import circular_ensemble_eigphases
    >>> sample = circular_ensemble_eigphases(16, 10, beta=2, chunk_size=4, random_state=0)
    >>> sample.values.shape, sample.plan.sizes
    ((10, 16), (4, 4, 2))
    >>> again = circular_ensemble_eigphases(16, 10, beta=2, chunk_size=4, random_state=0, n_jobs=2)
    >>> bool((again.values == sample.values).all())
    True
    """
    n = check_int("n", n)
    beta = check_positive_real("beta", beta)
    check_choice("method", method, ("auto", "banded", "dense"))
    sampler = functools.partial(_cmv_sampler, n=n, beta=beta, method=method)
    return sample_in_chunks(sampler, n_matrices, chunk_size=chunk_size, random_state=random_state, seeds=seeds,
                            n_jobs=n_jobs, backend=backend, verbose=verbose, progress=progress,
                            desc=f"beta={beta:g} N={n}", samples_name="n_matrices", sample_bytes=8 * n)


def gaussian_ensemble_eigvals(
    n: int,
    n_matrices: int,
    beta: float = 1,
    *,
    chunk_size: int | None = None,
    random_state: RandomState = None,
    seeds: Sequence[int] | None = None,
    n_jobs: int | None = None,
    backend: str | None = None,
    verbose: int = 0,
    progress: bool | None = None,
) -> ChunkedSample:
    """Eigenvalues of ``n_matrices`` Gaussian beta-ensemble members, in chunks.

    The Gaussian twin of :func:`circular_ensemble_eigphases`: every member comes from the
    tridiagonal model (:func:`bristol.ensembles.gaussian_eigvals`).

    Parameters
    ----------
    n : int
        Number of eigenvalues per matrix, N >= 1.
    n_matrices : int
        Number of matrices M >= 1.
    beta : float, default 1
        Dyson index, any real > 0 with beta (N - 1) <= 1e300.
    chunk_size, random_state, seeds, n_jobs, backend, verbose, progress
        Chunking and execution, as in :func:`circular_ensemble_eigphases` (``progress`` is
        the deprecated alias of ``verbose``).

    Returns
    -------
    ChunkedSample
        ``values`` has shape (n_matrices, n), ascending per member.

    Raises
    ------
    ValueError
        For invalid arguments (as in :func:`circular_ensemble_eigphases`; beta (N - 1) above
        1e300), or a job whose output cannot fit in memory (it needs about twice its size:
        the chunks, then their concatenation).
    TypeError
        For non-integer n, n_matrices, chunk_size or n_jobs, or a random_state of another type.

    Notes
    -----
    The Dumitriu-Edelman model (docs/theory.md, section 4.2) gives each member in O(N^2);
    chunks and their streams as in :func:`circular_ensemble_eigphases` (docs/theory.md,
    section 6).

    References
    ----------
    .. [1] I. Dumitriu and A. Edelman, "Matrix models for beta ensembles", J. Math. Phys. 43,
       5830-5847 (2002), arXiv:math-ph/0206043.

    Examples
    --------
    >>> from bristol.ensembles import gaussian_ensemble_eigvals
    >>> sample = gaussian_ensemble_eigvals(8, 6, beta=1, seeds=[1, 2, 3])
    >>> sample.values.shape, sample.plan.sizes
    ((6, 8), (2, 2, 2))
    >>> import numpy as np
    >>> bool(np.all(np.diff(sample.values, axis=1) >= 0))
    True
    """
    n = check_int("n", n)
    beta = _check_gaussian_beta(n, beta)
    sampler = functools.partial(_gaussian_sampler, n=n, beta=beta)
    return sample_in_chunks(sampler, n_matrices, chunk_size=chunk_size, random_state=random_state, seeds=seeds,
                            n_jobs=n_jobs, backend=backend, verbose=verbose, progress=progress,
                            desc=f"Gaussian beta={beta:g} N={n}", samples_name="n_matrices", sample_bytes=8 * n)


def laguerre_ensemble_eigvals(
    n: int,
    m: float,
    n_matrices: int,
    beta: float = 1,
    *,
    chunk_size: int | None = None,
    random_state: RandomState = None,
    seeds: Sequence[int] | None = None,
    n_jobs: int | None = None,
    backend: str | None = None,
    verbose: int = 0,
) -> ChunkedSample:
    """Eigenvalues of ``n_matrices`` Laguerre beta-ensemble members, in chunks.

    The Laguerre twin of :func:`gaussian_ensemble_eigvals`: every member comes from the
    bidiagonal model (:func:`bristol.ensembles.laguerre_eigvals`).

    Parameters
    ----------
    n : int
        Number of eigenvalues per matrix, n >= 1.
    m : float
        Degrees of freedom, any real m > n - 1 with beta m <= 1e300.
    n_matrices : int
        Number of matrices M >= 1.
    beta : float, default 1
        Dyson index, any real > 0.
    chunk_size, random_state, seeds, n_jobs, backend, verbose
        Chunking and execution, as in :func:`circular_ensemble_eigphases`.

    Returns
    -------
    ChunkedSample
        ``values`` has shape (n_matrices, n), ascending per member.

    Raises
    ------
    ValueError
        For invalid arguments (as in :func:`circular_ensemble_eigphases` and
        :func:`bristol.ensembles.laguerre_eigvals`), or a job whose output cannot fit in
        memory (it needs about twice its size: the chunks, then their concatenation).
    TypeError
        For non-integer n, n_matrices, chunk_size or n_jobs, a non-real m or beta, or a
        random_state of another type.

    Notes
    -----
    The Dumitriu-Edelman bidiagonal model (docs/theory.md, section 7.2) gives each member in
    O(n^2); chunks and their streams as in :func:`circular_ensemble_eigphases`
    (docs/theory.md, section 6): any ``n_jobs`` and any backend give the same bits.

    References
    ----------
    .. [1] I. Dumitriu and A. Edelman, "Matrix models for beta ensembles", J. Math. Phys. 43,
       5830-5847 (2002), arXiv:math-ph/0206043.

    Examples
    --------
    >>> from bristol.ensembles import laguerre_ensemble_eigvals
    >>> sample = laguerre_ensemble_eigvals(8, 12.5, 6, beta=0.5, seeds=[1, 2, 3])
    >>> sample.values.shape, sample.plan.sizes
    ((6, 8), (2, 2, 2))
    """
    n, m, beta = _check_laguerre(n, m, beta)
    sampler = functools.partial(_laguerre_sampler, n=n, m=m, beta=beta)
    return sample_in_chunks(sampler, n_matrices, chunk_size=chunk_size, random_state=random_state, seeds=seeds,
                            n_jobs=n_jobs, backend=backend, verbose=verbose,
                            desc=f"Laguerre beta={beta:g} n={n} m={m:g}", samples_name="n_matrices",
                            sample_bytes=8 * n)


def jacobi_ensemble_eigvals(
    n: int,
    m1: float,
    m2: float,
    n_matrices: int,
    beta: float = 1,
    *,
    chunk_size: int | None = None,
    random_state: RandomState = None,
    seeds: Sequence[int] | None = None,
    n_jobs: int | None = None,
    backend: str | None = None,
    verbose: int = 0,
) -> ChunkedSample:
    """Eigenvalues of ``n_matrices`` Jacobi beta-ensemble members, in chunks.

    The Jacobi twin of :func:`laguerre_ensemble_eigvals`: every member comes from the
    Edelman-Sutton model (:func:`bristol.ensembles.jacobi_eigvals`).

    Parameters
    ----------
    n : int
        Number of eigenvalues per matrix, n >= 1.
    m1, m2 : float
        Degrees of freedom, any reals > n - 1 with beta (m1 + m2) <= 1e300.
    n_matrices : int
        Number of matrices M >= 1.
    beta : float, default 1
        Dyson index, any real > 0.
    chunk_size, random_state, seeds, n_jobs, backend, verbose
        Chunking and execution, as in :func:`circular_ensemble_eigphases`.

    Returns
    -------
    ChunkedSample
        ``values`` has shape (n_matrices, n), ascending per member, in [0, 1].

    Raises
    ------
    ValueError
        For invalid arguments (as in :func:`circular_ensemble_eigphases` and
        :func:`bristol.ensembles.jacobi_eigvals`), or a job whose output cannot fit in
        memory (it needs about twice its size: the chunks, then their concatenation).
    TypeError
        For non-integer n, n_matrices, chunk_size or n_jobs, a non-real m1, m2 or beta, or a
        random_state of another type.

    Notes
    -----
    The Edelman-Sutton beta-Jacobi model (docs/theory.md, section 7.4) gives each member in
    O(n^2); chunks and their streams as in :func:`circular_ensemble_eigphases`
    (docs/theory.md, section 6): any ``n_jobs`` and any backend give the same bits.

    References
    ----------
    .. [1] A. Edelman and B. D. Sutton, "The beta-Jacobi matrix model, the CS decomposition,
       and generalized singular value problems", Found. Comput. Math. 8, 259-285 (2008).

    Examples
    --------
    >>> from bristol.ensembles import jacobi_ensemble_eigvals
    >>> sample = jacobi_ensemble_eigvals(8, 10.5, 12, 6, beta=0.5, seeds=[1, 2, 3])
    >>> sample.values.shape, sample.plan.sizes
    ((6, 8), (2, 2, 2))
    """
    n, m1, m2, beta = _check_jacobi(n, m1, m2, beta)
    sampler = functools.partial(_jacobi_sampler, n=n, m1=m1, m2=m2, beta=beta)
    return sample_in_chunks(sampler, n_matrices, chunk_size=chunk_size, random_state=random_state, seeds=seeds,
                            n_jobs=n_jobs, backend=backend, verbose=verbose,
                            desc=f"Jacobi beta={beta:g} n={n} m1={m1:g} m2={m2:g}", samples_name="n_matrices",
                            sample_bytes=8 * n)
