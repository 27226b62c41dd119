r"""Theatres, contingencies and entrapment: the patron's allocation policy (DESIGN 5.4).

Pure functions over arrays whose leading axis is the ensemble member.

Forces drawn into a higher-priority war. When a war starts in a theatre the patron ranks higher,
a share of its forces in a lower-priority theatre leaves for it:

.. math::

    \sigma = f + \mathbb{1}_{1T}\, d\, (1 - f), \qquad
    \Delta P = \min\big(\sigma P,\ \max(P - P_{floor}, 0)\big)

with the strategic-flexibility share :math:`f`, the extra draw :math:`d` of a one-theatre command
(when it is in effect), the personnel :math:`P` in the theatre and the floor :math:`P_{floor}`.

Reinforcement. A reinforcement :math:`r` of lethality :math:`L_r` starts arriving
:math:`\tau_r = (\text{prep}_r + \text{km}_r / \text{lift}_r + \text{vacuum}_r)\,\prod_k \phi_k`
days after the war starts and arrives evenly over :math:`s_r` days, where the factors
:math:`\phi_k` are the one-theatre command's (between pooled theatres, < 1), the joint
headquarters' (from its base, < 1) and the patron's distraction (while it fights a
higher-priority war, >= 1, which also scales :math:`L_r` by a share <= 1). A higher-priority war
therefore never speeds a reinforcement.

Strikes and entrapment. While the higher-priority war lasts, the attacker strikes the patron's
forces in the theatre with monthly probability :math:`\min(1, b + c\,\sigma)`, and an ally is drawn
into that war with monthly probability

.. math::

    \min\big(1,\ e\,(\mathbb{1}_{host} h + (1 - \mathbb{1}_{host})) + a\,\mathbb{1}_{struck}\big)

where :math:`e` is the probability under the patron's command, :math:`h \le 1` the factor once the
host holds the command (so a transfer never raises it) and :math:`a` the increase after a strike.

References
----------
Snyder, G. H. (1984). The security dilemma in alliance politics. *World Politics* 36(4), 461-495.
(Abandonment and entrapment.)

Epstein, J. M. (1985). *The Calculus of Conventional War*. Brookings. (Reinforcement schedules.)
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]


def drawn_share(flexibility: float, one_theatre: BoolArray | bool, extra: FloatArray) -> FloatArray:
    r""":math:`\sigma = f + \mathbb{1}_{1T} d (1 - f)`, the share of forces a war draws out."""
    return np.asarray(
        flexibility + np.asarray(one_theatre, dtype=np.float64) * extra * (1.0 - flexibility)
    )


def drawn_personnel(personnel: FloatArray, share: FloatArray, floor: FloatArray) -> FloatArray:
    r""":math:`\min(\sigma P, \max(P - P_{floor}, 0))`: personnel leaving the theatre."""
    return np.minimum(share * personnel, np.maximum(personnel - floor, 0.0))


def delay_days(
    prep: FloatArray,
    km: FloatArray,
    lift: FloatArray,
    vacuum_extra: FloatArray,
    factor: FloatArray,
) -> FloatArray:
    r""":math:`(\text{prep} + \text{km}/\text{lift} + \text{vacuum}) \prod_k \phi_k`."""
    return np.asarray((prep + km / lift + vacuum_extra) * factor)


def arrival_schedule(
    lethality: FloatArray, start: FloatArray, spread: FloatArray, days: int
) -> FloatArray:
    """Daily arrivals of reinforcements, shape (members, days).

    Parameters
    ----------
    lethality, start, spread
        Shape (members, R): each reinforcement's lethality, first arrival day and spread in days.
        A reinforcement delivers ``lethality`` evenly over the days ``[start, start + spread)``,
        fractional days pro rata, so the schedule's total over an unbounded horizon is exact.
    days
        Horizon of the schedule.
    """
    day = np.arange(days, dtype=np.float64)[None, None, :]
    begin = start[:, :, None]
    end = (start + spread)[:, :, None]
    overlap = np.clip(np.minimum(day + 1.0, end) - np.maximum(day, begin), 0.0, None)
    rate = lethality / np.maximum(spread, 1e-12)
    return np.asarray(np.sum(overlap * rate[:, :, None], axis=1))


def strike_probability(base: FloatArray, per_share: FloatArray, share: FloatArray) -> FloatArray:
    r""":math:`\min(1, b + c\,\sigma)`: monthly probability of strikes on the patron's forces."""
    return np.minimum(1.0, base + per_share * share)


def entrapment_probability(
    under_patron: FloatArray,
    host_factor: FloatArray,
    host_holds_command: BoolArray | bool,
    after_strike: FloatArray,
    struck: BoolArray,
) -> FloatArray:
    r"""Monthly probability that the ally is drawn into the war (see the module docstring)."""
    command = np.where(host_holds_command, host_factor, 1.0)
    return np.minimum(1.0, under_patron * command + after_strike * struck)
