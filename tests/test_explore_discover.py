"""Scenario discovery: the --where parser (no eval) and PRIM over members' parameters."""

from __future__ import annotations

import pytest

from posturelab.engine.indicators import scenario_indicators
from posturelab.engine.run import RunOptions, run_ensemble
from posturelab.errors import InputError
from posturelab.explore.discover import Condition, discover, parse_where
from posturelab.scenario.levers import resolve_levers
from posturelab.scenario.loader import load_scenario


def test_parse_conditions() -> None:
    got = parse_where("p_a > 0.05 and troops<=25000 AND x != -1e-3 and y >= 5%", None)
    assert got == [
        Condition("p_a", ">", 0.05),
        Condition("troops", "<=", 25000.0),
        Condition("x", "!=", -0.001),
        Condition("y", ">=", 0.05),
    ]


@pytest.mark.parametrize(
    "text",
    [
        "__import__('os').system('true') > 1",
        "p_a > 0.05 or p_b > 1",
        "p_a >> 1",
        "p_a > abc",
        "p_a + 1 > 2",
        "",
    ],
)
def test_parse_rejects_anything_else(text: str) -> None:
    with pytest.raises(InputError, match="--where"):
        parse_where(text, ["p_a", "p_b"])


def test_unknown_indicator_lists_the_known_ones() -> None:
    with pytest.raises(InputError, match=r"unknown indicator 'p_c' \(indicators: p_a, p_b\)"):
        parse_where("p_c > 1", ["p_a", "p_b"])


def test_discovery_on_korea() -> None:
    s = load_scenario("korea-2025").scenario
    result = run_ensemble(s, resolve_levers(s, {}), RunOptions(members=400, seed=4))
    kinds = scenario_indicators(s)
    found = discover(result.dataset, parse_where("p_dprk_attack > 4%", list(kinds)), kinds, seed=4)
    payload = found.as_dict()
    assert payload["bases"] == {"p_dprk_attack": "risk"}
    assert 0 < payload["cases"] < 400
    assert payload["feature_scores"][0]["parameter"] == "contests.dprk_attack.prior_annual"
    box = payload["box"]
    assert box["density"] > payload["share"]
    names = [lim["parameter"] for lim in box["limits"]]
    assert "contests.dprk_attack.prior_annual" in names
    assert payload["trajectory"][0]["coverage"] == 1.0
    nothing = discover(result.dataset, parse_where("p_dprk_attack > 2", list(kinds)), kinds, seed=4)
    assert nothing.as_dict()["box"] is None and nothing.as_dict()["cases"] == 0
