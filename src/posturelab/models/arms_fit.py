r"""Fitting Richardson's arms-race model to yearly budgets, with intervals and tests.

Two-bloc reduction (Richardson 1939, 1960)
------------------------------------------
With two blocs of total spending :math:`U, V`, equal reactions (:math:`k = l`) and equal fatigue
(:math:`\alpha = \beta`), :math:`T = U + V` obeys :math:`\dot T = (k - \alpha) T + (g + h)`.
:func:`fit_two_bloc` regresses the yearly increments on the mid-year totals. Only :math:`k - \alpha`
is identified in this form: the test is of :math:`k - \alpha = 0` (no net reaction).

Pair form
---------
Each bloc's own equation in Richardson's discrete (yearly) form,
:math:`\Delta U_n = k V_n - \alpha U_n + g + e_n` with :math:`\Delta U_n = U_{n+1} - U_n` and
the values at the start of the year, which are fixed before the year's shock (so least squares is
consistent; mid-year values would contain half of it). For yearly rates well below 1 the
coefficients approximate those of the continuous equation :math:`\dot U = k V - \alpha U + g`.
The reaction :math:`k` and the fatigue :math:`\alpha` are tested separately (:math:`t` tests of
:math:`k = 0` and :math:`\alpha = 0`).

Error model and intervals
-------------------------
Independent Gaussian errors of one variance on the yearly increments; ordinary least squares;
intervals :math:`\hat\beta \pm t_{n-k, 1-\alpha/2}\,\mathrm{se}` (exact given the regressors);
two-sided :math:`t`-test :math:`p`-values. The two-bloc regression keeps Richardson's mid-year
totals, which make the point fit exact for noise-free data; with noisy budgets the mid-year total
shares half of each year's error, so its intervals are indicative and the pair form is the test
to rely on.

Trends
------
Budgets that merely trend can look like a race: the increments grow with the level because both
grow with time. Each fit is tested against a model with a linear time trend and no reaction (the
two-bloc slope, or a bloc's reaction to the other, removed; the fatigue and grievance kept):
the reaction is added to the trend model and an :math:`F` test (one degree of freedom) asks
whether it improves it. When it does not (:math:`p \ge` :data:`TREND_ALPHA`) the fit carries a
``trend_explains`` warning: a time trend alone explains the series as well. AICs of both models
are reported.

References
----------
Richardson, L. F. (1960). *Arms and Insecurity*. Pittsburgh: Boxwood Press.

Georgiou, G. M., Kapopoulos, P. T. & Lazaretou, S. (1996). Modelling Greek-Turkish rivalry: an
empirical investigation of defence spending dynamics. *Journal of Peace Research* 33(2), 229-239.

Dunne, J. P. & Smith, R. P. (2007). The econometrics of arms races. In Hartley, K. & Sandler, T.
(eds.), *Handbook of Defense Economics* vol. 2, ch. 28. Elsevier.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Final

import numpy as np
import numpy.typing as npt
from scipy import stats

FloatArray = npt.NDArray[np.float64]
#: Level of the test of the reaction terms against a time trend.
TREND_ALPHA: Final[float] = 0.05


def _as_float(a: npt.ArrayLike) -> FloatArray:
    return np.asarray(a, dtype=np.float64)


@dataclass(frozen=True)
class TwoBlocFit:
    """Least-squares fit of the two-bloc reduction (see :func:`fit_two_bloc`).

    Attributes
    ----------
    slope
        ``b`` in ``increment = b · (total − zero_point)``; estimates ``k − α``.
    intercept
        ``−b · zero_point``; estimates ``g + h``.
    zero_point
        The total at which the fitted increment vanishes (the equilibrium if ``b < 0``); NaN if
        ``b = 0``.
    r2
        Coefficient of determination of the increments (1 when they are fitted exactly).
    years
        The years used (consecutive); ``len(years) − 1`` increments were fitted.
    """

    slope: float
    intercept: float
    zero_point: float
    r2: float
    years: tuple[int, ...]

    @property
    def continuous_rate(self) -> float:
        """``k − α`` of the continuous model: ``2·artanh(slope/2)`` (NaN if ``|slope| ≥ 2``).

        For exact data from ``dT/dt = a T + c`` the yearly increment against the mid-year total is a
        straight line with slope ``2·tanh(a/2)`` and the same zero point ``−c/a``, so this inverts
        it.
        """
        return 2.0 * math.atanh(self.slope / 2.0) if abs(self.slope) < 2.0 else math.nan


def fit_two_bloc(years: npt.ArrayLike, bloc_u: npt.ArrayLike, bloc_v: npt.ArrayLike) -> TwoBlocFit:
    """Fit ``d(U+V)/dt = (k − α)(U+V) + (g + h)`` to yearly bloc totals by least squares.

    With ``T_n = U_n + V_n``, the increments ``ΔT_n = T_{n+1} − T_n`` are regressed on the mid-year
    totals ``(T_n + T_{n+1})/2``: ``ΔT = slope · mid + intercept``; the zero point is
    ``−intercept/slope``. This is Richardson's own presentation (the rate of growth of the two
    alliances' total against the total). For data that follow the continuous model exactly the fit
    is exact with ``slope = 2·tanh((k − α)/2)`` and ``zero_point = −(g+h)/(k−α)``.

    Parameters
    ----------
    years
        Consecutive integer years, increasing, at least 3.
    bloc_u, bloc_v
        The blocs' yearly totals, same length as ``years``.

    Returns
    -------
    TwoBlocFit

    Raises
    ------
    ValueError
        On fewer than 3 years, gaps, mismatched lengths, non-finite values, or constant totals
        (the slope is then undetermined).
    """
    y = np.asarray(years, dtype=np.int64)
    u = _as_float(bloc_u)
    v = _as_float(bloc_v)
    if y.ndim != 1 or u.shape != y.shape or v.shape != y.shape:
        raise ValueError("years, bloc_u and bloc_v must be 1-D arrays of the same length")
    if y.shape[0] < 3:
        raise ValueError(f"at least 3 years are needed, got {y.shape[0]}")
    if np.any(np.diff(y) != 1):
        raise ValueError("years must be consecutive and increasing")
    if not (np.all(np.isfinite(u)) and np.all(np.isfinite(v))):
        raise ValueError("bloc totals must be finite")
    total = u + v
    inc = np.diff(total)
    mid = 0.5 * (total[1:] + total[:-1])
    mid_c = mid - mid.mean()
    var = float(mid_c @ mid_c)
    if var <= 1e-24 * max(1.0, float(mid.mean()) ** 2):
        raise ValueError("the total does not change: the slope cannot be determined")
    slope = float(mid_c @ (inc - inc.mean())) / var
    intercept = float(inc.mean() - slope * mid.mean())
    resid = inc - (slope * mid + intercept)
    ss_res = float(resid @ resid)
    ss_tot = float(((inc - inc.mean()) ** 2).sum())
    scale = max(1.0, float(np.abs(inc).max())) ** 2
    if ss_tot <= 1e-24 * scale:
        r2 = 1.0 if ss_res <= 1e-24 * scale else math.nan
    else:
        r2 = 1.0 - ss_res / ss_tot
    zero_point = -intercept / slope if slope != 0.0 else math.nan
    return TwoBlocFit(
        slope=slope,
        intercept=intercept,
        zero_point=zero_point,
        r2=r2,
        years=tuple(int(v) for v in y),
    )


@dataclass(frozen=True)
class Coefficient:
    """An estimated coefficient with its standard error, interval and two-sided t-test of zero."""

    name: str
    estimate: float
    se: float | None
    low: float | None
    high: float | None
    p_value: float | None


@dataclass(frozen=True)
class TrendTest:
    """The reaction terms tested against a linear time trend (see the module docstring).

    Attributes
    ----------
    statistic, p_value
        F statistic of adding the reaction to the trend model, and its p-value; ``None`` with too
        few years.
    aic_reaction, aic_trend
        AIC of the fitted model and of the trend-only model (Gaussian, σ at its maximum).
    explains
        Whether the trend alone explains the series as well (``p_value >= TREND_ALPHA``).
    """

    statistic: float | None
    p_value: float | None
    aic_reaction: float
    aic_trend: float
    explains: bool


@dataclass(frozen=True)
class RegressionResult:
    """A fitted Richardson regression: coefficients, fit and trend test."""

    coefficients: tuple[Coefficient, ...]
    r2: float
    dof: int
    level: float
    trend: TrendTest

    def __getitem__(self, name: str) -> Coefficient:
        return next(c for c in self.coefficients if c.name == name)


def _ols(m: FloatArray, y: FloatArray) -> tuple[FloatArray, FloatArray | None, float, int]:
    """Estimates, covariance (``None`` without residual degrees of freedom), RSS, dof."""
    beta = np.asarray(np.linalg.lstsq(m, y, rcond=None)[0], dtype=np.float64)
    resid = y - m @ beta
    rss = float(resid @ resid)
    dof = int(m.shape[0] - m.shape[1])
    gram = m.T @ m
    if dof <= 0 or np.linalg.matrix_rank(gram) < m.shape[1]:
        return beta, None, rss, dof
    return beta, np.asarray((rss / dof) * np.linalg.inv(gram), dtype=np.float64), rss, dof


def _aic(rss: float, n: int, k: int) -> float:
    return n * math.log(max(rss, 1e-300) / n) + 2 * (k + 1) + n * (math.log(2 * math.pi) + 1)


def _regression(
    names: tuple[str, ...], signs: tuple[float, ...], m: FloatArray, y: FloatArray, level: float
) -> RegressionResult:
    """OLS of ``y`` on ``m`` with intervals, and the test of the reaction (column 0) vs a trend."""
    beta, cov, rss, dof = _ols(m, y)
    coefficients = []
    t = float(stats.t.ppf(0.5 + level / 2.0, dof)) if dof > 0 else math.nan
    for j, (name, sign) in enumerate(zip(names, signs, strict=True)):
        est = sign * float(beta[j])
        if cov is None:
            coefficients.append(Coefficient(name, est, None, None, None, None))
            continue
        se = math.sqrt(max(float(cov[j, j]), 0.0))
        p = float(2.0 * stats.t.sf(abs(est) / se, dof)) if se > 0 else 0.0
        coefficients.append(Coefficient(name, est, se, est - t * se, est + t * se, p))
    ss_tot = float(((y - y.mean()) ** 2).sum())
    r2 = 1.0 - rss / ss_tot if ss_tot > 0 else math.nan
    n = y.shape[0]
    time = np.arange(n, dtype=np.float64)
    # The trend model keeps every term but the reaction (column 0) and adds a linear trend.
    restricted = np.column_stack([m[:, 1:], time])
    _, _, rss_trend, _ = _ols(restricted, y)
    full = np.column_stack([m, time])
    _, _, rss_full, dof_full = _ols(full, y)
    statistic = p_value = None
    if dof_full > 0 and rss_full > 0:
        statistic = (rss_trend - rss_full) / (rss_full / dof_full)
        p_value = float(stats.f.sf(max(statistic, 0.0), 1, dof_full))
    elif dof_full > 0:
        statistic, p_value = math.inf, 0.0
    trend = TrendTest(
        statistic=statistic,
        p_value=p_value,
        aic_reaction=_aic(rss, n, m.shape[1]),
        aic_trend=_aic(rss_trend, n, restricted.shape[1]),
        explains=p_value is not None and p_value >= TREND_ALPHA,
    )
    return RegressionResult(tuple(coefficients), r2, dof, level, trend)


def _check_years(
    years: npt.ArrayLike, *series: npt.ArrayLike
) -> tuple[npt.NDArray[np.int64], list[FloatArray]]:
    y = np.asarray(years, dtype=np.int64)
    arrays = [_as_float(s) for s in series]
    if y.ndim != 1 or any(a.shape != y.shape for a in arrays):
        raise ValueError("years and the series must be 1-D arrays of the same length")
    if y.shape[0] < 3:
        raise ValueError(f"at least 3 years are needed, got {y.shape[0]}")
    if np.any(np.diff(y) != 1):
        raise ValueError("years must be consecutive and increasing")
    if not all(np.all(np.isfinite(a)) for a in arrays):
        raise ValueError("bloc totals must be finite")
    return y, arrays


def two_bloc_inference(
    years: npt.ArrayLike, bloc_u: npt.ArrayLike, bloc_v: npt.ArrayLike, *, level: float = 0.9
) -> RegressionResult:
    """Intervals and tests of the two-bloc fit: ``slope`` (k − α) and ``intercept`` (g + h).

    The trend test needs at least 5 years; intervals at least 4.
    """
    _, (u, v) = _check_years(years, bloc_u, bloc_v)
    total = u + v
    inc = np.diff(total)
    mid = 0.5 * (total[1:] + total[:-1])
    m = np.column_stack([mid, np.ones_like(mid)])
    return _regression(("slope", "intercept"), (1.0, 1.0), m, inc, level)


def pair_fit(
    years: npt.ArrayLike, own: npt.ArrayLike, other: npt.ArrayLike, *, level: float = 0.9
) -> RegressionResult:
    """One bloc's equation ``dU/dt = k V − α U + g``: ``reaction``, ``fatigue``, ``grievance``.

    Intervals need at least 5 years, the trend test at least 6.
    """
    _, (u, v) = _check_years(years, own, other)
    inc = np.diff(u)
    m = np.column_stack([v[:-1], u[:-1], np.ones_like(inc)])
    return _regression(("reaction", "fatigue", "grievance"), (1.0, -1.0, 1.0), m, inc, level)
