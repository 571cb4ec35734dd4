"""Randomness, in one place.

Every stochastic function takes ``random_state`` (an int seed, a ``numpy.random.Generator``
or ``None``) and normalises it with :func:`check_random_state`. Nothing touches the global
``numpy.random`` state. Large generators split their work into blocks whose streams come from
one :class:`numpy.random.SeedSequence` (:func:`block_rngs`), so the result does not depend on
how the work is chunked or parallelised.
"""

from __future__ import annotations

import hashlib

import numpy as np

from .exceptions import InvalidParameterError

__all__ = ["RandomState", "check_random_state", "child_rng", "block_rngs", "seed_from_text"]

RandomState = int | np.random.Generator | np.random.SeedSequence | None


def check_random_state(
    random_state: RandomState, where: str = "this function"
) -> np.random.Generator:
    """Return a ``numpy.random.Generator`` for ``random_state``.

    An int (>= 0) or a ``SeedSequence`` seeds a new PCG64 generator; a ``Generator`` is
    returned as it is; ``None`` gives fresh OS entropy (not reproducible).
    """
    if random_state is None:
        return np.random.default_rng()
    if isinstance(random_state, np.random.Generator):
        return random_state
    if isinstance(random_state, np.random.SeedSequence):
        return np.random.default_rng(random_state)
    if isinstance(random_state, bool) or not isinstance(random_state, int | np.integer):
        raise InvalidParameterError(
            f"The 'random_state' parameter of {where} must be an int >= 0, a "
            f"numpy.random.Generator or None. Got {random_state!r} instead."
        )
    if random_state < 0:
        raise InvalidParameterError(
            f"The 'random_state' parameter of {where} must be an int >= 0, a "
            f"numpy.random.Generator or None. Got {random_state!r} instead."
        )
    return np.random.default_rng(int(random_state))


def _key(name: str) -> int:
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:4], "little")


def child_rng(seed: int, *names: str) -> np.random.Generator:
    """An independent, named stream derived from ``seed``.

    ``child_rng(7, "bank", "transactions")`` always gives the same stream, and adding a new
    named stream never changes the existing ones.
    """
    return np.random.default_rng(np.random.SeedSequence([int(seed), *(_key(n) for n in names)]))


def block_rngs(seed: int, name: str, n_blocks: int) -> list[np.random.Generator]:
    """``n_blocks`` independent streams for block-wise generation of one named source.

    Block ``i`` gets the same stream whatever the number of workers, so chunked and
    parallel generation give identical data.
    """
    root = np.random.SeedSequence([int(seed), _key(name)])
    return [np.random.default_rng(s) for s in root.spawn(n_blocks)]


def seed_from_text(text: str, modulus: int = 2**31 - 1) -> int:
    """A stable seed derived from text (e.g. a student id): same text, same seed."""
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "little") % modulus
