r"""The mechanism channels of the attack decision, and the switch that records or replays them.

A *mechanism channel* is one term through which a lever reaches the attacker's calculus
(:mod:`posturelab.models.decision`) or the chance events of a war
(:mod:`posturelab.models.theatres`). It is not one of the world's fields that components pass to
each other (``docs/architecture.md``): it is the value a term takes, member by member and month
by month, in every contest. The registry :data:`CHANNELS` is one literal tuple:

============  ====================================================================================
channel       term it carries (every contest that has it)
============  ====================================================================================
tripwire      :math:`c_0 + (1 - c_0)\,T/(T + T_{1/2})`, the credibility of the patron's committed
              forces
p_win         :math:`P_{win}`, the attacker's perceived chance of a quick win (the campaign model's
              depth or the scored force ratio)
support       :math:`1 - \prod_k (1 - \kappa c_k a_k)`, the partners' support with the bloc's
              cohesion
distraction   :math:`1 - \delta D`, the credibility the patron keeps while it fights a
              higher-priority war
shield        :math:`W`, the attacker's warheads as its calculus sees them (the nuclear shield
              :math:`S` and the chance of nuclear use follow from it)
wartime       the monthly chances of a strike on the patron's forces elsewhere and of an ally's
              entrapment during a war
baseline      :math:`h_{base}`, the member's hazard scale calibrated on the status quo to the
              contest's annual prior
============  ====================================================================================

:class:`ChannelSwitch` is an explicit input of the engine
(:func:`posturelab.engine.simulate.simulate_rows`). Where a run records, every term passes
through it and is kept; where it replays, a term takes the given value, row by row and month by
month, instead of the one the run computed. Everything the term feeds then follows the replayed
value: the hazard, the war's start, the forces drawn out and struck. The forces drawn out to
another war are felt through ``tripwire`` and ``p_win``; ``distraction`` is the credibility
discount alone. ``baseline`` is the same under every lever setting by construction (the status quo
has every lever at its default); it is a channel so that a split never mixes two calibrations. A
run that replays the values it recorded reproduces itself bit for bit.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class Channel:
    """One mechanism channel: its name, what it is, and the term it carries."""

    name: str
    description: str
    term: str


CHANNELS: tuple[Channel, ...] = (
    Channel(
        "tripwire",
        "credibility of the patron's committed forces (the tripwire)",
        "c0 + (1 - c0) T/(T + T_half)",
    ),
    Channel(
        "p_win",
        "the attacker's chance of a quick win (campaign depth or force ratio)",
        "P_win",
    ),
    Channel(
        "support",
        "partners' support and the cohesion of the attacker's bloc",
        "1 - prod_k (1 - kappa c_k a_k)",
    ),
    Channel(
        "distraction",
        "credibility the patron keeps while it fights a higher-priority war",
        "1 - delta D",
    ),
    Channel(
        "shield",
        "the attacker's warheads: the nuclear shield and the chance of nuclear use",
        "W",
    ),
    Channel(
        "wartime",
        "chances of a strike on the patron's forces and of an ally's entrapment in war",
        "monthly strike and entrapment chances",
    ),
    Channel(
        "baseline",
        "the member's status-quo hazard, calibrated to the contest's annual prior",
        "h_base",
    ),
)
"""The mechanism channels, in the order they are reported."""

CHANNEL_NAMES: tuple[str, ...] = tuple(c.name for c in CHANNELS)


def term_key(channel: str, *parts: str) -> str:
    """The key of one term's values: ``channel/contest[/event[/actor]]``."""
    if channel not in CHANNEL_NAMES:
        raise KeyError(f"unknown mechanism channel {channel!r} (channels: {CHANNEL_NAMES})")
    return "/".join((channel, *parts))


def channel_of(key: str) -> str:
    """The channel a term key belongs to."""
    return key.split("/", 1)[0]


@dataclass
class ChannelSwitch:
    """Records the mechanism terms of a run, or replays given values in their place.

    Attributes
    ----------
    n_months
        Months of the run (the recorded arrays are ``(rows, n_months)``).
    replay
        Term key -> ``(rows, n_months)`` values that replace the computed ones; terms not in it
        keep their computed values.
    record
        Whether to keep every term's values (after replay) in :attr:`recorded`.
    recorded
        Term key -> ``(rows, n_months)`` values, NaN in months where the term was not computed.
    """

    n_months: int
    replay: Mapping[str, FloatArray] = field(default_factory=dict)
    record: bool = False
    recorded: dict[str, FloatArray] = field(default_factory=dict)

    def term(self, key: str, month: int | None, values: FloatArray) -> FloatArray:
        """The value the term takes this month: the replayed one where given, else ``values``.

        ``month`` None: a term constant over the run (kept in every month, replayed from the
        first).
        """
        given = self.replay.get(key)
        if given is not None:
            values = np.asarray(given[:, 0 if month is None else month], dtype=np.float64)
        else:
            values = np.asarray(values, dtype=np.float64)
        if self.record:
            kept = self.recorded.get(key)
            if kept is None:
                kept = np.full((values.shape[0], self.n_months), np.nan)
                self.recorded[key] = kept
            if month is None:
                kept[:] = values[:, None]
            else:
                kept[:, month] = values
        return values


def pass_term(
    switch: ChannelSwitch | None, channel: str, parts: tuple[str, ...], month: int | None,
    values: FloatArray,
) -> FloatArray:  # fmt: skip
    """``values`` through ``switch`` under ``channel/parts`` (unchanged when there is none)."""
    if switch is None:
        return values
    return switch.term(term_key(channel, *parts), month, values)
