r"""Least-squares fit of a Lanchester law to the observed strengths of a record.

Least squares minimises :math:`\sum (X_i^{obs} - X_i(\theta))^2 + \sum (Y_i^{obs} - Y_i(\theta))^2`
over the known strengths after row 0, where :math:`X(\theta), Y(\theta)` integrate the law from the
initial state (:func:`posturelab.models.attrition.integrate`). The coefficients are fitted on a
log scale (so they stay positive); for the general law the exponents are fitted too, within
[0, 3]. Standard errors come from the Jacobian at the optimum, :math:`\operatorname{cov} = s^2
(J^\top J)^{-1}` with :math:`s^2 = \mathrm{RSS} / (n - k)`, mapped back by the delta method.

Both methods report the RMSE and :math:`R^2 = 1 - \mathrm{SS_{res}} / \mathrm{SS_{tot}}` of the
fitted trajectory against the known strengths after row 0, where :math:`\mathrm{SS_{tot}}` sums each
side's squared deviations from that side's own mean.

References
----------
.. [1] Bracken, J. (1995). Lanchester models of the Ardennes campaign. *Naval Research Logistics*
   42(4), 559-577.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import numpy as np
from numpy.typing import NDArray
from scipy import optimize

from posturelab.models.attrition import LanchesterParams, integrate
from posturelab.models.combat_record import CombatSeries, FloatArray, observed_strengths
from posturelab.models.lanchester_engel import engel_estimate

#: Range of the exponents a general least-squares fit searches.
EXPONENT_BOUNDS: Final[tuple[float, float]] = (0.0, 3.0)


@dataclass(frozen=True, eq=False)
class LsqEstimate:
    r"""Result of :func:`least_squares_estimate`.

    Attributes
    ----------
    a, b, p, q
        Estimates.
    se
        Standard errors (delta method for a, b); ``None`` where undefined.
    names, cov
        The fitted parameters (``log a``, ``log b``[, ``p``, ``q``]) and their covariance
        :math:`s^2 (J^\top J)^{-1}`; ``None`` where :math:`J^\top J` is singular.
    converged
        Whether the optimiser met its tolerances (not stopped by the evaluation limit).
    rss, n_obs, dof
        Residual sum of squares, strengths compared and residual degrees of freedom.
    residuals_x, residuals_y
        Model minus observed strengths of each side, in time order.
    """

    a: float
    b: float
    p: float
    q: float
    se: dict[str, float | None]
    names: tuple[str, ...]
    cov: FloatArray | None
    converged: bool
    rss: float
    n_obs: int
    dof: int
    residuals_x: FloatArray
    residuals_y: FloatArray


def _schedule(series: CombatSeries) -> tuple[int, FloatArray, FloatArray, NDArray[np.intp]]:
    """Days spanned, daily arrival schedules and each row's offset from day 0 of the record."""
    elapsed = series.day - series.day[0]
    if np.any(np.abs(elapsed - np.rint(elapsed)) > 1e-9):
        raise ValueError(
            "the trajectory is integrated day by day, and this record has phases that are not "
            "whole days: fit it with the regression method"
        )
    offsets = np.rint(elapsed).astype(np.intp)
    days = int(offsets[-1])
    rx = np.zeros(days)
    ry = np.zeros(days)
    rows = offsets[1:] - 1
    np.add.at(rx, rows, series.x_reinf[1:])
    np.add.at(ry, rows, series.y_reinf[1:])
    return days, rx, ry, offsets


def _model_rows(
    series: CombatSeries,
    a: FloatArray,
    b: FloatArray,
    p: FloatArray,
    q: FloatArray,
    substeps: int,
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    """Integrate members (a, b, p, q) over the record; return daily and per-row strengths."""
    days, rx, ry, offsets = _schedule(series)
    traj = integrate(
        LanchesterParams(a=a, b=b, p=p, q=q),
        series.x[0],
        series.y[0],
        days,
        reinforcement_x=rx,
        reinforcement_y=ry,
        substeps=substeps,
        members=int(np.size(a)),
    )
    return traj.x, traj.y, traj.x[:, offsets], traj.y[:, offsets]


def _residuals_from_rows(
    xm: FloatArray, ym: FloatArray, xs: FloatArray, ys: FloatArray
) -> FloatArray:
    """Residuals model - observed at the known strengths after row 0, for each member row."""
    mx = ~np.isnan(xs[1:])
    my = ~np.isnan(ys[1:])
    return np.concatenate([xm[:, 1:][:, mx] - xs[1:][mx], ym[:, 1:][:, my] - ys[1:][my]], axis=1)


def fit_statistics(
    series: CombatSeries, a: float, b: float, p: float, q: float, *, substeps: int = 10
) -> tuple[float, float, int, FloatArray, FloatArray]:
    """RMSE, R², number of compared strengths, and the daily fitted trajectory (x, y)."""
    xs, ys = observed_strengths(series)
    xd, yd, xm, ym = _model_rows(
        series, np.array([a]), np.array([b]), np.array([p]), np.array([q]), substeps
    )
    res = _residuals_from_rows(xm, ym, xs, ys)[0]
    n = int(res.shape[0])
    if n == 0:
        raise ValueError("no known strengths after the first day to compare the fit with")
    ss_res = float(np.sum(res**2))
    ss_tot = 0.0
    for s in (xs[1:], ys[1:]):
        known = s[~np.isnan(s)]
        if known.size:
            ss_tot += float(np.sum((known - known.mean()) ** 2))
    r2 = 1.0 - ss_res / ss_tot if ss_tot > 0.0 else float("nan")
    return float(np.sqrt(ss_res / n)), r2, n, xd[0], yd[0]


def least_squares_estimate(
    series: CombatSeries,
    p: float | None,
    q: float | None,
    *,
    start: tuple[float, float] | None = None,
    substeps: int = 10,
    max_nfev: int = 500,
) -> LsqEstimate:
    """Least-squares fit of the trajectory (see the module docstring).

    Parameters
    ----------
    series
        The record.
    p, q
        Fixed exponents, or ``None`` for both to fit them too (general law).
    start
        Starting (a, b); Engel's estimate for the square law when ``None``.
    substeps
        RK4 steps per day.
    max_nfev
        Most evaluations of the residuals; an optimiser stopped by it has not converged.

    Returns
    -------
    LsqEstimate
    """
    xs, ys = observed_strengths(series)
    free_exponents = p is None or q is None
    if start is None:
        try:
            a0, b0, _ = engel_estimate(series, 1.0, 0.0)
        except ValueError:
            a0, b0 = 0.01, 0.01
        if p is not None and q is not None and (p, q) != (1.0, 0.0):
            # Rescale the square-law guess to the law's units at the mean known strengths.
            xbar = max(float(np.nanmean(xs)), 1.0)
            ybar = max(float(np.nanmean(ys)), 1.0)
            a0 = a0 * ybar / (ybar**p * xbar**q)
            b0 = b0 * xbar / (xbar**p * ybar**q)
        start = (a0, b0)
    theta0 = [np.log(max(start[0], 1e-300)), np.log(max(start[1], 1e-300))]
    lower = [-np.inf, -np.inf]
    upper = [np.inf, np.inf]
    if free_exponents:
        theta0 += [1.0, 0.0]
        lower += [EXPONENT_BOUNDS[0]] * 2
        upper += [EXPONENT_BOUNDS[1]] * 2

    def unpack(theta: FloatArray) -> tuple[FloatArray, ...]:
        t = np.atleast_2d(theta)
        a_, b_ = np.exp(t[:, 0]), np.exp(t[:, 1])
        if free_exponents:
            return a_, b_, t[:, 2], t[:, 3]
        n = t.shape[0]
        return a_, b_, np.full(n, p), np.full(n, q)

    def residuals(theta: FloatArray) -> FloatArray:
        a_, b_, p_, q_ = unpack(theta)
        _, _, xm, ym = _model_rows(series, a_, b_, p_, q_, substeps)
        res: FloatArray = _residuals_from_rows(xm, ym, xs, ys)[0]
        return res

    def jacobian(theta: FloatArray) -> FloatArray:
        # Forward differences, all perturbed parameter sets integrated as one ensemble.
        k = theta.shape[0]
        steps = 1e-6 * np.maximum(1.0, np.abs(theta))
        thetas = np.repeat(theta[np.newaxis, :], k + 1, axis=0)
        for j in range(k):
            if free_exponents and j >= 2 and theta[j] + steps[j] > upper[j]:
                steps[j] = -steps[j]
            thetas[j + 1, j] += steps[j]
        a_, b_, p_, q_ = unpack(thetas)
        _, _, xm, ym = _model_rows(series, a_, b_, p_, q_, substeps)
        r = _residuals_from_rows(xm, ym, xs, ys)
        return np.asarray(((r[1:] - r[0]) / steps[:, np.newaxis]).T, dtype=np.float64)

    n_obs = residuals(np.asarray(theta0)).shape[0]
    k = len(theta0)
    if n_obs < k:
        raise ValueError(
            f"least squares needs at least {k} known strengths after day 0, got {n_obs}"
        )
    result = optimize.least_squares(
        residuals,
        np.asarray(theta0, dtype=np.float64),
        jac=jacobian,
        bounds=(lower, upper),
        method="trf",
        x_scale="jac",
        xtol=1e-12,
        ftol=1e-12,
        gtol=1e-12,
        max_nfev=max_nfev,
    )
    theta = np.asarray(result.x, dtype=np.float64)
    a_, b_, p_, q_ = (float(v[0]) for v in unpack(theta))
    names = ("a", "b", "p", "q") if free_exponents else ("a", "b")
    se: dict[str, float | None] = dict.fromkeys(names)
    dof = n_obs - k
    jac = np.asarray(result.jac, dtype=np.float64)
    fun = np.asarray(result.fun, dtype=np.float64)
    rss = float(fun @ fun)
    cov: FloatArray | None = None
    if dof > 0:
        jtj = jac.T @ jac
        if np.linalg.matrix_rank(jtj) == k:
            cov = (rss / dof) * np.linalg.inv(jtj)
            var = np.diag(cov)
            scale = [a_, b_, 1.0, 1.0]
            for j, name in enumerate(names):
                if var[j] >= 0.0 and np.isfinite(var[j]):
                    se[name] = float(scale[j] * np.sqrt(var[j]))
    n_x = int(np.count_nonzero(~np.isnan(xs[1:])))
    return LsqEstimate(
        a=a_,
        b=b_,
        p=p_,
        q=q_,
        se=se,
        names=names,
        cov=cov,
        converged=bool(result.status > 0),
        rss=rss,
        n_obs=n_obs,
        dof=dof,
        residuals_x=fun[:n_x],
        residuals_y=fun[n_x:],
    )
