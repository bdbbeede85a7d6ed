"""bristol: circular and Gaussian random-matrix ensembles, spectral ergodicity, and cPSE.

The package has three parts, one subpackage each -- :mod:`bristol.ensembles` (random
matrices and their eigenvalues), :mod:`bristol.spectral` (spectral ergodicity and the
statistics of spectra) and :mod:`bristol.cPSE` (cPSE of deep networks) -- on shared modules
(:mod:`bristol.theory`, :mod:`bristol.periodic`, :mod:`bristol.parallel`) and bristol 0.2.14's
API apart in :mod:`bristol._legacy` (still importable from where 0.2.14 had it).

Subpackages and modules load on first use: ``import bristol`` stays fast and never imports
torch, and ``bristol.spectral`` (say) works without importing it first. The module paths of
bristol 0.3.0 before this layout (``bristol.cmv``, ``bristol.binning``, ...) are aliases of
the modules that replaced them: ``import bristol.cmv`` gives the module object
``bristol.ensembles._cmv`` itself.
"""
from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import sys
from collections.abc import Sequence
from types import ModuleType

from ._lazy import lazy_getattr

__version__ = "0.3.0"

__all__ = ["__version__"]

#: Subpackages and public modules, imported on first attribute access.
_SUBMODULES = ("ensembles", "spectral", "cPSE", "theory", "periodic", "parallel", "cli", "data", "stats")

#: Old module path -> the module that replaced it (the same object under both names).
_MOVED = {
    "haar": "bristol.ensembles._haar",
    "cmv": "bristol.ensembles._cmv",
    "gaussian": "bristol.ensembles._gaussian",
    "torch_backend": "bristol.ensembles._device",
    "binning": "bristol.spectral._binning",
    "ergodicity": "bristol.spectral._ergodicity",
    "spectral_stats": "bristol.spectral._statistics",
    "layers": "bristol.cPSE._layers",
    "pse": "bristol.cPSE._pse",
    "_streams": "bristol._random",
}


class _MovedModuleAlias(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Import hook that makes ``bristol.<old>`` the module object that replaced it.

    ``create_module`` imports the new module and returns it, so ``import bristol.cmv``, ``from
    bristol.cmv import X`` and ``bristol.cmv`` all give the same object as
    ``bristol.ensembles._cmv`` (monkeypatching one patches the other).
    """

    def find_spec(
        self, fullname: str, path: Sequence[str] | None = None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        """A spec for ``bristol.<old>`` (a name of ``_MOVED``), None for any other module."""
        package, _, name = fullname.rpartition(".")
        if package != __name__ or name not in _MOVED:
            return None
        return importlib.machinery.ModuleSpec(fullname, self)

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType:
        """The module that replaced ``spec.name``, imported."""
        module = importlib.import_module(_MOVED[spec.name.rpartition(".")[2]])
        spec.loader_state = module.__spec__  # the import system overwrites __spec__: restored below
        return module

    def exec_module(self, module: ModuleType) -> None:
        """Nothing to run: the module ran when it was imported; restore its own ``__spec__``."""
        spec = module.__spec__  # the alias's spec, set by the import system
        if spec is not None:
            module.__spec__ = spec.loader_state


if not any(isinstance(finder, _MovedModuleAlias) for finder in sys.meta_path):
    sys.meta_path.insert(0, _MovedModuleAlias())  # before any finder that could find a stale file

__getattr__ = lazy_getattr(__name__, {name: f"{__name__}.{name}" for name in _SUBMODULES + tuple(_MOVED)})


def __dir__() -> list[str]:
    """The package's attributes, its lazily loaded subpackages and modules included."""
    return sorted(list(globals()) + list(_SUBMODULES))
