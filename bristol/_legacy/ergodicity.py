"""bristol 0.2.14's ``Ergodicity`` class: its names and signatures over :mod:`bristol.spectral`."""
from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from .._validation import check_int
from ..spectral._ergodicity import (
    KL_SHIFT,
    as_ensemble,
    consecutive_distances,
    spectral_density,
    symmetric_kl_distance,
    thirumalai_mountain,
)

__all__ = ["Ergodicity"]

#: Below this sum of |imaginary parts| an eigenvalue array counts as real (bristol 0.2.14's rule).
REAL_TOLERANCE = 1e-9


def _legacy_kind(c_eigen: np.ndarray) -> str:
    """'phase' for complex eigenvalues, 'real' when sum |imag| < 1e-9 (as bristol 0.2.14)."""
    if np.iscomplexobj(c_eigen) and np.sum(np.abs(c_eigen.imag)) >= REAL_TOLERANCE:
        return "phase"
    return "real"


def _legacy_ensemble(c_eigen, ensemble_size: int, N: int, name: str = "c_eigen") -> tuple:
    arr = as_ensemble(c_eigen, ensemble_size, N, name)
    kind = _legacy_kind(arr)
    return (np.angle(arr) if kind == "phase" else arr.real), kind


class Ergodicity:
    """The bristol 0.2.14 spectral-ergodicity interface (arXiv:1704.08303).

    Eigenvalues come flat, matrix after matrix (``ensemble_size * N`` values), as
    ``Circular.eigen_circular_ensemble`` returns them, or as an (ensemble_size, N) array; any
    other shape (a transposed or 3-D array) is a ValueError, never reshaped. Complex eigenvalues are binned by
    phase on a grid covering the whole circle; real ones as bristol 0.2.14 does (numpy's 10
    default bins over each array's own range) unless ``real_grid="common"``.
    """

    def spectral_density(self, c_eigen, ensemble_size: int, N: int, delta_rad: float = 0.2,
                         real_grid: str = "own") -> np.ndarray:
        """(B, 2) array: bin centres, and counts of all eigenvalues divided by ensemble_size."""
        arr, kind = _legacy_ensemble(c_eigen, ensemble_size, N)
        return spectral_density(arr, kind=kind, delta_rad=delta_rad, real_grid=real_grid)

    def thirumalai_mountain(self, c_eigen_ensemble, ensemble_size: int, N: int, delta_rad: float = 0.2,
                            real_grid: str = "own") -> np.ndarray:
        """Omega(b) = (1/(M N)) sum_i (n_i(b) - rho(b))^2 for M = ensemble_size matrices."""
        arr, kind = _legacy_ensemble(c_eigen_ensemble, ensemble_size, N, "c_eigen_ensemble")
        return thirumalai_mountain(arr, kind=kind, delta_rad=delta_rad, real_grid=real_grid)

    def kl_distance_symmetric(self, Nk, Nk_minus, shift: float = KL_SHIFT) -> float:
        """Symmetric KL distance in base 2 with the shift inside the logarithm."""
        return symmetric_kl_distance(Nk, Nk_minus, shift)

    def approach_se(self, Ns: Sequence[int], ensemble_size: int, eigen_data: Mapping[str, dict],
                    delta_rad: float = 0.2) -> list:
        """[D_se(N_1, N_0), D_se(N_2, N_1), ...] from ``eigen_data["N<size>"]["c_eigen"]``."""
        if not isinstance(eigen_data, Mapping):
            raise TypeError(
                f"eigen_data must be a mapping {{'N<size>': {{'c_eigen': ...}}}}, got {type(eigen_data).__name__}"
            )
        if isinstance(Ns, (str, bytes)) or not isinstance(Ns, (Sequence, np.ndarray)):
            raise TypeError(f"Ns must be a sequence of matrix sizes, got {Ns!r}")
        Ns = [check_int("Ns", n) for n in Ns]
        if len(Ns) < 2:
            raise ValueError(f"Ns must list at least two matrix sizes, got {Ns}")
        omegas = []
        for n in Ns:
            key = f"N{n}"
            if key not in eigen_data:
                raise ValueError(f"eigen_data has no entry {key!r} for the size {n} in Ns")
            entry = eigen_data[key]
            if not isinstance(entry, Mapping) or "c_eigen" not in entry:
                raise ValueError(f"eigen_data[{key!r}] must be a mapping with the key 'c_eigen' (the flat eigenvalues)")
            omegas.append(self.thirumalai_mountain(entry["c_eigen"], ensemble_size, n, delta_rad))
        return consecutive_distances(omegas).tolist()
