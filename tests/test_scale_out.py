"""Scale-out: a real dask.distributed LocalCluster gives the serial bits; lost workers fail loudly;
the torch device paths agree with numpy (CPU here; the GPU is checked by benchmarks/gpu_check.py)."""
import os

import joblib
import numpy as np
import pytest

from bristol.ensembles import (
    ENSEMBLE_BETA,
    circular_eigphases,
    circular_ensemble_eigphases,
    cue,
    gaussian_ensemble_eigvals,
)
from bristol.parallel import WorkerLostError, plan_chunks, run_chunks
from bristol.theory import circular_form_factor

from helpers import assert_chi2, trace_powers

distributed = pytest.importorskip("distributed")


def _die(size, rng):
    os._exit(3)


@pytest.fixture(scope="module")
def cluster_client():
    import dask

    # a task whose worker dies is not retried here, so the lost-worker test fails fast
    with dask.config.set({"distributed.scheduler.allowed-failures": 0}):
        cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None)
    client = distributed.Client(cluster)
    yield client
    client.close()
    cluster.close()


def test_dask_cluster_bit_for_bit(cluster_client):
    jobs = {name: dict(n=96, n_matrices=10, beta=beta, chunk_size=3, random_state=17)
            for name, beta in ENSEMBLE_BETA.items()}
    serial = {name: circular_ensemble_eigphases(**kw, n_jobs=1).values for name, kw in jobs.items()}
    serial_gauss = gaussian_ensemble_eigvals(120, 7, 1, chunk_size=2, random_state=18, n_jobs=1).values
    with joblib.parallel_config(backend="dask"):
        for name, kw in jobs.items():
            assert np.array_equal(circular_ensemble_eigphases(**kw).values, serial[name]), name
        assert np.array_equal(gaussian_ensemble_eigvals(120, 7, 1, chunk_size=2, random_state=18).values, serial_gauss)
    explicit = circular_ensemble_eigphases(**jobs["CUE"], backend="dask").values
    assert np.array_equal(explicit, serial["CUE"])
    assert len(cluster_client.scheduler_info()["workers"]) == 2


@pytest.mark.slow
def test_dask_worker_death_fails_the_call(cluster_client):
    with joblib.parallel_config(backend="dask"):
        with pytest.raises(WorkerLostError, match="no partial result"):
            run_chunks(_die, plan_chunks(4, chunk_size=1, random_state=0))


@pytest.mark.slow
def test_loky_worker_death_fails_the_call():
    with pytest.raises(WorkerLostError, match="no partial result"):
        run_chunks(_die, plan_chunks(4, chunk_size=1, random_state=0), n_jobs=2, backend="loky")


def test_torch_cpu_device_paths():
    torch = pytest.importorskip("torch")
    a = circular_eigphases(200, 2, size=4, random_state=5)
    b = circular_eigphases(200, 2, size=4, random_state=5, device="cpu")
    assert isinstance(b, torch.Tensor) and b.device.type == "cpu", "device=: a tensor on the device, as cue's"
    assert np.abs(a - b.numpy()).max() < 1e-12
    u = cue(5, size=20000, random_state=6, device="cpu")
    assert isinstance(u, torch.Tensor) and u.shape == (20000, 5, 5)
    assert torch.equal(u, cue(5, size=20000, random_state=6, device="cpu"))  # seeded determinism per device
    phases = np.sort(np.angle(torch.linalg.eigvals(u).numpy()), axis=1)
    assert_chi2(trace_powers(phases, 12), circular_form_factor(5, np.arange(1, 13), 2))
    if not torch.cuda.is_available():
        with pytest.raises(RuntimeError, match="CUDA"):
            circular_eigphases(64, device="cuda")
    with pytest.raises(ValueError, match="device"):
        cue(4, device="not-a-device")
