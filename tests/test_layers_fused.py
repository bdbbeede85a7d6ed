"""Fused projections and expert layouts of the layer policy, checked against the forward passes
that use them: every split part of a timm attention module's fused ``qkv`` / ``kv`` / ``qk`` is the
tensor its forward pass unpacks (caught at its ``split`` / ``unbind`` / ``chunk`` / indexing), and
the transformers layouts (CodeGen, MiniMax lightning attention, Dbrx, JetMoe, MPT, ModernBERT) give
the q, k, v and per-expert outputs their modules compute. Plans on the meta device agree."""
import pytest

torch = pytest.importorskip("torch")
F = torch.nn.functional

from test_layers_models import (  # noqa: E402
    _assert_experts_reproduced,
    _by_name,
    _check_rebuilt_and_planned,
    _transformers,
)

from bristol.cPSE import _layers  # noqa: E402

# --- timm: the parts a forward pass unpacks ------------------------------------------------------


class _Unpacked(torch.overrides.TorchFunctionMode):
    """Records the tuples of tensors that ``split`` / ``unbind`` / ``chunk`` return in a forward
    pass, and the tensors taken by integer index from one tensor (``qkv[0], qkv[1], qkv[2]``)."""

    def __init__(self):
        super().__init__()
        self.tuples, self.indexed = [], {}

    def __torch_function__(self, func, types, args=(), kwargs=None):
        out = func(*args, **(kwargs or {}))
        name = getattr(func, "__name__", "")
        if name in ("split", "unbind", "chunk", "split_with_sizes") and isinstance(out, (tuple, list)):
            self.tuples.append(tuple(out))
        elif name == "__getitem__" and isinstance(args[1], int) and isinstance(out, torch.Tensor):
            self.indexed.setdefault(id(args[0]), (args[0], {}))[1][args[1]] = out
        return out

    def candidates(self):
        by_index = [tuple(items[i] for i in sorted(items)) for _, items in self.indexed.values()]
        return self.tuples + by_index


def _same_values(unpacked, part):
    """Whether the forward's tensor holds the values of ``part`` (the policy's matrix applied to the
    projection's input), in any arrangement; copies (overlapping windows) and zero padding aside."""
    mine = part.flatten().sort().values
    theirs = unpacked.flatten().unique()
    theirs = theirs[theirs != 0]
    tolerance = 64 * torch.finfo(mine.dtype).eps * float(mine.abs().max())
    return theirs.shape == mine.shape and torch.allclose(theirs, mine, rtol=0, atol=tolerance)


def _assert_parts_unpacked(model, name, run, unpacked, post=None):
    """The policy's parts of the projection ``name`` (a Linear or Conv), applied to the input it gets
    in ``run()``, are tensors the forward pass unpacks together, in the order ``unpacked``
    (``post``: what the forward applies before unpacking)."""
    mats, skipped = _by_name(model)
    fused = model.get_submodule(name)
    seen = []
    handle = fused.register_forward_pre_hook(lambda _, args: seen.append(args[0]))
    recorder = _Unpacked()
    try:
        with torch.no_grad(), recorder:
            run()
    finally:
        handle.remove()
    assert name not in mats  # split, not kept whole
    parts = {}
    for role in unpacked:
        if f"{name}[{role}]" in skipped:  # MobileViT's query: one row
            assert "fewer than 2" in skipped[f"{name}[{role}]"].reason
            continue
        weight = mats[f"{name}[{role}]"].matrix.reshape(-1, *fused.weight.shape[1:])
        with torch.no_grad():
            part = torch.func.functional_call(fused, {"weight": weight, "bias": None}, (seen[0],))
        parts[role] = part if post is None else post(part)
    assert any(len(found) == len(unpacked) and all(_same_values(t, parts[r]) for t, r in zip(found, unpacked)
                                                   if r in parts)
               for found in recorder.candidates()), f"no tensors unpacked as {unpacked} by {type(model).__name__}"


def _timm(path):
    timm = pytest.importorskip("timm")
    module, cls = path.rsplit(".", 1)
    return getattr(__import__(f"timm.{module}", fromlist=[cls]), cls), timm


def _tokens(n=6, d=16):
    return (torch.randn(2, n, d, dtype=torch.float64),)


def _image(c=16, h=4, w=4):
    return (torch.randn(2, c, h, w, dtype=torch.float64),)


#: (module path under timm, projection, constructor kwargs, forward arguments, the parts the forward
#: unpacks in order); all tiny, float64.
_TIMM_CASES = [
    ("layers.attention.Attention", "qkv", dict(dim=16, num_heads=2), _tokens, "qkv"),
    ("layers.attention.AttentionRope", "qkv", dict(dim=16, num_heads=2), _tokens, "qkv"),
    ("layers.attention_pool.AttentionPoolLatent", "kv", dict(in_features=16, num_heads=2), _tokens, "kv"),
    ("layers.attention_pool2d.AttentionPool2d", "qkv", dict(in_features=16, feat_size=4, head_dim=8), _image, "qkv"),
    ("layers.attention_pool2d.RotAttentionPool2d", "qkv", dict(in_features=16, head_dim=8), _image, "qkv"),
    ("layers.diff_attention.DiffAttention", "qkv", dict(dim=16, num_heads=2), _tokens, "qkv"),
    ("models.beit.Attention", "qkv", dict(dim=16, num_heads=2), _tokens, "qkv"),
    ("models.cait.TalkingHeadAttn", "qkv", dict(dim=16, num_heads=2), _tokens, "qkv"),
    ("models.coat.FactorAttnConvRelPosEnc", "qkv",
     dict(dim=16, num_heads=2, shared_crpe=lambda q, v, size: torch.zeros_like(q)),
     lambda: (torch.randn(2, 6, 16, dtype=torch.float64), (2, 3)), "qkv"),
    ("models.convit.GPSA", "qk", dict(dim=16, num_heads=2), lambda: _tokens(4), "qk"),
    ("models.convit.MHSA", "qkv", dict(dim=16, num_heads=2), _tokens, "qkv"),
    ("models.davit.ChannelAttention", "qkv", dict(dim=16, num_heads=2), _tokens, "qkv"),
    ("models.davit.ChannelAttentionV2", "qkv", dict(dim=16, num_heads=2), _tokens, "qkv"),
    ("models.davit.WindowAttention", "qkv", dict(dim=16, window_size=(2, 2), num_heads=2), lambda: _tokens(4), "qkv"),
    ("models.edgenext.CrossCovarianceAttn", "qkv", dict(dim=16, num_heads=2), _tokens, "qkv"),
    ("models.eva.EvaAttention", "qkv", dict(dim=16, num_heads=2, qkv_bias=False, norm_layer=torch.nn.LayerNorm),
     _tokens, "qkv"),
    ("models.fastvit.Attention", "qkv", dict(dim=16, head_dim=8), _image, "qkv"),
    ("models.hiera.MaskUnitAttention", "qkv", dict(dim=16, dim_out=16, heads=2), _tokens, "qkv"),
    ("models.hieradet_sam2.MultiScaleAttention", "qkv", dict(dim=16, dim_out=16, num_heads=2),
     lambda: (torch.randn(2, 2, 3, 16, dtype=torch.float64),), "qkv"),
    ("models.metaformer.Attention", "qkv", dict(dim=16, head_dim=8), _tokens, "qkv"),
    ("models.mvitv2.MultiScaleAttention", "qkv", dict(dim=16, dim_out=16, feat_size=(2, 2), num_heads=2,
                                                      has_cls_token=False), lambda: (*_tokens(4), [2, 2]), "qkv"),
    ("models.nest.Attention", "qkv", dict(dim=16, num_heads=2), lambda: (torch.randn(2, 2, 3, 16).double(),), "qkv"),
    ("models.pvt_v2.Attention", "kv", dict(dim=16, num_heads=2), lambda: (*_tokens(), [2, 3]), "kv"),
    ("models.swin_transformer.WindowAttention", "qkv", dict(dim=16, num_heads=2, window_size=2),
     lambda: _tokens(4), "qkv"),
    ("models.swin_transformer_v2.WindowAttention", "qkv", dict(dim=16, window_size=(2, 2), num_heads=2, qkv_bias=False),
     lambda: _tokens(4), "qkv"),
    ("models.swin_transformer_v2_cr.WindowMultiHeadAttention", "qkv",
     dict(dim=16, num_heads=2, window_size=(2, 2), meta_hidden_dim=8), lambda: _tokens(4), "qkv"),
    ("models.tnt.Attention", "qk", dict(dim=16, hidden_dim=16, num_heads=2), _tokens, "qk"),
    ("models.twins.GlobalSubSampleAttn", "kv", dict(dim=16, num_heads=2), lambda: (*_tokens(), (2, 3)), "kv"),
    ("models.twins.LocallyGroupedAttn", "qkv", dict(dim=16, num_heads=2, ws=2),
     lambda: (torch.randn(2, 16, 16).double(), (4, 4)), "qkv"),
    ("models.vision_transformer_relpos.RelPosAttention", "qkv", dict(dim=16, num_heads=2), _tokens, "qkv"),
    ("models.vision_transformer_sam.Attention", "qkv", dict(dim=16, num_heads=2),
     lambda: (torch.randn(2, 2, 3, 16).double(),), "qkv"),
    ("models.visformer.Attention", "qkv", dict(dim=16, num_heads=2), _image, "qkv"),
    ("models.volo.Attention", "qkv", dict(dim=16, num_heads=2), lambda: (torch.randn(2, 2, 3, 16).double(),), "qkv"),
    ("models.volo.ClassAttention", "kv", dict(dim=16, num_heads=2), _tokens, "kv"),
    ("models.xcit.XCA", "qkv", dict(dim=16, num_heads=2), _tokens, "qkv"),
    ("models.gcvit.WindowAttentionGlobal", "qkv", dict(dim=16, num_heads=2, window_size=(2, 2)),
     lambda: (*_tokens(4), torch.randn(2, 4, 16).double()), "kv"),
    ("models.gcvit.WindowAttentionGlobal", "qkv", dict(dim=16, num_heads=2, window_size=(2, 2), use_global=False),
     lambda: _tokens(4), "qkv"),
    ("layers.attention2d.Attention2d", "qkv", dict(dim=16, num_heads=2, head_first=True), _image, "qkv"),
    ("layers.attention2d.Attention2d", "qkv", dict(dim=16, num_heads=2, head_first=False), _image, "qkv"),
    ("models.maxxvit.Attention2d", "qkv", dict(dim=16, dim_head=8), _image, "qkv"),
    ("models.maxxvit.Attention2d", "qkv", dict(dim=16, dim_head=8, head_first=False), _image, "qkv"),
    ("models.maxxvit.AttentionCl", "qkv", dict(dim=16, dim_head=8), _tokens, "qkv"),
    ("models.maxxvit.AttentionCl", "qkv", dict(dim=16, dim_head=8, head_first=False), _tokens, "qkv"),
    ("models.vision_transformer.ParallelScalingBlock", "in_proj", dict(dim=16, num_heads=2, mlp_ratio=2.0),
     _tokens, ("mlp", "q", "k", "v")),
    ("models.vision_transformer.DiffParallelScalingBlock", "in_proj", dict(dim=16, num_heads=2, mlp_ratio=2.0),
     _tokens, ("mlp", "q", "k", "v")),
    ("layers.bottleneck_attn.BottleneckAttn", "qkv", dict(dim=16, feat_size=(4, 4), num_heads=2, qk_ratio=0.5),
     _image, "qkv"),
    ("layers.lambda_layer.LambdaLayer", "qkv", dict(dim=16, feat_size=(4, 4), num_heads=2, dim_head=4, r=None),
     _image, "qkv"),
    ("models.shvit.SHSA", "qkv", dict(dim=16, qk_dim=4, pdim=8), _image, "qkv"),
    ("models.mobilevit.LinearSelfAttention", "qkv_proj", dict(embed_dim=16), _image, "qkv"),
    ("layers.halo_attn.HaloAttn", "kv", dict(dim=16, num_heads=2, block_size=2, halo_size=1, qk_ratio=0.5),
     _image, "kv"),
    ("models.levit.Attention", "qkv", dict(dim=16, key_dim=4, num_heads=2, attn_ratio=2, resolution=2),
     lambda: _tokens(4), "qkv"),
    ("models.levit.Attention", "qkv", dict(dim=16, key_dim=4, num_heads=2, attn_ratio=2, resolution=2, use_conv=True),
     lambda: _image(h=2, w=2), "qkv"),
    ("models.levit.AttentionDownsample", "kv", dict(in_dim=16, out_dim=16, key_dim=4, num_heads=2, resolution=2),
     lambda: _tokens(4), "kv"),
    ("models.efficientformer.Attention", "qkv", dict(dim=16, key_dim=4, num_heads=2, attn_ratio=2, resolution=2),
     lambda: _tokens(4), "qkv"),
    ("models.tiny_vit.Attention", "qkv", dict(dim=16, key_dim=4, num_heads=2, attn_ratio=2, resolution=(2, 2)),
     lambda: _tokens(4), "qkv"),
    ("models.efficientvit_mit.LiteMLA", "qkv", dict(in_channels=16, out_channels=16, dim=4, scales=()),
     _image, "qkv"),
]


def _case_ids(cases):
    names = [f"{path.rsplit('.', 2)[-2]}.{path.rsplit('.', 1)[1]}.{attr}" for path, attr, *_ in cases]
    return [f"{n}-{names[:i].count(n) + 1}" if names.count(n) > 1 else n for i, n in enumerate(names)]


@pytest.mark.parametrize("case", _TIMM_CASES, ids=_case_ids(_TIMM_CASES))
def test_timm_fused_parts_are_what_the_forward_unpacks(case):
    path, attr, kwargs, inputs, unpacked = case
    cls, _ = _timm(path)
    torch.manual_seed(0)
    module = cls(**kwargs).double()
    module.eval()  # (LeViT's train() returns None)
    with torch.no_grad():
        for name, t in [*module.named_parameters(), *module.named_buffers()]:
            if name.rpartition(".")[2] in ("bias", "q_bias", "k_bias", "v_bias", "mlp_bias") and t.ndim == 1:
                t.zero_()  # the matrices are the projection without its bias
    for m in module.modules():
        if isinstance(m, torch.nn.modules.batchnorm._BatchNorm):
            m.eps = 0.0  # LeViT's / SHViT's norm after the projection: the identity in eval mode
    projection = module.get_submodule(attr)
    wrapped = [n for n, m in projection.named_children() if isinstance(m, (torch.nn.Linear, torch.nn.Conv2d))]
    name = f"{attr}.{wrapped[0]}" if wrapped else attr  # LeViT / SHViT / EfficientViT: a norm wrapper's child
    _assert_parts_unpacked(module, name, lambda: module(*inputs()), unpacked)
    _check_rebuilt_and_planned(lambda: cls(**kwargs))


def test_every_timm_layout_is_checked_against_its_forward():
    covered = {f"{path}.{attr}" for path, attr, *_ in _TIMM_CASES}
    assert covered == set(_layers._TIMM_LAYOUTS)


def test_a_wrong_layout_is_caught(monkeypatch):
    """The check can fail: LeViT's per-head [q k v] read as a plain [q; k; v] is caught."""
    case = next(c for c in _TIMM_CASES if c[0] == "models.levit.Attention")
    def plain(parent, rows):  # [q; k; v] of all heads, not per head
        return _layers._blocks("qkv", rows, [parent.num_heads * d for d in (parent.key_dim, parent.key_dim,
                                                                            parent.val_dim)])
    monkeypatch.setitem(_layers._TIMM_LAYOUTS, "models.levit.Attention.qkv", plain)
    with pytest.raises(AssertionError, match="no tensors unpacked"):
        test_timm_fused_parts_are_what_the_forward_unpacks(case)


def test_timm_models_with_wrapped_projections_rebuild_and_plan_on_meta():
    timm = _timm("models.levit.Attention")[1]
    build = {
        "levit": lambda: timm.create_model("levit_128s", pretrained=False, img_size=32, num_classes=4),
        "efficientvit": lambda: timm.create_model("efficientvit_b0", pretrained=False, num_classes=4),
    }
    for make in build.values():
        _, mats = _check_rebuilt_and_planned(make)
        assert any(n.endswith(".qkv.linear[q]") or n.endswith(".qkv.conv[q]") for n in mats)
        assert not any(n.endswith(("qkv.linear", "kv.linear", "qkv.conv", ".qkv")) for n in mats)


# --- transformers: fused attention projections ------------------------------------------------------

def _codegen():
    t = _transformers()
    return t.CodeGenForCausalLM(t.CodeGenConfig(n_layer=1, n_embd=32, n_head=4, vocab_size=96, n_positions=16,
                                                rotary_dim=4))


def _minimax():
    t = _transformers()
    return t.MiniMaxForCausalLM(t.MiniMaxConfig(num_hidden_layers=2, hidden_size=32, intermediate_size=24,
                                                num_attention_heads=4, num_key_value_heads=2, head_dim=8,
                                                num_local_experts=3, vocab_size=96, block_size=4,
                                                layer_types=["linear_attention", "full_attention"]))


def _dbrx():
    t = _transformers()
    return t.DbrxForCausalLM(t.DbrxConfig(n_layers=1, d_model=32, n_heads=4, vocab_size=96, max_seq_len=16,
                                          attn_config={"kv_n_heads": 2, "rope_theta": 10000.0, "clip_qkv": 8.0},
                                          ffn_config={"ffn_hidden_size": 24, "moe_num_experts": 3, "moe_top_k": 1}))


def _jetmoe():
    t = _transformers()
    return t.JetMoeForCausalLM(t.JetMoeConfig(num_hidden_layers=1, hidden_size=32, intermediate_size=24,
                                              num_key_value_heads=2, kv_channels=8, num_local_experts=3,
                                              num_experts_per_tok=2, vocab_size=96))


def _mpt():
    t = _transformers()
    return t.MptForCausalLM(t.MptConfig(n_layers=1, d_model=32, n_heads=4, vocab_size=96, max_seq_len=16))


def _modernbert():
    t = _transformers()
    return t.ModernBertModel(t.ModernBertConfig(num_hidden_layers=1, hidden_size=32, intermediate_size=48,
                                                num_attention_heads=4, vocab_size=96, pad_token_id=0,
                                                bos_token_id=1, eos_token_id=2, cls_token_id=1, sep_token_id=2))


def _big_code(multi_query=True):
    t = _transformers()
    return t.GPTBigCodeForCausalLM(t.GPTBigCodeConfig(n_layer=1, n_embd=32, n_head=4, vocab_size=96, n_positions=16,
                                                      multi_query=multi_query))


def _big_code_heads():
    return _big_code(multi_query=False)


def _mobilevit_v2():
    t = _transformers()
    return t.MobileViTV2Model(t.MobileViTV2Config(image_size=32, patch_size=2, width_multiplier=0.25))


def _deberta():
    t = _transformers()
    return t.DebertaModel(t.DebertaConfig(num_hidden_layers=1, hidden_size=32, intermediate_size=48,
                                          num_attention_heads=4, vocab_size=96, max_position_embeddings=16))


_MODELS = [_deberta, _codegen, _minimax, _dbrx, _jetmoe, _mpt, _modernbert, _big_code, _big_code_heads, _mobilevit_v2]


@pytest.mark.parametrize("build", _MODELS, ids=[b.__name__[1:] for b in _MODELS])
def test_transformers_matrices_rebuild_and_plan_on_meta(build):
    _check_rebuilt_and_planned(build)


#: (model, projection, the parts its forward unpacks in order, what the forward applies first)
_TRANSFORMERS_CASES = [
    (_deberta, "encoder.layer.0.attention.self.in_proj", "qkv", None),  # per head [q k v]
    (_codegen, "transformer.h.0.attn.qkv_proj", "qvk", None),  # query, value, key = qkv.split(local_dim)
    (_minimax, "model.layers.0.self_attn.qkv_proj", "qkv", F.silu),  # act_fn(qkv_proj(x)), split per head
    (_dbrx, "transformer.blocks.0.norm_attn_norm.attn.Wqkv", "qkv", None),
    (_jetmoe, "model.layers.0.self_attention.kv_proj", "kv", None),
    (_mpt, "transformer.blocks.0.attn.Wqkv", "qkv", None),
    (_modernbert, "layers.0.attn.Wqkv", "qkv", None),
    (_modernbert, "layers.0.mlp.Wi", ("gate", "up"), None),  # input, gate = Wi(x).chunk(2): act(input) * gate
    (_big_code, "transformer.h.0.attn.c_attn", "qkv", None),  # multi-query: [q; k; v] of E, head_dim, head_dim
    (_big_code_heads, "transformer.h.0.attn.c_attn", "qkv", None),  # per head [q k v]
]


@pytest.mark.parametrize("case", _TRANSFORMERS_CASES, ids=[f"{c[0].__name__[1:]}-{c[1]}" for c in _TRANSFORMERS_CASES])
def test_transformers_fused_parts_are_what_the_forward_unpacks(case):
    build, name, unpacked, post = case
    torch.manual_seed(0)
    model = build().to(torch.float32 if build is _minimax else torch.float64).eval()  # lightning: float32 only
    ids = 3 + torch.randperm(93)[None, :8]  # distinct tokens: distinct values
    _assert_parts_unpacked(model, name, lambda: model(input_ids=ids), unpacked, post)
    shapes = {p: _by_name(model)[0][f"{name}[{p}]"].matrix_shape for p in unpacked}
    assert list(shapes) == list(unpacked)
    if build is _dbrx:  # grouped-query sizes
        assert shapes["q"] == (32, 32) and shapes["k"] == shapes["v"] == (16, 32)


def test_mobilevit_v2_qkv_proj_in_its_conv_wrapper():
    torch.manual_seed(0)
    model = _mobilevit_v2().double().eval()
    pixels = torch.randn(1, 3, 64, 64, dtype=torch.float64)
    name = "encoder.layer.2.transformer.layer.0.attention.qkv_proj.convolution"
    _assert_parts_unpacked(model, name, lambda: model(pixel_values=pixels), "qkv")  # query: 1 row, skipped


def _blip_vision():
    t = _transformers()
    return t.BlipVisionModel(t.BlipVisionConfig(hidden_size=32, intermediate_size=48, num_hidden_layers=1,
                                                num_attention_heads=4, image_size=32, patch_size=8))


def _vitdet():
    t = _transformers()
    return t.VitDetModel(t.VitDetConfig(hidden_size=32, num_hidden_layers=1, num_attention_heads=4, image_size=32,
                                        patch_size=8, pretrain_image_size=32))


def _qwen2_vl_vision():
    _transformers()
    from transformers.models.qwen2_vl import modeling_qwen2_vl as qwen

    return qwen.Qwen2VisionTransformerPretrainedModel(qwen.Qwen2VLVisionConfig(
        depth=1, embed_dim=32, hidden_size=32, num_heads=4, mlp_ratio=2, patch_size=2, temporal_patch_size=2,
        spatial_merge_size=2))


def _exaone_vision():
    _transformers()
    from transformers.models.exaone4_5 import modeling_exaone4_5 as exaone

    return exaone.Exaone4_5_VisionModel(exaone.Exaone4_5_VisionConfig(
        depth=1, hidden_size=32, intermediate_size=48, num_heads=4, num_key_value_heads=2, patch_size=2,
        temporal_patch_size=2, spatial_merge_size=2, out_hidden_size=32, window_size=8, fullatt_block_indexes=(0,)))


def _pixels():
    return {"pixel_values": torch.randn(1, 3, 32, 32, dtype=torch.float64)}


def _patches():  # one 4 x 4 grid of 2 x 2 x 2 patches
    return {"hidden_states": torch.randn(16, 24, dtype=torch.float64), "grid_thw": torch.tensor([[1, 4, 4]])}


_VISION_CASES = [(_blip_vision, "encoder.layers.0.self_attn.qkv", _pixels),
                 (_vitdet, "encoder.layer.0.attention.qkv", _pixels),
                 (_qwen2_vl_vision, "blocks.0.attn.qkv", _patches),
                 (_exaone_vision, "blocks.0.attn.qkv", _patches)]


@pytest.mark.parametrize("build,name,inputs", _VISION_CASES, ids=[c[0].__name__[1:] for c in _VISION_CASES])
def test_transformers_vision_qkv_parts_are_what_the_forward_unpacks(build, name, inputs):
    torch.manual_seed(0)
    model = build().double().eval()
    with torch.no_grad():
        model.get_submodule(name).bias.zero_()
    _assert_parts_unpacked(model, name, lambda: model(**inputs()), "qkv")
    _check_rebuilt_and_planned(build)


def test_layoutlmv2_qkv_linear_is_what_its_attention_unpacks():
    t = _transformers()
    from transformers.models.layoutlmv2 import modeling_layoutlmv2

    torch.manual_seed(0)
    config = t.LayoutLMv2Config(hidden_size=32, num_attention_heads=4, intermediate_size=48, num_hidden_layers=1)
    attention = modeling_layoutlmv2.LayoutLMv2SelfAttention(config).eval()  # float32: it masks in float32
    x, zeros = torch.randn(1, 5, 32), torch.zeros(1, 4, 5, 5)
    _assert_parts_unpacked(attention, "qkv_linear", lambda: attention(x, zeros[:, :1, :1], zeros, zeros), "qkv")


def test_codegen_parts_listed_q_k_v():
    torch.manual_seed(0)
    names = [n for n in _by_name(_codegen())[0] if "qkv_proj" in n]
    assert names == [f"transformer.h.0.attn.qkv_proj[{p}]" for p in "qkv"]


# --- transformers: experts with their own layouts ----------------------------------------------------

def test_dbrx_flattened_experts_are_per_expert_matrices_of_its_forward():
    torch.manual_seed(0)
    model = _dbrx()
    experts, name = model.transformer.blocks[0].ffn.experts, "transformer.blocks.0.ffn.experts.mlp"
    mats = _assert_experts_reproduced(model, name, experts, lambda g, u: experts.mlp.activation_fn(g) * u,
                                      ("w1", "v1", "w2"))
    assert mats[f"{name}[2].w2"].matrix_shape == (32, 24) and mats[f"{name}[0].v1"].note == "expert 0 of 3"
    assert [n for n in mats if n.startswith(name)][:3] == [f"{name}[0].{p}" for p in ("w1", "v1", "w2")]


def test_jetmoe_mlp_and_attention_experts_are_per_expert_matrices_of_its_forward():
    torch.manual_seed(0)
    model = _jetmoe()
    mats, _ = _by_name(model)
    layer, x = model.model.layers[0], torch.randn(4, 32)
    mlp, moa = layer.mlp, layer.self_attention.experts
    for e in range(3):
        sizes = [4 if i == e else 0 for i in range(3)]
        gate, up = mlp.input_linear(x, sizes).chunk(2, dim=-1)  # as JetMoeMoE.forward
        theirs = mlp.output_linear(mlp.activation(gate) * up, sizes)
        g, u = (x @ mats[f"model.layers.0.mlp.input_linear[{e}].{p}"].matrix.T for p in ("gate_proj", "up_proj"))
        mine = (mlp.activation(g) * u) @ mats[f"model.layers.0.mlp.output_linear[{e}]"].matrix.T
        assert torch.allclose(mine, theirs, atol=1e-5)
        query = moa.input_linear(x, sizes)  # JetMoeMoA.map: the expert's query projection
        prefix = "model.layers.0.self_attention.experts"
        assert torch.allclose(x @ mats[f"{prefix}.input_linear[{e}]"].matrix.T, query, atol=1e-6)
        out = moa.output_linear(query, sizes)
        assert torch.allclose(query @ mats[f"{prefix}.output_linear[{e}]"].matrix.T, out, atol=1e-6)
    assert mats["model.layers.0.mlp.output_linear[1]"].note == "expert 1 of 3"
    assert mats["model.layers.0.mlp.router.layer"].matrix_shape == (3, 32)


# --- read from disk ----------------------------------------------------------------------------------

@pytest.mark.filterwarnings("ignore::UserWarning")
@pytest.mark.parametrize("build", [_codegen, _dbrx, _jetmoe], ids=["codegen", "dbrx", "jetmoe"])
def test_save_pretrained_folder_gives_the_in_memory_report(tmp_path, build):
    """The split parts and per-expert matrices rebuilt one tensor at a time from a checkpoint
    equal the in-memory model's, bit for bit."""
    pytest.importorskip("safetensors")
    from test_checkpoint import assert_same_report

    from bristol import cPSE

    torch.manual_seed(0)
    model = build()
    model.save_pretrained(tmp_path)
    assert_same_report(cPSE.cpse_report(tmp_path), cPSE.cpse_report(model))
