"""The ADM's extensions (pursuit, breakpoints that follow the front, air and exchange schedules)
and the theatre mechanisms that feed them (warning, air bases, weather, special forces, gas)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from posturelab.models import campaign_mechanisms as mech
from posturelab.models.campaign import (
    ATTACKER_BREAKPOINT,
    DEFENDER_BREAKPOINT,
    OBJECTIVE,
    ADMParams,
    simulate_adm,
)
from posturelab.models.campaign_scalar import simulate_adm_scalar

TRACE = ("A", "D", "alpha", "W", "X", "alphaA", "alphaD", "Dcas", "Acas")


def _params(rng: np.random.Generator, m: int, days: int) -> ADMParams:
    alpha_aT = rng.uniform(0.03, 0.2, m)
    return ADMParams(
        A0=rng.uniform(1e4, 1e6, m),
        D0=rng.uniform(1e4, 6e5, m),
        alpha0=alpha_aT * rng.uniform(0.2, 1.0, m),
        rho=rng.uniform(0.7, 3.0, m),
        W_max=rng.uniform(5.0, 40.0, m),
        alpha_dT=rng.uniform(0.0, 0.2, m),
        alpha_aT=alpha_aT,
        k=rng.uniform(0.0, 60.0, m),
        Dcas0=rng.uniform(0.0, 800.0, m),
        Acas0=rng.uniform(0.0, 800.0, m),
        K_d=rng.uniform(0.0, 1.0, m),
        K_a=rng.uniform(0.0, 1.0, m),
        S_d=rng.uniform(0.0, 3.0, m),
        S_a=rng.uniform(0.0, 3.0, m),
        alpha_da=rng.uniform(0.0, 0.1, m),
        alpha_aa=rng.uniform(0.0, 0.1, m),
        objective_km=rng.uniform(20.0, 400.0, m),
        breakpoint_A=rng.uniform(0.0, 0.7, m),
        breakpoint_D=rng.uniform(0.2, 0.8, m),
        breakpoint_A_momentum=rng.uniform(0.0, 0.3, m),
        breakpoint_D_momentum=rng.uniform(0.0, 0.3, m),
        pursuit_km_per_day=np.where(rng.uniform(size=m) < 0.8, rng.uniform(5.0, 60.0, m), 0.0),
        reform_share=rng.uniform(0.3, 1.2, m),
        reinforcement_D=rng.uniform(0.0, 3e4, (m, days)),
        reinforcement_A=rng.uniform(0.0, 1e4, (m, days // 2)),
        air_factor_D=rng.uniform(0.0, 1.0, (m, days)),
        rho_factor=rng.uniform(0.5, 1.0, (m, days // 3)),
    )


def _member(params: ADMParams, i: int) -> ADMParams:
    return ADMParams(
        **{
            name: (value[i] if isinstance(value, np.ndarray) else value)
            for name, value in params.as_dict().items()
        }
    )


def test_vectorised_extensions_equal_the_scalar_reference() -> None:
    rng = np.random.default_rng(7)
    m, days = 120, 80
    params = _params(rng, m, days)
    batch = simulate_adm(params, days)
    for i in range(m):
        ref = simulate_adm_scalar(_member(params, i), days)
        for name in TRACE:
            np.testing.assert_allclose(getattr(batch, name)[i], ref[name], rtol=1e-10, atol=1e-8)
        assert batch.stop_code[i] == ref["stop_code"][0]
        assert batch.days_run[i] == ref["days_run"][0]
        assert batch.objective_day[i] == ref["objective_day"][0]
        assert batch.broke_day[i] == ref["broke_day"][0]
    # The draw exercises every branch: pursuits, breaks without pursuit, objectives, attackers.
    assert np.any(batch.broke_day >= 0)
    assert np.any(batch.stop_code == DEFENDER_BREAKPOINT)
    assert np.any(batch.stop_code == OBJECTIVE)
    assert np.any(batch.stop_code == ATTACKER_BREAKPOINT)


def test_extensions_do_not_depend_on_block_size() -> None:
    rng = np.random.default_rng(8)
    params = _params(rng, 600, 60)
    full = simulate_adm(params, 60)
    for block in (1, 13, 256):
        other = simulate_adm(params, 60, block_size=block)
        for name in TRACE:
            np.testing.assert_array_equal(getattr(other, name), getattr(full, name))
        np.testing.assert_array_equal(other.broke_day, full.broke_day)


def test_defaults_are_the_classic_model() -> None:
    # Momentum 0, no pursuit, air and exchange factors of 1: bit for bit the classic run.
    classic = simulate_adm(ADMParams(breakpoint_D=0.3, objective_km=60.0), 90)
    same = simulate_adm(
        ADMParams(breakpoint_D=0.3, objective_km=60.0, air_factor_D=np.ones(90),
                  rho_factor=np.ones(90)),
        90,
    )  # fmt: skip
    for name in TRACE:
        np.testing.assert_array_equal(getattr(classic, name), getattr(same, name))


def test_a_broken_defence_is_pursued_at_the_pursuit_rate() -> None:
    # Without defender air the worked example's defender collapses (day 39 at breakpoint 0).
    base = ADMParams(Dcas0=0.0, breakpoint_D=0.3)
    stop = simulate_adm(base, 90)
    assert stop.stop_code[0] == DEFENDER_BREAKPOINT
    broke = int(stop.days_run[0])
    chase = simulate_adm(dataclasses.replace(base, pursuit_km_per_day=25.0), 90)
    assert chase.broke_day[0] == broke
    # From the day after the break the front moves 25 km a day, with no ground attrition.
    assert np.all(chase.W[0, broke + 1 :] == 25.0)
    np.testing.assert_allclose(np.diff(chase.X[0, broke:]), 25.0)
    assert chase.X[0, -1] == pytest.approx(stop.X[0, -1] + 25.0 * (90 - broke))


def test_a_pursued_defence_re_forms_when_reinforced() -> None:
    base = ADMParams(Dcas0=0.0, breakpoint_D=0.3, pursuit_km_per_day=25.0, reform_share=0.5)
    lone = simulate_adm(base, 90)
    broke = int(lone.broke_day[0])
    # A large reinforcement five days after the break: the line re-forms that day (W = 0).
    arrival = np.zeros(90)
    arrival[broke + 4] = 200_000.0
    helped = simulate_adm(dataclasses.replace(base, reinforcement_D=arrival), 90)
    assert helped.W[0, broke + 5] == 0.0
    assert helped.X[0, -1] < lone.X[0, -1]


def test_breakpoints_follow_the_front() -> None:
    # A retreating defender breaks sooner with momentum; an advancing attacker later.
    base = ADMParams(Dcas0=0.0, breakpoint_D=0.3)
    fixed = simulate_adm(base, 90)
    moving = simulate_adm(dataclasses.replace(base, breakpoint_D_momentum=0.3), 90)
    assert moving.days_run[0] < fixed.days_run[0]


def test_fewer_defender_sorties_kill_less() -> None:
    full = simulate_adm(ADMParams(), 30)
    half = simulate_adm(ADMParams(air_factor_D=np.full(30, 0.5)), 30)
    # Half the sorties: half the attacker lethality killed from the air on day 0.
    k = 47_490 / 1_200
    air_kill = k * 300 * 0.5 * ((1 - 0.95**2.5) / 0.05 - 1)
    assert full.A[0, 1] + air_kill / 2 == pytest.approx(half.A[0, 1], rel=1e-12)
    assert half.Dcas[0, 1] == pytest.approx(300 * (1 - 0.5 * (1 - 0.95**1.5)), rel=1e-12)


def test_readiness_ramp_known_values() -> None:
    r = mech.readiness(np.array([0.0, 5.0, 20.0]), np.array([0.5, 0.5, 0.5]),
                       np.array([10.0, 10.0, 10.0]), 6)  # fmt: skip
    np.testing.assert_allclose(r[0], [0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8])
    np.testing.assert_allclose(r[1], [0.75, 0.8, 0.85, 0.9, 0.95, 1.0, 1.0])
    np.testing.assert_allclose(r[2], 1.0)
    ramp = mech.ramp_reinforcement(np.array([100.0, 100.0, 100.0]), r)
    # What arrives plus what stood ready at the start is the whole force.
    np.testing.assert_allclose(100.0 * r[:, 0] + ramp.sum(axis=1), 100.0 * r[:, -1])


def test_air_factor_and_gas_known_values() -> None:
    r = np.ones((1, 4))
    u = mech.air_factor(r, np.array([0.4]), np.array([2.0]), np.array([0.25]))
    np.testing.assert_allclose(u[0], [(1 - 0.4 * np.exp(-t / 2.0)) * 0.75 for t in range(3)])
    f = mech.rho_factor(np.array([0.2, 1.0]), np.array([2.0, 1.0]), 4)
    np.testing.assert_allclose(f, [[0.8, 0.8, 1.0, 1.0], [0.05, 1.0, 1.0, 1.0]])


def test_gas_makes_the_defender_lose_more() -> None:
    clean = simulate_adm(ADMParams(), 10)
    gassed = simulate_adm(ADMParams(rho_factor=np.full(10, 0.7)), 10)
    assert gassed.D[0, 1] < clean.D[0, 1]
    assert gassed.A[0, 1] == clean.A[0, 1]
