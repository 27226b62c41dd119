"""Lanchester's laws fitted to a daily battle record (``docs/models/attrition.md``).

:func:`fit_lanchester` fits one law and returns a frozen result whose ``to_json()`` is what
``posturelab fit lanchester --json`` prints; :mod:`posturelab.api.lanchester_laws` compares the
laws.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from posturelab.api._display import html_table, number
from posturelab.api.inputs import bad_option
from posturelab.errors import InputError, option_name

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.figure import Figure

    from posturelab.models.combat_record import CombatSeries, FitWarning
    from posturelab.models.lanchester_checks import ResidualTests
    from posturelab.models.lanchester_fit import LanchesterFit

FloatArray = NDArray[np.float64]
LAWS = ("square", "linear", "logarithmic", "mixed", "general")
"""The laws :func:`fit_lanchester` fits."""
METHODS = ("engel", "lsq", "regression")
"""The estimators."""


@dataclass(frozen=True, eq=False)
class LanchesterResult:
    """A Lanchester law fitted to a daily record (``docs/models/attrition.md``).

    Attributes
    ----------
    law, method
        The law (``square``, ``linear``, ``logarithmic``, ``mixed``, ``general``) and the
        estimator.
    a, b, p, q
        ``a``: Y's effectiveness against X; ``b``: X's against Y; the exponents.
    se
        Standard errors (``None`` where undefined).
    rmse, r2
        Goodness of fit of the fitted trajectory (``None`` where undefined).
    n_days, n_obs
        Days spanned, strengths compared.
    day, x_fit, y_fit
        The fitted trajectory.
    data
        The record's name; ``excluded_days`` the days treated as unknown.
    notes
        Remarks about the data.
    exponents
        ``(p_x, q_x, p_y, q_y)``.
    level, intervals, interval_method
        The intervals' level, each coefficient's interval (``None`` where undefined) and how
        they were computed.
    correlation_names, correlation
        The parameters and the correlation matrix of their estimates (``None``: undefined).
    loglik, n_params, aic, bic
        Log-likelihood and information criteria (``None`` for ``engel``).
    tests
        Residual tests (``None`` for ``engel``).
    error_model, converged, warnings
        The error model in words, whether the estimator converged, and the diagnostics.
    """

    law: str
    method: str
    a: float
    b: float
    p: float
    q: float
    se: Mapping[str, float | None]
    rmse: float | None
    r2: float | None
    n_days: int
    n_obs: int
    day: FloatArray
    x_fit: FloatArray
    y_fit: FloatArray
    data: str
    notes: tuple[str, ...]
    excluded_days: tuple[int, ...] = ()
    exponents: tuple[float, float, float, float] = (math.nan, math.nan, math.nan, math.nan)
    level: float = 0.9
    intervals: Mapping[str, tuple[float | None, float | None] | None] = dataclasses.field(
        default_factory=dict
    )
    interval_method: str = ""
    correlation_names: tuple[str, ...] = ()
    correlation: FloatArray | None = None
    loglik: float | None = None
    n_params: int = 0
    aic: float | None = None
    bic: float | None = None
    tests: ResidualTests | None = None
    error_model: str = ""
    converged: bool = True
    warnings: tuple[FitWarning, ...] = ()

    @property
    def meaningless(self) -> bool:
        """Whether a diagnostic of severity ``error`` says the numbers are not estimates."""
        return any(w.severity == "error" for w in self.warnings)

    def to_pandas(self) -> pd.DataFrame:
        """The fitted trajectory, one row per day."""
        import pandas as pd

        return pd.DataFrame(
            {"x": self.x_fit, "y": self.y_fit}, index=pd.Index(self.day, name="day")
        )

    def to_json(self) -> dict[str, Any]:
        """What ``posturelab fit lanchester --json`` prints."""
        correlation = None
        if self.correlation is not None:
            correlation = {
                "names": list(self.correlation_names),
                "matrix": [[float(v) for v in row] for row in self.correlation],
            }
        payload: dict[str, Any] = {
            "law": self.law,
            "a": self.a,
            "b": self.b,
            "p": self.p,
            "q": self.q,
            "exponents": dict(zip(("p_x", "q_x", "p_y", "q_y"), self.exponents, strict=True)),
            "rmse": self.rmse,
            "r2": self.r2,
            "method": self.method,
            "error_model": self.error_model,
            "n_days": self.n_days,
            "n_obs": self.n_obs,
            "se": dict(self.se),
            "level": self.level,
            "intervals": {
                name: None if iv is None else list(iv) for name, iv in self.intervals.items()
            },
            "interval_method": self.interval_method,
            "correlation": correlation,
            "loglik": self.loglik,
            "n_params": self.n_params,
            "aic": self.aic,
            "bic": self.bic,
            "residual_tests": _tests_json(self.tests),
            "converged": self.converged,
            "warnings": _warnings_json(self.warnings),
            "data": self.data,
            "notes": list(self.notes),
            "fitted": {
                "day": [float(d) for d in self.day],
                "x": [float(v) for v in self.x_fit],
                "y": [float(v) for v in self.y_fit],
            },
        }
        if self.excluded_days:
            payload["excluded_days"] = list(self.excluded_days)
        return payload

    def plot(self) -> Figure:
        """The fitted strengths of both sides, day by day."""
        import matplotlib.pyplot as plt

        fig, ax = plt.subplots(figsize=(7, 3.5))
        ax.plot(self.day, self.x_fit, label="x (fitted)")
        ax.plot(self.day, self.y_fit, label="y (fitted)")
        ax.set_xlabel("day")
        ax.set_ylabel("strength")
        ax.set_title(f"Lanchester {self.law} law, {self.method} fit: {self.data}", fontsize=10)
        ax.legend(fontsize=8)
        fig.tight_layout()
        return fig

    def _repr_html_(self) -> str:
        rows = [(k, f"{getattr(self, k):.6g}", number(self.se.get(k))) for k in "abpq"]
        rows += [("RMSE", number(self.rmse), ""), ("R²", number(self.r2), "")]
        return html_table(
            f"Lanchester {self.law} law, {self.method} fit: {self.data}",
            ("quantity", "estimate", "std. error"),
            rows,
            " ".join(self.notes),
        )


def _finite(value: float | None) -> float | None:
    return None if value is None or not math.isfinite(value) else float(value)


def _tests_json(tests: ResidualTests | None) -> dict[str, float | int | None] | None:
    if tests is None:
        return None
    return {
        "n": tests.n,
        "lag1": tests.lag1,
        "p_autocorrelation": tests.p_autocorrelation,
        "durbin_watson": tests.durbin_watson,
        "p_normality": tests.p_normality,
    }


def _warnings_json(warnings: tuple[FitWarning, ...]) -> list[dict[str, str]]:
    return [{"code": w.code, "severity": w.severity, "message": w.message} for w in warnings]


def _clean_tests(tests: ResidualTests | None) -> ResidualTests | None:
    if tests is None:
        return None
    return dataclasses.replace(
        tests,
        lag1=_finite(tests.lag1),
        p_autocorrelation=_finite(tests.p_autocorrelation),
        durbin_watson=_finite(tests.durbin_watson),
        p_normality=_finite(tests.p_normality),
    )


def _result(fit: LanchesterFit, name: str, excluded: tuple[int, ...]) -> LanchesterResult:
    return LanchesterResult(
        law=fit.law,
        method=fit.method,
        a=fit.a,
        b=fit.b,
        p=fit.p,
        q=fit.q,
        se={k: _finite(v) for k, v in fit.se.items()},
        rmse=_finite(fit.rmse),
        r2=_finite(fit.r2),
        n_days=fit.n_days,
        n_obs=fit.n_obs,
        day=fit.day,
        x_fit=fit.x_fit,
        y_fit=fit.y_fit,
        data=name,
        notes=tuple(fit.notes),
        excluded_days=excluded,
        exponents=fit.exponents,
        level=fit.level,
        intervals={
            k: None if iv is None else (_finite(iv[0]), _finite(iv[1]))
            for k, iv in fit.intervals.items()
        },
        interval_method=fit.interval_method,
        correlation_names=fit.correlation_names,
        correlation=fit.correlation,
        loglik=_finite(fit.loglik),
        n_params=fit.n_params,
        aic=_finite(fit.aic),
        bic=_finite(fit.bic),
        tests=_clean_tests(fit.tests),
        error_model=fit.error_model,
        converged=fit.converged,
        warnings=fit.warnings,
    )


def check_options(law: str, method: str, p: float | None, q: float | None, level: float) -> None:
    """Raise one :class:`InputError` listing every problem of a fit's options.

    ``law`` may be ``all`` (a comparison of laws).
    """
    problems = _check(law, method, p, q, level)
    if problems:
        raise InputError([pr for e in problems for pr in e.problems])


def _check(
    law: str, method: str, p: float | None, q: float | None, level: float
) -> list[InputError]:
    problems = []
    if law not in (*LAWS, "all"):
        problems.append(
            bad_option("law", "{option} must be " + ", ".join(LAWS) + f" or all, got {law!r}")
        )
    if method not in METHODS:
        problems.append(
            bad_option("method", f"{{option}} must be {', '.join(METHODS)}, got {method!r}")
        )
    for name, value in (("p", p), ("q", q)):
        if value is None:
            continue
        if law != "general":
            problems.append(bad_option(name, "only with " + option_name("law") + " general"))
        elif not (math.isfinite(value) and 0.0 <= value <= 3.0):
            problems.append(bad_option(name, f"must be in [0, 3], got {value}"))
    if not (0.5 <= level < 1.0):
        problems.append(bad_option("level", f"must be in [0.5, 1), got {level}"))
    return problems


def _series(
    data: str | Path | CombatSeries, exclude_days: tuple[int, ...] | list[int]
) -> tuple[CombatSeries, str]:
    from posturelab.data.combat_csv import BUILTIN, builtin_series, read_combat_csv
    from posturelab.models.lanchester_fit import CombatSeries

    if isinstance(data, CombatSeries):
        series, name = data, "<series>"
    elif str(data) in BUILTIN and not Path(str(data)).exists():
        series, name = builtin_series(str(data)), str(data)
    else:
        series, name = read_combat_csv(str(data)), str(data)
    if exclude_days:
        series = series.without_days(tuple(float(d) for d in exclude_days))
    return series, name


def fit_lanchester(
    data: str | Path | CombatSeries = "iwo_jima",
    *,
    law: str = "square",
    method: str = "engel",
    p: float | None = None,
    q: float | None = None,
    level: float = 0.9,
    exclude_days: tuple[int, ...] | list[int] = (),
) -> LanchesterResult:
    """Fit a Lanchester law to a daily combat record.

    Parameters
    ----------
    data
        A CSV path (columns ``day, x, y`` and optionally reinforcements and losses), the name of
        a built-in record (``iwo_jima``), or a :class:`~posturelab.models.lanchester_fit.
        CombatSeries`.
    law, method
        ``square``, ``linear``, ``logarithmic``, ``mixed`` or ``general``; ``engel``, ``lsq``
        or ``regression``.
    p, q
        The general law's exponents (fixed), in [0, 3].
    level
        The intervals' level, in [0.5, 1).
    exclude_days
        Days whose strengths and losses are treated as unknown.

    Raises
    ------
    InputError
        On a bad file (located), law, method, exponent, level, or a record that cannot be
        fitted. A fit that a diagnostic of severity ``error`` makes meaningless is returned
        (see :attr:`LanchesterResult.meaningless`).

    Examples
    --------
    >>> fit = fit_lanchester("iwo_jima")
    >>> fit.law, fit.method, 0 < fit.a < 1
    ('square', 'engel', True)
    """
    from posturelab.models.lanchester_fit import fit

    problems = _check(law, method, p, q, level)
    if law == "all" and not problems:
        problems.append(bad_option("law", "{option} all: compare the laws with compare_lanchester"))
    if problems:
        raise InputError([pr for e in problems for pr in e.problems])
    series, name = _series(data, exclude_days)
    try:
        result = fit(series, law, method, p=p, q=q, level=level)  # type: ignore[arg-type]
    except ValueError as exc:
        raise InputError.single(name, f"cannot fit: {exc}") from None
    return _result(result, name, tuple(sorted(set(exclude_days))))
