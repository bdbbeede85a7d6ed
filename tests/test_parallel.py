"""Random stream chunking: identical bits for any n_jobs and backend; independent chunks."""
import functools
import inspect
import os
import warnings

import joblib
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from threadpoolctl import threadpool_info, threadpool_limits

from bristol import parallel
from bristol.ensembles import circular_ensemble_eigphases
from bristol.parallel import plan_chunks, run_chunks


def _normal_sampler(size, rng, *, n):
    return rng.standard_normal((size, n))


def test_plan_sizes_and_seeds():
    plan = plan_chunks(10, chunk_size=4, random_state=3)
    assert plan.sizes == (4, 4, 2) and plan.n_samples == 10
    again = plan_chunks(10, chunk_size=4, random_state=3)
    assert [q.generate_state(4).tolist() for q in plan.seed_sequences] == [
        q.generate_state(4).tolist() for q in again.seed_sequences
    ]
    seeded = plan_chunks(10, seeds=[5, 6, 7])
    assert seeded.sizes == (4, 3, 3)
    assert [q.entropy for q in seeded.seed_sequences] == [5, 6, 7]
    assert plan_chunks(16).sizes == (2,) * 8
    described = plan.describe()
    assert described[0]["size"] == 4 and described[0]["entropy"] == 3 and described[1]["spawn_key"] == [1]


def test_plan_bad_input():
    with pytest.raises(ValueError, match="n_samples"):
        plan_chunks(0)
    with pytest.raises(ValueError, match="chunk_size"):
        plan_chunks(5, chunk_size=0)
    with pytest.raises(ValueError, match="seeds"):
        plan_chunks(5, seeds=[])
    with pytest.raises(ValueError, match="len\\(seeds\\)"):
        plan_chunks(2, seeds=[1, 2, 3])
    with pytest.raises(ValueError, match="seeds\\[1\\]"):
        plan_chunks(4, seeds=[1, -2])
    with pytest.raises(ValueError, match="chunk_size"):
        plan_chunks(10, seeds=[1, 2], chunk_size=3)


def _job(**kwargs):
    return circular_ensemble_eigphases(96, 12, 2, chunk_size=3, random_state=11, **kwargs).values


def test_serial_equals_parallel_bit_for_bit():
    reference = _job(n_jobs=1)
    assert np.array_equal(reference, _job(n_jobs=2))
    assert np.array_equal(reference, _job(n_jobs=2, backend="threading"))
    assert np.array_equal(reference, _job(n_jobs=3, backend="loky"))
    with joblib.parallel_config(backend="threading", n_jobs=2):
        assert np.array_equal(reference, _job())


@pytest.mark.parametrize("beta", [1, 4, 0.7])
def test_serial_equals_parallel_other_betas(beta):
    def job(n_jobs):
        return circular_ensemble_eigphases(64, 6, beta, seeds=[1, 2, 3], n_jobs=n_jobs).values

    assert np.array_equal(job(1), job(2))


def test_chunk_result_depends_only_on_its_seed():
    """Each chunk redrawn alone from its recorded stream reproduces its rows of the job."""
    sample = circular_ensemble_eigphases(40, 7, 2, chunk_size=3, random_state=5)
    assert sample.plan.sizes == (3, 3, 1)
    start = 0
    for k, size in enumerate(sample.plan.sizes):
        # the k-th stream of random_state=5 is the first child of SeedSequence(5) after k spawns
        parent = np.random.SeedSequence(5, n_children_spawned=k)
        alone = circular_ensemble_eigphases(40, size, 2, chunk_size=size, random_state=parent)
        assert alone.plan.seed_sequences[0].spawn_key == sample.plan.seed_sequences[k].spawn_key == (k,)
        assert np.array_equal(alone.values, sample.values[start:start + size])
        start += size


def test_members_distinct_and_seeds_matter():
    values = _job(n_jobs=1)
    flat = values.reshape(values.shape[0], -1)
    assert len({row.tobytes() for row in flat}) == values.shape[0], "every matrix must be a fresh draw"
    other = circular_ensemble_eigphases(96, 12, 2, chunk_size=3, random_state=12).values
    assert not np.any(np.all(values == other, axis=1))


def test_generator_random_state_gives_fresh_children():
    rng = np.random.default_rng(0)
    a = circular_ensemble_eigphases(16, 4, 2, chunk_size=2, random_state=rng).values
    b = circular_ensemble_eigphases(16, 4, 2, chunk_size=2, random_state=rng).values
    assert not np.array_equal(a, b)
    c = circular_ensemble_eigphases(16, 4, 2, chunk_size=2, random_state=np.random.default_rng(0)).values
    assert np.array_equal(a, c)


def test_worker_error_propagates():
    def failing(size, rng):
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        run_chunks(failing, plan_chunks(4, chunk_size=2, random_state=0), n_jobs=2, backend="threading")


def test_generic_sampler_and_shape_check():
    plan = plan_chunks(7, chunk_size=3, random_state=1)
    out = run_chunks(functools.partial(_normal_sampler, n=2), plan, n_jobs=2)
    expected = np.concatenate([np.random.default_rng(q).standard_normal((size, 2))
                               for size, q in zip(plan.sizes, plan.seed_sequences)])
    assert np.array_equal(out.values, expected), "chunk k is drawn from default_rng(plan.seed_sequences[k])"

    with pytest.raises(RuntimeError, match="returned shape"):
        run_chunks(lambda size, rng: rng.standard_normal((size + 1, 2)), plan)


# --- issue 11: seeds, SeedSequence semantics, n_jobs, messages, BLAS threads, default chunk size ---

def _blas_threads(size, rng):
    """Sampler recording the BLAS thread count it runs with."""
    count = max(info["num_threads"] for info in threadpool_info() if info["user_api"] == "blas")
    return np.full((size, 1), count)


def test_duplicate_seeds_warn_and_seeds_with_random_state_refused():
    from bristol.ensembles import Circular, gaussian_ensemble_eigvals

    with pytest.warns(UserWarning, match=r"seeds \[7\] appear more than once"):
        circular_ensemble_eigphases(8, 4, seeds=[7, 7])
    with pytest.warns(UserWarning, match=r"seeds \[3, 7\] appear more than once"):
        gaussian_ensemble_eigvals(8, 6, seeds=[7, 3, 7, 3, 1, 2])
    with pytest.warns(UserWarning, match=r"seeds \[5\]"):
        Circular().eigen_circular_ensemble(8, cSize=1, nchunks=2, seeds=[5, 5], parallel=False)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        plan_chunks(4, seeds=[1, 2, 3])  # distinct seeds: no warning
    for call in (lambda: circular_ensemble_eigphases(8, 4, seeds=[1, 2], random_state=3),
                 lambda: gaussian_ensemble_eigvals(8, 4, seeds=[1, 2], random_state=np.random.default_rng(0))):
        with pytest.raises(ValueError, match="seeds .* or random_state, not both"):
            call()


def test_seed_sequence_is_a_fixed_seed_everywhere():
    from bristol.ensembles import cue

    ss = np.random.SeedSequence(2024)
    assert np.array_equal(cue(4, size=2, random_state=ss), cue(4, size=2, random_state=ss))
    first = circular_ensemble_eigphases(8, 4, chunk_size=2, random_state=ss)
    second = circular_ensemble_eigphases(8, 4, chunk_size=2, random_state=ss)
    assert np.array_equal(first.values, second.values)
    assert ss.n_children_spawned == 0, "the caller's SeedSequence must be left unchanged"
    # the streams are the children ss.spawn would give, and an int seed means SeedSequence(seed)
    assert [q.spawn_key for q in first.plan.seed_sequences] == [(0,), (1,)]
    assert np.array_equal(first.values, circular_ensemble_eigphases(8, 4, chunk_size=2, random_state=2024).values)
    ss.spawn(3)  # a SeedSequence that has spawned before gives the next children, still without change
    later = plan_chunks(4, chunk_size=2, random_state=ss)
    assert [q.spawn_key for q in later.seed_sequences] == [(3,), (4,)] and ss.n_children_spawned == 3


def _legacy_generator(seed):
    bit_generator = np.random.MT19937()
    bit_generator._legacy_seeding(seed)
    return np.random.Generator(bit_generator)


def test_generator_that_cannot_spawn_gives_a_stream_of_chunks():
    rng = _legacy_generator(0)
    a = circular_ensemble_eigphases(8, 4, chunk_size=2, random_state=rng).values
    b = circular_ensemble_eigphases(8, 4, chunk_size=2, random_state=rng).values
    assert not np.array_equal(a, b), "a Generator is a stream: it advances"
    again = _legacy_generator(0)
    assert np.array_equal(a, circular_ensemble_eigphases(8, 4, chunk_size=2, random_state=again).values)
    assert len({row.tobytes() for row in a}) == 4


class _RecordingParallel(joblib.Parallel):
    """joblib.Parallel that records the n_jobs it is started with."""

    started: list = []

    def __init__(self, n_jobs=None, **kwargs):
        _RecordingParallel.started.append(n_jobs)
        super().__init__(n_jobs=n_jobs, **kwargs)


def test_never_more_workers_than_chunks(monkeypatch):
    monkeypatch.setattr(parallel, "Parallel", _RecordingParallel)
    monkeypatch.setattr(_RecordingParallel, "started", [])
    plan = plan_chunks(16, chunk_size=2, random_state=0)  # 8 chunks
    sampler = functools.partial(_normal_sampler, n=2)
    reference = run_chunks(sampler, plan, n_jobs=1).values
    assert np.array_equal(run_chunks(sampler, plan, n_jobs=96, backend="threading").values, reference)
    assert np.array_equal(run_chunks(sampler, plan, n_jobs=-1, backend="threading").values, reference)
    with joblib.parallel_config(backend="threading", n_jobs=96):
        assert np.array_equal(run_chunks(sampler, plan).values, reference)
    two_chunks = plan_chunks(16, chunk_size=8, random_state=0)
    assert np.array_equal(run_chunks(sampler, two_chunks, n_jobs=5, backend="threading").values,
                          run_chunks(sampler, two_chunks, n_jobs=1).values)
    assert _RecordingParallel.started == [1, 8, min(joblib.cpu_count(), 8), 8, 2, 1]


@pytest.mark.parametrize("bad, exc", [("2", TypeError), (2.5, TypeError), (True, TypeError), (0, ValueError)])
def test_n_jobs_validated(bad, exc):
    plan = plan_chunks(4, chunk_size=2, random_state=0)
    expected = "n_jobs must be None or a non-zero integer"
    with pytest.raises(exc, match=expected):
        run_chunks(functools.partial(_normal_sampler, n=2), plan, n_jobs=bad)
    with pytest.raises(exc, match=expected):
        circular_ensemble_eigphases(8, 4, random_state=0, n_jobs=bad)


def test_messages_name_the_callers_parameters():
    from bristol.ensembles import Circular, gaussian_ensemble_eigvals

    for job in (circular_ensemble_eigphases, gaussian_ensemble_eigvals):
        with pytest.raises(ValueError, match="n_matrices must be"):
            job(8, 0)
        with pytest.raises(TypeError, match="n_matrices must be"):
            job(8, 2.5)
        with pytest.raises(ValueError, match="exceeds n_matrices = 2"):
            job(8, 2, seeds=[1, 2, 3])
    with pytest.raises(ValueError, match="n_trials must be"):
        plan_chunks(0, samples_name="n_trials")
    for call in (lambda: Circular().gen_cue(3, set_seed=True, seed=-1),
                 lambda: Circular().eigen_circular(3, "COE", set_seed=True, seed=-5)):
        with pytest.raises(ValueError, match="seed must be an integer >= 0"):
            call()
    assert Circular().gen_cue(3, set_seed=False, seed=-1).shape == (3, 3), "seed is unused without set_seed"


def test_chunks_run_with_one_blas_thread():
    plan = plan_chunks(2, chunk_size=1, random_state=0)
    with threadpool_limits(limits=2, user_api="blas"):
        assert _blas_threads(1, None)[0, 0] == 2, "precondition: the test can see a limit being removed"
        assert np.all(run_chunks(_blas_threads, plan, n_jobs=1).values == 1)
        # the limit inside the chunk itself (the only one on process and Dask workers)
        assert parallel._run_chunk(_blas_threads, 1, plan.seed_sequences[0])[0, 0] == 1


def test_default_chunk_size_rounds_up():
    assert plan_chunks(9).sizes == (2, 2, 2, 2, 1)  # ceil(9 / 8) = 2; round would give 9 chunks of 1
    assert plan_chunks(4).sizes == (1, 1, 1, 1)  # ceil(0.5) = 1; round(0.5) = 0
    assert plan_chunks(17).sizes == (3,) * 5 + (2,)


def test_plans_that_cannot_fit_are_refused():
    with pytest.raises(ValueError, match=f"n_samples = {10**15} in chunks of 1 needs .* GiB, more than"):
        plan_chunks(10**15, chunk_size=1)
    with pytest.raises(ValueError, match=f"n_matrices = {10**13} of 512 bytes each needs .* GiB"):
        circular_ensemble_eigphases(64, 10**13)


@settings(max_examples=12, deadline=None, derandomize=True)
@given(n=st.integers(1, 12), n_matrices=st.integers(1, 6), chunk_size=st.none() | st.integers(1, 4),
       seed=st.integers(0, 2**32), beta=st.sampled_from([1.0, 2.0, 4.0, 0.5]))
def test_chunked_results_independent_of_n_jobs(n, n_matrices, chunk_size, seed, beta):
    from bristol.ensembles import gaussian_ensemble_eigvals

    for job in (circular_ensemble_eigphases, gaussian_ensemble_eigvals):
        kwargs = dict(chunk_size=chunk_size, random_state=seed)
        serial = job(n, n_matrices, beta, n_jobs=1, **kwargs).values
        threaded = job(n, n_matrices, beta, n_jobs=2, backend="threading", **kwargs).values
        assert serial.shape == (n_matrices, n) and np.array_equal(serial, threaded)


# --- verbose: scikit-learn's convention, progress its deprecated alias -------------------------

JOBS = [
    ("circular_ensemble_eigphases", "beta=2 N=4"),
    ("gaussian_ensemble_eigvals", "Gaussian beta=1 N=4"),
]


def _chunked_job(name):
    import bristol.ensembles

    return getattr(bristol.ensembles, name)


@pytest.mark.parametrize("name, desc", JOBS)
def test_verbose_zero_is_silent_and_the_default(name, desc, capsys):
    job = _chunked_job(name)
    assert inspect.signature(job).parameters["verbose"].default == 0
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no FutureWarning without progress
        silent = job(4, 6, chunk_size=2, random_state=5).values
        assert capsys.readouterr().err == ""
        shown = job(4, 6, chunk_size=2, random_state=5, verbose=1).values
    err = capsys.readouterr().err
    assert desc in err and "3/3" in err
    assert np.array_equal(silent, shown)


@pytest.mark.parametrize("name, desc", JOBS)
@pytest.mark.parametrize("progress", [True, False])
def test_progress_is_a_deprecated_alias_of_verbose(name, desc, progress, capsys):
    job = _chunked_job(name)
    expected = job(4, 6, chunk_size=2, random_state=5, verbose=int(progress)).values
    expected_err = capsys.readouterr().err
    with pytest.warns(FutureWarning, match=f"progress is deprecated.*verbose={int(progress)}") as record:
        values = job(4, 6, chunk_size=2, random_state=5, progress=progress).values
    assert record[0].filename == __file__  # the warning points at the caller
    err = capsys.readouterr().err
    assert np.array_equal(values, expected)
    assert (desc in err) is progress and (desc in expected_err) is progress


def test_sample_in_chunks_and_run_chunks_take_verbose(capsys):
    sampler = functools.partial(_normal_sampler, n=2)
    plan = plan_chunks(6, chunk_size=3, random_state=1)
    run_chunks(sampler, plan, verbose=2, desc="run-bar")
    assert "run-bar" in capsys.readouterr().err
    parallel.sample_in_chunks(sampler, 6, chunk_size=3, random_state=1, verbose=True, desc="job-bar")
    assert "job-bar" in capsys.readouterr().err
    with pytest.warns(FutureWarning, match="verbose"):
        run_chunks(sampler, plan, progress=True, desc="old-bar")
    assert "old-bar" in capsys.readouterr().err


@pytest.mark.parametrize("kwargs, exc, fragment", [
    (dict(verbose=-1), ValueError, "verbose"),
    (dict(verbose="yes"), TypeError, "verbose"),
    (dict(verbose=1.5), TypeError, "verbose"),
    (dict(verbose=1, progress=True), ValueError, "verbose or progress"),
])
def test_bad_verbose_refused_naming_it(kwargs, exc, fragment):
    with pytest.raises(exc, match=fragment):
        circular_ensemble_eigphases(4, 2, random_state=1, **kwargs)


def _counts_in_a_chunk(size, rng):
    from bristol.ensembles import circular_counts

    return circular_counts(8, 2.0, [-1.0, 0.0, 1.0], size=size, random_state=rng)


@pytest.mark.parametrize("n_jobs", [1, 2])
def test_compiled_kernels_get_their_share_of_the_cpus(monkeypatch, n_jobs):
    # numba's threads inside a chunk: the CPUs shared among the workers, as BLAS is limited
    # there; restored after the chunk; no limit outside a job
    numba = pytest.importorskip("numba")
    from bristol.ensembles import _counts

    if _counts._compiled() is None:
        pytest.skip("numba kernels unavailable")
    default = numba.get_num_threads()
    seen = []

    def recorder(*arrays):
        seen.append((parallel.kernel_threads(), numba.get_num_threads()))

    monkeypatch.setattr(_counts, "_compiled", lambda: {"pruefer": recorder, "sturm": recorder})
    plan = plan_chunks(4, chunk_size=1, random_state=0)
    run_chunks(_counts_in_a_chunk, plan, n_jobs=n_jobs, backend="threading")
    share = max(1, (os.cpu_count() or 1) // n_jobs)
    assert seen == [(share, min(share, default))] * 4
    assert numba.get_num_threads() == default and parallel.kernel_threads() is None
    seen.clear()
    _counts_in_a_chunk(1, np.random.default_rng(0))  # outside a job: numba's own setting
    assert seen == [(None, default)]


def _nested_job(size, rng):
    inner = run_chunks(lambda k, r: np.full((k, 1), parallel.kernel_threads()), plan_chunks(2, chunk_size=1),
                       n_jobs=1, backend="threading").values
    return np.column_stack([inner[:size], np.full((size, 1), parallel.kernel_threads())])


def test_kernel_threads_of_a_job_inside_a_chunk():
    # a job started inside a chunk never raises its share, and the outer chunk gets its own back
    out = run_chunks(_nested_job, plan_chunks(2, chunk_size=1, random_state=0), n_jobs=2, backend="threading").values
    share = max(1, (os.cpu_count() or 1) // 2)
    assert out.tolist() == [[share, share]] * 2
    assert parallel.kernel_threads() is None
