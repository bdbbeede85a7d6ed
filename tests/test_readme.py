"""The README's Python code blocks run as written (in order, one namespace) and their asserts hold."""
import re
from pathlib import Path

import pytest

# the tour's cPSE block needs torch and torchvision, its plot matplotlib
for _extra in ("torch", "torchvision", "matplotlib"):
    pytest.importorskip(_extra)

README = Path(__file__).parent.parent / "README.md"


@pytest.mark.slow
def test_readme_python_blocks(tmp_path, monkeypatch):
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.S)
    assert len(blocks) >= 4
    monkeypatch.chdir(tmp_path)
    namespace = {}
    for block in blocks:
        if "Client(" in block:  # needs a running scheduler; the Dask path is tested in test_scale_out
            continue
        exec(compile(block, str(README), "exec"), namespace)
    assert (tmp_path / "resnet18_d_layers.png").exists()
