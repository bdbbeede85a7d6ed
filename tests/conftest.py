"""Suite-wide settings: one BLAS thread per process, and doctests that need an optional extra."""
import importlib.util
import os
import re

import pytest

# Tests run with one BLAS thread per process (the chunk workers pin themselves anyway):
# the machine is shared and oversubscription makes LAPACK 10-100x slower.
for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(var, "1")

#: Packages of the optional extras (torch, dask, plot) an Examples section may need.
OPTIONAL = ("torch", "torchvision", "dask", "distributed", "matplotlib")
_IMPORT = re.compile(r"^\s*(?:import|from)\s+(" + "|".join(OPTIONAL) + r")\b", re.MULTILINE)


def _missing(name):
    return importlib.util.find_spec(name) is None


def pytest_collection_modifyitems(config, items):
    """Skip the doctests whose examples import an optional package that is not installed.

    ``--doctest-modules`` (pyproject.toml) runs the Examples sections of ``bristol``; an
    example that needs torch, Dask or matplotlib imports it itself (``>>> import torch``),
    and runs wherever that package is installed. Without it, in an environment with only
    ``.[test-core]``, the example is skipped here with the reason. (This hook sees every
    collected item because the default run collects both ``tests`` and ``bristol``.)
    """
    for item in items:
        examples = getattr(getattr(item, "dtest", None), "examples", ())
        needed = {m.group(1) for example in examples for m in _IMPORT.finditer(example.source)}
        missing = sorted(name for name in needed if _missing(name))
        if missing:
            item.add_marker(pytest.mark.skip(reason=f"doctest needs {', '.join(missing)} (not installed)"))
