r"""Lanchester attrition laws with reinforcement, integrated for a whole ensemble at once.

Two forces X and Y fight with reinforcement rates :math:`P_X(t)`, :math:`P_Y(t)`:

.. math::

    \frac{dX}{dt} = P_X(t) - a\, Y^p X^q, \qquad
    \frac{dY}{dt} = P_Y(t) - b\, X^p Y^q

``a`` is Y's effectiveness against X and ``b`` is X's effectiveness against Y. The exponents select
the law:

==============  ======  =========================================================
law             (p, q)  meaning
==============  ======  =========================================================
square          (1, 0)  aimed fire: losses proportional to the enemy's strength
linear          (1, 1)  area fire: losses proportional to both strengths
logarithmic     (0, 1)  operational losses proportional to one's own strength
general         (p, q)  the Helmbold / Bracken family with free exponents
==============  ======  =========================================================

Without reinforcement the square law conserves :math:`bX^2 - aY^2` and the linear law conserves
:math:`bX - aY`; the square law then has the closed form
:math:`X(t) = X_0\cosh(\sqrt{ab}\,t) - \sqrt{a/b}\,Y_0\sinh(\sqrt{ab}\,t)`.

Every parameter may be a scalar or an array over ensemble members (leading axis = member). Time
is measured in days; reinforcement schedules are daily: entry ``d`` of a schedule is the number
arriving during day ``d + 1`` (the interval ``(d, d + 1]``), spread uniformly over that day.

References
----------
.. [1] Lanchester, F. W. (1916). *Aircraft in Warfare: The Dawn of the Fourth Arm*. Constable.
.. [2] Engel, J. H. (1954). A verification of Lanchester's law. *Journal of the Operations
   Research Society of America* 2(2), 163-171.
.. [3] Helmbold, R. L. (1965). A modification of Lanchester's equations. *Operations Research*
   13(5), 857-859.
.. [4] Bracken, J. (1995). Lanchester models of the Ardennes campaign. *Naval Research Logistics*
   42(4), 559-577.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import numpy as np
from numpy.typing import ArrayLike, NDArray

FloatArray = NDArray[np.float64]

#: Exponents (p, q) of the named laws.
LAWS: Final[dict[str, tuple[float, float]]] = {
    "square": (1.0, 0.0),
    "linear": (1.0, 1.0),
    "logarithmic": (0.0, 1.0),
}


@dataclass(frozen=True, eq=False)
class LanchesterParams:
    """Coefficients of a Lanchester law, each a scalar or an array over members.

    Parameters
    ----------
    a
        Y's effectiveness against X (X's losses per unit of :math:`Y^p X^q` per day), ``>= 0``.
    b
        X's effectiveness against Y, ``>= 0``.
    p, q
        Exponents of the enemy's and of one's own strength in the loss term, ``>= 0``.
    """

    a: ArrayLike
    b: ArrayLike
    p: ArrayLike = 1.0
    q: ArrayLike = 0.0

    @classmethod
    def for_law(cls, law: str, a: ArrayLike, b: ArrayLike) -> LanchesterParams:
        """Build the parameters of a named law (``square``, ``linear`` or ``logarithmic``).

        Raises
        ------
        ValueError
            If ``law`` is not one of :data:`LAWS`.
        """
        if law not in LAWS:
            raise ValueError(f"unknown law {law!r}; expected one of {', '.join(LAWS)}")
        p, q = LAWS[law]
        return cls(a=a, b=b, p=p, q=q)


@dataclass(frozen=True, eq=False)
class LanchesterTrajectory:
    """Daily strengths of an ensemble.

    Attributes
    ----------
    t
        Days ``0, 1, ..., days``, shape ``(days + 1,)``.
    x, y
        Strengths at the end of each day, shape ``(members, days + 1)``; column 0 is the
        initial state.
    """

    t: FloatArray
    x: FloatArray
    y: FloatArray


def _as_member_array(value: ArrayLike, members: int) -> FloatArray:
    arr = np.asarray(value, dtype=np.float64)
    if arr.ndim > 1:
        raise ValueError(f"parameters must be scalars or 1-D arrays over members, got {arr.shape}")
    if arr.ndim == 1 and arr.shape[0] not in (1, members):
        raise ValueError(f"an array over members must have shape ({members},), got {arr.shape}")
    return np.broadcast_to(arr, (members,)).astype(np.float64)


def _as_schedule(value: ArrayLike | None, members: int, days: int) -> FloatArray:
    out = np.zeros((members, days), dtype=np.float64)
    if value is None:
        return out
    arr = np.asarray(value, dtype=np.float64)
    if arr.ndim == 1:
        arr = arr[np.newaxis, :]
    if arr.ndim != 2 or arr.shape[0] not in (1, members):
        raise ValueError(f"a schedule must have shape (days,) or (members, days), got {arr.shape}")
    n = min(arr.shape[1], days)
    out[:, :n] = arr[:, :n]
    return out


def _power(base: FloatArray, exponent: FloatArray) -> FloatArray:
    # 0 ** 0 == 1 by convention, so a zero exponent removes the factor even when the base is 0.
    return np.power(base, exponent)


def lanchester_rates(
    x: FloatArray,
    y: FloatArray,
    params: LanchesterParams,
    px: ArrayLike = 0.0,
    py: ArrayLike = 0.0,
) -> tuple[FloatArray, FloatArray]:
    r"""Return :math:`(dX/dt, dY/dt)` for strengths ``x`` and ``y`` (member axis leading).

    .. math::

        \dot X = P_X - a Y^p X^q, \qquad \dot Y = P_Y - b X^p Y^q

    Negative strengths are read as zero.
    """
    xs = np.maximum(x, 0.0)
    ys = np.maximum(y, 0.0)
    a = np.asarray(params.a, dtype=np.float64)
    b = np.asarray(params.b, dtype=np.float64)
    p = np.asarray(params.p, dtype=np.float64)
    q = np.asarray(params.q, dtype=np.float64)
    dx = np.asarray(px, dtype=np.float64) - a * _power(ys, p) * _power(xs, q)
    dy = np.asarray(py, dtype=np.float64) - b * _power(xs, p) * _power(ys, q)
    return dx, dy


def integrate(
    params: LanchesterParams,
    x0: ArrayLike,
    y0: ArrayLike,
    days: int,
    *,
    reinforcement_x: ArrayLike | None = None,
    reinforcement_y: ArrayLike | None = None,
    substeps: int = 10,
    members: int | None = None,
) -> LanchesterTrajectory:
    r"""Integrate a Lanchester law for every member of an ensemble at once.

    Scheme: classical fourth-order Runge-Kutta with a fixed step :math:`h = 1/\text{substeps}` day.
    Step boundaries fall on day boundaries, so the piecewise-constant daily reinforcement rate is
    constant within each step and RK4 keeps its order. After every step both strengths are clamped
    at zero (a force cannot fall below annihilation); the stages read negative strengths as zero.
    With :math:`p = 0` or :math:`q = 0` the factor :math:`0^0` counts as 1.

    Parameters
    ----------
    params
        Coefficients; each a scalar or an array of shape ``(members,)``.
    x0, y0
        Initial strengths, scalars or arrays over members.
    days
        Number of days to integrate (``>= 0``).
    reinforcement_x, reinforcement_y
        Daily arrivals, shape ``(n,)`` (shared) or ``(members, n)``: entry ``d`` arrives uniformly
        during day ``d + 1``, i.e. as the rate :math:`P(t)` on :math:`(d, d + 1]`. Missing days
        are 0.
    substeps
        RK4 steps per day (``>= 1``).
    members
        Ensemble size; inferred from the parameters' shapes when ``None``.

    Returns
    -------
    LanchesterTrajectory
        Strengths at the end of each day, shape ``(members, days + 1)``.

    Raises
    ------
    ValueError
        On negative ``days``, ``substeps < 1`` or shapes that do not broadcast over members.
    """
    if days < 0:
        raise ValueError(f"days must be >= 0, got {days}")
    if substeps < 1:
        raise ValueError(f"substeps must be >= 1, got {substeps}")
    if members is None:
        sizes = [
            np.size(v) for v in (params.a, params.b, params.p, params.q, x0, y0) if np.ndim(v) == 1
        ]
        for sched in (reinforcement_x, reinforcement_y):
            if sched is not None and np.ndim(sched) == 2:
                sizes.append(np.shape(sched)[0])
        members = max(sizes, default=1)
    p = LanchesterParams(
        a=_as_member_array(params.a, members),
        b=_as_member_array(params.b, members),
        p=_as_member_array(params.p, members),
        q=_as_member_array(params.q, members),
    )
    rx = _as_schedule(reinforcement_x, members, days)
    ry = _as_schedule(reinforcement_y, members, days)
    x = np.empty((members, days + 1), dtype=np.float64)
    y = np.empty((members, days + 1), dtype=np.float64)
    x[:, 0] = np.maximum(_as_member_array(x0, members), 0.0)
    y[:, 0] = np.maximum(_as_member_array(y0, members), 0.0)
    h = 1.0 / substeps
    xc = x[:, 0].copy()
    yc = y[:, 0].copy()
    for day in range(days):
        px = rx[:, day]
        py = ry[:, day]
        for _ in range(substeps):
            k1x, k1y = lanchester_rates(xc, yc, p, px, py)
            k2x, k2y = lanchester_rates(xc + 0.5 * h * k1x, yc + 0.5 * h * k1y, p, px, py)
            k3x, k3y = lanchester_rates(xc + 0.5 * h * k2x, yc + 0.5 * h * k2y, p, px, py)
            k4x, k4y = lanchester_rates(xc + h * k3x, yc + h * k3y, p, px, py)
            xc = np.maximum(xc + (h / 6.0) * (k1x + 2.0 * k2x + 2.0 * k3x + k4x), 0.0)
            yc = np.maximum(yc + (h / 6.0) * (k1y + 2.0 * k2y + 2.0 * k3y + k4y), 0.0)
        x[:, day + 1] = xc
        y[:, day + 1] = yc
    return LanchesterTrajectory(t=np.arange(days + 1, dtype=np.float64), x=x, y=y)


def square_law_solution(
    a: ArrayLike, b: ArrayLike, x0: ArrayLike, y0: ArrayLike, t: ArrayLike
) -> tuple[FloatArray, FloatArray]:
    r"""Closed-form square law without reinforcement.

    .. math::

        X(t) = X_0 \cosh(\sqrt{ab}\,t) - \sqrt{a/b}\, Y_0 \sinh(\sqrt{ab}\,t), \quad
        Y(t) = Y_0 \cosh(\sqrt{ab}\,t) - \sqrt{b/a}\, X_0 \sinh(\sqrt{ab}\,t)

    Valid while both strengths are positive (``a, b > 0``); arguments broadcast together.
    """
    a_ = np.asarray(a, dtype=np.float64)
    b_ = np.asarray(b, dtype=np.float64)
    x0_ = np.asarray(x0, dtype=np.float64)
    y0_ = np.asarray(y0, dtype=np.float64)
    t_ = np.asarray(t, dtype=np.float64)
    w = np.sqrt(a_ * b_) * t_
    x = x0_ * np.cosh(w) - np.sqrt(a_ / b_) * y0_ * np.sinh(w)
    y = y0_ * np.cosh(w) - np.sqrt(b_ / a_) * x0_ * np.sinh(w)
    return x, y


def linear_law_solution(
    a: ArrayLike, b: ArrayLike, x0: ArrayLike, y0: ArrayLike, t: ArrayLike
) -> tuple[FloatArray, FloatArray]:
    r"""Closed-form linear law without reinforcement.

    With the invariant :math:`C = bX - aY`, :math:`\dot X = CX - bX^2` is logistic:

    .. math::

        X(t) = \frac{C X_0 e^{Ct}}{C + b X_0 (e^{Ct} - 1)}, \qquad Y(t) = \frac{b X(t) - C}{a}

    and :math:`X(t) = X_0 / (1 + b X_0 t)` when :math:`C = 0`. Requires ``a, b > 0``.
    """
    a_ = np.asarray(a, dtype=np.float64)
    b_ = np.asarray(b, dtype=np.float64)
    x0_ = np.asarray(x0, dtype=np.float64)
    y0_ = np.asarray(y0, dtype=np.float64)
    t_ = np.asarray(t, dtype=np.float64)
    c = b_ * x0_ - a_ * y0_
    ct = c * t_
    growth = np.expm1(ct)  # e^{Ct} - 1, accurate for small Ct
    with np.errstate(divide="ignore", invalid="ignore"):
        logistic = c * x0_ * (growth + 1.0) / (c + b_ * x0_ * growth)
    x = np.where(c == 0.0, x0_ / (1.0 + b_ * x0_ * t_), logistic)
    y = (b_ * x - c) / a_
    return x, y


def logarithmic_law_solution(
    a: ArrayLike, b: ArrayLike, x0: ArrayLike, y0: ArrayLike, t: ArrayLike
) -> tuple[FloatArray, FloatArray]:
    r"""Closed-form logarithmic law without reinforcement.

    .. math:: X(t) = X_0 e^{-at}, \qquad Y(t) = Y_0 e^{-bt}
    """
    t_ = np.asarray(t, dtype=np.float64)
    x = np.asarray(x0, dtype=np.float64) * np.exp(-np.asarray(a, dtype=np.float64) * t_)
    y = np.asarray(y0, dtype=np.float64) * np.exp(-np.asarray(b, dtype=np.float64) * t_)
    return x, y


def square_law_invariant(x: ArrayLike, y: ArrayLike, a: ArrayLike, b: ArrayLike) -> FloatArray:
    r"""Return :math:`bX^2 - aY^2`, constant along square-law trajectories without reinforcement."""
    x_ = np.asarray(x, dtype=np.float64)
    y_ = np.asarray(y, dtype=np.float64)
    return np.asarray(b, dtype=np.float64) * x_**2 - np.asarray(a, dtype=np.float64) * y_**2


def linear_law_invariant(x: ArrayLike, y: ArrayLike, a: ArrayLike, b: ArrayLike) -> FloatArray:
    r"""Return :math:`bX - aY`, constant along linear-law trajectories without reinforcement."""
    x_ = np.asarray(x, dtype=np.float64)
    y_ = np.asarray(y, dtype=np.float64)
    return np.asarray(b, dtype=np.float64) * x_ - np.asarray(a, dtype=np.float64) * y_
