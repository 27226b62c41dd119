"""korea-2025's campaign is not degenerate: both a halt near the line and Seoul's fall occur."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from posturelab.engine.compiled import compile_scenario
from posturelab.engine.milestones import ensemble_campaign
from posturelab.engine.scenario_campaign import theatre_at_peace
from posturelab.engine.simulate import sample_parameters
from posturelab.scenario.levers import resolve_levers
from posturelab.scenario.loader import load_scenario

MEMBERS = 400


def _ensemble():  # type: ignore[no-untyped-def]
    scenario = load_scenario("korea-2025").scenario
    model = compile_scenario(scenario, resolve_levers(scenario, {}))
    p = sample_parameters(model, 20250531, np.arange(MEMBERS), MEMBERS, "mc")
    return model, p


def test_both_a_halt_near_the_line_and_seoul_occur_at_default_settings() -> None:
    model, p = _ensemble()
    _, result = ensemble_campaign(model, p, MEMBERS)
    depth = result.X[:, -1]
    seoul = result.objective_day >= 0
    # OPLAN 5027's halt line lies 32-48 km south of the DMZ; "near the line" is well short of it.
    near = depth <= 10.0
    assert 0.1 < np.mean(near) < 0.9
    assert 0.05 < np.mean(seoul) < 0.9
    # The campaigns in between exist too: the distribution is not two spikes.
    assert np.mean((depth > 10.0) & ~seoul) > 0.05


def test_the_defence_starts_at_its_ready_share_and_the_rest_arrives() -> None:
    model, p = _ensemble()
    peace = theatre_at_peace(model, p, MEMBERS)
    pre = "contests.dprk_attack.campaign_terms"
    w, s0, ramp = (p[f"{pre}.{k}"][:MEMBERS] for k in
                   ("warning_days", "surprise_readiness", "readiness_ramp_days"))  # fmt: skip
    ready = s0 + (1 - s0) * np.minimum(w / ramp, 1.0)
    d0 = np.asarray(peace.params.D0)
    full = d0 / ready
    # Everything not ready on day 0 joins by the end of the ramp (on top of the reinforcements).
    reinf = np.asarray(peace.params.reinforcement_D)
    assert np.all(reinf.sum(axis=1) >= full * (1 - ready) * (1 - 1e-9) - 1e-9)
    # Short warning means a weaker start: the members with no more than 2 days of warning start
    # with a smaller ready share than those with more than 12.
    assert np.mean(ready[w <= 2]) < np.mean(ready[w > 12])


def test_a_mechanism_missing_a_term_is_a_located_error(tmp_path, run_cli) -> None:  # type: ignore[no-untyped-def]
    text = Path(__file__).resolve().parents[1] / "src/posturelab/scenario/library/korea-2025.yaml"
    lines = [line for line in text.read_text().splitlines() if "reform_share:" not in line]
    bad = tmp_path / "bad.yaml"
    bad.write_text("\n".join(lines) + "\n")
    result = run_cli("validate", str(bad))
    assert result.code == 2
    assert "campaign_terms" in result.err and "missing reform_share" in result.err
    assert f"{bad}:" in result.err


def test_the_engine_ensemble_has_both_outcomes_among_its_attacks() -> None:
    # The must-hold of the ground campaign: in a 1,000-member run at default settings, some
    # attacks stall near the line and some take Seoul (docs/models/campaign.md).
    from posturelab.engine.run import RunOptions, run_ensemble

    scenario = load_scenario("korea-2025").scenario
    levers = resolve_levers(scenario, {})
    data = run_ensemble(scenario, levers, RunOptions(members=1000, seed=20250531)).dataset
    depth = data["campaign_depth_km_given_attack"].values
    seoul = data["p_seoul_reached_given_attack"].values
    attacked = np.isfinite(depth)
    assert attacked.sum() >= 10
    assert np.sum(depth[attacked] <= 10.0) >= 1
    assert np.nansum(seoul) >= 1
