"""The vectorised d_layers against the member-by-member definition; Gram spectra."""
import numpy as np
import pytest

from bristol import pse
from bristol.pse import cpse_from_d_layers, d_layers, ensemble_metrics, gram_spectra, symmetric_eigvalsh
from bristol.spectral import Ergodicity


def _loop_d_layers(periodic, real_grid):
    """Straightforward definition: Ergodicity.thirumalai_mountain per ensemble, KL between."""
    ergo = Ergodicity()
    n_layers, size = periodic.shape
    omegas = [ergo.thirumalai_mountain(periodic[:l].ravel(), l, size, real_grid=real_grid) for l in range(1, n_layers)]
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
    monkeypatch.setattr(pse.importlib.util, "find_spec", lambda name: None)
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
