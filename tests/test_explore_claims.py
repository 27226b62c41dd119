"""Claims (DESIGN 5.7) on korea-2025 at a small ensemble, and the verdict rules."""

from __future__ import annotations

import re

import numpy as np
import pytest

from posturelab.engine.run import RunOptions
from posturelab.explore.claims import evaluate_claims
from posturelab.scenario.loader import load_scenario
from posturelab.scenario.schema import Claim
from posturelab.scenario.schema_structure import fixed_forms

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
        assert r.verdict in {
            "supported",
            "contradicted",
            "depends",
            "no_material_effect",
            "untestable",
        }, (r.id, r.reason)
        assert 0 < r.n <= MEMBERS
        assert r.effect_p05 <= r.effect_p50 <= r.effect_p95
        assert r.reason
        assert r.material and r.material_band is not None and r.material_band >= 0
        if r.verdict != "untestable":
            assert 0.0 <= r.share_holds <= 1.0
        assert set(r.as_dict()) >= {"id", "indicator", "direction", "verdict", "drivers"}


def test_relocation_claim_reports_absolute_and_relative_effects(evaluated) -> None:
    r = next(r for r in evaluated if r.id == "relocation_raises_attack_risk")
    assert r.basis.startswith("per-member risk")
    assert r.effect_p50 > 0
    assert r.relative_effect == pytest.approx(r.effect_mean / abs(r.base_mean))
    # The default band is a tenth of the base risk; the verdict follows from the rules.
    assert r.material == "10%"
    assert r.material_band == pytest.approx(0.1 * r.base_mean, rel=1e-9)
    if r.share_holds >= 0.8:
        assert r.verdict == "supported"
    elif r.effect_p95 <= r.material_band and r.effect_p05 >= -r.material_band:
        assert r.verdict == "no_material_effect"


def test_a_constant_indicator_is_untestable_never_contradicted(evaluated) -> None:
    r = next(r for r in evaluated if r.id == "one_theatre_draws_forces_away")
    if r.effect_p05 == r.effect_p95 == 0:
        assert r.verdict == "untestable"
        assert "no variation" in r.reason


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
    assert r.verdict == "untestable"
    assert "provides no indicator 'p_martian_invasion'" in r.reason
    assert r.as_dict()["effect_p50"] is None


def test_materiality_and_direction_decide(korea) -> None:
    base = korea.claims[0]
    strict = base.model_copy(update={"id": "strict", "material": "50pp"})
    old = base.model_copy(update={"id": "old", "threshold": 0.5})
    reverse = base.model_copy(
        update={"id": "reverse", "direction": "decrease", "material": "0.0001pp"}
    )
    # Under the saturating tripwire every soldier adds credibility, so fewer troops raise the
    # risk in every member; under the flat and threshold forms some members see no effect at all
    # (tests/test_structural.py), which would leave the reversed claim at "depends".
    saturating = fixed_forms(korea.structure, {"tripwire": "saturating"})
    scenario = korea.model_copy(update={"claims": [strict, old, reverse], "structure": saturating})
    results = {r.id: r for r in evaluate_claims(scenario, RunOptions(members=MEMBERS, seed=2))}
    # Removing 4,500 troops never adds 50 points of risk (no material effect), and never lowers
    # it: claimed as a decrease with a tiny band, it is contradicted.
    assert results["strict"].verdict == "no_material_effect"
    assert results["strict"].material_band == pytest.approx(0.5)
    assert results["old"].verdict == "no_material_effect"
    assert results["reverse"].verdict == "contradicted"
    assert results["reverse"].share_opposite >= 0.8


@pytest.mark.parametrize(
    ("effects", "band", "verdict"),
    [
        (np.linspace(0.2, 0.4, 100), 0.1, "supported"),
        (np.linspace(-0.4, -0.2, 100), 0.1, "contradicted"),
        (np.linspace(-0.05, 0.05, 100), 0.1, "no_material_effect"),
        (np.zeros(100), 0.0, "no_material_effect"),
        (np.linspace(-0.5, 0.5, 100), 0.1, "depends"),
    ],
)
def test_verdict_classes_by_construction(effects, band, verdict) -> None:
    from posturelab.explore.claims import _verdict

    got, reason, share, opposite = _verdict(effects, effects, band, "test")
    assert got == verdict, reason
    assert 0.0 <= share + opposite <= 1.0


def test_material_bands() -> None:
    from posturelab.explore.claims import material_band

    base = np.array([0.02, 0.04])
    assert material_band("0.5pp", base) == pytest.approx(0.005)
    assert material_band("10%", base) == pytest.approx(0.003)
    assert material_band("2", base) == 2.0


def test_pp_on_a_non_probability_is_refused_where_it_is_written(tmp_path, run_cli) -> None:
    from pathlib import Path

    text = (Path(__file__).resolve().parents[1] / "examples" / "border-dispute.yaml").read_text()
    claim = "    indicator: p_red_attack\n    direction: increase\n"
    assert claim in text
    for indicator, code in (("p_red_attack", 0), ("force_ratio_red_attack", 2)):
        path = tmp_path / f"{indicator}.yaml"
        path.write_text(
            text.replace(
                claim, f"    indicator: {indicator}\n    material: 0.5pp\n    direction: increase\n"
            )
        )
        result = run_cli("validate", str(path))
        assert result.code == code, result.err
    assert "'pp' (percentage points) applies to probabilities" in result.err
    assert re.search(r"force_ratio_red_attack\.yaml:\d+:\d+: claims\.0\.material", result.err)
