"""Periodic extension of spectra to a common length (cPSE, mixed ensembles).

A list of n values is extended to length U by cycling it: [a, b, c] -> [a, b, c, a, b, c, a, b]
for U = 8. Which values get repeated depends on the order of the list when U is not a
multiple of n, so the order is an explicit choice (theory.md 5.2-5.3):

* "descending" / "ascending": sorted, a function of the spectrum alone;
* "solver": as given (e.g. the order in which LAPACK's general solver returns them, which
  bristol 0.2.14 and the mixed-ensemble notebook used);
* "random": a uniformly random permutation from an explicit ``random_state``.
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ._random import RandomState, as_generator
from ._validation import check_choice, check_int, check_memory

__all__ = ["ORDERS", "order_values", "periodic_extension"]

ORDERS = ("descending", "ascending", "solver", "random")


def order_values(values: np.ndarray, order: str = "descending", random_state: RandomState = None) -> np.ndarray:
    """Return the 1-D ``values`` in the requested order (see the module docstring)."""
    order = check_choice("order", order, ORDERS)
    values = np.asarray(values)
    if order == "descending":
        return np.sort(values)[::-1]
    if order == "ascending":
        return np.sort(values)
    if order == "random":
        return as_generator(random_state).permutation(values)
    return values


def periodic_extension(spectra: Sequence[np.ndarray], length: int | None = None) -> np.ndarray:
    """Cycle every 1-D spectrum to ``length`` values (default: the longest one's length).

    Returns an (L, length) array in the common dtype of the inputs; row l is spectrum l
    repeated periodically (``np.resize`` semantics), in the order given. Memory: the output,
    L * length values; a size beyond the machine's memory is refused with a ValueError.
    """
    spectra = [np.asarray(s).ravel() for s in spectra]
    if not spectra:
        raise ValueError("spectra must not be empty")
    if any(s.size == 0 for s in spectra):
        raise ValueError("every spectrum must hold at least one value")
    longest = max(s.size for s in spectra)
    length = longest if length is None else check_int("length", length)
    dtype = np.result_type(*spectra)
    check_memory("the periodic spectra", len(spectra) * length * dtype.itemsize)
    out = np.empty((len(spectra), length), dtype=dtype)
    for row, s in zip(out, spectra):
        row[:] = s[np.arange(length) % s.size]
    return out
