"""Data sets of circular-ensemble spectra (the bristol 0.2.14 ``Generate`` API)."""
from __future__ import annotations

from collections.abc import Sequence

from .._validation import check_choice
from ..ensembles._haar import ENSEMBLE_BETA
from .circular import Circular

__all__ = ["Generate"]


class Generate:
    """Generate eigenvalue data sets for several matrix sizes and ensembles."""

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

        Returns ``{ensemble: {"N<size>": eigen_circular_ensemble(...) dict}}`` for 'CUE',
        'COE', 'CSE' or all three (``ensemble='all'``); each ensemble under its own key.
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
