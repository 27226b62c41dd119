"""The general law from phase losses: recovery of known coefficients, coverage, comparison."""

from __future__ import annotations

import math

import numpy as np
import pytest

from posturelab.models.combat_record import CombatSeries
from posturelab.models.lanchester_fit import compare_laws, fit
from posturelab.models.lanchester_regression import (
    REGRESSION_LAWS,
    fit_regression,
    simulate_phases,
    synthetic_record,
)

TRUTH = {"a": 0.005, "b": 0.004, "p": 0.8, "q": 0.3}
GENERAL = (0.8, 0.3, 0.8, 0.3)


def _values(f) -> dict[str, float]:
    return {"a": f.a, "b": f.b, "p": f.exponents[0], "q": f.exponents[1]}


def test_low_noise_record_recovers_the_truth_within_tolerances() -> None:
    """Stated tolerances: p and q within 0.05, a and b within 25 %, with 2 % noise over 60 days."""
    record = synthetic_record(np.random.default_rng(7), 0.005, 0.004, GENERAL, days=60, sigma=0.02)
    f = fit_regression(record, "general")
    got = _values(f)
    assert got["p"] == pytest.approx(TRUTH["p"], abs=0.05)
    assert got["q"] == pytest.approx(TRUTH["q"], abs=0.05)
    assert got["a"] == pytest.approx(TRUTH["a"], rel=0.25)
    assert got["b"] == pytest.approx(TRUTH["b"], rel=0.25)
    for name, (lo, hi) in f.intervals.items():
        assert lo <= TRUTH[name] <= hi


def test_estimates_are_centred_on_the_truth_over_replications() -> None:
    """Medians over 50 records (10 % noise, 40 days): p, q within 0.05; a, b within 20 %."""
    rng = np.random.default_rng(11)
    fits = [
        fit_regression(synthetic_record(rng, 0.005, 0.004, GENERAL), "general") for _ in range(50)
    ]
    for name in TRUTH:
        median = float(np.median([_values(f)[name] for f in fits]))
        if name in ("p", "q"):
            assert median == pytest.approx(TRUTH[name], abs=0.05)
        else:
            assert median == pytest.approx(TRUTH[name], rel=0.2)


def test_ninety_percent_intervals_cover_the_truth_85_to_95_percent() -> None:
    """400 replications (the benchmark runs 5,000): coverage of a, b, p and q in [0.85, 0.95]."""
    rng = np.random.default_rng(20250531)
    n = 400
    hits = dict.fromkeys(TRUTH, 0)
    for _ in range(n):
        f = fit_regression(synthetic_record(rng, 0.005, 0.004, GENERAL), "general", level=0.9)
        for name, (lo, hi) in f.intervals.items():
            hits[name] += lo <= TRUTH[name] <= hi
    coverage = {name: h / n for name, h in hits.items()}
    assert all(0.85 <= c <= 0.95 for c in coverage.values()), coverage


def test_fixed_laws_and_their_exponents() -> None:
    record = synthetic_record(
        np.random.default_rng(3), 0.02, 0.03, (1.0, 0.0, 1.0, 0.0), sigma=0.05
    )
    f = fit_regression(record, "square")
    assert f.names == ("a", "b") and f.exponents == REGRESSION_LAWS["square"]
    assert f.a == pytest.approx(0.02, rel=0.05) and f.b == pytest.approx(0.03, rel=0.05)
    corr = f.correlation()
    assert corr.shape == (2, 2) and corr[0, 0] == pytest.approx(1.0)
    fixed = fit_regression(record, "general", exponents=(1.0, 0.0, 1.0, 0.0))
    assert fixed.a == pytest.approx(f.a) and fixed.names == ("a", "b")


def test_mixed_law_is_preferred_on_mixed_law_data() -> None:
    record = synthetic_record(np.random.default_rng(0), 0.01, 0.008, (1.0, 1.0, 1.0, 0.0))
    comparison = compare_laws(record)
    weights = {row.law: row.weight for row in comparison.rows}
    assert max(weights, key=weights.__getitem__) == "mixed"
    assert sum(weights.values()) == pytest.approx(1.0)
    best = next(row for row in comparison.rows if row.law == "mixed")
    assert best.fits_well and "fits well" in comparison.statement
    assert all(row.n_obs == best.n_obs for row in comparison.rows)
    aic = {row.law: row.aic for row in comparison.rows}
    assert aic["general"] - aic["square"] == pytest.approx(
        2 * 2 - 2 * (comparison.fits["general"].loglik - comparison.fits["square"].loglik)
    )


def test_noise_free_simulation_matches_the_discrete_law() -> None:
    record = synthetic_record(np.random.default_rng(5), 0.01, 0.02, (1.0, 0.0, 1.0, 0.0), sigma=0.0)
    x, y = simulate_phases(record, 0.01, 0.02, (1.0, 0.0, 1.0, 0.0))
    assert np.allclose(x, record.x) and np.allclose(y, record.y)
    f = fit(record, "square", "regression")
    assert f.r2 == pytest.approx(1.0) and f.rmse == pytest.approx(0.0, abs=1e-6)


def test_phases_of_unequal_length() -> None:
    """Losses over a phase scale with its length: a record by phases gives the daily rates back."""
    day = np.array([0.0, 0.5, 2.0, 2.25, 4.0, 7.0, 7.5, 9.0])
    x, y, cx, cy = [10_000.0], [8_000.0], [0.0], [0.0]
    for dt in np.diff(day):
        lx, ly = 0.03 * y[-1] * dt, 0.02 * x[-1] * dt
        x.append(x[-1] - lx)
        y.append(y[-1] - ly)
        cx.append(cx[-1] + lx)
        cy.append(cy[-1] + ly)
    record = CombatSeries.from_arrays(day, x, y, x_losses_cum=cx, y_losses_cum=cy)
    f = fit(record, "square", "regression")
    assert f.a == pytest.approx(0.03, rel=1e-9) and f.b == pytest.approx(0.02, rel=1e-9)
    with pytest.raises(ValueError, match="not whole days"):
        fit(record, "square", "lsq")


def test_too_few_phases_and_unknown_strengths_are_refused() -> None:
    record = CombatSeries.from_arrays([0, 1, 2], [100, 90, 80], [50, 45, 40])
    with pytest.raises(ValueError, match="more than 4 usable phase losses"):
        fit_regression(record, "general")
    no_y = CombatSeries.from_arrays([0, 1, 2, 3], [100, 90, 80, 70], [50, math.nan, math.nan, 0])
    with pytest.raises(ValueError, match="found 1 for x and 0 for y"):
        fit_regression(no_y, "square")
