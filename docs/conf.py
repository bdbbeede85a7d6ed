"""Sphinx configuration of bristol's documentation (offline: no intersphinx, no notebook execution).

Build: ``python -m sphinx -W --keep-going -b html docs <out>/html`` from the repository root.
"""
import importlib
import shutil
import sys
from pathlib import Path

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent
sys.path.insert(0, str(ROOT))  # document the bristol of this checkout, installed or not
sys.path.insert(0, str(DOCS / "_ext"))

project = "bristol"
author = "bristol contributors"
copyright = "bristol contributors, MIT License"
release = importlib.import_module("bristol").__version__
version = ".".join(release.split(".")[:2])

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "numpydoc",
    "myst_nb",
    "public_api",  # docs/_ext/public_api.py: API pages from each module's __all__
]

source_suffix = {".rst": "restructuredtext", ".md": "myst-nb", ".ipynb": "myst-nb"}
root_doc = "index"
exclude_patterns = ["_build", "Thumbs.db", ".DS_Store", "**.ipynb_checkpoints"]
templates_path = []
html_theme = "alabaster"  # ships with Sphinx: no download
html_static_path = []
html_theme_options = {"description": "Random-matrix ensembles, spectral ergodicity and cPSE", "fixed_sidebar": True}

# --- MyST and notebooks ---------------------------------------------------------------------
myst_enable_extensions = ["dollarmath", "amsmath", "deflist"]
myst_heading_anchors = 3
nb_execution_mode = "off"  # render the outputs stored in the notebooks; never execute, never fetch

# --- API reference --------------------------------------------------------------------------
autodoc_default_options = {"members": True, "undoc-members": True, "member-order": "bysource"}
autodoc_typehints = "signature"
autodoc_type_aliases = {
    "ArrayLike": "numpy.typing.ArrayLike",
    "NDArray": "numpy.typing.NDArray",
    "RandomState": "bristol.RandomState",
}
autosummary_generate = False  # summary tables only (docs/_ext/public_api.py); no stub files in docs/
numpydoc_show_class_members = False  # autodoc documents the members; numpydoc's tables would repeat them
numpydoc_class_members_toctree = False
numpydoc_validation_checks = set()  # docstring style is checked by the tests of the package, not here

# --- the notebooks live in notebooks/ at the repository root --------------------------------
# Sphinx reads documents from docs/ only, so each build mirrors the notebooks (and the figures
# they write) into docs/notebooks/ (ignored by git), copying only files that changed.
NOTEBOOKS_SRC = ROOT / "notebooks"
NOTEBOOKS_DST = DOCS / "notebooks"


def _mirror_notebooks() -> None:
    NOTEBOOKS_DST.mkdir(exist_ok=True)
    wanted = {p.name: p for p in NOTEBOOKS_SRC.iterdir() if p.suffix in (".ipynb", ".png")}
    for stale in NOTEBOOKS_DST.iterdir():
        if stale.name not in wanted and stale.suffix in (".ipynb", ".png"):
            stale.unlink()
    for name, src in wanted.items():
        dst = NOTEBOOKS_DST / name
        if not dst.exists() or dst.read_bytes() != src.read_bytes():
            shutil.copyfile(src, dst)


_mirror_notebooks()
