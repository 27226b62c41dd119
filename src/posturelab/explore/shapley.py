r"""Exact Shapley values of a game given on every coalition of a few players.

For players :math:`N = \{0, \dots, k-1\}` and a value :math:`v(S)` on every coalition
:math:`S \subseteq N`, the Shapley value of player :math:`i` (Shapley 1953) is

.. math::

    \phi_i = \sum_{S \subseteq N \setminus \{i\}} \frac{|S|!\,(k - |S| - 1)!}{k!}
             \big(v(S \cup \{i\}) - v(S)\big).

It is the only attribution that is efficient (:math:`\sum_i \phi_i = v(N) - v(\varnothing)`),
symmetric, gives nothing to a player that changes no coalition's value, and is additive over
games; an interaction between players is shared equally among them. The sum runs over all
:math:`2^k` coalitions, which is exact and cheap for the handful of players used here. Using it
to attribute a model's output to its inputs follows Štrumbelj & Kononenko (2014) and Owen (2014).

References
----------
Shapley, L. S. (1953). A value for n-person games. In H. W. Kuhn & A. W. Tucker (eds.),
*Contributions to the Theory of Games II*, 307-317. Princeton University Press.

Štrumbelj, E. & Kononenko, I. (2014). Explaining prediction models and individual predictions
with feature contributions. *Knowledge and Information Systems* 41(3), 647-665.

Owen, A. B. (2014). Sobol' indices and Shapley value. *SIAM/ASA Journal on Uncertainty
Quantification* 2(1), 245-251.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]

MAX_PLAYERS = 12
"""More players than this would need :math:`2^k` coalitions beyond what an exact sum should."""


def coalition_sizes(k: int) -> NDArray[np.int64]:
    """The number of players in each coalition, coalitions indexed by bit mask ``0..2^k - 1``."""
    masks = np.arange(2**k, dtype=np.int64)
    return np.array([bin(int(m)).count("1") for m in masks], dtype=np.int64)


def shapley_weights(k: int) -> FloatArray:
    r""":math:`|S|!\,(k - |S| - 1)!/k!` for coalition sizes :math:`|S| = 0, \dots, k-1`."""
    return np.array(
        [math.factorial(s) * math.factorial(k - s - 1) / math.factorial(k) for s in range(k)]
    )


def shapley_values(values: FloatArray) -> FloatArray:
    """Exact Shapley values of the game whose value on coalition ``S`` is ``values[S]``.

    Parameters
    ----------
    values
        Shape ``(2^k, ...)``: the value of each coalition, indexed by its bit mask (bit ``i`` set:
        player ``i`` is in the coalition); trailing axes are independent games (members).

    Returns
    -------
    Shape ``(k, ...)``: each player's Shapley value, summing to ``values[-1] - values[0]``.
    """
    v = np.asarray(values, dtype=np.float64)
    size = v.shape[0]
    k = size.bit_length() - 1
    if size < 1 or 2**k != size:
        raise ValueError(f"a game on k players has 2^k coalition values, got {size}")
    if k > MAX_PLAYERS:
        raise ValueError(f"at most {MAX_PLAYERS} players for an exact sum, got {k}")
    masks = np.arange(size, dtype=np.int64)
    sizes = coalition_sizes(k)
    weights = shapley_weights(k) if k else np.zeros(0)
    out = np.zeros((k, *v.shape[1:]))
    for i in range(k):
        # one coalition at a time, in mask order: the same sum whatever the trailing shape
        for s in masks[(masks >> i) & 1 == 0]:
            out[i] += weights[sizes[s]] * (v[s | (1 << i)] - v[s])
    return out
