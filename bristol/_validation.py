"""Argument checks shared by the public functions.

Every public function validates its arguments here, at the boundary, and raises a
``ValueError`` or ``TypeError`` whose message names the parameter and says what was
expected (the scikit-learn convention). Sizes that cannot fit in memory are refused up front
by :func:`check_memory`, before anything is allocated.
"""
from __future__ import annotations

import math
import numbers
import os
from decimal import Decimal
from typing import Union

import numpy as np
from numpy.typing import DTypeLike

__all__ = [
    "SizeLike",
    "MAX_INT",
    "MAX_ELEMENTS",
    "check_int",
    "check_positive_real",
    "check_degrees_of_freedom",
    "check_size",
    "check_choice",
    "check_finite_array",
    "check_finite_range",
    "physical_memory",
    "format_bytes",
    "check_memory",
    "check_numeric",
    "block_steps",
]

#: A scipy-style ``size``: None (one sample), an int or a tuple of ints (a batch shape).
SizeLike = Union[None, int, tuple[int, ...]]


#: Largest integer argument: numpy's array dimensions and sizes are 64-bit integers.
MAX_INT = int(np.iinfo(np.int64).max)
#: Most elements of an array (even an empty one) of 16-byte values that numpy can describe.
MAX_ELEMENTS = MAX_INT // 16


def check_int(name: str, value: object, minimum: int = 1) -> int:
    """Return ``value`` as a Python int, or raise if it is not an integer >= ``minimum``.

    Parameters
    ----------
    name : str
        The parameter's name, for the messages.
    value : object
        The argument.
    minimum : int, default 1
        Smallest value allowed.

    Returns
    -------
    int

    Raises
    ------
    TypeError
        For a value that is not an integer (bools included).
    ValueError
        For a value below ``minimum`` or above ``MAX_INT`` (the largest size numpy can handle).

    Examples
    --------
    >>> import numpy as np
    >>> from bristol._validation import check_int
    >>> check_int("n", np.int32(5))
    5
    >>> check_int("n", 0)
    Traceback (most recent call last):
    ...
    ValueError: n must be an integer >= 1, got 0
    """
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer >= {minimum}, got {value!r} ({type(value).__name__})")
    value = int(value)
    if value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value}")
    if value > MAX_INT:
        raise ValueError(f"{name} must be at most {MAX_INT} (a 64-bit integer), got {value}")
    return value


def check_positive_real(name: str, value: object) -> float:
    """Return ``value`` as a float, or raise if it is not a finite real number > 0.

    Parameters
    ----------
    name : str
        The parameter's name, for the messages.
    value : object
        The argument.

    Returns
    -------
    float

    Raises
    ------
    TypeError
        For a value that is not a real number (bools included).
    ValueError
        For a value that is not finite or not > 0.

    Examples
    --------
    >>> from bristol._validation import check_positive_real
    >>> check_positive_real("beta", 2)
    2.0
    """
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number > 0, got {value!r} ({type(value).__name__})")
    value = float(value)
    if not np.isfinite(value) or value <= 0:
        raise ValueError(f"{name} must be a finite real number > 0, got {value}")
    return value


def check_degrees_of_freedom(name: str, value: object, n: int) -> float:
    """Validate the degrees of freedom of a Laguerre or Jacobi ensemble: a finite real > n - 1.

    Parameters
    ----------
    name : str
        The parameter's name, for the message.
    value : object
        The value given.
    n : int
        The matrix size.

    Returns
    -------
    float
        ``value`` as a float.

    Raises
    ------
    TypeError, ValueError
        Not a real number, not finite and positive, or not larger than n - 1.

    Examples
    --------
    >>> check_degrees_of_freedom("m", 4, 3)
    4.0
    >>> check_degrees_of_freedom("m", 2, 3)
    Traceback (most recent call last):
    ...
    ValueError: m must be larger than n - 1 = 2, got m = 2
    """
    number = check_positive_real(name, value)
    if not number > n - 1:
        raise ValueError(f"{name} must be larger than n - 1 = {n - 1}, got {name} = {number:g}")
    return number


def check_size(size: SizeLike, item_shape: tuple[int, ...] = ()) -> tuple[int, ...]:
    """Normalise a scipy-style ``size`` (None, int or tuple of ints) to a shape tuple.

    Parameters
    ----------
    size : None, int or tuple of ints
        ``None`` means a single sample without a batch axis and is returned as ``()``.
    item_shape : tuple of int, default ()
        The shape of one sample (e.g. ``(n, n)``): the whole output, ``size + item_shape``,
        must have at most ``MAX_ELEMENTS`` (2**59) elements without its zero axes (numpy
        refuses larger arrays even when they are empty).

    Returns
    -------
    tuple of int

    Raises
    ------
    TypeError
        For a size that is not None, an int or a sequence of ints.
    ValueError
        For a negative entry, or an output of more than ``MAX_ELEMENTS`` elements.

    Examples
    --------
    >>> from bristol._validation import check_size
    >>> check_size(None), check_size(3), check_size((2, 0), (4, 4))
    ((), (3,), (2, 0))
    """
    if size is None:
        dims: tuple[int, ...] = ()
    elif isinstance(size, numbers.Integral) and not isinstance(size, (bool, np.bool_)):
        dims = (check_int("size", size, minimum=0),)
    else:
        try:
            dims = tuple(check_int("size", d, minimum=0) for d in size)  # type: ignore[union-attr]
        except TypeError:
            raise TypeError(f"size must be None, an int or a tuple of ints, got {size!r}") from None
    if math.prod(d for d in dims + tuple(item_shape) if d) > MAX_ELEMENTS:
        raise ValueError(f"size = {size!r} with samples of shape {tuple(item_shape)} makes an array of more than "
                         f"{MAX_ELEMENTS} elements")
    return dims


def check_choice(name: str, value: object, choices: tuple[str, ...], *, upper: bool = False) -> str:
    """Return ``value`` if it is one of ``choices`` (case-insensitive when ``upper``).

    Parameters
    ----------
    name : str
        The parameter's name, for the messages.
    value : object
        The argument.
    choices : tuple of str
        The values allowed (upper case when ``upper``).
    upper : bool, default False, keyword-only
        Compare ``value.upper()`` with the choices, and return it.

    Returns
    -------
    str

    Raises
    ------
    TypeError
        For a value that is not a string.
    ValueError
        For another string; the message lists the choices.

    Examples
    --------
    >>> from bristol._validation import check_choice
    >>> check_choice("ensemble", "coe", ("COE", "CUE"), upper=True)
    'COE'
    """
    if not isinstance(value, str):
        raise TypeError(f"{name} must be one of {', '.join(map(repr, choices))}, got {value!r}")
    key = value.upper() if upper else value
    if key not in choices:
        raise ValueError(f"{name} must be one of {', '.join(map(repr, choices))}, got {value!r}")
    return key


def check_finite_array(
    name: str, values: object, *, ndim: int | None = None, dtype: DTypeLike | None = None
) -> np.ndarray:
    """Return ``values`` as an array, raising if it is empty, has NaN/Inf or the wrong rank.

    Parameters
    ----------
    name : str
        The parameter's name, for the messages.
    values : array_like
        The argument.
    ndim : int, optional, keyword-only
        The rank required.
    dtype : data-type, optional, keyword-only
        Passed to ``numpy.asarray``.

    Returns
    -------
    ndarray

    Raises
    ------
    TypeError
        For an object array.
    ValueError
        For the wrong rank, an empty array, or NaN or Inf in it.

    Examples
    --------
    >>> from bristol._validation import check_finite_array
    >>> check_finite_array("x", [1.0, 2.0], ndim=1)
    array([1., 2.])
    """
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


def check_finite_range(name: str, values: np.ndarray) -> tuple[float, float]:
    """(min, max) of a non-empty real array, raising if it is empty or holds NaN/Inf.

    One min and one max pass: NaN propagates into both and an infinity shows in one, so this
    is the finiteness check of :func:`check_finite_array` at no extra cost when the range is
    needed anyway.

    Parameters
    ----------
    name : str
        The parameter's name, for the messages.
    values : ndarray
        A real array.

    Returns
    -------
    (scalar, scalar)
        Its minimum and maximum, numpy scalars of the array's dtype.

    Raises
    ------
    ValueError
        For an empty array, or NaN or Inf in it.

    Examples
    --------
    >>> import numpy as np
    >>> from bristol._validation import check_finite_range
    >>> lo, hi = check_finite_range("x", np.array([3.0, -1.0, 2.0]))
    >>> float(lo), float(hi)
    (-1.0, 3.0)
    """
    if values.size == 0:
        raise ValueError(f"{name} must not be empty")
    lo, hi = values.min(), values.max()
    if not (np.isfinite(lo) and np.isfinite(hi)):
        raise ValueError(f"{name} contains NaN or Inf")
    return lo, hi


def physical_memory() -> int | None:
    """Bytes of physical memory on this machine, or None where the platform does not say.

    From ``os.sysconf`` (POSIX), else ``psutil`` when it is installed.

    Returns
    -------
    int or None

    Examples
    --------
    >>> from bristol._validation import physical_memory
    >>> memory = physical_memory()
    >>> memory is None or memory > 0
    True
    """
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, ValueError, OSError):
        pass
    try:
        import psutil
    except ImportError:
        return None
    return int(psutil.virtual_memory().total)


def format_bytes(n_bytes: float) -> str:
    """``n_bytes`` in GiB, for messages.

    Parameters
    ----------
    n_bytes : int or float
        Exact for Python integers of any size; a float may be infinite.

    Returns
    -------
    str
        3 significant digits below 1000 GiB, whole GiB above, powers of ten beyond 10**15 GiB.

    Examples
    --------
    >>> from bristol._validation import format_bytes
    >>> format_bytes(3 * 2**29), format_bytes(2**70)
    ('1.5 GiB', '1099511627776 GiB')
    """
    gib = Decimal(n_bytes if isinstance(n_bytes, float) else int(n_bytes)) / Decimal(2**30)
    return f"{gib:.3g} GiB" if gib < 1000 else f"{gib:.0f} GiB" if gib < 10**15 else f"{gib:.3e} GiB"


def check_memory(name: str, n_bytes: float) -> None:
    """Refuse a job that needs more memory than this machine has, before allocating it.

    Parameters
    ----------
    name : str
        What needs the memory, in the user's terms, e.g. ``"cue(n=1000000, size=())"`` or
        ``"n_matrices = 10**9 of n = 64"``; it starts the error message.
    n_bytes : int or float
        Bytes the job needs at its peak (output and working arrays). A Python int, so that
        products of huge sizes do not overflow (compute it with ``math.prod``, not ``np.prod``),
        or a float, which may be infinite.

    Raises
    ------
    ValueError
        ``"<name> needs X GiB, more than the Y GiB of memory on this machine"`` when
        ``n_bytes`` exceeds the physical memory (:func:`physical_memory`). Jobs that fit the
        physical memory pass even if other programs use part of it; nothing is checked where
        the platform does not report its memory.

    Examples
    --------
    >>> from bristol._validation import check_memory
    >>> check_memory("a small job", 2**20)  # passes silently
    >>> check_memory("cue(n=10**9)", 16 * 10**18)
    Traceback (most recent call last):
    ...
    ValueError: cue(n=10**9) needs 14901161194 GiB, more than the ... of memory on this machine
    """
    total = physical_memory()
    if total is not None and not n_bytes <= total:
        raise ValueError(
            f"{name} needs {format_bytes(n_bytes)}, more than the {format_bytes(total)} of memory on this machine"
        )


def check_numeric(name: str, values: object) -> np.ndarray:
    """``values`` as an array of numbers (bool, integer, floating or complex), else TypeError.

    Parameters
    ----------
    name : str
        The parameter's name, for the message.
    values : array_like
        The argument.

    Returns
    -------
    ndarray

    Raises
    ------
    TypeError
        For an array of strings, objects or other non-numbers.

    Examples
    --------
    >>> from bristol._validation import check_numeric
    >>> check_numeric("x", [True, False]).dtype
    dtype('bool')
    """
    arr = np.asarray(values)
    if not (np.issubdtype(arr.dtype, np.number) or arr.dtype == bool):
        raise TypeError(f"{name} must be an array of numbers, got dtype {arr.dtype}")
    return arr


#: Working memory of one block of the blocked computations of the spectral statistics
#: (:mod:`bristol.spectral`) and the exact finite-N values (:mod:`bristol.theory`).
_BLOCK_BYTES = 64 * 2**20


def block_steps(n_inner: int, n_last: int, bytes_per_entry: int) -> tuple[int, int]:
    """Block steps of an (n_rows, n_inner, n_last) computation that fit in ``_BLOCK_BYTES``.

    Parameters
    ----------
    n_inner : int
        Length of the inner axis.
    n_last : int
        Length of the last axis, computed whole.
    bytes_per_entry : int
        Working memory per entry.

    Returns
    -------
    (int, int)
        Steps (rows, inner): at least one (row, inner) pair of n_last entries per block.

    Examples
    --------
    >>> from bristol._validation import block_steps
    >>> block_steps(10, 1000, 8)
    (838, 10)
    """
    pairs = max(1, _BLOCK_BYTES // (bytes_per_entry * n_last))
    inner = max(1, min(n_inner, pairs))
    return max(1, pairs // inner), inner
