"""cPSE: 0.2.14 numbers (legacy exact, default where defined alike), invariance, report, bad input."""
import json
from pathlib import Path

import numpy as np
import pytest
import torch
import torchvision
from threadpoolctl import threadpool_info, threadpool_limits
from torch import nn

from bristol import cPSE

REF = json.loads((Path(__file__).parent / "reference" / "legacy_0214.json").read_text())


def legacy_threads():
    """Legacy numbers are exact for the BLAS thread count they were produced with (float32
    BLAS results depend on it)."""
    return threadpool_limits(limits=REF["blas_threads"], user_api="blas")


def model_reference(name, *, same_kernel=True):
    """0.2.14's numbers for a torchvision model. Its float32 legacy numbers are exact only for
    the BLAS kernel they were produced with (OpenBLAS picks one per processor, and
    OPENBLAS_CORETYPE can force one), so the reference holds one entry per kernel; an exact
    comparison on a kernel without an entry is skipped (run
    tests/reference/make_legacy_reference.py there to add one)."""
    by_kernel = REF["models_by_blas_kernel"]
    kernel = next(d["architecture"] for d in threadpool_info() if d["user_api"] == "blas")
    if kernel in by_kernel:
        return by_kernel[kernel][name]
    if same_kernel:
        pytest.skip(f"no 0.2.14 reference for the BLAS kernel {kernel!r} (have {sorted(by_kernel)})")
    return next(iter(by_kernel.values()))[name]


def _vanilla(name):
    if name == "readme_10x64":
        rs = np.random.RandomState(42)
        return [rs.normal(size=(64, 64)) for _ in range(10)]
    if name == "mixed_sizes":
        rs = np.random.RandomState(0)
        return [rs.normal(size=(n, n)) for n in (8, 16, 32, 32, 16)]
    if name == "rectangular":
        rs = np.random.RandomState(3)
        return [rs.normal(size=s) for s in ((20, 30), (12, 40), (20, 5), (7, 9), (20, 20))]
    rs = np.random.RandomState(4)
    return [rs.normal(size=(n, n)) for n in (24, 9, 24, 14, 17, 24)]


def _model(name):
    torch.manual_seed(0)
    return getattr(torchvision.models, name)(weights=None)


@pytest.mark.parametrize("name", ["readme_10x64", "mixed_sizes", "rectangular", "nonmultiple_sizes"])
def test_vanilla_legacy_exact(name):
    with legacy_threads():
        d, c = cPSE.cpse_measure_vanilla(_vanilla(name), legacy=True)
    assert d == REF["vanilla"][name]["d_layers"] and c == REF["vanilla"][name]["cpse"]


def test_readme_example_value():
    d, c = cPSE.cpse_measure_vanilla(_vanilla("readme_10x64"))
    assert c == pytest.approx(-1.4814662381222536, rel=1e-12) and len(d) == 8


@pytest.mark.parametrize("name", ["readme_10x64", "mixed_sizes"])
def test_default_equals_legacy_when_sizes_divide(name):
    d, c = cPSE.cpse_measure_vanilla(_vanilla(name))
    assert np.allclose(d, REF["vanilla"][name]["d_layers"], rtol=1e-9) and c == pytest.approx(REF["vanilla"][name]["cpse"], rel=1e-12)


def test_default_is_a_function_of_the_spectra():
    mats = _vanilla("nonmultiple_sizes")
    rng = np.random.default_rng(0)
    permuted = [m[rng.permutation(m.shape[0])][:, rng.permutation(m.shape[1])] for m in mats]
    d, c = cPSE.cpse_measure_vanilla(mats)
    d2, c2 = cPSE.cpse_measure_vanilla(permuted)
    assert np.allclose(d, d2, rtol=1e-10) and c == pytest.approx(c2, rel=1e-10)
    assert c != pytest.approx(REF["vanilla"]["nonmultiple_sizes"]["cpse"], rel=1e-3), "legacy order differs here"


def test_resnet18_legacy_exact_and_default():
    model = _model("resnet18")
    with legacy_threads():
        d, c = cPSE.cpse_measure(model, legacy=True)
    ref = model_reference("resnet18")
    assert d == ref["d_layers"] and c == ref["cpse"]
    d_def, c_def = cPSE.cpse_measure(model)
    assert len(d_def) == len(d) == 21 - 2
    assert np.isfinite(c_def)


def test_vgg11_default_agrees_with_0214():
    """VGG: the largest layer (4096) is a multiple of every other size, so the order does not
    matter and the float64 default reproduces 0.2.14's number."""
    d, c = cPSE.cpse_measure(_model("vgg11"))
    ref = model_reference("vgg11", same_kernel=False)
    assert np.allclose(d, ref["d_layers"], rtol=1e-6)
    assert c == pytest.approx(ref["cpse"], rel=1e-9)


def test_pipeline_functions_compose_to_the_measure():
    model = _model("resnet18")
    for legacy in (False, True):
        a_set, shapes, types = cPSE.get_layer_matrix_set(model, legacy=legacy)
        assert len(a_set) == len(shapes) == len(types) == 21 and shapes[0] == (64, 64)
        eset = cPSE.get_eigenvals_layer_matrix_set(a_set, legacy=legacy)
        d = cPSE.d_layers_pse(cPSE.eigenvals_set_to_periodic(eset))
        d_ref, _ = cPSE.cpse_measure(model, legacy=legacy)
        if legacy:
            assert d == d_ref
        else:
            assert np.allclose(d, d_ref, rtol=1e-8)


def test_list2plist_semantics():
    assert [float(x) for x in cPSE.list2plist([1.0, -2.0, 3.0], 7)] == [1, 2, 3, 1, 2, 3, 1]
    c64 = np.array([-1 + 5j, 2 - 1j], dtype=np.complex64)
    assert [float(x) for x in cPSE.list2plist(c64, 3)] == [1, 2, 1]  # |real part|
    c128 = np.array([3 + 4j], dtype=np.complex128)
    assert [float(x) for x in cPSE.list2plist(c128, 2)] == [5, 5]  # modulus
    assert cPSE.list2plist(np.ones(2, np.float32), 3)[0].dtype == np.float32


def test_nothing_printed(capsys):
    cPSE.cpse_measure_vanilla(_vanilla("mixed_sizes"))
    cPSE.cpse_measure_vanilla(_vanilla("mixed_sizes"), legacy=True)
    assert capsys.readouterr().out == ""


def test_report_and_plot(tmp_path):
    pytest.importorskip("matplotlib")
    report = cPSE.cpse_report("resnet18", weights=None)
    assert len(report.used) == 21 and report.skipped == []
    assert report.used[0].d_layer is None and report.used[-1].d_layer is None
    assert [r.d_layer for r in report.used[1:-1]] == report.d_layers.tolist()
    assert report.used[0].name == "conv1" and report.used[0].matrix_shape == (64, 147)
    assert report.used[0].weight_shape == (64, 3, 7, 7) and "Conv2d" in report.used[0].layer_type
    rec = report.to_records()[0]
    assert set(rec) >= {"name", "layer_type", "weight_shape", "matrix_shape", "status", "d_layer", "weight_dtype"}
    assert rec["weight_dtype"] == "torch.float32"
    import importlib.util

    if importlib.util.find_spec("pandas") is None:
        with pytest.raises(ImportError, match="pandas"):
            report.to_dataframe()
    else:
        assert len(report.to_dataframe()) == 21
    path = tmp_path / "d.png"
    cPSE.plot_d_layers(report, path=path)
    assert path.stat().st_size > 1000


def test_embedding_is_d_by_v_and_fast():
    torch.manual_seed(1)
    model = nn.Sequential(nn.Embedding(2000, 64), nn.Linear(64, 64), nn.Linear(64, 32), nn.Linear(32, 16))
    report = cPSE.cpse_report(model)
    assert report.used[0].matrix_shape == (64, 2000)
    assert len(report.d_layers) == 2


def test_device_cpu_matches_numpy_and_cuda_fails_clearly():
    model = _model("resnet18")
    d_np, c_np = cPSE.cpse_measure(model)
    d_t, c_t = cPSE.cpse_measure(model, device="cpu")
    assert np.allclose(d_np, d_t, rtol=1e-10) and c_np == pytest.approx(c_t, rel=1e-10)
    if not torch.cuda.is_available():
        with pytest.raises(RuntimeError, match="CUDA"):
            cPSE.cpse_measure(model, device="cuda")


@pytest.mark.parametrize("call, exc, match", [
    (lambda: cPSE.cpse_measure_vanilla([]), ValueError, "empty"),
    (lambda: cPSE.cpse_measure_vanilla([np.eye(3), np.eye(3)]), ValueError, "at least 3"),
    (lambda: cPSE.cpse_measure_vanilla([np.eye(3), np.eye(3), np.full((3, 3), np.nan)]), ValueError, "matrices\\[2\\] contains NaN"),
    (lambda: cPSE.cpse_measure_vanilla([np.eye(3), np.ones(3), np.eye(3)]), ValueError, "matrices\\[1\\] must be a 2-D"),
    (lambda: cPSE.cpse_measure_vanilla(5), TypeError, "list of 2-D arrays"),
    (lambda: cPSE.cpse_measure(object()), TypeError, "torch.nn.Module"),
    (lambda: cPSE.cpse_measure("no_such_net"), ValueError, "unknown model name"),
    (lambda: cPSE.cpse_measure(nn.Sequential(nn.Linear(4, 4), nn.Linear(4, 4))), ValueError, "at least 3"),
])
def test_bad_input(call, exc, match):
    with pytest.raises(exc, match=match):
        call()


def test_non_finite_weight_is_rejected():
    model = nn.Sequential(nn.Linear(4, 4), nn.Linear(4, 4), nn.Linear(4, 4))
    with torch.no_grad():
        model[1].weight[0, 0] = float("inf")
    with pytest.raises(ValueError, match="1 .*NaN or Inf"):
        cPSE.cpse_measure(model)
