r"""Diagnostics of a Lanchester fit that refuse nonsense, residual tests and the comparison of laws.

Warnings (:class:`~posturelab.models.combat_record.FitWarning`), each with a stable code:

``first_row_convention`` (error)
    The first row holds arrivals for a side whose initial strength is 0: arrivals on the first
    row are taken as already counted in the initial strength (the documented convention), so the
    record was written under another convention and its arrivals would be lost. With a positive
    initial strength the arrivals are ignored with a warning.
``negative_coefficient`` (error)
    A fitted coefficient :math:`a` or :math:`b` is zero or negative: the law says a side gains
    strength from enemy fire, the record is inconsistent with the law (or with the convention).
``not_converged`` (error)
    The estimator stopped before converging; its numbers are not estimates.
``negative_r2`` (warning)
    :math:`R^2 < 0`: the fitted trajectory is further from the observed strengths than their
    own means.
``wide_interval`` (warning)
    The interval of :math:`a` or :math:`b` spans more than a factor :data:`WIDE_RATIO` (an order
    of magnitude): the record does not determine the coefficient.
``negative_arrivals`` (warning)
    Arrivals derived from strengths and losses come out negative (see
    :mod:`posturelab.data.combat_csv`).
``no_law_fits_well`` (warning)
    In a comparison of laws, the best law by AIC does not fit *well*, defined as: its trajectory,
    run from the initial state with the record's arrivals, reproduces the observed strengths
    with :math:`R^2 \ge` :data:`WELL_R2`, and neither residual test below rejects at level
    :data:`WELL_ALPHA`.

Residual tests, on the residuals of each side in time order: the lag-one autocorrelation
:math:`r_1 = \sum_t e_t e_{t-1} / \sum_t e_t^2` pooled over the sides, with
:math:`z = r_1 \sqrt{m}` (:math:`m` pairs) referred to the standard normal, the Durbin-Watson
statistic :math:`\sum (e_t - e_{t-1})^2 / \sum e_t^2` (about 2 without autocorrelation), and the
Shapiro-Wilk test of normality (Shapiro & Wilk 1965).

Comparison: :math:`\mathrm{AIC} = 2k - 2\ln L`, :math:`\mathrm{BIC} = k \ln n - 2\ln L` with
:math:`k` the likelihood's parameters (coefficients and :math:`\sigma`), and Akaike weights
:math:`w_i = e^{-\Delta_i/2} / \sum_j e^{-\Delta_j/2}`, :math:`\Delta_i = \mathrm{AIC}_i -
\min \mathrm{AIC}` (Burnham & Anderson 2002). Laws are compared only on the same observations.

References
----------
.. [1] Burnham, K. P. & Anderson, D. R. (2002). *Model Selection and Multimodel Inference*, 2nd ed.
   Springer.
.. [2] Shapiro, S. S. & Wilk, M. B. (1965). An analysis of variance test for normality.
   *Biometrika* 52(3-4), 591-611.
.. [3] Durbin, J. & Watson, G. S. (1950). Testing for serial correlation in least squares
   regression I. *Biometrika* 37(3-4), 409-428.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

import numpy as np
from scipy import stats

from posturelab.models.combat_record import CombatSeries, FitWarning, FloatArray

#: An interval of a or b whose ends differ by more than this factor is flagged.
WIDE_RATIO: Final[float] = 10.0
#: R² a fitted trajectory needs to fit well.
WELL_R2: Final[float] = 0.9
#: Level at which a residual test rejecting means the law does not fit well.
WELL_ALPHA: Final[float] = 0.01


@dataclass(frozen=True)
class ResidualTests:
    """Residual diagnostics (see the module docstring); ``None`` where too few residuals."""

    n: int
    lag1: float | None
    p_autocorrelation: float | None
    durbin_watson: float | None
    p_normality: float | None

    def rejects(self, alpha: float = WELL_ALPHA) -> list[str]:
        """Names of the tests that reject at level ``alpha``."""
        out = []
        if self.p_autocorrelation is not None and self.p_autocorrelation < alpha:
            out.append(f"lag-1 autocorrelation {self.lag1:.2f} (p = {self.p_autocorrelation:.2g})")
        if self.p_normality is not None and self.p_normality < alpha:
            out.append(f"non-normal residuals (Shapiro-Wilk p = {self.p_normality:.2g})")
        return out


def residual_tests(sides: Sequence[FloatArray]) -> ResidualTests:
    """Lag-one autocorrelation, Durbin-Watson and Shapiro-Wilk on residuals in time order."""
    pieces = [np.asarray(s, dtype=np.float64) for s in sides if np.size(s)]
    pieces = [s - s.mean() for s in pieces]
    n = sum(s.shape[0] for s in pieces)
    ss = float(sum(float(s @ s) for s in pieces))
    pairs = sum(max(s.shape[0] - 1, 0) for s in pieces)
    lag1 = p_auto = dw = p_norm = None
    if pairs >= 2 and ss > 0.0:
        num = float(sum(float(s[1:] @ s[:-1]) for s in pieces if s.shape[0] > 1))
        lag1 = num / ss
        z = lag1 * math.sqrt(pairs)
        p_auto = float(2.0 * stats.norm.sf(abs(z)))
        dw = float(sum(float(np.sum(np.diff(s) ** 2)) for s in pieces)) / ss
    if n >= 3 and ss > 0.0:
        p_norm = float(stats.shapiro(np.concatenate(pieces)).pvalue)
    return ResidualTests(n, lag1, p_auto, dw, p_norm)


def record_warnings(series: CombatSeries) -> list[FitWarning]:
    """Warnings about the record itself: its reader's, and the first row's arrival convention."""
    out = list(series.warnings)
    for side, strength, reinf in (
        ("x", series.x[0], series.x_reinf[0]),
        ("y", series.y[0], series.y_reinf[0]),
    ):
        if reinf > 0.0 and strength == 0.0:
            out.append(
                FitWarning(
                    "first_row_convention",
                    "error",
                    f"the first row gives {side} = 0 with {reinf:g} arrivals: arrivals on the "
                    "first row count as already in the initial strength, so this record follows "
                    "another convention (give the initial state on the first row and the "
                    "arrivals on the day they came)",
                )
            )
        elif reinf > 0.0:
            out.append(
                FitWarning(
                    "first_row_convention",
                    "warning",
                    f"the first row's {reinf:g} arrivals for {side} are ignored: they count as "
                    "already in the initial strength",
                )
            )
    return out


def fit_warnings(
    a: float,
    b: float,
    r2: float,
    intervals: dict[str, tuple[float, float] | None],
    converged: bool,
    level: float,
) -> list[FitWarning]:
    """Warnings about a fitted result (see the module docstring)."""
    out: list[FitWarning] = []
    if not converged:
        out.append(
            FitWarning(
                "not_converged",
                "error",
                "the estimator stopped before converging: the numbers are not estimates",
            )
        )
    for name, value in (("a", a), ("b", b)):
        if not value > 0.0:
            out.append(
                FitWarning(
                    "negative_coefficient",
                    "error",
                    f"{name} = {value:.4g} is not positive: the law would have a side gain "
                    "strength from enemy fire; the record contradicts the law or its conventions",
                )
            )
    if math.isfinite(r2) and r2 < 0.0:
        out.append(
            FitWarning(
                "negative_r2",
                "warning",
                f"R² = {r2:.3g} < 0: the fitted trajectory is further from the observed "
                "strengths than their own means",
            )
        )
    for name in ("a", "b"):
        interval = intervals.get(name)
        if interval is None:
            continue
        lo, hi = interval
        if lo <= 0.0 or hi / lo > WIDE_RATIO:
            out.append(
                FitWarning(
                    "wide_interval",
                    "warning",
                    f"the {level:.0%} interval of {name}, [{lo:.3g}, {hi:.3g}], spans more than "
                    f"a factor {WIDE_RATIO:g}: the record does not determine {name}",
                )
            )
    return out


@dataclass(frozen=True)
class LawRow:
    """One law in a comparison."""

    law: str
    loglik: float
    n_params: int
    n_obs: int
    aic: float
    bic: float
    weight: float
    r2: float
    tests: ResidualTests

    @property
    def fits_well(self) -> bool:
        """Whether the law fits well (see the module docstring)."""
        return math.isfinite(self.r2) and self.r2 >= WELL_R2 and not self.tests.rejects()


def akaike_table(
    entries: Sequence[tuple[str, float, int, int, float, ResidualTests]],
) -> list[LawRow]:
    """Rows of a comparison from (law, log-likelihood, parameters, observations, R², tests)."""
    aic = np.array([2 * k - 2 * ll for _, ll, k, _, _, _ in entries])
    delta = aic - aic.min()
    w = np.exp(-0.5 * delta)
    w /= w.sum()
    return [
        LawRow(law, ll, k, n, float(aic[i]), k * math.log(n) - 2 * ll, float(w[i]), r2, tests)
        for i, (law, ll, k, n, r2, tests) in enumerate(entries)
    ]


def verdict(rows: Sequence[LawRow]) -> tuple[str, FitWarning | None]:
    """A plain statement about the comparison, and a warning when no law fits well."""
    best = min(rows, key=lambda r: r.aic)
    if best.fits_well:
        return (
            f"{best.law} fits best (Akaike weight {best.weight:.2f}) and fits well "
            f"(R² {best.r2:.3f} >= {WELL_R2:g}, residual tests pass at {WELL_ALPHA:g}).",
            None,
        )
    reasons = []
    if not (math.isfinite(best.r2) and best.r2 >= WELL_R2):
        reasons.append(f"R² {best.r2:.3f} < {WELL_R2:g}")
    reasons += best.tests.rejects()
    message = (
        f"no law fits well: the best by AIC, {best.law} (weight {best.weight:.2f}), has "
        + "; ".join(reasons)
    )
    statement = message[0].upper() + message[1:] + "."
    return statement, FitWarning("no_law_fits_well", "warning", message)
