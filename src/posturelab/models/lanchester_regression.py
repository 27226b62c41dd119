r"""The general Lanchester law estimated from phase losses by log-linear regression.

Model
-----
Over the phase ending at row :math:`i` (length :math:`\Delta t_i` days), each side loses in
proportion to a power of the enemy's and of its own strength:

.. math::

    \ell^X_i = a\, (Y^*_i)^{p_X} (X^*_i)^{q_X}\, \Delta t_i\, e^{\varepsilon_i}, \qquad
    \ell^Y_i = b\, (X^*_i)^{p_Y} (Y^*_i)^{q_Y}\, \Delta t_i\, e^{\eta_i}

where :math:`X^*_i = X_{i-1} + R^X_i` is the strength exposed during the phase (the strength at its
start plus its arrivals) and :math:`\ell_i` the phase's losses. This is the discrete form of the
general law :math:`\dot x = -a\, y^{p} x^{q}` (Bracken 1995; Fricker 1998; Lucas & Turkes 2004).
The laws differ in their exponents :math:`(p_X, q_X; p_Y, q_Y)`:

===============  ======================  ==============================================
law              exponents               meaning
===============  ======================  ==============================================
``square``       (1, 0; 1, 0)            aimed fire
``linear``       (1, 1; 1, 1)            area fire
``logarithmic``  (0, 1; 0, 1)            losses proportional to own strength
``mixed``        (1, 1; 1, 0)            x under area fire, y under aimed fire
                                         (Deitchman's guerrilla form)
``general``      (p, q; p, q), p, q free  the exponents shared by both sides
===============  ======================  ==============================================

Error model
-----------
The errors are on the phase losses, multiplicative: :math:`\varepsilon_i, \eta_i` independent
:math:`N(0, \sigma^2)` with one :math:`\sigma` for both sides. Taking logarithms gives a linear
regression of :math:`z = \log(\ell / \Delta t)` on an intercept per side (:math:`\log a`,
:math:`\log b`) and, for the general law, :math:`\log` of the enemy's and of the own exposed
strength (slopes :math:`p, q`); fixed exponents enter as an offset. Estimates are ordinary least
squares, which is maximum likelihood under this model; :math:`a` and :math:`b` are medians of the
loss rate (the mean is :math:`e^{\sigma^2/2}` larger). Phases with an unknown exposed strength or
an unknown, zero or negative loss are left out (counted in the result's notes).

Intervals and correlation
-------------------------
For one coefficient :math:`\beta_j` the profile likelihood, with the other coefficients and
:math:`\sigma` maximised out, is a decreasing function of :math:`|t_j| = |\hat\beta_j -
\beta_j| / \operatorname{se}_j`; calibrating it by Student's :math:`t_{n-k}` gives the interval
:math:`\hat\beta_j \pm t_{n-k, 1-\alpha/2} \operatorname{se}_j`, with
:math:`\operatorname{cov}\hat\beta = s^2 (Z^\top Z)^{-1}`, :math:`s^2 = \mathrm{RSS}/(n-k)`.
The calibration is exact given the strengths; since the strengths carry earlier phases' errors it
is asymptotic in a battle (``benchmarks/bench_lanchester_coverage.py`` measures the coverage).
Intervals for :math:`a, b` are the exponentials of those for :math:`\log a, \log b` (so they are
positive and asymmetric). Correlations are those of :math:`(\log a, \log b, p, q)`.

References
----------
.. [1] Bracken, J. (1995). Lanchester models of the Ardennes campaign. *Naval Research Logistics*
   42(4), 559-577.
.. [2] Fricker, R. D. (1998). Attrition models of the Ardennes campaign. *Naval Research Logistics*
   45(1), 1-22.
.. [3] Lucas, T. W. & Turkes, T. (2004). Fitting Lanchester equations to the battles of Kursk and
   Ardennes. *Naval Research Logistics* 51(1), 95-116.
.. [4] Deitchman, S. J. (1962). A Lanchester model of guerrilla warfare. *Operations Research*
   10(6), 818-827.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Final

import numpy as np
from scipy import stats

from posturelab.models.combat_record import CombatSeries, FloatArray, observed_strengths

Exponents = tuple[float, float, float, float]
#: Exponents (p_X, q_X, p_Y, q_Y) of each law with fixed exponents.
REGRESSION_LAWS: Final[dict[str, Exponents | None]] = {
    "square": (1.0, 0.0, 1.0, 0.0),
    "linear": (1.0, 1.0, 1.0, 1.0),
    "logarithmic": (0.0, 1.0, 0.0, 1.0),
    "mixed": (1.0, 1.0, 1.0, 0.0),
    "general": None,
}


@dataclass(frozen=True, eq=False)
class RegressionFit:
    """A law fitted to phase losses (see the module docstring).

    Attributes
    ----------
    law
        The law's name.
    names
        The free coefficients, ``("a", "b")`` or ``("a", "b", "p", "q")``.
    beta, cov
        Estimates of ``(log a, log b[, p, q])`` and their covariance.
    exponents
        (p_X, q_X, p_Y, q_Y) used (fitted for ``general``).
    intervals
        Interval of each coefficient on its natural scale at ``level``.
    rss, n_obs, dof
        Residual sum of squares, observations (phase losses of both sides) and residual degrees of
        freedom.
    loglik
        Maximised log-likelihood of the log losses (σ at its maximum-likelihood value).
    residuals_x, residuals_y
        Residuals of each side's log losses, in time order.
    left_out
        Phases left out, with the reason.
    """

    law: str
    names: tuple[str, ...]
    beta: FloatArray
    cov: FloatArray
    exponents: Exponents
    intervals: dict[str, tuple[float, float]]
    level: float
    rss: float
    n_obs: int
    dof: int
    loglik: float
    residuals_x: FloatArray
    residuals_y: FloatArray
    left_out: tuple[str, ...]

    @property
    def a(self) -> float:
        """Y's effectiveness against X."""
        return float(np.exp(self.beta[0]))

    @property
    def b(self) -> float:
        """X's effectiveness against Y."""
        return float(np.exp(self.beta[1]))

    @property
    def n_params(self) -> int:
        """Parameters of the likelihood: the coefficients and σ."""
        return len(self.names) + 1

    def standard_errors(self) -> dict[str, float]:
        """Standard errors of a, b (delta method from log a, log b) and of p, q."""
        se = np.sqrt(np.maximum(np.diag(self.cov), 0.0))
        out = {"a": self.a * float(se[0]), "b": self.b * float(se[1])}
        for j, name in enumerate(self.names[2:], start=2):
            out[name] = float(se[j])
        return out

    def correlation(self) -> FloatArray:
        """Correlation matrix of ``(log a, log b[, p, q])``."""
        sd = np.sqrt(np.maximum(np.diag(self.cov), 1e-300))
        return np.asarray(self.cov / np.outer(sd, sd), dtype=np.float64)


def _phases(
    series: CombatSeries,
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray, FloatArray, list[str]]:
    """Exposed strengths, losses and durations of every phase, with the reasons rows are unusable.

    Returns ``(xs, ys, lx, ly, dt, left_out)``, each array over phases 1..n (NaN where unknown).
    """
    x, y = observed_strengths(series)
    dt = np.diff(series.day)
    xs = x[:-1] + series.x_reinf[1:]
    ys = y[:-1] + series.y_reinf[1:]
    lx = xs - x[1:]
    ly = ys - y[1:]
    for cum, loss in ((series.x_losses_cum, lx), (series.y_losses_cum, ly)):
        from_cum = np.diff(cum)
        known = ~np.isnan(from_cum)
        loss[known] = from_cum[known]
    left: list[str] = []
    unknown = np.isnan(xs) | np.isnan(ys)
    if np.any(unknown):
        left.append(f"{int(unknown.sum())} phases without both exposed strengths")
    return xs, ys, lx, ly, dt, left


def _design(
    series: CombatSeries, exponents: Exponents | None
) -> tuple[FloatArray, FloatArray, FloatArray, int, list[str]]:
    """Response, design matrix and side flag (0 = x, 1 = y) of the usable phase losses."""
    xs, ys, lx, ly, dt, left = _phases(series)
    rows_z: list[float] = []
    rows_m: list[list[float]] = []
    side: list[int] = []
    for s, (loss, own, enemy) in enumerate(((lx, xs, ys), (ly, ys, xs))):
        usable = ~(np.isnan(own) | np.isnan(enemy) | np.isnan(loss))
        usable &= (own > 0.0) & (enemy > 0.0)
        bad = usable & (loss <= 0.0)
        if np.any(bad):
            name = "x" if s == 0 else "y"
            left.append(f"{int(bad.sum())} phases where {name}'s loss is zero or negative")
        usable &= loss > 0.0
        for i in np.flatnonzero(usable):
            z = math.log(loss[i] / dt[i])
            lo, le = math.log(own[i]), math.log(enemy[i])
            intercept = [1.0, 0.0] if s == 0 else [0.0, 1.0]
            if exponents is None:
                rows_m.append([*intercept, le, lo])
                rows_z.append(z)
            else:
                p, q = exponents[2 * s], exponents[2 * s + 1]
                rows_m.append(intercept)
                rows_z.append(z - p * le - q * lo)
            side.append(s)
    k = 2 if exponents is not None else 4
    return (
        np.asarray(rows_z, dtype=np.float64),
        np.asarray(rows_m, dtype=np.float64).reshape(-1, k),
        np.asarray(side, dtype=np.intp),
        k,
        left,
    )


def fit_regression(
    series: CombatSeries,
    law: str = "general",
    *,
    level: float = 0.9,
    exponents: Exponents | None = None,
) -> RegressionFit:
    """Fit a law to a record's phase losses by log-linear regression (see the module docstring).

    ``exponents`` fixes (p_X, q_X, p_Y, q_Y) of the ``general`` law; by default they are fitted.

    Raises
    ------
    ValueError
        On an unknown law, or fewer usable phase losses than coefficients plus one (each side
        needs at least one), or a design that does not identify the exponents.
    """
    if law not in REGRESSION_LAWS:
        raise ValueError(f"unknown law {law!r}; expected one of {', '.join(REGRESSION_LAWS)}")
    if not 0.0 < level < 1.0:
        raise ValueError(f"the interval level must be in (0, 1), got {level}")
    fixed = REGRESSION_LAWS[law] if exponents is None else exponents
    z, m, side, k, left = _design(series, fixed)
    n = int(z.shape[0])
    per_side = [int(np.sum(side == s)) for s in (0, 1)]
    if n <= k or min(per_side) == 0:
        raise ValueError(
            f"the regression needs more than {k} usable phase losses with both sides present, "
            f"found {per_side[0]} for x and {per_side[1]} for y (a phase is usable when both "
            "strengths at its start are known and its loss is known and positive)"
        )
    gram = m.T @ m
    if np.linalg.matrix_rank(gram) < k:
        raise ValueError(
            "the exponents are not identified: the strengths do not vary enough across phases"
        )
    beta = np.linalg.solve(gram, m.T @ z)
    resid = z - m @ beta
    rss = float(resid @ resid)
    dof = n - k
    s2 = rss / dof
    cov = s2 * np.linalg.inv(gram)
    t = float(stats.t.ppf(0.5 + level / 2.0, dof))
    se = np.sqrt(np.maximum(np.diag(cov), 0.0))
    names = ("a", "b") if fixed is not None else ("a", "b", "p", "q")
    intervals: dict[str, tuple[float, float]] = {}
    for j, name in enumerate(names):
        lo, hi = float(beta[j] - t * se[j]), float(beta[j] + t * se[j])
        intervals[name] = (
            (math.exp(min(lo, 700.0)), math.exp(min(hi, 700.0))) if j < 2 else (lo, hi)
        )
    if fixed is None:
        used: Exponents = (float(beta[2]), float(beta[3]), float(beta[2]), float(beta[3]))
    else:
        used = fixed
    sigma2 = max(rss / n, 1e-300)
    loglik = -0.5 * n * (math.log(2.0 * math.pi * sigma2) + 1.0)
    return RegressionFit(
        law=law,
        names=names,
        beta=np.asarray(beta, dtype=np.float64),
        cov=np.asarray(cov, dtype=np.float64),
        exponents=used,
        intervals=intervals,
        level=level,
        rss=rss,
        n_obs=n,
        dof=dof,
        loglik=loglik,
        residuals_x=np.asarray(resid[side == 0], dtype=np.float64),
        residuals_y=np.asarray(resid[side == 1], dtype=np.float64),
        left_out=tuple(left),
    )


def simulate_phases(
    series: CombatSeries, a: float, b: float, exponents: Exponents
) -> tuple[FloatArray, FloatArray]:
    r"""Strengths at every row from the initial state under the discrete law, without noise.

    :math:`X_i = \max(X^*_i - a (Y^*_i)^{p_X} (X^*_i)^{q_X} \Delta t_i, 0)` with the record's
    arrivals, and the same for Y; :math:`0^0 = 1`.
    """
    px, qx, py, qy = exponents
    n = series.day.shape[0]
    x = np.empty(n)
    y = np.empty(n)
    x[0], y[0] = series.x[0], series.y[0]
    dt = np.diff(series.day)
    with np.errstate(over="ignore", invalid="ignore"):
        for i in range(1, n):
            xs = max(x[i - 1] + series.x_reinf[i], 0.0)
            ys = max(y[i - 1] + series.y_reinf[i], 0.0)
            loss_x = a * ys**px * xs**qx * dt[i - 1]
            loss_y = b * xs**py * ys**qy * dt[i - 1]
            x[i] = max(xs - loss_x, 0.0) if math.isfinite(loss_x) else 0.0
            y[i] = max(ys - loss_y, 0.0) if math.isfinite(loss_y) else 0.0
    return x, y


def synthetic_record(
    rng: np.random.Generator,
    a: float,
    b: float,
    exponents: Exponents,
    *,
    days: int = 40,
    x0: float = 20_000.0,
    y0: float = 15_000.0,
    sigma: float = 0.1,
    arrival_chance: float = 0.3,
    arrival_max: float = 3_000.0,
) -> CombatSeries:
    r"""Draw a daily record from the discrete law under the error model of this module.

    Each day each side receives, with probability ``arrival_chance``, arrivals uniform on
    ``[0, arrival_max]`` (so the two strengths do not move in lockstep and the exponents are
    identified), then loses :math:`a (Y^*)^{p_X} (X^*)^{q_X} e^{\sigma \varepsilon}` (capped at
    its exposed strength), and the same for Y. The record holds both strengths, the arrivals and
    the cumulative losses. ``rng`` is the only source of randomness.
    """
    px, qx, py, qy = exponents
    x, y = [x0], [y0]
    rx, ry = [0.0], [0.0]
    cx, cy = [0.0], [0.0]
    for _ in range(days):
        arrivals = np.where(rng.random(2) < arrival_chance, rng.uniform(0.0, arrival_max, 2), 0.0)
        xs, ys = x[-1] + arrivals[0], y[-1] + arrivals[1]
        noise = np.exp(sigma * rng.standard_normal(2))
        lx = min(a * ys**px * xs**qx * noise[0], xs)
        ly = min(b * xs**py * ys**qy * noise[1], ys)
        x.append(xs - lx)
        y.append(ys - ly)
        rx.append(float(arrivals[0]))
        ry.append(float(arrivals[1]))
        cx.append(cx[-1] + lx)
        cy.append(cy[-1] + ly)
    return CombatSeries.from_arrays(
        np.arange(days + 1, dtype=np.float64),
        x,
        y,
        x_reinf=rx,
        y_reinf=ry,
        x_losses_cum=cx,
        y_losses_cum=cy,
    )
