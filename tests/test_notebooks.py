"""Execute every notebook top to bottom with a real kernel (nbclient + ipykernel), fast sizes.

Each notebook asserts the numbers it claims in its last cell and writes its figures as PNG
beside itself; it runs on a copy in a temporary folder.
"""
import shutil
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
NotebookClient = pytest.importorskip("nbclient").NotebookClient

NOTEBOOKS = sorted((Path(__file__).parent.parent / "notebooks").glob("*.ipynb"))
FIGURES = {
    "circular_ensembles": ["circular_eigenvalues.png", "circular_spacings.png", "circular_form_factor.png",
                           "circular_old_vs_new.png"],
    "spectral_ergodicity": ["spectral_ergodicity.png"],
    "cpse": ["cpse_d_layers.png"],
    "cpse_baseline": ["cpse_baseline.png", "cpse_baseline_rules.png"],
    "mixed_ensembles": ["mixed_densities.png", "mixed_order_effect.png", "mixed_spacings.png"],
    "classical_ensembles": ["classical_laguerre.png", "classical_jacobi.png", "classical_tracy_widom.png"],
}


def test_all_notebooks_are_listed():
    assert {p.stem for p in NOTEBOOKS} == set(FIGURES)


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_runs_and_its_claims_hold(path, tmp_path, monkeypatch):
    monkeypatch.setenv("BRISTOL_NOTEBOOK_FAST", "1")
    copy = tmp_path / path.name
    shutil.copy(path, copy)
    nb = nbformat.read(copy, as_version=4)
    NotebookClient(nb, timeout=900, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}).execute()
    last = [c for c in nb.cells if c.cell_type == "code"][-1]
    printed = "".join(o.get("text", "") for o in last.outputs if o.get("output_type") == "stream")
    assert "all claims hold" in printed
    for fig in FIGURES[path.stem]:
        assert (tmp_path / fig).stat().st_size > 2000, fig
