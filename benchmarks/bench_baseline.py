"""cpse_baseline of a torchvision model (weights=None, seeded) against dense Gram matrices, one run.

    python benchmarks/bench_baseline.py [--model resnet50] [--draws 20] [--dense-draws 3] [--out NAME]

Measures, side by side in one process:

* ``cpse_baseline(model, draws, random_state=0)``: the Laguerre bidiagonal path (the library's),
  serial (``n_jobs=1``; each draw runs with one BLAS thread, as every chunked job of bristol);
* the dense alternative for ``dense_draws`` draws: Gaussian matrices of the same shapes and
  variances, their Gram spectra through the measure's own path (``gram_spectra``, syrk +
  symmetric eigen-solve), periodic extension and d_layers: what a baseline without the
  bidiagonal model would cost. Also with one BLAS thread (threadpoolctl), so the ratio compares
  the algorithms on one core each; a busy machine distorts multi-threaded BLAS most;
* the model's own ``cpse_report`` (the measure being compared with the baseline).

Reports seconds per draw of each and their ratio, the model's cpse with the baseline's mean,
std and z, and writes benchmarks/results/<NAME>.json (default baseline), with the machine's load
average (a busy machine: ratios measured in one run are what to compare).
"""
import argparse
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402
import torch  # noqa: E402
from threadpoolctl import threadpool_limits  # noqa: E402

from bristol import cPSE  # noqa: E402
from bristol.cPSE._pse import d_layers, gram_spectra  # noqa: E402
from bristol.periodic import periodic_extension  # noqa: E402

from _common import seeded_model, table, timed, write  # noqa: E402


def dense_draw(shapes, variances, rng):
    """One draw of the baseline with dense Gaussian matrices and their Gram spectra (sigma^4)."""
    mats = [rng.standard_normal(s) * np.sqrt(v) for s, v in zip(shapes, variances)]
    return d_layers(periodic_extension(gram_spectra(mats, power=2)))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="resnet50")
    parser.add_argument("--draws", type=int, default=20)
    parser.add_argument("--dense-draws", type=int, default=3)
    parser.add_argument("--out", default="baseline")
    args = parser.parse_args()

    net = seeded_model(args.model)
    report, t_report = timed(lambda: cPSE.cpse_report(net))
    base, t_base = timed(lambda: cPSE.cpse_baseline(net, args.draws, 0, n_jobs=1))
    rng = np.random.default_rng(0)
    with threadpool_limits(limits=1):
        dense, t_dense = timed(lambda: [dense_draw(base.shapes, base.variances, rng)
                                        for _ in range(args.dense_draws)])
    z = base.zscores(report)
    per_draw, per_dense = t_base / args.draws, t_dense / args.dense_draws
    rows = [
        (f"cpse_baseline, Laguerre path ({args.draws} draws)", f"{t_base:.2f}", f"{per_draw:.3f}", "1.0"),
        (f"dense G G^T + eigvalsh, 1 thread ({args.dense_draws} draws)", f"{t_dense:.2f}", f"{per_dense:.3f}",
         f"{per_dense / per_draw:.1f}"),
        ("the model's cpse_report (once)", f"{t_report:.2f}", "-", "-"),
    ]
    print(f"{args.model}: {len(base.shapes)} layer matrices, up to {max(n for n, _ in base.shapes)} eigenvalues; "
          f"torch threads {torch.get_num_threads()}")
    table(rows, ("job", "seconds", "s / draw", "x Laguerre per draw"))
    print(f"\ncpse = {report.cpse:.4f}; baseline {base.cpse_mean:.4f} ± {base.cpse_std:.4f} "
          f"({args.draws} draws, variance rule {base.variance_rule}); z = {z.cpse:.2f}")
    print(f"dense draws' cpse: {[round(float(np.mean(np.log10(d))), 4) for d in dense]}")
    write(args.out, {
        "model": args.model, "n_layers": len(base.shapes), "draws": args.draws, "dense_draws": args.dense_draws,
        "seconds": {"baseline": t_base, "baseline_per_draw": per_draw, "dense": t_dense,
                    "dense_per_draw": per_dense, "report": t_report},
        "dense_over_laguerre_per_draw": per_dense / per_draw,
        "cpse": report.cpse, "baseline_cpse_mean": base.cpse_mean, "baseline_cpse_std": base.cpse_std,
        "z_cpse": z.cpse, "torch_threads": torch.get_num_threads(), "load_average_1_5_15_min": os.getloadavg(),
        "threads_note": "cpse_baseline draws (n_jobs=1) and the dense draws both run with one BLAS thread",
    })


if __name__ == "__main__":
    main()
