r"""Force capability over time: procurement from spending, modernisation and exercise readiness.

A force's scored strength is multiplied by a *capability* factor :math:`m_f(t)` (1 at the start),
the product of three terms, each a pure function of per-member arrays:

**Procurement (perpetual inventory).** An actor's stock of equipment capital follows

.. math::

    K(t + \Delta t) = (1 - \delta\,\Delta t)\,K(t) + \Delta t\; x(t - L),
    \qquad \delta = 1 / T_{life},

with :math:`x` its military spending, :math:`L` the lag from appropriation to fielded equipment
and :math:`T_{life}` the service life over which equipment is written off (straight-line
depreciation as a constant rate). The stock starts in the steady state of the starting spending,
:math:`K(0) = x(0) / \delta`, and spending before the start is taken at its starting level; the
share of spending that buys equipment cancels in the ratio :math:`m_{proc} = K(t) / K(0)`. This is
the perpetual-inventory method of capital measurement (OECD 2009), applied to military capital
as in the literature on defence capital stocks (e.g. Hartley & Sandler 1995, ch. 3).

**Modernisation.** While the patron modernises its forces in a theatre, their capability rises
linearly to :math:`1 + g` over :math:`T_{ramp}` years from the lever's month:
:math:`m_{mod} = 1 + g \min(1, \tau / T_{ramp})`.

**Exercise readiness.** Without the large combined exercises, the readiness of the exercising
forces decays towards :math:`1 - r` with time constant :math:`\tau_r` months:
:math:`m_{ex} = 1 - r\,(1 - e^{-\tau_{off} / \tau_r})`, :math:`\tau_{off}` the months since the
exercises stopped. Whether the 2018-19 suspension degraded readiness is disputed, so :math:`r` is
ranged from no loss upwards.

References
----------
OECD (2009). *Measuring Capital - OECD Manual*, 2nd ed., ch. 5-6 (perpetual-inventory method).

Hartley, K. & Sandler, T. (eds.) (1995). *Handbook of Defense Economics*, vol. 1. Elsevier.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]


def inventory_step(
    stock: FloatArray, investment: FloatArray, life_years: FloatArray, dt: float
) -> FloatArray:
    r""":math:`K \leftarrow (1 - \Delta t / T_{life}) K + \Delta t\, x(t - L)`."""
    return np.asarray(stock * (1.0 - dt / life_years) + dt * investment)


def steady_stock(spending: FloatArray, life_years: FloatArray) -> FloatArray:
    r"""Stock in the steady state of constant spending: :math:`K = x\,T_{life}`."""
    return np.asarray(spending * life_years)


def modernisation_factor(
    months_since: FloatArray | float, gain: FloatArray, ramp_years: FloatArray
) -> FloatArray:
    r""":math:`1 + g \min(1, \tau / T_{ramp})`, with :math:`\tau` in months (negative: not yet)."""
    tau = np.maximum(np.asarray(months_since, dtype=np.float64), 0.0)
    return np.asarray(1.0 + gain * np.minimum(1.0, tau / (12.0 * ramp_years)))


def exercise_factor(
    months_off: FloatArray | float, loss: FloatArray, decay_months: FloatArray
) -> FloatArray:
    r""":math:`1 - r (1 - e^{-\tau_{off}/\tau_r})` (1 while the exercises go on)."""
    tau = np.maximum(np.asarray(months_off, dtype=np.float64), 0.0)
    return np.asarray(1.0 - loss * -np.expm1(-tau / decay_months))
