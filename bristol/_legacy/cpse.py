"""bristol 0.2.14's cPSE pipeline, step by step: the functions it exposed in ``bristol.cPSE``.

:func:`get_layer_matrix_set` -> :func:`get_eigenvals_layer_matrix_set` ->
:func:`eigenvals_set_to_periodic` (:func:`list2plist` per layer) -> :func:`d_layers_pse`.
They are importable from :mod:`bristol.cPSE`, whose :func:`~bristol.cPSE.cpse_measure` and
:func:`~bristol.cPSE.cpse_measure_vanilla` compute the same in one call (``legacy=True`` for
0.2.14's exact arithmetic).
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

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


def get_layer_matrix_set(
    pmodel: Any, legacy: bool = False
) -> tuple[list[np.ndarray], list[tuple[int, ...]], list[str]]:
    """The Gram matrices A = W W^T of a model's layers, their shapes and the layer types.

    Parameters
    ----------
    pmodel : torch.nn.Module, str, os.PathLike or mapping
        The model, resolved by :func:`bristol.cPSE.resolve_model` (files read as weights only).
    legacy : bool, default False
        bristol 0.2.14's selection and float32 arithmetic; default: the layer policy of
        :func:`bristol.cPSE.extract_layer_matrices` in float64 (complex128, with the
        Hermitian Gram W W^H, for complex weights).

    Returns
    -------
    A_set : list of numpy.ndarray
        The Gram matrices.
    A_set_N : list of tuple
        Their shapes.
    A_set_types : list of str
        The layer types.

    Raises
    ------
    ImportError
        torch is not installed.
    ValueError, TypeError
        As :func:`bristol.cPSE.extract_layer_matrices` (unreadable or non-finite weights).

    Examples
    --------
    >>> import torch
    >>> model = torch.nn.Sequential(torch.nn.Linear(3, 5), torch.nn.Linear(5, 2))
    >>> A_set, A_set_N, A_set_types = get_layer_matrix_set(model)
    >>> A_set_N
    [(5, 5), (2, 2)]
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


def get_eigenvals_layer_matrix_set(A_set: Sequence[ArrayLike], legacy: bool = False) -> list[np.ndarray]:
    """Eigenvalues of A A^H for every matrix A of ``A_set`` (n values for an n x m matrix).

    Parameters
    ----------
    A_set : sequence of array_like
        The matrices.
    legacy : bool, default False
        ``np.linalg.eigvals(A @ A.T)`` in the dtype and output order of bristol 0.2.14
        (complex A refused, other dtypes converted as :func:`bristol.cPSE.cpse_measure_vanilla`
        does); default: a Hermitian solver on the smaller Gram matrix in float64 (complex128
        for complex A), with exact power-of-two scaling
        (:func:`bristol.cPSE._pse.gram_spectra`).

    Returns
    -------
    list of numpy.ndarray
        Per matrix, its n eigenvalues: descending float64 by default; in the solver's order
        and the matrix's dtype (possibly complex) with ``legacy=True``.

    Raises
    ------
    TypeError
        A non-numeric matrix.
    ValueError
        NaN / Inf, a wrong rank, or a spectrum outside the normal float64 range (legacy: an
        A @ A.T that overflows its dtype); the message names ``A_set[i]``.

    Examples
    --------
    >>> [v.tolist() for v in get_eigenvals_layer_matrix_set([np.diag([1.0, 3.0])])]
    [[9.0, 1.0]]
    """
    mats = _check_matrices(A_set, legacy, name="A_set")
    labels = [f"A_set[{i}]" for i in range(len(mats))]
    if legacy:
        return _legacy_eigenvalues(mats, labels)
    return gram_spectra(mats, power=1, labels=labels)


def list2plist(lst: ArrayLike, upper_bound: int) -> list[Any]:
    """The absolute values of ``lst`` cycled to ``upper_bound`` entries (bristol 0.2.14).

    Parameters
    ----------
    lst : array_like
        Eigenvalues of one layer: a complex64 value contributes ``|real part|``, any other value
        its absolute value (0.2.14's semantics).
    upper_bound : int
        Length of the result (the largest layer's count).

    Returns
    -------
    list
        ``upper_bound`` values: ``|lst|`` repeated periodically (:mod:`bristol.periodic`).

    Examples
    --------
    >>> [float(x) for x in list2plist([1.0, -2.0, 3.0], 7)]
    [1.0, 2.0, 3.0, 1.0, 2.0, 3.0, 1.0]
    """
    return list(periodic_extension([legacy_magnitudes(lst)], upper_bound)[0])


def eigenvals_set_to_periodic(layer_eigens: Sequence[Sequence[Any] | np.ndarray]) -> list[list[Any]]:
    """Every layer's eigenvalues cycled (:func:`list2plist`) to the largest layer's count.

    Parameters
    ----------
    layer_eigens : sequence of array_like
        The eigenvalues of each layer.

    Returns
    -------
    list of list
        One list per layer, each as long as the longest input.

    Raises
    ------
    ValueError
        ``layer_eigens`` is empty.

    Examples
    --------
    >>> [len(p) for p in eigenvals_set_to_periodic([[1.0, 2.0], [1.0, 2.0, 3.0, 4.0]])]
    [4, 4]
    """
    if len(layer_eigens) == 0:
        raise ValueError("layer_eigens must not be empty")
    upper = max(len(e) for e in layer_eigens)
    return [list2plist(e, upper) for e in layer_eigens]


def d_layers_pse(eset_per: ArrayLike) -> list[float]:
    """d_l = D(Omega_l, Omega_{l+1}) for l = 1 .. L - 2 from the periodic set of L layers.

    Parameters
    ----------
    eset_per : sequence of sequence of float
        The periodic spectra (:func:`eigenvals_set_to_periodic`), L >= 3 lists of one length.

    Returns
    -------
    list of float
        The L - 2 values d_l (nothing is printed, unlike 0.2.14).

    Raises
    ------
    TypeError, ValueError
        As :func:`bristol.cPSE._pse.d_layers` (non-real or non-finite values, fewer than 3
        layers).

    Notes
    -----
    D is the symmetric Kullback-Leibler distance of the Thirumalai-Mountain metrics of the
    first l and l + 1 layers (docs/theory.md, section 5.2) [1]_.

    References
    ----------
    .. [1] M. Suezen, "Periodic spectral ergodicity: a complexity measure for deep neural
       networks and neural architecture search", arXiv:1911.07831 (2019).

    Examples
    --------
    >>> rng = np.random.default_rng(1)
    >>> len(d_layers_pse(eigenvals_set_to_periodic([rng.random(8), rng.random(16), rng.random(16)])))
    1
    """
    return _d_layers(np.array(eset_per)).tolist()


