"""Seeds and random streams: one way to pick a run's seed and to derive child streams.

A run's seed is the root of a :class:`numpy.random.SeedSequence`. Every other
stream (a chunk of trials, an input within a chunk, the Iman-Conover
permutations, the Sobol' scramble, a sensitivity design, a batch item) is a
child of it, derived here by ``spawn`` or by a fixed key, never by seed
arithmetic, so streams never overlap and a stream depends only on its key.
"""

from __future__ import annotations

import secrets

import numpy as np

__all__ = ["MAX_ROOT_SEED", "SeedLike", "as_seed_sequence", "child", "resolve_seed", "seed_of"]

SeedLike = int | np.random.SeedSequence | None

# A batch's root seed is a SeedSequence's entropy: 128 bits when drawn from the
# OS (38 or 39 digits), recorded as it is, so any of them can be passed back.
MAX_ROOT_SEED = 2**128 - 1


def resolve_seed(*choices: int | None) -> int:
    """The first of ``choices`` that is not None, else a fresh 63-bit seed from OS entropy.

    Callers pass what the user set, in order of precedence (the command line,
    then the config), and record the result so the run can be repeated.
    ``0`` is a seed like any other.
    """
    for seed in choices:
        if seed is not None:
            return int(seed)
    return secrets.randbits(63)


def as_seed_sequence(seed: SeedLike) -> np.random.SeedSequence:
    """``seed`` as a SeedSequence (one passed in is returned as is)."""
    if isinstance(seed, np.random.SeedSequence):
        return seed
    return np.random.SeedSequence(seed)


def child(parent: np.random.SeedSequence, key: int) -> np.random.SeedSequence:
    """The child of ``parent`` with spawn key ``key``: a stream fixed by its key alone."""
    return np.random.SeedSequence(parent.entropy, spawn_key=(*parent.spawn_key, int(key)))


def seed_of(sequence: np.random.SeedSequence) -> int:
    """A whole-number seed (63 bits) drawn from ``sequence``, to record and pass on."""
    return int(sequence.generate_state(1, np.uint64)[0] >> np.uint64(1))
