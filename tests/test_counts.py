"""Eigenvalue counts without eigenvalues: equal to numpy.histogram of the eigenvalue path (same draws)."""
import numpy as np
import pytest

from bristol.ensembles import _counts, circular_counts, circular_eigphases, gaussian_counts, gaussian_eigvals

SIZES = [1, 2, 3, 5, 17, 48, 49, 120, 300]
BETAS = [1e-3, 0.3, 1, 2, 4, 1e2, 1e4]
#: Edges this far (relative to the spectrum's scale) from eigenvalues of the eigenvalue path.
NEAR = 1e-12
PATHS = {
    "circular": (circular_counts, circular_eigphases),
    "gaussian": (gaussian_counts, gaussian_eigvals),
}


def _histograms(values, edges):
    return np.array([np.histogram(v, bins=edges)[0] for v in values.reshape(-1, values.shape[-1])])


def _edge_sets(kind, values):
    """A uniform grid over (and beyond) the spectrum, and edges within NEAR of eigenvalues on both sides."""
    n = values.shape[-1]
    if kind == "circular":
        scale, grids = 1.0, [np.linspace(-np.pi, np.pi, 33), np.array([-4.0, -np.pi, -1.0, 0.0, 2.0, np.pi, 4.0])]
    else:
        scale = max(1.0, float(np.abs(values).max()))
        grids = [np.linspace(-1.1 * scale, 1.1 * scale, 33), np.array([-2.0 * scale, -0.5, 0.0, 0.5, 2.0 * scale])]
    every = max(1, n // 12)
    near = np.concatenate([values[0, ::every] + NEAR * scale, values[-1, ::every] - NEAR * scale, grids[0][[0, -1]]])
    return grids + [np.unique(near)]


@pytest.mark.parametrize("kind", sorted(PATHS))
@pytest.mark.parametrize("beta", BETAS)
def test_counts_equal_histogram_of_eigenvalues(kind, beta):
    counts, eigenvalues = PATHS[kind]
    for n in SIZES:
        seed = 1000 + n
        values = eigenvalues(n, beta, size=3, random_state=seed)
        for edges in _edge_sets(kind, values):
            got = counts(n, beta, edges, size=3, random_state=seed)
            assert got.dtype == np.int64 and got.shape == (3, edges.size - 1)
            np.testing.assert_array_equal(got, _histograms(values, edges), err_msg=f"n={n}, edges={edges}")


@pytest.mark.parametrize("kind, n", [("circular", 2000), ("gaussian", 3000)])
def test_counts_largest_n_against_eigenvalue_path(kind, n):
    counts, eigenvalues = PATHS[kind]
    values = eigenvalues(n, 2.0, size=1, random_state=7)
    for edges in _edge_sets(kind, values):
        np.testing.assert_array_equal(counts(n, 2.0, edges, size=1, random_state=7), _histograms(values, edges))


@pytest.mark.parametrize("kind", sorted(PATHS))
def test_counts_same_stream_as_eigenvalues(kind):
    """A Generator is consumed as by the eigenvalue path; a SeedSequence is a fixed seed."""
    counts, eigenvalues = PATHS[kind]
    edges = np.linspace(-3.0, 3.0, 7)
    rng_counts, rng_values = np.random.default_rng(3), np.random.default_rng(3)
    for _ in range(2):
        got = counts(40, 1.5, edges, size=2, random_state=rng_counts)
        np.testing.assert_array_equal(got, _histograms(eigenvalues(40, 1.5, size=2, random_state=rng_values), edges))
    seq = np.random.SeedSequence(11)
    np.testing.assert_array_equal(counts(40, 1.5, edges, size=2, random_state=seq),
                                  counts(40, 1.5, edges, size=2, random_state=seq))


@pytest.mark.parametrize("kind", sorted(PATHS))
def test_counts_edge_exactly_at_eigenvalue(kind):
    """N = 1: the eigenvalue is known exactly, so an edge on it tests the bin semantics: it falls in the
    bin it opens, and in the last bin when it is the last edge (closed)."""
    counts, eigenvalues = PATHS[kind]
    for seed in range(5):
        x = float(eigenvalues(1, 2.0, random_state=seed)[0])
        for edges, expected in [([x - 1, x, x + 1], [0, 1]), ([x - 1, x], [1]), ([x, x + 1], [1])]:
            np.testing.assert_array_equal(counts(1, 2.0, edges, random_state=seed), expected)
            np.testing.assert_array_equal(np.histogram([x], bins=edges)[0], expected)


@pytest.mark.parametrize("kind", sorted(PATHS))
def test_counts_shapes(kind):
    counts = PATHS[kind][0]
    edges = [-1.0, 0.0, 0.5, 1.0]
    assert counts(10, 2.0, edges, random_state=0).shape == (3,)
    assert counts(10, 2.0, edges, size=(2, 4), random_state=0).shape == (2, 4, 3)
    assert counts(10, 2.0, edges, size=0, random_state=0).shape == (0, 3)
    total = counts(10, 2.0, [-100.0, 100.0], size=5, random_state=0)
    np.testing.assert_array_equal(total, np.full((5, 1), 10))


@pytest.mark.parametrize("kind", sorted(PATHS))
@pytest.mark.parametrize("edges, error, match", [
    ([[0.0, 1.0]], ValueError, "edges must be a 1-D"),
    ([0.0], ValueError, "at least 2"),
    ([], ValueError, "edges must not be empty"),
    ([0.0, np.nan], ValueError, "NaN or Inf"),
    ([0.0, np.inf], ValueError, "NaN or Inf"),
    ([0.0, 1.0, 1.0], ValueError, "strictly increasing"),
    ([1.0, 0.0], ValueError, "strictly increasing"),
    ([0.0, 1j], TypeError, "edges must be real"),
    (["a", "b"], TypeError, "edges must be real"),
])
def test_counts_reject_bad_edges(kind, edges, error, match):
    with pytest.raises(error, match=match):
        PATHS[kind][0](5, 2.0, edges)


@pytest.mark.parametrize("kind", sorted(PATHS))
def test_counts_reject_bad_arguments(kind):
    counts = PATHS[kind][0]
    with pytest.raises(ValueError, match="n must be"):
        counts(0, 2.0, [0.0, 1.0])
    with pytest.raises(TypeError, match="n must be"):
        counts(2.5, 2.0, [0.0, 1.0])
    with pytest.raises(ValueError, match="beta"):
        counts(5, 0.0, [0.0, 1.0])
    with pytest.raises(ValueError, match="size"):
        counts(5, 2.0, [0.0, 1.0], size=-1)
    with pytest.raises(ValueError, match=f"{kind}_counts.*needs .* more than"):
        counts(10**6, 2.0, [0.0, 1.0], size=10**9)


def test_gaussian_counts_reject_beta_overflow():
    with pytest.raises(ValueError, match="beta"):
        gaussian_counts(3, 1e300, [0.0, 1.0])


# ---- the kernels: numba, numpy and torch perform the same operations (same bits) ---------------

def _pruefer_lanes_input(seed, members=3, n=60):
    """Verblunsky coefficients with the hard cases (|alpha| = 1 in double precision, alpha = 0, tiny
    |alpha|) and thetas at +-pi, 0 and generic values, plus the initial state of every lane."""
    rng = np.random.default_rng(seed)
    alpha = np.sqrt(rng.uniform(size=(members, n))) * np.exp(1j * rng.uniform(0, 2 * np.pi, size=(members, n)))
    alpha[0, ::7] = np.exp(1j * rng.uniform(0, 2 * np.pi, size=alpha[0, ::7].shape))  # on the circle
    alpha[1, ::5] = 0.0
    alpha[2, ::3] *= 1e-200
    theta = np.concatenate([[-np.pi, 0.0, np.pi], rng.uniform(-np.pi, np.pi, size=30)])
    c, s = np.cos(theta), np.sin(theta)
    state = [np.tile(c, (members, 1)), np.tile(s, (members, 1)), np.zeros((members, theta.size), dtype=np.int64)]
    return [alpha.real.copy(), alpha.imag.copy(), c, s], state


def _sturm_lanes_input(seed, members=3, n=60):
    rng = np.random.default_rng(seed)
    diag = rng.standard_normal((members, n))
    off_sq = rng.chisquare(2.0, size=(members, n - 1)) / 2
    off_sq[1, ::4] = 0.0  # split matrices: pivots at 0 exactly hit the pivmin guard
    edges = np.concatenate([diag[1, :3], rng.uniform(-4, 4, size=30)])  # edges on diagonal entries
    pivmin = np.finfo(float).tiny * np.maximum(1.0, off_sq.max(axis=1))[:, None]
    guard = np.where(np.arange(edges.size) % 2 == 0, pivmin, -pivmin)
    return [diag, off_sq, edges, pivmin, guard], [np.zeros((members, edges.size), dtype=np.int64)]


KERNELS = {
    "pruefer": (_pruefer_lanes_input, _counts._pruefer_vector, _counts._pruefer_lanes),
    "sturm": (_sturm_lanes_input, _counts._sturm_vector, _counts._sturm_lanes),
}


def _run_kernel(kernel, kind, seed):
    inputs, state = KERNELS[kind][0](seed)
    kernel(*inputs, *state)
    return state


@pytest.mark.parametrize("kind", sorted(KERNELS))
def test_kernels_numpy_and_pure_python_lanes_agree_bitwise(kind):
    """The lane loops (what numba compiles), run as plain Python, give the vectorised numpy loop's bits."""
    _, vector, lanes = KERNELS[kind]
    for seed in range(2):
        for got, expected in zip(_run_kernel(lanes, kind, seed), _run_kernel(vector, kind, seed)):
            np.testing.assert_array_equal(got, expected)


@pytest.mark.parametrize("kind", sorted(KERNELS))
def test_kernels_numba_agrees_bitwise(kind):
    pytest.importorskip("numba")
    compiled = _counts._compiled()[kind]
    for seed in range(4):
        for got, expected in zip(_run_kernel(compiled, kind, seed), _run_kernel(KERNELS[kind][1], kind, seed)):
            np.testing.assert_array_equal(got, expected)


@pytest.mark.parametrize("kind", sorted(KERNELS))
def test_kernels_torch_agrees_bitwise(kind):
    torch = pytest.importorskip("torch")
    for seed in range(2):
        inputs, state = KERNELS[kind][0](seed)
        tensors = [torch.as_tensor(a) for a in inputs + state]
        KERNELS[kind][1](*tensors)
        for got, expected in zip(tensors[len(inputs):], _run_kernel(KERNELS[kind][1], kind, seed)):
            np.testing.assert_array_equal(got.numpy(), expected)


@pytest.mark.slow
def test_kernels_compile_without_a_cache_directory(monkeypatch):
    """Where numba finds no writable cache directory the kernels are compiled uncached (seconds)."""
    numba = pytest.importorskip("numba")
    njit = numba.njit

    def no_cache(*args, cache=False, **kwargs):
        if cache:
            raise RuntimeError("cannot cache function: no locator available")
        return njit(*args, **kwargs)

    monkeypatch.setattr(numba, "njit", no_cache)
    compiled = _counts._compiled.__wrapped__()["sturm"]
    for got, expected in zip(_run_kernel(compiled, "sturm", 0), _run_kernel(KERNELS["sturm"][1], "sturm", 0)):
        np.testing.assert_array_equal(got, expected)


@pytest.mark.parametrize("kind", sorted(PATHS))
def test_counts_numpy_fallback_equals_compiled(kind, monkeypatch):
    """The public functions give the same counts with numba and with the numpy loop (numba absent)."""
    counts = PATHS[kind][0]
    edges = np.linspace(-3.3, 3.3, 20) * (1 if kind == "circular" else 9)
    expected = counts(300, 1.5, edges, size=5, random_state=4)
    monkeypatch.setattr(_counts, "_compiled", lambda: None)
    np.testing.assert_array_equal(counts(300, 1.5, edges, size=5, random_state=4), expected)


@pytest.mark.parametrize("kind", sorted(PATHS))
def test_counts_device_cpu(kind):
    torch = pytest.importorskip("torch")
    counts = PATHS[kind][0]
    edges = np.linspace(-3.3, 3.3, 20) * (1 if kind == "circular" else 9)
    got = counts(200, 0.7, edges, size=(2, 2), random_state=9, device="cpu")
    assert isinstance(got, torch.Tensor) and got.dtype == torch.int64
    np.testing.assert_array_equal(got.numpy(), counts(200, 0.7, edges, size=(2, 2), random_state=9))
    with pytest.raises(ValueError, match="device"):
        counts(20, 0.7, edges, device="no-such-device")


@pytest.mark.parametrize("kind", sorted(PATHS))
@pytest.mark.parametrize("n", [1, 2, 50])
def test_counts_in_chunks_draw_the_same_numbers(kind, n, monkeypatch):
    """Chunks of members (here one to three members each) draw what one call draws, and leave a
    Generator where the eigenvalue path leaves it."""
    counts, eigenvalues = PATHS[kind]
    edges = np.linspace(-3.0, 3.0, 9) * (1 if kind == "circular" else 4)
    expected = counts(n, 2.0, edges, size=(2, 4), random_state=5)
    for rows in (1, 3):
        monkeypatch.setattr(_counts, "_CHUNK_BYTES", rows * n * _counts._MODEL_BYTES[kind])
        assert _counts._chunk_rows(kind, n, 8) == rows
        np.testing.assert_array_equal(counts(n, 2.0, edges, size=(2, 4), random_state=5), expected)
        rng_counts, rng_values = np.random.default_rng(6), np.random.default_rng(6)
        got = counts(n, 2.0, edges, size=7, random_state=rng_counts)
        np.testing.assert_array_equal(got, _histograms(eigenvalues(n, 2.0, size=7, random_state=rng_values), edges))
        assert rng_counts.random() == rng_values.random()


def test_counts_memory_is_one_chunk_and_the_lanes():
    """N = 10^7 x 40 members fits (one chunk of model at a time); the lanes of 10^9 members do not."""
    _counts._prepare("circular", 10**7, np.linspace(-np.pi, np.pi, 33), 40)
    with pytest.raises(ValueError, match="circular_counts.*needs .* more than"):
        _counts._prepare("circular", 10, np.linspace(-np.pi, np.pi, 33), 10**9)


def test_pruefer_step_with_unit_alpha_facing_the_phase():
    """|alpha| = 1 and u = conj(alpha): w = 1 - conj(alpha u) rounds to 0, and the step raises p to
    _P_MIN (a turn by 2 arg w = 0) instead of dividing 0 by 0."""
    x = np.array([1.0, 0.0, -1.0, 0.0])
    y = np.array([0.0, 1.0, 0.0, -1.0])
    theta = 0.3
    nx, ny, dw = _counts._pruefer_step(x, -y, np.cos(theta), np.sin(theta), x, y)
    np.testing.assert_allclose(nx + 1j * ny, np.exp(1j * theta) * (x + 1j * y), rtol=0, atol=1e-15)
    np.testing.assert_array_equal(dw, [0, 0, 1, 0])  # only u = -1 (arg pi) turns across the cut


def test_pruefer_unit_vector_stays_normalised():
    """Without the Newton step |u| would drift like sqrt(n) eps; with it, it stays within 1 ulp of 1."""
    inputs, state = _pruefer_lanes_input(0, n=20000)
    _counts._pruefer_vector(*inputs, *state)
    np.testing.assert_allclose(state[0] ** 2 + state[1] ** 2, 1.0, rtol=0, atol=4.5e-16)
