"""docs/calibration.md runs: every ``$ posturelab ...`` line, in order, and prints what it shows.

Each console block's other lines are excerpts of the output (standard output and error together);
each must appear in the output of the command above it, up to runs of spaces. A command whose
excerpt shows the ``strict:`` line must exit with status 1, every other with status 0.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

DOC = Path(__file__).resolve().parents[1] / "docs" / "calibration.md"


def doc_steps() -> list[tuple[list[str], list[str]]]:
    """Each documented command with the output lines shown under it."""
    steps: list[tuple[list[str], list[str]]] = []
    for block in re.findall(r"```console\n(.*?)```", DOC.read_text(), flags=re.DOTALL):
        for line in block.splitlines():
            if line.startswith("$ posturelab "):
                steps.append((shlex.split(line[2:])[1:], []))
            elif line.strip():
                steps[-1][1].append(line)
    return steps


def squeeze(text: str) -> str:
    return re.sub(r"[ \t]+", " ", text)


@pytest.mark.slow
def test_the_worked_example_prints_what_the_documentation_shows(
    run_cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    steps = doc_steps()
    assert [args[0] for args, _ in steps] == ["targets", "calibrate", "targets", "run"]
    for args, shown in steps:
        result = run_cli(*args)
        strict = any(line.startswith("strict:") for line in shown)
        assert result.code == (1 if strict else 0), (args, result.err)
        printed = squeeze(result.out + result.err)
        for line in shown:
            assert squeeze(line) in printed, (args, line)
    assert (tmp_path / "calibration-korea-2025.json").is_file()
    assert (tmp_path / "calibration-korea-2025.parameters.png").is_file()
    assert (tmp_path / "calibrated-run" / "manifest.json").is_file()
