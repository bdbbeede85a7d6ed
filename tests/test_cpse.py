"""cPSE: 0.2.14 numbers (legacy exact, default where defined alike), invariance, report, bad input."""
import importlib.util
import json
import re
from pathlib import Path

import numpy as np
import pytest
from threadpoolctl import threadpool_limits

from bristol import cPSE

torch = pytest.importorskip("torch")
torchvision = pytest.importorskip("torchvision")
nn = torch.nn

REF = json.loads((Path(__file__).parent / "reference" / "legacy_0214.json").read_text())


def _reference_script():
    """tests/reference/make_legacy_reference.py, which writes REF, as a module."""
    spec = importlib.util.spec_from_file_location("make_legacy_reference",
                                                  Path(__file__).parent / "reference" / "make_legacy_reference.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


#: What 0.2.14's float32 legacy numbers depend on besides the thread count (fixed by
#: legacy_threads): numpy's version and its own BLAS's version and kernel (not scipy's or
#: torch's BLAS; OpenBLAS's OPENBLAS_CORETYPE can force a kernel), as the script records them.
blas_conditions = _reference_script().blas_conditions


def legacy_threads():
    """Legacy numbers are exact for the BLAS thread count they were produced with (float32
    BLAS results depend on it)."""
    return threadpool_limits(limits=REF["blas_threads"], user_api="blas")


def model_reference(name, *, same_conditions=True):
    """0.2.14's numbers for a torchvision model. Its float32 legacy numbers are exact only
    under the conditions they were produced in (:func:`blas_conditions`: the kernel alone is
    not enough, numpy 2.5.2 gave another kernel's numbers), so the reference holds one entry
    per recorded conditions. Where none matches, an exact comparison is skipped with a message
    naming the current and the recorded conditions (run tests/reference/make_legacy_reference.py
    there to add an entry); ``same_conditions=False`` takes the first entry, for comparisons
    that do not depend on them."""
    entries = REF["models"]
    current = blas_conditions()
    for entry in entries:
        if entry["conditions"] == current:
            return entry["cases"][name]
    if same_conditions:
        pytest.skip(f"no 0.2.14 reference for {name} under the current numpy/BLAS conditions {current}; "
                    f"recorded: {[e['conditions'] for e in entries]}")
    return entries[0]["cases"][name]


def test_model_reference_skips_naming_both_conditions(monkeypatch):
    recorded = {"numpy": "0.0", "blas_version": "0.0.0", "blas_kernel": "Nowhere"}
    monkeypatch.setitem(REF, "models", [{"conditions": recorded, "cases": {"resnet18": {"cpse": 0.0}}}])
    with pytest.raises(pytest.skip.Exception) as skipped:
        model_reference("resnet18")
    assert str(blas_conditions()) in str(skipped.value) and str(recorded) in str(skipped.value)
    assert model_reference("resnet18", same_conditions=False) == {"cpse": 0.0}
    monkeypatch.setitem(REF, "models", [{"conditions": blas_conditions(), "cases": {"resnet18": {"cpse": 1.0}}}])
    assert model_reference("resnet18") == {"cpse": 1.0}


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
    assert np.allclose(d, REF["vanilla"][name]["d_layers"], rtol=1e-9)
    assert c == pytest.approx(REF["vanilla"][name]["cpse"], rel=1e-12)


def test_default_is_a_function_of_the_spectra():
    mats = _vanilla("nonmultiple_sizes")
    rng = np.random.default_rng(0)
    permuted = [m[rng.permutation(m.shape[0])][:, rng.permutation(m.shape[1])] for m in mats]
    d, c = cPSE.cpse_measure_vanilla(mats)
    d2, c2 = cPSE.cpse_measure_vanilla(permuted)
    assert np.allclose(d, d2, rtol=1e-10) and c == pytest.approx(c2, rel=1e-10)
    assert c != pytest.approx(REF["vanilla"]["nonmultiple_sizes"]["cpse"], rel=1e-3), "legacy order differs here"


@pytest.mark.slow
def test_resnet18_legacy_exact_and_default():
    model = _model("resnet18")
    with legacy_threads():
        d, c = cPSE.cpse_measure(model, legacy=True)
    ref = model_reference("resnet18")
    assert d == ref["d_layers"] and c == ref["cpse"]
    d_def, c_def = cPSE.cpse_measure(model)
    assert len(d_def) == len(d) == 21 - 2
    assert np.isfinite(c_def)


@pytest.mark.slow
def test_vgg11_default_agrees_with_0214():
    """VGG: the largest layer (4096) is a multiple of every other size, so the order does not
    matter and the float64 default reproduces 0.2.14's number."""
    d, c = cPSE.cpse_measure(_model("vgg11"))
    ref = model_reference("vgg11", same_conditions=False)
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


def test_plot_d_layers_leaves_the_backend_and_pyplot_alone(tmp_path):
    """No ax: a Figure outside pyplot, saved with savefig; the user's backend is not switched."""
    matplotlib = pytest.importorskip("matplotlib")
    import matplotlib.pyplot as plt

    before = matplotlib.get_backend()
    matplotlib.use("svg")  # a user's backend other than Agg
    try:
        figures = plt.get_fignums()
        ax = cPSE.plot_d_layers([0.5, 0.2, 0.1, 0.05], path=tmp_path / "d.png")
        assert matplotlib.get_backend() == "svg"
        assert plt.get_fignums() == figures
        assert ax.figure.get_axes() == [ax] and len(ax.lines[0].get_xdata()) == 4
        assert (tmp_path / "d.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    finally:
        matplotlib.use(before)


def test_verbose_is_silent_by_default_and_progress_is_deprecated(capsys):
    """scikit-learn's verbose: 0 (the default) silent even for many layers, 1 a bar; the old
    progress= still works, with a FutureWarning that names verbose and points at the caller."""
    torch.manual_seed(0)
    model = nn.Sequential(*[nn.Linear(4, 4) for _ in range(cPSE.PROGRESS_MIN_LAYERS)])
    d, c = cPSE.cpse_measure(model)
    assert "cPSE layers" not in capsys.readouterr().err
    assert cPSE.cpse_measure(model, verbose=1) == (d, c)
    assert "cPSE layers" in capsys.readouterr().err
    for progress, shown in ((True, True), (False, False), (None, True)):
        for measure in (cPSE.cpse_measure, cPSE.cpse_report):
            with pytest.warns(FutureWarning, match="verbose=") as caught:
                out = measure(model, progress=progress)
            assert caught[0].filename == __file__
            assert (out[0] if measure is cPSE.cpse_measure else out.d_layers.tolist()) == d
            assert ("cPSE layers" in capsys.readouterr().err) is shown
    with pytest.raises(ValueError, match="verbose"):
        cPSE.cpse_measure(model, verbose=-1)
    with pytest.raises(TypeError, match="verbose"):
        cPSE.cpse_report(model, verbose="1")


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
    (lambda: cPSE.cpse_measure_vanilla([np.eye(3), np.eye(3), np.full((3, 3), np.nan)]), ValueError,
     "matrices\\[2\\] contains NaN"),
    (lambda: cPSE.cpse_measure_vanilla([np.eye(3), np.ones(3), np.eye(3)]), ValueError,
     "matrices\\[1\\] must be a 2-D"),
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


# --- trust at the edges: memory, dtypes, range limits, property-based boundary ---------------

import warnings  # noqa: E402

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from hypothesis.extra import numpy as hnp  # noqa: E402

from bristol.periodic import periodic_extension  # noqa: E402
from bristol.pse import d_layers, gram_spectra  # noqa: E402

from pse_reference import histogram_d_layers  # noqa: E402


def test_vanilla_of_4500_small_layers():
    """Memory linear in the number of layers (bristol 0.3.0 raised MemoryError here)."""
    rng = np.random.default_rng(10)
    d, c = cPSE.cpse_measure_vanilla([rng.standard_normal((3, 3)) for _ in range(4500)])
    assert len(d) == 4498 and np.all(np.isfinite(d)) and np.isfinite(c)


def _hermitian_spectrum(w):
    """Eigenvalues of W W^H, descending, computed directly."""
    return np.sort(np.linalg.eigvalsh(w @ w.conj().T))[::-1]


@pytest.mark.parametrize("device", [None, "cpu"])
def test_complex_matrices_use_the_hermitian_gram(device):
    rng = np.random.default_rng(11)
    shapes = ((5, 8), (8, 5), (6, 6), (5, 8))
    mats = [rng.standard_normal(s) + 1j * rng.standard_normal(s) for s in shapes]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no ComplexWarning: nothing is cast silently
        spectra = gram_spectra(mats, solver=cPSE._report._solver(device))
        d, c = cPSE.cpse_measure_vanilla(mats, device=device)
    for w, s in zip(mats, spectra):
        expected = _hermitian_spectrum(w)
        assert np.allclose(s, expected, rtol=0, atol=1e-12 * expected[0])
    expected_d = d_layers(periodic_extension([_hermitian_spectrum(w) for w in mats]))
    assert np.allclose(d, expected_d, rtol=1e-9)
    assert c != pytest.approx(cPSE.cpse_measure_vanilla([w.real for w in mats])[1], rel=1e-3), "imaginary part counts"


def test_one_plus_i_times_w_gives_twice_w_wt():
    rng = np.random.default_rng(12)
    mats = [rng.standard_normal(s) for s in ((4, 7), (7, 4), (5, 5))]
    doubled = [2 * s for s in cPSE.get_eigenvals_layer_matrix_set(mats)]
    for s, t in zip(cPSE.get_eigenvals_layer_matrix_set([(1 + 1j) * w for w in mats]), doubled):
        assert np.allclose(s, t, rtol=0, atol=1e-13 * t[0])


def test_legacy_refuses_complex_matrices():
    mats = [np.eye(3), np.eye(3) * (1 + 1j), np.eye(3)]
    with pytest.raises(ValueError, match=r"matrices\[1\] is complex: legacy=True"):
        cPSE.cpse_measure_vanilla(mats, legacy=True)
    with pytest.raises(ValueError, match=r"A_set\[1\] is complex"):
        cPSE.get_eigenvals_layer_matrix_set(mats, legacy=True)


def test_legacy_integer_and_boolean_matrices_are_computed_in_float64():
    """int64 entries ~1e10: M M^T in int64 overflows (~1e20); the legacy path computes it in
    float64, the numbers of the same matrices given as float64. Booleans likewise (numpy's
    boolean product would be a logical one)."""
    rng = np.random.default_rng(13)
    ints = [rng.integers(-10**10, 10**10, size=(6, 6)) for _ in range(5)]
    with legacy_threads():
        assert cPSE.cpse_measure_vanilla(ints, legacy=True) == \
            cPSE.cpse_measure_vanilla([m.astype(np.float64) for m in ints], legacy=True)
        bools = [m > 0 for m in ints]
        assert cPSE.cpse_measure_vanilla(bools, legacy=True) == \
            cPSE.cpse_measure_vanilla([m.astype(np.float64) for m in bools], legacy=True)


def test_legacy_float16_is_computed_in_float32():
    rng = np.random.default_rng(14)
    halves = [rng.standard_normal((8, 8)).astype(np.float16) for _ in range(5)]
    assert {s.dtype for s in cPSE.get_eigenvals_layer_matrix_set(halves, legacy=True)} <= {np.dtype(np.float32),
                                                                                          np.dtype(np.complex64)}
    with legacy_threads():
        assert cPSE.cpse_measure_vanilla(halves, legacy=True) == \
            cPSE.cpse_measure_vanilla([m.astype(np.float32) for m in halves], legacy=True)


@pytest.mark.parametrize("legacy", [False, True])
def test_vanilla_at_the_underflow_limit_is_right_or_refused(legacy):
    """Matrices x 1e-160: sigma^2 ~ 1e-320 is subnormal. Either the numbers of np.histogram
    on the computed spectra or a ValueError naming the matrix, never another exception."""
    mats = [m * 1e-160 for m in _vanilla("mixed_sizes")]
    try:
        d, _ = cPSE.cpse_measure_vanilla(mats, legacy=legacy)
    except ValueError as err:
        assert re.search(r"matrices\[\d\]: .*(smallest normal|underflow)", str(err)), str(err)
    else:
        spectra = [np.abs(np.linalg.eigvals(m @ m.T)) for m in mats] if legacy else \
            [_hermitian_spectrum(m) for m in mats]
        assert np.allclose(d, histogram_d_layers(periodic_extension(spectra)), rtol=1e-6)


@pytest.mark.parametrize("legacy", [False, True])
def test_vanilla_beyond_the_overflow_limit_names_the_matrix(legacy):
    mats = _vanilla("mixed_sizes")
    mats[3] = mats[3] * 1e160
    with pytest.raises(ValueError, match=r"matrices\[3\]: .*above the largest float64"):
        cPSE.cpse_measure_vanilla(mats, legacy=legacy)


def test_vanilla_of_matrices_times_1e80_is_the_unscaled_cpse():
    """A common power-of-two scale (2^266 ~ 1e80) changes nothing: the result is finite and equal."""
    mats = _vanilla("rectangular")
    assert cPSE.cpse_measure_vanilla([np.ldexp(m, 266) for m in mats]) == cPSE.cpse_measure_vanilla(mats)


def test_model_weights_times_1e80_name_the_layer_matrix():
    """sigma^4 of float64 weights x 1e80 exceeds float64: a ValueError naming the matrix, not a NaN."""
    model = nn.Sequential(nn.Linear(4, 4), nn.Linear(4, 4), nn.Linear(4, 4)).double()
    with torch.no_grad():
        model[1].weight.mul_(1e80)
    with pytest.raises(ValueError, match=r"layer 1: the eigenvalues of \(X X\^H\)\^2 lie above"):
        cPSE.cpse_measure(model)


_MATRIX_DTYPES = st.sampled_from([np.float64, np.float32, np.float16, np.int64, np.int16, np.complex128, np.bool_])


@st.composite
def _matrix_lists(draw):
    count = draw(st.integers(3, 5))
    return [draw(hnp.arrays(_MATRIX_DTYPES, st.tuples(st.integers(1, 6), st.integers(1, 6)))) for _ in range(count)]


@settings(max_examples=100, deadline=None, derandomize=True)
@given(_matrix_lists(), st.booleans())
def test_vanilla_property(mats, legacy):
    """Random shapes, dtypes and values: finite d_layers or a ValueError/TypeError, never another
    exception, and no warning but the documented one for d_l = 0."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            d, c = cPSE.cpse_measure_vanilla(mats, legacy=legacy)
        except (ValueError, TypeError):
            return
    assert len(d) == len(mats) - 2 and np.all(np.isfinite(d))
    assert np.isfinite(c) or (c == -np.inf and 0.0 in d)
    assert all("d_l = 0" in str(w.message) for w in caught), [str(w.message) for w in caught]


def test_vanilla_tensor_inputs():
    """16-bit tensors are widened exactly, sparse ones densified; a meta tensor or a ragged list is
    refused naming the matrix."""
    mats = [torch.randn(5, 7, generator=torch.Generator().manual_seed(k)).bfloat16() for k in range(4)]
    expected = cPSE.cpse_measure_vanilla([m.float().numpy() for m in mats])
    assert cPSE.cpse_measure_vanilla(mats) == expected
    assert cPSE.cpse_measure_vanilla([m.to_sparse() for m in mats]) == expected
    halves = [m.half() for m in mats]
    with legacy_threads():
        assert cPSE.cpse_measure_vanilla(halves, legacy=True) == \
            cPSE.cpse_measure_vanilla([m.float().numpy() for m in halves], legacy=True)
    with pytest.raises(ValueError, match=r"matrices\[1\] is on the meta device"):
        cPSE.cpse_measure_vanilla([mats[0], torch.empty(5, 7, device="meta"), mats[2]])
    with pytest.raises(ValueError, match=r"matrices\[2\] is not a rectangular array"):
        cPSE.cpse_measure_vanilla([np.eye(2), np.eye(2), [[1.0, 2.0], [3.0]]])
