"""cPSE against its random-matrix baseline: i.i.d. Gaussian matrices with a model's layer shapes.

A network's cPSE means little on its own: what would the same architecture give with random
weights? :func:`cpse_baseline` answers with the d_layers and cpse of i.i.d. Gaussian layer
matrices of the model's shapes, over independent draws, and :class:`CPSEBaseline` turns a
model's values into z-scores.

The default definition is the one of :func:`bristol.cPSE.cpse_measure`: a layer G (n x m)
contributes the n eigenvalues of (G G^T)^2, i.e. sigma_i(G)^4, descending, extended
periodically to the largest layer's length, then d_l and cpse as in docs/theory.md, section
5.2. The Gram eigenvalues come from the Dumitriu-Edelman bidiagonal model of the Laguerre
ensemble (:func:`bristol.ensembles.laguerre_eigvals`, docs/theory.md, section 7.2), which has
the law of the dense G G^T exactly, in O(min(n, m)^2) per layer and without a dense matrix
(docs/theory.md, section 10).
"""
from __future__ import annotations

import functools
import math
import numbers
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .._random import RandomState, describe_seed_sequence
from .._validation import check_choice, check_int, check_memory, check_positive_real
from ..ensembles import laguerre_eigvals
from ..parallel import _CHUNK_BYTES, n_workers, plan_chunks, run_chunks
from ..periodic import periodic_extension
from ._checkpoint import layers_or_module
from ._layers import LayerMatrix, extract_layer_matrices, plan_layer_matrices
from ._pse import LazyMatrix, cpse_from_d_layers, d_layers, is_complex

__all__ = ["cpse_baseline", "CPSEBaseline", "BaselineZScores", "VARIANCE_RULES", "baseline_for_matrices"]

#: The named rules for the entry variance of a layer (see :func:`cpse_baseline`).
VARIANCE_RULES = ("auto", "layer", "fan_in")
#: Peak memory of one draw in flight, in arrays of L x U float64 (spectra, periodic extension,
#: its sorted copy, counts): the bound the up-front memory check uses.
_DRAW_WORK_ARRAYS = 4


class BaselineZScores(NamedTuple):
    """z-scores of a model's d_layers and cpse against a :class:`CPSEBaseline`.

    Attributes
    ----------
    d_layers : numpy.ndarray
        (value - mean) / std for every d_l (L - 2 values).
    cpse : float
        The same for cpse.
    """

    d_layers: NDArray[np.float64]
    cpse: float


def _zscore(value: ArrayLike, mean: ArrayLike, std: ArrayLike) -> NDArray[np.float64]:
    """(value - mean) / std; where std is 0: 0 for value == mean, +-inf otherwise (NaN stays NaN)."""
    value, mean, std = (np.asarray(x, dtype=float) for x in (value, mean, std))
    with np.errstate(divide="ignore", invalid="ignore"):
        z = (value - mean) / std
        degenerate = np.where(value == mean, 0.0, np.copysign(np.inf, value - mean))
    return np.where(std == 0, degenerate, z)


@dataclass(frozen=True)
class CPSEBaseline:
    """The d_layers and cpse of i.i.d. Gaussian layer matrices over independent draws.

    Made by :func:`cpse_baseline`; every statistic is over the draws, and the draws are kept.

    Attributes
    ----------
    names : tuple of str
        The layers, in order (the model's layer names, or ``"shapes[i]"``).
    shapes : tuple of (int, int)
        The layer matrices' shapes (n, m): n rows (eigenvalues), m columns (fan-in).
    variances : numpy.ndarray
        The variance of the entries of each layer's Gaussian matrix (``E|g|^2`` for a complex
        layer).
    variance_rule : str
        How the variances were chosen: ``"layer"``, ``"fan_in"`` or ``"given"``.
    power : int
        Spectra are the eigenvalues of (G G^H)^power: 2 (sigma^4, :func:`cpse_measure`) or 1
        (sigma^2, :func:`cpse_measure_vanilla`).
    d_layers_draws : numpy.ndarray
        (n_draws, L - 2): the d_l of every draw.
    cpse_draws : numpy.ndarray
        (n_draws,): the cpse of every draw.
    seeds : tuple of dict
        Per draw ``{"entropy", "spawn_key"}``: ``SeedSequence(entropy, spawn_key=spawn_key)``
        redraws it (:func:`bristol._random.describe_seed_sequence`).
    complex_layers : tuple of bool
        Which layers are complex Gaussian (beta = 2: a complex weight of the model).
    """

    names: tuple[str, ...]
    shapes: tuple[tuple[int, int], ...]
    variances: NDArray[np.float64]
    variance_rule: str
    power: int
    d_layers_draws: NDArray[np.float64]
    cpse_draws: NDArray[np.float64]
    seeds: tuple[dict, ...]
    complex_layers: tuple[bool, ...]

    @property
    def n_draws(self) -> int:
        """Number of draws."""
        return int(self.cpse_draws.size)

    @property
    def d_layers_mean(self) -> NDArray[np.float64]:
        """Mean of d_l over the draws, per l."""
        return self.d_layers_draws.mean(axis=0)

    @property
    def d_layers_std(self) -> NDArray[np.float64]:
        """Standard deviation of d_l over the draws (ddof = 1), per l."""
        return self.d_layers_draws.std(axis=0, ddof=1)

    @property
    def cpse_mean(self) -> float:
        """Mean cpse over the draws (-inf if a draw's cpse is -inf)."""
        return float(self.cpse_draws.mean())

    @property
    def cpse_std(self) -> float:
        """Standard deviation of cpse over the draws (ddof = 1; NaN if a draw's cpse is -inf)."""
        with np.errstate(invalid="ignore"):
            return float(self.cpse_draws.std(ddof=1))

    @property
    def definition(self) -> str:
        """The baseline, in words."""
        kind = {"layer": "each layer's own mean square weight", "fan_in": "1 / fan_in",
                "given": "given"}[self.variance_rule]
        spectra = "sigma^4: eigenvalues of (G G^T)^2" if self.power == 2 else "sigma^2: eigenvalues of G G^T"
        return (f"i.i.d. Gaussian layers of the model's shapes, entry variance {kind}; {spectra} from the "
                "Laguerre bidiagonal model, periodic to the largest layer")

    def zscores(self, report: Any) -> BaselineZScores:
        """z-scores of a model's d_layers and cpse: (value - mean) / std over the draws.

        Parameters
        ----------
        report : CPSEReport or array_like
            A report of :func:`bristol.cPSE.cpse_report` (its layer shapes must be the
            baseline's, in order) or the L - 2 values d_l themselves (cpse is then their mean
            log10).

        Returns
        -------
        BaselineZScores
            Per d_l and for cpse. Where the baseline's std is 0, z is 0 for a value equal to
            the mean and +-inf otherwise; NaN where the mean or std is not finite.

        Raises
        ------
        ValueError
            The report's layer shapes differ from the baseline's, or the number of d_l is not
            L - 2.

        Examples
        --------
        >>> base = cpse_baseline([(8, 8)] * 5, n_draws=4, random_state=0)
        >>> z = base.zscores(base.d_layers_mean)
        >>> z.d_layers.tolist()
        [0.0, 0.0, 0.0]
        """
        used = getattr(report, "used", None)
        if used is not None:
            shapes = tuple(tuple(r.matrix_shape) for r in used)
            if shapes != self.shapes:
                first = next((i for i, (a, b) in enumerate(zip(shapes, self.shapes)) if a != b),
                             min(len(shapes), len(self.shapes)))
                raise ValueError(f"the report's layer shapes differ from the baseline's: {len(shapes)} layers "
                                 f"against {len(self.shapes)}, first difference at layer {first}")
            values, cpse = np.asarray(report.d_layers, dtype=float), float(report.cpse)
        else:
            values = np.asarray(report, dtype=float)
            if values.shape != self.d_layers_mean.shape:
                raise ValueError(f"report must hold {self.d_layers_mean.size} values d_l (L - 2 for the "
                                 f"baseline's {len(self.shapes)} layers), got shape {values.shape}")
            cpse = cpse_from_d_layers(values)
        return BaselineZScores(_zscore(values, self.d_layers_mean, self.d_layers_std),
                               float(_zscore(cpse, self.cpse_mean, self.cpse_std)))

    def to_dict(self, report: Any = None) -> dict[str, Any]:
        """The baseline as a JSON-friendly dict (lists and floats), with z-scores of ``report``.

        Parameters
        ----------
        report : CPSEReport or array_like, optional
            Add its z-scores (:meth:`zscores`) as ``"z_d_layers"`` and ``"z_cpse"``.

        Returns
        -------
        dict
            ``definition``, ``variance_rule``, ``power``, ``n_draws``, ``layers`` (name,
            shape, variance), ``cpse_mean``, ``cpse_std``, ``d_layers_mean``,
            ``d_layers_std``, ``cpse_draws``, ``seeds``. Non-finite numbers stay floats (a
            strict JSON writer must replace them).
        """
        out: dict[str, Any] = {
            "definition": self.definition, "variance_rule": self.variance_rule, "power": self.power,
            "n_draws": self.n_draws,
            "layers": [{"name": n, "shape": list(s), "variance": float(v), "complex": c}
                       for n, s, v, c in zip(self.names, self.shapes, self.variances, self.complex_layers)],
            "cpse_mean": self.cpse_mean, "cpse_std": self.cpse_std,
            "d_layers_mean": self.d_layers_mean.tolist(), "d_layers_std": self.d_layers_std.tolist(),
            "cpse_draws": self.cpse_draws.tolist(), "seeds": list(self.seeds),
        }
        if report is not None:
            z = self.zscores(report)
            out["z_d_layers"], out["z_cpse"] = z.d_layers.tolist(), z.cpse
        return out


# --- one draw ---------------------------------------------------------------------------------

#: One layer of the baseline: (rows n, columns m, entry variance, Dyson index 1 or 2).
_Layer = tuple[int, int, float, int]


def _draw_spectra(layers: Sequence[_Layer], power: int, rng: np.random.Generator) -> list[NDArray[np.float64]]:
    """One draw: per layer the n eigenvalues of (G G^H)^power, descending, for an n x m matrix G
    of i.i.d. Gaussian entries of variance v (real for beta = 1, complex for beta = 2), from the
    Laguerre bidiagonal model of the smaller Gram matrix plus n - m zeros when n > m."""
    out = []
    for n, m, variance, beta in layers:
        lam = laguerre_eigvals(min(n, m), max(n, m), beta, None, rng)  # real components N(0, 1): E|g|^2 = beta
        values = (lam[::-1] * (variance / beta)) ** power
        out.append(np.concatenate([values, np.zeros(n - lam.size)]))
    return out


def _draw_d_layers(size: int, rng: np.random.Generator, *, layers: Sequence[_Layer], power: int) -> np.ndarray:
    """The chunk function of :func:`cpse_baseline`: ``size`` draws of d_layers, (size, L - 2)."""
    return np.stack([d_layers(periodic_extension(_draw_spectra(layers, power, rng))) for _ in range(size)])


# --- the layers and their variances -------------------------------------------------------------

def _check_shapes(shapes: Sequence[Any] | np.ndarray) -> list[tuple[int, int]]:
    """The (n, m) pairs of ``shapes`` as ints >= 1, errors naming ``model_or_shapes[i]``."""
    out = []
    for i, shape in enumerate(list(shapes)):
        pair = tuple(shape) if isinstance(shape, (tuple, list, np.ndarray)) else ()
        if len(pair) != 2:
            raise ValueError(f"model_or_shapes[{i}] must be a shape (n, m) of a layer matrix, got {shape!r}")
        out.append((check_int(f"model_or_shapes[{i}][0]", pair[0]), check_int(f"model_or_shapes[{i}][1]", pair[1])))
    return out


def _check_variance(variance: object, n_layers: int) -> str | NDArray[np.float64]:
    """A named rule of :data:`VARIANCE_RULES`, or one positive finite variance per layer."""
    if isinstance(variance, str):
        return check_choice("variance", variance, VARIANCE_RULES)
    if isinstance(variance, numbers.Real) and not isinstance(variance, bool):
        return np.full(n_layers, check_positive_real("variance", variance))
    if isinstance(variance, (Sequence, np.ndarray)):
        values = list(variance)
        if len(values) != n_layers:
            raise ValueError(f"variance must give one value per layer ({n_layers}), got {len(values)}")
        return np.array([check_positive_real(f"variance[{i}]", v) for i, v in enumerate(values)])
    raise TypeError(f"variance must be one of {VARIANCE_RULES}, a positive number or one per layer, "
                    f"got {variance!r} ({type(variance).__name__})")


def _mean_square(matrix: LayerMatrix) -> float:
    """The layer's mean square entry ||W||_F^2 / (n m) (|w|^2 for complex weights), in float64;
    a layer of a checkpoint (:class:`bristol.cPSE._pse.LazyMatrix`) is read for it."""
    w = matrix.matrix.load() if isinstance(matrix.matrix, LazyMatrix) else matrix.matrix.detach()
    w = w.cdouble() if w.is_complex() else w.double()
    return float(w.abs().square().mean())


def _variances(variance: object, shapes: Sequence[tuple[int, int]],
               matrices: Sequence[LayerMatrix] | None = None) -> tuple[NDArray[np.float64], str]:
    """The entry variance of every layer and the rule's name (``"layer"``, ``"fan_in"``, ``"given"``)
    for ``variance``; ``matrices``: the model's layers (None for bare shapes)."""
    checked = _check_variance(variance, len(shapes))
    if not isinstance(checked, str):
        return checked, "given"
    if checked == "fan_in" or (checked == "auto" and matrices is None):
        return np.array([1.0 / m for _, m in shapes]), "fan_in"
    if matrices is None:
        raise ValueError("variance='layer' needs a model's weights, but model_or_shapes is a list of shapes: "
                         "use 'fan_in', a number or one number per layer")
    return np.array([_mean_square(m) for m in matrices]), "layer"


def _check_scales(names: Sequence[str], layers: Sequence[_Layer], power: int) -> None:
    """Refuse variances whose spectra leave the normal float64 range (named by layer)."""
    log_big, log_tiny = math.log(np.finfo(np.float64).max / 16), math.log(np.finfo(np.float64).tiny * 2**60)
    for name, (n, m, variance, _) in zip(names, layers):
        top = 4 * variance * (math.sqrt(n) + math.sqrt(m)) ** 2  # above the largest eigenvalue of G G^H
        if variance > 0 and (power * math.log(top) >= log_big or power * math.log(variance) < log_tiny):
            raise ValueError(f"variance = {variance:g} of layer {name} ({n} x {m}) puts its spectrum "
                             "(G G^H)^power outside the float64 range: rescale it")


def baseline_for_matrices(matrices: Sequence[LayerMatrix], n_draws: int = 20, random_state: RandomState = None, *,
                          variance: object = "auto", power: int = 2, n_jobs: int | None = None,
                          verbose: int = 0) -> CPSEBaseline:
    """The baseline of :func:`cpse_baseline` for the layer matrices of a model, in their order.

    Parameters
    ----------
    matrices : sequence of LayerMatrix
        As :func:`bristol.cPSE.extract_layer_matrices` returns them (values are read only for
        ``variance="layer"``, the default ``"auto"``).
    n_draws, random_state, variance, power, n_jobs, verbose
        As in :func:`cpse_baseline`.

    Returns
    -------
    CPSEBaseline
    """
    shapes = [(int(m.matrix_shape[0]), int(m.matrix_shape[1])) for m in matrices]
    return _baseline([m.name for m in matrices], shapes, [is_complex(m.matrix) for m in matrices],
                     _variances(variance, shapes, matrices), n_draws, random_state, power, n_jobs, verbose)


def _baseline(names: Sequence[str], shapes: Sequence[tuple[int, int]], complex_layers: Sequence[bool],
              rule: tuple[NDArray[np.float64], str], n_draws: object, random_state: RandomState, power: object,
              n_jobs: int | None, verbose: int) -> CPSEBaseline:
    """Draw the baseline of the layers ``shapes`` with the variances and rule name ``rule``."""
    n_draws = check_int("n_draws", n_draws, minimum=2)
    power = check_int("power", power)
    if power not in (1, 2):
        raise ValueError(f"power must be 2 (sigma^4, the spectra of cpse_measure) or 1 (sigma^2, those of "
                         f"cpse_measure_vanilla), got {power}")
    if len(shapes) < 3:
        raise ValueError(f"model_or_shapes has {len(shapes)} layer matrices; cPSE needs at least 3 "
                         "(L layers give L - 2 values)")
    variances, rule_name = rule
    betas = [2 if c else 1 for c in complex_layers]
    layers = [(n, m, float(v), b) for (n, m), v, b in zip(shapes, variances, betas)]
    _check_scales(names, layers, power)
    size = max(n for n, _ in shapes)
    workers = n_workers(n_jobs, n_draws)
    check_memory(f"cpse_baseline(n_draws={n_draws}) of {len(shapes)} layers of up to {size} eigenvalues",
                 n_draws * (_CHUNK_BYTES + 3 * 8 * len(shapes)) + workers * _DRAW_WORK_ARRAYS * 8 * len(shapes) * size)
    plan = plan_chunks(n_draws, chunk_size=1, random_state=random_state, samples_name="n_draws")
    sampler = functools.partial(_draw_d_layers, layers=layers, power=power)
    draws = run_chunks(sampler, plan, n_jobs=n_jobs, verbose=verbose, desc="cPSE baseline draws").values
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # a d_l = 0: one warning below, not one per draw
        cpse = np.array([cpse_from_d_layers(row) for row in draws])
    zero = int(np.sum(np.isneginf(cpse)))
    if zero:
        warnings.warn(f"{zero} of {n_draws} baseline draws have a d_l = 0 (identical metrics of consecutive "
                      "layer ensembles): their cpse is -inf, and so is cpse_mean", RuntimeWarning, stacklevel=3)
    return CPSEBaseline(tuple(names), tuple(shapes), np.asarray(variances, dtype=float), rule_name, power,
                        draws, cpse, tuple(describe_seed_sequence(q) for q in plan.seed_sequences),
                        tuple(bool(c) for c in complex_layers))


def cpse_baseline(model_or_shapes: object, n_draws: int = 20, random_state: RandomState = None, *,
                  variance: object = "auto", power: int = 2, n_jobs: int | None = None, verbose: int = 0,
                  allow_pickle: bool = False, arch: object = None) -> CPSEBaseline:
    """d_layers and cpse of i.i.d. Gaussian matrices with a model's layer shapes: cPSE's null model.

    Parameters
    ----------
    model_or_shapes : torch.nn.Module, str, os.PathLike, mapping or sequence of (int, int)
        A model, as :func:`bristol.cPSE.cpse_measure` takes it (a module, a torchvision model
        name, a file, a checkpoint on disk read tensor by tensor), whose layer matrices give the
        shapes and order (registration order; the layer policy of
        :func:`bristol.cPSE.extract_layer_matrices`), or the shapes (n, m) themselves, n rows
        and m columns (fan-in), at least 3.
    n_draws : int, default 20
        Number of independent draws, >= 2.
    random_state : int, SeedSequence, Generator or None
        Draw k uses child k of ``SeedSequence(random_state)`` (an int or a SeedSequence is a
        fixed seed, a Generator advances, None is fresh entropy; :mod:`bristol._random`): a
        run with more draws extends one with fewer, and ``n_jobs`` never changes the bits.
    variance : {"auto", "layer", "fan_in"}, float or sequence of float, default "auto"
        Keyword-only. The variance of each layer's Gaussian entries. Layers are pooled into
        one histogram range, so their relative scales change d_l (a common factor does not):

        * ``"layer"``: each layer's own mean square weight ``||W||_F^2 / (n m)`` (the same-scale
          null: each random layer has its weight's Frobenius norm in expectation); needs a
          model with values;
        * ``"fan_in"``: 1 / m (the scale of standard initialisations up to a common factor);
          reads no weight, so a model on the meta device works;
        * a positive number: that variance for every layer (e.g. 1.0, unit entries);
        * one positive number per layer;
        * ``"auto"`` (default): ``"layer"`` for a model, ``"fan_in"`` for shapes.
    power : {2, 1}, default 2
        Keyword-only. 2: the spectra of a model's layers in :func:`cpse_measure`, the
        eigenvalues of (G G^T)^2 (sigma^4); 1: those of :func:`cpse_measure_vanilla`,
        G G^T (sigma^2).
    n_jobs : int, optional
        Keyword-only. joblib workers for the draws (:mod:`bristol.parallel`); the result does
        not depend on it.
    verbose : int, default 0
        Keyword-only. 0 is silent, >= 1 shows a progress bar over the draws.
    allow_pickle : bool, default False
        Keyword-only. As in :func:`cpse_measure`, for a model file.
    arch : str, os.PathLike or torch.nn.Module, optional
        Keyword-only. The model definition of a checkpoint or state_dict, as in
        :func:`cpse_measure`.

    Returns
    -------
    CPSEBaseline
        The draws (``d_layers_draws``, ``cpse_draws``), their mean and standard deviation
        (``d_layers_mean``, ``d_layers_std``, ``cpse_mean``, ``cpse_std``), the variances
        used, and :meth:`CPSEBaseline.zscores` for a model's report.

    Raises
    ------
    ValueError
        Fewer than 3 layers; a shape that is not (n, m) with n, m >= 1; ``n_draws`` < 2; an
        unknown ``variance`` rule, ``"layer"`` with bare shapes, a variance that is not
        finite and > 0, one per layer of the wrong length, or one whose spectrum leaves the
        float64 range; ``power`` not 1 or 2; the memory of the draws exceeds the machine's;
        the model cannot be resolved or read (as :func:`cpse_measure`).
    TypeError
        An argument of the wrong type.
    ImportError
        A model needs torch.

    See Also
    --------
    cpse_report : with ``baseline=``, attaches a baseline to the report (z-scores, plot band).

    Notes
    -----
    A layer of shape (n, m) becomes an n x m matrix G of i.i.d. N(0, v) entries (complex
    Gaussian with ``E|g|^2 = v`` for a complex weight of the model). The eigenvalues of the
    smaller Gram matrix follow the Laguerre ensemble with beta = 1 (2), order min(n, m) and
    max(n, m) degrees of freedom, and are drawn from the Dumitriu-Edelman bidiagonal model
    (:func:`bristol.ensembles.laguerre_eigvals`), whose law is that of the dense Gram matrix
    exactly; n > m adds n - m zeros, as :func:`cpse_measure` does. The spectra
    v^power lambda^power, descending, go through the same periodic extension, d_l and cpse
    as a model's (docs/theory.md, sections 5.2 and 10) [1]_ [2]_.

    Time per draw: sum over layers of O(min(n, m)^2) for the bidiagonal eigenvalues (no
    dense matrix, no O(n^3) solve), plus O(L U log U) for d_layers with U the largest n;
    0.4 s for resnet50's 54 layers on one core, 8x less than dense Gram matrices
    (benchmarks/bench_baseline.py). Memory: the
    draws' d_layers (n_draws (L - 2) floats) plus about 4 L U floats per draw in flight.

    References
    ----------
    .. [1] M. Suezen, "Periodic spectral ergodicity: a complexity measure for deep neural
       networks and neural architecture search", arXiv:1911.07831 (2019).
    .. [2] I. Dumitriu and A. Edelman, "Matrix models for beta ensembles", J. Math. Phys. 43,
       5830-5847 (2002), arXiv:math-ph/0206043.

    Examples
    --------
    >>> base = cpse_baseline([(32, 16), (32, 32), (64, 32), (16, 64), (32, 32)], n_draws=5, random_state=0)
    >>> base.d_layers_draws.shape, base.variance_rule
    ((5, 3), 'fan_in')
    >>> fewer = cpse_baseline([(32, 16), (32, 32), (64, 32), (16, 64), (32, 32)], n_draws=2, random_state=0)
    >>> bool(base.cpse_std > 0), bool(np.array_equal(fewer.d_layers_draws, base.d_layers_draws[:2]))
    (True, True)
    """
    if isinstance(model_or_shapes, (list, tuple, np.ndarray)):
        shapes = _check_shapes(model_or_shapes)
        return _baseline([f"shapes[{i}]" for i in range(len(shapes))], shapes, [False] * len(shapes),
                         _variances(variance, shapes), n_draws, random_state, power, n_jobs, verbose)
    reads_values = isinstance(variance, str) and check_choice("variance", variance, VARIANCE_RULES) != "fan_in"
    found = layers_or_module(model_or_shapes, arch, allow_pickle=allow_pickle)
    if isinstance(found, tuple):  # the layers of a checkpoint, read (for "layer") one at a time
        matrices = found[0]
    else:
        matrices = (extract_layer_matrices if reads_values else plan_layer_matrices)(found)[0]
    return baseline_for_matrices(matrices, n_draws, random_state, variance=variance, power=power, n_jobs=n_jobs,
                                 verbose=verbose)
