"""The layer policy on random-init tiny transformers / timm / PEFT models: shared parameters once,
LoRA's merged view, mixture-of-experts matrices, fused q/k/v split as the attention splits them,
position and bias tables skipped; every matrix rebuilt from its sources, and the plan of the same
model on the meta device equal to the real one. Each part skips cleanly without its package."""
import warnings

import numpy as np
import pytest

torch = pytest.importorskip("torch")
nn = torch.nn

from bristol.cPSE import cpse_measure, cpse_report  # noqa: E402
from bristol.cPSE._layers import _TABLE_REASON, extract_layer_matrices, plan_layer_matrices  # noqa: E402


def _transformers():
    transformers = pytest.importorskip("transformers")
    transformers.logging.set_verbosity_error()
    return transformers


def _quiet(fn, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fn(*args, **kwargs)


def _by_name(model, **kwargs):
    mats, skipped = _quiet(extract_layer_matrices, model, **kwargs)
    return {m.name: m for m in mats}, {s.name: s for s in skipped}


def _check_rebuilt_and_planned(build):
    """Every matrix == transform(*its source parameters), and the plan of the model built on the
    meta device has the same names, shapes, sources, shared names and notes (no value read)."""
    torch.manual_seed(0)
    model = build()
    mats, _ = _quiet(extract_layer_matrices, model)
    for m in mats:
        assert m.sources and m.transform is not None, m.name
        rebuilt = m.transform(*[model.get_parameter(s).detach() for s in m.sources])
        assert torch.equal(rebuilt, m.matrix), m.name
    with torch.device("meta"):
        meta = build()
    planned, _ = _quiet(plan_layer_matrices, meta)
    assert all(p.matrix.is_meta for p in planned)
    assert [(p.name, p.matrix_shape, p.sources, p.shared_with, p.note) for p in planned] == \
        [(m.name, m.matrix_shape, m.sources, m.shared_with, m.note) for m in mats]
    return model, {m.name: m for m in mats}


# --- tiny configs ------------------------------------------------------------------------------

def _gpt2(**kw):
    t = _transformers()
    return t.GPT2LMHeadModel(t.GPT2Config(n_layer=2, n_embd=32, n_head=4, vocab_size=96, n_positions=16, **kw))


def _llama(**kw):
    t = _transformers()
    cfg = t.LlamaConfig(num_hidden_layers=2, hidden_size=32, intermediate_size=48, num_attention_heads=4,
                        num_key_value_heads=2, vocab_size=96, **kw)
    return t.LlamaForCausalLM(cfg)


def _t5():
    t = _transformers()
    return t.T5ForConditionalGeneration(t.T5Config(num_layers=1, num_decoder_layers=1, d_model=32, d_ff=48,
                                                   num_heads=4, d_kv=8, vocab_size=96))


def _mixtral():
    t = _transformers()
    return t.MixtralForCausalLM(t.MixtralConfig(num_hidden_layers=1, hidden_size=32, intermediate_size=24,
                                                num_attention_heads=4, num_key_value_heads=2,
                                                num_local_experts=3, vocab_size=96))


def _gpt_oss():
    t = _transformers()
    return t.GptOssForCausalLM(t.GptOssConfig(num_hidden_layers=1, hidden_size=32, intermediate_size=24,
                                              num_attention_heads=4, num_key_value_heads=2, head_dim=8,
                                              num_local_experts=3, vocab_size=96, layer_types=["full_attention"]))


def _qwen2_moe():
    t = _transformers()
    return t.Qwen2MoeForCausalLM(t.Qwen2MoeConfig(num_hidden_layers=1, hidden_size=32, intermediate_size=48,
                                                  moe_intermediate_size=24, shared_expert_intermediate_size=40,
                                                  num_attention_heads=4, num_key_value_heads=2, num_experts=3,
                                                  vocab_size=96))


def _phi3():
    t = _transformers()
    return t.Phi3ForCausalLM(t.Phi3Config(num_hidden_layers=1, hidden_size=32, intermediate_size=48,
                                          num_attention_heads=4, num_key_value_heads=2, vocab_size=96,
                                          pad_token_id=0))


def _falcon(**kw):
    t = _transformers()
    return t.FalconForCausalLM(t.FalconConfig(num_hidden_layers=1, hidden_size=32, num_attention_heads=4,
                                              vocab_size=96, **kw))


def _neox():
    t = _transformers()
    return t.GPTNeoXForCausalLM(t.GPTNeoXConfig(num_hidden_layers=1, hidden_size=32, intermediate_size=48,
                                                num_attention_heads=4, vocab_size=96))


def _bloom():
    t = _transformers()
    return t.BloomForCausalLM(t.BloomConfig(n_layer=1, hidden_size=32, n_head=4, vocab_size=96))


def _bert():
    t = _transformers()
    return t.BertModel(t.BertConfig(num_hidden_layers=1, hidden_size=32, intermediate_size=48,
                                    num_attention_heads=4, vocab_size=96, max_position_embeddings=16))


_ALL = [_gpt2, _llama, _t5, _mixtral, _gpt_oss, _qwen2_moe, _phi3, _falcon, _neox, _bloom, _bert,
        lambda: _falcon(new_decoder_architecture=True, num_kv_heads=2), lambda: _falcon(multi_query=False)]


@pytest.mark.parametrize("build", _ALL)
def test_transformers_matrices_rebuild_and_plan_on_meta(build):
    _check_rebuilt_and_planned(build)


# --- shared parameters -------------------------------------------------------------------------

def test_tied_embedding_enters_once_and_untied_head_enters():
    torch.manual_seed(0)
    tied, _ = _by_name(_gpt2())
    assert "lm_head" not in tied and tied["transformer.wte"].shared_with == ("lm_head.weight",)
    assert tied["transformer.wte"].matrix_shape == (32, 96)
    untied, _ = _by_name(_gpt2(tie_word_embeddings=False))
    assert untied["lm_head"].matrix_shape == (96, 32) and untied["transformer.wte"].shared_with == ()
    llama, _ = _by_name(_llama(tie_word_embeddings=True))
    assert "lm_head" not in llama and llama["model.embed_tokens"].shared_with == ("lm_head.weight",)


def test_t5_one_matrix_used_four_times_gives_a_finite_cpse():
    torch.manual_seed(0)
    model = _t5()
    report = _quiet(cpse_report, model)
    shared = [r for r in report.used if r.shared_with]
    assert [r.name for r in shared] == ["shared"]
    assert set(shared[0].shared_with) == {"encoder.embed_tokens.weight", "decoder.embed_tokens.weight",
                                          "lm_head.weight"}
    assert np.isfinite(report.cpse) and np.all(report.d_layers > 0)
    assert not any("embed_tokens" in r.name or r.name == "lm_head" for r in report.layers)


def test_excluding_a_tied_embedding_lets_the_head_enter():
    torch.manual_seed(0)
    mats, skipped = _by_name(_gpt2(), exclude="transformer.wte")
    assert mats["lm_head"].matrix_shape == (96, 32) and mats["lm_head"].shared_with == ("transformer.wte.weight",)
    assert skipped["transformer.wte"].reason == "excluded by exclude="


# --- fused q/k/v, as the attention modules split them ------------------------------------------

def _parts(mats, name, x):
    return [x @ mats[f"{name}[{p}]"].matrix.T for p in "qkv"]


def _assert_parts(mine, theirs):
    assert len(mine) == len(theirs)
    for a, b in zip(mine, theirs):
        assert a.shape[-1] == b.reshape(*a.shape[:-1], -1).shape[-1]
        assert torch.allclose(a, b.reshape(a.shape), atol=1e-6)


def test_gpt2_c_attn_split_as_gpt2_attention_splits_it():
    torch.manual_seed(0)
    model = _gpt2()
    mats, _ = _by_name(model)
    attn, x = model.transformer.h[0].attn, torch.randn(5, 32)
    fused = x @ attn.c_attn.weight.detach()  # Conv1D: x W, weight (in, out)
    _assert_parts(_parts(mats, "transformer.h.0.attn.c_attn", x), fused.split(attn.split_size, dim=-1))
    assert "transformer.h.0.attn.c_attn" not in mats and mats["transformer.h.0.attn.c_attn[v]"].note.startswith("v ")


def test_phi3_qkv_proj_split_with_grouped_query_sizes():
    torch.manual_seed(0)
    model = _phi3()
    mats, _ = _by_name(model)
    attn, x = model.model.layers[0].self_attn, torch.randn(5, 32)
    fused = x @ attn.qkv_proj.weight.detach().T
    q_end = model.config.num_attention_heads * attn.head_dim
    kv = attn.num_key_value_heads * attn.head_dim
    name = "model.layers.0.self_attn.qkv_proj"
    _assert_parts(_parts(mats, name, x), (fused[:, :q_end], fused[:, q_end:q_end + kv], fused[:, q_end + kv:]))
    assert mats[f"{name}[k]"].matrix_shape == (16, 32) and mats[f"{name}[q]"].matrix_shape == (32, 32)
    up = mats["model.layers.0.mlp.gate_up_proj[up]"].matrix
    gate_up = x @ model.model.layers[0].mlp.gate_up_proj.weight.detach().T
    assert torch.allclose(x @ up.T, gate_up.chunk(2, dim=-1)[1], atol=1e-6)


@pytest.mark.parametrize("kw", [{}, {"new_decoder_architecture": True, "num_kv_heads": 2}, {"multi_query": False}])
def test_falcon_query_key_value_split_by_falcons_own_split_heads(kw):
    torch.manual_seed(0)
    model = _falcon(**kw)
    mats, _ = _by_name(model)
    attn, x = model.transformer.h[0].self_attention, torch.randn(1, 5, 32)
    q, k, v = attn._split_heads(x @ attn.query_key_value.weight.detach().T)
    mine = _parts(mats, "transformer.h.0.self_attention.query_key_value", x)
    if kw.get("new_decoder_architecture"):  # Falcon broadcasts each k / v head to its query group
        groups = attn.num_heads // attn.num_kv_heads
        k, v = (t.reshape(1, 5, attn.num_kv_heads, groups, -1)[:, :, :, 0] for t in (k, v))
    _assert_parts(mine, (q, k, v))


def test_neox_and_bloom_per_head_interleaved_query_key_value():
    torch.manual_seed(0)
    x = torch.randn(1, 5, 32)
    neox = _neox()
    mats, _ = _by_name(neox)
    attn = neox.gpt_neox.layers[0].attention
    fused = (x @ attn.query_key_value.weight.detach().T).view(1, 5, -1, 3 * attn.head_size)
    _assert_parts(_parts(mats, "gpt_neox.layers.0.attention.query_key_value", x), fused.chunk(3, dim=-1))
    bloom = _bloom()
    mats, _ = _by_name(bloom)
    attn = bloom.transformer.h[0].self_attention
    q, k, v = attn._reshape(x @ attn.query_key_value.weight.detach().T)  # (batch, heads, seq, head_dim)
    _assert_parts(_parts(mats, "transformer.h.0.self_attention.query_key_value", x),
                  [t.transpose(1, 2) for t in (q, k, v)])


# --- mixture of experts --------------------------------------------------------------------------

def _expert_output(mats, name, e, x, gate, parts=("gate_proj", "up_proj", "down_proj")):
    """One expert's output computed from the policy's matrices: down(act(gate x) * up x)."""
    g, u = (x @ mats[f"{name}[{e}].{p}"].matrix.T for p in parts[:2])
    return gate(g, u) @ mats[f"{name}[{e}].{parts[2]}"].matrix.T


def _routed_to(experts, x, e):
    """The experts module's output with every token routed to expert ``e`` with weight 1."""
    return experts(x, torch.full((len(x), 1), e), torch.ones(len(x), 1))


def _assert_experts_reproduced(model, name, experts, gate, parts=("gate_proj", "up_proj", "down_proj")):
    """Each expert's output from the policy's matrices ``name[e].<parts>`` is the experts module's
    with every token routed to it; the matrices by name."""
    mats, _ = _by_name(model)
    x = torch.randn(4, mats[f"{name}[0].{parts[0]}"].matrix_shape[1])
    for e in range(experts.num_experts):
        theirs = _routed_to(experts, x, e).reshape(len(x), -1)
        assert torch.allclose(_expert_output(mats, name, e, x, gate, parts), theirs, atol=1e-5)
    return mats


def test_mixtral_experts_are_per_expert_linears_in_the_modules_own_forward():
    torch.manual_seed(0)
    model = _mixtral()
    experts, name = model.model.layers[0].mlp.experts, "model.layers.0.mlp.experts"
    mats = _assert_experts_reproduced(model, name, experts, lambda g, u: experts.act_fn(g) * u)
    assert mats[f"{name}[2].down_proj"].matrix_shape == (32, 24) and mats[f"{name}[0].up_proj"].note == "expert 0 of 3"
    router = mats["model.layers.0.mlp.gate"]
    assert router.matrix_shape == (3, 32) and torch.equal(router.matrix, model.model.layers[0].mlp.gate.weight)
    names = [n for n in mats if n.startswith(name)]
    assert names[:3] == [f"{name}[0].gate_proj", f"{name}[0].up_proj", f"{name}[0].down_proj"] and len(names) == 9


def test_gpt_oss_transposed_interleaved_experts():
    """GPT-OSS stores (E, in, out) with gate / up interleaved and biases: the policy's matrices give
    the module's own output."""
    torch.manual_seed(0)
    model = _gpt_oss()
    experts = model.model.layers[0].mlp.experts
    with torch.no_grad():
        for p in experts.parameters():
            p.normal_(0, 0.3)
    mats, _ = _by_name(model)
    name, x = "model.layers.0.mlp.experts", torch.randn(4, 32)
    bias_up, bias_down = experts.gate_up_proj_bias.detach(), experts.down_proj_bias.detach()
    for e in range(3):
        theirs = _routed_to(experts, x, e)

        def gate(g, u, e=e):
            gate_up = torch.stack([g, u], dim=-1).flatten(-2) + bias_up[e]  # interleaved back
            return experts._apply_gate(gate_up)
        mine = _expert_output(mats, name, e, x, gate) + bias_down[e]
        assert torch.allclose(mine, theirs, atol=1e-5)


def test_qwen2_moe_experts_shared_expert_and_tiny_gate():
    torch.manual_seed(0)
    mats, skipped = _by_name(_qwen2_moe())
    assert mats["model.layers.0.mlp.experts[1].gate_proj"].matrix_shape == (24, 32)
    assert mats["model.layers.0.mlp.shared_expert.down_proj"].matrix_shape == (32, 40)
    assert "fewer than 2" in skipped["model.layers.0.mlp.shared_expert_gate"].reason


# --- position, segment and bias tables -----------------------------------------------------------

def test_tables_skipped_alike_as_embeddings_or_parameters():
    torch.manual_seed(0)
    mats, skipped = _by_name(_bert())
    for table in ("embeddings.position_embeddings.weight", "embeddings.token_type_embeddings.weight"):
        assert skipped[table].reason == _TABLE_REASON
    assert mats["embeddings.word_embeddings"].matrix_shape == (32, 96)
    mats, skipped = _by_name(_t5())
    assert skipped["encoder.block.0.layer.0.SelfAttention.relative_attention_bias.weight"].reason == _TABLE_REASON
    mats, skipped = _by_name(_gpt2())
    assert skipped["transformer.wpe.weight"].reason == _TABLE_REASON and "transformer.wpe" not in mats


def _timm():
    return pytest.importorskip("timm")


def _vit():
    return _timm().create_model("vit_tiny_patch16_224", pretrained=False, depth=1, img_size=32, patch_size=16,
                                embed_dim=24, num_heads=3)


def _swin():
    return _timm().create_model("swin_tiny_patch4_window7_224", pretrained=False, depths=(1, 1), num_heads=(2, 4),
                                embed_dim=16, img_size=56, window_size=7)


@pytest.mark.parametrize("build", [_vit, _swin])
def test_timm_qkv_split_and_tables(build):
    model, mats = _check_rebuilt_and_planned(build)
    _, skipped = _by_name(model)
    attn = model.blocks[0].attn if hasattr(model, "blocks") else model.layers[0].blocks[0].attn
    name = "blocks.0.attn.qkv" if hasattr(model, "blocks") else "layers.0.blocks.0.attn.qkv"
    x = torch.randn(1, 5, attn.qkv.in_features)
    fused = (x @ attn.qkv.weight.detach().T).reshape(1, 5, 3, attn.num_heads, -1)
    _assert_parts(_parts(mats, name, x), fused.unbind(2))
    tables = {n for n, s in skipped.items() if s.reason == _TABLE_REASON}
    expected = {"cls_token", "pos_embed"} if hasattr(model, "blocks") else \
        {f"layers.{i}.blocks.0.attn.relative_position_bias_table" for i in range(2)}
    assert tables == expected


# --- LoRA ----------------------------------------------------------------------------------------

def _peft():
    return pytest.importorskip("peft")


def _lora(model, targets, **kw):
    peft = _peft()
    return peft.get_peft_model(model, peft.LoraConfig(r=4, lora_alpha=8, target_modules=targets, **kw))


def test_lora_at_init_gives_the_base_models_cpse_exactly():
    torch.manual_seed(0)
    base = _llama()
    d_base, c_base = _quiet(cpse_measure, base)
    wrapped = _lora(base, ["q_proj", "v_proj"])
    report = _quiet(cpse_report, wrapped)
    assert report.d_layers.tolist() == d_base and report.cpse == c_base
    assert not any("lora" in r.name for r in report.layers)
    q = next(r for r in report.used if r.name.endswith("layers.0.self_attn.q_proj"))
    assert q.note.startswith("LoRA merged") and q.matrix_shape == (32, 32)
    mats, _ = _by_name(wrapped, exclude="*.q_proj")  # the LoRA layer's parts never enter on their own
    layers = len(d_base) + 2
    assert not any("q_proj" in n for n in mats) and len(mats) == layers - 2  # two layers' q_proj


_LORAS = [(_llama, ["q_proj", "v_proj", "embed_tokens"], {}), (_gpt2, ["c_attn"], {"fan_in_fan_out": True})]


@pytest.mark.parametrize("build,targets,kw", _LORAS)
def test_lora_rebuilds_and_plans_on_meta(build, targets, kw):
    _check_rebuilt_and_planned(lambda: _lora(build(), targets, **kw))


@pytest.mark.parametrize("build,targets,kw", _LORAS)
def test_lora_merged_view_equals_peft_merge(build, targets, kw):
    """With trained (random) factors the matrices equal those of peft's own merge_and_unload."""
    torch.manual_seed(0)
    wrapped = _lora(build(), targets, **kw)
    with torch.no_grad():
        for n, p in wrapped.named_parameters():
            if "lora_" in n:
                p.normal_(0, 0.5)
    mats, _ = _by_name(wrapped)
    for m in mats.values():
        rebuilt = m.transform(*[wrapped.get_parameter(s).detach() for s in m.sources])
        assert torch.equal(rebuilt, m.matrix), m.name
    merged, _ = _by_name(wrapped.merge_and_unload())
    prefix = "base_model.model."
    assert [n[len(prefix):] for n in mats] == list(merged)
    for n, m in mats.items():
        assert torch.allclose(m.matrix, merged[n[len(prefix):]].matrix, atol=1e-5), n
    assert sum(m.note.startswith("LoRA merged") for m in mats.values()) >= 2


def test_lora_merged_or_dora_adapters():
    """An adapter merged into the base weight is not added twice; DoRA is refused, not approximated."""
    torch.manual_seed(0)
    wrapped = _lora(_llama(), ["q_proj"])
    with torch.no_grad():
        for n, p in wrapped.named_parameters():
            if "lora_B" in n:
                p.normal_(0, 0.5)
    before, _ = _by_name(wrapped)
    wrapped.merge_adapter()
    after, _ = _by_name(wrapped)
    name = "base_model.model.model.layers.0.self_attn.q_proj"
    assert after[name].note == "LoRA adapters merged into the base weight: base weight"
    assert after[name].sources == (f"{name}.base_layer.weight",)
    assert torch.allclose(after[name].matrix, before[name].matrix, atol=1e-5)
    dora = _lora(_llama(), ["q_proj"], use_dora=True)
    with pytest.raises(ValueError, match="q_proj .* uses DoRA"):
        _by_name(dora)
