"""bristol 0.2.14's ``Circular`` class: thin wrappers over :mod:`bristol.ensembles`."""
from __future__ import annotations

import random
from collections.abc import Sequence

import numpy as np

from .._validation import check_choice, check_int
from ..ensembles._haar import ENSEMBLE_BETA, coe, cse, cue, kramers_phases, unitary_eigphases
from ..ensembles._jobs import circular_ensemble_eigphases

__all__ = ["Circular"]


def _legacy_random_state(set_seed: bool, seed: int) -> int | None:
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
