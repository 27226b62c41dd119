"""Claims (DESIGN 5.7) on korea-2025 at a small ensemble, and the verdict rules."""

from __future__ import annotations

import pytest

from posturelab.engine.run import RunOptions
from posturelab.explore.claims import evaluate_claims
from posturelab.scenario.loader import load_scenario
from posturelab.scenario.schema import Claim

MEMBERS = 60


@pytest.fixture(scope="module")
def korea():
    return load_scenario("korea-2025").scenario


@pytest.fixture(scope="module")
def evaluated(korea):
    return evaluate_claims(korea, RunOptions(members=MEMBERS, seed=2))


def test_every_korea_claim_evaluates(korea, evaluated) -> None:
    assert [r.id for r in evaluated] == [c.id for c in korea.claims]
    for r in evaluated:
        assert r.verdict in {"supported", "contradicted", "depends"}, (r.id, r.reason)
        assert 0 < r.n <= MEMBERS
        assert r.effect_p05 <= r.effect_p50 <= r.effect_p95
        assert 0.0 <= r.share_holds <= 1.0
        assert r.reason
        assert set(r.as_dict()) >= {"id", "indicator", "direction", "verdict", "drivers"}


def test_relocation_claim_is_supported_with_risk_basis(evaluated) -> None:
    r = next(r for r in evaluated if r.id == "relocation_raises_attack_risk")
    assert r.basis.startswith("per-member risk")
    assert r.verdict == "supported"
    assert r.share_holds >= 0.8
    assert r.effect_p50 > 0


def test_drivers_name_parameters(evaluated) -> None:
    with_drivers = [r for r in evaluated if r.drivers.get("feature_scores")]
    assert with_drivers
    for r in with_drivers:
        scores = [d["score"] for d in r.drivers["feature_scores"]]
        assert scores == sorted(scores, reverse=True)
        box = r.drivers["box"]
        if box is not None:
            assert 0.0 <= box["coverage"] <= 1.0 and 0.0 <= box["density"] <= 1.0
            for limit in box["limits"]:
                assert limit["lower"] <= limit["upper"]


def test_missing_indicator_is_reported_not_raised(korea) -> None:
    ghost = Claim(
        id="ghost",
        statement="A claim about an indicator the engine does not produce.",
        by="test",
        source=korea.claims[0].source,
        treatment={"relocation_troops": 4500},
        indicator="p_martian_invasion",
        direction="increase",
    )
    scenario = korea.model_copy(update={"claims": [ghost]})
    (r,) = evaluate_claims(scenario, RunOptions(members=20, seed=1))
    assert r.verdict == "not_evaluated"
    assert "does not produce indicator 'p_martian_invasion'" in r.reason
    assert r.as_dict()["effect_p50"] is None


def test_threshold_and_direction_decide(korea) -> None:
    base = korea.claims[0]
    strict = base.model_copy(update={"id": "strict", "threshold": 0.5})
    reverse = base.model_copy(update={"id": "reverse", "direction": "decrease"})
    scenario = korea.model_copy(update={"claims": [strict, reverse]})
    results = {r.id: r for r in evaluate_claims(scenario, RunOptions(members=MEMBERS, seed=2))}
    # Removing 4,500 troops never adds 50 points of risk, and never lowers it.
    assert results["strict"].verdict == "contradicted"
    assert results["reverse"].verdict == "contradicted"
    assert results["reverse"].share_opposite >= 0.8
