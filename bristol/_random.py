"""Explicit random streams.

bristol never touches the global ``np.random`` state. Randomness enters through a
``random_state``, as in ``numpy.random`` and ``scipy.stats``; each kind has one meaning
across the library:

* ``None``: fresh entropy from the operating system (a different result every call).
* ``int`` (>= 0) or :class:`numpy.random.SeedSequence`: a **fixed seed**. The same value
  always gives the same result, and bristol never changes a SeedSequence passed to it:
  where independent streams are needed (chunked jobs), they are the children that
  ``seed_sequence.spawn(n)`` would return, spawned from a copy, so the caller's
  ``n_children_spawned`` is unchanged and a second call gives the same children again.
  An int ``s`` means ``SeedSequence(s)``.
* :class:`numpy.random.Generator`: a **stream that advances**. Draws consume it, and
  chunked jobs take fresh children with ``Generator.spawn``, so two calls with one
  Generator give different (independent) results, and the sequence of calls is
  reproducible from the Generator's seed. A Generator whose bit generator cannot spawn
  (one seeded the legacy way, e.g. ``MT19937()._legacy_seeding(s)``, whose ``seed_seq`` is
  not a SeedSequence) gives its chunk streams as the children of ``SeedSequence(k)``, with
  ``k`` 128 bits drawn from it: still a stream that advances, reproducible from its seed.

Independent streams for chunks of work are children of one
:class:`~numpy.random.SeedSequence` (``SeedSequence.spawn``), following the numpy guide on
parallel random number generation.
"""
from __future__ import annotations

import numbers
import os
import sys
import warnings
from collections import Counter
from collections.abc import Sequence
from types import FrameType
from typing import Any, Union, cast

import numpy as np
from numpy.random.bit_generator import ISpawnableSeedSequence

__all__ = [
    "RandomState",
    "check_random_state",
    "as_generator",
    "spawn_seed_sequences",
    "seed_sequences_from_seeds",
    "describe_seed_sequence",
    "caller_stacklevel",
]

#: What a ``random_state`` argument accepts (see the module notes).
RandomState = Union[None, int, np.random.SeedSequence, np.random.Generator]

#: The random_state types accepted, for error messages.
_EXPECTED = "None, an integer >= 0, a numpy.random.SeedSequence or a numpy.random.Generator"
#: 32-bit words drawn from a Generator that cannot spawn, to seed its chunks' SeedSequence (128 bits).
_FALLBACK_ENTROPY_WORDS = 4


def check_random_state(random_state: object) -> RandomState:
    """Return ``random_state`` (an int as a Python int) or raise if it is not a valid one.

    The one check of a ``random_state`` in bristol: :func:`as_generator` and
    :func:`spawn_seed_sequences` go through it.

    Parameters
    ----------
    random_state : object
        The argument to check.

    Returns
    -------
    None, int, numpy.random.SeedSequence or numpy.random.Generator
        ``random_state`` itself; a numpy integer becomes a Python int.

    Raises
    ------
    ValueError
        For a negative integer.
    TypeError
        For any other type (bools and floats included).

    Examples
    --------
    >>> import numpy as np
    >>> from bristol._random import check_random_state
    >>> check_random_state(np.int64(7))
    7
    """
    if random_state is None or isinstance(random_state, (np.random.SeedSequence, np.random.Generator)):
        return random_state
    if isinstance(random_state, numbers.Integral) and not isinstance(random_state, (bool, np.bool_)):
        if random_state < 0:
            raise ValueError(f"random_state must be {_EXPECTED}, got the negative integer {random_state}")
        return int(random_state)
    raise TypeError(f"random_state must be {_EXPECTED}, got {random_state!r} ({type(random_state).__name__})")


def as_generator(random_state: RandomState) -> np.random.Generator:
    """Return a :class:`numpy.random.Generator` for ``random_state``.

    Parameters
    ----------
    random_state : None, int, SeedSequence or Generator
        A Generator is returned as it is (draws advance it); an int or SeedSequence seeds a
        new PCG64 generator without changing the SeedSequence; ``None`` takes fresh entropy
        from the operating system.

    Returns
    -------
    numpy.random.Generator

    Raises
    ------
    ValueError, TypeError
        As :func:`check_random_state`.

    Examples
    --------
    >>> import numpy as np
    >>> from bristol._random import as_generator
    >>> seq = np.random.SeedSequence(5)
    >>> bool(as_generator(seq).random() == as_generator(seq).random())  # a fixed seed
    True
    >>> rng = np.random.default_rng(5)
    >>> as_generator(rng) is rng
    True
    """
    return np.random.default_rng(check_random_state(random_state))


def spawn_seed_sequences(random_state: RandomState, n: int) -> list[np.random.SeedSequence]:
    """Return ``n`` independent child seed sequences of ``random_state`` (see the module notes).

    Parameters
    ----------
    random_state : None, int, SeedSequence or Generator
        An int or ``None`` becomes the root ``SeedSequence(random_state)``. A SeedSequence
        gives the children ``random_state.spawn(n)`` would give, without spawning from it (it
        is left unchanged, so the same SeedSequence always gives the same children). A
        Generator spawns (numpy's ``Generator.spawn``), so repeated calls on one Generator
        give fresh children; one that cannot spawn gives the children of a SeedSequence
        seeded by 128 bits drawn from it.
    n : int
        Number of children.

    Returns
    -------
    list of numpy.random.SeedSequence

    Raises
    ------
    ValueError, TypeError
        As :func:`check_random_state`.

    Notes
    -----
    Children of one SeedSequence are independent streams (docs/theory.md, section 6).

    Examples
    --------
    >>> import numpy as np
    >>> from bristol._random import spawn_seed_sequences
    >>> seq = np.random.SeedSequence(1)
    >>> [child.spawn_key for child in spawn_seed_sequences(seq, 2)], seq.n_children_spawned
    ([(0,), (1,)], 0)
    """
    random_state = check_random_state(random_state)
    if isinstance(random_state, np.random.Generator):
        if isinstance(random_state.bit_generator.seed_seq, ISpawnableSeedSequence):
            # a spawnable bit generator's seed_seq is a SeedSequence (numpy types it as the protocol)
            return [cast(np.random.SeedSequence, child.bit_generator.seed_seq) for child in random_state.spawn(n)]
        entropy = random_state.integers(0, 2**32, size=_FALLBACK_ENTROPY_WORDS, dtype=np.uint64)
        return np.random.SeedSequence([int(e) for e in entropy]).spawn(n)
    if isinstance(random_state, np.random.SeedSequence):
        return _copy(random_state).spawn(n)
    return np.random.SeedSequence(random_state).spawn(n)


def _copy(seq: np.random.SeedSequence) -> np.random.SeedSequence:
    """An independent SeedSequence in the same state as ``seq`` (same children, same output)."""
    return np.random.SeedSequence(seq.entropy, spawn_key=seq.spawn_key, pool_size=seq.pool_size,
                                  n_children_spawned=seq.n_children_spawned)


def seed_sequences_from_seeds(seeds: Sequence[int]) -> list[np.random.SeedSequence]:
    """One ``SeedSequence`` per user seed (the bristol 0.2.14 "one seed per chunk" style).

    Parameters
    ----------
    seeds : sequence of int
        Non-negative integers.

    Returns
    -------
    list of numpy.random.SeedSequence
        ``SeedSequence(seed)`` for each seed, in order.

    Raises
    ------
    ValueError
        For an entry that is not a non-negative integer; the message names ``seeds[i]``.

    Warns
    -----
    UserWarning
        A seed given more than once gives bit-identical chunks: the warning names it.

    Examples
    --------
    >>> from bristol._random import seed_sequences_from_seeds
    >>> [seq.entropy for seq in seed_sequences_from_seeds([3, 4])]
    [3, 4]
    """
    out: list[np.random.SeedSequence] = []
    for i, seed in enumerate(seeds):
        if isinstance(seed, (bool, np.bool_)) or not isinstance(seed, numbers.Integral) or seed < 0:
            raise ValueError(f"seeds[{i}] must be a non-negative integer, got {seed!r}")
        out.append(np.random.SeedSequence(int(seed)))
    counts = Counter(int(seed) for seed in seeds)
    repeated = sorted(seed for seed, count in counts.items() if count > 1)
    if repeated:
        warnings.warn(
            f"seeds {repeated} appear more than once: their chunks are bit-identical copies, not independent samples",
            UserWarning,
            stacklevel=caller_stacklevel(),
        )
    return out


def caller_stacklevel() -> int:
    """``stacklevel`` for ``warnings.warn`` that points at the first frame outside bristol.

    Returns
    -------
    int
        For a ``warnings.warn`` call in the function that calls this one.
    """
    package = os.path.dirname(os.path.abspath(__file__))
    frame: FrameType | None = sys._getframe(1)
    level = 1
    while frame is not None and os.path.abspath(frame.f_code.co_filename).startswith(package + os.sep):
        frame, level = frame.f_back, level + 1
    return level


def describe_seed_sequence(seq: np.random.SeedSequence) -> dict[str, Any]:
    """A JSON-friendly record from which ``seq`` can be rebuilt exactly.

    Parameters
    ----------
    seq : numpy.random.SeedSequence

    Returns
    -------
    dict
        ``{"entropy": int or list of int, "spawn_key": list of int}``:
        ``SeedSequence(entropy, spawn_key=spawn_key)`` is ``seq`` again.

    Examples
    --------
    >>> import numpy as np
    >>> from bristol._random import describe_seed_sequence
    >>> describe_seed_sequence(np.random.SeedSequence(42).spawn(3)[2])
    {'entropy': 42, 'spawn_key': [2]}
    """
    entropy = seq.entropy
    if isinstance(entropy, (list, tuple, np.ndarray)):
        value: int | list[int] = [int(e) for e in entropy]
    else:
        value = int(cast(int, entropy))  # a SeedSequence's entropy is never None once built
    return {"entropy": value, "spawn_key": [int(k) for k in seq.spawn_key]}
