"""cPSE of a TinyLlama-1.1B-shaped bf16 checkpoint: linear algebra, in memory, from disk; one run.

    python benchmarks/bench_checkpoint.py [--layers 22] [--out checkpoint]

Builds a random-init Llama with TinyLlama-1.1B's shapes (hidden 2048, intermediate 5632, 22
layers, 32 heads, 4 key-value heads, vocabulary 32000, untied head) in bfloat16 with
transformers, saves it with ``save_pretrained`` (safetensors) to a temporary folder, and
measures side by side:

(a) the layers' own Gram products and eigen-solves (``numpy_gram_eigvalsh``, the backend
    ``gram_spectra`` uses), each matrix already in memory as float64 (its conversion not
    timed): the floor for this definition;
(b) ``cpse_report(model)`` of the model in memory; (b') the same without the layer policy's
    separate NaN / Inf pass (redundant: ``gram_spectra`` finds them in its scaling);
(c0) the streaming path without the model definition in a fresh subprocess: each matrix a
    ``LazyMatrix`` read by ``safetensors.safe_open`` right before its solve, in (b)'s order,
    then d_layers and cpse;
(c) ``cpse_report(folder)`` from disk in a fresh subprocess, after its imports. Skipped, with
    a message, by a bristol that cannot read a checkpoint folder yet.

For (c0) and (c): the peak resident memory of the process, imports included (its own
``ru_maxrss``; the launcher's ``RUSAGE_CHILDREN`` too), and after the imports alone.

Targets: (c) within 1.15x of (a), its peak under 2 GB. The memory of a 7B shape (hidden
4096, intermediate 11008, 32 layers) follows per layer: the working memory above the imports
is a small multiple of the largest matrix in float64 (``gram_spectra`` solves one matrix at a
time), so the script scales (c)'s measured working memory by the ratio of the largest
matrices (the d x V embedding, 2048 x 32000 here, 4096 x 32000 there) and prints the
estimate. Threads: as the environment sets them (printed and recorded). Writes
benchmarks/results/<NAME>.json (default checkpoint).
"""
import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from _common import Launcher, table, write  # noqa: E402

#: Started before anything heavy is imported (see _common.Launcher).
LAUNCHER = Launcher()

import numpy as np  # noqa: E402
import torch  # noqa: E402
import transformers  # noqa: E402
from threadpoolctl import threadpool_info  # noqa: E402

from bristol import cPSE  # noqa: E402
from bristol.cPSE import _layers  # noqa: E402
from bristol.layers import extract_layer_matrices  # noqa: E402
from bristol.pse import numpy_gram_eigvalsh  # noqa: E402

TINYLLAMA = dict(hidden_size=2048, intermediate_size=5632, num_hidden_layers=22, num_attention_heads=32,
                 num_key_value_heads=4, vocab_size=32000, tie_word_embeddings=False)
LLAMA_7B = dict(hidden_size=4096, intermediate_size=11008, num_hidden_layers=32, vocab_size=32000)

#: (c) in a fresh process: imports first (their memory is reported apart), then the timed call.
FROM_DISK = """
import json, resource, sys, time
sys.path.insert(0, sys.argv[1])
import safetensors, torch, transformers
from bristol import cPSE
imports_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
t0 = time.perf_counter()
try:
    report = cPSE.cpse_report(sys.argv[2])
except ValueError as err:
    if "not a regular file" in str(err) or "unknown model name" in str(err):
        print(json.dumps({"unsupported": str(err)}))
        sys.exit(0)
    raise
print(json.dumps({"seconds": time.perf_counter() - t0, "cpse": report.cpse, "imports_kb": imports_kb,
                  "peak_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))
"""

#: (c0) in a fresh process: the streaming path without the model definition -- each matrix a
#: LazyMatrix read by safetensors.safe_open right before its solve, in the in-memory report's
#: order (argv[3]: JSON list of [parameter, transposed]) -- so the memory and time of reading
#: from disk are measured before cpse_report reads folders.
STREAMED = """
import json, resource, sys, time
from pathlib import Path
sys.path.insert(0, sys.argv[1])
import safetensors, torch
from bristol.periodic import periodic_extension
from bristol.pse import LazyMatrix, cpse_from_d_layers, d_layers, gram_spectra
imports_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
t0 = time.perf_counter()
folder = Path(sys.argv[2])
index = folder / "model.safetensors.index.json"
files = json.loads(index.read_text())["weight_map"] if index.exists() else None
def read(name, transposed):
    with safetensors.safe_open(folder / (files[name] if files else "model.safetensors"), "pt") as f:
        t = f.get_tensor(name)
    return t.T if transposed else t
lazy = []
for name, transposed, shape in json.loads(sys.argv[3]):
    lazy.append(LazyMatrix(shape, False, lambda n=name, t=transposed: read(n, t)))
spectra = gram_spectra(lazy, power=2)
cpse = cpse_from_d_layers(d_layers(periodic_extension(spectra)))
print(json.dumps({"seconds": time.perf_counter() - t0, "cpse": cpse, "imports_kb": imports_kb,
                  "peak_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))
"""


def linear_algebra_seconds(model):
    """(a): the summed time of each layer matrix's Gram product and eigen-solve, the matrix
    converted to float64 beforehand (untimed, one at a time)."""
    total = 0.0
    for m in extract_layer_matrices(model)[0]:
        x = m.matrix.double().numpy()[None]
        t0 = time.perf_counter()
        numpy_gram_eigvalsh(x)
        total += time.perf_counter() - t0
        del x
    return total


def in_memory_without_separate_check(model, cpse):
    """(b'): (b) with the layer policy's separate NaN / Inf pass (``check_matrix_values``) made a
    no-op: ``gram_spectra`` finds a NaN or Inf in the min/max of its scaling, so the pass is
    redundant; this is (b)'s time once it is gone. Checks that the cpse is unchanged."""
    real = _layers.check_matrix_values
    _layers.check_matrix_values = lambda matrix: None
    try:
        t0 = time.perf_counter()
        assert cPSE.cpse_report(model).cpse == cpse
        return time.perf_counter() - t0
    finally:
        _layers.check_matrix_values = real


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--layers", type=int, default=TINYLLAMA["num_hidden_layers"],
                        help="decoder layers (22: TinyLlama-1.1B; fewer for a quick check)")
    parser.add_argument("--out", default="checkpoint", help="name of the JSON file in benchmarks/results")
    args = parser.parse_args()
    shape = {**TINYLLAMA, "num_hidden_layers": args.layers}
    torch.manual_seed(0)
    torch.set_default_dtype(torch.bfloat16)  # built in bf16: no float32 copy of the model
    model = transformers.LlamaForCausalLM(transformers.LlamaConfig(**shape)).eval()
    torch.set_default_dtype(torch.float32)
    rows, result = [], dict(shape=shape, dtype="bfloat16", torch=torch.__version__,
                            transformers=transformers.__version__, torch_threads=torch.get_num_threads(),
                            blas_threads={d["internal_api"]: d["num_threads"] for d in threadpool_info()})
    with tempfile.TemporaryDirectory() as folder:
        model.save_pretrained(folder)
        result["checkpoint_bytes"] = sum(p.stat().st_size for p in Path(folder).iterdir())
        t_linalg = linear_algebra_seconds(model)
        t0 = time.perf_counter()
        report = cPSE.cpse_report(model)
        t_memory = time.perf_counter() - t0
        t_unchecked = in_memory_without_separate_check(model, report.cpse)
        params = dict(model.named_parameters())
        order = [[f"{r.name}.weight", tuple(params[f"{r.name}.weight"].shape) != r.matrix_shape, r.matrix_shape]
                 for r in report.used]
        del model, params
        streamed = LAUNCHER.run(STREAMED, ROOT, folder, json.dumps(order))
        disk = LAUNCHER.run(FROM_DISK, ROOT, folder)
    largest = max(int(np.prod(r.matrix_shape)) for r in report.used)
    LAUNCHER.close()
    result.update(layer_matrices=len(report.used), largest_matrix_entries=largest, linalg_s=t_linalg,
                  in_memory_s=t_memory, in_memory_without_separate_check_s=t_unchecked, cpse=report.cpse)
    rows.append(("(a) Gram + eigen-solve, float64 in memory", f"{t_linalg:.1f}", "1.00", "", ""))
    rows.append(("(b) cpse_report(model in memory)", f"{t_memory:.1f}", f"{t_memory / t_linalg:.2f}", "",
                 f"{report.cpse:.12f}"))
    rows.append(("(b') (b) without the policy's finiteness pass", f"{t_unchecked:.1f}",
                 f"{t_unchecked / t_linalg:.2f}", "", ""))
    for key, what, child in (("streamed", "(c0) gram_spectra of LazyMatrix (safe_open)", streamed),
                             ("from_disk", "(c) cpse_report(folder), subprocess", disk)):
        if "unsupported" in child:
            print(f"{what} skipped: this bristol cannot read a checkpoint folder yet ({child['unsupported']})")
            result[key] = "skipped: " + child["unsupported"]
            continue
        working = (child["peak_kb"] - child["imports_kb"]) * 1024
        per_entry = working / largest  # bytes of working memory per entry of the largest matrix
        estimate_7b = child["imports_kb"] * 1024 + per_entry * LLAMA_7B["hidden_size"] * LLAMA_7B["vocab_size"]
        rows.append((what, f"{child['seconds']:.1f}", f"{child['seconds'] / t_linalg:.2f}",
                     f"{child['peak_kb'] / 2**20:.2f}", f"{child['cpse']:.12f}"))
        result[key] = dict(seconds=child["seconds"], cpse=child["cpse"], peak_rss_bytes=child["peak_kb"] * 1024,
                           launcher_children_peak_rss_bytes=child["children_peak_kb"] * 1024,
                           imports_rss_bytes=child["imports_kb"] * 1024, working_bytes_per_largest_entry=per_entry,
                           estimate_7b_peak_rss_bytes=estimate_7b)
        print(f"{what}: peak RSS {child['peak_kb'] / 2**20:.2f} GiB = imports {child['imports_kb'] / 2**20:.2f} GiB "
              f"+ working {working / 2**30:.2f} GiB ({per_entry:.1f} bytes per entry of the largest matrix, "
              f"{largest} entries); 7B shape (largest {LLAMA_7B['hidden_size']} x {LLAMA_7B['vocab_size']}): "
              f"~{estimate_7b / 2**30:.2f} GiB")
        if child["cpse"] != report.cpse:
            print(f"WARNING: {what}: cpse {child['cpse']!r} differs from in memory {report.cpse!r}")
    print(f"\nTinyLlama-1.1B-shaped bf16 ({args.layers} layers, {len(report.used)} matrices, checkpoint "
          f"{result['checkpoint_bytes'] / 2**30:.2f} GiB); torch threads {torch.get_num_threads()}, BLAS threads "
          f"{result['blas_threads']}")
    table(rows, ("what", "seconds", "x (a)", "peak RSS GiB", "cpse"))
    write(args.out, result)


if __name__ == "__main__":
    main()
