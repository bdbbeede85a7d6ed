"""Checkpoints whose tensor names are not the model's (bristol.cPSE._checkpoint): transformers'
own conversion rules map them (renamed keys, per-expert weights of a mixture merged into fused
3-D parameters), and the result equals the cPSE of the model ``from_pretrained`` loads from the
same folder, bit for bit. Quantized checkpoints are refused with a ValueError that says how to
measure them."""
import json
import warnings

import pytest
from test_checkpoint import assert_same_report, mlp, write_safetensors

from bristol import cPSE
from bristol.cPSE import _checkpoint

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")
pytest.importorskip("transformers.core_model_loading")  # the conversion rules (transformers >= 5)

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")

EXPERTS = 3


def _mixtral():
    torch.manual_seed(0)
    config = transformers.MixtralConfig(vocab_size=50, hidden_size=16, intermediate_size=12, num_hidden_layers=2,
                                        num_attention_heads=4, num_key_value_heads=2, num_local_experts=EXPERTS,
                                        num_experts_per_tok=2, tie_word_embeddings=False)
    return transformers.MixtralForCausalLM(config)


def _legacy_mixtral_tensors(model):
    """The state_dict in the layout of the Mixtral checkpoints on the Hub: ``block_sparse_moe``,
    each expert's ``w1`` (gate), ``w3`` (up) and ``w2`` (down) a tensor of its own."""
    out = {}
    for key, value in model.state_dict().items():
        legacy = key.replace(".mlp.", ".block_sparse_moe.")
        if key.endswith("experts.gate_up_proj"):
            gate, up = value.chunk(2, dim=1)
            for e in range(value.shape[0]):
                out[legacy.replace("gate_up_proj", f"{e}.w1.weight")] = gate[e].clone()
                out[legacy.replace("gate_up_proj", f"{e}.w3.weight")] = up[e].clone()
        elif key.endswith("experts.down_proj"):
            for e in range(value.shape[0]):
                out[legacy.replace("down_proj", f"{e}.w2.weight")] = value[e].clone()
        else:
            out[legacy] = value.clone()
    return out


def _folder(path, model, tensors):
    """A Hugging Face folder: ``model``'s config.json and ``tensors`` as model.safetensors."""
    model.config.architectures = [type(model).__name__]
    model.config.save_pretrained(path)
    write_safetensors(path / "model.safetensors", tensors)
    return path


@pytest.fixture(scope="module")
def legacy_mixtral(tmp_path_factory):
    model = _mixtral()
    folder = _folder(tmp_path_factory.mktemp("mixtral"), model, _legacy_mixtral_tensors(model))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        loaded = transformers.MixtralForCausalLM.from_pretrained(folder)
    return folder, loaded


def test_mixtral_per_expert_checkpoint_equals_from_pretrained(legacy_mixtral):
    """Per-expert w1/w2/w3 tensors give the report of the model from_pretrained loads from the
    same folder (fused gate_up_proj / down_proj), bit for bit; every expert is a layer."""
    folder, loaded = legacy_mixtral
    report = cPSE.cpse_report(folder)
    assert_same_report(report, cPSE.cpse_report(loaded))
    names = [r.name for r in report.used]
    assert sum("experts[" in n for n in names) == 2 * EXPERTS * 3
    assert "model.layers.1.mlp.experts[2].down_proj" in names and "model.layers.0.mlp.gate" in names


def test_expert_matrices_read_only_their_expert(legacy_mixtral, monkeypatch):
    """An expert's matrix reads that expert's tensors only, never the fused tensor of all experts."""
    folder, loaded = legacy_mixtral
    reads = []
    read = _checkpoint._read_safetensors_tensor
    monkeypatch.setattr(_checkpoint, "_read_safetensors_tensor", lambda entry: reads.append(entry.name) or read(entry))
    mats, _ = _checkpoint.checkpoint_matrices(folder)
    assert reads == []
    by_name = {m.name: m for m in mats}
    prefix = "model.layers.1.block_sparse_moe.experts.2"
    up = by_name["model.layers.1.mlp.experts[2].up_proj"].matrix.load()
    assert reads == [f"{prefix}.w1.weight", f"{prefix}.w3.weight"]
    assert torch.equal(up, loaded.model.layers[1].mlp.experts.gate_up_proj.detach()[2, 12:])
    reads.clear()
    down = by_name["model.layers.0.mlp.experts[1].down_proj"].matrix.load()
    assert reads == ["model.layers.0.block_sparse_moe.experts.1.w2.weight"]
    assert torch.equal(down, loaded.model.layers[0].mlp.experts.down_proj.detach()[1])


def test_conversions_not_per_expert_materialise_the_layer(legacy_mixtral, monkeypatch):
    """A conversion whose slices cannot be read expert by expert runs transformers' conversion
    on all of a layer's tensors: the same result."""
    folder, loaded = legacy_mixtral
    monkeypatch.setattr(_checkpoint._Conversion, "per_expert", property(lambda self: False))
    reads = []
    read = _checkpoint._read_safetensors_tensor
    monkeypatch.setattr(_checkpoint, "_read_safetensors_tensor", lambda entry: reads.append(entry.name) or read(entry))
    report = cPSE.cpse_report(folder)
    assert_same_report(report, cPSE.cpse_report(loaded))
    assert reads.count("model.layers.0.block_sparse_moe.experts.2.w2.weight") == EXPERTS  # once per down_proj


def test_save_pretrained_mixtral_sharded(tmp_path):
    """transformers' own save_pretrained (which writes the per-expert layout), sharded."""
    model = _mixtral()
    model.save_pretrained(tmp_path, max_shard_size="8KB")
    assert (tmp_path / "model.safetensors.index.json").is_file()
    assert_same_report(cPSE.cpse_report(tmp_path), cPSE.cpse_report(model))


def test_renamed_key_gpt_neox_embed_out(tmp_path):
    """A pure renaming: GPT-NeoX checkpoints name the head ``embed_out``."""
    torch.manual_seed(1)
    config = transformers.GPTNeoXConfig(vocab_size=40, hidden_size=16, num_hidden_layers=2, num_attention_heads=2,
                                        intermediate_size=24, max_position_embeddings=16, tie_word_embeddings=False)
    model = transformers.GPTNeoXForCausalLM(config)
    tensors = {("embed_out.weight" if k == "lm_head.weight" else k): v for k, v in model.state_dict().items()}
    folder = _folder(tmp_path, model, tensors)
    loaded = transformers.GPTNeoXForCausalLM.from_pretrained(folder)
    assert torch.equal(loaded.lm_head.weight, model.lm_head.weight)
    report = cPSE.cpse_report(folder)
    assert_same_report(report, cPSE.cpse_report(loaded))
    assert report.used[-1].name == "lm_head"


def test_base_model_prefix_added(tmp_path):
    """A LlamaModel checkpoint (no ``model.`` prefix) read as LlamaForCausalLM with tied
    embeddings, as from_pretrained loads it."""
    torch.manual_seed(2)
    config = transformers.LlamaConfig(vocab_size=40, hidden_size=16, intermediate_size=24, num_hidden_layers=2,
                                      num_attention_heads=4, num_key_value_heads=2, tie_word_embeddings=True)
    base = transformers.LlamaModel(config)
    folder = _folder(tmp_path, transformers.LlamaForCausalLM(config), base.state_dict())
    loaded = transformers.LlamaForCausalLM.from_pretrained(folder)
    assert torch.equal(loaded.model.embed_tokens.weight, base.embed_tokens.weight)
    assert_same_report(cPSE.cpse_report(folder), cPSE.cpse_report(loaded))


def test_unknown_names_stay_a_value_error(tmp_path):
    model = _mixtral()
    tensors = _legacy_mixtral_tensors(model)
    tensors["model.layers.0.block_sparse_moe.experts.0.w9.weight"] = torch.ones(12, 16)
    folder = _folder(tmp_path / "extra", model, tensors)
    with pytest.raises(ValueError, match=r"'.*extra' does not fit arch=MixtralForCausalLM of config.json \(after "
                                         r"transformers' conversion rules for the model: renamed keys, merged "
                                         r"experts\): the file has weights the model does not: model.layers.0.block_"
                                         r"sparse_moe.experts.0.w9.weight \(1\)$"):
        cPSE.cpse_report(folder)
    tensors = _legacy_mixtral_tensors(model)
    del tensors["model.layers.1.block_sparse_moe.experts.1.w2.weight"]
    tensors["model.layers.1.block_sparse_moe.experts.1.w2.weight"] = torch.ones(16, 11)  # a wrong shape
    folder = _folder(tmp_path / "shape", model, tensors)
    with pytest.raises(ValueError, match=r"'.*shape': transformers' conversion of the tensors model.layers.1.block_"
                                         r"sparse_moe.experts.0.w2.weight, .* into 'model.layers.1.mlp.experts."
                                         r"down_proj' fails: RuntimeError"):
        cPSE.cpse_report(folder)
    for e in range(EXPERTS):  # every expert of one shape, but not the model's
        tensors[f"model.layers.1.block_sparse_moe.experts.{e}.w2.weight"] = torch.ones(16, 11)
    folder = _folder(tmp_path / "shapes", model, tensors)
    with pytest.raises(ValueError, match=r"tensor 'model.layers.1.block_sparse_moe.experts.0.w2.weight' in .* and "
                                         r"2 more, which transformers converts into 'model.layers.1.mlp.experts."
                                         r"down_proj', has the shape \(3, 16, 11\); layer .* expects \(3, 16, 12\)"):
        cPSE.cpse_report(folder)


def test_non_transformers_definition_is_not_converted(tmp_path):
    sd = mlp().state_dict()
    write_safetensors(tmp_path / "m.safetensors", {k.replace("3.", "block.3."): v for k, v in sd.items()})
    with pytest.raises(ValueError, match=r"missing: 3.weight \(1\); the file has weights the model does not: "
                                         r"block.3.weight \(1\)$"):
        cPSE.cpse_report(tmp_path / "m.safetensors", arch=mlp())


# --- quantized checkpoints ------------------------------------------------------------------------

QUANTIZED = {
    "bitsandbytes 4-bit": {"0.weight": torch.zeros(54, 1, dtype=torch.uint8), "0.weight.absmax": torch.ones(2),
                           "0.weight.quant_map": torch.ones(16),
                           "0.weight.quant_state.bitsandbytes__nf4": torch.zeros(70, dtype=torch.uint8)},
    "bitsandbytes 8-bit": {"0.weight": torch.zeros(12, 9, dtype=torch.int8), "0.SCB": torch.ones(12)},
    "GPTQ or AWQ": {"0.qweight": torch.zeros(2, 12, dtype=torch.int32),
                    "0.qzeros": torch.zeros(1, 2, dtype=torch.int32), "0.scales": torch.ones(1, 12).half()},
    "fp8 with block-wise scales": {"0.weight": torch.zeros(12, 9, dtype=torch.uint8),
                                   "0.weight_scale_inv": torch.ones(1, 1)},
}
_REFUSAL = r"load the model with its quantization library .* pass the module"


@pytest.mark.parametrize("method", list(QUANTIZED))
def test_quantized_tensor_names_are_refused(tmp_path, method, monkeypatch):
    """Without a definition (natural order), and with one for the formats not read from the
    file (bitsandbytes without bitsandbytes installed), the refusal names the method, the
    tensor and what to do instead."""
    monkeypatch.setattr(_checkpoint, "_has_bitsandbytes", lambda: False)
    path = write_safetensors(tmp_path / "q.safetensors", {**QUANTIZED[method], "1.weight": torch.ones(7, 12)})
    for arch in (mlp(depth=2), None):
        with pytest.raises(ValueError, match=rf"q.safetensors' is a quantized checkpoint \({method.split()[0]}.*: it "
                                             rf"holds the tensor '0\..*'.*: .*{_REFUSAL}"):
            cPSE.cpse_report(path, arch=arch)


def test_quantization_config_is_refused(tmp_path, monkeypatch):
    model = mlp()
    write_safetensors(tmp_path / "model.safetensors", model.state_dict())
    for method, config in (("gptq", {"quant_method": "gptq", "bits": 4}),
                           ("bitsandbytes 4-bit", {"quant_method": "bitsandbytes", "load_in_4bit": True})):
        (tmp_path / "config.json").write_text(json.dumps({"model_type": "llama", "quantization_config": config}))
        monkeypatch.setattr(_checkpoint, "_has_bitsandbytes", lambda: False)
        with pytest.raises(ValueError, match=rf"is a quantized checkpoint \({method}: its config.json has a "
                                             rf"quantization_config\): .*{_REFUSAL}"):
            cPSE.cpse_report(tmp_path)


BITSANDBYTES = {"fp4": dict(load_in_4bit=True),
                "nf4 double": dict(load_in_4bit=True, bnb_4bit_quant_type="nf4", bnb_4bit_use_double_quant=True,
                                   bnb_4bit_compute_dtype=torch.bfloat16),
                "nf4 bf16-storage": dict(load_in_4bit=True, bnb_4bit_quant_type="nf4",
                                         bnb_4bit_quant_storage=torch.bfloat16),
                "int8": dict(load_in_8bit=True)}


@pytest.fixture(scope="module")
def float_llama(tmp_path_factory):
    torch.manual_seed(3)
    config = transformers.LlamaConfig(vocab_size=64, hidden_size=64, intermediate_size=128, num_hidden_layers=1,
                                      num_attention_heads=4, num_key_value_heads=2, tie_word_embeddings=False)
    folder = tmp_path_factory.mktemp("float")
    transformers.LlamaForCausalLM(config).save_pretrained(folder)
    return folder


def _bitsandbytes_folder(float_llama, path, kind):
    pytest.importorskip("bitsandbytes")
    quantization = transformers.BitsAndBytesConfig(**BITSANDBYTES[kind])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        quantized = transformers.LlamaForCausalLM.from_pretrained(float_llama, quantization_config=quantization,
                                                                  device_map="cpu")
        quantized.save_pretrained(path)
    return quantized


@pytest.mark.parametrize("kind", list(BITSANDBYTES))
def test_bitsandbytes_folder_equals_the_quantized_module(tmp_path, float_llama, kind):
    """A folder that transformers quantized with bitsandbytes and saved: each quantized weight is
    dequantized from its codes and stored quant state by bitsandbytes' own functions, as the
    module from_pretrained loads is read: the same report, bit for bit, stored dtypes included."""
    quantized = _bitsandbytes_folder(float_llama, tmp_path / "q", kind)
    report = cPSE.cpse_report(tmp_path / "q")
    expected = cPSE.cpse_report(quantized)
    assert_same_report(report, expected)
    assert [r.weight_dtype for r in report.used] == [r.weight_dtype for r in expected.used]
    assert report.used[1].weight_dtype == ("Int8Params(torch.int8)" if kind == "int8"
                                           else f"Params4bit({kind.split()[0]})")


def test_bitsandbytes_state_is_checked(tmp_path, float_llama):
    """Quant states that do not fit their codes are refused before bitsandbytes' kernels see them."""
    _bitsandbytes_folder(float_llama, tmp_path / "q4", "nf4 double")
    path = tmp_path / "q4" / "model.safetensors"
    tensors = dict(open_checkpoint_tensors(path))
    weight = "model.layers.0.self_attn.q_proj.weight"
    state = f"{weight}.quant_state.bitsandbytes__nf4"
    cases = {
        "not json": ({state: torch.tensor(list(b"{bad"), dtype=torch.uint8)}, "quant state is not valid JSON"),
        "shape": ({state: _packed({"quant_type": "nf4", "blocksize": 64, "dtype": "float32", "shape": [64, 128],
                                   "nested_blocksize": 256, "nested_dtype": "float32", "nested_offset": 0.1})},
                  rf"4-bit weight '{weight}' of shape \(64, 128\) needs 4096 bytes of codes, found 2048 bytes"),
        "fields": ({state: _packed({"quant_type": "nf4", "blocksize": 64, "dtype": "int8", "shape": [64, 64]})},
                   "is not a nf4 state of a 2-D weight"),
        "absmax": ({f"{weight}.absmax": torch.zeros(3, dtype=torch.uint8)},
                   rf"needs {weight}.absmax, 64 values of uint8; found 3 of uint8"),
    }
    for edit, match in cases.values():
        write_safetensors(path, {**tensors, **edit})
        with pytest.raises(ValueError, match=match):
            cPSE.cpse_report(tmp_path / "q4")
    _bitsandbytes_folder(float_llama, tmp_path / "q8", "int8")
    path = tmp_path / "q8" / "model.safetensors"
    tensors = dict(open_checkpoint_tensors(path))
    write_safetensors(path, {**tensors, "model.layers.0.mlp.up_proj.SCB": torch.ones(5)})
    with pytest.raises(ValueError, match=r"up_proj.SCB' in .*: bitsandbytes 8-bit row scales need an int8 matrix"):
        cPSE.cpse_report(tmp_path / "q8")


def _packed(state):
    return torch.tensor(list(json.dumps(state).encode()), dtype=torch.uint8)


def open_checkpoint_tensors(path):
    ckpt = _checkpoint.open_checkpoint(path)
    return {name: ckpt.read(name).clone() for name in ckpt.entries}
