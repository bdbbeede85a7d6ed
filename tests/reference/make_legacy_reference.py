"""Compute reference values with bristol 0.2.14 itself, for the compatibility tests.

bristol 0.2.14 is installed into a side folder, never next to this package:

    pip install --no-deps --target /tmp/bristol0214 bristol==0.2.14
    python tests/reference/make_legacy_reference.py /tmp/bristol0214

It writes tests/reference/legacy_0214.json with the inputs' recipes, the outputs, the versions
of numpy/torch/torchvision and the BLAS thread count used (legacy numbers depend on them:
float32 weights, LAPACK's general eigen-solver and its output order; float32 BLAS results
change with the number of threads). Run it with the default thread count of a 2-core machine.

The model cases (float32 weights) also depend on numpy's version, its BLAS's version and the
kernel that BLAS picks for the processor (threadpoolctl's "version" and "architecture";
``OPENBLAS_CORETYPE`` forces a kernel): numpy 2.5.2 on a machine whose OpenBLAS names the
SkylakeX kernel gave the numbers recorded for Haswell, so the kernel alone does not key them.
They are stored under ``models`` as a list of entries ``{"conditions": {"numpy",
"blas_version", "blas_kernel"}, "cases": {...}}``: running the script under other conditions
adds an entry (or replaces the one with the same conditions) and keeps the others. The tests
compare exactly only under recorded conditions and otherwise skip, naming both.
"""
import contextlib
import io
import json
import sys
from pathlib import Path

import numpy as np


def spectral_cases(Ergodicity):
    ergo = Ergodicity()
    out = {}
    rs = np.random.RandomState(1235)
    out["kl_1235"] = ergo.kl_distance_symmetric(rs.random_sample(100), rs.random_sample(100))
    for dtype in ("float64", "float32"):
        values = np.random.RandomState(7).standard_normal(5 * 40).astype(dtype) ** 2
        out[f"tm_real_{dtype}"] = ergo.thirumalai_mountain(values, 5, 40).tolist()
        out[f"density_real_{dtype}"] = ergo.spectral_density(values, 5, 40).tolist()
    # phases strictly below 0.2.14's last bin edge: there its grid and ours agree
    delta = 2 * np.pi / 32
    last_edge = np.arange(-np.pi, np.pi, delta)[-1]
    phases = np.random.RandomState(8).uniform(-np.pi, last_edge, 6 * 50)
    out["tm_phase_delta"] = delta
    out["tm_phase_n_edges"] = int(np.arange(-np.pi, np.pi, delta).size)
    out["tm_phase"] = ergo.thirumalai_mountain(np.exp(1j * phases), 6, 50, delta).tolist()
    data = {f"N{n}": {"c_eigen": np.random.RandomState(n).standard_normal(4 * n) ** 2} for n in (8, 16, 32)}
    out["approach_se_real"] = ergo.approach_se([8, 16, 32], 4, data)
    return out


def vanilla_cases(cPSE):
    cases = {}
    rs = np.random.RandomState(42)
    cases["readme_10x64"] = [rs.normal(size=(64, 64)) for _ in range(10)]
    rs = np.random.RandomState(0)
    cases["mixed_sizes"] = [rs.normal(size=(n, n)) for n in (8, 16, 32, 32, 16)]
    rs = np.random.RandomState(3)
    cases["rectangular"] = [rs.normal(size=s) for s in ((20, 30), (12, 40), (20, 5), (7, 9), (20, 20))]
    rs = np.random.RandomState(4)
    cases["nonmultiple_sizes"] = [rs.normal(size=(n, n)) for n in (24, 9, 24, 14, 17, 24)]
    out = {}
    for name, mats in cases.items():
        d, c = cPSE.cpse_measure_vanilla(mats)
        out[name] = {"d_layers": [float(x) for x in d], "cpse": float(c)}
    return out


def model_cases(cPSE):
    import torch
    import torchvision

    out = {}
    for name in ("vgg11", "resnet18", "alexnet"):
        torch.manual_seed(0)
        model = getattr(torchvision.models, name)(weights=None)
        d, c = cPSE.cpse_measure(model)
        out[name] = {"d_layers": [float(x) for x in d], "cpse": float(c)}
    return out


def blas_conditions():
    """What the float32 legacy numbers depend on besides the thread count: numpy's version and
    the version and kernel of the BLAS numpy uses (threadpoolctl's "version" and
    "architecture"). numpy's BLAS is the one loaded from numpy's own folders (``numpy.libs``
    in the wheels), not scipy's or torch's; a numpy linked to a system BLAS has none there,
    and the first BLAS loaded is taken."""
    from threadpoolctl import threadpool_info

    blas = [d for d in threadpool_info() if d["user_api"] == "blas"]
    own = [d for d in blas if any(part == "numpy" or part.startswith("numpy.") for part in Path(d["filepath"]).parts)]
    chosen = (own or blas)[0]
    return {"numpy": np.__version__, "blas_version": chosen.get("version"), "blas_kernel": chosen.get("architecture")}


def main(side_folder):
    sys.path.insert(0, side_folder)
    import bristol

    assert bristol.__file__.startswith(side_folder), bristol.__file__
    import torch
    import torchvision
    from threadpoolctl import threadpool_info

    from bristol import cPSE
    from bristol.spectral import Ergodicity

    blas = [d for d in threadpool_info() if d["user_api"] == "blas"]
    blas_threads = max(d["num_threads"] for d in blas)
    conditions = blas_conditions()
    path = Path(__file__).with_name("legacy_0214.json")
    recorded = json.loads(path.read_text()).get("models", []) if path.exists() else []
    models = [entry for entry in recorded if entry["conditions"] != conditions]
    with contextlib.redirect_stdout(io.StringIO()):  # 0.2.14 prints from d_layers_pse
        models.append({"conditions": conditions, "cases": model_cases(cPSE)})
        payload = {
            "versions": {"bristol": "0.2.14", "numpy": np.__version__, "torch": torch.__version__,
                         "torchvision": torchvision.__version__},
            # float32 BLAS/LAPACK results depend on the thread count: the tests use the same one
            "blas_threads": blas_threads,
            "spectral": spectral_cases(Ergodicity),
            "vanilla": vanilla_cases(cPSE),
            "models": models,
        }
    path.write_text(json.dumps(payload, indent=1))
    print(f"wrote {path}")


if __name__ == "__main__":
    main(sys.argv[1])
