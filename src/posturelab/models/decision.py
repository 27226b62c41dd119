r"""The attack decision: a deterrence calculus turned into a monthly hazard (DESIGN 5.3).

For a potential attacker, each month and each ensemble member:

.. math::

    P_{win} &= \operatorname{logistic}\big((\ln R - \ln R_{50}) / s\big) \\
    Cred &= \big(c_0 + (1 - c_0)\,\tfrac{T}{T + T_{1/2}}\big)\,(1 - \delta\,D) \\
    support &= 1 - \textstyle\prod_k (1 - \kappa\,c_k\,a_k) \\
    EU &= P_{win} V_{win} - (1 - P_{win})\,C_{lose}\,(1 - support) - C_{pun}\,Cred - C_{war} \\
    h &= \min\big(h_{max},\ h_{base}\,e^{\beta EU}\big)

For an attacker with nuclear weapons (a contest's ``nuclear`` terms) the calculus becomes

.. math::

    S &= W / (W + W_{1/2}) \\
    P_{nuc} &= \min\big(1,\ S\,(u_0 + u_{lose}\,(1 - P_{win}))\big) \\
    EU &= P_{win} V_{win} (1 + \lambda S) - (1 - P_{win})\,C_{lose}\,(1 - support)
          - C_{pun}\,Cred\,\big(1 - S\,(1 - e)\big) - C_{war} - P_{nuc}\,C_{nuc}\,e

with :math:`W` the attacker's assembled warheads this month (published by the arms component),
:math:`S` the *shield*, the share of its nuclear leverage it holds with :math:`W` warheads
(:math:`W_{1/2}` warheads give half); :math:`\lambda` the coercive leverage a shield adds to
the value of a quick gain (the stability-instability paradox: Snyder 1965; emboldenment, Bell
2015); :math:`e` the credibility of the patron's extended deterrence, the chance that it punishes
and answers nuclear use despite the attacker's shield (decoupling); :math:`P_{nuc}` the chance
that the war goes nuclear, with :math:`u_0` the chance of use however the war goes and
:math:`u_{lose}` the added chance when it goes badly (the conditions of North Korea's 2022 law on
its nuclear forces: an attack on the leadership or the nuclear command, or the need to take the
initiative and prevent the war's expansion); :math:`C_{nuc}` the cost to the attacker of the
patron's answer to nuclear use.

where :math:`R` is the attacker's scored forward strength over the defence's (the provisional view
of the balance; the campaign model replaces it with the depth a campaign reaches), :math:`R_{50}`
the ratio at which the attacker sees even odds and :math:`s` its misperception scale; :math:`T` the
patron's personnel committed to the theatre (the tripwire), :math:`T_{1/2}` the personnel at which
the stationed-force part of credibility is half, :math:`c_0` the credibility of the commitment
alone,
:math:`D \in \{0, 1\}` whether the patron is at war in a higher-priority theatre and :math:`\delta`
the share of credibility that distraction removes; :math:`c_k` the commitment of partner treaty
:math:`k`, :math:`a_k` whether it is in force, :math:`\kappa` the partners' bloc cohesion.

:math:`h_{base}` is calibrated per member so that the status-quo state at the start has the monthly
hazard implied by the scenario's stated annual prior :math:`p`: :math:`h_0 = 1 - (1 - p)^{1/12}`
and :math:`h_{base} = h_0\,e^{-\beta EU_0}`. Absolute probabilities therefore rest on the prior;
effects between variants rest on the model.

References
----------
Huth, P. K. (1988). Extended deterrence and the outbreak of war. *American Political Science
Review* 82(2), 423-443. (The defender's ability to deny a quick victory is what deters.)

Huth, P. & Russett, B. (1984). What makes deterrence work? Cases from 1900 to 1980. *World
Politics* 36(4), 496-526.

Bueno de Mesquita, B. (1981). *The War Trap*. Yale University Press. (Expected utility of war.)

Snyder, G. H. (1965). The balance of power and the balance of terror. In P. Seabury (ed.), *The
Balance of Power*. Chandler. (The stability-instability paradox.)

Bell, M. S. (2015). Beyond emboldenment: how acquiring nuclear weapons can change foreign policy.
*International Security* 40(1), 87-119.

Narang, V. (2014). *Nuclear Strategy in the Modern Era*. Princeton University Press. (Asymmetric
escalation postures of regional nuclear powers.)

DPRK Supreme People's Assembly (2022). Law on the state policy on nuclear forces, 8 September 2022
(KCNA, 9 September 2022).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class DecisionParams:
    """Per-member terms of one attacker's calculus; each field is an array over members."""

    v_win: FloatArray
    c_lose: FloatArray
    c_punish: FloatArray
    c_war: FloatArray
    beta: FloatArray
    h_max: FloatArray
    win_ratio: FloatArray
    misperception: FloatArray
    tripwire_half: FloatArray
    base_credibility: FloatArray
    distraction_weight: FloatArray


@dataclass(frozen=True)
class NuclearParams:
    """Per-member nuclear terms of one attacker's calculus (module docstring)."""

    shield_half: FloatArray
    leverage: FloatArray
    extended_deterrence: FloatArray
    use_base: FloatArray
    use_losing: FloatArray
    c_nuclear: FloatArray


def nuclear_shield(warheads: FloatArray, half: FloatArray) -> FloatArray:
    r""":math:`S = W / (W + W_{1/2})`, in [0, 1)."""
    w = np.maximum(np.asarray(warheads, dtype=np.float64), 0.0)
    return np.asarray(w / (w + half))


def p_nuclear_use(shield: FloatArray, p_win: FloatArray, n: NuclearParams) -> FloatArray:
    r""":math:`P_{nuc} = \min(1, S (u_0 + u_{lose} (1 - P_{win})))`."""
    return np.minimum(1.0, shield * (n.use_base + n.use_losing * (1.0 - p_win)))


def logistic(x: FloatArray) -> FloatArray:
    """The logistic function :math:`1 / (1 + e^{-x})`, computed without overflow."""
    return np.asarray(0.5 * (1.0 + np.tanh(0.5 * np.asarray(x, dtype=np.float64))))


def p_win_from_ratio(ratio: FloatArray, win_ratio: FloatArray, scale: FloatArray) -> FloatArray:
    r""":math:`P_{win} = \operatorname{logistic}((\ln R - \ln R_{50}) / s)`; zero when R = 0."""
    safe = np.maximum(ratio, 1e-300)
    return np.where(ratio > 0, logistic((np.log(safe) - np.log(win_ratio)) / scale), 0.0)


def credibility(
    tripwire: FloatArray,
    half: FloatArray,
    base: FloatArray,
    distraction_weight: FloatArray,
    distracted: NDArray[np.bool_] | FloatArray,
    form: NDArray[np.int64] | None = None,
    threshold: FloatArray | None = None,
) -> FloatArray:
    r""":math:`(c_0 + (1 - c_0) T/(T + T_{1/2}))(1 - \delta D)`, in [0, 1].

    With ``form`` (per member, a code of :data:`TRIPWIRE_FORMS`) and the ``threshold`` of the
    threshold form, the stationed-force part follows each member's form
    (:func:`tripwire_credibility`); without them it is the saturating form.
    """
    if form is None:
        stationed = tripwire / (tripwire + half)
        committed = base + (1.0 - base) * stationed
    else:
        limit = threshold if threshold is not None else np.full(tripwire.shape, np.inf)
        committed = tripwire_credibility(form, tripwire, half, base, limit)
    return committed * (1.0 - distraction_weight * distracted)


TRIPWIRE_FORMS = ("saturating", "flat", "threshold")
"""The tripwire relation's forms, in the order of their codes (:func:`tripwire_credibility`)."""


def tripwire_credibility(
    form: NDArray[np.int64],
    tripwire: FloatArray,
    half: FloatArray,
    base: FloatArray,
    threshold: FloatArray,
) -> FloatArray:
    r"""The credibility of the commitment with ``tripwire`` personnel committed, by form.

    Per member, ``form`` is a code of :data:`TRIPWIRE_FORMS`:

    * 0, *saturating*: :math:`c_0 + (1 - c_0)\,T/(T + T_{1/2})`, rising with every soldier and
      saturating (Huth 1988: a local force able to deny a quick victory deters);
    * 1, *flat*: :math:`c_0`, the commitment alone; troop deployments add no deterrence beyond
      the alliance commitment (Fuhrmann & Sechser 2014);
    * 2, *threshold*: :math:`c_0 + (1 - c_0)\,\mathbb{1}[T \ge T^*]`; a force large enough
      to be engaged in any attack commits the patron, and one below it does not (the tripwire,
      Schelling 1966).

    Distraction (:func:`credibility`) multiplies the result.

    References
    ----------
    Fuhrmann, M. & Sechser, T. S. (2014). Signaling alliance commitments: hand-tying and sunk
    costs in extended nuclear deterrence. *American Journal of Political Science* 58(4), 919-935.

    Schelling, T. C. (1966). *Arms and Influence*. Yale University Press.
    """
    code = np.asarray(form, dtype=np.int64)
    stationed = tripwire / (tripwire + half)
    tripped = (tripwire >= threshold).astype(np.float64)
    share = np.where(code == 0, stationed, np.where(code == 2, tripped, 0.0))
    return np.asarray(base + (1.0 - base) * share)


def partner_support(
    commitments: FloatArray, in_force: NDArray[np.bool_], cohesion: FloatArray
) -> FloatArray:
    r""":math:`1 - \prod_k (1 - \kappa c_k a_k)`.

    Parameters
    ----------
    commitments
        Shape (members, K): each partner treaty's commitment in [0, 1].
    in_force
        Shape (K,): whether each treaty is in force this month.
    cohesion
        Shape (members,): the partners' bloc cohesion in [0, 1].
    """
    if commitments.shape[1] == 0:
        return np.zeros(commitments.shape[0])
    terms = 1.0 - cohesion[:, None] * commitments * in_force[None, :]
    return np.asarray(1.0 - np.prod(terms, axis=1))


def expected_utility(
    p_win: FloatArray,
    cred: FloatArray,
    support: FloatArray,
    p: DecisionParams,
    nuclear: NuclearParams | None = None,
    warheads: FloatArray | None = None,
) -> FloatArray:
    r"""The attacker's expected utility of war (module docstring).

    Without ``nuclear`` terms:
    :math:`P_{win} V_{win} - (1-P_{win}) C_{lose} (1-support) - C_{pun} Cred - C_{war}`; with them
    and the attacker's ``warheads``, the shield, leverage, decoupling and escalation terms.
    """
    if nuclear is None or warheads is None:
        return (
            p_win * p.v_win
            - (1.0 - p_win) * p.c_lose * (1.0 - support)
            - p.c_punish * cred
            - p.c_war
        )
    shield = nuclear_shield(warheads, nuclear.shield_half)
    e = nuclear.extended_deterrence
    use = p_nuclear_use(shield, p_win, nuclear)
    return (
        p_win * p.v_win * (1.0 + nuclear.leverage * shield)
        - (1.0 - p_win) * p.c_lose * (1.0 - support)
        - p.c_punish * cred * (1.0 - shield * (1.0 - e))
        - p.c_war
        - use * nuclear.c_nuclear * e
    )


def monthly_from_annual(p_annual: FloatArray) -> FloatArray:
    r"""Monthly probability with the same annual total: :math:`1 - (1 - p)^{1/12}`."""
    return np.asarray(-np.expm1(np.log1p(-np.asarray(p_annual, dtype=np.float64)) / 12.0))


def calibrate_base(h0: FloatArray, eu0: FloatArray, beta: FloatArray) -> FloatArray:
    r""":math:`h_{base} = h_0 e^{-\beta EU_0}`, so that the status quo has hazard :math:`h_0`."""
    return np.asarray(h0 * np.exp(-beta * eu0))


def hazard(h_base: FloatArray, eu: FloatArray, beta: FloatArray, h_max: FloatArray) -> FloatArray:
    r""":math:`\min(h_{max}, h_{base} e^{\beta EU})`."""
    return np.minimum(h_max, h_base * np.exp(beta * eu))


def p_win_from_depth(depth: FloatArray, objective: FloatArray, scale: FloatArray) -> FloatArray:
    r""":math:`P_{win} = \operatorname{logistic}((X_{max} - d_{obj}) / s)` (DESIGN 5.3).

    ``depth`` is the depth the campaign model says the attacker reaches, ``objective`` the
    objective's depth and ``scale`` the attacker's misperception in km.
    """
    return logistic((depth - objective) / scale)
