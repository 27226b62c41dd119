import json


def test_campaign_from_the_scenario(run_cli):
    result = run_cli("campaign", "--scenario", "korea-2025", "--json")
    assert result.code == 0, result.err
    payload = json.loads(result.out)
    info = payload["scenario"]
    assert info["contest"] == "dprk_attack" and info["month"] == "2030-12"
    sides = {row["side"] for row in info["forces"]}
    assert sides == {"attacker", "defender", "patron"}
    attacker = sum(r["ground"] for r in info["forces"] if r["side"] == "attacker")
    assert payload["A"][0] == attacker
    defender = sum(r["ground"] for r in info["forces"] if r["side"] != "attacker")
    # The defence starts with its ready share (warning and surprise, special forces; see
    # docs/models/campaign.md); the rest joins as the readiness ramp.
    assert 0.0 < payload["D"][0] <= defender
    assert payload["params"]["reinforcement_D"], "reinforcements arrive"


def test_relocation_lowers_the_defence(run_cli):
    base = json.loads(run_cli("campaign", "--scenario", "korea-2025", "--json").out)
    moved = json.loads(
        run_cli(
            "campaign",
            "--scenario",
            "korea-2025",
            "--json",
            "--set",
            "relocation_troops=4500",
            "--set",
            "relocation_date=2026-01",
        ).out
    )
    assert moved["D"][0] < base["D"][0]
    troops = sum(r["personnel"] for r in moved["scenario"]["forces"] if r["side"] == "patron")
    troops_base = sum(r["personnel"] for r in base["scenario"]["forces"] if r["side"] == "patron")
    assert troops_base - troops == 4500


def test_member_and_month(run_cli):
    result = run_cli("campaign", "--scenario", "korea-2025", "--member", "3", "--month", "2025-06")
    assert result.code == 0, result.err
    assert "member 3" in result.out and "2025-06" in result.out


def test_bad_campaign_options(run_cli):
    assert "need --scenario" in run_cli("campaign", "--set", "relocation_troops=1").err
    bad = run_cli("campaign", "--scenario", "korea-2025", "--month", "2040-01")
    assert bad.code == 2 and "--month must be a month" in bad.err
    lever = run_cli("campaign", "--scenario", "korea-2025", "--set", "relocation_troops=-5")
    assert lever.code == 2 and "must lie in [0, 17000]" in lever.err
