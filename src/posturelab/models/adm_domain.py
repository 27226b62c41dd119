r"""The domain of every scalar parameter of Epstein's Adaptive Dynamic Model, declared once.

The scenario schema (``campaign_terms``), the ``campaign`` command and the Python API all check
ADM parameters against :data:`ADM_DOMAINS`; nothing else declares a range.

Each bound follows from the model's equations (:mod:`posturelab.models.campaign`):

* ``W_max > 0``: the attacker's prosecution rate is throttled by the defender's withdrawal as
  :math:`\alpha_t (1 - W_t / W_{max})`, so ``W_max`` divides; a defender that cannot withdraw at all
  is outside the model (Epstein 1985, eq. for the prosecution rate), not a limiting case of it.
* ``rho > 0``: the defender's loss is the attacker's loss divided by the exchange ratio.
* ``alpha_aT`` in (0, 1]: the attacker's adjustment divides by its threshold attrition rate.
* ``alpha_dT`` in [0, 1]: the withdrawal equation divides by :math:`1 - \alpha_{dT}`, which the
  model guards when it is 0 (a defender that withdraws at once).
* ``breakpoint_A``, ``breakpoint_D`` in [0, 1): a side stops when its lethality falls to this
  share of its initial value; at 1 the campaign would end before its first day.
* ``objective_km > 0``, infinite for none.

References
----------
Epstein, J. M. (1985). *The Calculus of Conventional War: Dynamic Analysis without Lanchester
Theory*. Washington, DC: Brookings Institution.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Final


@dataclass(frozen=True)
class Domain:
    """An interval of allowed values: ``low``/``high`` with whether each bound is included."""

    low: float
    low_inclusive: bool
    high: float
    high_inclusive: bool

    def contains(self, value: float) -> bool:
        """Whether ``value`` (not NaN) lies in the interval."""
        if math.isnan(value):
            return False
        above = value >= self.low if self.low_inclusive else value > self.low
        below = value <= self.high if self.high_inclusive else value < self.high
        return above and below

    def describe(self) -> str:
        """Say the interval in words a message can use, e.g. ``> 0`` or ``in [0, 1)``."""
        if math.isinf(self.high) and not self.high_inclusive:
            return f"{'>=' if self.low_inclusive else '>'} {self.low:g}"
        left = "[" if self.low_inclusive else "("
        right = "]" if self.high_inclusive else ")"
        return f"in {left}{self.low:g}, {self.high:g}{right}"


_NON_NEGATIVE: Final = Domain(0.0, True, math.inf, False)
_POSITIVE: Final = Domain(0.0, False, math.inf, False)
_FRACTION: Final = Domain(0.0, True, 1.0, True)
_BREAKPOINT: Final = Domain(0.0, True, 1.0, False)

#: Allowed values of each entry of the daily factors of
#: :class:`~posturelab.models.campaign.ADMParams` (entry ``t`` is day ``t``).
FACTOR_DOMAINS: Final[Mapping[str, Domain]] = MappingProxyType(
    {
        "air_factor_D": Domain(0.0, True, 1.0, True),
        "rho_factor": Domain(0.0, False, math.inf, False),
    }
)

#: Allowed values of every scalar field of :class:`~posturelab.models.campaign.ADMParams`.
ADM_DOMAINS: Final[Mapping[str, Domain]] = MappingProxyType(
    {
        "A0": _NON_NEGATIVE,
        "D0": _NON_NEGATIVE,
        "alpha0": _FRACTION,
        "rho": _POSITIVE,
        "W_max": _POSITIVE,
        "alpha_dT": _FRACTION,
        "alpha_aT": Domain(0.0, False, 1.0, True),
        "k": _NON_NEGATIVE,
        "Dcas0": _NON_NEGATIVE,
        "Acas0": _NON_NEGATIVE,
        "K_d": _NON_NEGATIVE,
        "K_a": _NON_NEGATIVE,
        "S_d": _NON_NEGATIVE,
        "S_a": _NON_NEGATIVE,
        "alpha_da": _FRACTION,
        "alpha_aa": _FRACTION,
        "objective_km": Domain(0.0, False, math.inf, True),
        "breakpoint_A": _BREAKPOINT,
        "breakpoint_D": _BREAKPOINT,
        "breakpoint_A_momentum": _FRACTION,
        "breakpoint_D_momentum": _FRACTION,
        "pursuit_km_per_day": _NON_NEGATIVE,
        "reform_share": _POSITIVE,
    }
)
