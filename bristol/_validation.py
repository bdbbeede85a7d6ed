"""Argument checks shared by the public functions.

Every public function validates its arguments here, at the boundary, and raises a
``ValueError`` or ``TypeError`` whose message names the parameter and says what was
expected (the scikit-learn convention).
"""
from __future__ import annotations

import numbers
from typing import Optional, Tuple, Union

import numpy as np

SizeLike = Union[None, int, Tuple[int, ...]]


def check_int(name: str, value: object, minimum: int = 1) -> int:
    """Return ``value`` as a Python int, or raise if it is not an integer >= ``minimum``."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer >= {minimum}, got {value!r} ({type(value).__name__})")
    value = int(value)
    if value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value}")
    return value


def check_positive_real(name: str, value: object) -> float:
    """Return ``value`` as a float, or raise if it is not a finite real number > 0."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number > 0, got {value!r} ({type(value).__name__})")
    value = float(value)
    if not np.isfinite(value) or value <= 0:
        raise ValueError(f"{name} must be a finite real number > 0, got {value}")
    return value


def check_size(size: SizeLike) -> Tuple[int, ...]:
    """Normalise a scipy-style ``size`` (None, int or tuple of ints) to a shape tuple.

    ``None`` means a single sample without a batch axis and is returned as ``()``.
    """
    if size is None:
        return ()
    if isinstance(size, numbers.Integral) and not isinstance(size, (bool, np.bool_)):
        return (check_int("size", size, minimum=0),)
    try:
        dims = tuple(size)  # type: ignore[arg-type]
    except TypeError:
        raise TypeError(f"size must be None, an int or a tuple of ints, got {size!r}") from None
    return tuple(check_int("size", d, minimum=0) for d in dims)


def check_choice(name: str, value: object, choices: Tuple[str, ...], *, upper: bool = False) -> str:
    """Return ``value`` if it is one of ``choices`` (case-insensitive when ``upper``)."""
    if not isinstance(value, str):
        raise TypeError(f"{name} must be one of {', '.join(map(repr, choices))}, got {value!r}")
    key = value.upper() if upper else value
    if key not in choices:
        raise ValueError(f"{name} must be one of {', '.join(map(repr, choices))}, got {value!r}")
    return key


def check_finite_array(name: str, values: object, *, ndim: Optional[int] = None, dtype=None) -> np.ndarray:
    """Return ``values`` as an array, raising if it is empty, has NaN/Inf or the wrong rank."""
    arr = np.asarray(values, dtype=dtype)
    if arr.dtype == object:
        raise TypeError(f"{name} must be a numeric array, got an object array")
    if ndim is not None and arr.ndim != ndim:
        raise ValueError(f"{name} must be a {ndim}-D array, got shape {arr.shape}")
    if arr.size == 0:
        raise ValueError(f"{name} must not be empty")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} contains NaN or Inf")
    return arr


def check_finite_range(name: str, values: np.ndarray) -> Tuple[float, float]:
    """(min, max) of a non-empty real array, raising if it is empty or holds NaN/Inf.

    One min and one max pass: NaN propagates into both and an infinity shows in one, so this
    is the finiteness check of :func:`check_finite_array` at no extra cost when the range is
    needed anyway.
    """
    if values.size == 0:
        raise ValueError(f"{name} must not be empty")
    lo, hi = values.min(), values.max()
    if not (np.isfinite(lo) and np.isfinite(hi)):
        raise ValueError(f"{name} contains NaN or Inf")
    return lo, hi
