"""Claims from another analysis, audited against an existing scenario (``--claims FILE``)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from posturelab import api
from posturelab.explore.claims import _verdict_none
from posturelab.scenario.claims_file import parse_claims, read_claims_file
from posturelab.scenario.loader import load_scenario

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "claims" / "csis-2025-troop-withdrawals.yaml"
VERDICTS = {"supported", "contradicted", "no_material_effect", "depends", "untestable"}

SOURCE = "sources:\n  - {id: mine, publisher: P, title: T, date: 2025-06-02}\n"
CLAIM = (
    "claims:\n"
    "  - id: c\n"
    "    statement: s\n"
    "    by: b\n"
    "    source: mine\n"
    "    base: {relocation_troops: 0}\n"
    "    treatment: {relocation_troops: 4500}\n"
    "    indicator: p_dprk_attack\n"
    "    direction: none\n"
)


def test_the_example_file_is_valid_and_cites_its_own_sources() -> None:
    korea = load_scenario("korea-2025")
    external = read_claims_file(EXAMPLE, korea)
    assert 3 <= len(external.claims) <= 5
    own = {s.id for s in external.sources}
    assert all(c.source in own for c in external.claims)
    assert all(s.url and s.url.startswith("https://") for s in external.sources)
    assert {c.direction for c in external.claims} >= {"none", "increase", "decrease"}
    # the audited scenario keeps its own sources and holds the file's claims only
    assert [c.id for c in external.scenario.claims] == [c.id for c in external.claims]
    assert {s.id for s in korea.scenario.sources} < {s.id for s in external.scenario.sources}


def test_the_example_runs_through_the_command_line_and_the_api_alike(
    run_cli, tmp_path: Path
) -> None:
    cli = run_cli(
        "claims", "korea-2025", "--claims", str(EXAMPLE), "--members", "200", "--no-figures",
        "--out", str(tmp_path / "cli"), "--json",
    )  # fmt: skip
    assert cli.code == 0, cli.err
    printed = json.loads(cli.out)
    external = read_claims_file(EXAMPLE, load_scenario("korea-2025"))
    assert [c["id"] for c in printed] == [c.id for c in external.claims]
    assert {c["verdict"] for c in printed} <= VERDICTS
    summary = json.loads((tmp_path / "cli" / "summary.json").read_text())
    assert summary["claims_file"]["path"] == str(EXAMPLE)
    assert len(summary["claims_file"]["sha256"]) == 64
    result = api.claims(
        "korea-2025", claims_file=EXAMPLE, members=200, figures=False, out=tmp_path / "api"
    )
    from_api = result.to_json()["claims"]
    for row, shown in zip(from_api, printed, strict=True):
        assert {k: row[k] for k in shown} == shown
    # the drawdown claim is measured the same way as the scenario's own claim on it
    own = api.claims(
        "korea-2025", ["relocation_raises_attack_risk"], members=200, figures=False,
        out=tmp_path / "own",
    )  # fmt: skip
    assert own.claims[0].indicator == "p_dprk_attack"


@pytest.mark.parametrize(
    ("text", "where", "message"),
    [
        ("[1, 2]\n", ":1:1: ", "a claims file is a YAML mapping"),
        (SOURCE, ":1:1: claims: ", "required key 'claims' is missing"),
        (CLAIM, ":1:1: sources: ", "required key 'sources' is missing"),
        (SOURCE + CLAIM + "extra: 1\n", ":12:1: extra: ", "unknown key 'extra'"),
        (
            SOURCE + CLAIM.replace("direction: none", "direction: sideways"),
            ":11:5: claims.0.direction: ",
            "'increase', 'decrease' or 'none'",
        ),
        (
            SOURCE + CLAIM.replace("source: mine", "source: nowhere"),
            ":7:5: claims.0.source: ",
            "unknown source 'nowhere'",
        ),
        (
            SOURCE + CLAIM.replace("relocation_troops: 4500", "bogus: 1"),
            ":9:17: claims.0.treatment.bogus: ",
            "unknown lever 'bogus'",
        ),
        (
            SOURCE + CLAIM.replace("relocation_troops: 4500", "relocation_troops: 99999"),
            ":9:17: claims.0.treatment.relocation_troops: ",
            "must lie in [0, 17000], got 99999",
        ),
        (
            SOURCE + CLAIM.replace("p_dprk_attack", "p_nope"),
            ":10:5: claims.0.indicator: ",
            "unknown indicator 'p_nope'",
        ),
        (
            SOURCE + CLAIM + "    horizon: 2040-01\n",
            ":12:5: claims.0.horizon: ",
            "outside the scenario period",
        ),
        (
            SOURCE.replace("id: mine", "id: wsj-2025-05-22") + CLAIM,
            ":2:6: sources.0.id: ",
            "the scenario already has a source 'wsj-2025-05-22'",
        ),
        ("sources: [\n", ":", "claims.yaml"),
    ],
)
def test_bad_files_give_located_errors_and_write_nothing(
    run_cli, tmp_path: Path, text: str, where: str, message: str
) -> None:
    path = tmp_path / "claims.yaml"
    path.write_text(text, encoding="utf-8")
    out = tmp_path / "out"
    result = run_cli(
        "claims", "korea-2025", "--claims", str(path), "--members", "20", "--out", str(out)
    )
    assert result.code == 2, result.err
    assert f"{path}{where}" in result.err and message in result.err
    assert "Traceback" not in result.err
    assert not out.exists()


def test_a_missing_file_and_a_claim_citing_the_scenario_source(run_cli, tmp_path: Path) -> None:
    missing = run_cli("claims", "korea-2025", "--claims", str(tmp_path / "none.yaml"))
    assert missing.code == 2 and "none.yaml: file not found" in missing.err
    korea = load_scenario("korea-2025")
    external = parse_claims(SOURCE + CLAIM.replace("mine", "wsj-2025-05-22"), "c.yaml", korea)
    assert external.claims[0].source == "wsj-2025-05-22"


def test_a_claim_of_no_material_effect_has_the_three_verdicts() -> None:
    band = 0.01
    rng = np.random.default_rng(0)
    inside = rng.uniform(-0.005, 0.005, 400)
    assert _verdict_none(inside, band, "1pp")[0] == "supported"
    beyond = np.concatenate([rng.uniform(0.02, 0.05, 300), rng.uniform(-0.05, -0.02, 100)])
    verdict, reason, share, opposite = _verdict_none(beyond, band, "1pp")
    assert verdict == "contradicted" and share == 0.0 and opposite == 1.0
    assert "upward in 75% and downward in 25%" in reason
    mixed = np.concatenate([inside[:200], beyond[:200]])
    verdict, _, share, _ = _verdict_none(mixed, band, "1pp")
    assert verdict == "depends" and share == pytest.approx(0.5)
