"""Targets in the scenario language and the ``targets`` command."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from posturelab.engine.run import RunOptions, uncertain_names
from posturelab.errors import ScenarioError
from posturelab.explore.targets import evaluate_targets, implausibility, observation
from posturelab.scenario.loader import load_scenario, parse_scenario

SYNTHETIC = Path(__file__).parent / "fixtures" / "calibration-synthetic.yaml"


def with_target(block: str) -> str:
    """The synthetic scenario with its targets replaced by ``block`` (YAML list items)."""
    text = SYNTHETIC.read_text()
    return text[: text.index("targets:")] + "targets:\n" + block


def problems(text: str) -> list[str]:
    with pytest.raises(ScenarioError) as caught:
        parse_scenario(text, "t.yaml")
    return [str(p) for p in caught.value.problems]


GOOD = """  - id: t1
    statement: A figure.
    indicator: spending_east
    value: 100
    sd: 2
    source: synthetic
    use: calibration
    why: a reason
"""


def test_a_well_formed_target_loads() -> None:
    loaded = parse_scenario(with_target(GOOD), "t.yaml")
    (target,) = loaded.scenario.targets
    obs = observation(target)
    assert (obs.z, obs.v_obs, obs.low, obs.high) == (100.0, 4.0, 96.0, 104.0)


@pytest.mark.parametrize(
    ("old", "new", "path", "message"),
    [
        ("spending_east", "spending_nowhere", "targets.0.indicator", "unknown indicator"),
        ("source: synthetic", "source: nobody", "targets.0.source", "unknown source 'nobody'"),
        ("value: 100\n    sd: 2", "range: [5, 1]", "targets.0", "low (5) must not exceed high"),
        ("use:", "set: {no_such: 1}\n    use:", "targets.0.set.no_such", "unknown lever"),
        ("use:", "set: {exercises: 3}\n    use:", "targets.0.set.exercises", "true or false"),
        ("use:", "variant: nope\n    use:", "targets.0.variant", "unknown variant 'nope'"),
        ("use:", "month: 2040-01\n    use:", "targets.0.month", "outside the scenario's period"),
        ("    sd: 2\n", "", "targets.0", "needs its observation uncertainty 'sd'"),
        ("    source: synthetic\n", "", "targets.0.source", "required key 'source' is missing"),
        ("indicator: spending_east", "campaign: depth_km", "targets.0.campaign", "campaign: adm"),
    ],
)
def test_bad_targets_get_located_errors(old: str, new: str, path: str, message: str) -> None:
    found = problems(with_target(GOOD.replace(old, new)))
    assert any(f"{path}:" in p and message in p for p in found), found
    assert all(p.startswith("t.yaml:") for p in found)


def test_duplicate_target_ids_are_refused() -> None:
    found = problems(with_target(GOOD + GOOD))
    assert any("targets.1.id" in p and "duplicate id 't1'" in p for p in found), found


def test_json_schema_lists_targets(run_cli) -> None:
    schema = json.loads(run_cli("schema").out)
    assert "targets" in schema["properties"]
    target = schema["$defs"]["Target"]
    assert {"id", "statement", "source", "use", "why"} <= set(target["required"])
    assert {"indicator", "campaign", "range", "value", "sd", "discrepancy"} <= set(
        target["properties"]
    )


def test_implausibility_is_the_standardised_distance() -> None:
    assert implausibility(5.0, 4.0, 1.0) == pytest.approx(2.0)
    assert implausibility(1.0, 0.0, 1.0) == 0.0
    assert math.isinf(float(implausibility(2.0, 0.0, 1.0)))
    assert np.isnan(implausibility(np.nan, 1.0, 0.0))


def test_synthetic_targets_against_the_closed_form() -> None:
    """At the true trends the spending indicators equal the closed form the figures came from."""
    loaded = load_scenario(SYNTHETIC)
    s = loaded.scenario
    names = (
        "arms.actors.east.trend",
        "arms.actors.west.trend",
        "contests.east_attack.prior_annual",
    )
    # trends uniform on [-0.1, 0.1]: quantile (r + 0.1) / 0.2
    design = np.array([[(0.03 + 0.1) / 0.2, (-0.02 + 0.1) / 0.2, 0.5]])
    report = evaluate_targets(s, RunOptions(members=1, seed=1), design=design)
    rows = {r.id: r for r in report.rows}
    closed = 100 * (1 + 0.03 / 0.1 * (1 - math.exp(-0.1 * 5)))  # December 2030: t = 5 years
    assert rows["east_spending_2030"].model_p50 == pytest.approx(closed, rel=1e-9)
    assert rows["east_spending_2030"].status == "consistent"
    assert rows["attack_risk"].status == "inconsistent"
    assert rows["attack_risk"].direction == "below"
    assert uncertain_names(s) == names  # the design's columns


def test_targets_command_writes_table_json_and_figure(run_cli, tmp_path: Path) -> None:
    out = tmp_path / "t"
    result = run_cli("targets", str(SYNTHETIC), "--members", "40", "--out", str(out), "--json")
    assert result.code == 0, result.err
    rows = {r["id"]: r for r in json.loads(result.out)["targets"]}
    assert rows["attack_risk"]["status"] == "inconsistent"
    assert rows["east_spending_2030"]["status"] == "consistent"
    assert {"target_intervals.png", "target_intervals.svg", "targets.json"} <= {
        p.name for p in out.iterdir()
    }
    strict = run_cli("targets", str(SYNTHETIC), "--members", "40", "--strict")
    assert strict.code == 1
    assert "attack_risk" in strict.err


def test_korea_2025_strict_reports_its_inconsistent_validation_targets(run_cli) -> None:
    """The current korea-2025 model misses one validation target; the test holds that outcome.

    The warhead model stays near 75 in 2027 against RAND-Asan's projection of 151-242 (a
    projection that SIPRI's later count already lies below). The campaign, which once stalled at
    0 km, now spans the planners' 32-48 km halt line. See docs/calibration.md.
    """
    result = run_cli("targets", "korea-2025", "--members", "200", "--strict", "--json")
    assert result.code == 1
    rows = {r["id"]: r for r in json.loads(result.out)["targets"]}
    failing = {i for i, r in rows.items() if r["status"] == "inconsistent"}
    assert failing == {"dprk_warheads_2027"}
    assert all(rows[i]["use"] == "validation" for i in failing)
    assert rows["dprk_warheads_2027"]["direction"] == "below"
    assert rows["oplan_halt_line"]["model_p95"] > 32.0
    assert {r["status"] for r in rows.values() if r["use"] == "calibration"} == {"consistent"}


def test_scenario_without_targets_is_refused(run_cli, tmp_path: Path) -> None:
    result = run_cli("targets", "examples/border-dispute.yaml", "--out", str(tmp_path / "x"))
    assert result.code == 2
    assert "has no targets" in result.err
    assert not (tmp_path / "x").exists()


def test_bad_target_on_the_command_line_writes_nothing(run_cli, tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(with_target(GOOD.replace("value: 100\n    sd: 2", "range: [5, 1]")))
    for command in ("calibrate", "targets"):
        out = tmp_path / f"{command}-out"
        result = run_cli(command, str(bad), "--out", str(out))
        assert result.code == 2
        assert f"{bad}:" in result.err and "targets.0: range: low (5) must not exceed" in result.err
        assert "Traceback" not in result.err
        assert not out.exists()


def test_targets_under_other_conditions_get_their_own_ensemble() -> None:
    from posturelab.explore.targets import condition_groups

    text = with_target(
        GOOD + GOOD.replace("t1", "t2").replace("use:", "set: {exercises: true}\n    use:")
    )
    s = parse_scenario(text, "t.yaml").scenario
    groups = condition_groups(s, s.targets)
    assert [[t.id for t in g] for _, g in groups] == [["t1"], ["t2"]]
    assert [levers["exercises"] for levers, _ in groups] == [False, True]
    report = evaluate_targets(s, RunOptions(members=20, seed=3))
    a, b = report.rows
    assert b.conditions == {"exercises": True} and a.conditions == {}
    assert a.model_p50 == b.model_p50  # the lever changes nothing; same members, same streams


def test_no_variance_at_all_gives_an_infinite_implausibility_and_valid_json() -> None:
    from posturelab.explore.targets import row_dict, summarise_target

    s = parse_scenario(with_target(GOOD.replace("sd: 2", "sd: 0")), "t.yaml").scenario
    (target,) = s.targets
    row = summarise_target(s, target, s.lever_defaults(), np.full(5, 90.0))
    assert math.isinf(row.implausibility or 0.0)
    assert row.status == "inconsistent" and row.direction == "below"
    data = json.loads(json.dumps(row_dict(row), allow_nan=False))
    assert data["implausibility"] is None and data["status"] == "inconsistent"


def test_the_hindcasts_report_what_the_campaign_gives(run_cli) -> None:
    """korea-1950 and baltics-2016 hold the record as validation targets; the model misses them.

    With armour valued against its answer (scoring.anti_armour), Seoul falls in about a fifth of
    the members (18.8% at 1,000 members, against 10.9% with additive scores), days later than on
    28 June 1950, and the campaign almost never reaches Taejon, the Naktong or the outskirts of
    Tallinn and Riga (docs/scenarios/); the targets say so rather than hide it.
    """
    korea = run_cli("targets", "korea-1950", "--members", "100", "--strict", "--json")
    assert korea.code == 1
    rows = {r["id"]: r for r in json.loads(korea.out)["targets"]}
    assert set(rows) == {"seoul_falls", "taejon_falls", "pusan_perimeter"}
    assert all(r["use"] == "validation" for r in rows.values())
    assert rows["seoul_falls"]["status"] == "inconsistent"
    assert rows["seoul_falls"]["direction"] == "above"
    # No member of the hundred reaches Taejon or the Naktong: no model day to compare.
    assert rows["taejon_falls"]["status"] == "no value"
    assert rows["pusan_perimeter"]["status"] == "no value"
    baltics = run_cli("targets", "baltics-2016", "--members", "100", "--json")
    assert baltics.code == 0
    assert {r["id"] for r in json.loads(baltics.out)["targets"]} == {
        "tallinn_outskirts",
        "riga_outskirts",
    }


def test_korea_1950_milestones_with_armour_against_its_answer(run_cli) -> None:
    """The measured outcome at 1,000 members (default seed), with stated tolerances.

    Seoul: reached by 18.8% of the members (asserted within 14-24%), in no fewer than 6 days
    where reached (the record: 3). Taejon and the perimeter: at most 1% of the members (measured
    0.3% and 0.1%). Every campaign ends at the attacker's breakpoint.
    """
    result = run_cli("campaign", "--scenario", "korea-1950", "--members", "1000", "--json")
    assert result.code == 0, result.err
    payload = json.loads(result.out)
    reached = {m["name"]: m for m in payload["milestones"]}
    seoul = reached["Seoul falls"]
    assert 0.14 <= seoul["reached_share"] <= 0.24
    assert seoul["model_day_quantiles"][0] >= 6
    assert reached["Taejon falls"]["reached_share"] <= 0.01
    assert reached["Pusan perimeter formed on the Naktong"]["reached_share"] <= 0.01
    assert payload["stop_reasons"]["attacker_breakpoint"] == pytest.approx(1.0)
