r"""Theatre mechanisms around the ADM: warning and surprise, the air campaign, special forces, gas.

Pure functions over arrays (leading axis: member) that turn a campaign's terms into the inputs of
:func:`posturelab.models.campaign.simulate_adm`: the defender's initial lethality, the part of it
that becomes ready day by day, the share of its close-air-support sorties flown each day
(:math:`u_t`) and the exchange-ratio multiplier (:math:`f_t`). Days are :math:`t = 0, 1, \dots`.

Readiness from warning (:math:`w` days of warning, surprise readiness :math:`s_0`, ramp
:math:`R` days):

.. math::

    r_t = s_0 + (1 - s_0) \min\big((w + t) / R,\ 1\big)

The defender starts with :math:`D_0 (1 - \sigma) r_0` (:math:`\sigma`: lethality lost at once to
special forces and tunnels), and :math:`D_0 (1 - \sigma)(r_{t+1} - r_t)` joins on day
:math:`t + 1`. Its close air support flies the share

.. math::

    u_t = r_t \,\big(1 - b\, e^{-t/\tau}\big)\,(1 - n)

of its sorties: readiness, bases struck at the outset losing the share :math:`b` of sorties and
recovering with time constant :math:`\tau`, and the share :math:`n` lost to weather and night.
Chemical attacks lower the exchange ratio for their first :math:`T_c` days,
:math:`f_t = 1 - c` for :math:`t < T_c` (else 1; :math:`c \le 0.95`).

References
----------
O'Hanlon, M. (1998). Stopping a North Korean invasion. *International Security* 22(4), 135-170
(warning times of 5-17 days in US planning, note 5).
Dupuy, T. N. (1987). *Understanding War*. Paragon House (surprise raises the attacker's advance).
Epstein, J. M. (1985). *The Calculus of Conventional War*. Brookings (the model these feed).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]

MAX_CHEMICAL = 0.95


def readiness(warning: FloatArray, surprise: FloatArray, ramp: FloatArray, days: int) -> FloatArray:
    r""":math:`r_t` for :math:`t = 0..days`, shape ``(members, days + 1)``."""
    t = np.arange(days + 1, dtype=np.float64)
    since = (warning[:, None] + t[None, :]) / np.maximum(ramp, 1e-9)[:, None]
    return surprise[:, None] + (1.0 - surprise[:, None]) * np.minimum(since, 1.0)


def ramp_reinforcement(d0: FloatArray, r: FloatArray) -> FloatArray:
    r"""Lethality joining on day ``i + 1``: :math:`D_0 (r_{i+1} - r_i)`, shape (members, days)."""
    return d0[:, None] * np.diff(r, axis=1)


def air_factor(
    r: FloatArray,
    strike_share: FloatArray,
    repair_days: FloatArray,
    weather_night: FloatArray,
) -> FloatArray:
    r""":math:`u_t = r_t (1 - b e^{-t/\tau})(1 - n)` for days ``0..days - 1``."""
    days = r.shape[1] - 1
    t = np.arange(days, dtype=np.float64)
    bases = 1.0 - strike_share[:, None] * np.exp(
        -t[None, :] / np.maximum(repair_days, 1e-9)[:, None]
    )
    return np.asarray(r[:, :days] * bases * (1.0 - weather_night)[:, None])


def rho_factor(degradation: FloatArray, chemical_days: FloatArray, days: int) -> FloatArray:
    r""":math:`f_t = 1 - \min(c, 0.95)` while :math:`t < T_c`, else 1; shape ``(members, days)``."""
    t = np.arange(days, dtype=np.float64)
    c = np.minimum(degradation, MAX_CHEMICAL)
    return np.where(t[None, :] < chemical_days[:, None], 1.0 - c[:, None], 1.0)
