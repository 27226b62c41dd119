"""Every diagnostic of a Lanchester fit has a record that triggers it, and a clean fit has none."""

from __future__ import annotations

import numpy as np
import pytest

from posturelab.data.combat_csv import builtin_series, parse_combat_csv
from posturelab.models.combat_record import CombatSeries
from posturelab.models.lanchester_checks import WIDE_RATIO, residual_tests
from posturelab.models.lanchester_fit import compare_laws, fit
from posturelab.models.lanchester_regression import synthetic_record


def _codes(warnings) -> dict[str, str]:
    return {w.code: w.severity for w in warnings}


def test_a_clean_fit_has_no_warning() -> None:
    record = synthetic_record(
        np.random.default_rng(3), 0.02, 0.03, (1.0, 0.0, 1.0, 0.0), sigma=0.05
    )
    f = fit(record, "square", "regression")
    assert f.warnings == () and not f.meaningless


def test_negative_coefficient_is_an_error() -> None:
    growing = CombatSeries.from_arrays([0, 1, 2, 3], [100, 110, 120, 125], [80, 70, 61, 50])
    f = fit(growing, "square", "engel")
    assert f.a < 0
    assert _codes(f.warnings)["negative_coefficient"] == "error" and f.meaningless


def test_first_row_arrivals_with_zero_strength_are_an_error_and_r2_below_zero_a_warning() -> None:
    """The record of the issue: arrivals on the first row, next to a zero strength."""
    text = builtin_series("iwo_jima")
    lines = ["day,x,y,x_reinf,x_losses_cum", "0,0,21500,54000,0"]
    lines += [
        f"{int(d)},{x:g},,0,{c:g}"
        for d, x, c in zip(text.day[1:-1], text.x[1:-1], text.x_losses_cum[1:-1], strict=True)
    ]
    lines.append("36,,0,0,")
    record = parse_combat_csv("\n".join(lines) + "\n", "shifted.csv")
    f = fit(record, "square", "engel")
    codes = _codes(f.warnings)
    assert codes["first_row_convention"] == "error"
    assert codes["negative_r2"] == "warning" and f.r2 < 0
    assert f.meaningless


def test_first_row_arrivals_beside_a_strength_are_a_warning() -> None:
    record = CombatSeries.from_arrays(
        [0, 1, 2, 3], [100, 95, 91, 86], [80, 70, 61, 52], x_reinf=[10, 0, 0, 0]
    )
    f = fit(record, "square", "engel")
    assert _codes(f.warnings)["first_row_convention"] == "warning"


def test_non_convergence_is_an_error() -> None:
    record = synthetic_record(np.random.default_rng(1), 0.02, 0.03, (1.0, 0.0, 1.0, 0.0))
    f = fit(record, "square", "lsq", max_nfev=1)
    assert not f.converged and _codes(f.warnings)["not_converged"] == "error"


def test_wide_interval_is_a_warning() -> None:
    short = synthetic_record(
        np.random.default_rng(0), 0.005, 0.004, (0.8, 0.3, 0.8, 0.3), days=8, sigma=0.5
    )
    f = fit(short, "general", "regression")
    assert _codes(f.warnings)["wide_interval"] == "warning"
    lo, hi = f.intervals["a"]
    assert hi / lo > WIDE_RATIO


def test_negative_derived_arrivals_are_a_warning() -> None:
    text = "day,x,y,x_losses_cum,y_losses_cum\n0,100,80,0,0\n1,90,70,5,10\n2,88,61,7,19\n"
    record = parse_combat_csv(text, "w.csv")
    assert list(record.x_reinf) == [0.0, -5.0, 0.0]
    f = fit(record, "square", "engel")
    assert _codes(f.warnings)["negative_arrivals"] == "warning"
    assert "day 1 (-5)" in f.warnings[0].message


def test_no_law_fits_well_is_a_warning() -> None:
    """Losses that jump fourfold halfway: every law leaves autocorrelated residuals."""
    base = synthetic_record(
        np.random.default_rng(3), 0.01, 0.01, (1, 0, 1, 0), days=40, sigma=0.05, arrival_chance=0.0
    )
    losses = np.diff(base.x_losses_cum)
    losses[20:] *= 4.0
    x = base.x[0] - np.concatenate(([0.0], np.cumsum(losses)))
    record = CombatSeries.from_arrays(
        base.day, x, base.y, x_losses_cum=x[0] - x, y_losses_cum=base.y_losses_cum
    )
    comparison = compare_laws(record)
    assert _codes(comparison.warnings) == {"no_law_fits_well": "warning"}
    assert comparison.statement.startswith("No law fits well")
    assert not any(row.fits_well for row in comparison.rows)


def test_residual_tests_on_known_series() -> None:
    rng = np.random.default_rng(0)
    white = residual_tests([rng.standard_normal(200)])
    assert white.p_autocorrelation is not None and white.p_autocorrelation > 0.01
    assert white.durbin_watson == pytest.approx(2.0, abs=0.3)
    trend = residual_tests([np.linspace(-1, 1, 50)])
    assert trend.lag1 is not None and trend.lag1 > 0.9 and trend.rejects()
    assert residual_tests([np.array([1.0])]).lag1 is None
