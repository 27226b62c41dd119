"""Lanchester's laws fitted to a daily battle record (``docs/models/attrition.md``)."""

from __future__ import annotations

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

    from posturelab.models.lanchester_fit import CombatSeries

FloatArray = NDArray[np.float64]


@dataclass(frozen=True, eq=False)
class LanchesterResult:
    """A Lanchester law fitted to a daily record (``docs/models/attrition.md``).

    Attributes
    ----------
    law, method
        The law (``square``, ``linear``, ``logarithmic``, ``general``) and the estimator.
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

    def to_pandas(self) -> pd.DataFrame:
        """The fitted trajectory, one row per day."""
        import pandas as pd

        return pd.DataFrame(
            {"x": self.x_fit, "y": self.y_fit}, index=pd.Index(self.day, name="day")
        )

    def to_json(self) -> dict[str, Any]:
        """What ``posturelab fit lanchester --json`` prints."""
        payload: dict[str, Any] = {
            "law": self.law,
            "a": self.a,
            "b": self.b,
            "p": self.p,
            "q": self.q,
            "rmse": self.rmse,
            "r2": self.r2,
            "method": self.method,
            "n_days": self.n_days,
            "n_obs": self.n_obs,
            "se": dict(self.se),
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


def fit_lanchester(
    data: str | Path | CombatSeries = "iwo_jima",
    *,
    law: str = "square",
    method: str = "engel",
    p: float | None = None,
    q: float | None = None,
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
        ``square``, ``linear``, ``logarithmic`` or ``general``; ``engel`` or ``lsq``.
    p, q
        The general law's exponents (fixed), in [0, 3].
    exclude_days
        Days whose strengths and losses are treated as unknown.

    Raises
    ------
    InputError
        On a bad file (located), law, method, exponent, or a record that cannot be fitted.

    Examples
    --------
    >>> fit = fit_lanchester("iwo_jima")
    >>> fit.law, fit.method, 0 < fit.a < 1
    ('square', 'engel', True)
    """
    from posturelab.data.combat_csv import BUILTIN, builtin_series, read_combat_csv
    from posturelab.models.lanchester_fit import CombatSeries, fit

    problems = []
    if law not in ("square", "linear", "logarithmic", "general"):
        problems.append(
            bad_option(
                "law", f"{{option}} must be square, linear, logarithmic or general, got {law!r}"
            )
        )
    if method not in ("engel", "lsq"):
        problems.append(bad_option("method", f"{{option}} must be engel or lsq, got {method!r}"))
    for name, value in (("p", p), ("q", q)):
        if value is None:
            continue
        if law != "general":
            problems.append(bad_option(name, "only with " + option_name("law") + " general"))
        elif not (math.isfinite(value) and 0.0 <= value <= 3.0):
            problems.append(bad_option(name, f"must be in [0, 3], got {value}"))
    if problems:
        raise InputError([pr for e in problems for pr in e.problems])
    if isinstance(data, CombatSeries):
        series, name = data, "<series>"
    elif str(data) in BUILTIN and not Path(str(data)).exists():
        series, name = builtin_series(str(data)), str(data)
    else:
        series, name = read_combat_csv(str(data)), str(data)
    if exclude_days:
        series = series.without_days(tuple(float(d) for d in exclude_days))
    try:
        result = fit(series, law, method, p=p, q=q)  # type: ignore[arg-type]
    except ValueError as exc:
        raise InputError.single(name, f"cannot fit: {exc}") from None
    return LanchesterResult(
        law=result.law,
        method=result.method,
        a=result.a,
        b=result.b,
        p=result.p,
        q=result.q,
        se={k: _finite(v) for k, v in result.se.items()},
        rmse=_finite(result.rmse),
        r2=_finite(result.r2),
        n_days=result.n_days,
        n_obs=result.n_obs,
        day=result.day,
        x_fit=result.x_fit,
        y_fit=result.y_fit,
        data=name,
        notes=tuple(result.notes),
        excluded_days=tuple(sorted(set(exclude_days))),
    )
