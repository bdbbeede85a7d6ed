"""Weight matrices of PyTorch models for cPSE: the layer policy (needs torch).

Modules are visited in ``named_modules()`` order (registration order, as bristol 0.2.14), or,
given an example input, in the order they first run in one forward pass on it.
Each covered weight becomes one or more real matrices, reported with the module name, its
type, the weight's shape and the matrix's shape:

=================================  ==========================================================
Linear (and subclasses)            out x in
Bilinear                           out x (in1 * in2)
Conv1d / Conv2d / Conv3d           out x (in / groups * prod(kernel))
ConvTranspose1d / 2d / 3d          in x (out / groups * prod(kernel)): the weight's storage
                                   orientation, i.e. the out x fan-in matrix of the adjoint
                                   convolution (bristol 0.2.14 used the same reshape)
Embedding, EmbeddingBag (V, d)     d x V (the transpose; never the V x V Gram of 0.2.14)
MultiheadAttention                 in_proj_weight split into q, k, v (E x E each), or
                                   q/k/v_proj_weight when kdim/vdim differ; out_proj is a
                                   Linear child module and is reported as such
RNN / LSTM / GRU                   every weight_ih / weight_hh (and _reverse) split into its
                                   gate matrices (LSTM i, f, g, o; GRU r, z, n; RNN one), each
                                   hidden x input; LSTM projections weight_hr as proj x hidden
transformers Conv1D                weight stored (in, out): used as its transpose, out x in
=================================  ==========================================================

Quantized modules of ``torch.ao`` (``quantize_dynamic`` with qint8 or float16, static
quantized Linear / Conv / ConvTranspose / Embedding, dynamic LSTM / GRU) contribute their
dequantized weights under the same policy; the stored dtype (``torch.qint8``,
``torch.float16``, ...) is reported with each matrix (``weight_dtype``). Complex weights are
passed on unchanged (no cast).

A matrix with fewer than 2 rows or columns is skipped (as in 0.2.14), and so is every
weight with >= 2 dimensions of a module the policy does not cover (ViT's class token and
position embedding, a quantized LSTMCell, say): each skip is reported with its reason and a
warning, never hidden.

Weights that cannot be read are refused with an error that names the parameter: on the meta
device or uninitialised (lazy modules): ValueError; sparse: TypeError; NaN / Inf, or so large
that sigma^4 overflows float64: ValueError.
"""
from __future__ import annotations

import functools
import warnings
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

from .._torch import require_torch
from ._loading import (
    NEEDS_TORCH,
    resolve_model,  # noqa: F401 (``bristol.layers.resolve_model``, its path before 0.3.0's layout)
)

__all__ = [
    "LayerMatrix",
    "SkippedWeight",
    "check_matrix_values",
    "extract_layer_matrices",
    "forward_order",
    "legacy_weight_matrices",
    "plan_layer_matrices",
]


@dataclass
class LayerMatrix:
    """One matrix taken from a model by the layer policy.

    Attributes
    ----------
    name : str
        Qualified name of the module (gate matrices of a recurrent weight as
        ``"lstm.weight_ih_l0[i]"``, attention projections as ``"attn.in_proj_weight[q]"``).
    layer_type : str
        The module's class, with its module path.
    weight_shape : tuple of int
        Shape of the weight it comes from.
    matrix : torch.Tensor
        The 2-D matrix: a view of the weight, or a float32 copy of a dequantized weight.
    weight_dtype : str
        The dtype the weight is stored in (``"torch.qint8"`` for a quantized layer).
    sources : tuple of str
        The qualified names of the parameters the matrix is computed from
        (``model.get_parameter(name)``); empty when it is read through the module instead
        (quantized modules).
    transform : callable or None
        ``matrix == transform(*parameters)`` for the parameters named by ``sources``
        (detached); how a matrix is rebuilt from tensors read elsewhere, e.g. one at a
        time from a checkpoint. None when ``sources`` is empty.
    shared_with : tuple of str
        Other qualified names under which the same parameter appears in the model (tied
        weights): the matrix enters once, at its first use.
    note : str
        How the matrix was formed where the policy did more than reshape a weight (e.g. a
        merged adapter, one expert of a mixture); empty otherwise.
    """

    name: str
    layer_type: str
    weight_shape: tuple[int, ...]
    matrix: Any = field(repr=False)
    weight_dtype: str = ""
    sources: tuple[str, ...] = ()
    transform: Callable[..., Any] | None = field(default=None, repr=False, compare=False)
    shared_with: tuple[str, ...] = ()
    note: str = ""

    @property
    def matrix_shape(self) -> tuple[int, int]:
        return tuple(self.matrix.shape)


@dataclass
class SkippedWeight:
    """A weight with >= 2 dimensions that did not become a matrix, and why.

    Attributes
    ----------
    name : str
        Qualified parameter name.
    layer_type : str
        The module's class, with its module path.
    weight_shape : tuple of int
        The weight's shape.
    reason : str
        Why it was skipped.
    """

    name: str
    layer_type: str
    weight_shape: tuple[int, ...]
    reason: str


_GATES = {"LSTM": "ifgo", "GRU": "rzn", "RNN": "h"}


def _type_name(module) -> str:
    cls = type(module)
    return f"{cls.__module__}.{cls.__qualname__}"


def _matrix(name: str, kind: str, weight, transform: Callable[[Any], Any], source: str | None,
            dtype=None) -> LayerMatrix:
    """The matrix ``transform(weight)`` of the parameter qualified as ``source`` (None: read
    through its module, e.g. dequantized, and not rebuildable from a parameter)."""
    return LayerMatrix(name, kind, tuple(weight.shape), transform(weight.detach()),
                       str(weight.dtype if dtype is None else dtype),
                       () if source is None else (source,), None if source is None else transform)


def _as_rows(w):
    """A weight as the out x fan-in matrix (Linear, Bilinear, Conv, ConvTranspose storage)."""
    return w.reshape(w.shape[0], -1)


def _transposed(w):
    return w.T


def _unchanged(w):
    return w


def _row_block(index: int, parts: int) -> Callable[[Any], Any]:
    """The transform taking the ``index``-th of ``parts`` equal row blocks of a matrix."""
    return lambda w: w.chunk(parts, dim=0)[index]


def _split_rows(name, layer_type, weight, parts, source, dtype=None):
    return [_matrix(f"{name}[{p}]", layer_type, weight, _row_block(i, len(parts)), source, dtype)
            for i, p in enumerate(parts)]


def _qualified(module_name: str, pname: str) -> str:
    return f"{module_name}.{pname}" if module_name else pname


def _module_matrices(name: str, module, own: dict[str, Any], quantized: bool) -> tuple[list[LayerMatrix], list[str]]:
    """Matrices of one module under the policy, and the names of the weights it consumed
    (``own``: the module's own weights, the packed ones if ``quantized``; see :func:`_own_weights`)."""
    nn = require_torch(NEEDS_TORCH).nn
    kind = _type_name(module)
    if quantized:
        return _quantized_matrices(name, module, kind, own)
    w: Any = getattr(module, "weight", None)
    weight_source = _qualified(name, "weight")
    if isinstance(module, (nn.Linear, nn.Bilinear, nn.modules.conv._ConvNd)):
        # ConvTranspose: in x (out / groups * prod(kernel)), the weight's storage orientation
        return [_matrix(name, kind, w, _as_rows, weight_source)], ["weight"]
    if isinstance(module, (nn.Embedding, nn.EmbeddingBag)):
        return [_matrix(name, kind, w, _transposed, weight_source)], ["weight"]
    if isinstance(module, nn.MultiheadAttention):
        if module.in_proj_weight is not None:
            return _split_rows(f"{name}.in_proj_weight", kind, module.in_proj_weight, "qkv",
                               _qualified(name, "in_proj_weight")), ["in_proj_weight"]
        used = [f"{p}_proj_weight" for p in "qkv"]
        return [_matrix(f"{name}.{p}", kind, own[p], _unchanged, _qualified(name, p)) for p in used], used
    if isinstance(module, nn.RNNBase):
        return _rnn_matrices(name, kind, module.mode, own, quantized=False)
    if type(module).__name__ == "Conv1D" and isinstance(w, require_torch(NEEDS_TORCH).Tensor) and w.ndim == 2:
        return [_matrix(name, kind, w, _transposed, weight_source)], ["weight"]  # transformers' Conv1D
    return [], []


def _rnn_matrices(name: str, kind: str, mode: str, own: dict[str, Any], quantized: bool, dtype=None):
    """Gate matrices of every weight_ih / weight_hh, and the projections weight_hr (a quantized
    module's weights are read through the module: no parameter source)."""
    gates = _GATES.get(mode.split("_")[0], "h")
    mats, used = [], []
    for pname, p in own.items():
        source = None if quantized else _qualified(name, pname)
        if pname.startswith(("weight_ih", "weight_hh")):
            mats += _split_rows(f"{name}.{pname}", kind, p, gates, source, dtype)
            used.append(pname)
        elif pname.startswith("weight_hr"):
            mats.append(_matrix(f"{name}.{pname}", kind, p, _unchanged, source, dtype))
            used.append(pname)
    return mats, used


# --- quantized modules (torch.ao) -------------------------------------------------------------

def _quantized_weights(module) -> dict[str, Any] | None:
    """The packed weights of a torch.ao quantized module by name, as stored (quantized or
    float), read through ``weight()`` or ``_weight_bias()``; None for any other module (QAT
    and reference modules keep float parameters; a LinearPackedParams child is read by its
    owner)."""
    path = type(module).__module__
    if not (path.startswith("torch.ao.nn.") and ".quantized" in path and ".reference" not in path):
        return None
    if callable(getattr(module, "weight", None)):
        return {"weight": module.weight()}
    packed = module._weight_bias() if callable(getattr(module, "_weight_bias", None)) else None
    return dict(packed["weight"]) if isinstance(packed, dict) else None


def _stored_dtype(module, weight):
    """The dtype a quantized module stores ``weight`` in: a quantized dtype, or float16 for
    dynamic float16 modules (whose unpacked weight is float32)."""
    if weight.is_quantized:
        return weight.dtype
    return getattr(getattr(module, "_packed_params", module), "dtype", weight.dtype)


def _quantized_matrices(name: str, module, kind: str, own: dict[str, Any]):
    """The policy of the float module on the dequantized weights (float32), stored dtype kept."""
    import torch.ao.nn.quantized as nnq
    import torch.ao.nn.quantized.dynamic as nnqd

    if not own:
        return [], []
    dtype = _stored_dtype(module, next(iter(own.values())))
    deq = {p: (w.dequantize() if w.is_quantized else w) for p, w in own.items()}
    if isinstance(module, (nnq.Linear, nnq.modules.conv._ConvNd)) and "weight" in deq:
        return [_matrix(name, kind, deq["weight"], _as_rows, None, dtype)], ["weight"]
    if isinstance(module, (nnq.Embedding, nnq.EmbeddingBag)) and "weight" in deq:
        return [_matrix(name, kind, deq["weight"], _transposed, None, dtype)], ["weight"]
    if isinstance(module, nnqd.modules.rnn.RNNBase):
        return _rnn_matrices(name, kind, module.mode, deq, quantized=True, dtype=dtype)
    return [], []


def _own_weights(module) -> tuple[dict[str, Any], bool]:
    """A module's own weights by name (its parameters, or the packed weights of a quantized
    module) and whether it is quantized."""
    packed = _quantized_weights(module)
    return (dict(module.named_parameters(recurse=False)), False) if packed is None else (packed, True)


# --- checks of the weights --------------------------------------------------------------------

def _check_readable(name: str, layer_type: str, tensor) -> None:
    """Refuse a weight without readable values: uninitialised (lazy), on the meta device, sparse."""
    torch = require_torch(NEEDS_TORCH)
    where = f"weight {name} ({layer_type})"
    if torch.nn.parameter.is_lazy(tensor):
        raise ValueError(f"{where} is uninitialised (a lazy module such as nn.LazyLinear): run one forward pass "
                         "to initialise it before cPSE")
    if tensor.is_meta:
        raise ValueError(f"{where} is on the meta device and holds no values: materialise the model first "
                         "(e.g. model.to_empty(device='cpu') and load_state_dict)")
    if tensor.layout != torch.strided:
        raise TypeError(f"{where} is a sparse tensor (layout {tensor.layout}): cPSE needs dense weights "
                        "(e.g. weight.to_dense())")


def check_matrix_values(matrix: LayerMatrix) -> None:
    """Raise a ValueError naming the layer if its matrix holds NaN or Inf.

    Parameters
    ----------
    matrix : LayerMatrix
        The matrix to check.

    Raises
    ------
    ValueError
        The matrix holds NaN or Inf.

    Notes
    -----
    Weights so large or small that their spectrum leaves the float64 range are refused by
    :func:`bristol.cPSE._pse.gram_spectra`, which names the layer too; the legacy path checks
    its float32 Gram matrices likewise.

    Examples
    --------
    >>> import torch
    >>> check_matrix_values(LayerMatrix("fc", "Linear", (2, 2), torch.ones(2, 2)))
    >>> check_matrix_values(LayerMatrix("fc", "Linear", (2, 2), torch.full((2, 2), float("nan"))))
    Traceback (most recent call last):
    ...
    ValueError: layer fc (Linear) has NaN or Inf weights
    """
    torch = require_torch(NEEDS_TORCH)
    if not bool(torch.isfinite(matrix.matrix).all()):
        raise ValueError(f"layer {matrix.name} ({matrix.layer_type}) has NaN or Inf weights")


# --- the policy -------------------------------------------------------------------------------

def extract_layer_matrices(model: Any, example_input: Any = None) -> tuple[list[LayerMatrix], list[SkippedWeight]]:
    """Apply the layer policy to ``model``: the matrices cPSE uses, and the weights it skips.

    Parameters
    ----------
    model : torch.nn.Module
        The model.
    example_input : torch.Tensor or tuple, optional
        When given, the matrices come in the order their modules first run in one forward
        pass on it (:func:`forward_order`); otherwise in registration order
        (``named_modules``, as bristol 0.2.14).

    Returns
    -------
    matrices : list of LayerMatrix
        Each a view of its weight (transposed or reshaped, no copy), or, for a quantized
        layer, a float32 copy of the dequantized weight (the matrices of a quantized model
        take its float32 size in memory).
    skipped : list of SkippedWeight
        Weights with >= 2 dimensions that the policy does not cover, or whose matrix has
        fewer than 2 rows or columns; each is also reported with a warning.

    Raises
    ------
    ImportError
        torch is not installed.
    ValueError
        A weight is on the meta device, uninitialised (lazy module) or NaN / Inf
        (:func:`check_matrix_values`); the forward pass on ``example_input`` fails or writes
        into a parameter. The message names the weight.
    TypeError
        A weight is sparse.

    Notes
    -----
    The policy (which matrix each kind of layer contributes) is tabulated in the docstring of
    :mod:`bristol.cPSE._layers` and in docs/theory.md, section 5.2.

    Examples
    --------
    >>> import torch
    >>> model = torch.nn.Sequential(torch.nn.Conv2d(3, 8, 3), torch.nn.Flatten(), torch.nn.Linear(8, 4))
    >>> matrices, skipped = extract_layer_matrices(model)
    >>> [(m.name, m.matrix_shape) for m in matrices], skipped
    ([('0', (8, 27)), ('2', (4, 8))], [])
    """
    matrices, owners, skipped = _apply_policy(model, check=True)
    if example_input is not None:
        matrices = _in_forward_order(matrices, owners, forward_order(model, example_input))
    return matrices, skipped


def plan_layer_matrices(model: Any) -> tuple[list[LayerMatrix], list[SkippedWeight]]:
    """The layer policy of :func:`extract_layer_matrices` without reading any value.

    Works on a model whose parameters hold no values (built on the meta device): each
    matrix is then a meta tensor of the right shape and dtype, and ``sources`` /
    ``transform`` say how to rebuild it from the named parameters' values (read, e.g., one
    at a time from a checkpoint). Registration order; skips are reported with warnings as
    in :func:`extract_layer_matrices`.

    Parameters
    ----------
    model : torch.nn.Module
        The model (any device, meta included).

    Returns
    -------
    matrices : list of LayerMatrix
        As :func:`extract_layer_matrices`, values unchecked.
    skipped : list of SkippedWeight
        As :func:`extract_layer_matrices`.

    Examples
    --------
    >>> import torch
    >>> with torch.device("meta"):
    ...     model = torch.nn.Sequential(torch.nn.Linear(3, 8), torch.nn.Embedding(10, 4))
    >>> matrices, _ = plan_layer_matrices(model)
    >>> [(m.name, m.matrix_shape, m.sources) for m in matrices]
    [('0', (8, 3), ('0.weight',)), ('1', (4, 10), ('1.weight',))]
    >>> m = matrices[1]
    >>> tuple(m.transform(torch.zeros(10, 4)).shape)
    (4, 10)
    """
    matrices, _, skipped = _apply_policy(model, check=False)
    return matrices, skipped


def _apply_policy(model: Any, check: bool) -> tuple[list[LayerMatrix], list[str], list[SkippedWeight]]:
    """The matrices with the names of their modules, and the skipped weights (warned);
    ``check``: refuse unreadable or non-finite weights."""
    matrices: list[LayerMatrix] = []
    owners: list[str] = []
    skipped: list[SkippedWeight] = []
    for name, module in model.named_modules():
        own, quantized = _own_weights(module)
        qualified = {pname: _qualified(name, pname) for pname in own}
        if check:
            for pname, p in own.items():
                _check_readable(qualified[pname], _type_name(module), p)
        found, used = _module_matrices(name, module, own, quantized)
        for m in found:
            if min(m.matrix_shape) < 2:
                skipped.append(SkippedWeight(m.name, m.layer_type, m.weight_shape,
                                             f"matrix {m.matrix_shape} has fewer than 2 rows or columns"))
            else:
                if check:
                    check_matrix_values(m)
                matrices.append(m)
                owners.append(name)
        for pname, p in own.items():
            if p.ndim >= 2 and pname not in used:
                skipped.append(SkippedWeight(qualified[pname], _type_name(module), tuple(p.shape),
                                             "not covered by the layer policy"))
    for s in skipped:
        warnings.warn(f"cPSE skips {s.name} ({s.layer_type}, shape {s.weight_shape}): {s.reason}", stacklevel=4)
    return matrices, owners, skipped


# --- forward order, leaving the model unchanged -----------------------------------------------

class _ParameterWrite(RuntimeError):
    """Raised inside the forward pass of :func:`forward_order` instead of writing to a parameter."""


@functools.cache
def _write_guard_class():
    """A TorchDispatchMode that refuses, before it runs, every operator writing into the
    storage of a protected tensor (in place, through a view, or as ``out=``)."""
    from torch.utils._python_dispatch import TorchDispatchMode

    class WriteGuard(TorchDispatchMode):
        def __init__(self, protected: dict[int, str]):
            super().__init__()
            self.protected = protected
            self.hit: str | None = None

        def __torch_dispatch__(self, func, types, args=(), kwargs=None):
            kwargs = kwargs or {}
            for i, arg in enumerate(func._schema.arguments):
                if arg.alias_info is None or not arg.alias_info.is_write:
                    continue
                value = args[i] if i < len(args) else kwargs.get(arg.name)
                for t in value if isinstance(value, (list, tuple)) else (value,):
                    name = self.protected.get(_storage_key(t))
                    if name is not None:
                        self.hit = self.hit or name
                        raise _ParameterWrite(f"{func} would write to parameter {name}")
            return func(*args, **kwargs)

    return WriteGuard


def _storage_key(tensor) -> int | None:
    torch = require_torch(NEEDS_TORCH)
    if not isinstance(tensor, torch.Tensor) or tensor.is_meta or tensor.is_quantized or tensor.layout != torch.strided:
        return None
    ptr = tensor.untyped_storage().data_ptr()
    return ptr or None  # 0: an empty storage, nothing to protect


def forward_order(model: Any, example_input: Any) -> dict[str, int]:
    """Position of each module's first call in one forward pass of ``model`` on ``example_input``.

    Parameters
    ----------
    model : torch.nn.Module
        The model; left as it was (see Notes).
    example_input : torch.Tensor or tuple
        A tensor, or a tuple of positional arguments of the forward pass.

    Returns
    -------
    dict of str to int
        Module name -> position of its first call; modules that do not run are absent.

    Raises
    ------
    ImportError
        torch is not installed.
    ValueError
        The forward pass fails, or writes into a parameter.

    Notes
    -----
    The pass runs in eval mode under ``torch.no_grad()``, so training-only branches do not
    run, and the model is left as it was: every parameter and buffer bit-identical and every
    module's mode restored, also when the pass raises.

    * Buffers: the pass runs through ``torch.func.functional_call`` on clones of them, so
      whatever the forward writes into a buffer (a call counter, a quantization observer's
      range, batch-norm statistics) goes to the copies. Extra memory: one copy of the
      model's buffers (on their devices), plus the activations of the pass.
    * Parameters are not copied (no extra memory): the pass sees aliases of them, so an
      attribute assignment (``module.weight = ...``, ``weight.data = ...``) reaches only the
      alias, and every operator that would write into a parameter's storage (in place,
      through a view, ``out=``) is stopped before it runs; such a forward pass is refused
      with a ValueError naming the parameter.

    Examples
    --------
    >>> import torch
    >>> class TwoPaths(torch.nn.Module):
    ...     def __init__(self):
    ...         super().__init__()
    ...         self.late, self.early = torch.nn.Linear(4, 4), torch.nn.Linear(4, 4)
    ...     def forward(self, x):
    ...         return self.late(self.early(x))
    >>> forward_order(TwoPaths(), torch.zeros(1, 4))
    {'': 0, 'early': 1, 'late': 2}
    """
    torch = require_torch(NEEDS_TORCH)
    from torch.func import functional_call

    order: dict[str, int] = {}
    modes = [(module, module.training) for module in model.modules()]
    handles = [module.register_forward_pre_hook(functools.partial(_record_call, order, name))
               for name, module in model.named_modules()]
    params = dict(model.named_parameters())
    protected = {key: name for name, p in params.items() if (key := _storage_key(p)) is not None}
    state = {name: p.detach() for name, p in params.items()}
    state.update((name, b.clone()) for name, b in model.named_buffers())
    args = example_input if isinstance(example_input, tuple) else (example_input,)
    guard = _write_guard_class()(protected)
    try:
        model.eval()
        with torch.no_grad(), guard:
            functional_call(model, state, args)
    except Exception as err:
        if guard.hit is None:
            raise ValueError(f"the forward pass on example_input failed: {type(err).__name__}: {err}") from err
    finally:
        for handle in handles:
            handle.remove()
        for module, training in modes:
            module.training = training
    if guard.hit is not None:
        raise ValueError(f"the forward pass on example_input writes into parameter {guard.hit}; the write was "
                         "refused to leave the model unchanged: take the layers in registration order "
                         "(no example_input) instead")
    return order


def _record_call(order: dict[str, int], name: str, module, args) -> None:
    order.setdefault(name, len(order))


def _in_forward_order(matrices: list[LayerMatrix], owners: list[str], order: dict[str, int]) -> list[LayerMatrix]:
    """Sort by the first call of each matrix's module (stable: a module's own matrices keep
    their order). A module that does not run (MultiheadAttention's out_proj, whose weight
    the attention uses directly; a branch unused in this mode) stays right after the matrix
    registered before it, with a warning."""
    keys, last = [], -1
    for i, owner in enumerate(owners):
        last = order.get(owner, last)
        keys.append((last, i))
    idle = [m.name for m, owner in zip(matrices, owners) if owner not in order]
    if idle:
        warnings.warn(f"cPSE: {len(idle)} layer matrices belong to modules that did not run in the forward pass "
                      f"({', '.join(idle[:5])}{', ...' if len(idle) > 5 else ''}); each stays after the matrix "
                      "registered before it", stacklevel=3)
    return [matrices[i] for _, i in sorted(keys)]


def legacy_weight_matrices(model: Any, with_types: bool = False, with_names: bool = False) -> Any:
    """bristol 0.2.14's selection of weight matrices, in float32.

    Every module of ``torch.nn.modules`` with a ``weight`` of >= 2 dimensions, reshaped to
    shape[0] x prod(shape[1:]) in float32 if both are > 1. Quantized modules are not in that
    selection: they are ignored, as in 0.2.14, with a warning.

    Parameters
    ----------
    model : torch.nn.Module
        The model.
    with_types : bool, default False
        Also return the layer types (``str(type(module))``, as 0.2.14 reports them).
    with_names : bool, default False
        Also return the module names.

    Returns
    -------
    list of numpy.ndarray, or tuple
        The float32 matrices; with ``with_types`` and/or ``with_names`` a tuple
        ``(matrices, types)``, ``(matrices, names)`` or ``(matrices, types, names)``.

    Raises
    ------
    ValueError
        A selected weight is complex (0.2.14 reads real weights), on the meta device,
        uninitialised, NaN / Inf, or so large that sigma^4 overflows float32; the message
        names the layer.
    TypeError
        A selected weight is sparse.

    Examples
    --------
    >>> import torch
    >>> mats, names = legacy_weight_matrices(torch.nn.Sequential(torch.nn.Linear(3, 5)), with_names=True)
    >>> mats[0].shape, mats[0].dtype, names
    ((5, 3), dtype('float32'), ['0'])
    """
    torch = require_torch(NEEDS_TORCH)
    mats, types, names, quantized = [], [], [], []
    for name, module in model.named_modules():
        w = getattr(module, "weight", None)
        if _quantized_weights(module) is not None:
            quantized.append(name)
        if "torch.nn.modules" not in str(type(module)) or not isinstance(w, torch.Tensor):
            continue
        _check_readable(f"{name}.weight" if name else "weight", _type_name(module), w)
        if w.ndim < 2:
            continue
        n, m = w.shape[0], int(np.prod(w.shape[1:]))
        if n > 1 and m > 1:
            if w.is_complex():
                raise ValueError(f"layer {name} ({_type_name(module)}) has complex weights ({w.dtype}): legacy=True "
                                 "(bristol 0.2.14) reads real float32 weights; use the default, which takes the "
                                 "Hermitian Gram matrix W W^H")
            check_matrix_values(_matrix(name, _type_name(module), w, _unchanged, None))
            mats.append(w.detach().cpu().float().reshape(n, m).numpy())
            types.append(str(type(module)))
            names.append(name)
    if quantized:
        warnings.warn(f"legacy=True (bristol 0.2.14's selection) ignores {len(quantized)} quantized modules "
                      f"({', '.join(quantized[:5])}{', ...' if len(quantized) > 5 else ''}); the default policy "
                      "reads their dequantized weights", stacklevel=3)
    extra = ([types] if with_types else []) + ([names] if with_names else [])
    return (mats, *extra) if extra else mats
