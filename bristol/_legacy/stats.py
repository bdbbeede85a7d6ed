"""Small statistics helpers (the bristol 0.2.14 ``histogram`` API)."""
from __future__ import annotations

import numpy as np

from .._validation import check_finite_array

__all__ = ["histogram", "freedman_diaconis_width"]


def freedman_diaconis_width(x) -> float:
    """Freedman-Diaconis histogram bin width h = 2 IQR(x) n^(-1/3)."""
    x = check_finite_array("x", x, ndim=1, dtype=float)
    q75, q25 = np.percentile(x, [75, 25])
    return float(2.0 * (q75 - q25) * x.size ** (-1.0 / 3.0))


class histogram:  # noqa: N801 (name kept from bristol 0.2.14)
    """Histogram helpers kept from bristol 0.2.14."""

    def h_freedman_diaconis(self, x) -> float:
        """Freedman-Diaconis bin width of the 1-D array ``x`` (see :func:`freedman_diaconis_width`)."""
        return freedman_diaconis_width(x)
