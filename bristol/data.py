"""Data sets of circular-ensemble spectra: bristol 0.2.14's ``Generate`` (see :mod:`bristol._legacy.data`)."""
from ._legacy.data import Generate

__all__ = ["Generate"]
