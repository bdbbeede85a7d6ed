"""The command line: subprocesses for the end-to-end behaviour, ``main(argv)`` in-process for
the many argument combinations (each would otherwise start a Python with torch)."""
import csv
import hashlib
import json
import os
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import bristol
from bristol import _validation, cli, cPSE

torch = pytest.importorskip("torch")
torchvision = pytest.importorskip("torchvision")
nn = torch.nn

REPO = str(Path(bristol.__file__).resolve().parents[1])
BRISTOL = [sys.executable, "-m", "bristol"]
SMALL = "shufflenet_v2_x0_5"  # a torchvision model whose cPSE takes well under a second


def run(args, cwd=None):
    """``bristol ARGS`` as a subprocess importing this checkout, in ``cwd``."""
    env = {**os.environ, "PYTHONPATH": REPO + os.pathsep + os.environ.get("PYTHONPATH", "")}
    return subprocess.run(BRISTOL + [str(a) for a in args], capture_output=True, text=True, cwd=cwd, env=env)


def snapshot(folder):
    """{name: sha256} of every file under ``folder``: what a refused command must leave alone."""
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(Path(folder).rglob("*")) if p.is_file()}


def assert_usage_error(res, *fragments):
    """Exit 2, one line ``bristol: error: ...`` on stderr holding ``fragments``, nothing on stdout."""
    lines = res.stderr.splitlines()
    assert res.returncode == 2 and len(lines) == 1, (res.returncode, res.stderr)
    assert lines[0].startswith("bristol: error: ") and res.stdout == "", (res.stderr, res.stdout)
    for fragment in fragments:
        assert fragment in lines[0], (fragment, lines[0])


def main_error(capsys, argv, *fragments):
    """``cli.main(argv)`` in-process must exit 2 with one error line holding ``fragments``."""
    with pytest.raises(SystemExit) as exit_info:
        cli.main([str(a) for a in argv])
    out, err = capsys.readouterr()
    assert exit_info.value.code == 2, err
    assert len(err.splitlines()) == 1 and err.startswith("bristol: error: ") and out == "", err
    for fragment in fragments:
        assert fragment in err, (fragment, err)
    return err


@pytest.fixture(scope="module")
def small_state_dict(tmp_path_factory):
    torch.manual_seed(0)
    path = tmp_path_factory.mktemp("sd") / "small.pt"
    torch.save(torchvision.models.get_model(SMALL).state_dict(), path)
    return path


class Tiny(nn.Module):
    """Four identical layers (d_l = 0, cpse = -inf) and a layer that never runs."""

    def __init__(self):
        super().__init__()
        torch.manual_seed(0)
        self.body = nn.Sequential(*[nn.Linear(6, 6) for _ in range(4)])
        for layer in self.body[1:]:
            layer.weight.data = self.body[0].weight.data.clone()
        self.unused = nn.Linear(6, 6)

    def forward(self, x):
        return self.body(x)


# --- outputs of the working commands ----------------------------------------------------------

def test_cli_ensemble_job(tmp_path):
    args = ["ensemble", "CSE", "-N", "64", "-M", "6", "--seed", "3", "--no-progress"]
    res = run(args + ["--jobs", "1", "--out", "cue.npz"], cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    data = np.load(tmp_path / "cue.npz")
    meta = json.loads(str(data["metadata"]))
    assert data["eigphases"].shape == (6, 64) and meta["beta"] == 4 and meta["N"] == 64
    assert sum(c["size"] for c in meta["chunks"]) == 6
    res = run(args + ["--jobs", "2", "--out", "cue2.npz"], cwd=tmp_path)
    assert np.array_equal(data["eigphases"], np.load(tmp_path / "cue2.npz")["eigphases"])


def test_cli_ensemble_writes_exactly_the_path_given(tmp_path):
    """--out result.dat writes result.dat (an .npz archive), not result.dat.npz, and says so."""
    res = run(["ensemble", "-N", "5", "-M", "2", "--seed", "1", "--no-progress", "--out", "result.dat"], cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    assert sorted(snapshot(tmp_path)) == ["result.dat"]
    assert res.stdout.strip().endswith("to result.dat")
    assert np.load(tmp_path / "result.dat")["eigphases"].shape == (2, 5)


@pytest.mark.parametrize("kind, flags, job", [
    ("LAGUERRE", {"--m": 9.5}, "laguerre_ensemble_eigvals"),
    ("jacobi", {"--m1": 9.5, "--m2": 12}, "jacobi_ensemble_eigvals"),
])
def test_cli_laguerre_and_jacobi_jobs(tmp_path, capsys, kind, flags, job):
    """The eigenvalue ensembles write what the library's chunked job gives for the same root seed."""
    from bristol import ensembles

    dof = [str(t) for flag, value in flags.items() for t in (flag, value)]
    argv = ["ensemble", kind, "-N", "8", "-M", "5", "--beta", "0.7", "--seed", "4", "--chunk-size", "2",
            "--no-progress", *dof]
    assert cli.main(argv + ["--out", str(tmp_path / "a.npz")]) == 0
    assert cli.main(argv + ["--jobs", "2", "--out", str(tmp_path / "b.npz")]) == 0
    out = capsys.readouterr().out
    assert f"wrote 5 x 8 eigenvalues ({kind.upper()}, beta = 0.7" in out and "m" in out
    data = np.load(tmp_path / "a.npz")
    meta = json.loads(str(data["metadata"]))
    expected = getattr(ensembles, job)(8, *flags.values(), 5, 0.7, chunk_size=2,
                                        random_state=np.random.SeedSequence(4)).values
    assert np.array_equal(data["eigvals"], expected) and "eigphases" not in data
    assert np.array_equal(np.load(tmp_path / "b.npz")["eigvals"], expected)
    assert meta["ensemble"] == kind.upper() and meta["beta"] == 0.7 and meta["N"] == 8 and meta["M"] == 5
    assert {k: meta[k] for k in ("m", "m1", "m2") if k in meta} == {f.lstrip("-"): v for f, v in flags.items()}
    assert [c["size"] for c in meta["chunks"]] == [2, 2, 1]
    assert cli.main(["ensemble", kind, "-N", "8", "-M", "2", "--seed", "4", "--no-progress", *dof,
                     "--out", str(tmp_path / "c.npz")]) == 0
    assert json.loads(str(np.load(tmp_path / "c.npz")["metadata"]))["beta"] == 1  # the default Dyson index


def small_report(**kwargs):
    from bristol import cPSE

    torch.manual_seed(0)
    return cPSE.cpse_report(torchvision.models.get_model(SMALL), **kwargs)


@pytest.mark.slow
def test_cli_cpse_outputs(tmp_path):
    out = run(["cpse", SMALL, "--no-progress", "--json", "r.json", "--csv", "r.csv", "--plot", "r.png"], cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    report = json.loads((tmp_path / "r.json").read_text())
    expected = small_report()
    assert report["cpse"] == pytest.approx(expected.cpse, rel=1e-12)
    assert np.allclose(report["d_layers"], expected.d_layers, rtol=1e-12)
    assert f"cpse = {expected.cpse:.10g}" in out.stdout and expected.layers[-1].name in out.stdout
    rows = list(csv.DictReader(open(tmp_path / "r.csv")))
    assert [r["name"] for r in rows] == [r.name for r in expected.layers]
    assert (tmp_path / "r.png").stat().st_size > 1000
    assert out.stdout.splitlines()[-3:] == ["wrote the report (JSON) to r.json", "wrote the layer table (CSV) to r.csv",
                                            "wrote the d_layers plot to r.png"]
    assert out.stderr == ""


@pytest.mark.slow
def test_cli_cpse_forward_order(tmp_path):
    """--input-shape takes the layers in forward order."""
    res = run(["cpse", SMALL, "--input-shape", "1", "3", "32", "32", "--no-progress", "--json", "f.json"],
              cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    report = json.loads((tmp_path / "f.json").read_text())
    expected = small_report(example_input=torch.zeros(1, 3, 32, 32))
    assert report["layer_order"] == "forward on zeros(1, 3, 32, 32)"
    assert report["cpse"] == pytest.approx(expected.cpse, rel=1e-12)
    assert [r["name"] for r in report["layers"]] == [r.name for r in expected.layers]


def test_cli_cpse_state_dict_and_legacy(tmp_path, small_state_dict):
    before = snapshot(small_state_dict.parent)
    res = run(["cpse", small_state_dict, "--arch", SMALL, "--legacy", "--no-progress", "--json", "l.json"],
              cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    assert "legacy 0.2.14" in res.stdout
    assert json.loads((tmp_path / "l.json").read_text())["cpse"] == pytest.approx(small_report(legacy=True).cpse,
                                                                                 rel=1e-12)
    assert snapshot(small_state_dict.parent) == before


def test_cli_cpse_checkpoints(tmp_path, capsys):
    """A Hugging Face folder (config.json: the model's layers and order), a safetensors file with
    --arch, and one without a definition (natural order, one warning line); the JSON cpse
    equals the in-memory model's."""
    transformers = pytest.importorskip("transformers")
    safetensors_torch = pytest.importorskip("safetensors.torch")
    torch.manual_seed(0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        llama = transformers.LlamaForCausalLM(transformers.LlamaConfig(
            vocab_size=40, hidden_size=16, intermediate_size=24, num_hidden_layers=2, num_attention_heads=4,
            num_key_value_heads=2))
        llama.save_pretrained(tmp_path / "llama")
    net = torchvision.models.get_model(SMALL)
    safetensors_torch.save_file(net.state_dict(), tmp_path / "small.safetensors")
    capsys.readouterr()  # save_pretrained's progress bar
    cases = [(["llama"], cPSE.cpse_report(llama), 0),
             (["small.safetensors", "--arch", SMALL], cPSE.cpse_report(net), 0),
             (["small.safetensors"], None, 1)]
    for argv, expected, warning_lines in cases:
        assert cli.main(["cpse", *[str(tmp_path / a) if i == 0 else a for i, a in enumerate(argv)],
                         "--no-progress", "--json", str(tmp_path / "r.json")]) == 0
        out, err = capsys.readouterr()
        report = json.loads((tmp_path / "r.json").read_text())
        assert len(err.splitlines()) == warning_lines, err
        if expected is None:
            assert "bristol: warning: cPSE of" in err and "natural order" in err and "--arch" in err
            assert report["layers"][0]["name"] == "conv1.0.weight"
        else:
            assert report["cpse"] == expected.cpse and report["d_layers"] == expected.d_layers.tolist()
            assert [r["name"] for r in report["layers"]] == [r.name for r in expected.layers]
    (tmp_path / "bad.safetensors").write_bytes(b"\xff" * 8 + b"{}")
    main_error(capsys, ["cpse", tmp_path / "bad.safetensors"], "bad.safetensors", "declares a header of")
    main_error(capsys, ["cpse", tmp_path / "llama", "--legacy"], "--legacy needs the model in memory")
    main_error(capsys, ["cpse", tmp_path / "llama", "--arch", SMALL], "does not fit --arch " + SMALL)


def test_cli_cpse_arch_timm_name(tmp_path, capsys):
    timm = pytest.importorskip("timm")
    torch.manual_seed(0)
    vit = timm.create_model("test_vit", pretrained=False)
    torch.save(vit.state_dict(), tmp_path / "vit.pt")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the policy's skips (class token, position embedding)
        expected = cPSE.cpse_report(vit)
    assert cli.main(["cpse", str(tmp_path / "vit.pt"), "--arch", "test_vit", "--no-progress",
                     "--json", str(tmp_path / "r.json")]) == 0
    report = json.loads((tmp_path / "r.json").read_text())
    assert report["cpse"] == expected.cpse
    assert [r["name"] for r in report["layers"]] == [r.name for r in expected.layers]
    assert "skips cls_token" in capsys.readouterr().err


# --- 1. --allow-pickle --------------------------------------------------------------------------

def test_cli_allow_pickle_help_says_it_runs_code():
    res = run(["cpse", "--help"])
    assert res.returncode == 0 and "--allow-pickle" in res.stdout
    assert "EXECUTES CODE from the file" in " ".join(res.stdout.split())


def test_cli_whole_module_needs_allow_pickle(tmp_path):
    torch.save(nn.Sequential(*[nn.Linear(5, 5) for _ in range(4)]), tmp_path / "whole.pt")
    before = snapshot(tmp_path)
    assert_usage_error(run(["cpse", "whole.pt", "--no-progress"], cwd=tmp_path), "--allow-pickle")
    res = run(["cpse", "whole.pt", "--allow-pickle", "--no-progress", "--json", "w.json"], cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    assert np.isfinite(json.loads((tmp_path / "w.json").read_text())["cpse"])
    assert snapshot(tmp_path)["whole.pt"] == before["whole.pt"]


class _Payload:
    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (Path.touch, (Path(self.marker),))


def test_cli_evil_file_runs_no_code(tmp_path):
    marker = tmp_path / "pwned"
    torch.save({"w": _Payload(str(marker))}, tmp_path / "evil.pt")
    assert_usage_error(run(["cpse", "evil.pt", "--no-progress"], cwd=tmp_path), "evil.pt", "--allow-pickle")
    assert not marker.exists()


def test_cli_allow_pickle_only_for_files(capsys):
    main_error(capsys, ["cpse", SMALL, "--allow-pickle"], "--allow-pickle applies only to a model file")


# --- 2. no data loss ----------------------------------------------------------------------------

@pytest.mark.parametrize("outputs, fragment", [
    (["--json", "victim.pt"], "same file as the model file"),
    (["--csv", "./sub/../victim.pt"], "same file as the model file"),
    (["--plot", "link.png"], "same file as the model file"),  # a symbolic link to the model
    (["--plot", "hard.png"], "same file as the model file"),  # a hard link to the model
    (["--json", "r.json", "--csv", "r.json"], "--csv r.json is the same file as --json r.json"),
    (["--json", "sub"], "--json sub is a folder"),
    (["--csv", "missing/r.csv"], "no such folder"),
    (["--plot", "r.dat"], "image format"),
])
def test_cli_cpse_refuses_outputs_before_computing(tmp_path, outputs, fragment):
    """No output may be the model file (by any name), another output or a folder, and its folder
    must exist: refused before anything is computed or written, every file left as it was."""
    torch.manual_seed(0)
    torch.save(nn.Linear(3, 3).state_dict(), tmp_path / "victim.pt")
    (tmp_path / "sub").mkdir()
    (tmp_path / "link.png").symlink_to(tmp_path / "victim.pt")
    os.link(tmp_path / "victim.pt", tmp_path / "hard.png")
    before = snapshot(tmp_path)
    assert_usage_error(run(["cpse", "victim.pt", "--arch", SMALL, "--no-progress"] + outputs, cwd=tmp_path), fragment)
    assert snapshot(tmp_path) == before


def test_cli_ensemble_out_folder_or_missing_folder(tmp_path):
    (tmp_path / "results").mkdir()
    for out, fragment in (("results", "--out results is a folder"), ("missing/x.npz", "no such folder")):
        assert_usage_error(run(["ensemble", "-N", "4", "-M", "2", "--no-progress", "--out", out], cwd=tmp_path),
                           fragment)
    assert snapshot(tmp_path) == {}


def test_cli_ensemble_out_not_writable(tmp_path, capsys, monkeypatch):
    """A folder that cannot be written is refused before sampling (os.access: root may write anywhere)."""
    monkeypatch.setattr(cli.os, "access", lambda path, mode: False)
    main_error(capsys, ["ensemble", "-N", "4", "-M", "2", "--out", tmp_path / "x.npz"], "is not writable")


# --- 3. arguments that would be ignored are errors ------------------------------------------------

def test_cli_legacy_with_device_is_an_error(tmp_path):
    """The issue's case: --legacy --device cuda exited 0 on a machine without CUDA."""
    assert_usage_error(run(["cpse", SMALL, "--legacy", "--device", "cuda", "--no-progress"], cwd=tmp_path),
                       "--legacy cannot be combined with --device")


@pytest.mark.parametrize("argv, fragment", [
    (["cpse", SMALL, "--legacy", "--device", "cpu"], "--legacy cannot be combined with --device"),
    (["cpse", SMALL, "--legacy", "--input-shape", "1", "3", "8", "8"],
     "--legacy cannot be combined with --input-shape"),
    (["cpse", SMALL, "--arch", "resnet18"], "--arch applies only to a model file"),
    (["cpse", "{sd}", "--arch", SMALL, "--weights", "DEFAULT"], "--weights applies only to a torchvision model name"),
    (["cpse", "{sd}", "--arch", SMALL, "--weights", "none"], "--weights applies only to a torchvision model name"),
    (["cpse", "{sd}", "--arch", SMALL, "--seed", "3"], "--seed applies only to a torchvision model name"),
    (["cpse", SMALL, "--weights", "DEFAULT", "--seed", "3"], "--seed applies only to a randomly initialised model"),
    (["cpse", "{sd}", "--arch", "{sd}"], "--arch must be a torchvision model name"),
    (["cpse", "{sd}", "--arch", "no_such_arch"], "a timm model name"),
    (["ensemble", "COE", "--beta", "2", "-N", "4", "-M", "2", "--out", "x.npz"], "ENSEMBLE (COE) or --beta, not both"),
    (["ensemble", "CUE", "--m", "6", "-N", "4", "-M", "2", "--out", "x.npz"],
     "--m applies only to LAGUERRE, not to CUE"),
    (["ensemble", "--beta", "2", "--m1", "6", "-N", "4", "-M", "2", "--out", "x.npz"],
     "--m1 applies only to JACOBI, not to CUE"),
    (["ensemble", "JACOBI", "--m", "6", "--m1", "6", "--m2", "6", "-N", "4", "-M", "2", "--out", "x.npz"],
     "--m applies only to LAGUERRE, not to JACOBI"),
    (["ensemble", "LAGUERRE", "--m", "6", "--m2", "6", "-N", "4", "-M", "2", "--out", "x.npz"],
     "--m2 applies only to JACOBI, not to LAGUERRE"),
])
def test_cli_ignored_arguments_are_errors(capsys, small_state_dict, argv, fragment):
    main_error(capsys, [a.format(sd=small_state_dict) for a in argv], fragment)


def test_cli_unusable_device(capsys, monkeypatch):
    """Devices that cannot compute here are refused before the model is loaded."""
    main_error(capsys, ["cpse", SMALL, "--device", "meta"], "--device meta holds no data")
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    main_error(capsys, ["cpse", SMALL, "--device", "cuda"], "--device 'cuda' needs CUDA")
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)  # the probe: no driver, or not 100 devices
    main_error(capsys, ["cpse", SMALL, "--device", "cuda:99"], "--device cuda:99 cannot be used on this machine")


# --- 4. memory ------------------------------------------------------------------------------------

def test_cli_ensemble_refuses_sizes_beyond_memory(tmp_path):
    """The issue's -N 64 -M 100000000 died with a MemoryError traceback; a size no machine
    holds is refused before allocating, with the bytes needed."""
    res = run(["ensemble", "-N", "1000000", "-M", "1000000000000", "--no-progress", "--out", "big.npz"], cwd=tmp_path)
    assert_usage_error(res, "-M 1000000000000 x -N 1000000 eigenphases", "GiB of memory on this machine")
    assert snapshot(tmp_path) == {}


@pytest.mark.parametrize("n, m, chunk, available, fits", [
    (1000, 1000, 1, 1.5 * 8e6, False),  # the result fits once, not twice (the chunks and their concatenation)
    (1, 100_000, 1, 1e8, False),  # 2 KiB per chunk: 100000 chunks of one matrix
    (32, 1000, 125, 2e6, False),  # dense 32 x 32 matrices of a running chunk
    (32, 1000, 125, 125 * 32 * 32**2 * 2 + 3 * 8 * 32e3, True),
])
def test_cli_ensemble_memory_counts_output_and_work(capsys, monkeypatch, tmp_path, n, m, chunk, available, fits):
    monkeypatch.setattr(_validation, "physical_memory", lambda: int(available))
    argv = ["ensemble", "-N", n, "-M", m, "--chunk-size", chunk, "--no-progress", "--out", tmp_path / "x.npz"]
    if fits:
        assert cli.main([str(a) for a in argv]) == 0
        assert np.load(tmp_path / "x.npz")["eigphases"].shape == (m, n)
    else:
        main_error(capsys, argv, f"-M {m} x -N {n} eigenphases", "GiB of memory on this machine")
        assert not (tmp_path / "x.npz").exists()


def test_cli_input_shape_beyond_memory(capsys):
    main_error(capsys, ["cpse", SMALL, "--input-shape", "100000", "100000", "100000"], "--input-shape",
               "GiB of memory on this machine")


# --- 5. one-line errors, flag names, warnings, strict JSON, bugs stay bugs ------------------------

def test_cli_bogus_weights_one_line(tmp_path):
    """The issue's case: --weights bogus ended in a 35-line KeyError traceback, exit 1."""
    assert_usage_error(run(["cpse", SMALL, "--weights", "bogus", "--no-progress"], cwd=tmp_path),
                       "--weights bogus", "DEFAULT")


def test_cli_state_dict_for_the_wrong_arch_one_line(tmp_path):
    torch.save({"weight": torch.zeros(3, 3)}, tmp_path / "sd.pt")
    before = snapshot(tmp_path)
    assert_usage_error(run(["cpse", "sd.pt", "--arch", SMALL, "--no-progress"], cwd=tmp_path),
                       "the state_dict in 'sd.pt' does not fit --arch " + SMALL)
    assert snapshot(tmp_path) == before


def test_cli_messages_name_flags(capsys, small_state_dict):
    err = main_error(capsys, ["cpse", small_state_dict, "--legacy"], "needs --arch")
    assert "arch=" not in err
    main_error(capsys, ["cpse", SMALL, "--input-shape", "1", "2"], "forward pass on --input-shape failed")
    assert cli._flag_words("pass allow_pickle=True, device='cuda:1' and example_input") == \
        "pass --allow-pickle, --device 'cuda:1' and --input-shape"


@pytest.mark.parametrize("argv, fragment", [
    (["LAGUERRE"], "LAGUERRE needs --m"),
    (["JACOBI", "--m1", "6"], "JACOBI needs --m2"),
    (["LAGUERRE", "--m", "3"], "--m must be larger than -N - 1 = 3, got 3"),
    (["JACOBI", "--m1", "6", "--m2", "2.5"], "--m2 must be larger than -N - 1 = 3, got 2.5"),
    (["LAGUERRE", "--m", "1e300", "--beta", "2"], "--beta times --m must be at most 1e+300"),
    (["JACOBI", "--m1", "6e299", "--m2", "6e299"], "--beta times --m1 + --m2 must be at most 1e+300"),
    (["LAGUERRE", "--m", "-6"], "argument --m"),
    (["JACOBI", "--m1", "nan", "--m2", "6"], "argument --m1"),
    (["WISHART", "--m", "6"], "argument ensemble"),
])
def test_cli_laguerre_and_jacobi_errors(capsys, tmp_path, argv, fragment):
    main_error(capsys, ["ensemble", *argv, "-N", "4", "-M", "2", "--out", tmp_path / "x.npz"], fragment)
    assert not (tmp_path / "x.npz").exists()


@pytest.mark.parametrize("kind, dof", [(["LAGUERRE", "--m", "1200"], 5),
                                                   (["JACOBI", "--m1", "1200", "--m2", "1500"], 8)])
def test_cli_eigenvalue_ensembles_memory_counts_output_and_work(capsys, monkeypatch, tmp_path, kind, dof):
    """Output twice, the chunks' bookkeeping and the bidiagonal models' work arrays (``dof`` arrays of N floats
    per matrix of a running chunk): one byte less than that is refused."""
    from bristol.parallel import _CHUNK_BYTES

    n, m, chunk = 1000, 40, 20
    need = 2 * 8 * m * n + _CHUNK_BYTES * 2 + chunk * 8 * dof * n
    argv = ["ensemble", *kind, "-N", n, "-M", m, "--chunk-size", chunk, "--no-progress", "--out", tmp_path / "x.npz"]
    monkeypatch.setattr(_validation, "physical_memory", lambda: need - 1)
    main_error(capsys, argv, f"-M {m} x -N {n} eigenvalues", "of memory on this machine")
    monkeypatch.setattr(_validation, "physical_memory", lambda: need)
    assert cli.main([str(a) for a in argv]) == 0
    assert np.load(tmp_path / "x.npz")["eigvals"].shape == (m, n)


@pytest.mark.slow
def test_cli_cpse_errors_exit_2(tmp_path):
    (tmp_path / "junk.pt").write_text("junk")
    for args in (["cpse", "no_such_model"], ["cpse", "junk.pt"], ["cpse", "missing.pt"]):
        assert_usage_error(run(args + ["--no-progress"], cwd=tmp_path))


def test_cli_errors_exit_2(tmp_path):
    for extra, fragment in ((["XYZ", "-N", "4", "-M", "2"], "argument ensemble"),
                            (["-N", "0", "-M", "2"], "argument -N"),
                            (["-N", "4", "-M", "2", "--beta", "-1"], "argument --beta"),
                            (["-N", "4", "-M", "2", "--seed", "-5"], "argument --seed"), (["-N", "4"], "-M")):
        assert_usage_error(run(["ensemble"] + extra + ["--out", "x.npz"], cwd=tmp_path), fragment)
    assert_usage_error(run([]), "command")
    assert snapshot(tmp_path) == {}


@pytest.mark.parametrize("seed", ["-1", str(2**64), "1.5"])
def test_cli_cpse_seed_range(capsys, seed):
    main_error(capsys, ["cpse", SMALL, "--seed", seed], "argument --seed")


def test_cli_missing_torch_gives_the_install_hint(tmp_path):
    code = "import sys; sys.modules['torch'] = None; from bristol.cli import main; sys.exit(main(sys.argv[1:]))"
    env = {**os.environ, "PYTHONPATH": REPO}
    res = subprocess.run([sys.executable, "-c", code, "cpse", SMALL], capture_output=True, text=True, env=env,
                         cwd=tmp_path)
    assert_usage_error(res, "pip install 'bristol[torch]'")


def test_cli_warnings_one_line_each_and_strict_json(tmp_path, capsys, monkeypatch):
    """d_l = 0 and modules that never ran reach stderr, one line each; the -inf cpse is
    written as null with a reason, in strict JSON."""
    monkeypatch.setattr(cPSE, "resolve_model", lambda *args, **kwargs: Tiny())
    assert cli.main(["cpse", "resnet18", "--input-shape", "2", "6", "--no-progress", "--json",
                     str(tmp_path / "t.json")]) == 0
    out, err = capsys.readouterr()
    lines = err.splitlines()
    assert len(lines) == 2 and all(line.startswith("bristol: warning: ") for line in lines), err
    assert "did not run in the forward pass (unused)" in lines[0] and "d_l = 0 at l = [1, 2, 3]" in lines[1]

    def no_constants(name):
        raise AssertionError(f"{name} in the JSON")

    report = json.loads((tmp_path / "t.json").read_text(), parse_constant=no_constants)
    assert report["cpse"] is None and "d_l = 0 at l = [1, 2, 3]" in report["cpse_reason"]
    assert report["d_layers"] == [0.0, 0.0, 0.0] and "cpse = -inf" in out


def test_cli_bugs_are_not_usage_errors(monkeypatch, tmp_path):
    """An internal error propagates (traceback, exit 1) instead of posing as a usage error."""

    def bug(*args, **kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr(cPSE, "resolve_model", lambda *args, **kwargs: Tiny())
    monkeypatch.setattr(cPSE, "cpse_report", bug)
    with pytest.raises(RuntimeError, match="a bug"):
        cli.main(["cpse", "resnet18", "--no-progress"])


# --- 6. --jobs ----------------------------------------------------------------------------------

@pytest.mark.parametrize("jobs, ok", [("1", True), ("4", True), ("-1", True), ("0", False), ("2.5", False),
                                      ("two", False), ("", False)])
def test_cli_jobs_validated(capsys, tmp_path, jobs, ok):
    argv = ["ensemble", "-N", "4", "-M", "2", "--out", str(tmp_path / "x.npz"), "--jobs", jobs]
    if ok:
        assert cli.build_parser().parse_args(argv).jobs == int(jobs)
    else:
        main_error(capsys, argv, "argument --jobs")


# --- 7. property: any argument list gives exit 0 or a one-line exit 2 -----------------------------

OPTIONS = ["-N", "-M", "--beta", "--seed", "--chunk-size", "--jobs", "--out", "--no-progress", "--m", "--m1", "--m2"]
VALUES = ["1", "2", "3", "0", "-1", "2.5", "nan", "inf", "1e400", "abc", "", "OUT", "DIR", "MISSING", "CSE"]


@settings(max_examples=40, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.sampled_from(["CUE", "COE", "cse", "XYZ", "laguerre", "JACOBI"]), max_size=1),
       st.lists(st.tuples(st.sampled_from(OPTIONS), st.lists(st.sampled_from(VALUES), min_size=0, max_size=2)),
                max_size=4))
def test_cli_ensemble_random_arguments(tmp_path, capsys, ensemble, options):
    """Valid arguments (small sizes) and any mix of flags and values: exit 0, or 2 with one line."""
    (tmp_path / "DIR").mkdir(exist_ok=True)
    paths = {"OUT": str(tmp_path / "out.npz"), "DIR": str(tmp_path / "DIR"), "MISSING": str(tmp_path / "m" / "x")}
    argv = ["ensemble", *ensemble, "-N", "3", "-M", "2", "--no-progress", "--out", paths["OUT"]]
    argv += [paths.get(token, token) for flag, values in options for token in [flag, *values]]
    try:
        code = cli.main(argv)
    except SystemExit as stop:
        code = stop.code
    out, err = capsys.readouterr()
    assert code in (0, 2), (argv, err)
    if code == 2:
        assert len(err.splitlines()) == 1 and err.startswith("bristol: error: "), (argv, err)
    else:
        data = np.load(paths["OUT"])
        assert data["eigvals" if "eigvals" in data else "eigphases"].shape[0] > 0 and err == ""


# --- --baseline -----------------------------------------------------------------------------------

def _layered():
    torch.manual_seed(0)
    return nn.Sequential(*[nn.Linear(8 * (1 + k % 3), 8 * (1 + (k + 1) % 3)) for k in range(5)])


def test_cli_cpse_baseline_in_every_output(tmp_path, capsys, monkeypatch):
    """--baseline N --seed S: the baseline of cpse_report(baseline=N, random_state=SeedSequence(S)) in the
    table, the strict JSON (with its seeds and z-scores), the CSV columns and the plot's band."""
    monkeypatch.setattr(cPSE, "resolve_model", lambda *args, **kwargs: _layered())
    paths = {k: str(tmp_path / f"b.{k}") for k in ("json", "csv", "png")}
    argv = ["cpse", "resnet18", "--baseline", "3", "--seed", "4", "--no-progress", "--json", paths["json"],
            "--csv", paths["csv"], "--plot", paths["png"]]
    assert cli.main(argv) == 0
    out, err = capsys.readouterr()
    expected = cPSE.cpse_report(_layered(), baseline=3, random_state=np.random.SeedSequence(4))
    base = json.loads(Path(paths["json"]).read_text())["baseline"]
    assert base["n_draws"] == 3 and [s["entropy"] for s in base["seeds"]] == [4] * 3
    assert base["z_cpse"] == pytest.approx(expected.zscores.cpse, rel=1e-12)
    assert np.allclose(base["d_layers_mean"], expected.baseline.d_layers_mean, rtol=1e-12)
    assert base["variance_rule"] == "layer" and "Laguerre" in base["definition"]
    rows = list(csv.DictReader(open(paths["csv"])))
    assert float(rows[1]["d_layer_z"]) == pytest.approx(expected.zscores.d_layers[0], rel=1e-12)
    assert rows[0]["d_layer_z"] == ""
    assert f"z = {expected.zscores.cpse:.3f}" in out and "baseline mean ± std" in out and err == ""
    assert Path(paths["png"]).stat().st_size > 2000
    assert cli.main(argv) == 0
    assert json.loads(Path(paths["json"]).read_text())["baseline"] == base


def test_cli_cpse_baseline_without_seed_records_the_entropy(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(cPSE, "resolve_model", lambda *args, **kwargs: _layered())
    assert cli.main(["cpse", "resnet18", "--baseline", "2", "--no-progress", "--json", str(tmp_path / "e.json")]) == 0
    seeds = json.loads((tmp_path / "e.json").read_text())["baseline"]["seeds"]
    assert seeds[0]["entropy"] == seeds[1]["entropy"] and seeds[0]["entropy"] > 2**64


@pytest.mark.parametrize("argv, fragment", [
    (["cpse", SMALL, "--baseline", "1"], "argument --baseline: expected an integer >= 2"),
    (["cpse", SMALL, "--baseline", "x"], "argument --baseline"),
    (["cpse", SMALL, "--legacy", "--baseline", "3"], "--legacy cannot be combined with --baseline"),
])
def test_cli_baseline_errors(capsys, argv, fragment):
    main_error(capsys, argv, fragment)


def test_cli_seed_with_baseline_applies_to_files(capsys, small_state_dict):
    """--seed is refused for a file alone, but seeds --baseline for one."""
    main_error(capsys, ["cpse", small_state_dict, "--arch", SMALL, "--seed", "3"], "or to --baseline")
    assert cli.main(["cpse", str(small_state_dict), "--arch", SMALL, "--baseline", "2", "--seed", "3",
                     "--no-progress"]) == 0
    assert "baseline cpse = " in capsys.readouterr().out


# --- --include / --exclude ----------------------------------------------------------------------

def test_cli_include_exclude_select_layers(tmp_path, capsys):
    """Repeatable flags reach cpse_report; tied weights and notes are written to JSON and CSV."""
    torch.manual_seed(0)
    model = nn.Sequential(nn.Embedding(30, 8), *[nn.Linear(8, 8) for _ in range(4)], nn.Linear(8, 30, bias=False))
    model[5].weight = model[0].weight
    torch.save(model, tmp_path / "m.pt")
    argv = ["cpse", tmp_path / "m.pt", "--allow-pickle", "--no-progress", "--exclude", "1", "--exclude", "2",
            "--json", tmp_path / "r.json", "--csv", tmp_path / "r.csv"]
    assert cli.main([str(a) for a in argv]) == 0
    expected = cPSE.cpse_report(model, exclude=["1", "2"])
    report = json.loads((tmp_path / "r.json").read_text())
    assert report["cpse"] == pytest.approx(expected.cpse, rel=1e-12)
    assert [r["name"] for r in report["layers"] if r["status"] == "used"] == ["0", "3", "4"]
    assert report["layers"][0]["shared_with"] == ["5.weight"]
    rows = list(csv.DictReader(open(tmp_path / "r.csv")))
    assert rows[0]["shared_with"] == "5.weight" and "note" in rows[0]
    capsys.readouterr()
    main_error(capsys, argv[:4] + ["--include", "nothing*"], "--include: 'nothing*' matches no layer matrix")
    main_error(capsys, argv[:4] + ["--legacy", "--exclude", "1"], "--legacy", "--include / --exclude")
