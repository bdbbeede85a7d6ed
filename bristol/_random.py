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
from typing import Union

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

RandomState = Union[None, int, np.random.SeedSequence, np.random.Generator]

#: The random_state types accepted, for error messages.
_EXPECTED = "None, an integer >= 0, a numpy.random.SeedSequence or a numpy.random.Generator"


def check_random_state(random_state: object) -> RandomState:
    """Return ``random_state`` (an int as a Python int) or raise if it is not a valid one."""
    if random_state is None or isinstance(random_state, (np.random.SeedSequence, np.random.Generator)):
        return random_state
    if isinstance(random_state, numbers.Integral) and not isinstance(random_state, (bool, np.bool_)):
        if random_state < 0:
            raise ValueError(f"random_state must be {_EXPECTED}, got the negative integer {random_state}")
        return int(random_state)
    raise TypeError(f"random_state must be {_EXPECTED}, got {random_state!r} ({type(random_state).__name__})")


def as_generator(random_state: RandomState) -> np.random.Generator:
    """Return a :class:`numpy.random.Generator` for ``random_state``.

    A Generator is returned as it is (draws advance it); an int or SeedSequence seeds a
    new PCG64 generator without changing the SeedSequence; ``None`` takes fresh entropy
    from the operating system.
    """
    return np.random.default_rng(check_random_state(random_state))


def spawn_seed_sequences(random_state: RandomState, n: int) -> list[np.random.SeedSequence]:
    """Return ``n`` independent child seed sequences of ``random_state`` (see the module notes).

    An int or ``None`` becomes the root ``SeedSequence(random_state)``. A SeedSequence gives
    the children ``random_state.spawn(n)`` would give, without spawning from it (it is left
    unchanged, so the same SeedSequence always gives the same children). A Generator spawns
    (numpy's ``Generator.spawn``), so repeated calls on one Generator give fresh children;
    one that cannot spawn gives the children of a SeedSequence seeded by 128 bits drawn from it.
    """
    random_state = check_random_state(random_state)
    if isinstance(random_state, np.random.Generator):
        if isinstance(random_state.bit_generator.seed_seq, ISpawnableSeedSequence):
            return [child.bit_generator.seed_seq for child in random_state.spawn(n)]
        entropy = random_state.integers(0, 2**32, size=4, dtype=np.uint64)
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

    A seed given more than once gives bit-identical chunks: a ``UserWarning`` names it.
    """
    out = []
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
    """``stacklevel`` for ``warnings.warn`` that points at the first frame outside bristol."""
    package = os.path.dirname(os.path.abspath(__file__))
    frame, level = sys._getframe(1), 1
    while frame is not None and os.path.abspath(frame.f_code.co_filename).startswith(package + os.sep):
        frame, level = frame.f_back, level + 1
    return level


def describe_seed_sequence(seq: np.random.SeedSequence) -> dict:
    """A JSON-friendly record from which ``seq`` can be rebuilt exactly."""
    entropy = seq.entropy
    if isinstance(entropy, (list, tuple, np.ndarray)):
        entropy = [int(e) for e in entropy]
    else:
        entropy = int(entropy)
    return {"entropy": entropy, "spawn_key": [int(k) for k in seq.spawn_key]}
