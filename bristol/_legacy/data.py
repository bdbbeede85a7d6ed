"""Data sets of circular-ensemble spectra (the bristol 0.2.14 ``Generate`` API)."""
from __future__ import annotations

from collections.abc import Sequence

from .._validation import check_choice
from ..ensembles._haar import ENSEMBLE_BETA
from .circular import Circular

__all__ = ["Generate"]


class Generate:
    """Eigenvalue data sets of the circular ensembles for several matrix sizes (bristol 0.2.14).

    Examples
    --------
    >>> data = Generate().spectra_ce(range_N=(4, 8), cSize=2, nchunks=2, seeds=(1, 2), ensemble="CUE")
    >>> sorted(data), sorted(data["CUE"]), data["CUE"]["N8"]["c_eigen"].shape
    (['CUE'], ['N4', 'N8'], (32,))
    """

    def spectra_ce(
        self,
        range_N: Sequence[int] = (64, 128),
        cSize: int = 5,
        nchunks: int = 2,
        seeds: Sequence[int] = (997123, 1091645),
        ensemble: str = "all",
        parallel: bool = False,
    ) -> dict:
        """Eigenvalues of ``nchunks * cSize`` matrices for each N in ``range_N``.

        Parameters
        ----------
        range_N : sequence of int, default (64, 128)
            Matrix sizes.
        cSize : int, default 5
            Matrices per chunk.
        nchunks : int, default 2
            Number of chunks (one independent stream each).
        seeds : sequence of int, default (997123, 1091645)
            One seed per chunk, reused for every size and ensemble.
        ensemble : {"CUE", "COE", "CSE", "all"}, default "all"
            One ensemble, or all three (case-insensitive).
        parallel : bool, default False
            Run the chunks through joblib (same values either way).

        Returns
        -------
        dict
            ``{ensemble: {"N<size>": dict of Circular.eigen_circular_ensemble}}``, each
            ensemble under its own key.

        Raises
        ------
        ValueError
            An unknown ``ensemble``, ``len(seeds) != nchunks`` or a size < 1.
        """
        choice = check_choice("ensemble", ensemble, tuple(ENSEMBLE_BETA) + ("ALL",), upper=True)
        names = tuple(ENSEMBLE_BETA) if choice == "ALL" else (choice,)
        circular = Circular()
        return {
            name: {
                f"N{n}": circular.eigen_circular_ensemble(
                    n, cSize=cSize, nchunks=nchunks, ensemble=name, seeds=seeds, parallel=parallel
                )
                for n in range_N
            }
            for name in names
        }
