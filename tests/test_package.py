"""Packaging: version, fast import without torch."""
import json
import subprocess
import sys

import bristol


def test_version():
    assert isinstance(bristol.__version__, str) and bristol.__version__.count(".") == 2


def test_import_is_light():
    code = "import sys, bristol, bristol.ensembles; print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in ('torch', 'torchvision', 'matplotlib', 'dask'))))"
    out = subprocess.run([sys.executable, "-c", "import json;" + code], capture_output=True, text=True, check=True)
    assert json.loads(out.stdout) == []


