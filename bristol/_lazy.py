"""Attributes of a package that are imported on first access (PEP 562 ``__getattr__``).

Used by :mod:`bristol` (its subpackages and public modules load on first use, so
``import bristol`` stays fast and never imports torch) and by the subpackages for the
bristol 0.2.14 names, which live in :mod:`bristol._legacy` above them.
"""
from __future__ import annotations

import importlib
from collections.abc import Mapping
from typing import Callable

__all__ = ["lazy_getattr"]


def lazy_getattr(package: str, targets: Mapping[str, str]) -> Callable[[str], object]:
    """A module ``__getattr__`` for ``package`` that imports ``targets`` on first access.

    Parameters
    ----------
    package : str
        The module's ``__name__`` (for the AttributeError of other names).
    targets : mapping of str to str
        Attribute name -> ``"module"`` (the attribute is that module) or ``"module:name"``
        (the attribute is ``name`` of that module); relative module names are resolved
        against ``package``.

    Returns
    -------
    callable
        ``__getattr__(name)``: imports and returns the target of ``name``, or raises
        AttributeError for a name that is not in ``targets``.

    Examples
    --------
    >>> from bristol._lazy import lazy_getattr
    >>> getattr_ = lazy_getattr("mypackage", {"sqrt": "math:sqrt"})
    >>> getattr_("sqrt")(16.0)
    4.0
    >>> getattr_("cbrt")
    Traceback (most recent call last):
    ...
    AttributeError: module 'mypackage' has no attribute 'cbrt'
    """

    def __getattr__(name: str) -> object:
        if name not in targets:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        module, _, attr = targets[name].partition(":")
        loaded = importlib.import_module(module, package)
        return getattr(loaded, attr) if attr else loaded

    return __getattr__
