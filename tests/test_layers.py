"""The layer policy: which weights become which matrices, and what is reported as skipped."""
import warnings

import numpy as np
import pytest
import torch
from torch import nn

from bristol.layers import extract_layer_matrices, legacy_weight_matrices, resolve_model


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


def test_resolve_model(tmp_path):
    net = resolve_model("resnet18", weights=None)
    assert isinstance(net, nn.Module)
    assert resolve_model(net) is net
    sd = net.state_dict()
    loaded = resolve_model(sd, arch="resnet18")
    assert torch.equal(loaded.conv1.weight, net.conv1.weight)
    torch.save(net, tmp_path / "m.pt")
    torch.save(sd, tmp_path / "sd.pt")
    assert torch.equal(resolve_model(str(tmp_path / "m.pt")).fc.weight, net.fc.weight)
    assert torch.equal(resolve_model(tmp_path / "sd.pt", arch="resnet18").fc.weight, net.fc.weight)
    with pytest.raises(ValueError, match="unknown model name 'resnet7'"):
        resolve_model("resnet7")
    with pytest.raises(ValueError, match="arch"):
        resolve_model(sd)
    with pytest.raises(TypeError, match="torch.nn.Module"):
        resolve_model(42)
    (tmp_path / "bad.pt").write_text("not a model")
    with pytest.raises(ValueError, match="cannot read"):
        resolve_model(tmp_path / "bad.pt")


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
    assert torch.equal(bn[1].running_mean, stats) and bn.training and not bn[1].training, "no buffer changes, modes kept"
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
