"""Per-member outcomes and paired comparisons with common random numbers."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

from posturelab.engine.component import Indicator
from posturelab.engine.run import RunOptions
from posturelab.errors import InputError
from posturelab.explore.compare import (
    compare,
    mean_difference_interval,
    paired_difference,
    paired_proportion_interval,
)
from posturelab.explore.outcomes import member_values, risk_by, series_at
from posturelab.scenario.levers import resolve_levers
from posturelab.scenario.loader import load_scenario

MEMBERS = 60


@pytest.fixture(scope="module")
def korea():
    return load_scenario("korea-2025").scenario


def toy_dataset() -> xr.Dataset:
    hazard = np.array([[0.1, 0.2, np.nan], [0.0, 0.0, 0.5]])
    return xr.Dataset(
        {
            "hazard_war": (("member", "month"), hazard),
            "p_war": (("member",), np.array([1.0, 0.0])),
            "attack_month_war": (("member",), np.array([2.0, np.nan])),
            "troops": (("member", "month"), np.array([[5.0, 4.0, 3.0], [1.0, 2.0, 3.0]])),
        },
        coords={"month": ["2025-01", "2025-02", "2025-03"]},
    )


P_WAR = Indicator(
    "p_war",
    "p_{contest}",
    "probability",
    "probability",
    "war",
    hazard="hazard_war",
    onset="attack_month_war",
)
TROOPS = Indicator("troops", "troops", "series", "personnel", "troops")


def test_risk_is_one_minus_the_product_of_survival() -> None:
    ds = toy_dataset()
    assert risk_by(ds, "hazard_war", 2) == pytest.approx([1 - 0.9 * 0.8, 0.5])
    assert risk_by(ds, "hazard_war", 0) == pytest.approx([0.1, 0.0])
    values = member_values(ds, P_WAR)
    assert values.basis == "risk"
    assert values.month == "2025-03"
    outcome = member_values(ds, P_WAR, "2025-02", prefer_risk=False)
    assert outcome.basis == "outcome"
    assert list(outcome.values) == [0.0, 0.0]  # the war starts only in the third month


def test_series_fall_back_to_the_last_finite_month() -> None:
    ds = toy_dataset()
    assert list(series_at(ds, "hazard_war", 2)) == [0.2, 0.5]
    assert list(member_values(ds, TROOPS, "2025-02").values) == [4.0, 2.0]
    with pytest.raises(InputError, match="outside the scenario's period"):
        member_values(ds, TROOPS, "2031-01")


def test_paired_statistics() -> None:
    d, stats = paired_difference(np.array([1.0, 2.0, np.nan, 4.0]), np.array([1.0, 1.0, 0.0, 5.0]))
    assert list(d) == [0.0, 1.0, -1.0]
    assert stats["share_positive"] == pytest.approx(1 / 3)
    assert stats["share_negative"] == pytest.approx(1 / 3)
    mean, low, high = mean_difference_interval(np.array([0.0, 1.0, 0.0, 1.0]))
    assert mean == 0.5 and low < 0.5 < high


def test_a_lever_that_never_acts_gives_exactly_zero(korea) -> None:
    # With nobody relocated, the relocation date cannot matter: every paired difference is zero.
    a = resolve_levers(korea, {"relocation_troops": 0, "relocation_date": "2029-06"})
    b = resolve_levers(korea, {"relocation_troops": 0})
    result = compare(korea, a, b, RunOptions(members=MEMBERS, seed=5))
    assert result.effects
    for effect in result.effects.values():
        if effect.n:
            assert (effect.p05, effect.p50, effect.p95) == (0.0, 0.0, 0.0), effect.indicator
            assert effect.share_positive == 0.0 and effect.share_negative == 0.0
    for name in result.a.dataset.data_vars:
        np.testing.assert_array_equal(result.a.dataset[name].values, result.b.dataset[name].values)


def test_relocation_effect_is_paired(korea) -> None:
    a = resolve_levers(korea, {"relocation_troops": 4500})
    b = resolve_levers(korea, {"relocation_troops": 0})
    result = compare(korea, a, b, RunOptions(members=MEMBERS, seed=5), month="2027-01")
    troops = result.effects["us_troops_korea"]
    assert troops.p05 == pytest.approx(-4500) and troops.p95 == pytest.approx(-4500)
    assert troops.share_negative == 1.0
    risk = result.effects["p_dprk_attack"]
    assert risk.basis == "risk" and risk.month == "2027-01"
    assert risk.share_positive > 0.8 and risk.share_negative < 0.05
    # The same members and draws: parameters are identical in both runs.
    np.testing.assert_array_equal(
        result.a.dataset["param:contests.dprk_attack.beta"].values,
        result.b.dataset["param:contests.dprk_attack.beta"].values,
    )
    assert risk.outcome_diff is not None and risk.outcome_diff_low is not None


def test_paired_proportion_interval() -> None:
    a = np.array([1] * 8 + [1] * 5 + [0] * 4 + [0] * 3, dtype=float)
    b = np.array([1] * 8 + [0] * 5 + [1] * 4 + [0] * 3, dtype=float)
    diff, low, high = paired_proportion_interval(a, b)
    assert diff == pytest.approx(0.05)
    assert low < diff < high
    swapped = paired_proportion_interval(b, a)
    assert swapped == pytest.approx((-diff, -high, -low))
    # A few flips in one direction among many members do not exclude zero.
    many = np.zeros(1000)
    flipped = many.copy()
    flipped[:3] = 1.0
    diff, low, high = paired_proportion_interval(flipped, many)
    assert diff == pytest.approx(0.003) and low < 0 < high
    diff, low, high = paired_proportion_interval(many, many)
    assert diff == 0.0 and low == pytest.approx(-high) and 0 < high < 0.01


def test_paired_proportion_interval_covers_at_about_ninety_percent() -> None:
    rng = np.random.default_rng(12)
    n, reps, hits = 400, 400, 0
    for _ in range(reps):
        u = rng.random(n)
        shared = rng.random(n)
        a = (np.where(shared < 0.7, u, rng.random(n)) < 0.10).astype(float)
        b = (np.where(shared < 0.7, u, rng.random(n)) < 0.08).astype(float)
        _, low, high = paired_proportion_interval(a, b)
        hits += low <= 0.02 <= high
    assert 0.86 <= hits / reps <= 0.96
