"""bristol 0.2.14's ``Ergodicity`` class: its names and signatures over :mod:`bristol.spectral`."""
from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
from numpy.typing import ArrayLike, NDArray

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

    New code should use :mod:`bristol.spectral` (:func:`~bristol.spectral.thirumalai_mountain`,
    :func:`~bristol.spectral.symmetric_kl_distance`, ...).

    Notes
    -----
    Eigenvalues come flat, matrix after matrix (``ensemble_size * N`` values), as
    :meth:`bristol.ensembles.Circular.eigen_circular_ensemble` returns them, or as an
    (ensemble_size, N) array; any other shape (a transposed or 3-D array) is a ValueError,
    never reshaped. Complex eigenvalues (sum of ``|imaginary parts|`` >= 1e-9) are binned by
    phase on a grid covering the whole circle; real ones as bristol 0.2.14 does (numpy's 10
    default bins over each array's own range) unless ``real_grid="common"``
    (docs/theory.md, section 5.1).

    References
    ----------
    .. [1] M. Suezen, C. Weber, J. J. Cerda, "Spectral ergodicity in deep learning
       architectures via surrogate random matrices", arXiv:1704.08303 (2017).

    Examples
    --------
    >>> from bristol._legacy.circular import Circular
    >>> data = Circular().eigen_circular_ensemble(16, cSize=4, nchunks=1, seeds=[5], parallel=False)
    >>> omega = Ergodicity().thirumalai_mountain(data["c_eigen"], 4, 16)
    >>> omega.ndim, bool(np.all(omega >= 0))
    (1, True)
    """

    def spectral_density(self, c_eigen: ArrayLike, ensemble_size: int, N: int, delta_rad: float = 0.2,
                         real_grid: str = "own") -> NDArray[np.float64]:
        """Histogram of all eigenvalues of an ensemble, divided by the ensemble size.

        Parameters
        ----------
        c_eigen : array_like
            ``ensemble_size * N`` eigenvalues, flat or (ensemble_size, N).
        ensemble_size : int
            Number of matrices M.
        N : int
            Eigenvalues per matrix.
        delta_rad : float, default 0.2
            Bin width in radians for complex eigenvalues (binned by phase).
        real_grid : {"own", "common"}, default "own"
            Grid of real eigenvalues (see the class notes).

        Returns
        -------
        numpy.ndarray
            (B, 2): bin centres, and counts divided by ``ensemble_size``.

        Raises
        ------
        ValueError
            ``c_eigen`` does not hold ``ensemble_size * N`` values in one of the accepted
            shapes, holds NaN / Inf, or a bad ``delta_rad`` / ``real_grid``.

        Examples
        --------
        >>> rho = Ergodicity().spectral_density(np.arange(1.0, 11.0), 2, 5)
        >>> rho.shape, float(rho[:, 1].sum())
        ((10, 2), 5.0)
        """
        arr, kind = _legacy_ensemble(c_eigen, ensemble_size, N)
        return spectral_density(arr, kind=kind, delta_rad=delta_rad, real_grid=real_grid)

    def thirumalai_mountain(self, c_eigen_ensemble: ArrayLike, ensemble_size: int, N: int, delta_rad: float = 0.2,
                            real_grid: str = "own") -> NDArray[np.float64]:
        """Thirumalai-Mountain metric of an ensemble of M = ``ensemble_size`` matrices.

        Parameters
        ----------
        c_eigen_ensemble : array_like
            ``ensemble_size * N`` eigenvalues, flat or (ensemble_size, N).
        ensemble_size : int
            Number of matrices M.
        N : int
            Eigenvalues per matrix.
        delta_rad : float, default 0.2
            Bin width in radians for complex eigenvalues.
        real_grid : {"own", "common"}, default "own"
            Grid of real eigenvalues (see the class notes).

        Returns
        -------
        numpy.ndarray
            Omega(b), one value per bin.

        Raises
        ------
        ValueError
            As :meth:`spectral_density`.

        Notes
        -----
        Omega(b) = (1 / (M N)) sum_i (n_i(b) - rho(b))^2, with n_i(b) the counts of matrix i
        and rho(b) their mean over the ensemble (docs/theory.md, section 5.1) [1]_.

        References
        ----------
        .. [1] M. Suezen, C. Weber, J. J. Cerda, "Spectral ergodicity in deep learning
           architectures via surrogate random matrices", arXiv:1704.08303 (2017).

        Examples
        --------
        >>> Ergodicity().thirumalai_mountain(np.tile(np.arange(5.0), 3), 3, 5).tolist() == [0.0] * 10
        True
        """
        arr, kind = _legacy_ensemble(c_eigen_ensemble, ensemble_size, N, "c_eigen_ensemble")
        return thirumalai_mountain(arr, kind=kind, delta_rad=delta_rad, real_grid=real_grid)

    def kl_distance_symmetric(self, Nk: ArrayLike, Nk_minus: ArrayLike, shift: float = KL_SHIFT) -> float:
        """Symmetric Kullback-Leibler distance in base 2, with the shift inside the logarithm.

        Parameters
        ----------
        Nk, Nk_minus : array_like
            Two 1-D distributions p and q of one length (e.g. consecutive metrics).
        shift : float, default KL_SHIFT
            Added inside the logarithms (bristol 0.2.14's regularisation of empty bins).

        Returns
        -------
        float
            sum_b p(b) log2((p(b) + shift) / (q(b) + shift)) + q(b) log2((q(b) + shift) /
            (p(b) + shift)) (:func:`bristol.spectral.symmetric_kl_distance`).

        Raises
        ------
        ValueError
            The inputs differ in length, are empty or hold NaN / Inf; ``shift`` is negative
            or not finite; some p + shift or q + shift is not positive.

        Examples
        --------
        >>> Ergodicity().kl_distance_symmetric([0.5, 0.5], [0.5, 0.5])
        0.0
        """
        return symmetric_kl_distance(Nk, Nk_minus, shift)

    def approach_se(self, Ns: Sequence[int], ensemble_size: int, eigen_data: Mapping[str, dict],
                    delta_rad: float = 0.2) -> list[float]:
        """Spectral ergodicity distances of consecutive matrix sizes, D_se(N_k, N_{k-1}).

        Parameters
        ----------
        Ns : sequence of int
            At least two matrix sizes, in order.
        ensemble_size : int
            Matrices per size.
        eigen_data : mapping
            ``eigen_data["N<size>"]["c_eigen"]``: the flat eigenvalues of each size (as
            :meth:`bristol.data.Generate.spectra_ce` returns them per ensemble).
        delta_rad : float, default 0.2
            Bin width in radians for complex eigenvalues.

        Returns
        -------
        list of float
            [D_se(N_1, N_0), D_se(N_2, N_1), ...], the symmetric KL distances of consecutive
            Thirumalai-Mountain metrics [1]_.

        Raises
        ------
        TypeError
            ``eigen_data`` is not a mapping or ``Ns`` not a sequence of integers.
        ValueError
            Fewer than two sizes, or a size without its ``"N<size>"`` entry holding
            ``"c_eigen"``.

        References
        ----------
        .. [1] M. Suezen, C. Weber, J. J. Cerda, "Spectral ergodicity in deep learning
           architectures via surrogate random matrices", arXiv:1704.08303 (2017).

        Examples
        --------
        >>> rng = np.random.default_rng(0)
        >>> data = {f"N{n}": {"c_eigen": rng.standard_normal(4 * n)} for n in (8, 16, 32)}
        >>> len(Ergodicity().approach_se([8, 16, 32], 4, data))
        2
        """
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
