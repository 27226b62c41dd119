r"""Force scoring: equipment counts to ground lethality, aircraft to air strength (DESIGN 4).

.. math::

    L_f = \Big(\sum_c n_{f,c}\, w_c\Big)\, q_f\, r_f\, \phi_f \quad\text{or}\quad
    L_f = \lambda_f\, q_f\, r_f\, \phi_f, \qquad
    A_f = N_f\, w_{air}\, q_f\, r_f\, \phi_f

for force :math:`f` with equipment counts :math:`n_{f,c}` of class :math:`c`, class weights
:math:`w_c` (tank equivalents, in the spirit of the US Army's weapon-effectiveness indices and
armoured-division equivalents), or a pre-scored lethality :math:`\lambda_f` where the inventory is
not public; quality :math:`q_f`, readiness :math:`r_f`, the share deployed forward :math:`\phi_f`,
aircraft :math:`N_f` and the aircraft weight :math:`w_{air}`. A force's score scales with its
strength factor (current over initial personnel) as forces move.

References
----------
US Army Concepts Analysis Agency (1979). *Weapon Effectiveness Indices / Weighted Unit Values III
(WEI/WUV III)*. Bethesda, MD.

Mearsheimer, J. J. (1982). Why the Soviets can't win quickly in Central Europe. *International
Security* 7(1), 3-39. (Armoured-division equivalents.)
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]


def ground_score(
    counts: FloatArray,
    weights: FloatArray,
    quality: FloatArray,
    readiness: FloatArray,
    forward: FloatArray,
) -> FloatArray:
    r""":math:`(\sum_c n_c w_c)\,q\,r\,\phi` for one force.

    Parameters
    ----------
    counts, weights
        Shape (members, C): equipment counts and class weights.
    quality, readiness, forward
        Shape (members,).
    """
    return np.asarray(np.sum(counts * weights, axis=1) * quality * readiness * forward)


def air_score(
    aircraft: FloatArray,
    weight: FloatArray,
    quality: FloatArray,
    readiness: FloatArray,
    forward: FloatArray,
) -> FloatArray:
    r""":math:`N\,w_{air}\,q\,r\,\phi` for one force; all arrays have shape (members,)."""
    return np.asarray(aircraft * weight * quality * readiness * forward)


def strength_factor(personnel: FloatArray, initial: FloatArray) -> FloatArray:
    """Current over initial personnel, or 1 where a force has no personnel figure."""
    return np.where(initial > 0, personnel / np.where(initial > 0, initial, 1.0), 1.0)
