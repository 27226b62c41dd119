r"""Coercion by artillery: a bombardment of a city, counter-battery fire and sheltering.

Long-range artillery and rockets within reach of a city threaten its population from the first
minutes of a war, whatever the ground campaign does: a counter-value channel separate from the
contest for territory. With :math:`t` in hours from the opening of fire,

.. math::

    N(t) &= N_0\,e^{-\kappa t} \\
    r(t) &= 1 \text{ for } t < t_1, \quad \sigma \text{ after} \\
    \lambda(t) &= \lambda_s + (\lambda_o - \lambda_s)\,e^{-t/\tau} \\
    C(T) &= \int_0^T N(t)\,r(t)\,\lambda(t)\,dt

where :math:`N_0` is the number of pieces (guns and rocket launchers) in range of the city,
:math:`\kappa` the rate at which counter-battery fire destroys firing pieces (per hour),
:math:`r(t)` the rate of fire relative to the opening barrage (full for the first :math:`t_1`
hours, then the sustained share :math:`\sigma`, since a barrage cannot be kept up: ammunition,
barrel wear and the need to move away from counter-battery fire), :math:`\lambda(t)` the casualties
per piece-hour, falling from :math:`\lambda_o` with the population in the open to
:math:`\lambda_s = \phi\,\lambda_o` once it has taken shelter, with time constant :math:`\tau`
hours. The integral has a closed form (sums of exponentials), evaluated by
:func:`bombardment_casualties` for every member at once.

The structure follows the RAND study of the North Korean artillery threat (Barnett et al. 2020),
which counted nearly 6,000 pieces in range of South Korean population centres and estimated
casualties in five scenarios from about 4,500 (a one-minute strike on military targets along the
DMZ) to about 205,600 (a one-hour strike by 5,700 pieces on Seoul, Incheon and Camp Casey), most of
them in the first hour before people reach shelter. Anderson & Press (2025) argue that the
exposure of Seoul is smaller than usually claimed (range, accuracy and shelters); the ranges of
:math:`\lambda_o`, :math:`\phi` and :math:`\tau` in a scenario should span both views.

References
----------
Barnett, D. J. et al. (2020). *North Korean Conventional Artillery: A Means to Retaliate, Coerce,
Deter, or Terrorize Populations*. RAND Corporation, RR-A619-1.

Anderson, N. D. & Press, D. G. (2025). Lost Seoul? Assessing the conventional threat to South
Korea's capital. *Texas National Security Review*.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class BombardmentParams:
    r"""Per-member terms of a bombardment; each field is an array over members.

    Attributes
    ----------
    pieces
        :math:`N_0`, pieces in range of the city.
    lethality_open
        :math:`\lambda_o`, casualties per piece-hour with the population in the open.
    sheltered_share
        :math:`\phi`, the share of :math:`\lambda_o` that remains once people have sheltered.
    shelter_hours
        :math:`\tau`, the time constant of taking shelter (hours).
    barrage_hours
        :math:`t_1`, length of the opening barrage at the full rate of fire (hours).
    sustained_share
        :math:`\sigma`, the rate of fire after the barrage relative to it.
    counter_battery_per_hour
        :math:`\kappa`, the share of firing pieces destroyed per hour.
    """

    pieces: FloatArray
    lethality_open: FloatArray
    sheltered_share: FloatArray
    shelter_hours: FloatArray
    barrage_hours: FloatArray
    sustained_share: FloatArray
    counter_battery_per_hour: FloatArray


def _decay_integral(rate: FloatArray, a: FloatArray, b: FloatArray) -> FloatArray:
    r""":math:`\int_a^b e^{-\text{rate}\,t}\,dt`, exact also as the rate goes to zero."""
    width = np.maximum(b - a, 0.0)
    x = rate * width
    # (1 - e^{-x}) / rate = width * (1 - e^{-x}) / x, with (1 - e^{-x}) / x -> 1 as x -> 0.
    small = np.abs(x) < 1e-12
    ratio = np.where(small, 1.0, -np.expm1(-x) / np.where(small, 1.0, x))
    return np.asarray(np.exp(-rate * a) * width * ratio, dtype=np.float64)


def bombardment_casualties(params: BombardmentParams, hours: FloatArray | float) -> FloatArray:
    r"""Casualties :math:`C(T)` by ``hours`` :math:`T` after the opening of fire, per member.

    Exact (sums of exponentials over the barrage and the sustained phase); non-decreasing in
    :math:`T`, linear in :math:`N_0` and :math:`\lambda_o`.
    """
    q = params
    horizon = np.broadcast_to(np.asarray(hours, dtype=np.float64), q.pieces.shape)
    kappa = q.counter_battery_per_hour
    fast = kappa + 1.0 / np.maximum(q.shelter_hours, 1e-12)
    open_part = (1.0 - q.sheltered_share) * q.lethality_open
    sheltered = q.sheltered_share * q.lethality_open
    split = np.minimum(q.barrage_hours, horizon)
    zero = np.zeros_like(horizon)

    def phase(lo: FloatArray, hi: FloatArray) -> FloatArray:
        return np.asarray(
            sheltered * _decay_integral(kappa, lo, hi) + open_part * _decay_integral(fast, lo, hi)
        )

    total = phase(zero, split) + q.sustained_share * phase(split, horizon)
    return np.asarray(q.pieces * total, dtype=np.float64)


def surviving_pieces(params: BombardmentParams, hours: FloatArray | float) -> FloatArray:
    r""":math:`N(T) = N_0 e^{-\kappa T}`."""
    return np.asarray(params.pieces * np.exp(-params.counter_battery_per_hour * hours))
