"""The command line, run as a subprocess."""
import csv
import json
import subprocess
import sys

import numpy as np
import pytest

torch = pytest.importorskip("torch")
torchvision = pytest.importorskip("torchvision")

BRISTOL = [sys.executable, "-m", "bristol"]


def test_cli_ensemble_job(tmp_path):
    out = tmp_path / "cue.npz"
    args = [sys.executable, "-m", "bristol", "ensemble", "CSE", "-N", "64", "-M", "6", "--seed", "3", "--no-progress"]
    subprocess.run(args + ["--jobs", "1", "--out", str(out)], check=True, capture_output=True)
    data = np.load(out)
    meta = json.loads(str(data["metadata"]))
    assert data["eigphases"].shape == (6, 64) and meta["beta"] == 4 and meta["N"] == 64
    assert sum(c["size"] for c in meta["chunks"]) == 6
    out2 = tmp_path / "cue2.npz"
    subprocess.run(args + ["--jobs", "2", "--out", str(out2)], check=True, capture_output=True)
    assert np.array_equal(data["eigphases"], np.load(out2)["eigphases"])


def test_cli_errors_exit_2(tmp_path):
    base = [sys.executable, "-m", "bristol", "ensemble"]
    for extra in (["XYZ", "-N", "4", "-M", "2"], ["-N", "0", "-M", "2"], ["-N", "4", "-M", "2", "--beta", "-1"],
                  ["-N", "4", "-M", "2", "--seed", "-5"]):
        res = subprocess.run(base + extra + ["--out", str(tmp_path / "x.npz")], capture_output=True, text=True)
        assert res.returncode == 2, extra
        assert "error" in res.stderr
    res = subprocess.run(base + ["-N", "4", "-M", "2", "--out", str(tmp_path / "missing" / "x.npz"), "--no-progress"],
                         capture_output=True, text=True)
    assert res.returncode == 2 and "No such file" in res.stderr


@pytest.mark.slow
def test_cli_cpse_outputs(tmp_path):
    out = subprocess.run(BRISTOL + ["cpse", "resnet18", "--no-progress", "--json", str(tmp_path / "r.json"),
                                    "--csv", str(tmp_path / "r.csv"), "--plot", str(tmp_path / "r.png")],
                         capture_output=True, text=True, check=True)
    report = json.loads((tmp_path / "r.json").read_text())
    from bristol import cPSE

    torch.manual_seed(0)
    d, c = cPSE.cpse_measure(torchvision.models.resnet18(weights=None))
    assert report["cpse"] == pytest.approx(c, rel=1e-12) and np.allclose(report["d_layers"], d, rtol=1e-12)
    assert f"cpse = {c:.10g}" in out.stdout and "layer4.1.conv2" in out.stdout
    rows = list(csv.DictReader(open(tmp_path / "r.csv")))
    assert len(rows) == 21 and rows[0]["name"] == "conv1"
    assert (tmp_path / "r.png").stat().st_size > 1000
    assert out.stderr == "" or "Traceback" not in out.stderr


@pytest.mark.slow
def test_cli_cpse_forward_order(tmp_path):
    """--input-shape takes the layers in forward order (resnet18 runs its layers in registration order)."""
    res = subprocess.run(BRISTOL + ["cpse", "resnet18", "--input-shape", "1", "3", "32", "32", "--no-progress",
                                    "--json", str(tmp_path / "f.json")], capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
    report = json.loads((tmp_path / "f.json").read_text())
    torch.manual_seed(0)
    from bristol import cPSE

    d, c = cPSE.cpse_measure(torchvision.models.resnet18(weights=None))
    assert report["layer_order"] == "forward on zeros(1, 3, 32, 32)" and report["cpse"] == pytest.approx(c, rel=1e-12)


@pytest.mark.slow
def test_cli_cpse_state_dict_and_legacy(tmp_path):
    torch.manual_seed(0)
    net = torchvision.models.resnet18(weights=None)
    torch.save(net.state_dict(), tmp_path / "sd.pt")
    res = subprocess.run(BRISTOL + ["cpse", str(tmp_path / "sd.pt"), "--arch", "resnet18", "--legacy", "--no-progress",
                                    "--json", str(tmp_path / "l.json")], capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
    assert "legacy 0.2.14" in res.stdout
    assert np.isfinite(json.loads((tmp_path / "l.json").read_text())["cpse"])


@pytest.mark.slow
def test_cli_cpse_errors_exit_2(tmp_path):
    (tmp_path / "junk.pt").write_text("junk")
    for args in (["cpse", "no_such_model"], ["cpse", str(tmp_path / "junk.pt")],
                 ["cpse", str(tmp_path / "missing.pt")], ["cpse", "resnet18", "--device", "cuda:7"]):
        res = subprocess.run(BRISTOL + args + ["--no-progress"], capture_output=True, text=True)
        if args[-1] == "cuda:7" and torch.cuda.is_available():
            continue
        assert res.returncode == 2, (args, res.stderr)
        assert "bristol: error:" in res.stderr and "Traceback" not in res.stderr
