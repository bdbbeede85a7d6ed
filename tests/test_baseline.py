"""cPSE's random-matrix baseline (bristol.cPSE._baseline): the law of the Laguerre path against
exact moments and dense Gram matrices, reproducibility, variance rules, z-scores, the report hook
and the plot band. Statistical tests: fixed seeds, 5 standard errors."""
import json
import warnings

import joblib
import numpy as np
import pytest

from bristol.cPSE import CPSEBaseline, cpse_baseline
from bristol.cPSE._baseline import _draw_d_layers, _draw_spectra, baseline_for_matrices
from bristol.cPSE._pse import d_layers, gram_spectra
from bristol.periodic import periodic_extension

SHAPES = [(6, 10), (12, 5), (8, 8), (5, 14), (10, 10)]


def _mean_and_se(samples):
    samples = np.asarray(samples, dtype=float)
    return samples.mean(axis=0), samples.std(axis=0, ddof=1) / np.sqrt(len(samples))


# --- 1. the law of one draw ---------------------------------------------------------------------

# (n, m, variance, beta): wide, tall (n - m zeros), square complex
LAYERS = [(3, 5, 0.5, 1), (6, 2, 2.0, 1), (4, 4, 1.5, 2)]


@pytest.mark.parametrize("power", [1, 2])
def test_draw_matches_the_exact_moments(power):
    """E sum lambda = v n m and E sum lambda^2 = v^2 n m (n + m + 1) (real) or v^2 n m (n + m)
    (complex, E|g|^2 = v) for the n x n Gram matrix G G^H, its n - m zeros included."""
    rng = np.random.default_rng(11)
    draws = [_draw_spectra(LAYERS, power, rng) for _ in range(3000)]
    for k, (n, m, v, beta) in enumerate(LAYERS):
        spectra = np.array([d[k] for d in draws])
        assert spectra.shape[1] == n and np.all(np.diff(spectra, axis=1) <= 0)  # n values, descending
        if n > m:
            assert np.all(spectra[:, m:] == 0)
        exact = v * n * m if power == 1 else v**2 * n * m * (n + m + (1 if beta == 1 else 0))
        mean, se = _mean_and_se(spectra.sum(axis=1))
        assert abs(mean - exact) < 5 * se, (k, mean, exact, se)


def _dense_d_layers(shapes, variances, n, rng):
    """d_layers of dense Gaussian matrices through the measure's own Gram path (for comparison only)."""
    return np.array([d_layers(periodic_extension(gram_spectra(
        [rng.standard_normal(s) * np.sqrt(v) for s, v in zip(shapes, variances)], power=2))) for _ in range(n)])


def test_d_layers_law_equals_dense_gram_matrices():
    """Same mean of every d_l (and of the top sigma^4 per layer) as dense G G^T, within 5 sigma."""
    variances = [1 / m for _, m in SHAPES]
    layers = [(n, m, v, 1) for (n, m), v in zip(SHAPES, variances)]
    laguerre = _draw_d_layers(500, np.random.default_rng(1), layers=layers, power=2)
    dense = _dense_d_layers(SHAPES, variances, 500, np.random.default_rng(2))
    (m1, s1), (m2, s2) = _mean_and_se(laguerre), _mean_and_se(dense)
    assert np.all(np.abs(m1 - m2) < 5 * np.hypot(s1, s2)), (m1, m2)
    rng = np.random.default_rng(3)
    tops = np.array([[s[0] for s in _draw_spectra(layers, 2, rng)] for _ in range(500)])
    dense_tops = np.array([[s[0] for s in gram_spectra([rng.standard_normal(s) * np.sqrt(v)
                                                         for s, v in zip(SHAPES, variances)], power=2)]
                           for _ in range(500)])
    (t1, e1), (t2, e2) = _mean_and_se(tops), _mean_and_se(dense_tops)
    assert np.all(np.abs(t1 - t2) < 5 * np.hypot(e1, e2)), (t1, t2)


# --- 2. reproducibility ------------------------------------------------------------------------

def test_seeds_fix_the_draws_and_more_draws_extend_fewer():
    base = cpse_baseline(SHAPES, 12, 5)  # one seed per draw, whatever n_draws (not n_draws / 8 per chunk)
    again = cpse_baseline(SHAPES, 12, np.random.SeedSequence(5))
    assert np.array_equal(base.d_layers_draws, again.d_layers_draws)
    assert np.array_equal(cpse_baseline(SHAPES, 3, 5).d_layers_draws, base.d_layers_draws[:3])
    assert base.seeds[2] == {"entropy": 5, "spawn_key": [2]}
    redrawn = _draw_d_layers(1, np.random.default_rng(np.random.SeedSequence(5, spawn_key=(2,))),
                             layers=[(n, m, 1 / m, 1) for n, m in SHAPES], power=2)
    assert np.array_equal(redrawn[0], base.d_layers_draws[2])
    assert not np.array_equal(cpse_baseline(SHAPES, 12, 6).d_layers_draws, base.d_layers_draws)


def test_parallel_equals_serial_bit_for_bit():
    serial = cpse_baseline(SHAPES, 5, 9, n_jobs=1)
    with joblib.parallel_config(backend="threading"):
        threads = cpse_baseline(SHAPES, 5, 9, n_jobs=3)
    assert np.array_equal(serial.d_layers_draws, threads.d_layers_draws)
    assert np.array_equal(serial.cpse_draws, threads.cpse_draws)


def test_generator_advances_and_seed_sequence_is_left_unchanged():
    rng = np.random.default_rng(4)
    assert not np.array_equal(cpse_baseline(SHAPES, 2, rng).cpse_draws, cpse_baseline(SHAPES, 2, rng).cpse_draws)
    seq = np.random.SeedSequence(4)
    cpse_baseline(SHAPES, 2, seq)
    assert seq.n_children_spawned == 0


# --- 3. statistics and z-scores ----------------------------------------------------------------

def test_statistics_are_those_of_the_draws():
    base = cpse_baseline(SHAPES, 8, 0)
    assert base.n_draws == 8 and base.d_layers_draws.shape == (8, len(SHAPES) - 2)
    assert np.array_equal(base.d_layers_mean, base.d_layers_draws.mean(axis=0))
    assert np.array_equal(base.d_layers_std, base.d_layers_draws.std(axis=0, ddof=1))
    assert base.cpse_mean == pytest.approx(np.mean(np.log10(base.d_layers_draws).mean(axis=1)), rel=1e-12)
    assert base.cpse_std == pytest.approx(np.std(np.log10(base.d_layers_draws).mean(axis=1), ddof=1), rel=1e-12)


def test_zscores_of_values():
    base = cpse_baseline(SHAPES, 8, 0)
    values = base.d_layers_draws[3] * 1.5
    z = base.zscores(values)
    assert np.allclose(z.d_layers, (values - base.d_layers_mean) / base.d_layers_std, rtol=1e-14)
    assert z.cpse == pytest.approx((np.mean(np.log10(values)) - base.cpse_mean) / base.cpse_std, rel=1e-12)
    with pytest.raises(ValueError, match="report must hold 3 values d_l"):
        base.zscores(values[:2])


def test_zscores_where_the_std_is_zero():
    """z = 0 at the mean, +-inf elsewhere (never NaN) when every draw is the same."""
    draws = np.tile([0.5, 0.125, 0.25], (4, 1))  # powers of two: the mean is exact, the std exactly 0
    base = CPSEBaseline(("a", "b", "c", "d", "e"), tuple(SHAPES), np.ones(5), "given", 2, draws,
                        np.full(4, np.mean(np.log10(draws[0]))), ({},) * 4, (False,) * 5)
    assert base.d_layers_std.tolist() == [0.0] * 3 and base.cpse_std == 0.0
    z = base.zscores([0.5, 0.25, 0.0625])
    assert z.d_layers.tolist() == [0.0, np.inf, -np.inf] and z.cpse == -np.inf
    assert base.zscores(draws[0]).cpse == 0.0


# --- 4. variances, shapes and validation -------------------------------------------------------

def test_variance_rules_for_shapes():
    assert np.array_equal(cpse_baseline(SHAPES, 2, 0).variances, [1 / m for _, m in SHAPES])
    given = cpse_baseline(SHAPES, 2, 0, variance=[1, 2, 3, 4, 5])
    assert given.variance_rule == "given" and given.variances.tolist() == [1, 2, 3, 4, 5]
    assert cpse_baseline(SHAPES, 2, 0, variance=2.5).variances.tolist() == [2.5] * 5


def test_only_relative_variances_matter():
    """A common power-of-two factor changes no bit (the histograms scale); other ratios change d_l."""
    unit = cpse_baseline(SHAPES, 3, 7, variance=1.0)
    assert np.array_equal(cpse_baseline(SHAPES, 3, 7, variance=4.0).d_layers_draws, unit.d_layers_draws)
    spread = cpse_baseline(SHAPES, 3, 7, variance=[1.0, 1.0, 1.0, 1.0, 4.0])
    assert np.array_equal(spread.d_layers_draws, unit.d_layers_draws)  # the last layer never enters
    assert not np.allclose(cpse_baseline(SHAPES, 3, 7, variance=[4.0, 1, 1, 1, 1]).d_layers_draws,
                           unit.d_layers_draws)


def test_power_one_gives_the_vanilla_spectra():
    layers = [(n, m, 1 / m, 1) for n, m in SHAPES]
    sigma2 = _draw_d_layers(1, np.random.default_rng(np.random.SeedSequence(3, spawn_key=(0,))), layers=layers,
                            power=1)
    assert np.array_equal(cpse_baseline(SHAPES, 2, 3, power=1).d_layers_draws[0], sigma2[0])


@pytest.mark.parametrize("kwargs, error, match", [
    ({"model_or_shapes": SHAPES[:2]}, ValueError, "has 2 layer matrices; cPSE needs at least 3"),
    ({"model_or_shapes": [(3, 4), (3,), (4, 4)]}, ValueError, r"model_or_shapes\[1\] must be a shape"),
    ({"model_or_shapes": [(3, 4), (0, 4), (4, 4)]}, ValueError, r"model_or_shapes\[1\]\[0\]"),
    ({"model_or_shapes": [(3, 4), (2.5, 4), (4, 4)]}, TypeError, r"model_or_shapes\[1\]\[0\]"),
    ({"n_draws": 1}, ValueError, "n_draws"),
    ({"variance": "layer"}, ValueError, "variance='layer' needs a model's weights"),
    ({"variance": "unit"}, ValueError, "variance"),
    ({"variance": -1.0}, ValueError, "variance"),
    ({"variance": [1.0, 2.0]}, ValueError, r"one value per layer \(5\), got 2"),
    ({"variance": [1, 1, 1, float("nan"), 1]}, ValueError, r"variance\[3\]"),
    ({"variance": 1e200}, ValueError, "outside the float64 range"),
    ({"variance": None}, TypeError, "variance must be"),
    ({"power": 3}, ValueError, "power must be 2"),
    ({"random_state": -1}, ValueError, "random_state"),
    ({"n_jobs": 0}, ValueError, "n_jobs"),
])
def test_validation_names_the_parameter(kwargs, error, match):
    args = {"model_or_shapes": SHAPES, "n_draws": 2, "random_state": 0, **kwargs}
    with pytest.raises(error, match=match):
        cpse_baseline(**args)


def test_memory_is_refused_up_front(monkeypatch):
    from bristol import _validation

    monkeypatch.setattr(_validation, "physical_memory", lambda: 10_000)
    with pytest.raises(ValueError, match=r"cpse_baseline\(n_draws=50\)"):
        cpse_baseline(SHAPES, 50, 0)


# --- 5. models, the report and the plot --------------------------------------------------------

torch = pytest.importorskip("torch")


def _model():
    torch.manual_seed(0)
    layers = [torch.nn.Linear(12, 16), torch.nn.Linear(16, 24), torch.nn.Linear(24, 8), torch.nn.Linear(8, 16),
              torch.nn.Linear(16, 16)]
    for k, layer in enumerate(layers):
        layer.weight.data *= 2.0 ** k  # layers of different scales: "layer" and "fan_in" differ
    return torch.nn.Sequential(*layers)


def test_model_layer_variances_and_shapes():
    model = _model()
    base = cpse_baseline(model, 2, 0)
    weights = [m.weight.detach().double() for m in model]
    assert base.variance_rule == "layer" and base.names == ("0", "1", "2", "3", "4")
    assert base.shapes == tuple(tuple(w.shape) for w in weights)
    assert np.allclose(base.variances, [float((w**2).mean()) for w in weights], rtol=1e-12)
    assert cpse_baseline(model, 2, 0, variance="fan_in").variances.tolist() == [1 / w.shape[1] for w in weights]


def test_meta_model_with_fan_in_reads_no_weight():
    with torch.device("meta"):
        model = torch.nn.Sequential(*[torch.nn.Linear(8, 8) for _ in range(4)])
    base = cpse_baseline(model, 2, 0, variance="fan_in")
    assert base.shapes == ((8, 8),) * 4
    with pytest.raises(ValueError, match="meta device"):
        cpse_baseline(model, 2, 0)


def test_complex_layers_are_complex_gaussian():
    torch.manual_seed(0)
    model = torch.nn.Sequential(*[torch.nn.Linear(6, 6, dtype=torch.complex128) for _ in range(4)])
    base = cpse_baseline(model, 2, 0)
    assert base.complex_layers == (True,) * 4
    expected = [float(m.weight.detach().abs().square().mean()) for m in model]
    assert np.allclose(base.variances, expected, rtol=1e-12)


def test_report_with_baseline_draws_for_its_layers():
    from bristol.cPSE import cpse_report

    model = _model()
    report = cpse_report(model, baseline=4, random_state=3)
    alone = cpse_baseline(model, 4, 3)
    assert np.array_equal(report.baseline.d_layers_draws, alone.d_layers_draws)
    z = report.zscores
    assert np.allclose(z.d_layers, (report.d_layers - alone.d_layers_mean) / alone.d_layers_std, rtol=1e-14)
    records = report.to_records()
    assert records[0]["d_layer_z"] is None and records[1]["d_layer_z"] == pytest.approx(z.d_layers[0], rel=1e-14)
    assert records[2]["d_layer_baseline_mean"] == pytest.approx(alone.d_layers_mean[1], rel=1e-14)
    json.dumps(report.baseline.to_dict(report))
    assert cpse_report(model).baseline is None and cpse_report(model).zscores is None


def test_report_baseline_follows_forward_order():
    from bristol.cPSE import cpse_report

    class Rotated(torch.nn.Module):
        def __init__(self):
            super().__init__()
            torch.manual_seed(0)
            self.first, self.second, self.third = torch.nn.Linear(24, 12), torch.nn.Linear(12, 16), \
                torch.nn.Linear(16, 24)

        def forward(self, x):
            return self.first(self.third(self.second(x)))

    report = cpse_report(Rotated(), example_input=torch.zeros(1, 12), baseline=2, random_state=0)
    assert [r.name for r in report.used] == ["second", "third", "first"]
    assert report.baseline.shapes == ((16, 12), (24, 16), (12, 24))
    assert report.baseline.names == ("second", "third", "first")


def test_report_baseline_is_checked():
    from bristol.cPSE import cpse_report

    model = _model()
    with pytest.raises(ValueError, match="layer shapes differ"):
        cpse_report(model, baseline=cpse_baseline(SHAPES, 2, 0))
    with pytest.raises(ValueError, match="power=1"):
        cpse_report(model, baseline=cpse_baseline(model, 2, 0, power=1))
    with pytest.raises(ValueError, match="legacy=True"):
        cpse_report(model, legacy=True, baseline=2)
    with pytest.raises(ValueError, match="random_state seeds the baseline"):
        cpse_report(model, random_state=0)
    with pytest.raises(ValueError, match="baseline"):
        cpse_report(model, baseline=1)
    given = cpse_baseline(model, 2, 0, variance="fan_in")
    assert cpse_report(model, baseline=given).baseline is given


def test_plot_draws_the_band_behind_the_curve(tmp_path):
    pytest.importorskip("matplotlib")
    from bristol.cPSE import cpse_report, plot_d_layers

    report = cpse_report(_model(), baseline=5, random_state=1)
    ax = plot_d_layers(report, path=tmp_path / "band.png")
    (band,) = ax.collections
    base = report.baseline
    top = band.get_paths()[0].vertices[:, 1]
    assert np.isclose(top.max(), np.max(base.d_layers_mean + base.d_layers_std), rtol=1e-12)
    assert band.get_zorder() < ax.lines[-1].get_zorder()
    assert np.allclose(ax.lines[0].get_ydata(), base.d_layers_mean) and "z = " in ax.get_title()
    assert (tmp_path / "band.png").stat().st_size > 2000
    assert len(plot_d_layers(report.d_layers).collections) == 0
    assert len(plot_d_layers(report.d_layers, baseline=base).collections) == 1
    with pytest.raises(ValueError, match="report must hold"):
        plot_d_layers([1.0, 2.0], baseline=base)


def test_band_lower_edge_stays_positive_on_the_log_axis():
    pytest.importorskip("matplotlib")
    from bristol.cPSE import plot_d_layers

    draws = np.array([[1.0, 0.01, 1.0], [1.0, 0.01, 50.0], [1.0, 0.01, 1.0]])  # mean - std < 0 at l = 3
    base = CPSEBaseline(tuple("abcde"), tuple(SHAPES), np.ones(5), "given", 2, draws,
                        np.log10(draws).mean(axis=1), ({},) * 3, (False,) * 5)
    band = plot_d_layers([1.0, 0.01, 2.0], baseline=base).collections[0]
    assert np.all(band.get_paths()[0].vertices[:, 1] > 0)


def test_baseline_for_matrices_keeps_the_given_order():
    from bristol.cPSE import extract_layer_matrices

    matrices = extract_layer_matrices(_model())[0][::-1]
    base = baseline_for_matrices(matrices, 2, 0)
    assert base.names == ("4", "3", "2", "1", "0")


def test_warns_once_when_draws_have_a_zero_distance():
    """Zero weights have variance 0: zero spectra, identical metrics (d_l = 0), one warning for the job."""
    model = torch.nn.Sequential(*[torch.nn.Linear(4, 4) for _ in range(4)])
    for layer in model:
        layer.weight.data.zero_()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        base = cpse_baseline(model, 3, 0)
    assert np.all(np.isneginf(base.cpse_draws)) and base.cpse_mean == -np.inf
    assert [str(w.message) for w in caught if "baseline draws" in str(w.message)] == \
        ["3 of 3 baseline draws have a d_l = 0 (identical metrics of consecutive layer ensembles): "
         "their cpse is -inf, and so is cpse_mean"]


def test_baseline_of_a_checkpoint_equals_the_models(tmp_path):
    """A checkpoint on disk (read tensor by tensor, here without a definition: natural order)
    gives the baseline of the same model in memory, bit for bit, for both variance rules."""
    torch.manual_seed(0)
    model = torch.nn.Sequential(*[torch.nn.Linear(8 * (1 + k % 3), 8 * (1 + (k + 1) % 3)) for k in range(11)])
    path = tmp_path / "sd.pt"
    torch.save(model.state_dict(), path)
    for variance in ("layer", "fan_in"):
        in_memory = cpse_baseline(model, n_draws=3, random_state=5, variance=variance)
        with pytest.warns(UserWarning, match="natural order"):
            on_disk = cpse_baseline(path, n_draws=3, random_state=5, variance=variance)
        assert np.array_equal(on_disk.d_layers_draws, in_memory.d_layers_draws), variance
        assert np.array_equal(on_disk.cpse_draws, in_memory.cpse_draws), variance
