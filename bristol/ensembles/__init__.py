"""Circular ensembles: dense matrices, eigenvalues, chunked parallel jobs, and the 0.2.14 API.

Functional core (re-exported here):

* :func:`cue`, :func:`coe`, :func:`cse` -- Haar-exact dense matrices (:mod:`bristol.haar`);
* :func:`circular_eigvals`, :func:`circular_eigphases` -- eigenvalues of the circular
  beta-ensemble for any beta > 0 from the Killip-Nenciu CMV model (:mod:`bristol.cmv`);
* :func:`circular_ensemble_eigphases` -- the same, for M matrices cut into chunks with
  independent streams and run through joblib (:mod:`bristol.parallel`), reproducible bit
  for bit whatever ``n_jobs`` or backend;
* :func:`goe`, :func:`gue`, :func:`gse`, :func:`gaussian_eigvals` (any beta > 0, tridiagonal),
  :func:`gaussian_ensemble_eigvals` (chunked) and :func:`mixed_ensemble_eigvals`
  (:mod:`bristol.gaussian`).

:class:`Circular` keeps the public names of bristol 0.2.14 as thin wrappers over the core.
"""
from __future__ import annotations

import functools
import random
from typing import Optional, Sequence

import numpy as np

from ._validation import check_choice, check_int, check_positive_real
from .cmv import circular_eigphases, circular_eigvals, verblunsky_coefficients, cmv_eigphases
from .gaussian import (
    GAUSSIAN_BETA,
    gaussian_eigvals,
    gaussian_ensemble_eigvals,
    goe,
    gse,
    gue,
    mixed_ensemble_eigvals,
    mixed_ensemble_orders,
)
from .haar import coe, cse, cue, kramers_phases, quaternion_dual, unitary_eigphases
from .parallel import ChunkedSample, sample_in_chunks

__all__ = [
    "cue",
    "coe",
    "cse",
    "quaternion_dual",
    "circular_eigvals",
    "circular_eigphases",
    "circular_ensemble_eigphases",
    "ensemble_beta",
    "ENSEMBLE_BETA",
    "Circular",
    "goe",
    "gue",
    "gse",
    "gaussian_eigvals",
    "gaussian_ensemble_eigvals",
    "mixed_ensemble_eigvals",
    "mixed_ensemble_orders",
    "GAUSSIAN_BETA",
]

#: Dyson index of each named circular ensemble.
ENSEMBLE_BETA = {"COE": 1.0, "CUE": 2.0, "CSE": 4.0}


def ensemble_beta(ensemble: str) -> float:
    """Dyson index of 'COE', 'CUE' or 'CSE' (case-insensitive)."""
    return ENSEMBLE_BETA[check_choice("ensemble", ensemble, tuple(ENSEMBLE_BETA), upper=True)]


def _cmv_sampler(size: int, rng: np.random.Generator, *, n: int, beta: float, method: str) -> np.ndarray:
    return cmv_eigphases(verblunsky_coefficients(n, beta, (size,), rng), method=method)


def circular_ensemble_eigphases(n: int, n_matrices: int, beta: float = 2, *, method: str = "auto",
                                **chunking) -> ChunkedSample:
    """Eigenphases of ``n_matrices`` members of the circular beta-ensemble, in chunks.

    ``chunking`` goes to :func:`bristol.parallel.sample_in_chunks`: ``chunk_size`` or one
    chunk per entry of ``seeds`` (streams spawned from ``random_state`` otherwise), ``n_jobs``,
    ``backend``, ``progress``. The result depends only on the seeds and the chunk sizes: any
    ``n_jobs`` and any joblib backend give identical bits. ``method`` as in
    :func:`bristol.cmv.cmv_eigphases`.

    ``beta`` is any finite real number > 0 (see :func:`bristol.cmv.verblunsky_coefficients`
    for the extremes). A SeedSequence ``random_state`` is a fixed seed (the same one gives the same result and is
    left unchanged); a Generator advances (see :mod:`bristol._streams`).

    Returns a :class:`~bristol.parallel.ChunkedSample` whose ``values`` has shape
    (n_matrices, n): sorted phases in (-pi, pi] per matrix (N distinct phases for CSE).
    Memory: about twice the output (8 bytes per phase), plus the working arrays of the
    chunks running at once; jobs whose output cannot fit are refused with a ValueError.
    """
    n = check_int("n", n)
    beta = check_positive_real("beta", beta)
    check_choice("method", method, ("auto", "banded", "dense"))
    sampler = functools.partial(_cmv_sampler, n=n, beta=beta, method=method)
    return sample_in_chunks(sampler, n_matrices, desc=f"beta={beta:g} N={n}", samples_name="n_matrices",
                            sample_bytes=8 * n, **chunking)


def _legacy_random_state(set_seed: bool, seed: int) -> Optional[int]:
    """The random_state of the 0.2.14 ``set_seed``/``seed`` pair, checked under the name ``seed``."""
    return check_int("seed", seed, minimum=0) if set_seed else None


def _check_adir(adir: str) -> str:
    return check_choice("adir", adir, ("lower", "upper"))


class Circular:
    """The bristol 0.2.14 interface to the circular ensembles (thin wrappers over the core).

    Differences from 0.2.14: the matrices are Haar-exact (0.2.14's were not, and its
    COE/CSE were not even unitary); ``set_seed=False`` draws fresh entropy without touching
    the global numpy state; CSE eigenvalue functions return the N distinct eigenvalues; the
    chunks of :meth:`eigen_circular_ensemble` are independent streams of distinct matrices.
    """

    ensembles = tuple(ENSEMBLE_BETA)

    def unit_anti(self, N: int = 2, adir: str = "lower") -> np.ndarray:
        """N x N antisymmetric unit matrix: +1 above and -1 below the diagonal ('lower'),
        or the transpose ('upper'); zero diagonal. ``unit_anti(2)`` is [[0, 1], [-1, 0]]."""
        N = check_int("N", N)
        z = np.triu(np.ones((N, N)), 1) - np.tril(np.ones((N, N)), -1)
        return z if _check_adir(adir) == "lower" else -z

    def unit_symplectic(self, N: int, adir: str = "lower") -> np.ndarray:
        """2N x 2N matrix Z = I_N (x) unit_anti(2, adir) (integers)."""
        N = check_int("N", N)
        return np.kron(np.eye(N), self.unit_anti(2, adir)).astype(int)

    def gen_cue(self, N: int, set_seed: bool = False, seed: int = 42391) -> np.ndarray:
        """One N x N Haar unitary (CUE); ``seed`` is used only when ``set_seed`` is True."""
        return cue(N, random_state=_legacy_random_state(set_seed, seed))

    def gen_coe(self, N: int, set_seed: bool = False, seed: int = 42391) -> np.ndarray:
        """One N x N COE matrix U^T U."""
        return coe(N, random_state=_legacy_random_state(set_seed, seed))

    def gen_cse(self, N: int, set_seed: bool = False, seed: int = 42391, adir: str = "lower") -> np.ndarray:
        """One 2N x 2N CSE matrix Z U^T Z^T U; ``adir='upper'`` uses Z^T in place of Z,
        which gives the same matrix (Z^T = -Z and Z enters twice)."""
        _check_adir(adir)
        return cse(N, random_state=_legacy_random_state(set_seed, seed))

    def eigen_circular(
        self, N: int, ensemble: str = "CUE", set_seed: bool = False, seed: int = 42391, adir: str = "lower"
    ) -> np.ndarray:
        """Eigenvalues of one dense matrix of the ensemble, ordered by phase.

        N values for every ensemble: for CSE the N distinct eigenvalues of the 2N x 2N matrix.
        """
        ensemble = check_choice("ensemble", ensemble, self.ensembles, upper=True)
        gen = {"CUE": self.gen_cue, "COE": self.gen_coe}
        if ensemble == "CSE":
            phases = kramers_phases(unitary_eigphases(self.gen_cse(N, set_seed, seed, adir)))
        else:
            phases = unitary_eigphases(gen[ensemble](N, set_seed, seed))
        return np.exp(1j * phases)

    def eigen_circular_ensemble(
        self,
        N: int,
        cSize: int = 100,
        nchunks: int = 4,
        ensemble: str = "CUE",
        adir: str = "lower",
        seeds: Sequence[int] = (),
        parallel: bool = True,
    ) -> dict:
        """Eigenvalues of ``nchunks * cSize`` matrices, one independent stream per chunk.

        ``seeds`` holds one integer per chunk (distinct fresh ones are drawn and reported
        when it is empty; a seed given twice makes two identical chunks and a UserWarning).
        Returns a dict with ``local_seeds`` (the seeds used), ``c_eigen`` (flat,
        N eigenvalues per matrix, matrix after matrix), ``matrix_size`` and
        ``number_of_matrices``; ``parallel=True`` runs the chunks through joblib (at most one
        worker per chunk and per CPU) and gives exactly the same values as ``parallel=False``.
        """
        N = check_int("N", N)
        cSize = check_int("cSize", cSize)
        nchunks = check_int("nchunks", nchunks)
        ensemble = check_choice("ensemble", ensemble, self.ensembles, upper=True)
        _check_adir(adir)
        seeds = list(seeds)
        if not seeds:
            seeds = random.SystemRandom().sample(range(2**32), nchunks)  # distinct, from OS entropy
        if len(seeds) != nchunks:
            raise ValueError(f"seeds must hold one integer per chunk: len(seeds) = {len(seeds)} != nchunks = {nchunks}")
        sample = circular_ensemble_eigphases(
            N,
            nchunks * cSize,
            ENSEMBLE_BETA[ensemble],
            seeds=seeds,
            n_jobs=-1 if parallel else 1,
        )
        return {
            "local_seeds": list(seeds),
            "c_eigen": np.exp(1j * sample.values).ravel(),
            "matrix_size": N,
            "number_of_matrices": nchunks * cSize,
        }
