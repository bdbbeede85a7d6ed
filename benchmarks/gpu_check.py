"""GPU check: verify bristol's torch device paths against the CPU, then time them. One script,
one run (< 6 minutes on one H100). Writes a JSON report.

    python benchmarks/gpu_check.py --out gpu_check.json [--device cuda] [--quick]

Checks: unitarity / symmetry / self-duality of CUE, COE, CSE sampled on the device; the exact
finite-N form factor (chi-square over k = 1..2N+2) on a few thousand device-sampled matrices;
CMV eigenphases on the device against the CPU banded path; cPSE of vgg11 and resnet50 on the
device against the CPU value. Timings: CUE/COE/CSE eigenvalues at N = 1024 and 4096, batch 64
(device vs CPU banded path, the CPU timed on a smaller batch and reported per matrix); cPSE of
vgg11, resnet50, vit_b_16 (device vs CPU).
"""
import argparse
import json
import platform
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402
import torch  # noqa: E402
from scipy import stats  # noqa: E402

from bristol import cPSE  # noqa: E402
from bristol.ensembles import ENSEMBLE_BETA, circular_eigphases, coe, cse, cue  # noqa: E402
from bristol.ensembles._device import quaternion_dual  # noqa: E402
from bristol.theory import circular_form_factor  # noqa: E402

from _common import seeded_model, timed  # noqa: E402


def hotelling(samples, expected):
    diff = samples.mean(0) - expected
    cov = np.cov(samples, rowvar=False)
    stat = samples.shape[0] * diff @ np.linalg.solve(cov, diff)
    return float(stat), float(stats.chi2.ppf(1 - 1e-6, expected.size))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--device", default="cuda")
    parser.add_argument("--out", default="gpu_check.json")
    parser.add_argument("--quick", action="store_true", help="small sizes (to test the script on a CPU)")
    args = parser.parse_args()
    dev = args.device
    report = {"device": dev, "torch": torch.__version__, "python": platform.python_version(), "numpy": np.__version__,
              "gpu": torch.cuda.get_device_name(0) if dev.startswith("cuda") else None, "checks": {}, "timings": {}}
    checks, timings = report["checks"], report["timings"]

    def save():
        Path(args.out).write_text(json.dumps(report, indent=1))

    # 1. structure of device-sampled matrices
    n = 64
    u = cue(n, size=256, random_state=1, device=dev)
    q = cse(n // 2, size=256, random_state=2, device=dev)
    s = coe(n, size=256, random_state=3, device=dev)
    eye = torch.eye(n, dtype=u.dtype, device=u.device)
    checks["cue_unitarity"] = float((u.conj().transpose(-1, -2) @ u - eye).abs().max())
    checks["coe_unitarity"] = float((s.conj().transpose(-1, -2) @ s - eye).abs().max())
    checks["coe_symmetry"] = float((s - s.transpose(-1, -2)).abs().max())
    checks["cse_unitarity"] = float((q.conj().transpose(-1, -2) @ q - eye).abs().max())
    checks["cse_self_duality"] = float((quaternion_dual(q) - q).abs().max())
    print("structure", {k: f"{v:.1e}" for k, v in checks.items()}, flush=True)

    # 2. exact form factor on device-sampled matrices (eigenvalues on the device)
    nf, m = 6, (2000 if args.quick else 6000)
    ks = np.arange(1, 2 * nf + 3)
    for name, beta in ENSEMBLE_BETA.items():
        sampler = {"CUE": cue, "COE": coe}.get(name, lambda *a, **k: cse(*a, **k))
        mats = sampler(nf, size=m, random_state=10 + int(beta), device=dev)
        phases = np.sort(np.angle(torch.linalg.eigvals(mats).cpu().numpy()), axis=1)
        if name == "CSE":
            # Kramers pairs are adjacent after sorting (none straddles pi a.s. at this tolerance)
            phases = phases[:, ::2]
        tm = np.abs(np.exp(1j * ks[None, :, None] * phases[:, None, :]).sum(-1)) ** 2
        stat, limit = hotelling(tm, circular_form_factor(nf, ks, int(beta)))
        checks[f"form_factor_{name}"] = {"chi2": stat, "limit_p1e-6": limit, "dof": int(ks.size), "matrices": m}
    print("form factor", {k: round(v["chi2"], 1) for k, v in checks.items() if k.startswith("form")}, flush=True)
    save()

    # 3. CMV eigenphases: device vs CPU banded path (same Verblunsky draws)
    a = circular_eigphases(512, 2, size=8, random_state=4)
    b = circular_eigphases(512, 2, size=8, random_state=4, device=dev).cpu().numpy()  # a tensor on the device
    checks["cmv_device_vs_cpu_max_abs"] = float(np.abs(a - b).max())

    # 4. cPSE: device vs CPU
    for name in ("resnet18",) if args.quick else ("vgg11", "resnet50"):
        net = seeded_model(name)
        (d_cpu, c_cpu), t_cpu = timed(lambda: cPSE.cpse_measure(net), "cpu")
        (d_dev, c_dev), t_dev = timed(lambda: cPSE.cpse_measure(net, device=dev), dev)
        checks[f"cpse_{name}"] = {"cpu": c_cpu, "device": c_dev, "rel_diff": abs(c_dev - c_cpu) / abs(c_cpu),
                                  "d_layers_max_rel": float(np.max(np.abs(np.array(d_dev) / np.array(d_cpu) - 1)))}
        timings[f"cpse_{name}"] = {"cpu_s": t_cpu, "device_s": t_dev}
        print("cpse", name, checks[f"cpse_{name}"], timings[f"cpse_{name}"], flush=True)
        save()

    # 5. eigenvalue timings, batch 64 on the device; CPU per matrix from a small batch
    for nn in (256,) if args.quick else (1024, 4096):
        for name, beta in ENSEMBLE_BETA.items():
            batch = 4 if args.quick else 64
            circular_eigphases(nn, beta, size=2, random_state=0, device=dev)  # warm-up
            _, t_dev = timed(lambda: circular_eigphases(nn, beta, size=batch, random_state=5, device=dev), dev)
            cpu_batch = 2 if nn >= 4096 else 8
            _, t_cpu = timed(lambda: circular_eigphases(nn, beta, size=cpu_batch, random_state=5), "cpu")
            timings[f"eig_{name}_N{nn}"] = {"batch": batch, "device_s": t_dev, "device_s_per_matrix": t_dev / batch,
                                            "cpu_banded_s_per_matrix": t_cpu / cpu_batch}
            print("eig", name, nn, timings[f"eig_{name}_N{nn}"], flush=True)
            save()
    if not args.quick:
        net = seeded_model("vit_b_16")
        (_, c_cpu), t_cpu = timed(lambda: cPSE.cpse_measure(net), "cpu")
        (_, c_dev), t_dev = timed(lambda: cPSE.cpse_measure(net, device=dev), dev)
        timings["cpse_vit_b_16"] = {"cpu_s": t_cpu, "device_s": t_dev}
        checks["cpse_vit_b_16"] = {"cpu": c_cpu, "device": c_dev, "rel_diff": abs(c_dev - c_cpu) / abs(c_cpu)}
        print("vit", checks["cpse_vit_b_16"], timings["cpse_vit_b_16"], flush=True)
    structure = ("cue_unitarity", "coe_unitarity", "coe_symmetry", "cse_unitarity", "cse_self_duality")
    ok = (max(checks[k] for k in structure) < 1e-12
          and all(v["chi2"] < v["limit_p1e-6"] for k, v in checks.items() if k.startswith("form_factor"))
          and checks["cmv_device_vs_cpu_max_abs"] < 1e-12
          and all(v["rel_diff"] < 1e-10 for k, v in checks.items() if k.startswith("cpse")))
    report["all_checks_pass"] = bool(ok)
    save()
    print("all checks pass" if ok else "SOME CHECKS FAILED", flush=True)


if __name__ == "__main__":
    main()
