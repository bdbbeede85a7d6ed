"""Small statistics helpers: bristol 0.2.14's ``histogram`` (see :mod:`bristol._legacy.stats`)."""
from ._legacy.stats import freedman_diaconis_width, histogram

__all__ = ["histogram", "freedman_diaconis_width"]
