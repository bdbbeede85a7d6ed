"""The package's layout: every old import path works, no import cycle, lazy imports, ``__all__``.

The layers, from the bottom: the shared top-level modules (``_validation``, ``_random``,
``_torch``, ``_banded``, ``_lazy``, ``periodic``, ``parallel``, ``theory``); ``ensembles``;
``spectral`` (whose measures of an ensemble specification draw and count its members through
``ensembles``' public functions); ``cPSE`` (which uses ``spectral``); ``_legacy`` (bristol 0.2.14's
API, on all of them). Imports run downwards only; the subpackages re-export the 0.2.14 names lazily.
"""
import ast
import importlib
import inspect
import pathlib
import subprocess
import sys

import numpy as np
import pytest

import bristol

PACKAGE = pathlib.Path(bristol.__file__).parent
SUBPACKAGES = ("ensembles", "spectral", "cPSE", "_legacy")
SHARED = ("_validation", "_random", "_torch", "_banded", "_lazy", "periodic", "parallel", "theory")

# The public names of every module of bristol 0.3.0 before this layout, at their old paths
# (names defined in the module or listed in its __all__; generated from that version's source).
OLD_NAMES = {
    "haar": (
        "HAAR_WORK_ARRAYS", "coe", "cse", "cue", "kramers_phases", "quaternion_dual", "unitary_eigphases",
    ),
    "cmv": (
        "BETA_PARAMETER_RANGE", "BLOCK_ENTRIES", "BOUNDARY_TOL", "DENSE_MAX_N", "DIRECTIONS", "MERGE_TOL",
        "MODULUS_TOL", "TIE_DIRECTION", "VERIFY_TOL", "circular_eigphases", "circular_eigvals",
        "cmv_diagonals", "cmv_eigphases", "cmv_matrix", "matrix_from_diagonals",
        "pentadiagonal_unitary_eigphases", "phases_from_projections", "verblunsky_coefficients",
    ),
    "gaussian": (
        "GAUSSIAN_BETA", "MAX_BETA_DOF", "gaussian_eigvals", "gaussian_ensemble_eigvals", "goe", "gse",
        "gue", "mixed_ensemble_eigvals", "mixed_ensemble_orders", "tridiagonal_model",
    ),
    "torch_backend": (
        "haar_unitary", "hermitian_part_eigvalsh", "quaternion_dual", "resolve_device",
    ),
    "binning": (
        "binned_counts", "count_moments", "histogram_range", "own_range_counts", "uniform_edges",
    ),
    "ergodicity": (
        "KL_SHIFT", "REAL_BINS", "approach_to_ergodicity", "as_ensemble", "consecutive_distances",
        "ensemble_counts", "member_counts", "phase_bin_edges", "spectral_density", "symmetric_kl_distance",
        "thirumalai_mountain",
    ),
    "spectral_stats": (
        "TWO_PI", "arc_counts", "circular_spacings", "form_factor", "gap_ratios", "mean_gap_ratio",
        "number_variance", "spacings", "trace_moments", "unfold",
    ),
    "layers": (
        "LayerMatrix", "SkippedWeight", "check_matrix_values", "extract_layer_matrices", "forward_order",
        "legacy_weight_matrices", "resolve_model",
    ),
    "pse": (
        "STACK_ENTRIES", "TORCH_EIGVALSH_MIN", "cpse_from_d_layers", "d_layers", "ensemble_metrics",
        "gram_spectra", "is_complex", "numpy_gram_eigvalsh", "numpy_scaled_solver", "scaled_stack",
        "symmetric_eigvalsh",
    ),
    "_streams": (
        "RandomState", "as_generator", "check_random_state", "describe_seed_sequence",
        "seed_sequences_from_seeds", "spawn_seed_sequences",
    ),
    "ensembles": (
        "Circular", "ENSEMBLE_BETA", "GAUSSIAN_BETA", "circular_eigphases", "circular_eigvals",
        "circular_ensemble_eigphases", "coe", "cse", "cue", "ensemble_beta", "gaussian_eigvals",
        "gaussian_ensemble_eigvals", "goe", "gse", "gue", "mixed_ensemble_eigvals", "mixed_ensemble_orders",
        "quaternion_dual",
    ),
    "spectral": (
        "Ergodicity", "MEAN_GAP_RATIO_LARGE_N", "MEAN_GAP_RATIO_SURMISE", "REAL_TOLERANCE",
        "approach_to_ergodicity", "arc_counts", "circle_density", "circular_first_form_factor",
        "circular_form_factor", "circular_number_variance", "circular_spacings", "consecutive_distances",
        "ensemble_counts", "form_factor", "gap_ratio_surmise", "gap_ratios", "mean_gap_ratio",
        "number_variance", "phase_bin_edges", "semicircle_density", "spacings", "spectral_density",
        "symmetric_kl_distance", "thirumalai_mountain", "trace_moments", "unfold", "wigner_surmise",
    ),
    "cPSE": (
        "CPSEReport", "LayerRecord", "PROGRESS_MIN_LAYERS", "cpse_measure", "cpse_measure_vanilla",
        "cpse_report", "d_layers_pse", "eigenvals_set_to_periodic", "get_eigenvals_layer_matrix_set",
        "get_layer_matrix_set", "list2plist", "plot_d_layers",
    ),
    "data": (
        "Generate",
    ),
    "stats": (
        "freedman_diaconis_width", "histogram",
    ),
    "theory": (
        "COE_TERMS_PER_LEVEL", "MEAN_GAP_RATIO_LARGE_N", "MEAN_GAP_RATIO_SURMISE", "circle_density",
        "circular_first_form_factor", "circular_form_factor", "circular_number_variance",
        "gap_ratio_surmise", "gaussian_trace_moment", "semicircle_density", "semicircle_radius",
        "wigner_surmise",
    ),
    "periodic": (
        "ORDERS", "order_values", "periodic_extension",
    ),
    "parallel": (
        "ChunkPlan", "ChunkedSample", "DEFAULT_N_CHUNKS", "Sampler", "WorkerLostError", "check_n_jobs",
        "n_workers", "plan_chunks", "run_chunks", "sample_in_chunks",
    ),
    "cli": (
        "build_parser", "main",
    ),
}

#: bristol 0.2.14's API: class or module -> the methods or functions it had.
LEGACY_API = {
    ("bristol.ensembles", "Circular"): ("unit_anti", "unit_symplectic", "gen_cue", "gen_coe", "gen_cse",
                                        "eigen_circular", "eigen_circular_ensemble"),
    ("bristol.spectral", "Ergodicity"): ("spectral_density", "thirumalai_mountain", "kl_distance_symmetric",
                                         "approach_se"),
    ("bristol.data", "Generate"): ("spectra_ce",),
    ("bristol.stats", "histogram"): ("h_freedman_diaconis",),
}
LEGACY_CPSE = ("get_layer_matrix_set", "get_eigenvals_layer_matrix_set", "list2plist", "eigenvals_set_to_periodic",
               "d_layers_pse", "cpse_measure", "cpse_measure_vanilla")


def _module_name(path: pathlib.Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


@pytest.mark.parametrize("old", sorted(OLD_NAMES))
def test_old_module_paths_and_names_work(old):
    """``import bristol.<old>``, ``bristol.<old>`` and ``from bristol.<old> import name`` work for
    every public name the module had."""
    module = importlib.import_module(f"bristol.{old}")
    assert getattr(bristol, old) is module
    for name in OLD_NAMES[old]:
        assert hasattr(module, name), f"bristol.{old}.{name}"
        exec(f"from bristol.{old} import {name}", {})


@pytest.mark.parametrize("old", sorted(bristol._MOVED))
def test_moved_modules_are_the_new_module_objects(old, monkeypatch):
    """The alias and the new module are one object: a monkeypatch through either is seen by both."""
    new = importlib.import_module(bristol._MOVED[old])
    alias = importlib.import_module(f"bristol.{old}")
    assert alias is new and getattr(bristol, old) is new
    assert alias.__spec__.name == new.__name__ == bristol._MOVED[old], "__spec__ restored: reload works"
    importlib.reload(alias)
    monkeypatch.setattr(alias, "_layout_probe", 1, raising=False)
    assert new._layout_probe == 1


def test_moved_module_paths_are_not_files():
    """The aliases come from the import hook in bristol/__init__.py, not from shim files."""
    for old in bristol._MOVED:
        assert not (PACKAGE / f"{old}.py").exists()
        assert f"bristol.{old}" not in MODULES


def test_legacy_api_of_0_2_14():
    for (module, name), methods in LEGACY_API.items():
        obj = getattr(importlib.import_module(module), name)
        exec(f"from {module} import {name}", {})
        assert all(callable(getattr(obj, m)) for m in methods), (module, name)
    from bristol import cPSE

    assert cPSE is importlib.import_module("bristol.cPSE") and hasattr(cPSE, "__path__"), "the package itself"
    for name in LEGACY_CPSE:
        assert callable(getattr(cPSE, name))
        exec(f"from bristol.cPSE import {name}", {})
    from bristol._legacy import circular, cpse, data, ergodicity, stats

    assert bristol.ensembles.Circular is circular.Circular and bristol.spectral.Ergodicity is ergodicity.Ergodicity
    assert bristol.data.Generate is data.Generate and bristol.stats.histogram is stats.histogram
    assert cPSE.list2plist is cpse.list2plist


@pytest.mark.parametrize("package", ["bristol.ensembles", "bristol.spectral", "bristol.cPSE"])
def test_star_import_of_each_subpackage(package):
    namespace = {}
    exec(f"from {package} import *", namespace)
    assert set(importlib.import_module(package).__all__) <= set(namespace)


def test_unknown_attributes_still_raise():
    for module in (bristol, bristol.ensembles, bristol.spectral, bristol.cPSE, bristol.gaussian):
        with pytest.raises(AttributeError, match="no attribute 'nope'"):
            _ = module.nope


# --- (b) the import graph -------------------------------------------------------------------

def _imports(name: str, module_level_only: bool):
    """The bristol modules that module ``name`` imports (and the packages that importing them runs)."""
    path = MODULES[name]
    tree = ast.parse(path.read_text())
    nodes = tree.body if module_level_only else list(ast.walk(tree))
    if module_level_only:  # statements inside top-level if / try blocks also run at import
        nodes = [n for top in tree.body if not isinstance(top, (ast.FunctionDef, ast.ClassDef))
                 for n in ast.walk(top)]
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in nodes:
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            targets = [base] + [f"{base}.{a.name}" for a in node.names]
        else:
            continue
        for target in targets:
            if target in MODULES or target in bristol._MOVED.values():
                parts = target.split(".")
                for i in range(1, len(parts) + 1):  # importing a.b.c runs a and a.b first
                    up = ".".join(parts[:i])
                    if up in MODULES and not (name == up or name.startswith(up + ".")):
                        found.add(up)
    return found


def test_import_graph_is_acyclic():
    graph = {name: _imports(name, module_level_only=True) for name in MODULES}
    state = {}

    def visit(node, stack):
        state[node] = "open"
        for nxt in sorted(graph[node]):
            if state.get(nxt) == "open":
                raise AssertionError("import cycle: " + " -> ".join(stack[stack.index(nxt):] + [nxt]))
            if nxt not in state:
                visit(nxt, stack + [nxt])
        state[node] = "done"

    for name in MODULES:
        if name not in state:
            visit(name, [name])


def test_imports_run_downwards_only():
    """ensembles never imports spectral, and neither imports cPSE or _legacy; the shared modules
    import no subpackage; cPSE never imports _legacy; nothing imports a moved module by its old
    path (function-level imports included)."""
    def within(name, package):
        return name == f"bristol.{package}" or name.startswith(f"bristol.{package}.")

    for name in MODULES:
        imported = _imports(name, module_level_only=False)
        if within(name, "ensembles") or within(name, "spectral"):
            assert not any(within(m, "cPSE") or within(m, "_legacy") for m in imported), (name, imported)
        if within(name, "ensembles"):
            assert not any(within(m, "spectral") for m in imported), (name, imported)
        if within(name, "cPSE"):
            assert not any(within(m, "_legacy") for m in imported), (name, imported)
        if name.rpartition(".")[2] in SHARED and name.count(".") == 1:
            assert not any(within(m, sub) for m in imported for sub in SUBPACKAGES), (name, imported)
        text = MODULES[name].read_text()
        for old in bristol._MOVED:
            assert f"from .{old} import" not in text and f"from . import {old}" not in text, (name, old)


def test_the_import_checks_can_fail():
    """The graph sees an upward import and a cycle (a check that sees nothing proves nothing)."""
    assert "bristol.cPSE._pse" in _imports("bristol._legacy.cpse", module_level_only=True)
    assert "bristol.cPSE" in _imports("bristol._legacy.cpse", module_level_only=True)
    assert "bristol.ensembles._device" in _imports("bristol.ensembles._cmv", module_level_only=False)
    assert "bristol.ensembles" in _imports("bristol.spectral._ensemble_measures", module_level_only=True)


def test_torch_is_found_in_one_place():
    """Only bristol._torch imports torch itself or probes for it; the others ask it."""
    for name, path in MODULES.items():
        if name in ("bristol._torch", "bristol.cli"):
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                assert all(a.name != "torch" for a in node.names), name
            if isinstance(node, ast.Try):
                probe = [n for n in ast.walk(node)
                         if isinstance(n, ast.Import) and any(a.name == "torch" for a in n.names)]
                assert not probe, name


# --- (c) lazy imports -----------------------------------------------------------------------

def _loaded_after(code: str) -> set:
    out = subprocess.run(
        [sys.executable, "-c", code + "\nimport sys; print(' '.join(sorted(sys.modules)))"],
        capture_output=True, text=True, check=True, cwd=PACKAGE.parent,
    ).stdout.split()
    return {m for m in out if m == "torch" or m.startswith(("bristol", "torch."))}


def test_import_bristol_is_lazy():
    assert _loaded_after("import bristol") == {"bristol", "bristol._lazy"}


@pytest.mark.parametrize("package", ["ensembles", "spectral", "cPSE", "data", "stats", "cmv"])
def test_subpackages_do_not_import_torch(package):
    loaded = _loaded_after(f"import bristol.{package}")
    assert "torch" not in loaded
    if package in ("ensembles", "spectral"):
        assert not any(m.startswith(("bristol.cPSE", "bristol._legacy")) for m in loaded), loaded


# --- (d) __all__ ----------------------------------------------------------------------------

@pytest.mark.parametrize("name", sorted(n for n in MODULES if n != "bristol.__main__"))
def test_every_module_has_all_and_its_names_exist(name):
    module = importlib.import_module(name)
    assert isinstance(module.__all__, list), name
    assert len(set(module.__all__)) == len(module.__all__), name
    missing = [n for n in module.__all__ if not hasattr(module, n)]
    assert not missing, (name, missing)


def test_py_typed_is_shipped():
    assert (PACKAGE / "py.typed").is_file()


# --- the public surface of issue 12 -----------------------------------------------------------

@pytest.mark.parametrize("func", ["circular_ensemble_eigphases", "gaussian_ensemble_eigvals"])
def test_chunked_jobs_name_their_own_arguments(func):
    """A typo is reported by the function the user called, and every chunking argument is documented."""
    f = getattr(bristol.ensembles, func)
    with pytest.raises(TypeError, match=func):
        f(8, 4, chunksize=2)
    params = inspect.signature(f).parameters
    for kw in ("chunk_size", "random_state", "seeds", "n_jobs", "backend", "progress"):
        assert params[kw].kind is inspect.Parameter.KEYWORD_ONLY, kw
    assert not any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values())
    a = f(8, 4, 2.0, chunk_size=2, random_state=3).values
    assert np.array_equal(a, f(8, 4, 2.0, chunk_size=2, random_state=3, n_jobs=2).values)


def test_device_is_keyword_only_everywhere():
    from bristol.ensembles import cue

    for name in MODULES:
        if name == "bristol.__main__":  # importing it runs the command line
            continue
        module = importlib.import_module(name)
        for fname, f in vars(module).items():
            if inspect.isfunction(f) and f.__module__ == name and "device" in inspect.signature(f).parameters:
                kind = inspect.signature(f).parameters["device"].kind
                if not fname.startswith("_") and fname not in ("resolve_device", "to_device"):
                    assert kind is inspect.Parameter.KEYWORD_ONLY, f"{name}.{fname}"
    assert np.array_equal(cue(3, 2, 5), cue(3, size=2, random_state=5)), "the first three stay positional"
    with pytest.raises(TypeError):
        cue(3, None, 5, "cpu")


def test_require_torch_without_torch(monkeypatch):
    from bristol import _torch

    monkeypatch.setattr(_torch.importlib.util, "find_spec", lambda name: None)
    assert _torch.installed_torch() is None
    with pytest.raises(ImportError, match=r"cPSE of x needs torch: pip install 'bristol\[torch\]'"):
        _torch.require_torch("cPSE of x")
    with pytest.raises(ImportError, match=r"device='cuda' needs torch"):
        _torch.resolve_device("cuda")
    with pytest.raises(ImportError, match="needs torch"):
        bristol.ensembles.circular_eigphases(4, device="cpu")
