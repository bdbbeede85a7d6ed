"""bristol 0.2.14's cPSE pipeline, step by step: the functions it exposed in ``bristol.cPSE``.

:func:`get_layer_matrix_set` -> :func:`get_eigenvals_layer_matrix_set` ->
:func:`eigenvals_set_to_periodic` (:func:`list2plist` per layer) -> :func:`d_layers_pse`.
They are importable from :mod:`bristol.cPSE`, whose :func:`~bristol.cPSE.cpse_measure` and
:func:`~bristol.cPSE.cpse_measure_vanilla` compute the same in one call (``legacy=True`` for
0.2.14's exact arithmetic).
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..cPSE._layers import extract_layer_matrices, legacy_weight_matrices
from ..cPSE._loading import resolve_model
from ..cPSE._pse import d_layers as _d_layers
from ..cPSE._pse import gram_spectra
from ..cPSE._report import _as_numpy, _check_matrices, _legacy_eigenvalues, legacy_magnitudes
from ..periodic import periodic_extension

__all__ = [
    "get_layer_matrix_set",
    "get_eigenvals_layer_matrix_set",
    "list2plist",
    "eigenvals_set_to_periodic",
    "d_layers_pse",
]


def get_layer_matrix_set(pmodel, legacy: bool = False) -> tuple[list, list, list]:
    """(A_set, A_set_N, A_set_types): the Gram matrices A = W W^T of the model's layers,
    their shapes and the layer types, as bristol 0.2.14 returns them.

    Default: the layer policy of :mod:`bristol.cPSE._layers`, float64 (complex128, with the
    Hermitian Gram W W^H, for complex weights). ``legacy=True``: 0.2.14's selection and
    float32 arithmetic. ``pmodel`` is resolved by :func:`bristol.cPSE.resolve_model`
    (files are read as weights only).
    """
    model = resolve_model(pmodel)
    if legacy:
        weights, types = legacy_weight_matrices(model, with_types=True)
        grams = [np.matmul(w, w.T) for w in weights]
    else:
        mats, _ = extract_layer_matrices(model)
        grams = [w @ w.conj().T for w in (_as_numpy(m.matrix) for m in mats)]
        types = [m.layer_type for m in mats]
    return grams, [a.shape for a in grams], types


def get_eigenvals_layer_matrix_set(A_set: Sequence, legacy: bool = False) -> list[np.ndarray]:
    """Eigenvalues of A A^H for every matrix A of ``A_set`` (n values for an n x m matrix).

    Default: Hermitian solver on the smaller Gram matrix, float64 (complex128 for complex A),
    descending, with exact power-of-two scaling (:func:`bristol.cPSE._pse.gram_spectra`).
    ``legacy=True``: ``np.linalg.eigvals(A @ A.T)`` in the dtype and output order of bristol
    0.2.14; complex A is refused there, and other dtypes are converted first (see
    :func:`cpse_measure_vanilla`). A spectrum outside the normal float64 range (or a legacy
    A @ A.T that overflows its dtype) raises a ValueError naming ``A_set[i]``.
    """
    mats = _check_matrices(A_set, legacy, name="A_set")
    labels = [f"A_set[{i}]" for i in range(len(mats))]
    if legacy:
        return _legacy_eigenvalues(mats, labels)
    return gram_spectra(mats, power=1, labels=labels)


def list2plist(lst, upper_bound: int) -> list:
    """The absolute values of ``lst`` cycled to ``upper_bound`` entries (0.2.14 semantics: a
    complex64 value contributes |real part|, any other value its absolute value)."""
    return list(periodic_extension([legacy_magnitudes(lst)], upper_bound)[0])


def eigenvals_set_to_periodic(layer_eigens: Sequence) -> list[list]:
    """Every layer's eigenvalues cycled (:func:`list2plist`) to the largest layer's count."""
    if len(layer_eigens) == 0:
        raise ValueError("layer_eigens must not be empty")
    upper = max(len(e) for e in layer_eigens)
    return [list2plist(e, upper) for e in layer_eigens]


def d_layers_pse(eset_per: Sequence) -> list:
    """d_l = D(Omega_l, Omega_{l+1}) for l = 1 .. L - 2 from the periodic set (L layers)."""
    return _d_layers(np.array(eset_per)).tolist()


