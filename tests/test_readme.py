"""The README's Python code blocks run as written, each on its own, and their asserts hold."""
import re
from pathlib import Path

import pytest

# the tour's cPSE block needs torch and torchvision, its plot matplotlib
for _extra in ("torch", "torchvision", "matplotlib"):
    pytest.importorskip(_extra)

README = Path(__file__).parent.parent / "README.md"


@pytest.mark.slow
def test_readme_python_blocks_run_on_their_own(tmp_path, monkeypatch):
    """Each block runs pasted alone: a fresh namespace per block."""
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.S)
    assert len(blocks) >= 3
    monkeypatch.chdir(tmp_path)
    for block in blocks:
        exec(compile(block, str(README), "exec"), {})
    assert (tmp_path / "resnet18_d_layers.png").exists()
