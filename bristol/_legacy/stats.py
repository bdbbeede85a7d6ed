"""Small statistics helpers (the bristol 0.2.14 ``histogram`` API)."""
from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from .._validation import check_finite_array

__all__ = ["histogram", "freedman_diaconis_width"]


def freedman_diaconis_width(x: ArrayLike) -> float:
    """Freedman-Diaconis histogram bin width h = 2 IQR(x) n^(-1/3).

    Parameters
    ----------
    x : array_like
        1-D finite sample of n values.

    Returns
    -------
    float
        The bin width (0 when the interquartile range is 0).

    Raises
    ------
    ValueError
        ``x`` is empty, not 1-D, or holds NaN / Inf.

    References
    ----------
    .. [1] D. Freedman, P. Diaconis, "On the histogram as a density estimator: L2 theory",
       Zeitschrift fuer Wahrscheinlichkeitstheorie und verwandte Gebiete 57, 453-476 (1981).

    Examples
    --------
    >>> freedman_diaconis_width(np.arange(8.0))
    3.5
    """
    x = check_finite_array("x", x, ndim=1, dtype=float)
    q75, q25 = np.percentile(x, [75, 25])
    return float(2.0 * (q75 - q25) * x.size ** (-1.0 / 3.0))


class histogram:  # noqa: N801 (name kept from bristol 0.2.14)
    """Histogram helpers kept from bristol 0.2.14.

    Examples
    --------
    >>> histogram().h_freedman_diaconis([1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0])
    3.5
    """

    def h_freedman_diaconis(self, x: ArrayLike) -> float:
        """Freedman-Diaconis bin width of the 1-D array ``x`` (see :func:`freedman_diaconis_width`).

        Parameters
        ----------
        x : array_like
            1-D finite sample.

        Returns
        -------
        float
            2 IQR(x) n^(-1/3).

        Raises
        ------
        ValueError
            ``x`` is empty, not 1-D, or holds NaN / Inf.
        """
        return freedman_diaconis_width(x)
