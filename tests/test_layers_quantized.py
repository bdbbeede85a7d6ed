"""The layer policy on models quantized with torchao and bitsandbytes (both optional): each
quantized weight is read dequantized, in the float module's layout, with its stored dtype."""
import copy
import warnings

import pytest

torch = pytest.importorskip("torch")
nn = torch.nn

from bristol import cPSE  # noqa: E402
from bristol.cPSE._layers import extract_layer_matrices, forward_order, legacy_weight_matrices  # noqa: E402

#: float32 rounding of q * scale (|q| <= 128) moves a value by a few ulp of the step: 2^-12 of it at most.
_ROUNDING = 1 + 2 ** -12


def _quiet(fn, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fn(*args, **kwargs)


def _by_name(model, example_input=None):
    mats, skipped = _quiet(extract_layer_matrices, model, example_input)
    assert skipped == []
    return {m.name: m for m in mats}


def _float_model():
    torch.manual_seed(0)
    return nn.Sequential(nn.Embedding(40, 16), nn.Linear(16, 64), nn.ReLU(), nn.Linear(64, 48), nn.Linear(48, 32))


def _held_copy(model, quantized, dequantize, stored):
    """``model`` with every quantized weight replaced by its dequantized values."""
    held = copy.deepcopy(model)
    with torch.no_grad():
        for module, q in zip(held.modules(), quantized.modules()):
            if isinstance(module, (nn.Linear, nn.Embedding)) and stored(q) is not None:
                module.weight.copy_(dequantize(q))
    return held


def _assert_dequantized_exactly(model, quantized, dequantize, stored, bound):
    """Same names and shapes as the float model; each quantized matrix is its dequantized
    weight (cPSE equals that of a float copy holding those weights, bit for bit) and within
    ``bound(module, float_matrix)`` of the float weight; the stored dtype is ``stored(module)``."""
    floats, mats = _by_name(model), _by_name(quantized)
    assert [(k, m.matrix_shape) for k, m in mats.items()] == [(k, m.matrix_shape) for k, m in floats.items()]
    held = _held_copy(model, quantized, dequantize, stored)
    rep, ref = cPSE.cpse_report(quantized), cPSE.cpse_report(held)
    held_mats = _by_name(held)
    assert rep.d_layers.tolist() == ref.d_layers.tolist() and rep.cpse == ref.cpse
    for name, module in quantized.named_modules():
        m = mats.get(name)
        if m is None:
            continue
        if stored(module) is None:  # left in float
            assert m.weight_dtype == "torch.float32" and m.sources == (f"{name}.weight",)
            continue
        assert m.weight_dtype == stored(module) and m.sources == () and m.transform is None
        assert type(m.matrix) is torch.Tensor and m.matrix.dtype == torch.float32
        assert torch.equal(m.matrix, held_mats[name].matrix)
        error = (m.matrix - floats[name].matrix).abs()
        if isinstance(module, nn.Embedding):  # the matrix is the d x V transpose of the weight
            error = error.T
        assert 0 < error.max() and bool((error <= bound(module, model.get_parameter(f"{name}.weight"))).all()), name


# --- torchao ------------------------------------------------------------------------------------

def _torchao():
    pytest.importorskip("torchao")
    import torchao.quantization as taq

    return taq


def _torchao_step(w):
    """The quantization step of each entry of a torchao weight: its block's scale."""
    scale = w.scale.reshape(w.shape[0], -1)
    return scale.repeat_interleave(w.shape[1] // scale.shape[1], dim=1)


def _int_bound(module, _):
    """Rounding to the nearest level: at most half a step."""
    return 0.5 * _torchao_step(module.weight) * _ROUNDING


def _float8_bound(module, _):
    """e4m3 rounds to 3 mantissa bits: 2^-4 of the value, or half the subnormal spacing 2^-9."""
    w = module.weight
    return (2 ** -4 * w.dequantize().abs() + 2 ** -10 * _torchao_step(w)) * _ROUNDING


def _torchao_configs():
    taq = _torchao()
    both = lambda module, fqn: isinstance(module, (nn.Linear, nn.Embedding))  # noqa: E731
    return [(taq.Int8WeightOnlyConfig(), None, "torch.int8", _int_bound),
            (taq.IntxWeightOnlyConfig(weight_dtype=torch.int4, granularity=taq.PerGroup(8)), both, "torch.int4",
             _int_bound),
            (taq.Float8WeightOnlyConfig(), None, "torch.float8_e4m3fn", _float8_bound)]


@pytest.mark.parametrize("index", range(3))
def test_torchao_weights_are_read_dequantized(index):
    config, where, inner, bound = _torchao_configs()[index]
    model = _float_model()
    quantized = copy.deepcopy(model)
    _torchao().quantize_(quantized, config, filter_fn=where)

    def stored(module):
        w = module.weight
        return None if type(w) is nn.Parameter else f"{type(w).__name__}({inner})"

    assert stored(quantized[1]) is not None and (where is None) == (stored(quantized[0]) is None)
    _assert_dequantized_exactly(model, quantized, lambda module: module.weight.dequantize(), stored, bound)


def test_torchao_forward_order_legacy_and_write_guard():
    taq = _torchao()
    model = _float_model()
    quantized = copy.deepcopy(model)
    taq.quantize_(quantized, taq.Int8WeightOnlyConfig())
    tokens = torch.zeros(2, 3, dtype=torch.long)
    assert [m.name for m in _by_name(quantized, tokens).values()] == ["0", "1", "3", "4"]
    with pytest.warns(UserWarning, match=r"legacy=True .* ignores 3 quantized modules \(1, 3, 4\)"):
        assert [m.shape for m in legacy_weight_matrices(quantized)] == [(40, 16)]

    class Writes(nn.Module):
        def __init__(self):
            super().__init__()
            self.lin = nn.Linear(8, 8)

        def forward(self, x):
            self.lin.weight.qdata.add_(1)  # into the storage of the quantized weight's values
            return self.lin(x)

    writer = Writes()
    taq.quantize_(writer, taq.Int8WeightOnlyConfig())
    before = writer.lin.weight.qdata.clone()
    with pytest.raises(ValueError, match="writes into parameter lin.weight"):
        forward_order(writer, torch.zeros(1, 8))
    assert torch.equal(writer.lin.weight.qdata, before)


def test_torchao_fused_qkv_is_split():
    """The float policy applies to the dequantized weight: timm's fused qkv gives q, k, v."""
    timm = pytest.importorskip("timm")
    taq = _torchao()
    torch.manual_seed(1)
    model = nn.Sequential(timm.layers.Attention(16, num_heads=2))
    quantized = copy.deepcopy(model)
    taq.quantize_(quantized, taq.Int8WeightOnlyConfig())
    mats = _by_name(quantized)
    assert list(mats) == ["0.qkv[q]", "0.qkv[k]", "0.qkv[v]", "0.proj"]
    assert {m.weight_dtype for m in mats.values()} == {"Int8Tensor(torch.int8)"}
    qkv = quantized[0].qkv.weight.dequantize()
    assert torch.equal(torch.cat([mats[f"0.qkv[{p}]"].matrix for p in "qkv"]), qkv)


# --- bitsandbytes -------------------------------------------------------------------------------

def _bnb():
    return pytest.importorskip("bitsandbytes")


def _bnb_model(model, kind):
    """``model``'s Linear layers 1 and 3 as bitsandbytes layers (4-bit ``kind`` or 8-bit "int8"),
    quantized by moving them to the CPU, as bitsandbytes does."""
    bnb = _bnb()
    quantized = copy.deepcopy(model)
    for i in (1, 3):
        lin = model[i]
        if kind == "int8":
            layer = bnb.nn.Linear8bitLt(lin.in_features, lin.out_features, has_fp16_weights=False)
            layer.weight = bnb.nn.Int8Params(lin.weight.data.clone(), requires_grad=False, has_fp16_weights=False)
        else:
            layer = bnb.nn.Linear4bit(lin.in_features, lin.out_features, compute_dtype=torch.float32, quant_type=kind)
            layer.weight = bnb.nn.Params4bit(lin.weight.data.clone(), requires_grad=False, quant_type=kind)
        layer.bias = nn.Parameter(lin.bias.data.clone())
        quantized[i] = layer
    return _quiet(quantized.to, "cpu")


def _bnb_dequantized(module):
    f = _bnb().functional
    w = module.weight
    if type(w).__name__ == "Params4bit":
        return f.dequantize_4bit(w.data, w.quant_state)
    return f.int8_vectorwise_dequant(w.data, module.state.SCB if w.SCB is None else w.SCB)


def _bnb_stored(module):
    w = module.weight
    if type(w) is nn.Parameter:
        return None
    return f"Params4bit({w.quant_state.quant_type})" if type(w).__name__ == "Params4bit" else "Int8Params(torch.int8)"


def _bnb_bound(module, w_float):
    """One step (row absmax / 127 for int8; the largest gap between the 4-bit levels times the
    block's absmax: bitsandbytes' CPU kernels do not always take the nearest level), plus the
    error of the stored absmax (the levels are at most 1)."""
    w = module.weight
    if type(w).__name__ == "Int8Params":
        exact = w_float.abs().amax(dim=1)
        scales = module.state.SCB if w.SCB is None else w.SCB
        return ((exact / 127 + (scales - exact).abs()) * _ROUNDING)[:, None]
    state = w.quant_state
    absmax = state.absmax
    if state.nested:  # the block maxima themselves stored in 8 bits (compress_statistics, the default)
        absmax = _bnb().functional.dequantize_blockwise(absmax, state.state2) + state.offset
    exact = w_float.reshape(-1, state.blocksize).abs().amax(dim=1)
    gap = state.code.sort().values.diff().max()
    per_block = gap * exact + (absmax - exact).abs()
    return per_block.repeat_interleave(state.blocksize).reshape(state.shape) * _ROUNDING


@pytest.mark.parametrize("kind", ["nf4", "fp4", "int8"])
def test_bitsandbytes_weights_are_read_dequantized(kind):
    model = _float_model()
    quantized = _bnb_model(model, kind)
    assert _bnb_stored(quantized[1]) is not None
    _assert_dequantized_exactly(model, quantized, _bnb_dequantized, _bnb_stored, _bnb_bound)
    before = {k: m.matrix for k, m in _by_name(quantized).items()}
    quantized(torch.zeros(2, 3, dtype=torch.long))  # the int8 scales move to the module's state
    assert all(torch.equal(m.matrix, before[k]) for k, m in _by_name(quantized).items())
    with pytest.raises(ValueError, match=r"alias of 1.weight \((Params4bit|Int8Params)\) loses its quantization"):
        forward_order(quantized, torch.zeros(2, 3, dtype=torch.long))
    assert all(not m._forward_pre_hooks for m in quantized.modules())


def test_bitsandbytes_layers_not_yet_quantized_are_float():
    bnb = _bnb()
    layer = bnb.nn.Linear4bit(16, 8, compute_dtype=torch.float32)  # quantized when moved to a device
    (m,) = _by_name(nn.Sequential(layer)).values()
    assert m.weight_dtype == "torch.float32" and m.sources == ("0.weight",)
    assert torch.equal(m.matrix, layer.weight.data)


def test_lora_on_a_quantized_layer_is_its_merged_view():
    """QLoRA: a LoRA adapter on a quantized Linear contributes one matrix, the dequantized weight
    plus scaling * B A (never the factors); B = 0 at init gives the quantized model's cPSE exactly."""
    peft = pytest.importorskip("peft")
    model = _bnb_model(_float_model(), "nf4")
    plain = _by_name(model)
    config = peft.LoraConfig(r=2, lora_alpha=6, target_modules=["1"])
    wrapped = _quiet(peft.get_peft_model, copy.deepcopy(model), config)
    base = _by_name(wrapped)
    assert [m.matrix_shape for m in base.values()] == [m.matrix_shape for m in plain.values()]
    assert cPSE.cpse_report(wrapped).cpse == cPSE.cpse_report(model).cpse
    lora = wrapped.get_submodule("base_model.model.1")
    torch.manual_seed(3)
    with torch.no_grad():
        lora.lora_B["default"].weight.normal_()
    merged = _by_name(wrapped)["base_model.model.1"]
    b, a = lora.lora_B["default"].weight, lora.lora_A["default"].weight
    expected = plain["1"].matrix + (b @ a) * lora.scaling["default"]
    assert torch.equal(merged.matrix, expected) and lora.scaling["default"] == 3.0
    assert merged.weight_dtype == plain["1"].weight_dtype and "LoRA merged" in merged.note
    assert not any("lora" in k for k in _by_name(wrapped))


def test_quantized_weights_that_cannot_be_dequantized_are_refused():
    taq = _torchao()
    model = _float_model()
    taq.quantize_(model, taq.Int8WeightOnlyConfig())
    w = model[3].weight

    def lacking():
        raise NotImplementedError("no dequantize here")

    for fake, message in [(lacking, "cannot be dequantized: no dequantize here"),
                          (lambda: w.qdata, "gives a Tensor of torch.int8, not a float tensor")]:
        w.dequantize = fake
        where = r"weight 3\.weight \(torch\.nn\.modules\.linear\.Linear, stored as Int8Tensor\)"
        with pytest.raises(ValueError, match=rf"{where}[: ].*{message}"):
            _quiet(extract_layer_matrices, model)
    int8 = _bnb_model(_float_model(), "int8")
    int8[3].weight.SCB = None  # no forward pass yet: the module's state holds no scales either
    with pytest.raises(ValueError, match=r"weight 3\.weight .* without their scales \(SCB\)"):
        _quiet(extract_layer_matrices, int8)
