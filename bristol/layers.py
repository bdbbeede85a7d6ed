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

A matrix with fewer than 2 rows or columns is skipped (as in 0.2.14), and so is every
parameter with >= 2 dimensions of a module the policy does not cover (ViT's class token and
position embedding, say): each skip is reported with its reason and a warning, never hidden.
"""
from __future__ import annotations

import functools
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Tuple

import numpy as np


def _torch():
    try:
        import torch
    except ImportError as err:  # pragma: no cover - exercised only without the extra
        raise ImportError("cPSE on PyTorch models needs torch: pip install 'bristol[torch]'") from err
    return torch


@dataclass
class LayerMatrix:
    """One matrix taken from a model: where it comes from and its values (a 2-D tensor)."""

    name: str
    layer_type: str
    weight_shape: Tuple[int, ...]
    matrix: object = field(repr=False)

    @property
    def matrix_shape(self) -> Tuple[int, int]:
        return tuple(self.matrix.shape)


@dataclass
class SkippedWeight:
    """A weight with >= 2 dimensions that did not become a matrix, and why."""

    name: str
    layer_type: str
    weight_shape: Tuple[int, ...]
    reason: str


_GATES = {"LSTM": "ifgo", "GRU": "rzn", "RNN": "h"}


def _type_name(module) -> str:
    cls = type(module)
    return f"{cls.__module__}.{cls.__qualname__}"


def _split_rows(name, layer_type, weight, parts):
    chunks = weight.detach().chunk(len(parts), dim=0)
    return [LayerMatrix(f"{name}[{p}]", layer_type, tuple(weight.shape), c) for p, c in zip(parts, chunks)]


def _module_matrices(name: str, module) -> Tuple[List[LayerMatrix], List[str]]:
    """Matrices of one module under the policy, and the names of the parameters it consumed."""
    nn = _torch().nn
    kind = _type_name(module)
    w = getattr(module, "weight", None)
    if isinstance(module, (nn.Linear, nn.Bilinear, nn.modules.conv._ConvNd)) and not isinstance(
        module, nn.modules.conv._ConvTransposeNd
    ):
        return [LayerMatrix(name, kind, tuple(w.shape), w.detach().reshape(w.shape[0], -1))], ["weight"]
    if isinstance(module, nn.modules.conv._ConvTransposeNd):
        return [LayerMatrix(name, kind, tuple(w.shape), w.detach().reshape(w.shape[0], -1))], ["weight"]
    if isinstance(module, (nn.Embedding, nn.EmbeddingBag)):
        return [LayerMatrix(name, kind, tuple(w.shape), w.detach().T)], ["weight"]
    if isinstance(module, nn.MultiheadAttention):
        if module.in_proj_weight is not None:
            return _split_rows(f"{name}.in_proj_weight", kind, module.in_proj_weight, "qkv"), ["in_proj_weight"]
        mats = [
            LayerMatrix(f"{name}.{p}_proj_weight", kind, tuple(getattr(module, f"{p}_proj_weight").shape),
                        getattr(module, f"{p}_proj_weight").detach())
            for p in "qkv"
        ]
        return mats, ["q_proj_weight", "k_proj_weight", "v_proj_weight"]
    if isinstance(module, nn.RNNBase):
        gates = _GATES.get(module.mode.split("_")[0], "h")
        mats, used = [], []
        for pname, p in module.named_parameters(recurse=False):
            if pname.startswith(("weight_ih", "weight_hh")):
                mats += _split_rows(f"{name}.{pname}", kind, p, gates)
                used.append(pname)
            elif pname.startswith("weight_hr"):
                mats.append(LayerMatrix(f"{name}.{pname}", kind, tuple(p.shape), p.detach()))
                used.append(pname)
        return mats, used
    if type(module).__name__ == "Conv1D" and isinstance(w, _torch().Tensor) and w.ndim == 2:
        return [LayerMatrix(name, kind, tuple(w.shape), w.detach().T)], ["weight"]  # transformers' Conv1D
    return [], []


def extract_layer_matrices(model, example_input=None) -> Tuple[List[LayerMatrix], List[SkippedWeight]]:
    """Apply the layer policy to ``model``: (matrices, skipped weights).

    The matrices come in registration order (``named_modules``, as bristol 0.2.14), or, when
    ``example_input`` is given, in the order their modules first run in one forward pass on it
    (see :func:`forward_order`).
    """
    matrices: List[LayerMatrix] = []
    owners: List[str] = []
    skipped: List[SkippedWeight] = []
    for name, module in model.named_modules():
        found, used = _module_matrices(name, module)
        for m in found:
            if min(m.matrix_shape) < 2:
                skipped.append(SkippedWeight(m.name, m.layer_type, m.weight_shape, f"matrix {m.matrix_shape} has fewer than 2 rows or columns"))
            else:
                matrices.append(m)
                owners.append(name)
        for pname, p in module.named_parameters(recurse=False):
            if p.ndim >= 2 and pname not in used:
                skipped.append(SkippedWeight(f"{name}.{pname}" if name else pname, _type_name(module), tuple(p.shape),
                                             "not covered by the layer policy"))
    for s in skipped:
        warnings.warn(f"cPSE skips {s.name} ({s.layer_type}, shape {s.weight_shape}): {s.reason}", stacklevel=3)
    if example_input is not None:
        matrices = _in_forward_order(matrices, owners, forward_order(model, example_input))
    return matrices, skipped


def forward_order(model, example_input) -> Dict[str, int]:
    """Position of each module's first call in one forward pass of ``model`` on
    ``example_input`` (a tensor, or a tuple of positional arguments); modules that do not run
    are absent. The pass runs under ``torch.no_grad()`` in eval mode, so no buffer (batch-norm
    statistics) changes and training-only branches do not run; every module's mode is restored."""
    torch = _torch()
    order: Dict[str, int] = {}
    modes = [(module, module.training) for module in model.modules()]
    handles = [module.register_forward_pre_hook(functools.partial(_record_call, order, name))
               for name, module in model.named_modules()]
    args = example_input if isinstance(example_input, tuple) else (example_input,)
    try:
        model.eval()
        with torch.no_grad():
            model(*args)
    except Exception as err:
        raise ValueError(f"the forward pass on example_input failed: {type(err).__name__}: {err}") from err
    finally:
        for handle in handles:
            handle.remove()
        for module, training in modes:
            module.training = training
    return order


def _record_call(order: Dict[str, int], name: str, module, args) -> None:
    order.setdefault(name, len(order))


def _in_forward_order(matrices: List[LayerMatrix], owners: List[str], order: Dict[str, int]) -> List[LayerMatrix]:
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


def legacy_weight_matrices(model, with_types: bool = False, with_names: bool = False):
    """bristol 0.2.14's selection: every module of ``torch.nn.modules`` with a ``weight`` of
    >= 2 dimensions, reshaped to shape[0] x prod(shape[1:]) in float32 if both are > 1.

    Returns the list of matrices, or a tuple with the layer types (``str(type(module))``, as
    0.2.14 reports them) and/or module names when asked.
    """
    torch = _torch()
    mats, types, names = [], [], []
    for name, module in model.named_modules():
        w = getattr(module, "weight", None)
        if "torch.nn.modules" not in str(type(module)) or not isinstance(w, torch.Tensor) or w.ndim < 2:
            continue
        n, m = w.shape[0], int(np.prod(w.shape[1:]))
        if n > 1 and m > 1:
            mats.append(w.detach().cpu().float().reshape(n, m).numpy())
            types.append(str(type(module)))
            names.append(name)
    extra = ([types] if with_types else []) + ([names] if with_names else [])
    return (mats, *extra) if extra else mats


def resolve_model(model, weights=None, arch=None):
    """Return a ``torch.nn.Module`` from a module, a torchvision model name, a state_dict or a
    saved file.

    * ``torch.nn.Module``: used as it is.
    * ``str`` naming a torchvision model (e.g. "resnet50"): built with
      ``torchvision.models.get_model(name, weights=weights)``; ``weights="DEFAULT"`` downloads
      the pretrained weights, which needs network access (``weights=None``: random init).
    * a mapping (state_dict): loaded into ``arch`` (a model name or module).
    * a path to a file saved with ``torch.save``: a whole module, or a state_dict with ``arch``.
    """
    torch = _torch()
    if isinstance(model, torch.nn.Module):
        return model
    if isinstance(model, (str, Path)) and Path(model).is_file():
        try:
            loaded = torch.load(Path(model), map_location="cpu", weights_only=False)
        except Exception as err:
            raise ValueError(f"cannot read a torch model or state_dict from {str(model)!r}: {err}") from err
        return resolve_model(loaded, weights, arch)
    if isinstance(model, str):
        import torchvision

        names = torchvision.models.list_models()
        if model not in names:
            raise ValueError(f"unknown model name {model!r}: expected a torchvision model ({', '.join(names[:8])}, ...) or a file")
        return torchvision.models.get_model(model, weights=weights)
    if isinstance(model, dict) or hasattr(model, "keys") and hasattr(model, "items"):
        if arch is None:
            raise ValueError("a state_dict needs arch= (a torchvision model name or a module) to load into")
        net = resolve_model(arch)
        net.load_state_dict(model)
        return net
    raise TypeError(f"model must be a torch.nn.Module, a torchvision model name, a state_dict or a file path, got {type(model).__name__}")
