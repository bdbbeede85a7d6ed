"""Random stream chunking: identical bits for any n_jobs and backend; independent chunks."""
import functools

import joblib
import numpy as np
import pytest

from bristol.ensembles import circular_ensemble_eigphases
from bristol.parallel import ChunkPlan, plan_chunks, run_chunks


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
    """A chunk redrawn alone from its recorded stream reproduces its rows of the job."""
    sample = circular_ensemble_eigphases(40, 7, 2, chunk_size=3, random_state=5)
    plan = sample.plan
    alone = circular_ensemble_eigphases(40, plan.sizes[1], 2, seeds=None, chunk_size=plan.sizes[1],
                                        random_state=plan.seed_sequences[1]).values
    # random_state=SeedSequence spawns children, so compare through run_chunks on a one-chunk plan
    single = ChunkPlan((plan.sizes[1],), (plan.seed_sequences[1],))
    from bristol.ensembles import _cmv_sampler

    redrawn = run_chunks(functools.partial(_cmv_sampler, n=40, beta=2.0, method="auto"), single).values
    assert np.array_equal(redrawn, sample.values[3:6])
    assert alone.shape == (3, 40)


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
    assert out.values.shape == (7, 2)

    with pytest.raises(RuntimeError, match="returned shape"):
        run_chunks(lambda size, rng: rng.standard_normal((size + 1, 2)), plan)
