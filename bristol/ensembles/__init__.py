"""Random-matrix ensembles: circular (COE, CUE, CSE, any beta > 0), Gaussian and mixed.

* :func:`cue`, :func:`coe`, :func:`cse` -- Haar-exact dense matrices (Mezzadri's QR with the
  phase fix), on the CPU or a torch ``device``;
* :func:`circular_eigvals`, :func:`circular_eigphases` -- eigenvalues of the circular
  beta-ensemble for any beta > 0 from the Killip-Nenciu CMV model, in O(N^2) per matrix
  (:func:`cmv_eigphases` for given Verblunsky coefficients);
* :func:`goe`, :func:`gue`, :func:`gse` and :func:`gaussian_eigvals` (any beta > 0, the
  Dumitriu-Edelman tridiagonal model);
* :func:`wishart`, :func:`laguerre_eigvals` (any beta > 0, the Dumitriu-Edelman bidiagonal
  model), :func:`manova` and :func:`jacobi_eigvals` (any beta > 0, the Edelman-Sutton model) --
  the Laguerre (Wishart) and Jacobi (MANOVA) ensembles;
* :func:`circular_counts`, :func:`gaussian_counts` -- eigenvalue counts per bin without the
  eigenvalues (Pruefer phases, Sturm sequences), O(N) per bin edge, equal to ``numpy.histogram``
  of the eigenvalues drawn with the same ``random_state``;
* :func:`mixed_ensemble_eigvals`, :func:`mixed_ensemble_orders` -- mixed Gaussian ensembles;
* :func:`circular_ensemble_eigphases`, :func:`gaussian_ensemble_eigvals`,
  :func:`laguerre_ensemble_eigvals`, :func:`jacobi_ensemble_eigvals` -- many members in
  chunks with independent streams, run through joblib or Dask (:mod:`bristol.parallel`),
  reproducible bit for bit whatever ``n_jobs`` or backend.

``device=`` has one meaning everywhere: see :mod:`bristol._torch`. ``random_state`` too: see
:mod:`bristol._random`. The constructions and their exact finite-N properties are written out in
docs/theory.md (sections 1, 2, 4 and 7; mixed ensembles 5.3). :class:`Circular`, bristol 0.2.14's
interface, lives in :mod:`bristol._legacy.circular` and is importable from here.

Examples
--------
>>> from bristol.ensembles import circular_eigphases, cue
>>> cue(3, size=2, random_state=0).shape
(2, 3, 3)
>>> circular_eigphases(200, beta=0.5, random_state=1).shape
(200,)
"""
from .._lazy import lazy_getattr
from ..parallel import ChunkedSample
from ._cmv import circular_eigphases, circular_eigvals, cmv_eigphases, verblunsky_coefficients
from ._counts import circular_counts, gaussian_counts
from ._gaussian import GAUSSIAN_BETA, gaussian_eigvals, goe, gse, gue
from ._haar import ENSEMBLE_BETA, coe, cse, cue, ensemble_beta, kramers_phases, quaternion_dual, unitary_eigphases
from ._jacobi import jacobi_eigvals, manova
from ._jobs import (
    circular_ensemble_eigphases,
    gaussian_ensemble_eigvals,
    jacobi_ensemble_eigvals,
    laguerre_ensemble_eigvals,
)
from ._laguerre import laguerre_eigvals, wishart
from ._mixed import mixed_ensemble_eigvals, mixed_ensemble_orders

__all__ = [
    "cue",
    "coe",
    "cse",
    "quaternion_dual",
    "unitary_eigphases",
    "kramers_phases",
    "circular_eigvals",
    "circular_eigphases",
    "cmv_eigphases",
    "verblunsky_coefficients",
    "circular_ensemble_eigphases",
    "circular_counts",
    "ensemble_beta",
    "ENSEMBLE_BETA",
    "Circular",
    "goe",
    "gue",
    "gse",
    "gaussian_eigvals",
    "gaussian_ensemble_eigvals",
    "wishart",
    "laguerre_eigvals",
    "laguerre_ensemble_eigvals",
    "manova",
    "jacobi_eigvals",
    "jacobi_ensemble_eigvals",
    "gaussian_counts",
    "mixed_ensemble_eigvals",
    "mixed_ensemble_orders",
    "GAUSSIAN_BETA",
    "ChunkedSample",
]

__getattr__ = lazy_getattr(__name__, {"Circular": "bristol._legacy.circular:Circular"})
