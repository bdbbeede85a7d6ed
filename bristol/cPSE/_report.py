"""Cascading periodic spectral ergodicity (cPSE) of deep networks (Suezen, arXiv:1911.07831).

For the weight matrices W_1 .. W_L of a network (layer policy: :mod:`bristol.cPSE._layers`):

1. spectra: a model layer contributes the eigenvalues of (W W^H)^2 (sigma_i(W)^4), a matrix
   given to :func:`cpse_measure_vanilla` the eigenvalues of M M^H (sigma_i(M)^2) -- both as
   in bristol 0.2.14 for real weights (W^H = W^T); complex weights use the Hermitian Gram,
   never a real cast; each layer has as many eigenvalues as W has rows;
2. periodic extension of every layer's list to the largest layer's length U (:mod:`bristol.periodic`);
3. d_l = D(Omega_l, Omega_{l+1}), l = 1 .. L - 2, with Omega_l the Thirumalai-Mountain metric of
   the first l layers (:mod:`bristol.cPSE._pse`); cpse = mean_l log10 d_l.

Default (``legacy=False``): the result is a function of the spectra alone. Eigenvalues come from
the smaller Gram matrix with a symmetric solver in float64, in descending order before the
periodic extension, so permuting rows or columns of a matrix does not change d_layers.
``legacy=True`` reproduces bristol 0.2.14 exactly on the same numpy: float32 weights, the
general eigen-solver ``np.linalg.eigvals`` of (W W^T)(W W^T)^T, and its output order (which
decides which eigenvalues the periodic extension repeats when the largest size is not a
multiple of a layer's size). Where it is a multiple of every size (VGG-style), the two agree
up to the float32 rounding of the legacy eigenvalues. Nothing is printed.
"""
from __future__ import annotations

import os
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .._random import RandomState
from .._torch import require_torch, resolve_device
from .._validation import check_finite_array, check_int
from ..parallel import check_verbose
from ..periodic import periodic_extension
from ._baseline import CPSEBaseline, baseline_for_matrices
from ._checkpoint import is_checkpoint_path, is_torch_file, layers_or_module
from ._layers import LayerMatrix, SkippedWeight, _unchecked_layer_matrices, legacy_weight_matrices
from ._loading import NEEDS_TORCH, resolve_model
from ._pse import cpse_from_d_layers, gram_spectra, is_complex, scale_exponents, scale_factors, smaller_gram
from ._pse import d_layers as _d_layers

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = [
    "cpse_measure",
    "cpse_measure_vanilla",
    "cpse_report",
    "CPSEReport",
    "LayerRecord",
    "plot_d_layers",
]

#: With the deprecated ``progress=None``, models with at least this many layer matrices show a
#: progress bar (the default before ``verbose``; the default now is ``verbose=0``, no bar).
PROGRESS_MIN_LAYERS = 50

class _NotGiven:
    """The default of a deprecated argument that was not given (shown as such in signatures)."""

    def __repr__(self) -> str:
        return "<not given>"


_NOT_GIVEN: Any = _NotGiven()


def _progress_choice(verbose: int, progress: bool | None) -> bool | None:
    """Whether to show the progress bar (None: for at least :data:`PROGRESS_MIN_LAYERS` layers).

    scikit-learn's ``verbose`` convention: 0 silent, >= 1 a bar. The deprecated ``progress``
    (True, False, or None for the old automatic choice) takes precedence when given, with a
    FutureWarning pointing at the caller of the public function.
    """
    level = check_verbose(verbose)
    if progress is _NOT_GIVEN:
        return level >= 1
    warnings.warn("progress= is deprecated and will be removed: use verbose= (0: silent, the default; "
                  "1: a progress bar)", FutureWarning, stacklevel=3)
    return None if progress is None else bool(progress)


# --- measures -------------------------------------------------------------------------------

def cpse_measure(pmodel: object, legacy: bool = False, *, device: str | None = None, verbose: int = 0,
                 example_input: object = None, allow_pickle: bool = False, arch: object = None,
                 include: object = None, exclude: object = None,
                 progress: bool | None = _NOT_GIVEN) -> tuple[list[float], float]:
    """Cascading periodic spectral ergodicity (cPSE) of a PyTorch model.

    Parameters
    ----------
    pmodel : torch.nn.Module, str, os.PathLike or mapping
        A module, a torchvision model name, a state_dict (see
        :func:`bristol.cPSE.resolve_model`), or a checkpoint on disk read tensor by tensor:
        a ``.safetensors`` file, a ``model.safetensors.index.json`` (or its folder), a
        Hugging Face model folder, a file saved with ``torch.save`` (see Notes).
    legacy : bool, default False
        Reproduce bristol 0.2.14 exactly (float32 weights, 0.2.14's layer selection, the
        general eigen-solver and its output order); numpy on the CPU, registration order.
    device : str or torch.device, optional
        Keyword-only. None (default) solves with numpy on the CPU; a torch device ("cpu",
        "cuda", ...) runs the Gram matrices and eigen-solves in torch on that device, in
        float64. The result is the same list and float either way (see :mod:`bristol._torch`).
    verbose : int, default 0
        scikit-learn's convention: 0 is silent, >= 1 shows a tqdm progress bar on stderr.
    example_input : torch.Tensor or tuple, optional
        Take the layers in the order they first run in one forward pass on it (a tensor or a
        tuple of positional arguments) instead of registration order; cPSE depends on the
        order of the layers. The model is left bit-identical (see
        :func:`bristol.cPSE.forward_order` for how, and its memory).
    allow_pickle : bool, default False
        Files are read with ``torch.load(weights_only=True)``; a file that needs full
        unpickling (a whole module saved with ``torch.save(model)``) is refused unless
        ``allow_pickle=True``, which executes code from the file (trusted files only).
    arch : str, os.PathLike or torch.nn.Module, optional
        The model definition of a checkpoint or a state_dict: a torchvision or timm model
        name, a Hugging Face model folder (config.json) or a module. For a checkpoint it is
        built on the meta device (structure only); default: the folder's config.json, else
        the tensors in natural order of their names, with a warning.
    include, exclude : str, type or list of them, optional
        Keyword-only. Keep only the layer matrices matching a pattern of ``include`` and drop
        those matching ``exclude``: name patterns with the wildcards ``*`` and ``?`` on the
        matrix's or its module's name (``"lm_head"``, ``"*.h.*"``, ``"*[q]"``), or module
        types (``torch.nn.Embedding``); see
        :func:`bristol.cPSE.extract_layer_matrices`. Not with ``legacy=True``.
    progress : bool or None, optional
        Deprecated alias of ``verbose`` (FutureWarning): True shows the bar, False hides it,
        None shows it for models with at least :data:`PROGRESS_MIN_LAYERS` layer matrices.

    Returns
    -------
    d_layers : list of float
        d_l for l = 1 .. L - 2, L the number of layer matrices.
    cpse : float
        The mean of log10 d_l (-inf, with a RuntimeWarning, when some d_l is 0).

    Raises
    ------
    ImportError
        torch is not installed (``pip install 'bristol[torch]'``).
    ValueError
        Fewer than 3 layer matrices; a weight on the meta device, uninitialised, NaN / Inf or
        so large that sigma^4 leaves the float64 range (the message names it); a model
        argument that cannot be resolved; ``legacy=True`` with ``example_input``, ``include``
        or ``exclude``; a negative ``verbose``; an ``include`` / ``exclude`` pattern that
        matches no layer matrix; a checkpoint that is malformed, names files outside its
        folder, or does not fit its definition (the message names the file and the tensor).
    TypeError
        A sparse weight; ``model``, ``allow_pickle``, ``verbose``, ``include`` or ``exclude``
        of the wrong type.

    See Also
    --------
    cpse_report : the same measure with a per-layer report.
    cpse_measure_vanilla : cPSE of a list of matrices.

    Notes
    -----
    Every layer matrix W (layer policy: :func:`bristol.cPSE.extract_layer_matrices`)
    contributes the eigenvalues of (W W^H)^2, i.e. sigma_i(W)^4, one per row of W, computed
    from the smaller Gram matrix in float64 with an exact power-of-two rescaling. The lists
    are extended periodically to the largest layer's length U, the first l layers form an
    ensemble with Thirumalai-Mountain metric Omega_l, and

    .. math:: d_l = D(\\Omega_l, \\Omega_{l+1}), \\quad l = 1, \\dots, L - 2, \\qquad
              \\mathrm{cPSE} = \\frac{1}{L - 2} \\sum_l \\log_{10} d_l,

    with D the symmetric Kullback-Leibler distance (docs/theory.md, section 5.2) [1]_ [2]_.

    A checkpoint path is never loaded whole: the layer policy runs on the model's definition
    on the meta device and each layer's tensors are read from the file right before its
    spectrum is computed, so the result equals that of the model loaded in memory and the
    memory holds a few layers at a time (:mod:`bristol.cPSE._checkpoint`: formats, the order
    without a definition, and the checks every file passes). ``legacy=True`` and
    ``example_input`` need the model in memory (a ``torch.save`` file is then loaded with
    ``arch`` as before).

    References
    ----------
    .. [1] M. Suezen, "Periodic spectral ergodicity: a complexity measure for deep neural
       networks and neural architecture search", arXiv:1911.07831 (2019).
    .. [2] M. Suezen, C. Weber, J. J. Cerda, "Spectral ergodicity in deep learning
       architectures via surrogate random matrices", arXiv:1704.08303 (2017).

    Examples
    --------
    >>> import torch
    >>> _ = torch.manual_seed(0)
    >>> model = torch.nn.Sequential(*[torch.nn.Linear(16, 16) for _ in range(5)])
    >>> d_layers, cpse = cpse_measure(model)
    >>> len(d_layers), bool(np.isfinite(cpse))
    (3, True)
    """
    show = _progress_choice(verbose, progress)
    report, _ = _measured(pmodel, weights=None, arch=arch, allow_pickle=allow_pickle, legacy=legacy, device=device,
                          show=show, example_input=example_input, include=include, exclude=exclude)
    return report.d_layers.tolist(), report.cpse


def cpse_measure_vanilla(matrices: Sequence[ArrayLike], legacy: bool = False, *,
                         device: str | None = None) -> tuple[list[float], float]:
    """cPSE of a list of weight matrices, with spectra sigma^2 (the eigenvalues of M M^H).

    Parameters
    ----------
    matrices : sequence of array_like
        At least 3 matrices (2-D numpy arrays, nested lists or torch tensors), in layer order.
        Default: float64 for real input (integers and booleans converted exactly up to 2^53,
        float16/float32 widened, longdouble rounded), complex128 for complex input (the
        Hermitian Gram M M^H: ``(1 + 1j) * M`` gives the spectra of ``2 M M^T``).
    legacy : bool, default False
        bristol 0.2.14's arithmetic in the matrix's own dtype for float32 and float64 (its
        exact numbers); float16 is computed in float32 (numpy's eigen-solver has no float16),
        integer and boolean matrices in float64 (0.2.14 multiplied them in their own dtype,
        which overflows or, for booleans, is a logical product), other real floats in
        float64. Complex matrices are refused (0.2.14 took eigvals of the non-Hermitian M M^T).
    device : str or torch.device, optional
        Keyword-only. None (default) solves with numpy on the CPU; a torch device runs the
        Gram matrices and eigen-solves in torch there (see :mod:`bristol._torch`).

    Returns
    -------
    d_layers : list of float
        d_l for l = 1 .. L - 2.
    cpse : float
        The mean of log10 d_l.

    Raises
    ------
    TypeError
        ``matrices`` is not a list of arrays, or ``matrices[i]`` is not numeric.
    ValueError
        Fewer than 3 matrices; ``matrices[i]`` holds NaN / Inf, is not 2-D or not
        rectangular, or its spectrum (legacy: M M^T) leaves the normal range of its dtype;
        ``legacy=True`` with a complex matrix. The message names ``matrices[i]``.

    See Also
    --------
    cpse_measure : cPSE of a PyTorch model (spectra sigma^4).

    Notes
    -----
    The same pipeline as :func:`cpse_measure` (docs/theory.md, section 5.2) with the
    eigenvalues of M M^H per matrix, n values for an n x m matrix. Every matrix is scaled by
    an exact power of two before its Gram matrix, so entries up to the float64 limits work
    wherever sigma^2 itself is a normal float64. Memory O(sum of the matrix sizes +
    L (U + 10)) for L matrices of at most U rows [1]_.

    References
    ----------
    .. [1] M. Suezen, "Periodic spectral ergodicity: a complexity measure for deep neural
       networks and neural architecture search", arXiv:1911.07831 (2019).

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> mats = [rng.standard_normal((32, 32)) for _ in range(6)]
    >>> d_layers, cpse = cpse_measure_vanilla(mats)
    >>> len(d_layers), bool(np.isfinite(cpse))
    (4, True)

    The spectra do not depend on the order of a matrix's rows:

    >>> d_perm, _ = cpse_measure_vanilla([m[::-1] for m in mats])
    >>> bool(np.allclose(d_perm, d_layers))
    True
    """
    mats = _check_matrices(matrices, legacy)
    _check_layer_count(len(mats))
    if legacy:
        values = _legacy_d_layers(mats)
    else:
        values = _d_layers(periodic_extension(gram_spectra(mats, power=1, solver=_solver(device))))
    return values.tolist(), cpse_from_d_layers(values)


@dataclass
class LayerRecord:
    """One row of the per-layer report of :func:`cpse_report`.

    Attributes
    ----------
    name : str
        The qualified module or parameter name (``"layer1.0.conv1"``; gate matrices of a
        recurrent layer as ``"lstm.weight_ih_l0[i]"``).
    layer_type : str
        The module's class, with its module path.
    weight_shape : tuple of int or None
        The weight's shape (None for the legacy selection, which reports none).
    matrix_shape : tuple of (int, int) or None
        The matrix taken from it (None for a skipped weight).
    status : str
        ``"used"`` or ``"skipped"``.
    reason : str
        Why a weight was skipped (empty when used).
    d_layer : float or None
        d_l for the layer whose addition it measures (None for the first and last used layer).
    weight_dtype : str or None
        The dtype the weight is stored in, e.g. ``"torch.qint8"`` for a quantized layer
        (whose matrix holds the dequantized values).
    shared_with : tuple of str
        The other names of the layer's parameters (tied weights): they entered once, here.
    note : str
        How the matrix was formed when the policy did more than reshape a weight (a merged
        LoRA adapter, one expert of a mixture, q of a fused q/k/v projection); empty otherwise.
    """

    name: str
    layer_type: str
    weight_shape: tuple[int, ...] | None
    matrix_shape: tuple[int, int] | None
    status: str
    reason: str = ""
    d_layer: float | None = None
    weight_dtype: str | None = None
    shared_with: tuple[str, ...] = ()
    note: str = ""


@dataclass
class CPSEReport:
    """Per-layer report, d_layers and cPSE of a model (see :func:`cpse_report`).

    ``d_layers[l - 1]`` compares the ensembles of the first l and l + 1 used layers, so it is
    attached to the (l + 1)-th used layer; the first and the last used layer carry none.

    Attributes
    ----------
    layers : list of LayerRecord
        The used layers in the order taken, then the skipped weights.
    d_layers : numpy.ndarray
        d_l for l = 1 .. L - 2 (float64).
    cpse : float
        The mean of log10 d_l.
    legacy : bool
        Whether bristol 0.2.14's arithmetic was used.
    definition : str
        The layer spectra, in words.
    baseline : CPSEBaseline or None
        The random-matrix baseline of the same layer shapes (``cpse_report(baseline=...)``),
        or None.
    """

    layers: list[LayerRecord]
    d_layers: NDArray[np.float64]
    cpse: float
    legacy: bool = False
    definition: str = field(default="sigma^4: eigenvalues of (W W^T)^2, periodic to the largest layer")
    baseline: CPSEBaseline | None = None

    @property
    def zscores(self) -> Any:
        """The z-scores of d_layers and cpse against :attr:`baseline`
        (:meth:`CPSEBaseline.zscores`), or None without a baseline."""
        return None if self.baseline is None else self.baseline.zscores(self)

    @property
    def used(self) -> list[LayerRecord]:
        """The records of the used layers, in order."""
        return [r for r in self.layers if r.status == "used"]

    @property
    def skipped(self) -> list[LayerRecord]:
        """The records of the skipped weights."""
        return [r for r in self.layers if r.status == "skipped"]

    def to_records(self) -> list[dict[str, Any]]:
        """The layer records as a list of dicts (one per row, the fields of :class:`LayerRecord`).

        With a :attr:`baseline`, every record also has ``d_layer_baseline_mean``,
        ``d_layer_baseline_std`` and ``d_layer_z`` (None where ``d_layer`` is None).
        """
        records = [dict(r.__dict__) for r in self.layers]
        if self.baseline is not None:
            columns = (self.baseline.d_layers_mean, self.baseline.d_layers_std, self.baseline.zscores(self).d_layers)
            per_layer = dict(zip([r.name for r in self.used[1:]], zip(*columns)))
            for rec in records:
                stats = per_layer.get(rec["name"]) if rec["status"] == "used" else None
                for key, value in zip(("d_layer_baseline_mean", "d_layer_baseline_std", "d_layer_z"),
                                      stats or (None,) * 3):
                    rec[key] = None if value is None else float(value)
        return records

    def to_dataframe(self) -> Any:
        """The report as a pandas DataFrame, one row per layer record.

        Raises
        ------
        ImportError
            pandas is not installed (use :meth:`to_records` then).
        """
        try:
            import pandas as pd
        except ImportError as err:
            raise ImportError("to_dataframe needs pandas (pip install pandas); use to_records() otherwise") from err
        return pd.DataFrame(self.to_records())


def cpse_report(model: object, *, weights: str | None = None, arch: object = None, legacy: bool = False,
                device: str | None = None, verbose: int = 0, example_input: object = None,
                allow_pickle: bool = False, include: object = None, exclude: object = None,
                progress: bool | None = _NOT_GIVEN, baseline: int | CPSEBaseline | None = None,
                random_state: RandomState = None) -> CPSEReport:
    """Per-layer report with d_layers and cPSE of a model.

    Parameters
    ----------
    model : torch.nn.Module, str, os.PathLike or mapping
        A module, a torchvision model name (built with ``weights``), a state_dict (loaded
        into ``arch``), or a checkpoint on disk read tensor by tensor: a ``.safetensors``
        file, a sharded index (or its folder), a Hugging Face model folder, a file saved with
        ``torch.save`` (see :func:`cpse_measure`).
    weights : str, optional
        torchvision weights for a model name (pretrained weights need network access).
    arch : str, os.PathLike or torch.nn.Module, optional
        The model definition of a checkpoint, or the architecture a state_dict is loaded
        into: a torchvision or timm model name, a Hugging Face model folder or a module.
    legacy, device, verbose, example_input, allow_pickle, include, exclude, progress
        As in :func:`cpse_measure` (``verbose=0``: no progress bar; ``progress`` is deprecated).
    baseline : int or CPSEBaseline, optional
        Attach the random-matrix baseline (:func:`bristol.cPSE.cpse_baseline`): an int >= 2
        draws that many baselines of the report's layers in the report's order, each layer's
        entries with the variance of its weights (``variance="layer"``); a
        :class:`CPSEBaseline` drawn before is checked against the report's layer shapes and
        attached. Not with ``legacy=True`` (the baseline follows the default definition).
    random_state : int, SeedSequence, Generator or None
        Seeds the draws of ``baseline=N`` (as in :func:`bristol.cPSE.cpse_baseline`); only
        with an int ``baseline``.

    Returns
    -------
    CPSEReport
        The used layers in the order taken (with the dtype each weight is stored in and the
        d_l its addition gives), the skipped weights with their reasons, d_layers and cpse;
        with ``baseline``, the baseline and the z-scores (``report.zscores``).

    Raises
    ------
    ImportError
        torch is not installed.
    ValueError
        As :func:`cpse_measure`; weights that cannot be used (meta device, lazy, NaN / Inf,
        so large that sigma^4 overflows) are named
        (:func:`bristol.cPSE.extract_layer_matrices`); a ``baseline`` below 2, of other layer
        shapes or of sigma^2 spectra, or with ``legacy=True``; ``random_state`` without an
        int ``baseline``.
    TypeError
        A sparse weight, or an argument of the wrong type.

    Notes
    -----
    The measure of :func:`cpse_measure` (docs/theory.md, section 5.2) [1]_.

    References
    ----------
    .. [1] M. Suezen, "Periodic spectral ergodicity: a complexity measure for deep neural
       networks and neural architecture search", arXiv:1911.07831 (2019).

    Examples
    --------
    >>> import torch
    >>> _ = torch.manual_seed(0)
    >>> model = torch.nn.Sequential(torch.nn.Linear(8, 16), torch.nn.ReLU(), torch.nn.Linear(16, 16),
    ...                             torch.nn.Linear(16, 4), torch.nn.Linear(4, 4))
    >>> report = cpse_report(model)
    >>> [(r.name, r.matrix_shape) for r in report.used]
    [('0', (16, 8)), ('2', (16, 16)), ('3', (4, 16)), ('4', (4, 4))]
    >>> report.d_layers.shape, report.used[0].d_layer is None
    ((2,), True)

    With its random-matrix baseline (the z-scores of d_l and cpse):

    >>> report = cpse_report(model, baseline=10, random_state=0)
    >>> report.baseline.n_draws, report.zscores.d_layers.shape
    (10, (2,))
    """
    show = _progress_choice(verbose, progress)
    if baseline is None and random_state is not None:
        raise ValueError("random_state seeds the baseline draws: give baseline=N (the number of draws) with it")
    report, matrices = _measured(model, weights=weights, arch=arch, allow_pickle=allow_pickle, legacy=legacy,
                                 device=device, show=show, example_input=example_input, include=include,
                                 exclude=exclude)
    if baseline is not None:
        report.baseline = _report_baseline(report, matrices, baseline, random_state, check_verbose(verbose))
    return report


def _measured(model: object, *, weights: str | None, arch: object, allow_pickle: bool, legacy: bool,
              device: str | None, show: bool | None, example_input: object, include: object = None,
              exclude: object = None) -> tuple[CPSEReport, list[LayerMatrix] | None]:
    """The report of ``model`` and its layer matrices (None for ``legacy``): a checkpoint path
    streamed from disk, anything else resolved to a module (:func:`bristol.cPSE.resolve_model`)."""
    if legacy and (include is not None or exclude is not None):
        raise ValueError("legacy=True uses bristol 0.2.14's layer selection; include= / exclude= cannot be "
                         "combined with it")
    if legacy or example_input is not None:
        if is_checkpoint_path(model) and not is_torch_file(model):  # type: ignore[arg-type]
            raise ValueError(f"{'legacy=True' if legacy else 'example_input'} needs the model in memory; the "
                             f"checkpoint {str(model)!r} is read tensor by tensor: load it into its module and "
                             "pass the module")
        net = resolve_model(model, weights=weights, arch=arch, allow_pickle=allow_pickle)
    else:
        found = layers_or_module(model, arch, allow_pickle=allow_pickle, include=include, exclude=exclude,
                                 weights=weights)
        if isinstance(found, tuple):
            return _matrices_report(*found, device=device, show=show), found[0]
        net = found
    if legacy:
        if example_input is not None:
            raise ValueError("legacy=True takes the layers in registration order, as bristol 0.2.14; "
                             "example_input (forward order) cannot be combined with it")
        return _legacy_report(net), None
    mats, skipped = _unchecked_layer_matrices(net, example_input=example_input, include=include, exclude=exclude)
    return _matrices_report(mats, skipped, device=device, show=show), mats


def _report_baseline(report: CPSEReport, matrices: list[LayerMatrix] | None, baseline: object,
                     random_state: RandomState, verbose: int) -> CPSEBaseline:
    """The ``baseline=`` of :func:`cpse_report`, checked against ``report`` or drawn for its
    layer ``matrices`` (None: the legacy report, refused)."""
    if matrices is None:
        raise ValueError("baseline= follows the default definition (symmetric solver, descending spectra); "
                         "it cannot be combined with legacy=True")
    if isinstance(baseline, CPSEBaseline):
        if random_state is not None:
            raise ValueError("random_state seeds baseline=N only; the CPSEBaseline given is already drawn")
        if baseline.power != 2:
            raise ValueError("baseline holds sigma^2 spectra (power=1); a model's report uses sigma^4 (power=2)")
        baseline.zscores(report)  # a ValueError if the layer shapes differ
        return baseline
    n_draws = check_int("baseline", baseline, minimum=2)
    return baseline_for_matrices(matrices, n_draws, random_state, variance="layer", verbose=verbose)


def _legacy_report(net: Any) -> CPSEReport:
    """bristol 0.2.14's report of the module ``net`` (its layer selection and arithmetic)."""
    weights_f32, types, names = legacy_weight_matrices(net, with_types=True, with_names=True)
    _check_layer_count(len(weights_f32))
    with np.errstate(over="ignore", invalid="ignore"):  # an overflow is named by _legacy_eigenvalues
        grams = [np.matmul(w, w.T) for w in weights_f32]
    values = _legacy_d_layers(grams, labels=[f"layer {n}" for n in names])
    records = [LayerRecord(n, t, None, w.shape, "used") for n, t, w in zip(names, types, weights_f32)]
    return _with_d_layers(records, values, True)


def _matrices_report(mats: list[LayerMatrix], skipped: list[SkippedWeight], *, device: str | None,
                     show: bool | None) -> CPSEReport:
    """The default report of the layer matrices ``mats`` (their values in memory, or
    :class:`bristol.cPSE._pse.LazyMatrix` read when solved) and the skipped weights."""
    _check_layer_count(len(mats))
    spectra = gram_spectra([m.matrix for m in mats], power=2, solver=_solver(device),
                           progress=len(mats) >= PROGRESS_MIN_LAYERS if show is None else show,
                           labels=[f"layer {m.name}" for m in mats])
    values = _d_layers(periodic_extension(spectra))
    records = [LayerRecord(m.name, m.layer_type, m.weight_shape, m.matrix_shape, "used",
                           weight_dtype=m.weight_dtype, shared_with=m.shared_with, note=m.note) for m in mats]
    records += [LayerRecord(s.name, s.layer_type, s.weight_shape, None, "skipped", s.reason) for s in skipped]
    return _with_d_layers(records, values, False)


def _with_d_layers(records: list[LayerRecord], values: np.ndarray, legacy: bool) -> CPSEReport:
    """The report: each d_l attached to the record of the layer whose addition it measures."""
    for rec, d in zip(records[1:], values):
        rec.d_layer = float(d)
    return CPSEReport(records, values, cpse_from_d_layers(values), legacy)


def plot_d_layers(report: CPSEReport | ArrayLike, ax: Axes | None = None,
                  path: str | os.PathLike | None = None, *, baseline: CPSEBaseline | None = None) -> Axes:
    """Plot the d_layers curve (log scale) of a :class:`CPSEReport` or a sequence of values.

    Parameters
    ----------
    report : CPSEReport or array_like
        A report (its ``d_layers``, with its cpse in the title) or the d_l values themselves.
    ax : matplotlib.axes.Axes, optional
        Where to draw. Default: the axes of a new ``matplotlib.figure.Figure`` that pyplot does
        not manage (no pyplot state, no window, and the user's backend is never changed).
    path : str or os.PathLike, optional
        Save the figure there (``Figure.savefig``; the suffix names the format).
    baseline : CPSEBaseline, optional
        Keyword-only. Draw its band, mean +- std of d_l over the draws, and its mean (dashed)
        behind the curve; default the report's :attr:`CPSEReport.baseline`. On the log axis
        the band's lower edge is clipped at the smallest draw where mean - std is not
        positive. The title adds the baseline's cpse and the z-score.

    Returns
    -------
    matplotlib.axes.Axes
        The axes drawn on (``ax.figure`` is the figure).

    Raises
    ------
    ImportError
        matplotlib is not installed (``pip install 'bristol[plot]'``).
    ValueError
        The baseline has another number of d_l than the curve.

    Examples
    --------
    >>> import matplotlib
    >>> ax = plot_d_layers([0.5, 0.2, 0.1])
    >>> ax.get_ylabel()
    'd_l = D(Omega_l, Omega_l+1)'
    >>> len(ax.lines[0].get_xdata())
    3
    """
    try:
        from matplotlib.figure import Figure
    except ImportError as err:
        raise ImportError("plot_d_layers needs matplotlib: pip install 'bristol[plot]'") from err
    values = np.asarray(report.d_layers if isinstance(report, CPSEReport) else report, dtype=float)
    if baseline is None and isinstance(report, CPSEReport):
        baseline = report.baseline
    if ax is None:
        ax = Figure(figsize=(6, 3.5)).add_subplot()
    x = np.arange(1, values.size + 1)
    title = f"cPSE = {report.cpse:.3f}" if isinstance(report, CPSEReport) else ""
    if baseline is not None:
        z = baseline.zscores(report)  # a ValueError if the layers differ
        mean, std = baseline.d_layers_mean, baseline.d_layers_std
        lower = np.where(mean - std > 0, mean - std, baseline.d_layers_draws.min(axis=0))
        ax.fill_between(x, lower, mean + std, color="0.8", zorder=1,
                        label=f"i.i.d. Gaussian baseline, mean ± std ({baseline.n_draws} draws)")
        ax.plot(x, mean, color="0.45", ls="--", lw=1, zorder=2)
        title = (f"{title}{', ' if title else ''}baseline {baseline.cpse_mean:.3f} ± {baseline.cpse_std:.3f}, "
                 f"z = {z.cpse:.2f}")
    ax.semilogy(x, values, marker="o", ms=3, zorder=3, label="model")
    ax.set_xlabel("layers in the ensemble, l")
    ax.set_ylabel("d_l = D(Omega_l, Omega_l+1)")
    if title:
        ax.set_title(title)
    if baseline is not None:
        ax.legend(fontsize="small")
    if path is not None:
        figure = ax.figure
        root = figure if isinstance(figure, Figure) else figure.figure  # a SubFigure's root Figure saves
        root.savefig(path, dpi=120, bbox_inches="tight")
    return ax


# --- helpers --------------------------------------------------------------------------------

def _legacy_d_layers(matrices, labels: Sequence[str] | None = None) -> np.ndarray:
    """bristol 0.2.14's steps: eigvals(M M^T) in solver order, cycled by list2plist, d_layers.

    ``matrices`` as returned by :func:`_check_matrices` with ``legacy=True``; ``labels`` names
    them in errors (default ``matrices[i]``).
    """
    labels = [f"matrices[{i}]" for i in range(len(matrices))] if labels is None else labels
    return _d_layers(periodic_extension([legacy_magnitudes(v) for v in _legacy_eigenvalues(matrices, labels)]))


def legacy_magnitudes(values) -> np.ndarray:
    """bristol 0.2.14's magnitudes of eigenvalues before the periodic extension: |real part|
    of complex64 values (the dtype of its float32 eigenvalues), the absolute value otherwise."""
    values = np.asarray(values)
    return np.abs(values.real) if values.dtype == np.complex64 else np.abs(values)


def _legacy_eigenvalues(matrices: Sequence[np.ndarray], labels: Sequence[str]) -> list[np.ndarray]:
    """``np.linalg.eigvals(M @ M.T)`` for every matrix, in its dtype (bristol 0.2.14), raising
    ValueError naming the matrix when M M^T or its eigenvalues leave the normal range of the
    dtype (overflow to Inf, or a nonzero M whose M M^T is subnormal or zero)."""
    out = []
    for m, label in zip(matrices, labels):
        with np.errstate(over="ignore", under="ignore", invalid="ignore"):
            gram = np.matmul(m, m.T)
        peak, tiny = np.max(np.abs(gram)), np.finfo(gram.dtype).tiny
        if not np.isfinite(peak) or (peak < tiny and np.any(m != 0)):
            side = "above the largest" if not np.isfinite(peak) else "below the smallest normal"
            raise ValueError(f"{label}: M @ M.T lies {side} {gram.dtype} number in legacy=True's arithmetic "
                             f"(bristol 0.2.14 computes in the matrix's dtype); use legacy=False, which rescales")
        try:
            values = np.linalg.eigvals(gram)
        except np.linalg.LinAlgError as err:
            raise ValueError(f"{label}: the eigenvalues of M @ M.T did not converge ({err})") from None
        if not np.all(np.isfinite(values)):
            raise ValueError(f"{label}: the eigenvalues of M @ M.T exceed the {gram.dtype} range; use legacy=False")
        out.append(values)
    return out


def _check_layer_count(n: int) -> None:
    if n < 3:
        raise ValueError(f"cPSE needs at least 3 layer matrices (L layers give L - 2 values), found {n}")


#: legacy=True computes float16 in float32, integers, booleans and other floats in float64.
_LEGACY_DTYPES = {np.dtype(np.float16): np.float32, np.dtype(np.float32): np.float32, np.dtype(np.float64): np.float64}


def _check_matrices(matrices, legacy: bool, name: str = "matrices") -> list:
    """The 2-D, finite, numeric matrices of ``matrices`` as numpy arrays in the dtype of the
    computation: complex128 or float64 by default; for ``legacy=True`` float32 or float64 as
    0.2.14 (float16 -> float32, integers, booleans and other floats -> float64), complex refused.
    Errors name ``{name}[i]``."""
    if isinstance(matrices, np.ndarray) and matrices.ndim != 3:
        raise ValueError(f"{name} must be a list of 2-D arrays, got an array of shape {matrices.shape}")
    try:
        items = list(matrices)
    except TypeError:
        raise TypeError(f"{name} must be a list of 2-D arrays, got {type(matrices).__name__}") from None
    if not items:
        raise ValueError(f"{name} must not be empty")
    out = []
    for i, m in enumerate(items):
        label = f"{name}[{i}]"
        if hasattr(m, "detach"):
            m = _tensor_to_numpy(m, label)
        try:
            m = np.asarray(m)
        except ValueError as err:  # a ragged nested list
            raise ValueError(f"{label} is not a rectangular array: {err}") from None
        kind = m.dtype.kind
        if kind not in "biufc":
            raise TypeError(f"{label} must hold real or complex numbers, got dtype {m.dtype}")
        arr = check_finite_array(label, m)
        if arr.ndim != 2:
            raise ValueError(f"{label} must be a 2-D array, got shape {arr.shape}")
        if legacy and kind == "c":
            raise ValueError(f"{label} is complex: legacy=True reproduces bristol 0.2.14, which took the "
                             "eigenvalues of the non-Hermitian M M^T; use legacy=False (Hermitian M M^H)")
        if legacy:
            dtype = _LEGACY_DTYPES.get(arr.dtype, np.float64)
        else:
            dtype = np.complex128 if kind == "c" else np.float64
        out.append(arr.astype(dtype, copy=False))
    return out


def _tensor_to_numpy(tensor, label: str) -> np.ndarray:
    """A torch tensor's values as a numpy array: dense, on the CPU, 16-bit floats widened
    exactly to float32 (complex32 to complex64), which numpy cannot hold or solve."""
    torch = require_torch(NEEDS_TORCH)

    if tensor.is_meta:
        raise ValueError(f"{label} is on the meta device and holds no values")
    tensor = tensor.detach().cpu()
    if tensor.layout != torch.strided:
        tensor = tensor.to_dense()
    if tensor.element_size() < 4 and tensor.is_floating_point():
        tensor = tensor.float()
    elif tensor.element_size() < 8 and tensor.is_complex():
        tensor = tensor.to(torch.complex64)
    return tensor.numpy()


def _as_numpy(tensor) -> np.ndarray:
    """A weight tensor as a float64 array (complex128 for complex weights: never cast to real)."""
    torch = require_torch(NEEDS_TORCH)

    return tensor.detach().cpu().to(torch.complex128 if tensor.is_complex() else torch.float64).numpy()


def _solver(device: str | None):
    """The Gram eigen-solver of :func:`bristol.cPSE._pse.gram_spectra` for ``device`` (None: numpy on
    the CPU): torch on the device, float64 (complex128 for complex matrices), each matrix scaled
    by 2^-e so that its largest |real or imaginary part| lies in [0.5, 1); a matrix with NaN or
    Inf raises :class:`~bristol.cPSE._pse.NonFiniteMatrix` (:func:`~bristol.cPSE._pse.scale_exponents`)."""
    if device is None:
        return None
    dev = resolve_device(device)
    torch = require_torch(NEEDS_TORCH)

    def solve(mats):
        dtype = torch.complex128 if any(is_complex(m) for m in mats) else torch.float64
        stack = torch.empty((len(mats),) + tuple(mats[0].shape), dtype=dtype, device=dev)
        for target, m in zip(stack, mats):
            # to the device in the stored dtype, then to float64 there: torch converts a blocking
            # host-to-device copy on the host, which would double the bytes moved
            target.copy_(torch.as_tensor(m).to(dev))
        parts = torch.view_as_real(stack) if stack.is_complex() else stack
        low, high = torch.aminmax(parts.reshape(len(mats), -1), dim=1)
        exponents = scale_exponents(torch.maximum(-low, high).cpu().numpy())
        for factor in scale_factors(exponents):
            parts.mul_(torch.from_numpy(factor).to(dev).reshape((-1,) + (1,) * (parts.ndim - 1)))
        return torch.linalg.eigvalsh(smaller_gram(stack, stack.mH)).cpu().numpy(), exponents

    return solve
