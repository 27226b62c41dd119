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

**Armour against its answer.** Additive weights value a tank the same whoever it faces. Where a
scenario declares the means each force has of answering armour, the campaign raises the value of
a side's armour when the opponent's answer per tank is short of a reference (:func:`armour_factor`):

.. math::

    m = \frac{1}{1 - s\,\big(1 - \min(x / x_{ref},\, 1)\big)}, \qquad
    x = \frac{\sum_{g \in \text{opponent}} a_g\, q_g\, r_g\, \phi_g}
             {\sum_{f \in \text{side}} n^{arm}_f\, q_f\, r_f\, \phi_f}

with :math:`a_g` the effective anti-armour weapons of the opposing force :math:`g` (its tanks
where it declares none), :math:`n^{arm}_f` the side's armour, :math:`s` the share of a tank
force's combat losses that the opponent's anti-armour fire causes when its answer is at the
reference :math:`x_{ref}` answers per tank. It follows from heterogeneous Lanchester attrition
(Taylor 1983): under aimed fire each anti-armour weapon kills tanks at a rate :math:`a`, so a
tank's loss rate is :math:`\lambda(x) = \lambda_0 + a x` with :math:`\lambda_0` its losses to
everything else (artillery, mines, aircraft, breakdown). A tank's value is what it does over its
combat life :math:`1/\lambda`; the weights hold at :math:`x_{ref}`, so the value relative to the
weight is :math:`\lambda(x_{ref})/\lambda(x)`, which is :math:`m` with
:math:`s = a x_{ref} / \lambda(x_{ref})`. The factor is 1 at and above the reference (an ample
answer leaves the additive score as it is), never falls with a smaller answer, and is bounded by
:math:`1/(1-s)` when there is no answer at all: the tank is then lost only to the other causes.

References
----------
US Army Concepts Analysis Agency (1979). *Weapon Effectiveness Indices / Weighted Unit Values III
(WEI/WUV III)*. Bethesda, MD.

Mearsheimer, J. J. (1982). Why the Soviets can't win quickly in Central Europe. *International
Security* 7(1), 3-39. (Armoured-division equivalents.)

Taylor, J. G. (1983). *Lanchester Models of Warfare*, vols I-II. Arlington, VA: Military
Applications Section, Operations Research Society of America. (Heterogeneous Lanchester-type
attrition: each weapon type attrited by the opposing types that can engage it.)
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


def armour_factor(
    answer_per_tank: FloatArray, reference: FloatArray, loss_share: FloatArray
) -> FloatArray:
    r""":math:`1 / (1 - s\,(1 - \min(x/x_{ref}, 1)))`: the value of armour against its answer.

    Parameters
    ----------
    answer_per_tank
        :math:`x`, the opponent's effective anti-armour weapons per tank of this side, shape
        (members,); non-negative (``inf`` where the side has no armour).
    reference
        :math:`x_{ref} > 0`, the answer per tank at which the additive weights hold.
    loss_share
        :math:`s \in [0, 1)`, the share of the tanks' combat losses caused by the opponent's
        anti-armour fire at the reference answer.

    Returns
    -------
    numpy.ndarray
        The factor on the side's armour score, in :math:`[1, 1/(1-s)]`: 1 where the answer is
        at or above the reference, rising as it falls, :math:`1/(1-s)` with no answer.
    """
    shortfall = 1.0 - np.minimum(answer_per_tank / reference, 1.0)
    return np.asarray(1.0 / (1.0 - loss_share * shortfall))
