"""Packaging: version, metadata, light imports, and the suite's own optional dependencies."""
import ast
import importlib.metadata
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

import bristol

ROOT = Path(__file__).parent.parent
TESTS = Path(__file__).parent
#: Packages only the extras install: bristol must not import them on its own, and a test
#: module imports them through pytest.importorskip so that the suite passes with .[test-core].
OPTIONAL = {"torch", "torchvision", "dask", "distributed", "matplotlib", "nbclient", "nbformat", "ipykernel",
            "transformers", "timm", "safetensors", "peft", "numba", "torchao", "bitsandbytes"}


def _pyproject():
    tomllib = pytest.importorskip("tomllib", reason="tomllib needs Python 3.11")
    return tomllib.loads((ROOT / "pyproject.toml").read_text())


def _import_name(requirement):
    """'threadpoolctl>=3.1' -> 'threadpoolctl' (the distributions bristol uses import under their own name)."""
    return re.match(r"[A-Za-z0-9_.-]+", requirement).group(0).lower().replace("-", "_")


def test_version():
    assert re.fullmatch(r"\d+\.\d+\.\d+", bristol.__version__)


def test_installed_metadata_matches_the_package():
    try:
        dist = importlib.metadata.distribution("bristol")
    except importlib.metadata.PackageNotFoundError:
        pytest.skip("bristol is not installed (pip install -e .)")
    source = json.loads(dist.read_text("direct_url.json") or "{}").get("url")  # editable / local installs
    here = Path(bristol.__file__).parent.parent.resolve()
    if source != here.as_uri() and Path(str(dist.locate_file("bristol"))).resolve() != here / "bristol":
        pytest.skip("the installed bristol is another checkout")
    assert dist.version == bristol.__version__
    assert {ep.name: ep.value for ep in dist.entry_points if ep.group == "console_scripts"} == {
        "bristol": "bristol.cli:main"}


def test_every_module_imports_without_the_optional_extras():
    """Importing each module of the package (subpackages included) loads none of torch,
    Dask, matplotlib: the ensembles and spectra work without the extras."""
    code = f"""
import json, pkgutil, sys, importlib
import bristol
names = [m.name for m in pkgutil.walk_packages(bristol.__path__, "bristol.") if not m.name.endswith("__main__")]
for name in names:
    importlib.import_module(name)
loaded = sorted(m for m in sys.modules if m.split('.')[0] in {sorted(OPTIONAL)!r})
print(json.dumps([names, loaded]))
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    names, loaded = json.loads(out.stdout)
    assert "bristol.cli" in names and len(names) >= 10
    assert loaded == []


def test_optional_packages_are_imported_through_importorskip():
    """No test module imports an optional package at module level: the suite passes with .[test-core]."""
    offenders = []
    for path in sorted(TESTS.rglob("*.py")):
        for node in ast.parse(path.read_text()).body:
            if isinstance(node, ast.Import):
                roots = [alias.name.split(".")[0] for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                roots = [node.module.split(".")[0]]
            else:
                continue
            offenders += [f"{path.relative_to(ROOT)}:{node.lineno} imports {r}" for r in roots if r in OPTIONAL]
    assert offenders == [], "use pytest.importorskip for: " + "; ".join(offenders)


def test_test_core_extra_covers_the_suites_imports():
    """Every third-party package a test module imports at module level is installed by
    ``pip install -e .[test-core]`` (the dependencies plus the test-core extra) or is optional."""
    project = _pyproject()["project"]
    installed = {_import_name(r) for r in project["dependencies"] + project["optional-dependencies"]["test-core"]}
    local = {p.stem for p in TESTS.glob("*.py")} | {"bristol"}
    imported = set()
    for path in TESTS.glob("*.py"):
        for node in ast.parse(path.read_text()).body:
            if isinstance(node, ast.Import):
                imported |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                imported.add(node.module.split(".")[0])
    third_party = imported - set(sys.stdlib_module_names) - local - OPTIONAL
    assert third_party <= installed, f"add {sorted(third_party - installed)} to the test-core extra"


def test_extras_compose():
    """test = test-core + every extra the suite and .ci/run use; all = the runtime extras."""
    extras = _pyproject()["project"]["optional-dependencies"]
    test = " ".join(extras["test"])
    for extra in ("test-core", "torch", "dask", "plot", "docs", "hf", "fast"):
        assert re.search(rf"bristol\[[^\]]*\b{extra}\b", test), extra
    for tool in ("nbclient", "nbformat", "ipykernel", "ruff", "mypy", "peft"):
        assert tool in test
    assert extras["all"] == ["bristol[torch,dask,plot,hf]"]


def test_import_is_light():
    code = ("import json, sys, bristol, bristol.ensembles; print(json.dumps(sorted(m for m in sys.modules "
            "if m.split('.')[0] in ('torch', 'torchvision', 'matplotlib', 'dask'))))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert json.loads(out.stdout) == []
