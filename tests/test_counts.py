"""Eigenvalue counts without eigenvalues: equal to numpy.histogram of the eigenvalue path (same draws)."""
import numpy as np
import pytest

from bristol.ensembles import circular_counts, circular_eigphases, gaussian_counts, gaussian_eigvals

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
