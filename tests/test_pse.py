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


# --- speed and memory: per-layer solves, NaN found by the scaling, stored dtypes --------------
# (names read from the module at call time: other test files reload bristol's modules, and a
# class imported before a reload would not match the one gram_spectra checks against)



def _solvers():
    """The default numpy solver and, with torch, the torch solver of ``device="cpu"``."""
    solvers = [None]
    if _torch.installed_torch() is not None:
        from bristol.cPSE._report import _solver

        solvers.append(_solver("cpu"))
    return solvers


@pytest.mark.parametrize("solver", _solvers(), ids=["numpy", "torch-cpu"][:len(_solvers())])
@pytest.mark.parametrize("bad, complex_", [(np.nan, False), (np.inf, False), (-np.inf, False), (np.nan, True)])
def test_gram_spectra_refuses_nan_and_inf_naming_the_matrix(solver, bad, complex_):
    """The min/max that choose the power-of-two scale see a NaN or Inf (in a real or an imaginary
    part): gram_spectra names the matrix by its label and returns nothing."""
    rng = np.random.default_rng(10)
    mats = [rng.standard_normal((4, 6)) * (1 + 1j if complex_ else 1) for _ in range(3)]
    if complex_:
        mats[1][2, 3] = complex(0.5, bad)
    else:
        mats[1][2, 3] = bad
    with pytest.raises(ValueError, match=r"^layer b has NaN or Inf weights$"):
        gram_spectra(mats, labels=["layer a", "layer b", "layer c"], solver=solver)
    with pytest.raises(ValueError, match=r"^matrices\[1\] has NaN or Inf weights$"):
        gram_spectra(mats, solver=solver)


def test_nan_in_a_torch_matrix_or_lazy_matrix_is_refused():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(11)
    mats = [torch.from_numpy(rng.standard_normal((5, 7))).to(torch.bfloat16) for _ in range(3)]
    mats[2][0, 0] = float("nan")
    with pytest.raises(ValueError, match=r"^matrices\[2\] has NaN or Inf weights$"):
        gram_spectra(mats)
    lazy = [pse.LazyMatrix((5, 7), False, lambda m=m: m) for m in mats]
    with pytest.raises(ValueError, match=r"^layer z has NaN or Inf weights$"):
        gram_spectra(lazy, labels=["x", "y", "layer z"])
    complex_ = [torch.ones(3, 4, dtype=torch.complex64)] * 2
    complex_[1] = complex_[1].clone()
    complex_[1][2, 1] = complex(1.0, float("inf"))
    with pytest.raises(ValueError, match=r"^matrices\[1\] has NaN or Inf weights$"):
        gram_spectra(complex_)


def test_scale_exponents_and_scaled_stack_refuse_non_finite():
    assert pse.scale_exponents([8.0, 0.25, 0.0, 5e-324]).tolist() == [4, -1, 0, -1073]
    with pytest.raises(pse.NonFiniteMatrix, match="matrix 1 of the stack") as err:
        pse.scale_exponents([1.0, np.nan, np.inf])
    assert err.value.position == 1 and isinstance(err.value, ValueError)
    with pytest.raises(pse.NonFiniteMatrix, match="matrix 0"):
        pse.scaled_stack([np.array([[1.0, -np.inf]])])


def test_a_model_with_nan_is_refused_by_the_spectra_alone(monkeypatch):
    """Without the policy's separate finiteness pass (check_matrix_values made a no-op), cPSE
    still refuses a NaN weight, naming the layer, before any result."""
    pytest.importorskip("torch")
    import torch

    from bristol import cPSE
    from bristol.cPSE import _layers

    monkeypatch.setattr(_layers, "check_matrix_values", lambda matrix: None)
    torch.manual_seed(0)
    model = torch.nn.Sequential(*(torch.nn.Linear(6, 6) for _ in range(4)))
    with torch.no_grad():
        model[3].weight[1, 2] = float("inf")
    with pytest.raises(ValueError, match=r"^layer 3 has NaN or Inf weights$"):
        cPSE.cpse_report(model)


@pytest.mark.parametrize("dtype", ["bfloat16", "float16", "float32", "float64"])
def test_stored_dtypes_are_converted_and_scaled_exactly(dtype):
    """A bf16 / fp16 / fp32 tensor is widened and scaled in one pass into the float64 stack,
    bit for bit as float64 and ldexp would; its spectra are those of the float64 copy."""
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(12)
    x = torch.from_numpy(rng.standard_normal((6, 9)) * 40).to(getattr(torch, dtype))
    stack, exponents = pse.scaled_stack([x, x.T.contiguous().T])
    wide = x.double().numpy()
    e = np.frexp(np.abs(wide).max())[1]
    assert exponents.tolist() == [e, e]
    assert np.array_equal(stack[0], np.ldexp(wide, -e)) and np.array_equal(stack[1], stack[0])
    assert [s.tolist() for s in gram_spectra([x], power=2)] == [s.tolist() for s in gram_spectra([wide], power=2)]


def test_a_transposed_view_is_copied_without_a_transpose():
    """An embedding's d x V matrix is a transposed view: the stack takes its layout (the copy
    is a straight pass) and holds the same values."""
    torch = pytest.importorskip("torch")
    weight = torch.randn(50, 8, generator=torch.Generator().manual_seed(0))
    stack, exponents = pse.scaled_stack([weight.T])
    assert stack.shape == (1, 8, 50) and stack[0].flags.f_contiguous
    assert np.array_equal(stack[0], np.ldexp(weight.T.double().numpy(), -int(exponents[0])))
    row_major, _ = pse.scaled_stack([weight.T.contiguous()])
    assert row_major[0].flags.c_contiguous and np.array_equal(row_major, stack)


def test_small_matrices_are_batched_large_ones_solved_alone(monkeypatch):
    """Equally shaped matrices are stacked up to STACK_ENTRIES entries (8 MiB); a larger one
    is solved alone."""
    calls = []

    def solver(mats):
        calls.append(len(mats))
        return pse.numpy_scaled_solver(mats)

    assert pse.STACK_ENTRIES * 8 == 2**23
    small = [np.ones((2, 3))] * 100
    gram_spectra(small, solver=solver)
    assert calls == [100]
    calls.clear()
    monkeypatch.setattr(pse, "STACK_ENTRIES", 12)
    gram_spectra(small[:5] + [np.ones((4, 4))] * 2, solver=solver)
    assert calls == [2, 2, 1, 1, 1]


def test_gram_spectra_memory_follows_the_largest_matrix(monkeypatch):
    """60 lazily read matrices: each is read right before its solve and let go after, so the
    peak of gram_spectra is a few times one matrix in float64, not the 60 of them (the old
    2 GiB stacks held all of them)."""
    monkeypatch.setattr(pse, "STACK_ENTRIES", 2**12)
    n, m, count = 64, 80, 60
    one = n * m * 8
    seeds = np.random.SeedSequence(13).spawn(count)
    lazy = [pse.LazyMatrix((n, m), False,
                           lambda s=s: np.random.default_rng(s).standard_normal((n, m)).astype(np.float32))
            for s in seeds]
    gram_spectra(lazy[:2])  # imports and first-call allocations outside the measurement
    tracemalloc.start()
    try:
        spectra = gram_spectra(lazy, power=2)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert len(spectra) == count
    assert peak < 4 * one + count * n * 8 * 2 + 2**16, f"peak {peak} bytes, one matrix {one}"
