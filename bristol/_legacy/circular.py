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

    New code should use :func:`bristol.ensembles.cue`, :func:`~bristol.ensembles.coe`,
    :func:`~bristol.ensembles.cse` and :func:`~bristol.ensembles.circular_ensemble_eigphases`.

    Notes
    -----
    Differences from 0.2.14: the matrices are Haar-exact (0.2.14's were not, and its COE/CSE
    were not even unitary; docs/theory.md, sections 1.1-1.4); ``set_seed=False`` draws fresh
    entropy without touching the global numpy state; CSE eigenvalue functions return the N
    distinct eigenvalues; the chunks of :meth:`eigen_circular_ensemble` are independent
    streams of distinct matrices.

    References
    ----------
    .. [1] F. Mezzadri, "How to generate random matrices from the classical compact groups",
       Notices of the AMS 54, 592-604 (2007).

    Examples
    --------
    >>> c = Circular()
    >>> u = c.gen_cue(4, set_seed=True, seed=1)
    >>> u.shape, bool(np.allclose(u @ u.conj().T, np.eye(4)))
    ((4, 4), True)
    >>> c.eigen_circular(3, ensemble="CSE", set_seed=True, seed=1).shape
    (3,)
    """

    ensembles = tuple(ENSEMBLE_BETA)

    def unit_anti(self, N: int = 2, adir: str = "lower") -> np.ndarray:
        """N x N antisymmetric unit matrix.

        Parameters
        ----------
        N : int, default 2
            Size.
        adir : {"lower", "upper"}, default "lower"
            ``"lower"``: +1 above and -1 below the diagonal; ``"upper"``: the transpose.

        Returns
        -------
        numpy.ndarray
            (N, N) float64 with a zero diagonal.

        Raises
        ------
        ValueError
            ``N`` < 1 or an unknown ``adir``.
        TypeError
            ``N`` is not an integer.

        Examples
        --------
        >>> Circular().unit_anti(2).tolist()
        [[0.0, 1.0], [-1.0, 0.0]]
        """
        N = check_int("N", N)
        z = np.triu(np.ones((N, N)), 1) - np.tril(np.ones((N, N)), -1)
        return z if _check_adir(adir) == "lower" else -z

    def unit_symplectic(self, N: int, adir: str = "lower") -> np.ndarray:
        """2N x 2N matrix Z = I_N (x) unit_anti(2, adir), integers.

        Parameters
        ----------
        N : int
            Number of 2 x 2 blocks.
        adir : {"lower", "upper"}, default "lower"
            Orientation of the blocks (:meth:`unit_anti`).

        Returns
        -------
        numpy.ndarray
            (2N, 2N) integer matrix.

        Raises
        ------
        ValueError
            ``N`` < 1 or an unknown ``adir``.

        Examples
        --------
        >>> Circular().unit_symplectic(2)[:2].tolist()
        [[0, 1, 0, 0], [-1, 0, 0, 0]]
        """
        N = check_int("N", N)
        return np.kron(np.eye(N), self.unit_anti(2, adir)).astype(int)

    def gen_cue(self, N: int, set_seed: bool = False, seed: int = 42391) -> np.ndarray:
        """One N x N Haar unitary (CUE).

        Parameters
        ----------
        N : int
            Matrix size.
        set_seed : bool, default False
            Use ``seed``; otherwise fresh entropy (the global numpy state is not touched).
        seed : int, default 42391
            Non-negative seed, used only when ``set_seed`` is True.

        Returns
        -------
        numpy.ndarray
            (N, N) complex128 unitary.

        Raises
        ------
        ValueError
            ``N`` < 1 or a negative ``seed``.
        TypeError
            ``N`` or ``seed`` is not an integer.

        Examples
        --------
        >>> u = Circular().gen_cue(3, set_seed=True, seed=7)
        >>> bool(np.allclose(u.conj().T @ u, np.eye(3)))
        True
        """
        return cue(N, random_state=_legacy_random_state(set_seed, seed))

    def gen_coe(self, N: int, set_seed: bool = False, seed: int = 42391) -> np.ndarray:
        """One N x N COE matrix U^T U, U Haar unitary.

        Parameters
        ----------
        N : int
            Matrix size.
        set_seed : bool, default False
            Use ``seed``; otherwise fresh entropy (the global numpy state is not touched).
        seed : int, default 42391
            Non-negative seed, used only when ``set_seed`` is True.

        Returns
        -------
        numpy.ndarray
            (N, N) complex128 symmetric unitary.

        Raises
        ------
        ValueError
            ``N`` < 1 or a negative ``seed``.
        TypeError
            ``N`` or ``seed`` is not an integer.

        Examples
        --------
        >>> m = Circular().gen_coe(3, set_seed=True, seed=7)
        >>> bool(np.allclose(m, m.T))
        True
        """
        return coe(N, random_state=_legacy_random_state(set_seed, seed))

    def gen_cse(self, N: int, set_seed: bool = False, seed: int = 42391, adir: str = "lower") -> np.ndarray:
        """One 2N x 2N CSE matrix Z U^T Z^T U, U a 2N x 2N Haar unitary.

        Parameters
        ----------
        N : int
            Matrix size (half the matrix's).
        set_seed : bool, default False
            Use ``seed``; otherwise fresh entropy (the global numpy state is not touched).
        seed : int, default 42391
            Non-negative seed, used only when ``set_seed`` is True.
        adir : {"lower", "upper"}, default "lower"
            ``"upper"`` uses Z^T in place of Z, which gives the same matrix (Z^T = -Z and Z
            enters twice).

        Returns
        -------
        numpy.ndarray
            (2N, 2N) complex128 self-dual unitary.

        Raises
        ------
        ValueError
            ``N`` < 1 or a negative ``seed``, or an unknown ``adir``.
        TypeError
            ``N`` or ``seed`` is not an integer.

        Examples
        --------
        >>> Circular().gen_cse(2, set_seed=True, seed=7).shape
        (4, 4)
        """
        _check_adir(adir)
        return cse(N, random_state=_legacy_random_state(set_seed, seed))

    def eigen_circular(
        self, N: int, ensemble: str = "CUE", set_seed: bool = False, seed: int = 42391, adir: str = "lower"
    ) -> np.ndarray:
        """Eigenvalues of one dense matrix of the ensemble, ordered by phase.

        Parameters
        ----------
        N : int
            Matrix size (for CSE, half the size of the 2N x 2N matrix).
        ensemble : {"CUE", "COE", "CSE"}, default "CUE"
            The ensemble (case-insensitive).
        set_seed, seed
            As in :meth:`gen_cue`.
        adir : {"lower", "upper"}, default "lower"
            As in :meth:`gen_cse`.

        Returns
        -------
        numpy.ndarray
            N complex eigenvalues on the unit circle, by increasing phase; for CSE the N
            distinct eigenvalues of the 2N x 2N matrix (each is doubly degenerate).

        Raises
        ------
        ValueError
            An unknown ``ensemble`` or ``adir``, ``N`` < 1 or a negative ``seed``.

        Examples
        --------
        >>> z = Circular().eigen_circular(5, ensemble="COE", set_seed=True, seed=3)
        >>> z.shape, bool(np.allclose(np.abs(z), 1))
        ((5,), True)
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

        Parameters
        ----------
        N : int
            Matrix size (distinct eigenvalues per matrix).
        cSize : int, default 100
            Matrices per chunk.
        nchunks : int, default 4
            Number of chunks.
        ensemble : {"CUE", "COE", "CSE"}, default "CUE"
            The ensemble (case-insensitive).
        adir : {"lower", "upper"}, default "lower"
            Kept from 0.2.14 (checked, no effect on the spectra).
        seeds : sequence of int, default ()
            One non-negative integer per chunk; when empty, distinct fresh ones are drawn
            and reported. A seed given twice makes two identical chunks and a UserWarning.
        parallel : bool, default True
            Run the chunks through joblib (at most one worker per chunk and per CPU); the
            values are exactly those of ``parallel=False``.

        Returns
        -------
        dict
            ``local_seeds`` (the seeds used), ``c_eigen`` (flat, N eigenvalues per matrix,
            matrix after matrix), ``matrix_size`` and ``number_of_matrices``.

        Raises
        ------
        ValueError
            ``len(seeds) != nchunks``, an unknown ``ensemble`` or ``adir``, a size < 1.
        TypeError
            A size or seed that is not an integer.

        Notes
        -----
        The eigenphases come from :func:`bristol.ensembles.circular_ensemble_eigphases`
        (the CMV model of Killip and Nenciu [1]_ for large N; docs/theory.md, section 2).

        References
        ----------
        .. [1] R. Killip, I. Nenciu, "Matrix models for circular ensembles", International
           Mathematics Research Notices 2004(50), 2665-2701 (2004).

        Examples
        --------
        >>> out = Circular().eigen_circular_ensemble(8, cSize=3, nchunks=2, seeds=[1, 2], parallel=False)
        >>> out["c_eigen"].shape, out["number_of_matrices"], out["local_seeds"]
        ((48,), 6, [1, 2])
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
