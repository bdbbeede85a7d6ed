"""Measures of an ensemble given by its specification (bristol.spectral._ensemble_measures):
the counts path and the eigenvalue path give identical results, equal to the measures of the
sampled eigenvalues; chunks, streams and workers do not change a bit; the cost model chooses."""
import re

import numpy as np
import pytest

from bristol.ensembles import _counts, circular_ensemble_eigphases, gaussian_ensemble_eigvals
from bristol.spectral import (
    approach_to_ergodicity,
    approach_to_ergodicity_of_ensemble,
    consecutive_distances,
    counts_of_ensemble,
    ensemble_bin_edges,
    ensemble_method,
    phase_bin_edges,
    thirumalai_mountain,
    thirumalai_mountain_of_ensemble,
)
from bristol.spectral._ensemble_measures import _COUNTS_COST, _EIGEN_COST, _KERNELS, KINDS, _chunk_counts
from bristol.theory import circular_number_variance, semicircle_radius

from helpers import assert_mean


@pytest.mark.parametrize("kind", ["circular", "gaussian"])
@pytest.mark.parametrize("n, beta, delta_rad", [(1, 2.0, 0.2), (37, 0.5, 0.3), (150, 4.0, 0.05), (64, 1e-3, 0.2),
                                                (80, 1e3, 0.1)])
def test_counts_and_eigenvalue_paths_are_identical(kind, n, beta, delta_rad):
    kwargs = dict(delta_rad=delta_rad, kind=kind, chunk_size=3, random_state=n)
    by_counts = counts_of_ensemble(n, beta, 7, method="counts", **kwargs)
    by_eigenvalues = counts_of_ensemble(n, beta, 7, method="eigenvalues", **kwargs)
    assert by_counts.plan.sizes == by_eigenvalues.plan.sizes == (3, 3, 1)
    assert np.array_equal(by_counts.values, by_eigenvalues.values)
    assert by_counts.values.shape == (7, ensemble_bin_edges(n, beta, delta_rad=delta_rad, kind=kind).size - 1)
    assert np.all(by_counts.values.sum(axis=1) == n), "the grid covers the whole spectrum"
    omega = {m: thirumalai_mountain_of_ensemble(n, beta, 7, method=m, **kwargs) for m in ("counts", "eigenvalues",
                                                                                          "auto")}
    assert np.array_equal(omega["counts"], omega["eigenvalues"]) and np.array_equal(omega["auto"], omega["counts"])


@pytest.mark.parametrize("kind", ["circular", "gaussian"])
def test_approach_to_ergodicity_is_identical_on_both_paths(kind):
    sizes = [16, 40, 100]
    d_se = {m: approach_to_ergodicity_of_ensemble(sizes, 2.0, 12, delta_rad=0.25, kind=kind, method=m,
                                                  random_state=11) for m in ("counts", "eigenvalues", "auto")}
    assert d_se["counts"].shape == (2,) and np.all(d_se["counts"] > 0)
    assert np.array_equal(d_se["counts"], d_se["eigenvalues"]) and np.array_equal(d_se["auto"], d_se["counts"])


def test_circular_measures_equal_those_of_the_sampled_eigenphases():
    """Bit for bit thirumalai_mountain / approach_to_ergodicity of circular_ensemble_eigphases, same seeds."""
    seeds, sizes = [5, 6, 7], [24, 48, 96]
    phases = [circular_ensemble_eigphases(n, 9, 2.0, seeds=seeds).values for n in sizes]
    for n, p in zip(sizes, phases):
        expected = thirumalai_mountain(p, kind="phase", delta_rad=0.2)
        for method in ("counts", "eigenvalues"):
            got = thirumalai_mountain_of_ensemble(n, 2.0, 9, delta_rad=0.2, seeds=seeds, method=method)
            assert np.array_equal(got, expected), (n, method)
    expected = approach_to_ergodicity(phases, kind="phase", delta_rad=0.2)
    assert np.array_equal(approach_to_ergodicity_of_ensemble(sizes, 2.0, 9, seeds=seeds, method="counts"), expected)


def test_gaussian_counts_are_the_histograms_of_the_sampled_eigenvalues():
    n, beta = 30, 1.0
    edges = ensemble_bin_edges(n, beta, delta_rad=0.25, kind="gaussian")
    values = gaussian_ensemble_eigvals(n, 10, beta, chunk_size=4, random_state=2).values
    counts = counts_of_ensemble(n, beta, 10, delta_rad=0.25, kind="gaussian", method="counts", chunk_size=4,
                                random_state=2).values
    assert np.array_equal(counts, [np.histogram(v, bins=edges)[0] for v in values])
    assert counts[:, [0, -1]].sum() > 0, "eigenvalues beyond the semicircle land in the outer bins"


def test_gaussian_grid():
    edges = ensemble_bin_edges(50, 0.7, delta_rad=0.3, kind="gaussian")
    radius = semicircle_radius(50, 0.7)
    assert edges[0] == -np.finfo(float).max and edges[-1] == np.finfo(float).max
    assert edges.size == 7 + 3 and np.isclose(edges[1], -radius) and np.isclose(edges[-2], radius)
    assert np.allclose(np.diff(edges[1:-1]), 2 * radius / 7)
    assert np.array_equal(ensemble_bin_edges(50, 0.7, delta_rad=0.3), phase_bin_edges(0.3))
    assert ensemble_bin_edges(4, 2.0, delta_rad=2 / 5, kind="gaussian").size == 5 + 3, "2 / delta within rounding"


def test_chunks_workers_and_backends_do_not_change_a_bit():
    kwargs = dict(delta_rad=0.3, chunk_size=2, random_state=np.random.SeedSequence(4))
    serial = thirumalai_mountain_of_ensemble(60, 1.0, 7, **kwargs)
    assert np.array_equal(serial, thirumalai_mountain_of_ensemble(60, 1.0, 7, n_jobs=2, backend="threading", **kwargs))
    other = thirumalai_mountain_of_ensemble(60, 1.0, 7, delta_rad=0.3, chunk_size=2, random_state=5)
    assert not np.array_equal(serial, other), "another seed, other draws"


def test_dask_backend_gives_the_same_bits():
    pytest.importorskip("dask")
    distributed = pytest.importorskip("distributed")
    from joblib import parallel_config

    serial = thirumalai_mountain_of_ensemble(40, 2.0, 6, chunk_size=2, random_state=8)
    with distributed.Client(processes=False, n_workers=1, threads_per_worker=2, dashboard_address=None) as client:
        with parallel_config(backend="dask"):
            on_dask = thirumalai_mountain_of_ensemble(40, 2.0, 6, chunk_size=2, random_state=8)
        assert client.status == "running"
    assert np.array_equal(serial, on_dask)


def test_approach_streams_per_size_and_seeds_per_chunk():
    sizes = [10, 20, 30]
    by_seed = approach_to_ergodicity_of_ensemble(sizes, 2.0, 6, seeds=[1, 2])
    omegas = [thirumalai_mountain_of_ensemble(n, 2.0, 6, seeds=[1, 2]) for n in sizes]
    assert np.array_equal(by_seed, consecutive_distances(omegas))
    children = np.random.SeedSequence(3).spawn(3)
    omegas = [thirumalai_mountain_of_ensemble(n, 2.0, 6, random_state=c) for n, c in zip(sizes, children)]
    assert np.array_equal(approach_to_ergodicity_of_ensemble(sizes, 2.0, 6, random_state=3),
                          consecutive_distances(omegas))


# ---- the cost model (ensemble_method): constants per counting kernel ---------------------------
# The cases below were timed side by side (benchmarks/bench_ensemble_measures.py and the timings in
# ensemble_method's Notes), seconds per member, on this project's 2-core machine and an H200.


@pytest.mark.parametrize("kernel", _KERNELS)
def test_issue_example_takes_the_eigenvalues_on_every_kernel(kernel):
    """delta_rad = 1e-4 at N = 1024: eigenvalues 0.03 s per member; counts 0.09 s (numba), 1.0-1.4 s
    (numpy loop), 3-4 s (torch, CPU), 0.44 s (torch, H200)."""
    bins = ensemble_bin_edges(1024, 2.0, delta_rad=1e-4).size - 1
    assert bins == 62832
    for members in (1, 5, 40):
        assert ensemble_method(1024, bins, chunk_members=members, kernel=kernel) == "eigenvalues"
    assert ensemble_method(10**6, bins, kernel=kernel) == "counts", "O(N B) beats O(N^2) at last"
    assert ensemble_method(4, 32, kernel=kernel) == "eigenvalues", "a 4 x 4 matrix costs nothing"


def test_the_choice_depends_on_the_kernel():
    """delta_rad = 1e-3 at N = 1024, 5 members per chunk: counts 0.005 s per member with numba, 0.2 s
    with the numpy loop, 0.15 s with torch on the CPU; eigenvalues 0.03 s. At delta_rad = 0.2 the
    GPU's counts take 0.16 s per member (a launch-bound step), numba's 0.003 s."""
    bins = ensemble_bin_edges(1024, 2.0, delta_rad=1e-3).size - 1
    choice = {kernel: ensemble_method(1024, bins, chunk_members=5, kernel=kernel) for kernel in _KERNELS}
    assert choice == {"numba": "counts", "numpy": "eigenvalues", "torch-cpu": "eigenvalues",
                      "torch-gpu": "eigenvalues"}
    assert ensemble_method(1024, 32, chunk_members=5, kernel="numba") == "counts"
    assert ensemble_method(1024, 32, chunk_members=5, kernel="torch-gpu") == "eigenvalues"
    for kernel in ("numba", "numpy"):  # 0.0016 s and 0.005 s per member against 0.012 s
        assert ensemble_method(1024, 2002, kind="gaussian", chunk_members=5, kernel=kernel) == "counts"


def test_auto_uses_the_kernel_that_will_run(monkeypatch):
    """Without a kernel, the one circular_counts runs on the CPU: numba where it imports, else numpy."""
    bins = ensemble_bin_edges(1024, 2.0, delta_rad=1e-3).size - 1
    monkeypatch.setattr(_counts, "_compiled", lambda: None)  # numba absent
    assert _counts._kernel() == "numpy"
    assert ensemble_method(1024, bins, chunk_members=5) == "eigenvalues"
    monkeypatch.setattr(_counts, "_compiled", lambda: {})  # numba present (kernels not needed here)
    assert _counts._kernel() == "numba"
    assert ensemble_method(1024, bins, chunk_members=5) == "counts"


def test_the_measures_take_the_path_of_the_kernel_that_runs(monkeypatch, capsys):
    """counts_of_ensemble's auto path, as its progress label names it, follows the kernel."""
    pytest.importorskip("numba")
    assert _counts._kernel() == "numba"
    kwargs = dict(delta_rad=1e-3, chunk_size=5, verbose=1, random_state=0)
    with_numba = counts_of_ensemble(1024, 2.0, 5, **kwargs)
    assert "counts: circular beta=2 N=1024" in capsys.readouterr().err
    monkeypatch.setattr(_counts, "_compiled", lambda: None)
    without = counts_of_ensemble(1024, 2.0, 5, **kwargs)
    assert "eigenvalues: circular beta=2 N=1024" in capsys.readouterr().err
    assert np.array_equal(with_numba.values, without.values)
    counts_of_ensemble(64, 2.0, 4, random_state=0)
    assert capsys.readouterr().err == "", "verbose=0 is silent"


def test_torch_devices_name_the_torch_kernels():
    pytest.importorskip("torch")
    assert _counts._kernel("cpu") == "torch-cpu"
    if __import__("torch").cuda.is_available():
        assert _counts._kernel("cuda") == "torch-gpu"


@pytest.mark.parametrize("kernel", _KERNELS)
@pytest.mark.parametrize("kind, bins", [("circular", 62832), ("circular", 32), ("gaussian", 20002), ("gaussian", 12)])
@pytest.mark.parametrize("members", [1, 5])
def test_the_choice_flips_once_where_the_modelled_costs_cross(kernel, kind, bins, members):
    """eigen - counts = c N^2 + (h - (s/m + d + (E + 1) e)) N - (o/m + (E + 1) g): one positive root N*;
    the eigenvalues below it, the counts above (Notes of ensemble_method)."""
    o, s, d, e, g = _COUNTS_COST[kernel][kind]
    c, h = _EIGEN_COST[kind]
    lanes = bins + 2  # E + 1 for E = B + 1 edges
    b, a = h - (s / members + d + lanes * e), -(o / members + lanes * g)
    root = (-b + np.sqrt(b * b - 4 * c * a)) / (2 * c)
    last = int(np.floor(root))
    assert last >= 1
    assert ensemble_method(last, bins, kind=kind, chunk_members=members, kernel=kernel) == "eigenvalues"
    assert ensemble_method(last + 1, bins, kind=kind, chunk_members=members, kernel=kernel) == "counts"
    more = ensemble_method(last + 1, bins, kind=kind, chunk_members=members + 1, kernel=kernel)
    assert more == "counts", "more members per chunk never make the counts dearer"


def test_the_documented_constants_are_the_ones_used():
    """The table in ensemble_method's Notes states the constants the model takes."""
    rows = [line.split() for line in ensemble_method.__doc__.splitlines()]
    table = {(r[0], r[1]): tuple(float(v) for v in r[2:]) for r in rows if len(r) == 7 and r[0] in _KERNELS}
    assert table == {(kernel, kind): _COUNTS_COST[kernel][kind] for kernel in _KERNELS for kind in KINDS}
    notes = " ".join(ensemble_method.__doc__.split())
    eigen = re.findall(r"\(([-+.e\d]+), ([-+.e\d]+)\) \((circular|gaussian)\)", notes)
    assert {kind: (float(c), float(h)) for c, h, kind in eigen} == _EIGEN_COST


def test_a_tie_takes_the_eigenvalues(monkeypatch):
    monkeypatch.setitem(_COUNTS_COST, "numpy", {"circular": (0.0, 0.0, 0.0, 1.0, 0.0)})
    monkeypatch.setitem(_EIGEN_COST, "circular", (1.0, 0.0))
    # counts (B + 2) N, eigenvalues N^2: equal at N = B + 2
    assert ensemble_method(12, 10, kernel="numpy") == "eigenvalues"
    assert ensemble_method(13, 10, kernel="numpy") == "counts"
    assert ensemble_method(11, 10, kernel="numpy") == "eigenvalues"


def test_omega_matches_the_exact_number_variance():
    """E Omega(b) N M / (M - 1) = Var(n_arc), exact for the CUE (docs/theory.md 5.1, 3.5)."""
    n, m, delta_rad = 300, 400, np.pi / 4
    values = counts_of_ensemble(n, 2.0, m, delta_rad=delta_rad, method="counts", random_state=20261127).values
    exact = float(circular_number_variance(n, delta_rad, 2))
    assert_mean(((values - n / 8) ** 2).mean(axis=1), exact)
    omega = thirumalai_mountain_of_ensemble(n, 2.0, m, delta_rad=delta_rad, method="counts", random_state=20261127)
    member_means = ((values - values.mean(axis=0)) ** 2).mean(axis=1)
    assert np.isclose(omega.mean() * n, member_means.mean(), rtol=1e-12)
    se = member_means.std(ddof=1) / np.sqrt(m)
    assert abs(omega.mean() * n * m / (m - 1) - exact) < 5 * se


def test_validation_names_the_argument():
    with pytest.raises(ValueError, match="kind"):
        counts_of_ensemble(8, 2.0, 4, kind="laguerre")
    with pytest.raises(ValueError, match="method"):
        thirumalai_mountain_of_ensemble(8, 2.0, 4, method="fast")
    with pytest.raises(ValueError, match="n_members"):
        counts_of_ensemble(8, 2.0, 0)
    with pytest.raises(ValueError, match="beta"):
        counts_of_ensemble(8, -1.0, 4)
    with pytest.raises(ValueError, match="delta_rad"):
        counts_of_ensemble(8, 2.0, 4, delta_rad=0.0, kind="gaussian")
    with pytest.raises(TypeError, match="n must"):
        counts_of_ensemble(8.5, 2.0, 4)
    with pytest.raises(ValueError, match="at least two"):
        approach_to_ergodicity_of_ensemble([8], 2.0, 4)
    with pytest.raises(TypeError, match="sizes"):
        approach_to_ergodicity_of_ensemble(8, 2.0, 4)
    with pytest.raises(ValueError, match="seeds"):
        approach_to_ergodicity_of_ensemble([8, 16], 2.0, 4, seeds=[1], random_state=1)
    with pytest.raises(ValueError, match="n_bins"):
        ensemble_method(8, 0)
    with pytest.raises(ValueError, match="kernel"):
        ensemble_method(8, 4, kernel="cuda")


def test_memory_is_refused_up_front(monkeypatch):
    def never(*args, **kwargs):
        raise AssertionError("a chunk ran")

    monkeypatch.setattr("bristol.spectral._ensemble_measures._chunk_counts", never)
    with pytest.raises(ValueError, match=r"n_members = 100000000000.*needs"):
        counts_of_ensemble(10, 2.0, 10**11, chunk_size=10**10)
    with pytest.raises(ValueError, match=r"method='eigenvalues'.*needs"):
        counts_of_ensemble(10**12, 2.0, 8, method="eigenvalues")


def test_chunk_function_draws_like_the_samplers():
    """Chunk i of a job draws what the sampler would draw from the same stream."""
    edges = ensemble_bin_edges(20, 2.0, delta_rad=0.5)
    rng_a, rng_b = np.random.default_rng(9), np.random.default_rng(9)
    a = _chunk_counts(3, rng_a, n=20, beta=2.0, edges=edges, kind="circular", method="counts")
    b = _chunk_counts(3, rng_b, n=20, beta=2.0, edges=edges, kind="circular", method="eigenvalues")
    assert a.shape == (3, edges.size - 1) and np.array_equal(a, b)
    assert rng_a.random() == rng_b.random(), "both paths consume the stream alike"
