r"""Fitting Lanchester laws to a daily combat record: Engel's estimator and least squares.

A record (:class:`CombatSeries`) holds, for increasing whole days :math:`t_0 < t_1 < \dots < t_n`,
the strengths :math:`X_i, Y_i` (NaN where unknown), the arrivals :math:`R^X_i, R^Y_i` during the
day ending at :math:`t_i` (the interval :math:`(t_i - 1, t_i]`) and, optionally, cumulative losses.
Row 0 is the initial state; both initial strengths must be known. Arrivals on row 0 are taken to be
already counted in the initial strengths and are ignored.

Engel's estimator (Engel 1954) equates each side's total losses with its integrated loss term:

.. math::

    \hat b = \frac{L_Y}{\sum_{i=1}^{k_Y} X_i^p Y_i^q\, \Delta t_i}, \qquad
    \hat a = \frac{L_X}{\sum_{i=1}^{k_X} Y_i^p X_i^q\, \Delta t_i}

where :math:`L_X` is X's loss from row 0 to the last row :math:`k_X` at which it is known
(from cumulative losses, or from :math:`X_0 + \sum R^X - X_{k}`), and :math:`Z_i` denotes the
day's loss integrand by the trapezoidal rule, e.g. :math:`Z_i = \tfrac12 (X_{i-1}^p Y_{i-1}^q +
X_i^p Y_i^q)\,\Delta t_i` for Y (written loosely as :math:`X_i^p Y_i^q \Delta t_i` above).
Strengths missing from the record are reconstructed from their side's discrete loss equation,
:math:`Y_i = Y_{i-1} + R^Y_i - \hat b Z_i` (restarting at every known value, clamped at 0), and
the ratios and the reconstruction are iterated to a fixed point. For the square law
:math:`\hat b` does not depend on Y, so the iteration settles in a few rounds; where a law cannot
reproduce the record (a linear law cannot annihilate a side in finite time) it does not converge
and the estimator reports so. Where a side's losses :math:`\ell_i` are known between at least
three rows (losses over gaps are grouped), the ratio estimator is the weighted least squares
estimate of :math:`\ell_i = a Z_i + \varepsilon_i` with
:math:`\operatorname{Var}\varepsilon_i \propto Z_i`, and its standard error is
:math:`\sqrt{s^2/\sum Z_i}` with
:math:`s^2 = \sum (\ell_i - \hat a Z_i)^2 / Z_i / (k - 1)`; otherwise it is undefined (``None``).

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
.. [1] Engel, J. H. (1954). A verification of Lanchester's law. *Journal of the Operations
   Research Society of America* 2(2), 163-171.
.. [2] Samz, R. W. (1972). Some comments on Engel's "A verification of Lanchester's law".
   *Operations Research* 20(1), 49-52.
.. [3] Bracken, J. (1995). Lanchester models of the Ardennes campaign. *Naval Research Logistics*
   42(4), 559-577.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final, Literal

import numpy as np
from numpy.typing import NDArray
from scipy import optimize

from posturelab.models.attrition import LAWS, LanchesterParams, integrate
from posturelab.models.combat_record import CombatSeries, observed_strengths

FloatArray = NDArray[np.float64]
Method = Literal["engel", "lsq"]

#: Law names accepted by :func:`fit`, with ``general`` for free exponents.
LAW_NAMES: Final[tuple[str, ...]] = (*LAWS, "general")
_EXPONENT_BOUNDS: Final[tuple[float, float]] = (0.0, 3.0)


@dataclass(frozen=True, eq=False)
class LanchesterFit:
    """The result of a fit.

    Attributes
    ----------
    law, method
        The law and the estimator used.
    a, b, p, q
        Fitted coefficients (``a``: Y's effectiveness against X; ``b``: X's against Y) and
        exponents.
    se
        Standard errors by name (``a``, ``b`` and, for a general least-squares fit, ``p``, ``q``);
        ``None`` where undefined.
    rmse, r2
        Goodness of fit of the fitted trajectory against the known strengths after row 0.
    n_days, n_obs
        Days spanned by the record and number of strengths compared.
    day, x_fit, y_fit
        The fitted trajectory, one value per day from the first to the last day of the record.
    notes
        Remarks about the data (such as decreasing cumulative losses).
    """

    law: str
    method: str
    a: float
    b: float
    p: float
    q: float
    se: dict[str, float | None]
    rmse: float
    r2: float
    n_days: int
    n_obs: int
    day: FloatArray
    x_fit: FloatArray
    y_fit: FloatArray
    notes: tuple[str, ...] = field(default=())


def _schedule(series: CombatSeries) -> tuple[int, FloatArray, FloatArray, NDArray[np.intp]]:
    """Days spanned, daily arrival schedules and each row's offset from day 0 of the record."""
    offsets = np.rint(series.day - series.day[0]).astype(np.intp)
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


def _losses(
    strength: FloatArray, reinf: FloatArray, cum: FloatArray
) -> tuple[int, float, FloatArray]:
    """Last row with a known loss, the total loss up to it, and the cumulative loss per row."""
    arrived = np.cumsum(np.concatenate(([0.0], reinf[1:])))
    c0 = 0.0 if np.isnan(cum[0]) else cum[0]
    from_strength = strength[0] + arrived - strength
    total = np.where(np.isnan(cum), from_strength, cum - c0)
    total[0] = 0.0
    last = int(np.flatnonzero(~np.isnan(total))[-1])
    return last, float(total[last]), total


def _ratio_se(total: FloatArray, z: FloatArray, last: int, estimate: float) -> float | None:
    """Return the standard error of a ratio estimator from losses between rows where known.

    ``z[i - 1]`` is the loss integrand of row ``i``; intervals between known rows are grouped.
    """
    known = np.flatnonzero(~np.isnan(total[: last + 1]))
    if known.shape[0] < 3:
        return None
    zc = np.concatenate(([0.0], np.cumsum(z[:last])))
    losses = np.diff(total[known])
    zi = np.diff(zc[known])
    if np.any(zi <= 0.0):
        return None
    s2 = float(np.sum((losses - estimate * zi) ** 2 / zi)) / (losses.shape[0] - 1)
    return float(np.sqrt(s2 / np.sum(zi)))


def _reconstruct(known: FloatArray, reinf: FloatArray, z: FloatArray, coef: float) -> FloatArray:
    """Fill unknown strengths by the discrete loss equation, restarting at known values."""
    out = known.copy()
    for i in range(1, known.shape[0]):
        if np.isnan(out[i]):
            out[i] = max(out[i - 1] + reinf[i] - coef * z[i - 1], 0.0)
    return out


def engel_estimate(
    series: CombatSeries,
    p: float,
    q: float,
    *,
    max_iter: int = 500,
    rtol: float = 1e-10,
) -> tuple[float, float, dict[str, float | None]]:
    """Engel's ratio estimator of (a, b) for fixed exponents (see the module docstring).

    Returns
    -------
    a, b, se
        The estimates and their standard errors (``None`` where undefined).

    Raises
    ------
    ValueError
        If a side's losses are unknown after the first day, a loss integral is zero, or the
        reconstruction of unknown strengths does not converge.
    """
    xs, ys = observed_strengths(series)
    kx, lx, tx = _losses(xs, series.x_reinf, series.x_losses_cum)
    ky, ly, ty = _losses(ys, series.y_reinf, series.y_losses_cum)
    for side, k in (("x", kx), ("y", ky)):
        if k == 0:
            raise ValueError(
                f"{side}'s losses are unknown after the first day: Engel's estimator needs them"
            )
    dt = np.diff(series.day)
    # First guess for unknown strengths: linear interpolation, held beyond the last known value.
    rows = np.arange(series.day.shape[0])
    xf = np.interp(rows, rows[~np.isnan(xs)], xs[~np.isnan(xs)])
    yf = np.interp(rows, rows[~np.isnan(ys)], ys[~np.isnan(ys)])
    a = b = np.nan
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        for _ in range(max_iter):
            fx = (yf**p) * (xf**q)  # X's loss integrand per row
            fy = (xf**p) * (yf**q)  # Y's loss integrand per row
            zx = 0.5 * (fx[1:] + fx[:-1]) * dt  # trapezoidal rule, day by day
            zy = 0.5 * (fy[1:] + fy[:-1]) * dt
            sx = float(np.sum(zx[:kx]))
            sy = float(np.sum(zy[:ky]))
            if not (sx > 0.0 and sy > 0.0 and np.isfinite(sx) and np.isfinite(sy)):
                raise ValueError(
                    f"a loss integral is zero or not finite under the {p:g}/{q:g} law: "
                    "Engel's estimator is undefined for this record"
                )
            a_new, b_new = lx / sx, ly / sy
            done = abs(a_new - a) <= rtol * abs(a_new) and abs(b_new - b) <= rtol * abs(b_new)
            a, b = a_new, b_new
            if done:
                break
            xf = _reconstruct(xs, series.x_reinf, zx, a)
            yf = _reconstruct(ys, series.y_reinf, zy, b)
        else:
            raise ValueError(
                f"Engel's estimator did not converge in {max_iter} iterations: the record's "
                f"losses cannot be reproduced under the {p:g}/{q:g} law (try least squares)"
            )
    se = {"a": _ratio_se(tx, zx, kx, a), "b": _ratio_se(ty, zy, ky, b)}
    return a, b, se


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
) -> tuple[float, float, float, float, dict[str, float | None]]:
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

    Returns
    -------
    a, b, p, q, se
        Estimates and standard errors (``None`` where undefined).
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
        lower += [_EXPONENT_BOUNDS[0]] * 2
        upper += [_EXPONENT_BOUNDS[1]] * 2

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
        max_nfev=500,
    )
    theta = np.asarray(result.x, dtype=np.float64)
    a_, b_, p_, q_ = (float(v[0]) for v in unpack(theta))
    names = ["a", "b", "p", "q"] if free_exponents else ["a", "b"]
    se: dict[str, float | None] = dict.fromkeys(names)
    dof = n_obs - k
    jac = np.asarray(result.jac, dtype=np.float64)
    if dof > 0:
        s2 = float(np.sum(np.asarray(result.fun) ** 2)) / dof
        jtj = jac.T @ jac
        if np.linalg.matrix_rank(jtj) == k:
            cov = s2 * np.linalg.inv(jtj)
            var = np.diag(cov)
            scale = [a_, b_, 1.0, 1.0]
            for j, name in enumerate(names):
                if var[j] >= 0.0 and np.isfinite(var[j]):
                    se[name] = float(scale[j] * np.sqrt(var[j]))
    return a_, b_, p_, q_, se


def data_notes(series: CombatSeries) -> tuple[str, ...]:
    """Describe anomalies a fit keeps but a reader should know (decreasing cumulative losses)."""
    notes: list[str] = []
    for side, cum in (("x", series.x_losses_cum), ("y", series.y_losses_cum)):
        known = ~np.isnan(cum)
        days = series.day[known]
        values = cum[known]
        for i in np.flatnonzero(np.diff(values) < 0):
            notes.append(
                f"{side}_losses_cum decreases from day {days[i]:g} ({values[i]:g}) "
                f"to day {days[i + 1]:g} ({values[i + 1]:g})"
            )
    return tuple(notes)


def fit(
    series: CombatSeries,
    law: str = "square",
    method: Method = "engel",
    *,
    p: float | None = None,
    q: float | None = None,
    substeps: int = 10,
) -> LanchesterFit:
    """Fit a Lanchester law to a record.

    Parameters
    ----------
    series
        The record (row 0 with both strengths known).
    law
        ``square``, ``linear``, ``logarithmic`` or ``general``.
    method
        ``engel`` (ratio estimator) or ``lsq`` (least squares on the trajectory).
    p, q
        Exponents for the general law. Engel's method needs both; least squares fits them when
        they are ``None``.
    substeps
        RK4 steps per day of the model integrations.

    Returns
    -------
    LanchesterFit

    Raises
    ------
    ValueError
        On an unknown law or method, missing initial strengths, or a record the method cannot fit.
    """
    if law not in LAW_NAMES:
        raise ValueError(f"unknown law {law!r}; expected one of {', '.join(LAW_NAMES)}")
    if series.day.shape[0] < 2:
        raise ValueError("a record needs at least two days")
    if np.isnan(series.x[0]) or np.isnan(series.y[0]):
        raise ValueError("both strengths must be known on the first day")
    if law == "general":
        pe, qe = p, q
    else:
        pe, qe = LAWS[law]
    if method == "engel":
        if pe is None or qe is None:
            raise ValueError("Engel's estimator needs fixed exponents: give p and q")
        a, b, se = engel_estimate(series, pe, qe)
        pf, qf = pe, qe
    elif method == "lsq":
        if (pe is None) != (qe is None):
            raise ValueError("give both exponents p and q, or neither")
        a, b, pf, qf, se = least_squares_estimate(series, pe, qe, substeps=substeps)
    else:
        raise ValueError(f"unknown method {method!r}; expected engel or lsq")
    rmse, r2, n_obs, x_fit, y_fit = fit_statistics(series, a, b, pf, qf, substeps=substeps)
    n_days = round(float(series.day[-1] - series.day[0]))
    return LanchesterFit(
        law=law,
        method=method,
        a=a,
        b=b,
        p=pf,
        q=qf,
        se=se,
        rmse=rmse,
        r2=r2,
        n_days=n_days,
        n_obs=n_obs,
        day=series.day[0] + np.arange(n_days + 1, dtype=np.float64),
        x_fit=x_fit,
        y_fit=y_fit,
        notes=data_notes(series),
    )
