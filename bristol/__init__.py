"""bristol: circular and Gaussian random-matrix ensembles, spectral ergodicity, and cPSE.

Submodules load on first use (``import bristol`` stays fast and never imports torch):
``bristol.ensembles``, ``bristol.spectral``, ``bristol.cPSE``, ``bristol.parallel``, ...
"""
import importlib

__version__ = "0.3.0"

_SUBMODULES = ("cli", "cmv", "data", "ensembles", "ergodicity", "gaussian", "haar", "layers", "periodic", "pse", "spectral_stats", "parallel", "stats", "spectral", "cPSE", "theory")


def __getattr__(name):
    if name in _SUBMODULES:
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted(list(globals()) + list(_SUBMODULES))
