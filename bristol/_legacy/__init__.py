"""bristol 0.2.14's public API, kept apart from the core: the classes ``Circular``,
``Ergodicity``, ``data.Generate``, ``stats.histogram`` and the cPSE pipeline functions.

This is the top layer of the package: it is built on :mod:`bristol.ensembles`,
:mod:`bristol.spectral` and :mod:`bristol.cPSE`, which re-export its names lazily (PEP 562)
so that ``from bristol.ensembles import Circular`` keeps working without an import that runs
from a lower layer up to this one. New code should use the functions of those subpackages.
"""

__all__: list = []
