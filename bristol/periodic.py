"""Periodic extension of spectra to a common length (cPSE, mixed ensembles).

A list of n values is extended to length U by cycling it: [a, b, c] -> [a, b, c, a, b, c, a, b]
for U = 8. Which values get repeated depends on the order of the list when U is not a
multiple of n, so the order is an explicit choice (docs/theory.md, sections 5.2-5.3):

* "descending" / "ascending": sorted, a function of the spectrum alone;
* "solver": as given (e.g. the order in which LAPACK's general solver returns them, which
  bristol 0.2.14 and the mixed-ensemble notebook used);
* "random": a uniformly random permutation from an explicit ``random_state``.

Both the cPSE measure (Suezen, arXiv:1911.07831), which extends the spectra of layers of
different widths, and the mixed ensembles (Suezen, hal-03464130) use it.
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ._random import RandomState, as_generator
from ._validation import check_choice, check_int, check_memory

__all__ = ["ORDERS", "order_values", "periodic_extension"]

#: The orders accepted by :func:`order_values` (see the module docstring).
ORDERS = ("descending", "ascending", "solver", "random")


def order_values(values: ArrayLike, order: str = "descending", random_state: RandomState = None) -> NDArray:
    """Return the 1-D ``values`` in the requested order, before a periodic extension.

    Parameters
    ----------
    values : array_like, shape (n,)
        The values (a spectrum).
    order : {"descending", "ascending", "solver", "random"}, default "descending"
        Sorted (descending or ascending), as given ("solver"), or a uniformly random
        permutation ("random").
    random_state : None, int, numpy.random.SeedSequence or numpy.random.Generator, optional
        The source of the permutation for ``order="random"`` (a fixed seed gives a fixed
        order); unused otherwise.

    Returns
    -------
    ndarray, shape (n,)
        The values in that order (for "solver", ``values`` itself as an array).

    Raises
    ------
    TypeError
        If ``order`` is not a string, or ``random_state`` is not one of the accepted types.
    ValueError
        If ``order`` is not one of ``ORDERS``.

    Notes
    -----
    When the extended length is not a multiple of n, the order decides which values are
    repeated, so it changes the measure: docs/theory.md, sections 5.2-5.3.

    References
    ----------
    * M. Suezen, "Periodic spectral ergodicity: a complexity measure for deep neural networks
      and neural architecture search", arXiv:1911.07831 (2019).
    * M. Suezen, "Empirical deviations of semicircle law in mixed-matrix ensembles",
      hal-03464130 (2021).

    Examples
    --------
    >>> import numpy as np
    >>> from bristol.periodic import order_values
    >>> order_values([2.0, 3.0, 1.0])
    array([3., 2., 1.])
    >>> order_values([2.0, 3.0, 1.0], "solver")
    array([2., 3., 1.])
    >>> np.sort(order_values([2.0, 3.0, 1.0], "random", random_state=0))
    array([1., 2., 3.])
    """
    order = check_choice("order", order, ORDERS)
    arr = np.asarray(values)
    if order == "descending":
        return np.sort(arr)[::-1]
    if order == "ascending":
        return np.sort(arr)
    if order == "random":
        return as_generator(random_state).permutation(arr)
    return arr


def periodic_extension(spectra: Sequence[ArrayLike], length: int | None = None) -> NDArray:
    """Cycle every spectrum to a common ``length``.

    Parameters
    ----------
    spectra : sequence of array_like
        L non-empty spectra (each flattened to 1-D), in the order their values should be
        repeated (see :func:`order_values`).
    length : int, optional
        The common length (>= 1); default the longest spectrum's length.

    Returns
    -------
    ndarray, shape (L, length)
        Row l is spectrum l repeated periodically (``np.resize`` semantics), in the common
        dtype of the inputs.

    Raises
    ------
    TypeError
        If ``length`` is not an integer.
    ValueError
        If ``spectra`` or one of them is empty, ``length`` < 1, or the output does not fit in
        the machine's memory (L * length values).

    Notes
    -----
    Value j of the extension of a spectrum of n values is its value j mod n
    (docs/theory.md, section 5.2).

    References
    ----------
    * M. Suezen, "Periodic spectral ergodicity: a complexity measure for deep neural networks
      and neural architecture search", arXiv:1911.07831 (2019).

    Examples
    --------
    >>> from bristol.periodic import periodic_extension
    >>> periodic_extension([[1.0, 2.0, 3.0], [4.0, 5.0]], 8)
    array([[1., 2., 3., 1., 2., 3., 1., 2.],
           [4., 5., 4., 5., 4., 5., 4., 5.]])
    >>> periodic_extension([[1, 2, 3], [4, 5]]).shape
    (2, 3)
    """
    rows = [np.asarray(s).ravel() for s in spectra]
    if not rows:
        raise ValueError("spectra must not be empty")
    if any(s.size == 0 for s in rows):
        raise ValueError("every spectrum must hold at least one value")
    longest = max(s.size for s in rows)
    length = longest if length is None else check_int("length", length)
    dtype = np.result_type(*rows)
    check_memory("the periodic spectra", len(rows) * length * dtype.itemsize)
    out = np.empty((len(rows), length), dtype=dtype)
    for row, s in zip(out, rows):
        row[:] = s[np.arange(length) % s.size]
    return out
