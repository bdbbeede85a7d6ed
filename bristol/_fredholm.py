r"""Tracy-Widom distributions from Fredholm determinants (Bornemann's quadrature method).

Private helper of :mod:`bristol.theory` (docs/theory.md, section 9). The determinants are
discretised by Gauss-Legendre quadrature on a finite interval (Nystrom method), which
converges exponentially for the analytic Airy kernels (Bornemann 2010):

* :math:`F_2(s) = \det(I - K_{\mathrm{Ai}})` on :math:`L^2(s, \infty)`,
  :math:`K_{\mathrm{Ai}}(x, y) = (\mathrm{Ai}(x)\mathrm{Ai}'(y) - \mathrm{Ai}'(x)\mathrm{Ai}(y))/(x - y)`;
* :math:`F_1(s) = E_+(s)` and :math:`F_4(s) = (E_+(\sqrt{2} s) + E_-(\sqrt{2} s))/2`, with
  :math:`E_\pm(s) = \det(I \mp K_1)` on :math:`L^2(s, \infty)`,
  :math:`K_1(x, y) = \mathrm{Ai}((x + y)/2)/2`.

The density is the derivative of the determinant by Jacobi's formula: both kernels depend on s
only through a shift, so :math:`\frac{d}{ds}\det(I - K_s) = \det(I - K_s)\,
\mathrm{tr}((I - K_s)^{-1} (\partial_x + \partial_y) K)`, with
:math:`(\partial_x + \partial_y) K_{\mathrm{Ai}} = -\mathrm{Ai}(x)\mathrm{Ai}(y)` and
:math:`(\partial_x + \partial_y) K_1 = \mathrm{Ai}'((x + y)/2)/2`.
"""
from __future__ import annotations

from typing import Any

import numpy as np
from numpy.polynomial.legendre import leggauss
from numpy.typing import NDArray
from scipy.special import airy
from scipy.stats import rv_continuous

from ._random import RandomState, as_generator

__all__ = ["TracyWidomDistribution", "S_MIN", "S_MAX"]

#: Below S_MIN every F_beta is < 1e-120 and is returned as 0; above S_MAX, 1 - F_beta < 1e-40 (returned as 1).
S_MIN = -25.0
S_MAX = 40.0
#: Gauss-Legendre nodes in s for the moments (the integrand decays beyond [-14, 24]).
_MOMENT_NODES = 120
_MOMENT_RANGE = (-14.0, 24.0)
_SQRT2 = float(np.sqrt(2.0))
#: Starting points of the quantile iteration (near the medians), and its most steps (bisection needs 53).
_MEDIAN_GUESS = {1: -1.27, 2: -1.80, 4: -2.33}
_PPF_MAX_STEPS = 200


def _airy_determinant(s: float, kernel: str, sign: int) -> tuple[float, float]:
    """``(D(s), D'(s))`` for :math:`D(s) = \\det(I - sign \\cdot K)` on :math:`L^2(s, \\infty)`.

    ``kernel`` is ``"airy"`` (:math:`K_{Ai}`) or ``"goe"`` (:math:`K_1`). The interval is cut
    where the kernel is below 1e-16: :math:`K_{Ai}(x, \\cdot)` decays like Ai(x), but
    :math:`K_1(x, y)` like Ai((x + y)/2), so for :math:`K_1` the cut must pass 28 - s.
    """
    upper = max(16.0, s + 8.0) if kernel == "airy" else max(28.0 - s, s + 8.0)
    n_nodes = 16 + int(np.ceil(upper - s))
    t, w = leggauss(n_nodes)
    x = s + (t + 1) * (upper - s) / 2
    root_w = np.sqrt(w * (upper - s) / 2)
    if kernel == "airy":
        ai, aip, _, _ = airy(x)
        diff = x[:, None] - x[None, :]
        np.fill_diagonal(diff, 1.0)
        k = (ai[:, None] * aip[None, :] - aip[:, None] * ai[None, :]) / diff
        np.fill_diagonal(k, aip**2 - x * ai**2)
        dk = -np.outer(ai, ai)
    else:
        ai2, aip2, _, _ = airy((x[:, None] + x[None, :]) / 2)
        k, dk = ai2 / 2, aip2 / 2
    weights = root_w[:, None] * root_w[None, :]
    a = np.eye(n_nodes) - sign * weights * k
    det = float(np.linalg.det(a))
    derivative = det * float(np.trace(np.linalg.solve(a, -sign * weights * dk)))
    return det, derivative


def cdf_pdf(s: float, beta: int) -> tuple[float, float]:
    """``(F_beta(s), F_beta'(s))`` at one real ``s`` for beta in {1, 2, 4} (Bornemann's scaling of F_4)."""
    if s < S_MIN:
        return 0.0, 0.0
    if s > S_MAX:
        return 1.0, 0.0
    if beta == 2:
        return _airy_determinant(s, "airy", 1)
    if beta == 1:
        return _airy_determinant(s, "goe", 1)
    plus, d_plus = _airy_determinant(_SQRT2 * s, "goe", 1)
    minus, d_minus = _airy_determinant(_SQRT2 * s, "goe", -1)
    return (plus + minus) / 2, _SQRT2 * (d_plus + d_minus) / 2


class TracyWidomDistribution(rv_continuous):
    """The Tracy-Widom law F_beta (beta = 1, 2, 4) as a scipy.stats continuous distribution.

    Built by :func:`bristol.theory.tracy_widom`, which documents it.
    """

    def __init__(self, beta: int = 2, **kwargs: object) -> None:
        kwargs.setdefault("name", f"tracy_widom_{beta}")
        super().__init__(**kwargs)
        self.beta = beta
        self._moments: tuple[float, float, float, float] | None = None

    def _updated_ctor_param(self) -> dict[str, object]:
        params: dict[str, object] = super()._updated_ctor_param()
        params["beta"] = self.beta
        return params

    def _cdf(self, x: NDArray[np.float64]) -> NDArray[np.float64]:
        values = np.vectorize(lambda s: cdf_pdf(s, self.beta)[0], otypes=[float])(x)
        return np.clip(values, 0.0, 1.0)  # the determinant's rounding (< 1e-15) stays inside [0, 1]

    def _pdf(self, x: NDArray[np.float64]) -> NDArray[np.float64]:
        return np.clip(np.vectorize(lambda s: cdf_pdf(s, self.beta)[1], otypes=[float])(x), 0.0, None)

    def _ppf_one(self, q: float) -> float:
        """The quantile of one level q in (0, 1) by Newton's method, safeguarded by bisection.

        Newton runs on log F - log q for q <= 1/2 and on log(1 - F) - log(1 - q) above, which
        are close to linear in the tails (F and 1 - F themselves are not): a handful of steps.
        """
        lower, upper, x = S_MIN, S_MAX, _MEDIAN_GUESS[self.beta]
        for _ in range(_PPF_MAX_STEPS):
            cdf, pdf = cdf_pdf(x, self.beta)
            if cdf < q:
                lower = x
            else:
                upper = x
            tail = cdf if q <= 0.5 else 1.0 - cdf
            target = q if q <= 0.5 else 1.0 - q
            with np.errstate(all="ignore"):  # a step that is not finite falls back to bisection below
                new = x - np.log(tail / target) * tail / pdf * (1 if q <= 0.5 else -1) if tail > 0 < pdf else np.nan
            tolerance = 1e-13 * max(1.0, abs(x))
            if abs(new - x) <= tolerance:  # a converged Newton step (it may graze the bracket)
                return float(new)
            if not lower < new < upper:
                new = (lower + upper) / 2
            if upper - lower <= tolerance:
                return float(new)
            x = new
        raise RuntimeError(f"the quantile of q = {q!r} did not converge")  # pragma: no cover

    def _ppf(self, q: NDArray[np.float64]) -> NDArray[np.float64]:
        return np.vectorize(self._ppf_one, otypes=[float])(q)

    def _rvs(self, size: tuple[int, ...] | None = None, random_state: np.random.Generator | None = None
             ) -> NDArray[np.float64]:
        rng = as_generator(random_state)
        return self._ppf(rng.random(size))

    def rvs(self, *args: object, **kwds: Any) -> Any:
        """Draws by inverse transform; ``random_state`` is None, an int, a SeedSequence or a Generator."""
        random_state: RandomState = kwds.pop("random_state", None)
        return super().rvs(*args, random_state=as_generator(random_state), **kwds)

    def _central_moments(self) -> tuple[float, float, float, float]:
        """Mean, variance, skewness, excess kurtosis by Gauss-Legendre quadrature of s^k F'(s)."""
        if self._moments is None:
            lo, hi = _MOMENT_RANGE
            t, w = leggauss(_MOMENT_NODES)
            s = lo + (t + 1) * (hi - lo) / 2
            f = w * (hi - lo) / 2 * np.array([cdf_pdf(x, self.beta)[1] for x in s])
            mean = float(f @ s)
            c = s - mean
            var = float(f @ c**2)
            self._moments = (mean, var, float(f @ c**3) / var**1.5, float(f @ c**4) / var**2 - 3)
        return self._moments

    def _stats(self) -> tuple[float, float, float, float]:
        return self._central_moments()
