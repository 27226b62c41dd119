"""Reading the alignment results of a run: configuration codes as sides, and the modal one.

The engine records each member's global-minimum configuration of the landscape as a code
(``alignment_code_<bloc>``, :mod:`posturelab.engine.blocs`); these functions turn codes back into
the two sides of the actors.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from posturelab.models.alignment import codes_to_sides

FloatArray = NDArray[np.float64]


def decode(code: int, actors: Sequence[str]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Split the actors into the two sides of configuration ``code`` (the first actor's side first).

    >>> decode(0b010, ("dprk", "rok", "us", "prc"))
    (('dprk', 'rok', 'prc'), ('us',))
    """
    sides = codes_to_sides(np.asarray([int(code)]), len(actors))[0]
    return (
        tuple(a for a, s in zip(actors, sides, strict=True) if s == 0),
        tuple(a for a, s in zip(actors, sides, strict=True) if s == 1),
    )


@dataclass(frozen=True)
class ModalConfiguration:
    """The most frequent global-minimum configuration across members."""

    code: int
    share: float
    sides: tuple[tuple[str, ...], tuple[str, ...]]


def modal_configuration(
    codes: Sequence[float] | FloatArray, actors: Sequence[str]
) -> ModalConfiguration:
    """The modal configuration of the per-member codes (e.g. ``alignment_code_<bloc>``).

    Missing codes (NaN) are ignored; ties go to the lowest code.
    """
    values = np.asarray(codes, dtype=np.float64)
    values = values[np.isfinite(values)].astype(np.int64)
    if values.size == 0:
        raise ValueError("no configuration codes to summarise")
    found, counts = np.unique(values, return_counts=True)
    best = int(found[int(np.argmax(counts))])
    return ModalConfiguration(best, float(counts.max() / values.size), decode(best, actors))
