"""Every Lanchester law fitted to one record with one estimator, ranked by AIC.

:func:`compare_lanchester` returns a :class:`LawsComparison` whose ``to_json()`` is what
``posturelab fit lanchester --law all --json`` prints (``docs/models/attrition.md``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from posturelab.api._display import html_table
from posturelab.api.lanchester import (
    LanchesterResult,
    _check,
    _clean_tests,
    _finite,
    _result,
    _series,
    _tests_json,
    _warnings_json,
)
from posturelab.errors import InputError

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.figure import Figure

    from posturelab.models.combat_record import CombatSeries, FitWarning
    from posturelab.models.lanchester_checks import LawRow, ResidualTests


@dataclass(frozen=True)
class LawScore:
    """One law in a comparison: likelihood, information criteria, weight and residual tests."""

    law: str
    loglik: float
    n_params: int
    n_obs: int
    aic: float
    bic: float
    akaike_weight: float
    r2: float | None
    tests: ResidualTests
    fits_well: bool


@dataclass(frozen=True, eq=False)
class LawsComparison:
    """Every law fitted to one record with one estimator, ranked by AIC.

    Attributes
    ----------
    method, data
        The estimator and the record's name.
    rows
        One :class:`LawScore` per law fitted.
    fits
        The fits, by law.
    statement
        A plain sentence: which law fits best and whether it fits well.
    warnings, skipped
        Diagnostics (``no_law_fits_well`` among them), and the laws not fitted with the reason.
    excluded_days
        The days treated as unknown.
    """

    method: str
    data: str
    rows: tuple[LawScore, ...]
    fits: Mapping[str, LanchesterResult]
    statement: str
    warnings: tuple[FitWarning, ...]
    skipped: tuple[str, ...]
    excluded_days: tuple[int, ...] = ()

    @property
    def meaningless(self) -> bool:
        """Whether a diagnostic of severity ``error`` says the numbers are not estimates."""
        return any(w.severity == "error" for w in self.warnings)

    def to_pandas(self) -> pd.DataFrame:
        """One row per law: log-likelihood, parameters, AIC, BIC, weight and R²."""
        import pandas as pd

        columns = ("loglik", "n_params", "aic", "bic", "akaike_weight", "r2", "fits_well")
        return pd.DataFrame(
            {c: [getattr(r, c) for r in self.rows] for c in columns},
            index=pd.Index([r.law for r in self.rows], name="law"),
        )

    def to_json(self) -> dict[str, Any]:
        """What ``posturelab fit lanchester --law all --json`` prints."""
        payload: dict[str, Any] = {
            "data": self.data,
            "method": self.method,
            "comparison": [
                {
                    "law": row.law,
                    "loglik": row.loglik,
                    "n_params": row.n_params,
                    "n_obs": row.n_obs,
                    "aic": row.aic,
                    "bic": row.bic,
                    "akaike_weight": row.akaike_weight,
                    "r2": row.r2,
                    "residual_tests": _tests_json(row.tests),
                    "fits_well": row.fits_well,
                }
                for row in self.rows
            ],
            "statement": self.statement,
            "skipped": list(self.skipped),
            "warnings": _warnings_json(self.warnings),
            "fits": {law: f.to_json() for law, f in self.fits.items()},
        }
        if self.excluded_days:
            payload["excluded_days"] = list(self.excluded_days)
        return payload

    def plot(self) -> Figure:
        """Each law's Akaike weight."""
        import matplotlib.pyplot as plt

        fig, ax = plt.subplots(figsize=(6, 3.5))
        ax.bar([r.law for r in self.rows], [r.akaike_weight for r in self.rows], color="#4c72b0")
        ax.set_ylabel("Akaike weight")
        ax.set_ylim(0, 1)
        ax.set_title(f"Lanchester laws compared ({self.method} fit): {self.data}", fontsize=10)
        fig.tight_layout()
        return fig

    def _repr_html_(self) -> str:
        rows = [
            (r.law, f"{r.loglik:.2f}", r.n_params, f"{r.aic:.2f}", f"{r.akaike_weight:.3f}")
            for r in self.rows
        ]
        return html_table(
            f"Lanchester laws compared ({self.method} fit): {self.data}",
            ("law", "log L", "k", "AIC", "weight"),
            rows,
            self.statement,
        )


def _score(row: LawRow) -> LawScore:
    tests = _clean_tests(row.tests)
    assert tests is not None
    return LawScore(
        law=row.law,
        loglik=row.loglik,
        n_params=row.n_params,
        n_obs=row.n_obs,
        aic=row.aic,
        bic=row.bic,
        akaike_weight=row.weight,
        r2=_finite(row.r2),
        tests=tests,
        fits_well=row.fits_well,
    )


def compare_lanchester(
    data: str | Path | CombatSeries = "iwo_jima",
    *,
    method: str = "regression",
    level: float = 0.9,
    exclude_days: tuple[int, ...] | list[int] = (),
) -> LawsComparison:
    """Fit every Lanchester law with one estimator and rank them by AIC.

    Parameters
    ----------
    data, level, exclude_days
        As for :func:`fit_lanchester`.
    method
        ``regression`` or ``lsq`` (a comparison needs a likelihood).

    Raises
    ------
    InputError
        On a bad file (located), method or level, or when no law can be fitted.

    Examples
    --------
    >>> laws = compare_lanchester("iwo_jima", method="lsq")
    >>> laws.rows[0].law, laws.statement.startswith("No law fits well")
    ('square', True)
    """
    from posturelab.models.lanchester_fit import compare_laws

    problems = _check("all", method, None, None, level)
    if problems:
        raise InputError([pr for e in problems for pr in e.problems])
    series, name = _series(data, exclude_days)
    try:
        result = compare_laws(series, method, level=level)  # type: ignore[arg-type]
    except ValueError as exc:
        raise InputError.single(name, f"cannot fit: {exc}") from None
    return LawsComparison(
        method=result.method,
        data=name,
        rows=tuple(_score(row) for row in result.rows),
        fits={law: _result(f, name, ()) for law, f in result.fits.items()},
        statement=result.statement,
        warnings=result.warnings,
        skipped=result.skipped,
        excluded_days=tuple(sorted(set(exclude_days))),
    )
