"""Coercion by artillery (models/artillery.py): the closed form against quadrature; limits."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from posturelab.models.artillery import (
    BombardmentParams,
    bombardment_casualties,
    surviving_pieces,
)


def params(**kw) -> BombardmentParams:
    base = dict(
        pieces=2_500.0, lethality_open=36.0, sheltered_share=0.1, shelter_hours=0.5,
        barrage_hours=1.0, sustained_share=0.2, counter_battery_per_hour=0.02,
    )  # fmt: skip
    base.update(kw)
    return BombardmentParams(**{k: np.atleast_1d(np.float64(v)) for k, v in base.items()})


def quadrature(q: BombardmentParams, hours: float, steps: int = 200_000) -> float:
    """Midpoint rule of the integrand N(t) r(t) lambda(t), split at the end of the barrage."""
    total = 0.0
    split = min(q.barrage_hours[0], hours)
    for lo, hi, rate in ((0.0, split, 1.0), (split, hours, q.sustained_share[0])):
        if hi <= lo:
            continue
        dt = (hi - lo) / steps
        t = lo + (np.arange(steps) + 0.5) * dt
        n = q.pieces[0] * np.exp(-q.counter_battery_per_hour[0] * t)
        lo_rate, phi = q.lethality_open[0], q.sheltered_share[0]
        lam = phi * lo_rate + (1 - phi) * lo_rate * np.exp(-t / q.shelter_hours[0])
        total += float(np.sum(n * rate * lam) * dt)
    return total


@pytest.mark.parametrize("hours", [0.25, 1.0, 3.0, 24.0, 720.0])
def test_closed_form_matches_quadrature(hours: float) -> None:
    q = params()
    assert bombardment_casualties(q, hours)[0] == pytest.approx(quadrature(q, hours), rel=1e-6)


def test_limits_known_answers() -> None:
    # No counter-battery fire, no sheltering, one barrage rate: N0 * lambda_o * T.
    flat = params(counter_battery_per_hour=0.0, sheltered_share=1.0, sustained_share=1.0)
    assert bombardment_casualties(flat, 5.0)[0] == pytest.approx(2_500 * 36.0 * 5.0)
    # Instant sheltering leaves only the sheltered rate.
    instant = params(shelter_hours=1e-9, counter_battery_per_hour=0.0, sustained_share=1.0)
    assert bombardment_casualties(instant, 2.0)[0] == pytest.approx(2_500 * 3.6 * 2.0, rel=1e-6)
    # Over an unbounded horizon the sustained fire totals N0 sigma lambda_s / kappa (+ open part).
    q = params(barrage_hours=1e-12)
    inf = bombardment_casualties(q, 1e6)[0]
    expected = 2_500 * 0.2 * (3.6 / 0.02 + 32.4 / (0.02 + 2.0))
    assert inf == pytest.approx(expected, rel=1e-6)
    assert surviving_pieces(q, 0.0)[0] == 2_500
    assert surviving_pieces(q, np.log(2) / 0.02)[0] == pytest.approx(1_250)


@settings(max_examples=60, deadline=None)
@given(
    t1=st.floats(0.0, 500.0),
    dt=st.floats(0.0, 500.0),
    kappa=st.floats(0.0, 0.5),
    tau=st.floats(0.01, 10.0),
    phi=st.floats(0.0, 1.0),
    sigma=st.floats(0.0, 1.0),
)
def test_casualties_grow_with_time_and_scale_with_pieces(t1, dt, kappa, tau, phi, sigma) -> None:
    q = params(counter_battery_per_hour=kappa, shelter_hours=tau, sheltered_share=phi,
               sustained_share=sigma)  # fmt: skip
    a, b = bombardment_casualties(q, t1)[0], bombardment_casualties(q, t1 + dt)[0]
    assert 0.0 <= a <= b * (1 + 1e-12) + 1e-9
    double = params(pieces=5_000.0, counter_battery_per_hour=kappa, shelter_hours=tau,
                    sheltered_share=phi, sustained_share=sigma)  # fmt: skip
    assert bombardment_casualties(double, t1)[0] == pytest.approx(2 * a, rel=1e-12, abs=1e-9)


def test_vectorised_over_members() -> None:
    q = BombardmentParams(
        pieces=np.array([100.0, 200.0]), lethality_open=np.array([10.0, 10.0]),
        sheltered_share=np.array([0.1, 0.1]), shelter_hours=np.array([0.5, 0.5]),
        barrage_hours=np.array([1.0, 1.0]), sustained_share=np.array([0.2, 0.2]),
        counter_battery_per_hour=np.array([0.0, 0.1]),
    )  # fmt: skip
    both = bombardment_casualties(q, 24.0)
    for i in range(2):
        one = BombardmentParams(**{k: v[i : i + 1] for k, v in q.__dict__.items()})
        assert both[i] == pytest.approx(bombardment_casualties(one, 24.0)[0], rel=1e-12)
