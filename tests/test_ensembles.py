"""The bristol 0.2.14 names (Circular, data.Generate, stats.histogram) over the exact core."""
import numpy as np
import pytest

from bristol.data import Generate
from bristol.ensembles import Circular, circular_ensemble_eigphases, ensemble_beta
from bristol.stats import freedman_diaconis_width, histogram

from helpers import assert_mean

CIRC = Circular()


def test_unit_anti_and_symplectic():
    assert np.array_equal(CIRC.unit_anti(), [[0, 1], [-1, 0]])
    assert np.array_equal(CIRC.unit_anti(adir="upper"), [[0, -1], [1, 0]])
    z3 = CIRC.unit_anti(3)
    assert np.array_equal(z3, -z3.T) and np.all(np.diag(z3) == 0)
    zs = CIRC.unit_symplectic(3)
    assert zs.shape == (6, 6) and np.array_equal(zs, np.kron(np.eye(3), [[0, 1], [-1, 0]]))
    with pytest.raises(ValueError, match="adir"):
        CIRC.unit_anti(adir="left")


def test_gen_matrices_are_exact_circular_matrices():
    u = CIRC.gen_cue(20, set_seed=True, seed=1)
    s = CIRC.gen_coe(20, set_seed=True, seed=1)
    q = CIRC.gen_cse(10, set_seed=True, seed=1)
    z = CIRC.unit_symplectic(10)
    assert np.allclose(u.conj().T @ u, np.eye(20), atol=1e-12)
    assert np.allclose(s, s.T, atol=1e-12) and np.allclose(s.conj().T @ s, np.eye(20), atol=1e-12)
    assert np.allclose(q, z @ q.T @ z.T, atol=1e-12) and np.allclose(q.conj().T @ q, np.eye(20), atol=1e-12)
    assert np.array_equal(u, CIRC.gen_cue(20, set_seed=True, seed=1))
    assert not np.array_equal(CIRC.gen_cue(20), CIRC.gen_cue(20)), "set_seed=False must draw fresh entropy"


@pytest.mark.parametrize("ensemble", ["CUE", "COE", "CSE", "cue"])
def test_eigen_circular(ensemble):
    e = CIRC.eigen_circular(12, ensemble=ensemble, set_seed=True, seed=3)
    assert e.shape == (12,) and np.allclose(np.abs(e), 1)
    assert np.all(np.diff(np.angle(e)) > 0)


def test_eigen_circular_cse_first_form_factor():
    """t_1 = N/(2N - 1) for the N distinct CSE eigenvalues of the dense 2N x 2N matrices."""
    n = 4
    t1 = [np.abs(CIRC.eigen_circular(n, "CSE", set_seed=True, seed=s).sum()) ** 2 for s in range(3000)]
    assert_mean(t1, n / (2 * n - 1))


def test_eigen_circular_ensemble_serial_equals_parallel():
    kwargs = dict(cSize=3, nchunks=4, seeds=[997123, 1091645, 1352, 32718])
    for ensemble in ("CUE", "COE", "CSE"):
        par = CIRC.eigen_circular_ensemble(64, ensemble=ensemble, parallel=True, **kwargs)
        ser = CIRC.eigen_circular_ensemble(64, ensemble=ensemble, parallel=False, **kwargs)
        assert par.keys() == ser.keys() == {"local_seeds", "c_eigen", "matrix_size", "number_of_matrices"}
        assert np.array_equal(par["c_eigen"], ser["c_eigen"])
        assert par["c_eigen"].shape == (12 * 64,) and par["number_of_matrices"] == 12 and par["matrix_size"] == 64
        rows = par["c_eigen"].reshape(12, 64)
        assert len({r.tobytes() for r in rows}) == 12, "matrices inside a chunk must differ"


def test_eigen_circular_ensemble_fresh_seeds_are_reported():
    out = CIRC.eigen_circular_ensemble(8, cSize=2, nchunks=3, parallel=False)
    assert len(out["local_seeds"]) == 3
    again = CIRC.eigen_circular_ensemble(8, cSize=2, nchunks=3, seeds=out["local_seeds"], parallel=False)
    assert np.array_equal(out["c_eigen"], again["c_eigen"])


@pytest.mark.parametrize("kwargs, exc, match", [
    (dict(N=0), ValueError, "N must be"),
    (dict(N=3.5), TypeError, "N must be"),
    (dict(N=4, ensemble="GUE"), ValueError, "ensemble"),
    (dict(N=4, cSize=0), ValueError, "cSize"),
    (dict(N=4, nchunks=2, seeds=[1]), ValueError, "len\\(seeds\\)"),
    (dict(N=4, nchunks=0), ValueError, "nchunks"),
])
def test_eigen_circular_ensemble_bad_input(kwargs, exc, match):
    with pytest.raises(exc, match=match):
        CIRC.eigen_circular_ensemble(**kwargs)


def test_gen_bad_input():
    with pytest.raises(ValueError, match="n must be"):
        CIRC.gen_cue(0)
    with pytest.raises(ValueError, match="ensemble"):
        CIRC.eigen_circular(4, ensemble="XYZ")


def test_spectra_ce_one_key_per_ensemble():
    data = Generate().spectra_ce(range_N=[16, 32], cSize=2, nchunks=2, seeds=[1, 2])
    assert set(data) == {"CUE", "COE", "CSE"}
    for name in data:
        assert set(data[name]) == {"N16", "N32"}
        assert data[name]["N32"]["c_eigen"].shape == (4 * 32,)
    assert not np.array_equal(data["CUE"]["N16"]["c_eigen"], data["CSE"]["N16"]["c_eigen"])
    only = Generate().spectra_ce(range_N=[16], cSize=2, nchunks=2, seeds=[1, 2], ensemble="CSE")
    assert set(only) == {"CSE"} and np.array_equal(only["CSE"]["N16"]["c_eigen"], data["CSE"]["N16"]["c_eigen"])


def test_freedman_diaconis(capsys):
    x = np.arange(1000.0)
    h = histogram().h_freedman_diaconis(x)
    q75, q25 = np.percentile(x, [75, 25])
    assert h == pytest.approx(2 * (q75 - q25) / 10.0)
    assert freedman_diaconis_width(x) == h
    assert capsys.readouterr().out == ""
    with pytest.raises(ValueError, match="x"):
        freedman_diaconis_width([])


def test_ensemble_beta():
    assert ensemble_beta("cse") == 4 and ensemble_beta("COE") == 1
    with pytest.raises(ValueError, match="ensemble"):
        ensemble_beta("GOE")
    with pytest.raises(ValueError, match="method"):
        circular_ensemble_eigphases(8, 2, method="fast")


def test_circular_beta_range():
    """Every finite beta > 0 works in the chunked job, down to the smallest subnormal (the
    Beta(1, b) parameters are clipped to the normal range, see verblunsky_coefficients)."""
    for beta in (5e-324, float(np.finfo(float).tiny), 1e-300, 1e300):
        phases = circular_ensemble_eigphases(6, 2, beta, random_state=1).values
        assert phases.shape == (2, 6) and np.all(np.isfinite(phases)) and np.all(np.diff(phases, axis=1) >= 0)
    for beta in (0.0, -1.0, float("inf"), float("nan")):
        with pytest.raises(ValueError, match="beta"):
            circular_ensemble_eigphases(6, 2, beta, random_state=1)


def test_fresh_seeds_are_distinct():
    seeds = CIRC.eigen_circular_ensemble(2, cSize=1, nchunks=50, parallel=False)["local_seeds"]
    assert len(set(seeds)) == 50 and all(0 <= s < 2**32 for s in seeds)
