"""Explicit random streams.

bristol never touches the global ``np.random`` state. Randomness enters through a
``random_state`` that is an ``int``, a :class:`numpy.random.SeedSequence`, a
:class:`numpy.random.Generator` or ``None`` (fresh OS entropy), as in ``numpy.random``
and ``scipy.stats``. Independent streams for chunks of work are children of one
:class:`~numpy.random.SeedSequence` (``SeedSequence.spawn``), following the numpy
guide on parallel random number generation.
"""
from __future__ import annotations

import numbers
from typing import List, Sequence, Union

import numpy as np

RandomState = Union[None, int, np.random.SeedSequence, np.random.Generator]


def as_generator(random_state: RandomState) -> np.random.Generator:
    """Return a :class:`numpy.random.Generator` for ``random_state``.

    A Generator is returned as it is (draws advance it); an int or SeedSequence seeds a
    new PCG64 generator; ``None`` takes fresh entropy from the operating system.
    """
    if random_state is None or isinstance(random_state, (np.random.SeedSequence, np.random.Generator)):
        return np.random.default_rng(random_state)
    if isinstance(random_state, numbers.Integral) and not isinstance(random_state, bool):
        if random_state < 0:
            raise ValueError(f"random_state must be a non-negative integer, got {random_state}")
        return np.random.default_rng(int(random_state))
    raise TypeError(
        "random_state must be None, an int, a numpy.random.SeedSequence or a numpy.random.Generator, "
        f"got {random_state!r} ({type(random_state).__name__})"
    )


def spawn_seed_sequences(random_state: RandomState, n: int) -> List[np.random.SeedSequence]:
    """Return ``n`` independent child seed sequences of ``random_state``.

    An int or ``None`` becomes the root ``SeedSequence(random_state)``; a SeedSequence
    is spawned from directly; a Generator spawns from its own seed sequence (numpy's
    ``Generator.spawn``), so repeated calls on one Generator give fresh children.
    """
    if isinstance(random_state, np.random.Generator):
        return [child.bit_generator.seed_seq for child in random_state.spawn(n)]
    if isinstance(random_state, np.random.SeedSequence):
        return random_state.spawn(n)
    if random_state is None or (isinstance(random_state, numbers.Integral) and not isinstance(random_state, bool)):
        if random_state is not None and random_state < 0:
            raise ValueError(f"random_state must be a non-negative integer, got {random_state}")
        return np.random.SeedSequence(random_state).spawn(n)
    raise TypeError(
        "random_state must be None, an int, a numpy.random.SeedSequence or a numpy.random.Generator, "
        f"got {random_state!r} ({type(random_state).__name__})"
    )


def seed_sequences_from_seeds(seeds: Sequence[int]) -> List[np.random.SeedSequence]:
    """One ``SeedSequence`` per user seed (the bristol 0.2.14 "one seed per chunk" style)."""
    out = []
    for i, seed in enumerate(seeds):
        if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or seed < 0:
            raise ValueError(f"seeds[{i}] must be a non-negative integer, got {seed!r}")
        out.append(np.random.SeedSequence(int(seed)))
    return out


def describe_seed_sequence(seq: np.random.SeedSequence) -> dict:
    """A JSON-friendly record from which ``seq`` can be rebuilt exactly."""
    entropy = seq.entropy
    if isinstance(entropy, (list, tuple, np.ndarray)):
        entropy = [int(e) for e in entropy]
    else:
        entropy = int(entropy)
    return {"entropy": entropy, "spawn_key": [int(k) for k in seq.spawn_key]}
