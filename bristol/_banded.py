"""Banded matrices stored by their diagonals, shared by the CMV solver
(:mod:`bristol.ensembles._cmv`) and its torch path (:mod:`bristol.ensembles._device`).

A banded matrix C of order n is stored as a dict ``{k: d_k}`` of its diagonals,
``d_k[..., i] = C[..., i, i + k]`` of length n - |k| (leading axes: a batch).
"""
from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

__all__ = ["matrix_from_diagonals"]


def matrix_from_diagonals(diags: dict[int, np.ndarray]) -> NDArray[np.complex128]:
    """Dense (batched) complex matrix with the given diagonals {offset k: C[..., i, i + k]}.

    Parameters
    ----------
    diags : dict of int to ndarray
        The diagonals; ``diags[0]`` (shape ``(..., n)``) fixes the batch shape and the order n.

    Returns
    -------
    ndarray, complex, shape ``(..., n, n)``
        Zero outside the given diagonals.

    Examples
    --------
    >>> import numpy as np
    >>> from bristol._banded import matrix_from_diagonals
    >>> matrix_from_diagonals({0: np.array([1.0, 2.0, 3.0]), 1: np.array([4.0, 5.0])}).real
    array([[1., 4., 0.],
           [0., 2., 5.],
           [0., 0., 3.]])
    """
    main = diags[0]
    n = main.shape[-1]
    c = np.zeros(main.shape[:-1] + (n, n), dtype=complex)
    for k, values in diags.items():
        if n > abs(k):
            rows = np.arange(max(0, -k), n - max(0, k))
            c[..., rows, rows + k] = values
    return c
