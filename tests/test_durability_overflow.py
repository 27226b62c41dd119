"""Numbers that overflow stop a run at once: no retry, a located message, nothing half-written.

A chunk whose numbers become infinite or NaN (:class:`~posturelab.engine.sampling.NonFiniteError`)
fails the same way on every try, so it is bad input, not bad luck: the runner must not retry it
(``docs/scaling.md``, "Failures"), and the command line answers as for any bad scenario, with
status 2 and a message pointing at the scenario's number behind it.
"""

from __future__ import annotations

import json
import pickle
from pathlib import Path

import numpy as np
import pytest

from hostile_cases import EXAMPLE
from posturelab import api
from posturelab.engine.compiled import compile_scenario
from posturelab.engine.run import ChunkFailure, RunOptions, compute_chunks
from posturelab.engine.sampling import NonFiniteError
from posturelab.errors import ScenarioError
from posturelab.runners.executors import SequentialExecutor
from posturelab.scenario.levers import resolve_levers
from posturelab.scenario.loader import parse_scenario

BETA = "beta: {dist: uniform, low: 1, high: 3"
OVERFLOW = EXAMPLE.replace(BETA, "beta: {dist: uniform, low: 1e14, high: 1e15", 1)


def _beta_line() -> int:
    """The 1-based line of the contest's ``beta`` in the overflowing scenario's text."""
    return next(k for k, line in enumerate(OVERFLOW.splitlines(), 1) if "low: 1e14" in line)


@pytest.fixture
def overflow_file(tmp_path: Path) -> Path:
    path = tmp_path / "overflow.yaml"
    path.write_text(OVERFLOW, encoding="utf-8")
    return path


@pytest.mark.parametrize("parallel", [False, True])
def test_an_overflowing_chunk_is_tried_once_and_the_run_stops(parallel: bool) -> None:
    scenario = parse_scenario(OVERFLOW, "s.yaml").scenario
    model = compile_scenario(scenario, resolve_levers(scenario))
    plan = {i: np.arange(4 * i, 4 * i + 4, dtype=np.int64) for i in range(3)}
    failures: list[ChunkFailure] = []
    done: list[int] = []
    with np.errstate(all="ignore"), pytest.raises(NonFiniteError) as caught:
        compute_chunks(
            model,
            RunOptions(members=12, seed=1),
            plan,
            lambda chunk: done.append(chunk.index),
            executor=SequentialExecutor() if parallel else None,
            on_failure=failures.append,
            max_attempts=3,
        )
    # one attempt in all: the first chunk, told as final; the other chunks never start
    assert [(f.index, f.attempt, f.final) for f in failures] == [(0, 1, True)]
    assert done == []
    assert caught.value.paths == {
        "risk_red_attack (contests.red_attack.beta x utility)": "contests.red_attack.beta"
    }


def test_the_error_crosses_a_process_pool_with_its_fields() -> None:
    error = NonFiniteError("decisions", {"risk_x (contests.x.beta x utility)": 3}, 8, {
        "risk_x (contests.x.beta x utility)": "contests.x.beta"
    })  # fmt: skip
    copy = pickle.loads(pickle.dumps(error))
    assert (copy.stage, copy.counts, copy.members, copy.paths) == (
        error.stage, error.counts, error.members, error.paths
    )  # fmt: skip
    assert str(copy) == str(error)


def test_the_command_line_stops_with_status_2_a_located_message_and_nothing_written(
    run_cli, overflow_file: Path, tmp_path: Path
) -> None:
    target = tmp_path / "run"
    with np.errstate(all="ignore"):
        result = run_cli("run", str(overflow_file), "--members", "8", "--out", str(target))
    assert result.code == 2, result.err
    where = f"{overflow_file}:{_beta_line()}:5: contests.red_attack.beta:"
    assert where in result.err
    assert "infinite or NaN after decisions in 8 of 8 members" in result.err
    assert "Traceback" not in result.err and "resume" not in result.err
    assert result.out == ""
    assert not target.exists()
    # an --out folder that existed (empty) before the run is left as it was: empty
    target.mkdir()
    with np.errstate(all="ignore"):
        again = run_cli(
            "run", str(overflow_file), "--members", "300", "--chunk-size", "50", "--runner",
            "local", "--workers", "2", "--out", str(target),
        )  # fmt: skip
    assert again.code == 2 and where in again.err
    assert target.is_dir() and list(target.iterdir()) == []


@pytest.mark.parametrize(
    "command",
    [
        ["compare", "--members", "8"],
        ["claims", "--members", "8"],
        ["sensitivity", "--indicator", "p_red_attack", "--n", "4"],
        ["discover", "--members", "8", "--where", "p_red_attack>0.1"],
    ],
)
def test_every_analysis_stops_with_the_same_located_message(
    run_cli, overflow_file: Path, tmp_path: Path, command: list[str]
) -> None:
    runs = tmp_path / "runs"
    with np.errstate(all="ignore"):
        result = run_cli(
            command[0], str(overflow_file), *command[1:], "--no-figures", "--runs-dir", str(runs)
        )
    assert result.code == 2, result.err
    assert f"{overflow_file}:{_beta_line()}:5: contests.red_attack.beta:" in result.err
    assert "Traceback" not in result.err
    assert not runs.exists()


def test_the_api_raises_the_located_scenario_error(overflow_file: Path, tmp_path: Path) -> None:
    with np.errstate(all="ignore"), pytest.raises(ScenarioError) as caught:
        api.run(overflow_file, members=8, out=tmp_path / "api-run")
    [problem] = caught.value.problems
    assert (problem.file, problem.line, problem.path) == (
        str(overflow_file), _beta_line(), "contests.red_attack.beta"
    )  # fmt: skip
    assert not (tmp_path / "api-run").exists()


def test_a_resumed_run_that_overflows_keeps_its_chunks_and_says_failed(
    run_cli, overflow_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A run interrupted before its overflowing chunk: the resume stops at once, located."""
    import posturelab.engine.run as engine_run

    target = tmp_path / "run"
    good = tmp_path / "good.yaml"
    good.write_text(EXAMPLE, encoding="utf-8")
    calls = {"n": 0}
    original = engine_run.simulate_task

    def interrupted_after_one(*args: object) -> object:
        calls["n"] += 1
        if calls["n"] > 1:
            raise KeyboardInterrupt
        return original(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(engine_run, "simulate_task", interrupted_after_one)
    first = run_cli(
        "run", str(good), "--members", "12", "--chunk-size", "4", "--runner", "sequential",
        "--out", str(target),
    )  # fmt: skip
    assert first.code != 0 and (target / "chunks").is_dir()
    monkeypatch.setattr(engine_run, "simulate_task", original)
    chunks_before = sorted(p.name for p in (target / "chunks").glob("chunk-*.npz"))
    assert chunks_before

    def overflowing(*args: object) -> object:
        raise NonFiniteError(
            "sampling", {"contests.red_attack.beta": 4}, 4, {
                "contests.red_attack.beta": "contests.red_attack.beta"
            },
        )  # fmt: skip

    monkeypatch.setattr(engine_run, "simulate_task", overflowing)
    resumed = run_cli("resume", str(target), "--runner", "sequential")
    assert resumed.code == 2, resumed.err
    assert "contests.red_attack.beta: contests.red_attack.beta is infinite or NaN" in resumed.err
    manifest = json.loads((target / "manifest.json").read_text())
    assert manifest["status"] == "failed"
    assert [f["attempt"] for f in manifest["failures"]] == [1]
    assert sorted(p.name for p in (target / "chunks").glob("chunk-*.npz")) == chunks_before
