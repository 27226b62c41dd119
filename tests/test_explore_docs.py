"""docs/analysis.md runs: every ``$ posturelab ...`` line, in order, at a small ensemble size."""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path

DOC = Path(__file__).resolve().parents[1] / "docs" / "analysis.md"
SMALL = {"--members": "30", "--n": "4"}


def doc_commands() -> list[list[str]]:
    blocks = re.findall(r"```console\n(.*?)```", DOC.read_text(), flags=re.DOTALL)
    lines = [line for block in blocks for line in block.splitlines()]
    return [shlex.split(line[2:])[1:] for line in lines if line.startswith("$ posturelab ")]


def shrink(args: list[str]) -> list[str]:
    out = list(args)
    for i, arg in enumerate(out[:-1]):
        if arg in SMALL:
            out[i + 1] = SMALL[arg]
    if out[0] == "sensitivity" and "--method" in out:
        out[out.index("--n") + 1] = "3"
    return out


def test_the_worked_example_runs(run_cli, tmp_path: Path) -> None:
    commands = doc_commands()
    assert [c[0] for c in commands] == [
        "run",
        "compare",
        "claims",
        "claims",
        "sensitivity",
        "sensitivity",
        "discover",
        "runs",
        "show-run",
    ]
    runs = tmp_path / "runs"
    for args in commands:
        args = shrink(args)
        if args[0] == "run":
            args += ["--out", str(runs / "baseline")]
        else:
            args += ["--runs-dir", str(runs)]
        if args[0] in {"compare", "sensitivity", "discover"}:
            args.append("--no-figures")
        if args[0] == "show-run":
            listed = json.loads(run_cli("runs", "--runs-dir", str(runs), "--json").out)
            claims_id = next(r["id"] for r in listed if r["kind"] == "claims")
            args[args.index("RUN_ID")] = claims_id
        result = run_cli(*args)
        assert result.code == 0, (args, result.err)
    listed = json.loads(run_cli("runs", "--runs-dir", str(runs), "--json").out)
    assert sorted(r["kind"] for r in listed) == [
        "claims",
        "claims",
        "compare",
        "discover",
        "run",
        "sensitivity",
        "sensitivity",
    ]
    claims_dirs = [Path(r["path"]) for r in listed if r["kind"] == "claims"]
    assert all((d / "claim_intervals.png").is_file() for d in claims_dirs)
    audited = [json.loads((d / "summary.json").read_text()) for d in claims_dirs]
    assert sorted("claims_file" in a for a in audited) == [False, True]
    verdicts = {"supported", "contradicted", "no_material_effect", "depends", "untestable"}
    for summary in audited:
        assert {c["verdict"] for c in summary["claims"]} <= verdicts
        assert all("relative_effect" in c and "material_band" in c for c in summary["claims"])
    # The scenario's own audit is the one with the split by mechanism (--mechanisms in the doc).
    own = next(d for d, a in zip(claims_dirs, audited, strict=True) if "claims_file" not in a)
    mechanisms = next(a for a in audited if "claims_file" not in a)
    assert all(c["mechanisms"] for c in mechanisms["claims"])
    assert any(own.glob("mechanisms_*.png"))


def test_the_doc_audits_with_the_mechanism_split() -> None:
    claims = [c for c in doc_commands() if c[0] == "claims"]
    assert "--mechanisms" in claims[0] and "--claims" in claims[1]
    text = DOC.read_text()
    for verdict in ("supported", "contradicted", "no material effect", "depends", "untestable"):
        assert f"**{verdict}**" in text, verdict
