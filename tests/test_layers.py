"""The layer policy: which weights become which matrices, and what is reported as skipped."""
import warnings

import numpy as np
import pytest

from bristol.layers import extract_layer_matrices, legacy_weight_matrices

torch = pytest.importorskip("torch")
nn = torch.nn


class Conv1D(nn.Module):
    """A transformers-style Conv1D: weight stored (in, out)."""

    def __init__(self, nf, nx):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(nx, nf))


class Zoo(nn.Module):
    def __init__(self):
        super().__init__()
        self.embed = nn.Embedding(2000, 16)
        self.lin = nn.Linear(16, 24)
        self.conv1 = nn.Conv1d(4, 6, 3)
        self.conv2 = nn.Conv2d(6, 8, (3, 2), groups=2)
        self.conv3 = nn.Conv3d(2, 5, 2)
        self.convt = nn.ConvTranspose2d(8, 6, 3)
        self.attn = nn.MultiheadAttention(12, 3)
        self.attn_kv = nn.MultiheadAttention(12, 3, kdim=5, vdim=7)
        self.lstm = nn.LSTM(10, 20, bidirectional=True, proj_size=4)
        self.gru = nn.GRU(6, 9)
        self.rnn = nn.RNN(3, 7)
        self.hf = Conv1D(30, 12)
        self.bn = nn.BatchNorm1d(24)
        self.head = nn.Linear(24, 1)
        self.token = nn.Parameter(torch.randn(1, 3, 12))


def _extract(model):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        mats, skipped = extract_layer_matrices(model)
    return {m.name: m for m in mats}, {s.name: s for s in skipped}, caught


def test_policy_shapes():
    torch.manual_seed(0)
    model = Zoo()
    mats, skipped, caught = _extract(model)
    shapes = {k: v.matrix_shape for k, v in mats.items()}
    assert shapes["embed"] == (16, 2000)  # d x V, never V x V
    assert shapes["lin"] == (24, 16)
    assert shapes["conv1"] == (6, 12) and shapes["conv2"] == (8, 3 * 6) and shapes["conv3"] == (5, 16)
    assert shapes["convt"] == (8, 54) and mats["convt"].weight_shape == (8, 6, 3, 3)
    for p in "qkv":
        assert shapes[f"attn.in_proj_weight[{p}]"] == (12, 12)
    assert shapes["attn.out_proj"] == (12, 12)
    assert shapes["attn_kv.k_proj_weight"] == (12, 5) and shapes["attn_kv.v_proj_weight"] == (12, 7)
    for gate in "ifgo":
        assert shapes[f"lstm.weight_ih_l0[{gate}]"] == (20, 10)
        assert shapes[f"lstm.weight_hh_l0_reverse[{gate}]"] == (20, 4)
    assert shapes["lstm.weight_hr_l0"] == (4, 20)
    assert all(shapes[f"gru.weight_hh_l0[{g}]"] == (9, 9) for g in "rzn")
    assert shapes["rnn.weight_ih_l0[h]"] == (7, 3)
    assert shapes["hf"] == (30, 12)
    assert np.array_equal(mats["embed"].matrix.numpy(), model.embed.weight.detach().numpy().T)
    q = mats["attn.in_proj_weight[k]"].matrix
    assert torch.equal(q, model.attn.in_proj_weight.detach()[12:24])
    assert set(skipped) == {"head", "token"}
    assert "fewer than 2" in skipped["head"].reason and "not covered" in skipped["token"].reason
    assert len(caught) == 2 and any("token" in str(w.message) for w in caught)
    assert not any(k.startswith("bn") for k in mats)


def test_module_order_is_registration_order():
    mats, _, _ = _extract(Zoo())
    names = list(mats)
    assert names.index("embed") < names.index("lin") < names.index("conv1") < names.index("hf")


def test_legacy_selection_is_0214s():
    torch.manual_seed(0)
    model = Zoo()
    mats, types, names = legacy_weight_matrices(model, with_types=True, with_names=True)
    # 0.2.14: Embedding as V x d, no MHA in_proj, no RNN gates, no Conv1D (not torch.nn), no 1-row head
    assert names == ["embed", "lin", "conv1", "conv2", "conv3", "convt", "attn.out_proj", "attn_kv.out_proj"]
    assert mats[0].shape == (2000, 16) and mats[0].dtype == np.float32
    assert all("torch.nn.modules" in t for t in types)


class Reordered(nn.Module):
    """Registration order late, early, mid, attn (+ out_proj), unused; forward order early, mid, attn, late."""

    def __init__(self):
        super().__init__()
        self.late = nn.Linear(8, 4)
        self.early = nn.Linear(6, 8)
        self.mid = nn.Linear(8, 8)
        self.attn = nn.MultiheadAttention(8, 2)
        self.unused = nn.Linear(8, 8)

    def forward(self, x):
        h = self.mid(self.early(x))
        h, _ = self.attn(h[None], h[None], h[None])
        return self.late(h[0])


def test_forward_order():
    torch.manual_seed(1)
    model = Reordered()
    x = torch.randn(5, 6)
    registration = [m.name for m in extract_layer_matrices(model)[0]]
    assert registration[:2] == ["late", "early"]
    with pytest.warns(UserWarning, match=r"2 layer matrices belong to modules that did not run.*attn.out_proj, unused"):
        mats, _ = extract_layer_matrices(model, example_input=x)
    assert [m.name for m in mats] == ["early", "mid", "attn.in_proj_weight[q]", "attn.in_proj_weight[k]",
                                      "attn.in_proj_weight[v]", "attn.out_proj", "unused", "late"]
    assert sorted(m.name for m in mats) == sorted(registration), "the same matrices, reordered"
    assert not model._forward_pre_hooks and not model.early._forward_pre_hooks, "hooks removed"
    assert model.training and model.attn.training, "the model's mode is restored"
    bn = nn.Sequential(nn.Linear(6, 6), nn.BatchNorm1d(6), nn.Linear(6, 3), nn.Linear(3, 3))
    bn[1].train(False)
    stats = bn[1].running_mean.clone()
    extract_layer_matrices(bn, example_input=torch.randn(4, 6))
    assert torch.equal(bn[1].running_mean, stats), "no buffer changes"
    assert bn.training and not bn[1].training, "modes kept"
    with pytest.raises(ValueError, match="forward pass on example_input failed"):
        extract_layer_matrices(model, example_input=torch.randn(5, 7))
    assert not model.early._forward_pre_hooks, "hooks removed after a failed pass"


def test_forward_order_cpse_equals_the_model_written_in_that_order():
    from bristol import cPSE

    class Linears(nn.Module):
        def __init__(self):
            super().__init__()
            self.c, self.a, self.b, self.d = nn.Linear(9, 7), nn.Linear(5, 12), nn.Linear(12, 9), nn.Linear(7, 3)

        def forward(self, x):
            return self.d(self.c(self.b(self.a(x))))

    torch.manual_seed(2)
    model = Linears()
    in_order = nn.Sequential(model.a, model.b, model.c, model.d)
    d_fwd, c_fwd = cPSE.cpse_measure(model, example_input=torch.randn(3, 5))
    d_seq, c_seq = cPSE.cpse_measure(in_order)
    d_reg, c_reg = cPSE.cpse_measure(model)
    assert d_fwd == d_seq and c_fwd == c_seq
    assert d_reg != d_fwd, "registration order gives another curve here"
    with pytest.raises(ValueError, match="legacy=True takes the layers in registration order"):
        cPSE.cpse_measure(model, legacy=True, example_input=torch.randn(3, 5))


# --- forward order leaves the model bit-identical ----------------------------------------------

def _snapshot(model):
    """Bytes of every parameter and buffer, and every module's mode."""
    tensors = {n: t.detach().clone() for n, t in [*model.named_parameters(), *model.named_buffers()]}
    return tensors, [m.training for m in model.modules()]


def _assert_unchanged(model, snapshot):
    tensors, modes = snapshot
    now = dict([*model.named_parameters(), *model.named_buffers()])
    assert now.keys() == tensors.keys()
    for name, before in tensors.items():
        after = now[name].detach()
        assert after.dtype == before.dtype and after.numpy().tobytes() == before.numpy().tobytes(), name
    assert [m.training for m in model.modules()] == modes, "every module's mode restored"
    assert not any(m._forward_pre_hooks for m in model.modules()), "hooks removed"


class Stateful(nn.Module):
    """Counts its calls in a buffer, shifts batch-norm statistics, switches modes, and then
    does ``action`` ("raise", or a write to the parameter a.weight)."""

    def __init__(self, action=None):
        super().__init__()
        self.a, self.bn, self.b, self.c = nn.Linear(4, 6), nn.BatchNorm1d(6), nn.Linear(6, 5), nn.Linear(5, 3)
        self.register_buffer("calls", torch.zeros((), dtype=torch.long))
        self.action = action

    def forward(self, x):
        self.calls += 1
        self.bn.running_mean.add_(1.0)
        h = self.bn(self.a(x))
        self.train()
        if self.action == "raise":
            raise RuntimeError("boom")
        if self.action == "in place":
            self.a.weight.mul_(2.0)
        elif self.action == "view":
            self.a.weight[0].zero_()
        elif self.action == "out":
            torch.add(self.a.bias, 1.0, out=self.a.bias)
        elif self.action == "list":
            torch._foreach_mul_([self.b.weight, self.a.weight], 2.0)
        elif self.action == "swallowed":
            try:
                self.a.weight.add_(1.0)
            except RuntimeError:
                pass
        elif self.action == "data":
            self.a.weight.data = torch.zeros_like(self.a.weight)
        return self.c(self.b(h))


def _stateful(action=None):
    torch.manual_seed(3)
    model = Stateful(action)
    model.bn.eval()  # mixed modes: root and a..c training, bn not
    return model


@pytest.mark.parametrize("action", [None, "data"])
def test_forward_order_leaves_buffers_and_parameters_bit_identical(action):
    model = _stateful(action)
    before = _snapshot(model)
    mats, _ = extract_layer_matrices(model, example_input=torch.randn(8, 4))
    assert [m.name for m in mats] == ["a", "b", "c"]
    _assert_unchanged(model, before)
    assert int(model.calls) == 0


def test_forward_order_leaves_the_model_bit_identical_when_the_pass_raises():
    model = _stateful("raise")
    before = _snapshot(model)
    with pytest.raises(ValueError, match="forward pass on example_input failed: RuntimeError: boom"):
        extract_layer_matrices(model, example_input=torch.randn(8, 4))
    _assert_unchanged(model, before)


@pytest.mark.parametrize("action", ["in place", "view", "out", "list", "swallowed"])
def test_forward_order_refuses_to_write_into_a_parameter(action):
    model = _stateful(action)
    before = _snapshot(model)
    with pytest.raises(ValueError, match=r"writes into parameter [ab]\.(weight|bias); the write was refused"):
        extract_layer_matrices(model, example_input=torch.randn(8, 4))
    _assert_unchanged(model, before)


def test_forward_order_keeps_a_quantization_calibration():
    import torch.ao.quantization as tq

    from bristol import cPSE

    torch.manual_seed(4)
    model = nn.Sequential(tq.QuantStub(), nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 8), nn.Linear(8, 3),
                          tq.DeQuantStub())
    model.eval().qconfig = tq.default_qconfig
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        prepared = tq.prepare(model)
    prepared(torch.randn(16, 4))  # calibration
    before = _snapshot(prepared)
    assert np.isfinite(float(prepared[1].activation_post_process.min_val))
    cPSE.cpse_measure(prepared, example_input=100 * torch.randn(16, 4))
    _assert_unchanged(prepared, before)


# --- quantized models ---------------------------------------------------------------------------

def _quiet(fn, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fn(*args, **kwargs)


def _dequantized(w):
    return w.dequantize() if w.is_quantized else w


@pytest.mark.parametrize("dtype", [torch.qint8, torch.float16])
def test_dynamic_quantized_layers_are_used_dequantized(dtype):
    import copy

    import torch.ao.quantization as tq

    from bristol import cPSE

    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(32, 64), nn.ReLU(), nn.Linear(64, 64), nn.Linear(64, 48), nn.Linear(48, 16),
                          nn.LSTM(16, 8))
    quantized = _quiet(tq.quantize_dynamic, model, {nn.Linear, nn.LSTM}, dtype=dtype)
    ref, rep = cPSE.cpse_report(model), cPSE.cpse_report(quantized)
    assert [(r.name, r.matrix_shape) for r in rep.used] == [(r.name, r.matrix_shape) for r in ref.used]
    assert len(rep.used) == 12 and rep.skipped == []
    assert {r.weight_dtype for r in rep.used} == {str(dtype)}
    assert {r.weight_dtype for r in ref.used} == {"torch.float32"}
    # exactly the float model holding the dequantized weights
    held = copy.deepcopy(model)
    with torch.no_grad():
        for i in (0, 2, 3, 4):
            held[i].weight.copy_(_dequantized(quantized[i].weight()))
        for pname, w in quantized[5]._weight_bias()["weight"].items():
            getattr(held[5], pname).copy_(_dequantized(w))
    assert rep.d_layers.tolist() == cPSE.cpse_report(held).d_layers.tolist()
    # and close to the float model (8-bit rounding moves cPSE by ~0.003 here; a wrong reshape by far more)
    assert rep.cpse == pytest.approx(ref.cpse, abs=0.05)


def test_static_quantized_layers_and_uncovered_quantized_weights():
    import torch.ao.quantization as tq

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.q, self.conv, self.convt = tq.QuantStub(), nn.Conv2d(3, 8, 3), nn.ConvTranspose2d(8, 4, 2)
            self.lin, self.dq = nn.Linear(4, 6), tq.DeQuantStub()

        def forward(self, x):
            return self.dq(self.lin(self.convt(self.conv(self.q(x))).mean((2, 3))))

    torch.manual_seed(5)
    net = Net().eval()
    net.qconfig = tq.default_qconfig
    prepared = _quiet(tq.prepare, net)
    prepared(torch.randn(2, 3, 8, 8))
    quantized = _quiet(tq.convert, prepared)
    mats, skipped, caught = _extract(quantized)
    assert {k: (m.matrix_shape, m.weight_dtype) for k, m in mats.items()} == {
        "conv": ((8, 27), "torch.qint8"), "convt": ((8, 16), "torch.qint8"), "lin": ((6, 4), "torch.qint8")}
    assert torch.equal(mats["conv"].matrix, quantized.conv.weight().dequantize().reshape(8, -1))
    assert skipped == {} and not caught
    embed = nn.Sequential(nn.Embedding(30, 4))
    embed[0].qconfig = tq.float_qparams_weight_only_qconfig
    qembed = _quiet(tq.convert, _quiet(tq.prepare, embed))
    mats, _, _ = _extract(qembed)
    assert mats["0"].matrix_shape == (4, 30) and mats["0"].weight_dtype == "torch.quint8"
    cell = _quiet(tq.quantize_dynamic, nn.Sequential(nn.LSTMCell(4, 3)), {nn.LSTMCell})
    mats, skipped, caught = _extract(cell)
    assert mats == {} and set(skipped) == {"0.weight_ih", "0.weight_hh"}
    assert all("not covered" in s.reason for s in skipped.values()) and len(caught) == 2
    with pytest.warns(UserWarning, match=r"legacy=True .* ignores 3 quantized modules \(conv, convt, lin\)"):
        assert legacy_weight_matrices(quantized) == []


# --- weights that cannot be read ----------------------------------------------------------------

def _three(middle=lambda: nn.Linear(4, 4)):
    torch.manual_seed(6)
    return nn.Sequential(nn.Linear(4, 4), middle(), nn.Linear(4, 4))


def _scaled(factor, dtype=torch.float64):
    model = _three().to(dtype)
    with torch.no_grad():
        model[1].weight.mul_(factor)
    return model


def _sparse():
    model = _three()
    model[1].weight = nn.Parameter(model[1].weight.detach().to_sparse())
    return model


def _nan():
    model = _three()
    with torch.no_grad():
        model[1].weight[2, 1] = float("nan")
    return model


@pytest.mark.parametrize("legacy", [False, True])
@pytest.mark.parametrize("make, exc, match", [
    (lambda: _three(lambda: nn.Linear(4, 4, device="meta")), ValueError,
     r"weight 1\.weight \(torch\.nn.*Linear\) is on the meta device"),
    (lambda: _three(lambda: nn.LazyLinear(4)), ValueError,
     r"weight 1\.weight \(.*LazyLinear\) is uninitialised .*forward pass"),
    (_sparse, TypeError, r"weight 1\.weight \(.*Linear\) is a sparse tensor \(layout torch.sparse_coo\).*dense"),
    (_nan, ValueError, r"layer 1 (\(.*Linear\) )?has NaN or Inf weights"),
    (lambda: _scaled(1e80), ValueError, r"layer 1: .* above the largest float(64|32) number"),
    (lambda: _scaled(1e160), ValueError, r"layer 1: .* above the largest float(64|32) number"),
])
def test_unreadable_weights_name_the_layer(make, exc, match, legacy):
    from bristol import cPSE

    with pytest.raises(exc, match=match):
        cPSE.cpse_measure(make(), legacy=legacy)


def test_the_overflow_limit_follows_the_arithmetic():
    """sigma^4 overflows float64 exactly when sigma_max > max(float64)^(1/4): just below it cPSE
    is computed (each matrix is rescaled by a power of two before its Gram), just above it
    the layer is named; legacy=True computes in float32 and refuses at float32's limit."""
    from bristol import cPSE

    with pytest.raises(ValueError, match=r"layer 1: .*above the largest float32"):
        cPSE.cpse_measure(_scaled(1e10, torch.float32), legacy=True)
    sigma = float(torch.linalg.matrix_norm(_scaled(1.0)[1].weight.detach(), ord=2))
    limit = float(np.finfo(np.float64).max) ** 0.25
    assert np.isfinite(cPSE.cpse_measure(_scaled(0.99 * limit / sigma))[1]), "just below the limit: computed"
    with pytest.raises(ValueError, match=r"layer 1: .*above the largest float64"):
        cPSE.cpse_measure(_scaled(1.01 * limit / sigma))


def test_complex_weights_pass_unchanged_and_legacy_refuses_them():
    from bristol import cPSE

    torch.manual_seed(7)
    model = nn.Sequential(nn.Linear(4, 5), nn.Linear(5, 5, dtype=torch.cfloat), nn.Linear(5, 3))
    mats, _, _ = _extract(model)
    assert mats["1"].matrix.dtype == torch.complex64 and mats["1"].weight_dtype == "torch.complex64"
    assert torch.equal(mats["1"].matrix, model[1].weight.detach())
    grams, _, _ = cPSE.get_layer_matrix_set(model)
    w = model[1].weight.detach().numpy().astype(np.complex128)
    assert np.allclose(grams[1], w @ w.conj().T, rtol=1e-12), "Hermitian Gram W W^H"
    with pytest.raises(ValueError, match=r"layer 1 \(.*Linear\) has complex weights \(torch.complex64\): legacy=True"):
        cPSE.cpse_measure(model, legacy=True)


def test_plan_rebuilds_every_matrix_from_its_parameters():
    """matrix == transform(*parameters named by sources), and the plan of the same model built on
    the meta device has the same names, shapes and sources without reading any value."""
    from bristol.cPSE._layers import plan_layer_matrices

    torch.manual_seed(0)
    model = Zoo()
    mats, _, _ = _extract(model)
    for m in mats.values():
        assert m.sources, m.name
        rebuilt = m.transform(*[model.get_parameter(s).detach() for s in m.sources])
        assert torch.equal(rebuilt, m.matrix), m.name
    with torch.device("meta"):
        meta = Zoo()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        planned, _ = plan_layer_matrices(meta)
    assert [(p.name, p.matrix_shape, p.sources) for p in planned] == \
        [(m.name, m.matrix_shape, m.sources) for m in mats.values()]
    assert all(p.matrix.is_meta for p in planned)


# --- shared parameters, tables, include / exclude (plain torch) ---------------------------------

class Tied(nn.Module):
    """An output layer registered before the embedding it shares, run after it."""

    def __init__(self):
        super().__init__()
        self.head = nn.Linear(6, 30, bias=False)
        self.embed = nn.Embedding(30, 6)
        self.head.weight = self.embed.weight
        self.mid = nn.Linear(6, 6)

    def forward(self, x):
        return self.head(self.mid(self.embed(x)))


def test_a_shared_parameter_enters_once_at_its_first_use():
    torch.manual_seed(0)
    model = Tied()
    mats, _, _ = _extract(model)
    assert list(mats) == ["head", "mid"] and mats["head"].shared_with == ("embed.weight",)
    ordered, _ = extract_layer_matrices(model, example_input=torch.zeros(2, dtype=torch.long))
    assert [m.name for m in ordered] == ["embed", "mid"] and ordered[0].shared_with == ("head.weight",)
    assert ordered[0].matrix_shape == (6, 30)


def test_parameters_on_the_same_storage_are_shared_and_other_views_are_not():
    torch.manual_seed(0)
    model = nn.Sequential(*[nn.Linear(5, 5) for _ in range(4)])
    model[1].weight = nn.Parameter(model[0].weight.detach())  # another object, the same values
    flat = torch.randn(50)
    model[2].weight = nn.Parameter(flat[:25].view(5, 5))  # one storage, two offsets: two matrices
    model[3].weight = nn.Parameter(flat[25:].view(5, 5))
    mats, _, _ = _extract(model)
    assert list(mats) == ["0", "2", "3"] and mats["0"].shared_with == ("1.weight",)
    assert mats["2"].shared_with == () and mats["3"].shared_with == ()


class Tables(nn.Module):
    def __init__(self):
        super().__init__()
        self.words = nn.Embedding(40, 8)
        self.position_embeddings = nn.Embedding(16, 8)
        self.pos_embed = nn.Parameter(torch.randn(1, 16, 8))
        self.token_type_embeddings = nn.Embedding(2, 8)
        self.fc1, self.fc2 = nn.Linear(8, 8), nn.Linear(8, 8)


def test_position_and_segment_tables_skipped_alike():
    from bristol.cPSE._layers import _TABLE_REASON

    mats, skipped, caught = _extract(Tables())
    assert list(mats) == ["words", "fc1", "fc2"]
    assert {n: s.reason for n, s in skipped.items()} == dict.fromkeys(
        ["position_embeddings.weight", "pos_embed", "token_type_embeddings.weight"], _TABLE_REASON)
    assert len(caught) == 3


def test_include_and_exclude_by_name_pattern_and_module_type():
    torch.manual_seed(0)
    model = Zoo()
    mats, _, _ = _extract(model)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        kept, left = extract_layer_matrices(model, include=["attn*", nn.Embedding], exclude="*[k]")
        others, _ = extract_layer_matrices(model, exclude=(nn.RNNBase, "hf"))
    names = [m.name for m in kept]
    assert names == [n for n in mats if (n.startswith("attn") or n == "embed") and not n.endswith("[k]")]
    assert {s.reason for s in left if s.name in mats} == {"not selected by include=", "excluded by exclude="}
    assert "attn.in_proj_weight[k]" in {s.name for s in left}
    assert [m.name for m in others] == [n for n in mats if not n.startswith(("lstm", "gru", "rnn", "hf"))]


@pytest.mark.parametrize("kw,exc,match", [
    ({"include": 3}, TypeError, "include must be a name pattern"),
    ({"exclude": [nn.Linear, 1.5]}, TypeError, "exclude must hold name patterns"),
    ({"include": int}, TypeError, "include: a type must be a torch.nn.Module subclass"),
    ({"exclude": [""]}, ValueError, "exclude: an empty pattern"),
    ({"include": ["lin", "nothing*"]}, ValueError, r"include: 'nothing\*' matches no layer matrix .* embed, lin"),
    ({"exclude": nn.Conv1d}, ValueError, "exclude: 'Conv1d' matches no layer matrix"),
])
def test_include_exclude_validated(kw, exc, match):
    model = nn.Sequential()
    model.add_module("embed", nn.Embedding(10, 4))
    model.add_module("lin", nn.Linear(4, 4))
    with pytest.raises(exc, match=match):
        extract_layer_matrices(model, **kw)


def test_include_exclude_through_cpse_and_not_with_legacy():
    from bristol import cPSE

    torch.manual_seed(0)
    model = nn.Sequential(*[nn.Linear(8, 8) for _ in range(5)], nn.Linear(8, 40))
    report = cPSE.cpse_report(model, exclude="5")
    assert [r.name for r in report.used] == ["0", "1", "2", "3", "4"]
    assert report.skipped[0].name == "5" and report.skipped[0].reason == "excluded by exclude="
    d, cpse = cPSE.cpse_measure(model[:5])
    assert cPSE.cpse_measure(model, include=[str(i) for i in range(5)]) == (d, cpse) and report.cpse == cpse
    with pytest.raises(ValueError, match="legacy=True .* include= / exclude="):
        cPSE.cpse_measure(model, legacy=True, exclude="5")
