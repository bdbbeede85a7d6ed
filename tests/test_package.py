"""Packaging: version, fast import without torch, the command line."""
import json
import subprocess
import sys

import numpy as np

import bristol


def test_version():
    assert isinstance(bristol.__version__, str) and bristol.__version__.count(".") == 2


def test_import_is_light():
    code = "import sys, bristol, bristol.ensembles; print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in ('torch', 'torchvision', 'matplotlib', 'dask'))))"
    out = subprocess.run([sys.executable, "-c", "import json;" + code], capture_output=True, text=True, check=True)
    assert json.loads(out.stdout) == []


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
