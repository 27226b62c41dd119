"""korea-2025 as a coupled model: every lever acts, the status quo has trends, no dead parameters.

Paired comparisons use common random numbers (the same members and seed on both sides), so a
difference is the levers' doing, not the dice's.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from liveness import dead_parameters
from posturelab.engine.compiled import compile_scenario
from posturelab.engine.indicators import scenario_indicators
from posturelab.engine.run import RunOptions, run_ensemble
from posturelab.errors import ScenarioError
from posturelab.explore.compare import effect_on
from posturelab.scenario.levers import resolve_levers
from posturelab.scenario.loader import load_scenario

ROOT = Path(__file__).resolve().parents[1]
MEMBERS = 1000
SEED = 2

# Each lever against the default; a date lever with the action it dates switched on both sides
# (docs/models/decision.md: a date moves nothing while its action is off).
LEVER_CASES: dict[str, tuple[dict[str, object], dict[str, object]]] = {
    "relocation_troops": ({}, {"relocation_troops": 4500.0}),
    "relocation_date": (
        {"relocation_troops": 4500.0},
        {"relocation_troops": 4500.0, "relocation_date": "2028-01"},
    ),
    "strategic_flexibility": ({}, {"strategic_flexibility": 0.5}),
    "one_theatre": ({}, {"one_theatre": True}),
    "one_theatre_date": (
        {"one_theatre": True},
        {"one_theatre": True, "one_theatre_date": "2028-06"},
    ),
    "opcon_transfer_date": ({}, {"opcon_transfer_date": "2026-01"}),
    "usfj_jfhq_date": ({}, {"usfj_jfhq_date": "2029-01"}),
    "rok_spending_share": ({}, {"rok_spending_share": 0.035}),
    "us_modernisation_korea": ({}, {"us_modernisation_korea": True}),
    "joint_exercises": ({}, {"joint_exercises": False}),
}


@pytest.fixture(scope="module")
def korea():
    return load_scenario("korea-2025").scenario


@pytest.fixture(scope="module")
def runs(korea):
    """One ensemble per distinct lever setting of :data:`LEVER_CASES`, on the same members."""
    out = {}
    for base, treatment in LEVER_CASES.values():
        for setting in (base, treatment):
            key = tuple(sorted(setting.items()))
            if key not in out:
                values = resolve_levers(korea, dict(setting))
                options = RunOptions(members=MEMBERS, seed=SEED)
                out[key] = run_ensemble(korea, values, options).dataset
    return out


def _effects(korea, runs, lever):
    base, treatment = LEVER_CASES[lever]
    a = runs[tuple(sorted(treatment.items()))]
    b = runs[tuple(sorted(base.items()))]
    declared = scenario_indicators(korea)
    return {o.id: effect_on(a, b, declared[o.id]) for o in korea.outcomes}


def test_the_lever_cases_cover_every_lever(korea):
    assert set(LEVER_CASES) == {lever.id for lever in korea.levers}


@pytest.mark.slow
@pytest.mark.parametrize("lever", sorted(LEVER_CASES))
def test_every_lever_moves_a_headline_indicator(korea, runs, lever):
    effects = _effects(korea, runs, lever)
    moved = [
        name
        for name, e in effects.items()
        if e.mean is not None
        and abs(e.mean) > 1e-12
        and (e.share_positive or 0.0) + (e.share_negative or 0.0) >= 0.01
    ]
    assert moved, f"{lever} moves none of the scenario's outcomes"


@pytest.mark.slow
def test_posture_levers_cut_both_ways_between_korea_and_taiwan(korea, runs):
    # The article's trade-off: forces free to leave Korea strengthen the Taiwan balance and
    # weaken deterrence on the peninsula.
    for lever in ("strategic_flexibility", "one_theatre"):
        effects = _effects(korea, runs, lever)
        assert effects["p_prc_taiwan_war"].mean < 0, lever
        assert effects["credibility_us_korea"].mean < 0, lever
    assert _effects(korea, runs, "strategic_flexibility")["p_dprk_attack"].mean > 0


@pytest.mark.slow
def test_the_status_quo_has_trends(runs):
    ds = runs[()]
    months = list(ds["month"].values)
    first, last = months.index("2025-04"), months.index("2030-12")

    def median(name, month):
        return float(np.nanmedian(ds[name].values[:, month]))

    assert median("spending_rok", last) > 1.1 * median("spending_rok", first)
    assert median("spending_prc", last) > 1.1 * median("spending_prc", first)
    assert median("dprk_warheads", last) > 1.3 * median("dprk_warheads", first)
    for name in ("force_ratio_dprk_attack", "force_ratio_prc_taiwan_war", "hazard_dprk_attack"):
        change = np.abs(ds[name].values[:, last] - ds[name].values[:, first])
        assert np.nanmedian(change) > 1e-4 * np.nanmedian(np.abs(ds[name].values[:, first])), name
    # The warhead range reaches the RAND-Asan high-growth projection (151-242 by 2027).
    end_2027 = ds["dprk_warheads"].values[:, months.index("2027-12")]
    assert np.mean(end_2027 >= 151) > 0.01
    assert np.median(end_2027) < 151


def test_nuclear_use_is_a_probability_where_the_attack_happens(runs):
    ds = runs[()]
    attacked = ds["p_dprk_attack"].values == 1
    use = ds["p_nuclear_use_given_war"].values
    assert attacked.sum() >= 5
    assert np.all((use[attacked] >= 0) & (use[attacked] <= 1))
    assert np.all(np.isnan(use[~attacked]))


def test_the_leadership_vacuum_acts(korea):
    # The run starts in April 2025, before the 3 June election: the acting government's slower
    # call-up of reserves changes the campaign, so the attacker's chance of a quick win, in the
    # months of the vacuum.
    settled = korea.model_copy(
        update={
            "actors": [
                a.model_copy(update={"leadership_vacuum": False}) if a.id == "rok" else a
                for a in korea.actors
            ]
        }
    )
    options = RunOptions(members=300, seed=SEED)
    a = run_ensemble(korea, resolve_levers(korea, {}), options).dataset
    b = run_ensemble(settled, resolve_levers(settled, {}), options).dataset
    vacuum = a["p_win_dprk_attack"].values[:, :2]
    after = a["p_win_dprk_attack"].values[:, 2:]
    assert np.any(vacuum != b["p_win_dprk_attack"].values[:, :2])
    assert np.all(vacuum >= b["p_win_dprk_attack"].values[:, :2] - 1e-15)
    np.testing.assert_array_equal(
        np.isfinite(after), np.isfinite(b["p_win_dprk_attack"].values[:, 2:])
    )


def test_a_relocation_above_the_pool_is_refused(korea):
    # The lever's domain stops at the smallest pool; a scenario whose lever allows more is
    # refused at compilation with the pool named.
    with pytest.raises(ScenarioError, match="must lie in"):
        resolve_levers(korea, {"relocation_troops": 20000.0})
    lever = korea.lever("relocation_troops").model_copy(update={"max": 28500.0})
    wide = korea.model_copy(
        update={"levers": [lever if lv.id == lever.id else lv for lv in korea.levers]}
    )
    values = resolve_levers(wide, {"relocation_troops": 20000.0})
    with pytest.raises(ScenarioError) as info:
        compile_scenario(wide, values)
    message = str(info.value)
    assert "usfk_rotational_bct" in message and "usfk_2id" in message
    assert "17,000 to 21,000" in message and "relocation_troops" in message
    compile_scenario(wide, resolve_levers(wide, {"relocation_troops": 17000.0}))


def _reserved() -> set[str]:
    text = (ROOT / "docs" / "models" / "decision.md").read_text()
    section = text.split("## Parameters reserved for a named use", 1)[1].split("\n## ", 1)[0]
    return set(re.findall(r"^\| `([A-Za-z0-9_.\-]+)` \|", section, flags=re.M))


@pytest.mark.slow
def test_no_dead_uncertain_parameters(korea):
    settings = [
        resolve_levers(korea, {}),
        resolve_levers(korea, {}, variant="china_first"),
        resolve_levers(
            korea,
            {
                "relocation_troops": 4500.0,
                "us_modernisation_korea": True,
                "joint_exercises": False,
                "opcon_transfer_date": "2026-01",
                "usfj_jfhq_date": "2025-06",
                "rok_spending_share": 0.035,
            },
        ),
    ]
    dead = set(dead_parameters(korea, settings, trajectories=8))
    reserved = _reserved()
    assert dead <= reserved, f"dead and not documented as reserved: {sorted(dead - reserved)}"
    names = set(compile_scenario(korea, settings[0]).uncertain)
    assert reserved <= names, f"documented but not in the scenario: {sorted(reserved - names)}"
