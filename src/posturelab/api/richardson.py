"""Richardson's two-bloc arms race fitted to yearly budgets (``docs/models/arms.md``).

:func:`fit_richardson` fits the two-bloc reduction ``d(U+V)/dt = (k − α)(U+V) + (g + h)`` and
each bloc's own equation ``dU/dt = k V − α U + g``, with intervals, tests of the terms and a test
against a plain time trend.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from posturelab.api._display import html_table, number
from posturelab.api.inputs import bad_option
from posturelab.errors import InputError
from posturelab.models.combat_record import FitWarning

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.figure import Figure

    from posturelab.data.budgets_csv import BlocBudgets
    from posturelab.models.arms_fit import RegressionResult


def _clean(value: float) -> float | None:
    return value if math.isfinite(value) else None


def _regression_json(result: RegressionResult) -> dict[str, Any]:
    trend = result.trend
    return {
        "coefficients": {
            c.name: {
                "estimate": c.estimate,
                "se": c.se,
                "interval": None if c.low is None else [c.low, c.high],
                "p_value": c.p_value,
            }
            for c in result.coefficients
        },
        "r2": _clean(result.r2),
        "dof": result.dof,
        "trend_test": {
            "statistic": None if trend.statistic is None else _clean(trend.statistic),
            "p_value": trend.p_value,
            "aic_reaction": trend.aic_reaction,
            "aic_trend": trend.aic_trend,
            "trend_explains": trend.explains,
        },
    }


@dataclass(frozen=True)
class RichardsonResult:
    """The two-bloc Richardson reduction fitted to yearly budgets.

    ``increment = slope · (total − zero_point)``; ``slope`` estimates ``k − α`` (yearly) and
    ``intercept`` estimates ``g + h``; ``continuous_rate`` is ``k − α`` of the continuous model.

    Attributes
    ----------
    slope, intercept, zero_point, r2, continuous_rate
        The fit (``None`` where undefined).
    years, blocs, totals
        The data: consecutive years, the two blocs' names and their yearly totals.
    level
        The intervals' level.
    two_bloc
        The two-bloc regression with intervals, tests and the trend test.
    pairs
        Each bloc's own equation (``reaction``, ``fatigue``, ``grievance``), by bloc.
    warnings
        ``trend_explains`` for each equation a plain time trend explains as well.
    """

    slope: float
    intercept: float
    zero_point: float | None
    r2: float | None
    continuous_rate: float | None
    years: tuple[int, ...]
    blocs: tuple[str, str]
    totals: tuple[tuple[float, ...], tuple[float, ...]]
    level: float
    two_bloc: RegressionResult
    pairs: Mapping[str, RegressionResult]
    warnings: tuple[FitWarning, ...]

    @property
    def grievance(self) -> float | None:
        """``g + h`` of the continuous model (``−rate · zero_point``)."""
        if self.continuous_rate is None or self.zero_point is None:
            return None
        return -self.continuous_rate * self.zero_point

    def to_pandas(self) -> pd.DataFrame:
        """The yearly totals of both blocs and their sum."""
        import pandas as pd

        u, v = self.totals
        frame = pd.DataFrame(
            {self.blocs[0]: u, self.blocs[1]: v}, index=pd.Index(self.years, name="year")
        )
        frame["total"] = frame[self.blocs[0]] + frame[self.blocs[1]]
        return frame

    def to_json(self) -> dict[str, Any]:
        """What ``posturelab fit richardson --json`` prints."""
        return {
            "slope": self.slope,
            "zero_point": self.zero_point,
            "intercept": self.intercept,
            "r2": self.r2,
            "years": list(self.years),
            "blocs": list(self.blocs),
            "continuous_rate": self.continuous_rate,
            "level": self.level,
            "two_bloc": _regression_json(self.two_bloc),
            "pairs": {bloc: _regression_json(r) for bloc, r in self.pairs.items()},
            "warnings": [
                {"code": w.code, "severity": w.severity, "message": w.message}
                for w in self.warnings
            ],
        }

    def plot(self) -> Figure:
        """Yearly increments against the mid-year total, with the fitted line."""
        import matplotlib.pyplot as plt

        total = np.add(*[np.asarray(t) for t in self.totals])
        inc = np.diff(total)
        mid = (total[1:] + total[:-1]) / 2
        fig, ax = plt.subplots(figsize=(6, 4))
        ax.scatter(mid, inc, label="years")
        xs = np.linspace(mid.min(), mid.max(), 50)
        ax.plot(xs, self.intercept + self.slope * xs, color="#c44e52", label="fit")
        ax.set_xlabel("total")
        ax.set_ylabel("yearly increment")
        ax.legend(fontsize=8)
        fig.tight_layout()
        return fig

    def _repr_html_(self) -> str:
        return html_table(
            f"Richardson two-bloc fit: {self.blocs[0]} and {self.blocs[1]}",
            ("quantity", "value"),
            [
                ("slope (k − α per year)", number(self.slope)),
                ("intercept (g + h)", number(self.intercept)),
                ("zero point", number(self.zero_point)),
                ("R²", number(self.r2)),
                ("continuous k − α", number(self.continuous_rate)),
            ],
            " ".join(w.message for w in self.warnings),
        )


def _trend_warning(what: str, result: RegressionResult) -> FitWarning:
    from posturelab.models.arms_fit import TREND_ALPHA

    return FitWarning(
        "trend_explains",
        "warning",
        f"{what}: a linear time trend without reaction explains the increments as "
        f"well (F test of the reaction, p = {result.trend.p_value:.2g} >= {TREND_ALPHA:g}); "
        "the series does not show an arms race beyond a trend",
    )


def fit_richardson(budgets: str | Path | BlocBudgets, *, level: float = 0.9) -> RichardsonResult:
    """Fit Richardson's two-bloc reduction ``d(U+V)/dt = (k − α)(U+V) + (g + h)``.

    Parameters
    ----------
    budgets
        A CSV with columns ``year,country,bloc,spending`` (exactly two blocs, consecutive
        years), or :class:`~posturelab.data.budgets_csv.BlocBudgets`.
    level
        The intervals' level, in [0.5, 1).

    Raises
    ------
    InputError
        Every problem of the file, located; a bad level; or data that cannot be fitted.

    Examples
    --------
    >>> from posturelab.data.budgets_csv import BlocBudgets
    >>> totals = ((10.0, 12.0, 14.4), (0.0, 0.0, 0.0))  # 20% growth a year, no grievance
    >>> fit = fit_richardson(BlocBudgets((2000, 2001, 2002), ("U", "V"), totals))
    >>> round(fit.continuous_rate, 4), round(fit.zero_point, 9)  # ln 1.2 = 0.1823
    (0.1823, 0.0)
    """
    from posturelab.data.budgets_csv import BlocBudgets, read_budgets_file
    from posturelab.models.arms import fit_two_bloc
    from posturelab.models.arms_fit import pair_fit, two_bloc_inference

    if not 0.5 <= level < 1.0:
        raise bad_option("level", f"must be in [0.5, 1), got {level}")
    data = budgets if isinstance(budgets, BlocBudgets) else read_budgets_file(str(budgets))
    name = "<budgets>" if isinstance(budgets, BlocBudgets) else str(budgets)
    u, v = data.totals
    try:
        fit = fit_two_bloc(data.years, u, v)
        two = two_bloc_inference(data.years, u, v, level=level)
        pairs = {
            data.blocs[0]: pair_fit(data.years, u, v, level=level),
            data.blocs[1]: pair_fit(data.years, v, u, level=level),
        }
    except ValueError as exc:
        raise InputError.single(name, str(exc), path="spending") from None
    warnings = []
    if two.trend.explains:
        warnings.append(_trend_warning("two blocs", two))
    for bloc, result in pairs.items():
        if result.trend.explains:
            warnings.append(_trend_warning(bloc, result))
    return RichardsonResult(
        slope=fit.slope,
        intercept=fit.intercept,
        zero_point=_clean(fit.zero_point),
        r2=_clean(fit.r2),
        continuous_rate=_clean(fit.continuous_rate),
        years=tuple(fit.years),
        blocs=data.blocs,
        totals=data.totals,
        level=level,
        two_bloc=two,
        pairs=pairs,
        warnings=tuple(warnings),
    )
