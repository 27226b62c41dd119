r"""Fitting Lanchester laws to a combat record: estimators, intervals, diagnostics, comparison.

The record is a :class:`~posturelab.models.combat_record.CombatSeries` (strengths, arrivals and
losses by day or by phase). The law is

.. math::

    \dot x = R_x(t) - a\, y^{p_X} x^{q_X}, \qquad \dot y = R_y(t) - b\, x^{p_Y} y^{q_Y}

with the named laws of :data:`LAW_NAMES` (``square``, ``linear``, ``logarithmic``, ``mixed`` and
``general``, whose exponents :math:`p, q` are shared by both sides and fitted). Three estimators:

``engel``
    Engel's ratio estimator for fixed exponents (:mod:`posturelab.models.lanchester_engel`);
    Wald intervals on the log scale from its standard errors. No likelihood.
``lsq``
    Least squares on the observed strengths of the integrated trajectory
    (:mod:`posturelab.models.lanchester_lsq`). Error model: independent Gaussian errors of one
    variance on the strengths, linear scale. Wald intervals from the Jacobian (log scale for
    :math:`a, b`), with Student's quantile.
``regression``
    Log-linear regression on the phase losses (:mod:`posturelab.models.lanchester_regression`).
    Error model: independent multiplicative lognormal errors of one variance on each phase's
    losses. Profile-likelihood intervals calibrated by Student's t.

Every fit carries the correlation of its estimates (where a covariance exists), its
log-likelihood, AIC and BIC (likelihood methods), residual tests and the warnings of
:mod:`posturelab.models.lanchester_checks`. :func:`compare_laws` fits every law with one method
and ranks them.

References
----------
.. [1] Engel, J. H. (1954). A verification of Lanchester's law. *Journal of the Operations
   Research Society of America* 2(2), 163-171.
.. [2] Bracken, J. (1995). Lanchester models of the Ardennes campaign. *Naval Research Logistics*
   42(4), 559-577.
.. [3] Fricker, R. D. (1998). Attrition models of the Ardennes campaign. *Naval Research
   Logistics* 45(1), 1-22.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Final, Literal

import numpy as np
from scipy import stats

from posturelab.models.attrition import LAWS
from posturelab.models.combat_record import (
    CombatSeries,
    FitWarning,
    FloatArray,
    observed_strengths,
)
from posturelab.models.lanchester_checks import (
    LawRow,
    ResidualTests,
    akaike_table,
    fit_warnings,
    record_warnings,
    residual_tests,
    verdict,
)
from posturelab.models.lanchester_engel import engel_estimate
from posturelab.models.lanchester_lsq import (
    EXPONENT_BOUNDS,
    fit_statistics,
    least_squares_estimate,
)
from posturelab.models.lanchester_regression import (
    REGRESSION_LAWS,
    Exponents,
    fit_regression,
    simulate_phases,
)

__all__ = [
    "LAW_NAMES",
    "CombatSeries",
    "LanchesterFit",
    "LawComparison",
    "compare_laws",
    "data_notes",
    "engel_estimate",
    "fit",
    "least_squares_estimate",
    "observed_strengths",
]

Method = Literal["engel", "lsq", "regression"]
#: Law names accepted by :func:`fit`.
LAW_NAMES: Final[tuple[str, ...]] = tuple(REGRESSION_LAWS)
#: Laws the trajectory methods (``engel``, ``lsq``) can fit: one pair of exponents for both sides.
TRAJECTORY_LAWS: Final[tuple[str, ...]] = (*LAWS, "general")
ERROR_MODELS: Final[dict[str, str]] = {
    "engel": "none (ratio estimator); standard errors from the daily losses where known",
    "lsq": "Gaussian errors of one variance on the observed strengths (linear scale)",
    "regression": "lognormal errors of one variance on each phase's losses (log scale)",
}


@dataclass(frozen=True, eq=False)
class LanchesterFit:
    """The result of a fit.

    Attributes
    ----------
    law, method
        The law and the estimator used.
    a, b, p, q
        Fitted coefficients (``a``: Y's effectiveness against X; ``b``: X's against Y) and x's
        exponents (the same as y's except for the mixed law; see ``exponents``).
    se
        Standard errors by name; ``None`` where undefined.
    rmse, r2
        Goodness of fit of the fitted trajectory against the known strengths after row 0.
    n_days, n_obs
        Days spanned by the record and number of observations the estimator used.
    day, x_fit, y_fit
        The fitted trajectory (each day for ``engel`` and ``lsq``, each row for ``regression``).
    notes
        Remarks about the data (such as decreasing cumulative losses).
    exponents
        (p_X, q_X, p_Y, q_Y).
    level, intervals, interval_method
        Interval level, each coefficient's interval (``None`` where undefined) and how they
        were computed.
    correlation_names, correlation
        The parameters and the correlation matrix of their estimates (``None`` where undefined).
    loglik, n_params, aic, bic
        Maximised log-likelihood and information criteria (``None`` for ``engel``).
    tests
        Residual tests (``None`` for ``engel``).
    error_model
        The error model of the method, in words.
    warnings
        Diagnostics (:mod:`posturelab.models.lanchester_checks`).
    converged
        Whether the estimator converged.
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
    exponents: Exponents = (math.nan, math.nan, math.nan, math.nan)
    level: float = 0.9
    intervals: dict[str, tuple[float, float] | None] = field(default_factory=dict)
    interval_method: str = ""
    correlation_names: tuple[str, ...] = ()
    correlation: FloatArray | None = None
    loglik: float | None = None
    n_params: int = 0
    aic: float | None = None
    bic: float | None = None
    tests: ResidualTests | None = None
    error_model: str = ""
    warnings: tuple[FitWarning, ...] = ()
    converged: bool = True

    @property
    def meaningless(self) -> bool:
        """Whether a warning of severity ``error`` says the numbers are not estimates."""
        return any(w.severity == "error" for w in self.warnings)


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


def _row_statistics(
    series: CombatSeries, xm: FloatArray, ym: FloatArray
) -> tuple[float, float, int]:
    """RMSE, R² and count of the model's row strengths against the known ones after row 0."""
    xs, ys = observed_strengths(series)
    res = []
    ss_tot = 0.0
    for model, obs in ((xm, xs), (ym, ys)):
        known = ~np.isnan(obs[1:])
        res.append(model[1:][known] - obs[1:][known])
        values = obs[1:][known]
        if values.size:
            ss_tot += float(np.sum((values - values.mean()) ** 2))
    r = np.concatenate(res)
    if r.size == 0:
        raise ValueError("no known strengths after the first day to compare the fit with")
    ss_res = float(r @ r)
    r2 = 1.0 - ss_res / ss_tot if ss_tot > 0.0 else math.nan
    return math.sqrt(ss_res / r.size), r2, int(r.size)


def _wald(
    names: tuple[str, ...], theta: FloatArray, cov: FloatArray, quantile: float
) -> dict[str, tuple[float, float] | None]:
    """Intervals theta ± quantile·se, exponentiated for a and b (whose theta is the log)."""
    se = np.sqrt(np.maximum(np.diag(cov), 0.0))
    out: dict[str, tuple[float, float] | None] = {}
    for j, name in enumerate(names):
        lo, hi = float(theta[j] - quantile * se[j]), float(theta[j] + quantile * se[j])
        if name in ("a", "b"):
            out[name] = (math.exp(min(lo, 700.0)), math.exp(min(hi, 700.0)))
        else:
            out[name] = (lo, hi)
    return out


def _correlation(cov: FloatArray | None) -> FloatArray | None:
    if cov is None:
        return None
    sd = np.sqrt(np.maximum(np.diag(cov), 1e-300))
    return np.asarray(cov / np.outer(sd, sd), dtype=np.float64)


def _fixed_exponents(law: str, p: float | None, q: float | None) -> Exponents | None:
    if law == "general":
        if (p is None) != (q is None):
            raise ValueError("give both exponents p and q, or neither")
        return None if p is None or q is None else (p, q, p, q)
    return REGRESSION_LAWS[law]


def fit(
    series: CombatSeries,
    law: str = "square",
    method: Method = "engel",
    *,
    p: float | None = None,
    q: float | None = None,
    substeps: int = 10,
    level: float = 0.9,
    max_nfev: int = 500,
) -> LanchesterFit:
    """Fit a Lanchester law to a record.

    Parameters
    ----------
    series
        The record (row 0 with both strengths known).
    law
        One of :data:`LAW_NAMES`; ``mixed`` only with ``regression``.
    method
        ``engel``, ``lsq`` or ``regression`` (see the module docstring).
    p, q
        Fixed exponents for the general law; Engel's method needs both, the others fit them when
        they are ``None``.
    substeps
        RK4 steps per day of the model integrations (``engel``, ``lsq``).
    level
        Level of the intervals.
    max_nfev
        Most residual evaluations of ``lsq``.

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
    if method not in ERROR_MODELS:
        raise ValueError(f"unknown method {method!r}; expected engel, lsq or regression")
    if method != "regression" and law not in TRAJECTORY_LAWS:
        raise ValueError(f"the {law} law is fitted by the regression method only")
    fixed = _fixed_exponents(law, p, q)
    warnings = record_warnings(series)
    loglik: float | None = None
    n_params = 0
    tests: ResidualTests | None = None
    names: tuple[str, ...] = ("a", "b")
    cov: FloatArray | None = None
    converged = True
    bound_notes: list[str] = []
    n_days = round(float(series.day[-1] - series.day[0]))
    if method == "regression":
        reg = fit_regression(
            series, law, level=level, exponents=fixed if law == "general" else None
        )
        a, b, exps = reg.a, reg.b, reg.exponents
        se: dict[str, float | None] = dict(reg.standard_errors())
        intervals: dict[str, tuple[float, float] | None] = dict(reg.intervals)
        interval_method = "profile likelihood, Student t calibration"
        names, cov = reg.names, reg.cov
        loglik, n_params, n_obs = reg.loglik, reg.n_params, reg.n_obs
        tests = residual_tests((reg.residuals_x, reg.residuals_y))
        xm, ym = simulate_phases(series, a, b, exps)
        rmse, r2, _ = _row_statistics(series, xm, ym)
        day, x_fit, y_fit = series.day.copy(), xm, ym
        notes = data_notes(series) + tuple(f"left out: {r}" for r in reg.left_out)
    else:
        if method == "engel":
            if fixed is None:
                raise ValueError("Engel's estimator needs fixed exponents: give p and q")
            a, b, se = engel_estimate(series, fixed[0], fixed[1])
            exps = fixed
            z = float(stats.norm.ppf(0.5 + level / 2.0))
            intervals = {}
            for name, value in (("a", a), ("b", b)):
                s = se.get(name)
                ok = s is not None and value > 0.0
                intervals[name] = (
                    (value * math.exp(-z * s / value), value * math.exp(z * s / value))
                    if ok and s is not None
                    else None
                )
            interval_method = "Wald, log scale, from the ratio estimator's standard errors"
            n_obs = 0
        else:
            est = least_squares_estimate(
                series,
                None if fixed is None else fixed[0],
                None if fixed is None else fixed[1],
                substeps=substeps,
                max_nfev=max_nfev,
            )
            a, b, se, converged = est.a, est.b, est.se, est.converged
            exps = (est.p, est.q, est.p, est.q)
            names, cov, n_obs = est.names, est.cov, est.n_obs
            theta = np.array([math.log(a), math.log(b), est.p, est.q][: len(names)])
            if cov is not None and est.dof > 0:
                t = float(stats.t.ppf(0.5 + level / 2.0, est.dof))
                intervals = _wald(names, theta, cov, t)
            else:
                intervals = dict.fromkeys(names)
            interval_method = "Wald from the Jacobian (log scale for a and b), Student t"
            for name, value in (("p", est.p), ("q", est.q)):
                interval = intervals.get(name)
                if interval is None:
                    continue
                lo, hi = EXPONENT_BOUNDS
                intervals[name] = (max(interval[0], lo), min(interval[1], hi))
                if min(value - lo, hi - value) < 1e-6:
                    bound_notes.append(
                        f"{name} = {value:.3g} is at the bound of [{lo:g}, {hi:g}]: its interval "
                        "is cut there and the Wald approximation is poor"
                    )
            n_params = len(names) + 1
            sigma2 = max(est.rss / est.n_obs, 1e-300)
            loglik = -0.5 * est.n_obs * (math.log(2.0 * math.pi * sigma2) + 1.0)
            tests = residual_tests((est.residuals_x, est.residuals_y))
        rmse, r2, n_compared, x_fit, y_fit = fit_statistics(
            series, a, b, exps[0], exps[1], substeps=substeps
        )
        n_obs = n_obs or n_compared
        day = series.day[0] + np.arange(n_days + 1, dtype=np.float64)
        notes = data_notes(series) + tuple(bound_notes)
    warnings += fit_warnings(a, b, r2, intervals, converged, level)
    aic = bic = None
    if loglik is not None:
        aic = 2 * n_params - 2 * loglik
        bic = n_params * math.log(n_obs) - 2 * loglik
    return LanchesterFit(
        law=law,
        method=method,
        a=a,
        b=b,
        p=exps[0],
        q=exps[1],
        se=se,
        rmse=rmse,
        r2=r2,
        n_days=n_days,
        n_obs=n_obs,
        day=day,
        x_fit=x_fit,
        y_fit=y_fit,
        notes=notes,
        exponents=exps,
        level=level,
        intervals=intervals,
        interval_method=interval_method,
        correlation_names=names if cov is not None else (),
        correlation=_correlation(cov),
        loglik=loglik,
        n_params=n_params,
        aic=aic,
        bic=bic,
        tests=tests,
        error_model=ERROR_MODELS[method],
        warnings=tuple(warnings),
        converged=converged,
    )


@dataclass(frozen=True, eq=False)
class LawComparison:
    """Every law fitted with one method, ranked by AIC.

    Attributes
    ----------
    method
        The estimator.
    rows
        One row per law fitted (log-likelihood, AIC, BIC, Akaike weight, R², residual tests).
    fits
        The fits, by law.
    statement
        A plain sentence: which law fits best and whether it fits well.
    warnings
        ``no_law_fits_well`` when it does not, and the record's warnings.
    skipped
        Laws that could not be fitted, with the reason.
    """

    method: str
    rows: tuple[LawRow, ...]
    fits: dict[str, LanchesterFit]
    statement: str
    warnings: tuple[FitWarning, ...]
    skipped: tuple[str, ...]


def compare_laws(
    series: CombatSeries, method: Method = "regression", *, level: float = 0.9, substeps: int = 10
) -> LawComparison:
    """Fit every law with a likelihood method and compare them (AIC, BIC, Akaike weights).

    Raises
    ------
    ValueError
        For Engel's method (no likelihood) or when no law can be fitted.
    """
    if method == "engel":
        raise ValueError("comparing laws needs a likelihood: use the lsq or regression method")
    laws = LAW_NAMES if method == "regression" else TRAJECTORY_LAWS
    fits: dict[str, LanchesterFit] = {}
    skipped: list[str] = []
    for law in laws:
        try:
            fits[law] = fit(series, law, method, level=level, substeps=substeps)
        except ValueError as exc:
            skipped.append(f"{law}: {exc}")
    if method != "regression":
        skipped.append("mixed: fitted by the regression method only")
    if not fits:
        raise ValueError("no law could be fitted: " + "; ".join(skipped))
    entries = []
    for law, f in fits.items():
        assert f.loglik is not None and f.tests is not None
        entries.append((law, f.loglik, f.n_params, f.n_obs, f.r2, f.tests))
    rows = akaike_table(entries)
    statement, warning = verdict(rows)
    warnings = record_warnings(series)
    if warning is not None:
        warnings.append(warning)
    return LawComparison(
        method=method,
        rows=tuple(rows),
        fits=fits,
        statement=statement,
        warnings=tuple(warnings),
        skipped=tuple(skipped),
    )
