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
fused q/k/v projections            split into q, k, v (names ``"...c_attn[q]"``, listed q, k, v),
                                   each out x in, as the attention module's forward splits them:
                                   GPT-2 ``c_attn`` (cross-attention: k, v), GPT-BigCode ``c_attn``
                                   (multi-query, or per-head interleaved), Phi-3 ``qkv_proj`` and
                                   Dbrx ``Wqkv`` (grouped-query sizes from ``num_key_value_heads``
                                   and ``head_dim``), MPT and ModernBERT ``Wqkv``, LayoutLMv2
                                   ``qkv_linear``, GPT-NeoX, Bloom,
                                   Persimmon and Falcon ``query_key_value`` (per-head interleaved
                                   rows, Falcon's multi-query and grouped layouts), CodeGen
                                   ``qkv_proj`` (4 model-parallel shards of [q v k]), MiniMax
                                   lightning attention ``qkv_proj`` (per head), JetMoe ``kv_proj``
                                   (k, v), DeBERTa ``in_proj`` (per head), MobileViTV2
                                   ``qkv_proj``, the vision towers' ``qkv`` (Qwen2/2.5/3-VL,
                                   GLM-4V, BLIP, SAM, VitDet, Hiera, ... in ``_PLAIN_QKV``;
                                   Exaone 4.5's grouped query); timm's fused ``qkv`` / ``kv`` /
                                   ``qk`` of 50 attention modules (ViT, Swin (v1, v2, v2-cr), BEiT,
                                   EVA, CaiT, XCiT, Twins, PVT-v2, CoaT, NesT, MViTv2, FastViT,
                                   MaxViT (head-first: per head), LeViT, EfficientFormer, TinyViT
                                   (per head, key and value sizes), EfficientViT (MIT), SHViT,
                                   MobileViT, halo / bottleneck / lambda layers, ...; the list is
                                   ``_TIMM_LAYOUTS``), also inside a norm wrapper (LeViT's
                                   ``LinearNorm``); a 1-row part (MobileViT's query) is skipped
fused gate/up projections          transformers MLPs' ``gate_up_proj`` Linear, ModernBERT's ``Wi``,
                                   split into gate, up (the part the activation takes is the gate);
                                   timm's parallel-scaling ViT blocks' ``in_proj`` into mlp, q, k, v
mixture of experts (transformers)  each 3-D expert weight (E, out, in), or (E, in, out) where the
                                   module says ``is_transposed``, gives E matrices out x in,
                                   ``"...experts[3].down_proj"``; ``gate_up_proj`` is split into
                                   ``gate_proj`` and ``up_proj`` (concatenated or interleaved
                                   rows, as ``is_concatenated`` says); Dbrx's 2-D (E * ffn, d)
                                   ``w1``, ``v1``, ``w2`` give ``"...mlp[3].w1"`` (w2 transposed,
                                   d x ffn); JetMoe's (E, out, in) experts ``"...input_linear[3]"``
                                   (the MLP's split into ``gate_proj``, ``up_proj``); the router's
                                   weight (num_experts, hidden) is used as a Linear
PEFT LoRA layers                   one matrix, the base layer's under its own rule, of the
                                   effective weight W + sum_a scaling[a] B_a A_a over the active
                                   adapters (``note`` says so); lora_A / lora_B never become
                                   layers; merged or disabled adapters: the base weight
=================================  ==========================================================

Shared parameters enter once: a parameter (the same object, or the same storage, offset, shape
and stride) used by several modules -- tied input and output embeddings -- becomes a matrix
at its first use only, and ``shared_with`` lists its other names (T5's one embedding used four
times gives one matrix).

Position, segment and bias tables are skipped, the same way whether they are Embedding
modules or raw Parameters: learned position embeddings (GPT-2 ``wpe``, BERT
``position_embeddings``, ViT ``pos_embed``), token-type / segment embeddings, relative
position biases (T5 ``relative_attention_bias``, Swin ``relative_position_bias_table``) and
class / distillation / register tokens. They are looked up and added to activations or
attention scores, not applied to a layer's input, and several are tiny (BERT's 2 x 768
token types, T5's 32 x heads buckets). They are recognised by name (the last part of the
module or parameter name), and reported as skipped with that reason.

Quantized modules of ``torch.ao`` (``quantize_dynamic`` with qint8 or float16, static
quantized Linear / Conv / ConvTranspose / Embedding, dynamic LSTM / GRU) contribute their
dequantized weights under the same policy; the stored dtype (``torch.qint8``,
``torch.float16``, ...) is reported with each matrix (``weight_dtype``). So do float modules
holding quantized weights, with fused projections split as in float: torchao's tensor
subclasses (``quantize_`` with ``Int8WeightOnlyConfig``, ``IntxWeightOnlyConfig``,
``Float8WeightOnlyConfig``, ...) through their ``dequantize()``, reported as the subclass and
its stored dtype (``"Int8Tensor(torch.int8)"``, ``"IntxUnpackedToInt8Tensor(torch.int4)"``);
bitsandbytes' ``Linear4bit`` through ``dequantize_4bit`` (``"Params4bit(nf4)"``) and
``Linear8bitLt`` as its int8 rows times their scales / 127 (``"Int8Params(torch.int8)"``),
once quantized (before, their weights are float). These matrices are read through the module
(``sources`` is empty), so a LoRA adapter on a quantized layer (QLoRA) is refused, and
``example_input`` is refused with bitsandbytes weights, whose aliases in the forward pass lose
their quantization state. Complex weights are passed on unchanged (no cast).

A matrix with fewer than 2 rows or columns is skipped (as in 0.2.14), and so is every
weight with >= 2 dimensions of a module the policy does not cover (a quantized LSTMCell, a
custom module's raw Parameter, say): each skip is reported with its reason and a warning,
never hidden. ``include=`` / ``exclude=`` select matrices by name pattern or module type.

Weights that cannot be read are refused with an error that names the parameter: on the meta
device or uninitialised (lazy modules): ValueError; sparse: TypeError; NaN / Inf, or so large
that sigma^4 overflows float64: ValueError.
"""
from __future__ import annotations

import dataclasses
import functools
import re
import sys
import warnings
from collections.abc import Sequence
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
        ``"lstm.weight_ih_l0[i]"``, attention projections as ``"attn.in_proj_weight[q]"``,
        parts of a fused projection as ``"attn.c_attn[q]"``, experts as
        ``"mlp.experts[3].gate_proj"``; a LoRA layer by its own name).
    layer_type : str
        The module's class, with its module path.
    weight_shape : tuple of int
        Shape of the weight it comes from.
    matrix : torch.Tensor
        The 2-D matrix: a view of the weight, or a copy of a dequantized weight (float32 for
        torch.ao; for torchao and bitsandbytes the float dtype their dequantization gives).
    weight_dtype : str
        The dtype the weight is stored in (``"torch.qint8"`` for a torch.ao quantized layer,
        ``"Int8Tensor(torch.int8)"`` for torchao's, ``"Params4bit(nf4)"`` for bitsandbytes').
    sources : tuple of str
        The qualified names of the parameters the matrix is computed from
        (``model.get_parameter(name)``); empty when it is read through the module instead
        (quantized modules and quantized weights).
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


def _module_matrices(name: str, module, own: dict[str, Any], quantized: bool, parent: Any = None,
                     attr: str = "") -> tuple[list[LayerMatrix], list[str]]:
    """Matrices of one module under the policy, and the names of the weights it consumed
    (``own``: the module's own weights, the packed ones if ``quantized``; see :func:`_own_weights`;
    ``parent``: the module it is the attribute ``attr`` of, which says how a fused projection splits)."""
    nn = require_torch(NEEDS_TORCH).nn
    kind = _type_name(module)
    if quantized:
        return _quantized_matrices(name, module, kind, own)
    held = {pname: found for pname, p in own.items()
            if (found := _dequantized(module, p, _qualified(name, pname))) is not None}
    if held:
        return _held_matrices(name, module, own, held, parent, attr)
    w: Any = own.get("weight", getattr(module, "weight", None))
    weight_source = _qualified(name, "weight")
    if isinstance(module, (nn.Linear, nn.Bilinear, nn.modules.conv._ConvNd)):
        # ConvTranspose: in x (out / groups * prod(kernel)), the weight's storage orientation
        return _split_fused(_matrix(name, kind, w, _as_rows, weight_source), attr, parent), ["weight"]
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
        # transformers' Conv1D
        return _split_fused(_matrix(name, kind, w, _transposed, weight_source), attr, parent), ["weight"]
    experts = _expert_matrices(name, module, kind, own, parent, attr)
    if experts is not None:
        return experts
    if _is_router(module, own):
        return [_matrix(name, kind, own["weight"], _unchanged, weight_source)], ["weight"]
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


# --- fused projections, experts and routers (transformers, timm) -------------------------------

def _derived(m: LayerMatrix, name: str, fn: Callable[[Any], Any], note: str) -> LayerMatrix:
    """The matrix ``fn(m.matrix)`` named ``name``, rebuilt from the same sources by ``fn`` after
    ``m``'s own transform."""
    base = m.transform
    transform = None if base is None else (lambda *params: fn(base(*params)))
    return LayerMatrix(name, m.layer_type, m.weight_shape, fn(m.matrix), m.weight_dtype, m.sources, transform,
                       m.shared_with, note)


def _group_block(groups: int, counts: tuple[int, ...], size: int, index: int) -> Callable[[Any], Any]:
    """The rows of part ``index`` of a matrix whose rows are ``groups`` groups of
    ``sum(counts) * size`` rows, part i taking ``counts[i] * size`` consecutive rows of each group."""
    start, width = sum(counts[:index]) * size, sum(counts) * size
    stop = start + counts[index] * size
    return lambda w: w.reshape(groups, width, -1)[:, start:stop].reshape(groups * (stop - start), -1)


#: A fused projection's layout for :func:`_group_block`: (part names in row order, groups, rows
#: of each part per group in units of size, size).
_Layout = tuple[Sequence[str], int, tuple[int, ...], int]


def _blocks(parts: Sequence[str], rows: int, sizes: Sequence[int] | None = None, groups: int = 1) -> _Layout:
    """``rows`` as ``groups`` groups of the parts in order, ``sizes[i]`` rows of part i per group
    (equal shares of the rows when None)."""
    if sizes is None:
        return parts, groups, (1,) * len(parts), rows // max(groups * len(parts), 1)
    return parts, groups, tuple(int(s) for s in sizes), 1


def _grouped_query(parent, rows: int) -> _Layout:
    """q (num_heads) | k (num_key_value_heads) | v (num_key_value_heads) heads of head_dim rows."""
    kv, size = parent.num_key_value_heads, parent.head_dim
    return "qkv", 1, (rows // size - 2 * kv, kv, kv), size


def _falcon(parent, rows: int) -> _Layout:
    """Falcon ``query_key_value``: grouped (new decoder architecture), multi-query, or per head."""
    heads, kv, size = parent.num_heads, parent.num_kv_heads, parent.head_dim
    if parent.new_decoder_architecture:  # per key/value head: its queries, k, v
        return "qkv", kv, (heads // kv, 1, 1), size
    if parent.multi_query:  # all queries | one k | one v
        return "qkv", 1, (heads, 1, 1), size
    return "qkv", heads, (1, 1, 1), size


def _per_head(parent, rows: int) -> _Layout:
    """[q k v] interleaved per head: head_dim (or head_size) rows each."""
    size = getattr(parent, "head_dim", None) or parent.head_size
    return _blocks("qkv", rows, groups=rows // (3 * size))


def _per_head_keys_values(parent, rows: int) -> _Layout:
    """Per head [q k v] of key_dim, key_dim and val_dim rows (LeViT, EfficientFormer, TinyViT)."""
    return _blocks("qkv", rows, (parent.key_dim, parent.key_dim, parent.val_dim), parent.num_heads)


def _head_first(parent, rows: int) -> _Layout:
    """timm MaxViT / Attention2d: per head [q k v] when ``head_first``, else [q; k; v]."""
    return _blocks("qkv", rows, groups=parent.num_heads if parent.head_first else 1)


def _in_split(parent, rows: int) -> _Layout:
    """timm ViT parallel-scaling blocks: [mlp fc1; q; k; v] of the sizes ``in_split``."""
    return _blocks(("mlp", "q", "k", "v"), rows, parent.in_split)


def _big_code(parent, rows: int) -> _Layout | None:
    """GPT-BigCode ``c_attn``: multi-query [q; k; v] of embed_dim, kv_dim, kv_dim rows, else per
    head [q k v]; cross-attention's (k, v of one head's size) is not split."""
    if parent.is_cross_attention:
        return None
    if parent.multi_query:
        return _blocks("qkv", rows, (parent.embed_dim, parent.kv_dim, parent.kv_dim))
    return _blocks("qkv", rows, groups=parent.num_heads)


def _equal(parts: Sequence[str]) -> Callable[[Any, int], _Layout]:
    """[q; k; v] (or the named parts) as equal row blocks."""
    return lambda parent, rows: _blocks(parts, rows)


#: transformers vision attention modules whose ``qkv`` Linear output is reshaped as (..., 3,
#: num_heads, head_dim): [q; k; v].
_PLAIN_QKV = ("BlipAttention", "Blip2Attention", "CohereCompassVisionAttention", "DeepseekOcr2SamVisionAttention",
              "Dots3NoteVisionAttention", "Ernie4_5_VLMoeVisionAttention", "Florence2VisionChannelAttention",
              "Florence2VisionWindowAttention", "Glm4vVisionAttention", "Glm4vMoeVisionAttention",
              "Glm5NextVisionAttention", "GlmImageVisionAttention", "GlmOcrVisionAttention", "GotOcr2VisionAttention",
              "HieraMaskUnitAttention", "InstructBlipAttention", "InstructBlipVideoAttention", "MgpstrAttention",
              "PPFormulaNetVisionAttention", "PPOCRV5MobileRecAttention", "PPOCRV5ServerRecAttention",
              "PPOCRV6SmallRecAttention", "Qwen2_5_VLVisionAttention", "VisionAttention", "Qwen3_5VisionAttention",
              "Qwen3_5MoeVisionAttention", "Qwen3OmniMoeVisionAttention", "Qwen3VLVisionAttention",
              "Qwen3VLMoeVisionAttention", "Qwen4ExpVisionAttention", "SamVisionAttention", "Sam2MultiScaleAttention",
              "SamHQVisionAttention", "SegGptAttention", "SLANeXtVisionAttention", "TimesformerSelfAttention",
              "UnlimitedOcrSamVisionAttention", "VitDetAttention")

#: transformers: (attention class name, projection) -> layout, read from each forward pass.
_TRANSFORMERS_LAYOUTS: dict[tuple[str, str], Callable[[Any, int], _Layout | None]] = {
    **{(cls, "qkv"): _equal("qkv") for cls in _PLAIN_QKV},
    ("Exaone4_5_VisionAttention", "qkv"):  # grouped query: q_dim | kv_dim | kv_dim
        lambda parent, rows: _blocks("qkv", rows, (parent.q_dim, parent.kv_dim, parent.kv_dim)),
    **{(cls, "query_key_value"): _per_head for cls in ("GPTNeoXAttention", "GPTNeoXJapaneseAttention",
                                                       "BloomAttention", "PersimmonAttention")},
    ("FalconAttention", "query_key_value"): _falcon,
    ("DbrxAttention", "Wqkv"): _grouped_query,
    ("MptAttention", "Wqkv"): _equal("qkv"),
    ("LayoutLMv2SelfAttention", "qkv_linear"): _equal("qkv"),  # fast_qkv: chunk(3)
    ("ModernBertAttention", "Wqkv"): _equal("qkv"),
    ("MiniMaxLightningAttention", "qkv_proj"): _per_head,
    # CodeGen: 4 model-parallel shards (mp_num), each [q v k] of embed_dim / mp_num rows
    ("CodeGenAttention", "qkv_proj"): lambda parent, rows: _blocks("qvk", rows, groups=parent.mp_num),
    ("JetMoeAttention", "kv_proj"): _equal("kv"),
    ("ModernBertMLP", "Wi"): _equal(("gate", "up")),  # act(first half) * second half, as act(gate) * up
    ("GPTBigCodeAttention", "c_attn"): _big_code,
    # DeBERTa (v1): in_proj(x).view(..., heads, -1).chunk(3): per head [q k v]
    ("DisentangledSelfAttention", "in_proj"):
        lambda parent, rows: _blocks("qkv", rows, groups=parent.num_attention_heads),
    ("MobileViTV2LinearSelfAttention", "qkv_proj"):
        lambda parent, rows: _blocks("qkv", rows, (1, parent.embed_dim, parent.embed_dim)),
}

#: timm (module path under ``timm.``, projection) -> layout, read from each forward pass: the
#: plain concatenation [q; k; v] ([k; v], [q; k]) of equal blocks, reshaped as (3, num_heads,
#: head_dim) or chunked in 3, is the default of the first group.
_TIMM_LAYOUTS: dict[str, Callable[[Any, int], _Layout]] = {
    **{f"{path}.{attr}": _equal(attr) for path, attr in (
        ("layers.attention.Attention", "qkv"), ("layers.attention.AttentionRope", "qkv"),
        ("layers.attention_pool.AttentionPoolLatent", "kv"), ("layers.attention_pool2d.AttentionPool2d", "qkv"),
        ("layers.attention_pool2d.RotAttentionPool2d", "qkv"), ("layers.diff_attention.DiffAttention", "qkv"),
        ("models.beit.Attention", "qkv"), ("models.cait.TalkingHeadAttn", "qkv"),
        ("models.coat.FactorAttnConvRelPosEnc", "qkv"), ("models.convit.GPSA", "qk"), ("models.convit.MHSA", "qkv"),
        ("models.davit.ChannelAttention", "qkv"), ("models.davit.ChannelAttentionV2", "qkv"),
        ("models.davit.WindowAttention", "qkv"), ("models.edgenext.CrossCovarianceAttn", "qkv"),
        ("models.eva.EvaAttention", "qkv"), ("models.fastvit.Attention", "qkv"),
        ("models.hiera.MaskUnitAttention", "qkv"), ("models.hieradet_sam2.MultiScaleAttention", "qkv"),
        ("models.metaformer.Attention", "qkv"), ("models.mvitv2.MultiScaleAttention", "qkv"),
        ("models.nest.Attention", "qkv"), ("models.pvt_v2.Attention", "kv"),
        ("models.swin_transformer.WindowAttention", "qkv"), ("models.swin_transformer_v2.WindowAttention", "qkv"),
        ("models.swin_transformer_v2_cr.WindowMultiHeadAttention", "qkv"), ("models.tnt.Attention", "qk"),
        ("models.twins.GlobalSubSampleAttn", "kv"), ("models.twins.LocallyGroupedAttn", "qkv"),
        ("models.vision_transformer_relpos.RelPosAttention", "qkv"), ("models.vision_transformer_sam.Attention", "qkv"),
        ("models.visformer.Attention", "qkv"), ("models.volo.Attention", "qkv"), ("models.volo.ClassAttention", "kv"),
        ("models.xcit.XCA", "qkv"))},
    "models.gcvit.WindowAttentionGlobal.qkv": lambda parent, rows: _blocks("kv" if parent.use_global else "qkv", rows),
    "layers.attention2d.Attention2d.qkv": _head_first,
    "models.maxxvit.Attention2d.qkv": _head_first,
    "models.maxxvit.AttentionCl.qkv": _head_first,
    "models.vision_transformer.ParallelScalingBlock.in_proj": _in_split,
    "models.vision_transformer.DiffParallelScalingBlock.in_proj": _in_split,
    "layers.bottleneck_attn.BottleneckAttn.qkv":
        lambda parent, rows: _blocks("qkv", rows, (parent.dim_out_qk, parent.dim_out_qk, parent.dim_out_v)),
    "layers.lambda_layer.LambdaLayer.qkv":
        lambda parent, rows: _blocks("qkv", rows, (parent.num_heads * parent.dim_qk, parent.dim_qk, parent.dim_v)),
    "models.shvit.SHSA.qkv": lambda parent, rows: _blocks("qkv", rows, (parent.qk_dim, parent.qk_dim, parent.pdim)),
    "models.mobilevit.LinearSelfAttention.qkv_proj":
        lambda parent, rows: _blocks("qkv", rows, (1, parent.embed_dim, parent.embed_dim)),
    "layers.halo_attn.HaloAttn.kv":
        lambda parent, rows: _blocks("kv", rows, (parent.dim_head_qk, parent.dim_head_v), parent.num_heads),
    "models.levit.Attention.qkv": _per_head_keys_values,
    "models.levit.AttentionDownsample.kv":
        lambda parent, rows: _blocks("kv", rows, (parent.key_dim, parent.val_dim), parent.num_heads),
    "models.efficientformer.Attention.qkv": _per_head_keys_values,
    "models.tiny_vit.Attention.qkv": _per_head_keys_values,
    "models.efficientvit_mit.LiteMLA.qkv": lambda parent, rows: _blocks("qkv", rows, groups=rows // (3 * parent.dim)),
}

#: Modules wrapping a projection with a norm (timm): the wrapped child's name. The projection is
#: split as its wrapper is by the wrapper's parent (LeViT's ``qkv = LinearNorm(...)``).
_NORM_WRAPPERS = {"timm.models.levit.LinearNorm": "linear", "timm.models.levit.ConvNorm": "linear",
                  "timm.models.shvit.Conv2dNorm": "c", "timm.models.efficientvit_mit.ConvNormAct": "conv",
                  "transformers.models.mobilevitv2.modeling_mobilevitv2.MobileViTV2ConvLayer": "convolution"}

#: Order in which split parts are listed: q, k, v whatever their order in the rows.
_PART_RANK = {"q": 1, "k": 2, "v": 3}


def _fusion_site(modules: dict[str, Any], name: str) -> tuple[Any, str]:
    """(parent, attribute) that say how the module ``name`` splits: its parent and its own name,
    or, for the child of a norm wrapper, the wrapper's parent and the wrapper's name."""
    if not name:
        return None, ""
    parent_name, _, attr = name.rpartition(".")
    parent = modules[parent_name]
    path = f"{type(parent).__module__}.{type(parent).__qualname__}"
    if parent_name and _NORM_WRAPPERS.get(path) == attr:
        grandparent, _, wrapper = parent_name.rpartition(".")
        return modules[grandparent], wrapper
    return parent, attr


def _fused_layout(attr: str, parent, rows: int) -> _Layout | None:
    """How the ``rows`` output rows of the projection ``parent.<attr>`` split into named parts as
    the parent's forward pass splits them; None for a projection that is not a known fusion."""
    if parent is None:
        return None
    cls, path = type(parent).__name__, f"{type(parent).__module__}.{type(parent).__qualname__}"
    if path.startswith("timm."):
        layout = _TIMM_LAYOUTS.get(f"{path[len('timm.'):]}.{attr}")
        return None if layout is None else layout(parent, rows)
    if not path.startswith("transformers."):
        return None
    if (cls, attr) in _TRANSFORMERS_LAYOUTS:
        return _TRANSFORMERS_LAYOUTS[cls, attr](parent, rows)
    if attr == "c_attn" and hasattr(parent, "split_size"):
        # GPT-2 family: q | k | v blocks of split_size rows (cross-attention: k | v, q in q_attn)
        parts = {3: "qkv", 2: "kv"}.get(rows // parent.split_size, "")
        return (parts, 1, (1,) * len(parts), parent.split_size) if parts else None
    if attr == "qkv_proj" and hasattr(parent, "num_key_value_heads") and hasattr(parent, "head_dim"):
        return _grouped_query(parent, rows)  # Phi-3
    if attr == "gate_up_proj":
        return _equal(("gate", "up"))(parent, rows)  # Phi-3 / GLM MLPs: gate, up = chunk(2)
    return None


def _split_fused(m: LayerMatrix, attr: str, parent) -> list[LayerMatrix]:
    """``m`` split into q, k, v (or gate, up; listed q, k, v whatever their row order) when its
    module ``parent.<attr>`` is a known fused projection whose layout accounts for all its rows;
    ``[m]`` otherwise."""
    layout = _fused_layout(attr, parent, m.matrix_shape[0])
    if layout is None:
        return [m]
    parts, groups, counts, size = layout
    if min(counts) < 1 or size < 1 or groups < 1 or groups * sum(counts) * size != m.matrix_shape[0]:
        return [m]
    what = "/".join(parts)
    listed = sorted(range(len(parts)), key=lambda i: _PART_RANK.get(parts[i], 0))
    return [_derived(m, f"{m.name}[{parts[i]}]", _group_block(groups, counts, size, i),
                     f"{parts[i]} of a fused {what} projection") for i in listed]


#: 3-D expert weights of transformers' mixture-of-experts modules and the matrices of each expert.
_EXPERT_PARTS = {"gate_up_proj": ("gate_proj", "up_proj"), "up_proj": ("up_proj",), "down_proj": ("down_proj",)}
#: (is_transposed, is_concatenated) of experts modules without transformers' experts decorator.
_UNDECORATED_EXPERTS = {"Llama4TextExperts": (True, True), "Step3p7Experts": (False, True)}
#: Experts modules with their own layout: class name -> (attribute giving the number of experts,
#: {parameter: stored transposed}). Dbrx keeps (E * ffn, hidden) 2-D, expert e the rows
#: e * ffn ... (e + 1) * ffn (w1: gate, v1: up, w2: down transposed); JetMoe (E, out, in).
_OWN_EXPERTS = {"DbrxExpertGLU": ("moe_num_experts", {"w1": False, "v1": False, "w2": True}),
                "JetMoeParallelExperts": ("num_experts", {"weight": False})}
#: JetMoe's MLP input experts: gate and up concatenated (``chunk(2)``); its attention experts'
#: input_linear (the query) and every output_linear are one matrix per expert.
_EXPERT_SPLITS = {("JetMoeMoE", "input_linear"): ("gate_proj", "up_proj")}


def _expert_layout(module, parent, attr: str) -> tuple[int, dict[str, tuple[Sequence[str], bool]], bool] | None:
    """(number of experts, {parameter: (its matrices per expert, stored transposed)}, gate and up
    rows concatenated) of a transformers experts module: the attributes its
    ``use_experts_implementation`` decorator sets (stored (E, in, out) when transposed, else
    (E, out, in); gate and up concatenated or interleaved), or its own layout; None for other
    modules. A part named ``""`` is the expert's whole matrix, named ``"...[e]"``."""
    if not type(module).__module__.startswith("transformers."):
        return None
    cls = type(module).__name__
    if cls in _OWN_EXPERTS:
        count, stored = _OWN_EXPERTS[cls]
        split = _EXPERT_SPLITS.get((type(parent).__name__, attr))
        return getattr(module, count), {p: (split or ("" if p == "weight" else p,), transposed)
                                        for p, transposed in stored.items()}, True
    if isinstance(getattr(module, "is_transposed", None), bool):
        transposed, concatenated = module.is_transposed, bool(getattr(module, "is_concatenated", True))
    elif cls in _UNDECORATED_EXPERTS:
        transposed, concatenated = _UNDECORATED_EXPERTS[cls]
    else:
        return None
    weights: dict[str, tuple[Sequence[str], bool]] = {p: (parts, transposed) for p, parts in _EXPERT_PARTS.items()
               if getattr(getattr(module, p, None), "ndim", 0) == 3}
    return (getattr(module, next(iter(weights))).shape[0], weights, concatenated) if weights else None


def _expert_block(experts: int, expert: int, transposed: bool, index: int, parts: int,
                  concatenated: bool) -> Callable[[Any], Any]:
    """The out x in matrix of part ``index`` of ``parts`` (gate, up) of one expert of a weight
    holding ``experts`` experts: (E, out, in), (E, in, out) if transposed, or 2-D (E * out, in)."""
    def block(w):
        m = w.reshape(experts, -1, w.shape[-1])[expert]
        m = m.T if transposed else m
        if parts == 1:
            return m
        return m.chunk(parts, dim=0)[index] if concatenated else m[index::parts]
    return block


def _expert_matrices(name: str, module, kind: str, own: dict[str, Any], parent, attr: str):
    """Per-expert matrices of a transformers experts module, expert by expert (gate, up, down),
    and the weights consumed; None for other modules."""
    layout = _expert_layout(module, parent, attr)
    if layout is None:
        return None
    experts, layouts, concatenated = layout
    weights = {p: w for p, w in own.items() if p in layouts}
    if not weights:
        return None
    mats = []
    for e in range(experts):
        for pname, w in weights.items():
            parts, transposed = layouts[pname]
            for i, part in enumerate(parts):
                block = _expert_block(experts, e, transposed, i, len(parts), concatenated)
                m = _matrix(f"{name}[{e}]" + (f".{part}" if part else ""), kind, w, block, _qualified(name, pname))
                m.note = f"expert {e} of {experts}"
                mats.append(m)
    return mats, list(weights)


def _is_router(module, own: dict[str, Any]) -> bool:
    """A transformers mixture-of-experts router: a ``weight`` (num_experts, hidden) applied as
    ``F.linear(x, weight)``, i.e. a Linear without the module."""
    w = own.get("weight")
    return (type(module).__module__.startswith("transformers.") and type(module).__name__.endswith("Router")
            and w is not None and w.ndim == 2 and w.shape[0] == getattr(module, "num_experts", None))


# --- adapters (PEFT LoRA) ---------------------------------------------------------------------

def _is_lora(module) -> bool:
    """Whether ``module`` is a PEFT LoRA layer (peft is only looked at when already imported)."""
    if "peft" not in sys.modules:
        return False
    from peft.tuners.lora import LoraLayer

    return isinstance(module, LoraLayer)


def _lora_delta(embedding: bool, fan_in_fan_out: bool, scale: float, a, b, shape):
    """scale * B A in the base weight's layout: Linear / Conv (B a 1x1 kernel) out x in (x kernel),
    transposed for a weight stored (in, out) (``fan_in_fan_out``); Embedding (V, d) = (B A)^T."""
    if embedding:
        return (b @ a).T * scale
    delta = (b.reshape(b.shape[0], -1) @ a.reshape(a.shape[0], -1)) * scale
    return delta.T if fan_in_fan_out else delta.reshape(shape)


def _lora_transform(base: Callable[..., Any], embedding: bool, fan_in_fan_out: bool, scales: list[float]):
    """W, A_1, B_1, A_2, B_2, ... -> base(W + sum_a scale_a B_a A_a)."""
    def merged(w, *factors):
        for i, scale in enumerate(scales):
            w = w + _lora_delta(embedding, fan_in_fan_out, scale, factors[2 * i], factors[2 * i + 1], w.shape)
        return base(w)
    return merged


def _lora_matrices(name: str, module, parent, attr: str) -> list[LayerMatrix]:
    """The base layer's matrices of a PEFT LoRA layer under the policy, each on the effective
    weight W + sum (alpha / r) B A of the active adapters (the merged view), named by the LoRA
    layer; the factors never become matrices."""
    base = module.get_base_layer()
    prefix = _qualified(name, "base_layer")
    found, _ = _module_matrices(prefix, base, dict(base.named_parameters(recurse=False)), False, parent, attr)
    if module.merged or module.disable_adapters:
        state = "merged into the base weight" if module.merged else "disabled"
        return [_renamed(m, prefix, name, _type_name(module), f"LoRA adapters {state}: base weight") for m in found]
    embedding = "lora_embedding_A" in dict(module.named_children()) and bool(module.lora_embedding_A)
    active = [a for a in module.active_adapters if a in (module.lora_embedding_A if embedding else module.lora_A)]
    dora = [a for a in active if module.use_dora.get(a)]
    if dora:
        raise ValueError(f"layer {name} ({_type_name(module)}) uses DoRA (adapter {dora[0]}): cPSE takes the merged "
                         "view of plain LoRA only; merge it first (model.merge_and_unload())")
    factors: list[str] = []
    for a in active:
        factors += ([f"lora_embedding_A.{a}", f"lora_embedding_B.{a}"] if embedding
                    else [f"lora_A.{a}.weight", f"lora_B.{a}.weight"])
        b = module.lora_embedding_B[a] if embedding else module.lora_B[a].weight
        if not embedding and (b.shape[2:].numel() != 1 or getattr(base, "groups", 1) != 1):
            raise ValueError(f"layer {name} ({_type_name(module)}): LoRA adapter {a} with a {tuple(b.shape[2:])} "
                             "kernel in lora_B or a grouped convolution is not supported; merge it first")
    scales = [float(module.scaling[a]) for a in active]
    fan_in_fan_out = bool(getattr(module, "fan_in_fan_out", False))
    params = [module.get_parameter(f) for f in factors]
    note = f"LoRA merged: W + (alpha / r) B A, adapters {', '.join(active)}" if active else "LoRA: no active adapter"
    if found and all(m.transform is None for m in found):  # a quantized base: its matrix is read dequantized
        return [_quantized_lora_matrix(name, module, base, found, params, scales, embedding, fan_in_fan_out, note)]
    out = []
    for m in found:
        if m.transform is None or len(m.sources) != 1:
            raise ValueError(f"layer {name} ({_type_name(module)}): LoRA on a {_type_name(base)} is not supported")
        transform = _lora_transform(m.transform, embedding, fan_in_fan_out, scales)
        weight = base.get_parameter(m.sources[0].rpartition(".")[2]).detach()
        matrix = transform(weight, *[p.detach() for p in params])
        out.append(LayerMatrix(name + m.name[len(prefix):], _type_name(module), m.weight_shape, matrix,
                               m.weight_dtype, m.sources + tuple(_qualified(name, f) for f in factors), transform,
                               note=note if not m.note else f"{note}; {m.note}"))
    return out


def _quantized_lora_matrix(name: str, module, base, found: list[LayerMatrix], params: list[Any], scales: list[float],
                           embedding: bool, fan_in_fan_out: bool, note: str) -> LayerMatrix:
    """QLoRA: the merged view W + sum scale B A of a LoRA layer on a quantized Linear, W the
    dequantized weight (read through the module, so no parameter sources: it is not rebuilt
    from a checkpoint)."""
    torch = require_torch(NEEDS_TORCH)
    (m,) = found if len(found) == 1 else (None,)
    if m is None or embedding or fan_in_fan_out or not isinstance(base, torch.nn.Linear) or m.matrix.ndim != 2:
        raise ValueError(f"layer {name} ({_type_name(module)}): LoRA on a {_type_name(base)} is not supported "
                         "(the merged view of a quantized base covers a plain Linear)")
    merged = m.matrix
    for i, scale in enumerate(scales):
        a, b = params[2 * i].detach(), params[2 * i + 1].detach()
        merged = merged + _lora_delta(False, False, scale, a.to(merged.dtype), b.to(merged.dtype), merged.shape)
    return LayerMatrix(name, _type_name(module), m.weight_shape, merged, m.weight_dtype,
                       note=f"{note} on the dequantized weight" if not m.note else f"{note}; {m.note}")


def _renamed(m: LayerMatrix, prefix: str, name: str, kind: str, note: str) -> LayerMatrix:
    return LayerMatrix(name + m.name[len(prefix):], kind, m.weight_shape, m.matrix, m.weight_dtype,
                       m.sources, m.transform, m.shared_with, note if not m.note else f"{note}; {m.note}")


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


# --- quantized weights held by float modules (torchao, bitsandbytes) ---------------------------

def _is_held_quantized(p) -> bool:
    """Whether the parameter ``p`` holds quantized values: a torchao tensor subclass
    (``quantize_``), or a bitsandbytes ``Params4bit`` / ``Int8Params`` once quantized (neither
    package is imported here: a model holding such a tensor has imported it)."""
    cls = type(p)
    if cls.__module__.startswith("torchao."):
        return True
    if not cls.__module__.startswith("bitsandbytes."):
        return False
    if cls.__name__ == "Params4bit":
        return getattr(p, "quant_state", None) is not None
    return cls.__name__ == "Int8Params" and p.dtype == require_torch(NEEDS_TORCH).int8


def _dequantized(module, p, qualified: str) -> tuple[Any, str] | None:
    """(dequantized values, stored dtype) of the parameter ``qualified`` if it holds quantized
    values, in the float module's layout; None for any other parameter. torchao: ``p.dequantize()``, stored
    as the subclass name and its integer or float8 dtype (``"Int8Tensor(torch.int8)"``,
    ``"IntxUnpackedToInt8Tensor(torch.int4)"``); bitsandbytes: ``dequantize_4bit`` with the
    parameter's quant_state (``"Params4bit(nf4)"``), or the int8 rows times their scales
    ``SCB`` / 127 (``int8_vectorwise_dequant``, ``"Int8Params(torch.int8)"``; after a forward
    pass the scales are in the module's ``state``)."""
    if not _is_held_quantized(p):
        return None
    cls = type(p).__name__
    where = f"weight {qualified} ({_type_name(module)}, stored as {cls})"
    if type(p).__module__.startswith("torchao."):
        inner = getattr(p, "target_dtype", None) or getattr(getattr(p, "qdata", None), "dtype", None)
        try:
            values, stored = p.dequantize(), cls if inner is None else f"{cls}({inner})"
        except NotImplementedError as err:  # torchao's dispatch: an operator the subclass lacks
            raise ValueError(f"{where} cannot be dequantized: {err}") from None
    else:
        import bitsandbytes.functional as bnbf

        if cls == "Params4bit":
            values, stored = bnbf.dequantize_4bit(p.data, p.quant_state), f"{cls}({p.quant_state.quant_type})"
        else:
            scales = p.SCB if p.SCB is not None else getattr(getattr(module, "state", None), "SCB", None)
            if scales is None:
                raise ValueError(f"{where} holds int8 values without their scales (SCB): it cannot be "
                                 "dequantized")
            values, stored = bnbf.int8_vectorwise_dequant(p.data, scales), f"{cls}({p.dtype})"
    torch = require_torch(NEEDS_TORCH)
    if type(values) is not torch.Tensor or not values.is_floating_point():
        raise ValueError(f"{where}: its dequantize() gives a {type(values).__name__} of "
                         f"{getattr(values, 'dtype', None)}, not a float tensor: it cannot be read")
    return values.detach(), stored


def _held_matrices(name: str, module, own: dict[str, Any], held: dict[str, tuple[Any, str]], parent, attr: str):
    """The float module's policy on its dequantized weights (fused projections split as usual),
    each with its stored dtype; read through the module (no parameter source: the values need
    the quantization state, not only the parameter)."""
    values = {**own, **{pname: v for pname, (v, _) in held.items()}}
    found, used = _module_matrices(name, module, values, False, parent, attr)
    stored = {_qualified(name, pname): dtype for pname, (_, dtype) in held.items()}
    out = [dataclasses.replace(m, weight_dtype=stored[m.sources[0]], sources=(), transform=None)
           if m.sources and m.sources[0] in stored else m for m in found]
    return out, used


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

def extract_layer_matrices(model: Any, example_input: Any = None, *, include: Any = None,
                           exclude: Any = None) -> tuple[list[LayerMatrix], list[SkippedWeight]]:
    """Apply the layer policy to ``model``: the matrices cPSE uses, and the weights it skips.

    Parameters
    ----------
    model : torch.nn.Module
        The model.
    example_input : torch.Tensor or tuple, optional
        When given, the matrices come in the order their modules first run in one forward
        pass on it (:func:`forward_order`); otherwise in registration order
        (``named_modules``, as bristol 0.2.14).
    include, exclude : str, type or list of them, optional
        Keyword-only. Keep only the matrices matched by some entry of ``include`` (all when
        None), then drop those matched by ``exclude``. A string is a name pattern matched
        against the whole name of the matrix and of its module, with the wildcards ``*`` (any
        characters) and ``?`` (one), all else literal, brackets included (``"lm_head"``,
        ``"*.h.*"``, ``"*[q]"``, ``"*.experts[*"``); a ``torch.nn.Module`` subclass matches
        the matrices of its instances.
        Selection comes before shared parameters are taken once: excluding a tied input
        embedding lets the output layer that shares it enter. The matrices left out are
        listed among the skipped weights (no warning).

    Returns
    -------
    matrices : list of LayerMatrix
        Each a view of its weight (transposed or reshaped, no copy), or, for a quantized
        layer, a copy of the dequantized weight (the matrices of a quantized model take its
        float size in memory).
    skipped : list of SkippedWeight
        Weights with >= 2 dimensions that the policy does not cover or skips (position and
        bias tables), or whose matrix has fewer than 2 rows or columns, each also reported
        with a warning; then the matrices left out by ``include`` / ``exclude``.

    Raises
    ------
    ImportError
        torch is not installed.
    ValueError
        A weight is on the meta device, uninitialised (lazy module) or NaN / Inf
        (:func:`check_matrix_values`); the forward pass on ``example_input`` fails or writes
        into a parameter; a LoRA layer the merged view does not cover (DoRA). The message
        names the weight. An ``include`` / ``exclude`` pattern that matches no matrix (the
        message lists some names), or an empty pattern.
    TypeError
        A weight is sparse; ``include`` / ``exclude`` is not a str, a Module subclass or a
        list of them.

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
    >>> matrices, skipped = extract_layer_matrices(model, exclude=torch.nn.Conv2d)
    >>> [m.name for m in matrices], [(s.name, s.reason) for s in skipped]
    (['2'], [('0', 'excluded by exclude=')])
    """
    matrices, skipped = _unchecked_layer_matrices(model, example_input, include=include, exclude=exclude)
    for m in matrices:
        check_matrix_values(m)
    return matrices, skipped


def _unchecked_layer_matrices(model: Any, example_input: Any = None, *, include: Any = None,
                              exclude: Any = None) -> tuple[list[LayerMatrix], list[SkippedWeight]]:
    """:func:`extract_layer_matrices` without its NaN / Inf pass over the values, for callers
    whose next step sees every value anyway: :func:`bristol.cPSE._pse.gram_spectra` refuses
    non-finite matrices in the pass that picks their power-of-two scale (one pass instead of
    two). Unreadable weights (meta, lazy, sparse) are still refused here."""
    found = _apply_policy(model, check=True)
    order = None if example_input is None else forward_order(model, example_input)
    return _finish(model, found, order, include, exclude)


def plan_layer_matrices(model: Any, *, include: Any = None,
                        exclude: Any = None) -> tuple[list[LayerMatrix], list[SkippedWeight]]:
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
    include, exclude : str, type or list of them, optional
        As in :func:`extract_layer_matrices`.

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
    return _finish(model, _apply_policy(model, check=False), None, include, exclude)


#: Names (the last part of a module or parameter name) of position, segment and bias tables.
_TABLE_NAME = re.compile(r"(wpe|\w*pos_embed\w*|\w*position\w*|token_type\w*|segment\w*|\w*relative_attention_bias"
                         r"|cls_token|class_token|dist_token|reg_token)")
_TABLE_REASON = ("a position / segment / relative-bias table (looked up and added to activations or attention "
                 "scores, not a map of a layer's input): skipped by the table rule")
_UNCOVERED = "not covered by the layer policy"


def _is_table(name: str) -> bool:
    return _TABLE_NAME.fullmatch(name.rpartition(".")[2]) is not None


def _apply_policy(model: Any, check: bool) -> tuple[list[LayerMatrix], list[str], list[SkippedWeight]]:
    """The matrices with the names of their modules, and the skipped weights (not yet warned);
    ``check``: refuse unreadable weights."""
    nn = require_torch(NEEDS_TORCH).nn
    modules = dict(model.named_modules())
    matrices: list[LayerMatrix] = []
    owners: list[str] = []
    skipped: list[SkippedWeight] = []
    wrapped: tuple[str, ...] = ()  # LoRA layers, whose parts the layer itself accounts for
    for name, module in modules.items():
        if wrapped and name.startswith(wrapped):
            continue
        parent, attr = _fusion_site(modules, name)
        lora = _is_lora(module)
        own, quantized = (dict(module.named_parameters()), False) if lora else _own_weights(module)
        qualified = {pname: _qualified(name, pname) for pname in own}
        if check:
            for pname, p in own.items():
                _check_readable(qualified[pname], _type_name(module), p)
        table = _is_table(name) and isinstance(module, (nn.Embedding, nn.EmbeddingBag))
        if lora:
            wrapped += (f"{name}.",)
            found, used = _lora_matrices(name, module, parent, attr), list(own)
        elif table:
            found, used = [], []
        else:
            found, used = _module_matrices(name, module, own, quantized, parent, attr)
        for m in found:
            if min(m.matrix_shape) < 2:
                skipped.append(SkippedWeight(m.name, m.layer_type, m.weight_shape,
                                             f"matrix {m.matrix_shape} has fewer than 2 rows or columns"))
            else:
                matrices.append(m)
                owners.append(name)
        for pname, p in own.items():
            if p.ndim >= 2 and pname not in used:
                reason = _TABLE_REASON if table or _is_table(pname) else _UNCOVERED
                skipped.append(SkippedWeight(qualified[pname], _type_name(module), tuple(p.shape), reason))
    return matrices, owners, skipped


def _finish(model: Any, found: tuple[list[LayerMatrix], list[str], list[SkippedWeight]], order: dict[str, int] | None,
            include: Any, exclude: Any) -> tuple[list[LayerMatrix], list[SkippedWeight]]:
    """Order, select (include / exclude), take shared parameters once, warn about skips."""
    matrices, owners, skipped = found
    if order is not None:
        matrices, owners = _in_forward_order(matrices, owners, order)
    matrices, owners, left_out = _select(matrices, owners, dict(model.named_modules()), include, exclude)
    matrices, skipped = _once(model, matrices, owners, skipped)
    for s in skipped:
        warnings.warn(f"cPSE skips {s.name} ({s.layer_type}, shape {s.weight_shape}): {s.reason}", stacklevel=4)
    return matrices, skipped + left_out


# --- include / exclude ------------------------------------------------------------------------

def _check_patterns(name: str, value: Any) -> tuple[Any, ...]:
    """``include`` / ``exclude`` as a tuple of name patterns (str) and module types."""
    nn = require_torch(NEEDS_TORCH).nn
    if value is None:
        return ()
    items = (value,) if isinstance(value, (str, type)) else value
    if not isinstance(items, (list, tuple, set, frozenset)):
        raise TypeError(f"{name} must be a name pattern (str), a module type, or a list of them, "
                        f"got {type(value).__name__}")
    for item in items:
        if isinstance(item, type):
            if not issubclass(item, nn.Module):
                raise TypeError(f"{name}: a type must be a torch.nn.Module subclass, got {item.__qualname__}")
        elif not isinstance(item, str):
            raise TypeError(f"{name} must hold name patterns (str) or module types, got {type(item).__name__}")
        elif not item:
            raise ValueError(f"{name}: an empty pattern matches no layer")
    return tuple(items)


@functools.lru_cache(maxsize=256)
def _wildcard(pattern: str) -> re.Pattern:
    """``*`` (any characters) and ``?`` (one character); everything else literal, brackets
    included (layer names hold them: ``c_attn[q]``, ``experts[3].up_proj``)."""
    return re.compile("".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern), re.DOTALL)


def _matches(pattern: Any, matrix: LayerMatrix, owner: str, modules: dict[str, Any]) -> bool:
    if isinstance(pattern, type):
        return isinstance(modules.get(owner), pattern)
    wildcard = _wildcard(pattern)
    return wildcard.fullmatch(matrix.name) is not None or wildcard.fullmatch(owner) is not None


def _select(matrices: list[LayerMatrix], owners: list[str], modules: dict[str, Any], include: Any, exclude: Any):
    """The matrices kept by ``include`` (any pattern matches; all when None) and not dropped by
    ``exclude``; the others as skipped weights (the user's choice: no warning). A pattern that
    matches no matrix is refused."""
    rules = {"include": _check_patterns("include", include), "exclude": _check_patterns("exclude", exclude)}
    for label, patterns in rules.items():
        for pattern in patterns:
            if not any(_matches(pattern, m, o, modules) for m, o in zip(matrices, owners)):
                shown = getattr(pattern, "__qualname__", pattern)
                names = ", ".join(m.name for m in matrices[:6])
                raise ValueError(f"{label}: {shown!r} matches no layer matrix (its name or its module's name or "
                                 f"type); the layers are {names}{', ...' if len(matrices) > 6 else ''}")
    kept, kept_owners, left_out = [], [], []
    for m, owner in zip(matrices, owners):
        hit = {label: any(_matches(p, m, owner, modules) for p in patterns) for label, patterns in rules.items()}
        if rules["include"] and not hit["include"]:
            reason = "not selected by include="
        elif hit["exclude"]:
            reason = "excluded by exclude="
        else:
            kept.append(m)
            kept_owners.append(owner)
            continue
        left_out.append(SkippedWeight(m.name, m.layer_type, m.weight_shape, reason))
    return kept, kept_owners, left_out


# --- shared parameters ------------------------------------------------------------------------

def _parameter_key(p) -> tuple:
    """What identifies a parameter's values: its storage, offset, shape and stride (the object
    itself on the meta device, or where there is no plain storage)."""
    torch = require_torch(NEEDS_TORCH)
    if p.is_meta or p.layout != torch.strided or p.is_quantized or type(p) not in (torch.Tensor, torch.nn.Parameter):
        return ("object", id(p))
    ptr = p.untyped_storage().data_ptr()
    return ("storage", str(p.device), ptr, p.storage_offset(), tuple(p.shape), p.stride()) if ptr else ("object", id(p))


def _once(model: Any, matrices: list[LayerMatrix], owners: list[str], skipped: list[SkippedWeight]):
    """Each parameter enters once, with the first module that uses it: a later module's matrices
    of it are dropped, and every other name of the parameter (``named_parameters`` without
    removing duplicates, and modules whose parameters share its storage) is listed in
    ``shared_with``; skips of such other names are dropped too."""
    key_of: dict[str, tuple] = {}
    names_of: dict[tuple, list[str]] = {}
    for pname, p in model.named_parameters(remove_duplicate=False):
        key = key_of[pname] = _parameter_key(p)
        names_of.setdefault(key, []).append(pname)
    taken: dict[tuple, str] = {}
    kept = []
    for m, owner in zip(matrices, owners):
        keys = [key_of.get(s, ("name", s)) for s in m.sources]
        if any(taken.get(k, owner) != owner for k in keys):
            continue
        for k in keys:
            taken.setdefault(k, owner)
        others = [n for k in keys for n in names_of.get(k, ()) if n not in m.sources]
        m.shared_with = tuple(dict.fromkeys(others))
        kept.append(m)
    skipped = [s for s in skipped if key_of.get(s.name) not in taken]
    return kept, skipped


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
                    name = next((self.protected[k] for k in _storage_keys(t) if k in self.protected), None)
                    if name is not None:
                        self.hit = self.hit or name
                        raise _ParameterWrite(f"{func} would write to parameter {name}")
            return func(*args, **kwargs)

    return WriteGuard


def _storage_keys(tensor) -> list[int]:
    """The data pointers of the storages holding ``tensor``'s values: its own, or those of the
    inner tensors of a wrapper subclass (a torchao quantized weight's qdata and scales)."""
    torch = require_torch(NEEDS_TORCH)
    from torch.utils._python_dispatch import is_traceable_wrapper_subclass

    if is_traceable_wrapper_subclass(tensor):
        return [key for inner in tensor.__tensor_flatten__()[0] for key in _storage_keys(getattr(tensor, inner))]
    if not isinstance(tensor, torch.Tensor) or tensor.is_meta or tensor.is_quantized or tensor.layout != torch.strided:
        return []
    ptr = tensor.untyped_storage().data_ptr()
    return [ptr] if ptr else []  # 0: an empty storage, nothing to protect


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
        The forward pass fails, or writes into a parameter; a parameter whose alias would
        lose its quantization state (bitsandbytes ``Params4bit`` / ``Int8Params``).

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

    params = dict(model.named_parameters())
    state = {name: p.detach() for name, p in params.items()}
    lost = [name for name, p in params.items() if _is_held_quantized(p) and type(state[name]) is not type(p)]
    if lost:
        raise ValueError(f"the forward pass on example_input runs on aliases of the parameters, and the alias of "
                         f"{lost[0]} ({type(params[lost[0]]).__name__}) loses its quantization state: take the "
                         "layers in registration order (no example_input) instead")
    order: dict[str, int] = {}
    modes = [(module, module.training) for module in model.modules()]
    handles = [module.register_forward_pre_hook(functools.partial(_record_call, order, name))
               for name, module in model.named_modules()]
    protected = {key: name for name, p in params.items() for key in _storage_keys(p)}
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


def _in_forward_order(matrices: list[LayerMatrix], owners: list[str],
                      order: dict[str, int]) -> tuple[list[LayerMatrix], list[str]]:
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
                      "registered before it", stacklevel=4)
    ranked = [i for _, i in sorted(keys)]
    return [matrices[i] for i in ranked], [owners[i] for i in ranked]


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
        if _quantized_weights(module) is not None or any(map(_is_held_quantized, module.parameters(recurse=False))):
            quantized.append(name)
            continue
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
