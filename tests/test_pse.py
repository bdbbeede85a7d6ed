"""The vectorised d_layers against the member-by-member definition; Gram spectra."""
import numpy as np
import pytest

from bristol import _torch, pse
from bristol.pse import cpse_from_d_layers, d_layers, ensemble_metrics, gram_spectra, symmetric_eigvalsh
from bristol.spectral import Ergodicity


def _loop_d_layers(periodic, real_grid):
    """Straightforward definition: Ergodicity.thirumalai_mountain per ensemble, KL between."""
    ergo = Ergodicity()
    n_layers, size = periodic.shape
    omegas = [ergo.thirumalai_mountain(periodic[:layers].ravel(), layers, size, real_grid=real_grid)
              for layers in range(1, n_layers)]
    return [ergo.kl_distance_symmetric(omegas[i], omegas[i + 1]) for i in range(n_layers - 2)]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("real_grid", ["own", "common"])
def test_vectorised_equals_loop(dtype, real_grid):
    rng = np.random.default_rng(1)
    periodic = (rng.standard_normal((9, 40)) ** 2 * rng.uniform(0.1, 10, (9, 1))).astype(dtype)
    periodic[3] = periodic[3, 0]  # a constant layer
    ours = d_layers(periodic, real_grid=real_grid)
    loop = _loop_d_layers(periodic, real_grid)
    if real_grid == "own":
        assert ours.tolist() == loop  # bit for bit, as bristol 0.2.14 computes it
    else:
        assert np.allclose(ours, loop, rtol=1e-12, atol=0)


def test_ensemble_metric_of_one_member_is_zero():
    periodic = np.random.default_rng(2).random((4, 30))
    omega = ensemble_metrics(periodic)
    assert omega.shape == (4, 10) and np.all(omega[0] == 0)


def test_gram_spectra_definition_and_padding():
    rng = np.random.default_rng(3)
    mats = [rng.standard_normal(s) for s in ((5, 8), (8, 5), (6, 6), (5, 8))]
    for power in (1, 2):
        spectra = gram_spectra(mats, power=power)
        for x, s in zip(mats, spectra):
            sv = np.linalg.svd(x, compute_uv=False)
            expected = np.sort(np.concatenate([sv ** (2 * power), np.zeros(x.shape[0] - sv.size)]))[::-1]
            assert s.shape == (x.shape[0],)
            assert np.allclose(s, expected, rtol=1e-10, atol=1e-10 * expected.max())
            assert np.all(np.diff(s) <= 0)


def test_symmetric_eigvalsh_torch_and_numpy_agree(monkeypatch):
    """Large Gram matrices go to torch's LAPACK when torch is installed, small ones and all of
    them without torch to numpy's; both give the same spectrum to rounding."""
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(4).standard_normal((2, 40, 60))
    gram = x @ np.swapaxes(x, 1, 2)
    calls = []
    real = torch.linalg.eigvalsh
    monkeypatch.setattr(torch.linalg, "eigvalsh", lambda a: calls.append(a.shape) or real(a))
    symmetric_eigvalsh(gram)
    assert calls == [], "below TORCH_EIGVALSH_MIN: numpy"
    monkeypatch.setattr(pse, "TORCH_EIGVALSH_MIN", 40)
    by_torch = symmetric_eigvalsh(gram)
    assert calls == [(2, 40, 40)]
    monkeypatch.setattr(_torch.importlib.util, "find_spec", lambda name: None)
    by_numpy = symmetric_eigvalsh(gram)
    assert calls == [(2, 40, 40)], "numpy's solver without torch"
    assert np.allclose(by_torch, by_numpy, rtol=0, atol=1e-12 * by_numpy.max())
    assert np.array_equal(by_numpy, np.linalg.eigvalsh(gram))


def test_cpse_from_d_layers():
    assert cpse_from_d_layers([10.0, 0.1]) == 0.0
    with pytest.warns(RuntimeWarning, match=r"d_l = 0 at l = \[2\]"):
        assert cpse_from_d_layers([10.0, 0.0, 0.1]) == -np.inf
    with pytest.raises(ValueError, match="empty"):
        cpse_from_d_layers([])


def test_d_layers_bad_input():
    with pytest.raises(ValueError, match="at least 3 layers"):
        d_layers(np.ones((2, 5)))
    with pytest.raises(ValueError, match="NaN"):
        d_layers(np.array([[1.0, np.nan], [1.0, 2.0], [1.0, 2.0]]))


# --- trust at the edges: memory, range limits, property-based boundary -----------------------

import tracemalloc  # noqa: E402
import warnings  # noqa: E402

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from hypothesis.extra import numpy as hnp  # noqa: E402

from bristol.ergodicity import REAL_BINS  # noqa: E402

from pse_reference import histogram_d_layers  # noqa: E402


def test_d_layers_memory_is_linear_in_the_layers():
    """3000 layers of 3 values: the arrays d_layers holds are the sorted copy (L * U values) and
    a few (L, bins + 1) tables, so its peak is a small multiple of L * (U + bins + 1) * 8 bytes;
    an (L, L, bins + 1) table (bristol 0.3.0 before this fix) would be 792 MB."""
    n_layers, size = 3000, 3
    periodic = np.random.default_rng(6).random((n_layers, size))
    tracemalloc.start()
    try:
        values = d_layers(periodic)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert values.shape == (n_layers - 2,) and np.all(np.isfinite(values))
    assert peak < 12 * n_layers * (size + REAL_BINS + 1) * 8 + 2**18, f"peak {peak} bytes"


@pytest.mark.parametrize("device", [None, "cpu", "cuda"])
@pytest.mark.parametrize("shift", [-510, -300, 500])
def test_gram_spectra_scaling_is_exact_near_the_limits(device, shift):
    """Each matrix is scaled by a power of two before its Gram matrix: entries of 2^-510 (whose
    products are subnormal, ~1e-308) or 2^500 give the unscaled spectra times 2^(2 shift) bit
    for bit, with numpy and with the torch solver of ``device=`` (on CUDA, torch.pow(2.0, -300)
    is inexact: the scale factors must come from ldexp)."""
    solver = None
    if device is not None:
        torch = pytest.importorskip("torch")
        if device == "cuda" and not torch.cuda.is_available():
            pytest.skip("no CUDA device")
        from bristol.cPSE._report import _solver

        solver = _solver(device)
    rng = np.random.default_rng(7)
    mats = [rng.standard_normal((6, 9)) * 2.0 ** -k for k in range(3)]
    shifted = gram_spectra([np.ldexp(m, shift) for m in mats], solver=solver)
    assert all(np.array_equal(t, np.ldexp(s, 2 * shift)) for t, s in zip(shifted, gram_spectra(mats, solver=solver)))


@pytest.mark.parametrize("scale, power, side", [(1e80, 2, "above the largest"), (1e160, 1, "above the largest"),
                                                (1e-160, 1, "below the smallest normal"),
                                                (1e-80, 2, "below the smallest normal")])
def test_gram_spectra_out_of_float64_range_names_the_matrix(scale, power, side):
    mats = [np.eye(4), np.eye(4), np.random.default_rng(8).standard_normal((4, 4)) * scale]
    with pytest.raises(ValueError, match=rf"matrices\[2\]: the eigenvalues of \(X X\^H\)\^{power} lie {side}"):
        gram_spectra(mats, power=power)
    with pytest.raises(ValueError, match=r"layer c: .*float64"):
        gram_spectra(mats, power=power, labels=["layer a", "layer b", "layer c"])


def test_d_layers_at_the_underflow_limit_is_right_or_refused():
    """Spectra whose range is subnormal: either np.histogram's numbers or a ValueError that
    says so, never another exception."""
    rng = np.random.default_rng(9)
    for periodic in (rng.random((5, 8)) * 1e-310, np.vstack([rng.random((4, 8)), rng.random(8) * 1e-312])):
        try:
            values = d_layers(periodic)
        except ValueError as err:
            assert "underflow limit" in str(err) and "layer" in str(err)
        else:
            assert values.tolist() == histogram_d_layers(periodic)


def test_d_layers_refuses_ranges_beyond_the_dtype_and_complex_input():
    with pytest.raises(ValueError, match=r"range \[-1e\+308, 1e\+308\] of layer 2 alone .*overflow"):
        d_layers(np.array([[1.0, 2.0], [-1e308, 1e308], [1.0, 3.0]]))
    with pytest.raises(TypeError, match="real numbers, got dtype complex128"):
        d_layers(np.ones((3, 4)) * (1 + 1j))
    with pytest.raises(TypeError, match="real numbers"):
        d_layers(np.array([["a", "b"]] * 3))


_PERIODIC_DTYPES = st.sampled_from([np.float64, np.float32, np.float16, np.int64, np.int8, np.bool_])


@settings(max_examples=150, deadline=None, derandomize=True)
@given(hnp.arrays(_PERIODIC_DTYPES, st.tuples(st.integers(2, 8), st.integers(1, 7))),
       st.sampled_from(["own", "common"]))
def test_d_layers_property(periodic, real_grid):
    """Any (L, U) array: finite d_layers (np.histogram's numbers on the own grids) or a
    ValueError/TypeError, never another exception, never a warning."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        try:
            values = d_layers(periodic, real_grid=real_grid)
        except (ValueError, TypeError):
            return
    assert values.shape == (periodic.shape[0] - 2,) and np.all(np.isfinite(values))
    if real_grid == "own":
        x = periodic if np.issubdtype(periodic.dtype, np.floating) else periodic.astype(float)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            assert values.tolist() == histogram_d_layers(x)


def test_cpse_from_d_layers_never_returns_nan():
    with pytest.raises(ValueError, match="d_layers contains NaN"):
        cpse_from_d_layers([1.0, np.nan])
    with pytest.raises(ValueError, match="negative value at l = 2"):
        cpse_from_d_layers([1.0, -0.5])
