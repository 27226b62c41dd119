"""docs/scenarios/*.md show what the model gives: documented commands run and their figures match.

Every ``$ posturelab campaign --scenario S --members N`` line of a page is run with ``--json``;
the milestone table and the summary line that follow it in the page must be exactly the ones
rendered here from that output. Every ``$ posturelab campaign --scenario S`` line (one member, at
every median) must be followed by the scored forces line rendered from its output.
"""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path
from typing import Any

import pytest

DOCS = Path(__file__).resolve().parents[1] / "docs" / "scenarios"
PAGES = ("korea-1950", "baltics-2016")


def _day(value: float | None) -> str:
    return "not reached" if value is None else f"{value:.0f}"


def _observed(m: dict[str, Any]) -> str:
    o = m["observed"]
    if o is None:
        return "-"
    low, high = f"{o['first_day']:g}", f"{o['last_day']:g}"
    days = low if low == high else f"{low}-{high}"
    return f"{days} ({o['source']})"


def ensemble_lines(payload: dict[str, Any]) -> list[str]:
    """The page's milestone table and summary line for an ensemble's JSON output."""
    lines = [
        "| milestone | depth (km) | members reaching it | model day, median "
        "| model day, 90% interval | observed day (source) |",
        "|---|---|---|---|---|---|",
    ]
    for m in payload["milestones"]:
        low, mid, high = m["model_day_quantiles"]
        interval = "not reached" if low is None and high is None else f"{_day(low)} to {_day(high)}"
        lines.append(
            f"| {m['name']} | {m['depth_km']:.0f} | {m['reached_share']:.1%} | {_day(mid)} "
            f"| {interval} | {_observed(m)} |"
        )
    low, mid, high = payload["final_depth_km_quantiles"]
    d_low, d_mid, d_high = payload["days_run_quantiles"]
    reasons = ", ".join(
        f"{reason} {share:.1%}" for reason, share in payload["stop_reasons"].items() if share > 0
    )
    lines += [
        "",
        f"Final depth: median {mid:.0f} km (90% interval {low:.0f} to {high:.0f}). Days fought: "
        f"median {d_mid:.0f} (90% interval {d_low:.0f} to {d_high:.0f}). Stopped by: {reasons}.",
    ]
    return lines


def member_lines(payload: dict[str, Any]) -> list[str]:
    """The page's line on one member's scored forces and campaign."""
    forces = payload["scenario"]["forces"]
    attacker = sum(r["ground"] for r in forces if r["side"] == "attacker")
    defender = sum(r["ground"] for r in forces if r["side"] != "attacker")
    arriving = sum(payload["params"]["reinforcement_D"])
    a0, d0 = _first(payload["params"]["A0"]), _first(payload["params"]["D0"])
    s = payload["summary"]
    return [
        f"Scored ground forces at every median: attacker {attacker:.0f}, defender {defender:.0f} "
        f"tank equivalents ({a0:.0f} and {d0:.0f} as the campaign opens, with armour valued "
        f"against its answer and the defender's readiness), with {arriving:.0f} more arriving "
        f"for the defender; the campaign stops on day {s['days_run']} ({s['stop_reason']}) at "
        f"{s['final_X']:.1f} km.",
    ]


def _first(value: Any) -> float:
    return float(value[0] if isinstance(value, list) else value)


def commands(page: str) -> list[list[str]]:
    text = (DOCS / f"{page}.md").read_text()
    blocks = re.findall(r"```console\n(.*?)```", text, flags=re.DOTALL)
    lines = [line for block in blocks for line in block.splitlines()]
    return [shlex.split(line[2:])[1:] for line in lines if line.startswith("$ posturelab ")]


@pytest.mark.parametrize("page", PAGES)
def test_documented_figures_are_what_the_commands_print(page, run_cli):
    text = (DOCS / f"{page}.md").read_text()
    found = commands(page)
    assert found, f"{page}.md documents no command"
    for args in found:
        assert args[:3] == ["campaign", "--scenario", page], args
        result = run_cli(*args, "--json")
        assert result.code == 0, (args, result.err)
        payload = json.loads(result.out)
        expected = ensemble_lines(payload) if "--members" in args else member_lines(payload)
        block = "\n".join(expected)
        assert block in text, f"{page}.md does not show what {shlex.join(args)} gives:\n{block}"


if __name__ == "__main__":  # print the blocks to paste into the pages
    import subprocess
    import sys

    for page in PAGES:
        for args in commands(page):
            out = subprocess.run(
                [sys.executable, "-c", "from posturelab.cli import main; main()", *args, "--json"],
                capture_output=True,
                text=True,
                check=True,
            ).stdout
            payload = json.loads(out)
            print(f"--- {page}: {shlex.join(args)}")
            print(
                "\n".join(ensemble_lines(payload) if "--members" in args else member_lines(payload))
            )
