"""Runners and resumable runs: the same numbers on every executor, chunks that survive a kill.

The processes these tests start (a ``posturelab run`` to interrupt, a Dask scheduler and two
workers) listen only on 127.0.0.1, run under timeouts and are always stopped in ``finally``.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import psutil
import pyarrow.parquet as pq
import pytest
import xarray as xr

import posturelab.engine.run as engine_run
from posturelab.engine.compiled import compile_scenario
from posturelab.engine.run import (
    ChunkError,
    RunOptions,
    compute_chunks,
    run_ensemble,
    uncertain_names,
)
from posturelab.errors import InputError
from posturelab.explore.sensitivity import ensemble_model
from posturelab.runners import RunnerSpec, SequentialExecutor, open_runner
from posturelab.runners import executors as executors_module
from posturelab.runners.sizing import (
    MAX_CHUNK,
    MIN_CHUNK,
    chunk_bounds,
    chunk_size_for,
    worth_parallel,
)
from posturelab.scenario.levers import resolve_levers
from posturelab.scenario.loader import load_scenario
from posturelab.store import chunks as chunk_store

# Runs interrupted in a subprocess: enough chunks that the interruption lands mid-run.
KILL_MEMBERS = 600
KILL_CHUNK = 50
KILL_SEED = 11
POSTURELAB = "import sys; from posturelab.cli import main; main(sys.argv[1:])"
BIN = Path(sys.executable).parent


@pytest.fixture(scope="module")
def korea():
    return load_scenario("korea-2025").scenario


def ensemble(scenario, members, chunk, executor=None, seed=5, sampler="mc", **levers):
    options = RunOptions(members=members, seed=seed, chunk_size=chunk, sampler=sampler)
    values = resolve_levers(scenario, levers)
    return run_ensemble(scenario, values, options, executor=executor).dataset


def assert_same_run(a: Path, b: Path) -> None:
    """Two run directories hold the same numbers, bit for bit."""
    with (
        xr.open_dataset(a / "series.nc", engine="h5netcdf") as sa,
        xr.open_dataset(b / "series.nc", engine="h5netcdf") as sb,
    ):
        xr.testing.assert_identical(sa.load(), sb.load())
    ta, tb = pq.read_table(a / "members.parquet"), pq.read_table(b / "members.parquet")
    assert ta.schema.equals(tb.schema)
    for name in ta.column_names:  # bit for bit, NaN included
        va, vb = ta[name].to_numpy(), tb[name].to_numpy()
        np.testing.assert_array_equal(va.view(np.uint64), vb.view(np.uint64), err_msg=name)
    summary_a = json.loads((a / "summary.json").read_text())
    summary_b = json.loads((b / "summary.json").read_text())
    assert summary_a["indicators"] == summary_b["indicators"]


def status_of(run_dir: Path) -> str:
    return json.loads((run_dir / "manifest.json").read_text())["status"]


def assert_looks_unfinished(run_dir: Path) -> None:
    names = {p.name for p in run_dir.iterdir()}
    assert not names & {"series.nc", "members.parquet", "summary.json"}
    assert status_of(run_dir) in ("running", "interrupted", "failed")


def start_posturelab(*args: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-c", POSTURELAB, *args],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def wait_for_chunks(proc: subprocess.Popen[bytes], run_dir: Path, count: int) -> int:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        found = len(chunk_store.finished_chunks(run_dir))
        if found >= count:
            return found
        if proc.poll() is not None:
            raise AssertionError(f"the run ended early: {proc.stderr.read().decode()}")
        time.sleep(0.005)
    raise AssertionError("no chunks appeared within 60 s")


def stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.kill()
    proc.wait(timeout=30)
    if proc.stderr is not None:
        proc.stderr.close()


@pytest.fixture(scope="module")
def reference_run(tmp_path_factory) -> Path:
    """An uninterrupted run of the interrupted runs' ensemble (sequential, chunks auto-sized)."""
    from posturelab.cli import main

    out = tmp_path_factory.mktemp("reference") / "run"
    args = ["run", "--members", str(KILL_MEMBERS), "--seed", str(KILL_SEED), "--json"]
    with pytest.raises(SystemExit) as exit_:
        main([*args, "--runner", "sequential", "--out", str(out)])
    assert exit_.value.code in (0, None)
    return out


# --- chunk sizing --------------------------------------------------------------------------------


def test_chunk_size_targets_the_task_time_within_bounds():
    assert chunk_size_for(2e-4, 10_000_000, 2) == 7500  # 1.5 s of work
    assert chunk_size_for(1.0, 10_000_000, 2) == MIN_CHUNK  # very slow members
    assert chunk_size_for(1e-9, 10_000_000, 2) == MAX_CHUNK  # very fast members
    assert chunk_size_for(2e-4, 1_000, 2) == 125  # four tasks per worker at least
    assert chunk_size_for(2e-4, 0, 4) == 1
    with pytest.raises(ValueError, match="workers"):
        chunk_size_for(2e-4, 100, 0)


def test_small_remainders_stay_in_process():
    assert not worth_parallel(2e-4, 1_000)
    assert worth_parallel(2e-4, 100_000)


def test_chunk_bounds_cover_every_member_once():
    for total, first, size in [(1, 1, 1), (10, 3, 4), (1000, 200, 7), (5, 200, 50)]:
        bounds = chunk_bounds(total, first, size)
        members = np.concatenate([np.arange(lo, hi) for lo, hi in bounds])
        np.testing.assert_array_equal(members, np.arange(total))


# --- executors ----------------------------------------------------------------------------------


def test_sequential_executor_runs_at_submit_time():
    calls = []
    executor = SequentialExecutor()
    future = executor.submit(calls.append, 1)
    assert future.done() and calls == [1]
    failing = executor.submit(int, "x")
    assert isinstance(failing.exception(), ValueError)
    executor.shutdown()
    with pytest.raises(RuntimeError, match="shutdown"):
        executor.submit(calls.append, 2)


@pytest.mark.parametrize(
    ("spec", "option"),
    [
        ({"name": "threads"}, "--runner"),
        ({"name": "local", "workers": 0}, "--workers"),
        ({"name": "local", "scheduler": "tcp://127.0.0.1:8786"}, "--scheduler"),
        ({"name": "dask", "scheduler": "127.0.0.1:8786"}, "--scheduler"),
        ({"name": "dask", "scheduler": "tcp://127.0.0.1:99999"}, "--scheduler"),
        ({"name": "dask", "scheduler": "tcp://127.0.0.1:8786", "workers": 2}, "--workers"),
    ],
)
def test_runner_spec_rejects_bad_options(spec, option):
    with pytest.raises(InputError) as error:
        RunnerSpec(**spec)
    assert error.value.problems[0].path == option


def test_bad_runner_options_exit_2_before_any_work(tmp_path, run_cli):
    out = tmp_path / "r"
    result = run_cli("run", "--members", "5", "--runner", "dask", "--scheduler", "localhost")
    assert result.code == 2
    assert "--scheduler: expected tcp://HOST:PORT" in result.err
    assert "Traceback" not in result.err
    assert not out.exists()


@pytest.mark.parametrize("command", ["compare", "claims", "sensitivity", "discover"])
def test_analysis_commands_take_the_runner_options(command, tmp_path, run_cli):
    args = [command, "--runs-dir", str(tmp_path), "--runner", "threads"]
    if command == "discover":
        args += ["--where", "p_dprk_attack > 0.5"]
    if command == "sensitivity":
        args += ["--indicator", "hazard_prc_taiwan_war"]
    result = run_cli(*args)
    assert result.code == 2, result.err
    assert "--runner: must be one of sequential, local, dask" in result.err


def test_unreachable_scheduler_is_an_input_error(tmp_path, run_cli, monkeypatch):
    monkeypatch.setattr(executors_module, "CONNECT_TIMEOUT_S", 1.0)
    address = f"tcp://127.0.0.1:{free_port()}"  # nothing listens there
    out = tmp_path / "r"
    result = run_cli(
        "run", "--members", "5", "--runner", "dask", "--scheduler", address, "--out", str(out)
    )
    assert result.code == 2, result.err
    assert f"cannot reach the Dask scheduler at {address}" in result.err
    assert not out.exists()


def test_same_numbers_on_every_runner_whatever_the_chunk_size(korea):
    reference = ensemble(korea, 60, 1000)
    with open_runner(RunnerSpec("sequential")) as sequential:
        xr.testing.assert_identical(reference, ensemble(korea, 60, 7, sequential.executor))
    with open_runner(RunnerSpec("local", workers=2)) as local:
        xr.testing.assert_identical(reference, ensemble(korea, 60, 11, local.executor))
        sobol = ensemble(korea, 32, 1000, sampler="sobol")
        xr.testing.assert_identical(sobol, ensemble(korea, 32, 9, local.executor, sampler="sobol"))
        # sensitivity designs: repeated member indices, a design row per point
        points = np.random.default_rng(1).random((4, 3, len(uncertain_names(korea))))
        args = (korea, resolve_levers(korea, {}), "hazard_prc_taiwan_war")
        here = ensemble_model(*args, seed=3, chunk_size=5)(points)
        pooled = ensemble_model(*args, seed=3, chunk_size=5, executor=local.executor)(points)
        np.testing.assert_array_equal(here, pooled)
    with open_runner(RunnerSpec("dask", workers=2)) as dask_local:
        xr.testing.assert_identical(reference, ensemble(korea, 60, 16, dask_local.executor))


def test_chunk_designs_give_repeated_members_their_own_rows(korea):
    model = compile_scenario(korea, resolve_levers(korea, {}))
    k = len(model.uncertain)
    rng = np.random.default_rng(0)
    plan = {0: np.array([0, 0, 1], dtype=np.int64), 1: np.array([1, 2], dtype=np.int64)}
    rows = {0: rng.random((3, k)), 1: rng.random((2, k))}
    options = RunOptions(members=3, seed=4)
    outputs = {}
    for executor in (None, SequentialExecutor()):
        got = {}
        compute_chunks(
            model,
            options,
            plan,
            lambda done, got=got: got.__setitem__(done.index, done.output),
            executor=executor,
            chunk_designs=rows,
        )
        outputs[executor is None] = got
    for index in plan:
        for name, values in outputs[True][index].params.items():
            np.testing.assert_array_equal(values, outputs[False][index].params[name])
    name = model.uncertain[0]
    first = outputs[True][0].params[name]
    assert first[0] != first[1]  # the same member, two design points
    with pytest.raises(ValueError, match="not both"):
        compute_chunks(model, options, plan, print, design=rng.random((3, k)), chunk_designs=rows)


def test_failing_chunks_are_retried_and_recorded(korea, monkeypatch):
    model = compile_scenario(korea, resolve_levers(korea, {}))
    options = RunOptions(members=30, seed=2, chunk_size=10)
    plan = dict(enumerate(engine_run.chunks(30, 10)))
    real = engine_run.simulate_chunk
    tries = {"n": 0}

    def flaky(model, seed, members, *args):
        if members[0] == 10:
            tries["n"] += 1
            if tries["n"] < 3:
                raise RuntimeError("disk on fire")
        return real(model, seed, members, *args)

    monkeypatch.setattr(engine_run, "simulate_chunk", flaky)
    done, failures = [], []
    compute_chunks(
        model,
        options,
        plan,
        done.append,
        executor=SequentialExecutor(),
        on_failure=failures.append,
        max_attempts=3,
    )
    assert sorted(d.index for d in done) == [0, 1, 2]
    assert [(f.index, f.attempt, f.final) for f in failures] == [(1, 1, False), (1, 2, False)]
    assert failures[0].error == "RuntimeError: disk on fire"

    tries["n"] = -100  # now it never recovers
    done.clear()
    with pytest.raises(ChunkError, match=r"chunk 1 \(members 10..19\) failed 2 times"):
        compute_chunks(model, options, plan, done.append, max_attempts=2)
    assert sorted(d.index for d in done) == [0, 2]  # the others were still finished


def test_each_chunk_is_handed_over_before_the_next_is_computed(korea, monkeypatch):
    """With an in-process executor a chunk is saved before the next one starts."""
    model = compile_scenario(korea, resolve_levers(korea, {}))
    events = []
    real = engine_run.simulate_chunk

    def logged(model, seed, members, *args):
        events.append(("compute", int(members[0])))
        return real(model, seed, members, *args)

    monkeypatch.setattr(engine_run, "simulate_chunk", logged)
    plan = dict(enumerate(engine_run.chunks(12, 4)))
    options = RunOptions(members=12, seed=1, chunk_size=4)

    def save(done):
        events.append(("save", int(done.output.members[0])))

    compute_chunks(model, options, plan, save, executor=SequentialExecutor())
    assert events == [(kind, lo) for lo in (0, 4, 8) for kind in ("compute", "save")]


def test_a_chunk_that_keeps_failing_ends_the_run_resumably(tmp_path, run_cli, monkeypatch):
    real = engine_run.simulate_chunk

    def broken(model, seed, members, *args):
        if members[0] == 40:
            raise FloatingPointError("overflow in member 40")
        return real(model, seed, members, *args)

    monkeypatch.setattr(engine_run, "simulate_chunk", broken)
    out = tmp_path / "runs" / "r"
    args = ("--members", "100", "--seed", "4", "--chunk-size", "20", "--runner", "sequential")
    result = run_cli("run", *args, "--out", str(out))
    assert result.code == 1
    assert "chunk 2 (members 40..59) failed 3 times: FloatingPointError" in result.err
    assert f"posturelab resume r --runs-dir {out.parent}" in result.err
    assert_looks_unfinished(out)
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["status"] == "failed"
    assert [(f["chunk"], f["attempt"], f["final"]) for f in manifest["failures"]] == [
        (2, 1, False),
        (2, 2, False),
        (2, 3, True),
    ]
    assert chunk_store.finished_chunks(out) == {0, 1, 3, 4}

    monkeypatch.setattr(engine_run, "simulate_chunk", real)  # the cause is fixed
    resumed = run_cli("resume", "r", "--runs-dir", str(out.parent), "--runner", "sequential")
    assert resumed.code == 0, resumed.err
    assert "4 chunks were on disk, 1 computed now" in resumed.out
    clean = tmp_path / "clean"
    assert run_cli("run", *args, "--out", str(clean), "--json").code == 0
    assert_same_run(out, clean)
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["status"] == "complete" and len(manifest["failures"]) == 3
    assert not (out / "chunks").exists()


def test_a_failing_pilot_chunk_is_retried_recorded_and_resumable(tmp_path, run_cli, monkeypatch):
    real = engine_run.simulate_chunk

    def broken(model, seed, members, *args):
        if members[0] == 0:
            raise MemoryError("no room for the pilot")
        return real(model, seed, members, *args)

    monkeypatch.setattr(engine_run, "simulate_chunk", broken)
    out = tmp_path / "p"
    args = ("--members", "30", "--seed", "6", "--runner", "sequential")
    result = run_cli("run", *args, "--out", str(out))  # chunks sized from the pilot
    assert result.code == 1
    assert "chunk 0 (members 0..29) failed 3 times: MemoryError" in result.err
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["status"] == "failed" and manifest["chunk_plan"] is None
    assert [f["attempt"] for f in manifest["failures"]] == [1, 2, 3]

    monkeypatch.setattr(engine_run, "simulate_chunk", real)
    assert run_cli("resume", "p", "--runs-dir", str(tmp_path)).code == 0
    clean = tmp_path / "clean"
    assert run_cli("run", *args, "--out", str(clean)).code == 0
    assert_same_run(out, clean)


def test_resume_refuses_unknown_complete_and_live_runs(tmp_path, run_cli):
    result = run_cli("resume", "nope", "--runs-dir", str(tmp_path))
    assert result.code == 2 and "no run 'nope' in" in result.err

    done = tmp_path / "done"
    assert run_cli("run", "--members", "8", "--out", str(done), "--json").code == 0
    again = run_cli("resume", "done", "--runs-dir", str(tmp_path))
    assert again.code == 0 and "already complete" in again.out

    live = tmp_path / "live"
    (live / "chunks").mkdir(parents=True)
    manifest = json.loads((done / "manifest.json").read_text()) | {"status": "running"}
    (live / "manifest.json").write_text(json.dumps(manifest))
    lock = {"pid": os.getppid(), "host": socket.gethostname()}  # a process that is alive
    (live / "chunks" / "lock.json").write_text(json.dumps(lock))
    busy = run_cli("resume", "live", "--runs-dir", str(tmp_path))
    assert busy.code == 2 and f"being computed by process {os.getppid()}" in busy.err


# --- interruptions in a real process ------------------------------------------------------------


def kill_args(out: Path, runner: str) -> list[str]:
    return [
        "run",
        "--members",
        str(KILL_MEMBERS),
        "--seed",
        str(KILL_SEED),
        "--chunk-size",
        str(KILL_CHUNK),
        "--runner",
        runner,
        "--workers",
        "2",
        "--out",
        str(out),
        "--json",
    ]


def resume_and_compare(run_cli, out: Path, seen: int, reference: Path) -> None:
    total = -(-KILL_MEMBERS // KILL_CHUNK)
    saved = chunk_store.finished_chunks(out)
    assert seen <= len(saved) < total, "the interruption must land mid-run"
    result = run_cli("resume", out.name, "--runs-dir", str(out.parent), "--runner", "sequential")
    assert result.code == 0, result.err
    assert f"{len(saved)} chunks were on disk, {total - len(saved)} computed now" in result.out
    assert_same_run(out, reference)


def test_a_killed_process_resumes_with_only_the_missing_chunks(tmp_path, run_cli, reference_run):
    out = tmp_path / "runs" / "killed"
    proc = start_posturelab(*kill_args(out, "sequential"))
    try:
        seen = wait_for_chunks(proc, out, 3)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        stop(proc)
    assert_looks_unfinished(out)
    assert status_of(out) == "running"  # a killed process cannot say more
    resume_and_compare(run_cli, out, seen, reference_run)


def test_ctrl_c_marks_the_run_interrupted(tmp_path, run_cli, reference_run):
    out = tmp_path / "runs" / "interrupted"
    proc = start_posturelab(*kill_args(out, "local"))
    try:
        seen = wait_for_chunks(proc, out, 3)
        proc.send_signal(signal.SIGINT)
        code = proc.wait(timeout=60)
        err = proc.stderr.read().decode()
    finally:
        stop(proc)
    assert code == 130, err
    assert "interrupted; the finished chunks are saved" in err
    assert_looks_unfinished(out)
    assert status_of(out) == "interrupted"
    resume_and_compare(run_cli, out, seen, reference_run)


def test_a_killed_worker_fails_the_run_resumably(tmp_path, run_cli, reference_run):
    out = tmp_path / "runs" / "worker"
    proc = start_posturelab(*kill_args(out, "local"))
    try:
        seen = wait_for_chunks(proc, out, 2)
        workers = [
            child
            for child in psutil.Process(proc.pid).children(recursive=True)
            if "spawn_main" in " ".join(child.cmdline())
        ]
        assert workers, "the pool's workers were not found"
        workers[0].kill()
        code = proc.wait(timeout=60)
        err = proc.stderr.read().decode()
    finally:
        stop(proc)
    assert code == 1, err
    assert "BrokenProcessPool" in err and "posturelab resume worker" in err
    assert_looks_unfinished(out)
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["status"] == "failed"
    assert manifest["failures"] and all("chunk" in f for f in manifest["failures"])
    resume_and_compare(run_cli, out, seen, reference_run)


# --- a real Dask cluster: a scheduler and two workers in their own processes ----------------------


NO_UI = ("--no-dashboard", "--dashboard-address", "127.0.0.1:0")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def stop_group(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=15)


@pytest.fixture(scope="module")
def dask_cluster(tmp_path_factory) -> Iterator[str]:
    """A ``dask scheduler`` and two ``dask worker`` processes on 127.0.0.1."""
    from distributed import Client

    scratch = tmp_path_factory.mktemp("dask")
    port = free_port()
    address = f"tcp://127.0.0.1:{port}"
    common = {"cwd": scratch, "start_new_session": True, "stdout": subprocess.DEVNULL}
    logs = [(scratch / f"{name}.log").open("wb") for name in ("scheduler", "w1", "w2")]
    procs = []
    try:
        procs.append(
            subprocess.Popen(
                [BIN / "dask", "scheduler", "--host", "127.0.0.1", "--port", str(port), *NO_UI],
                stderr=logs[0],
                **common,
            )
        )
        for name, log in zip(("w1", "w2"), logs[1:], strict=True):
            procs.append(
                subprocess.Popen(
                    [
                        BIN / "dask",
                        "worker",
                        address,
                        *("--nthreads", "1", "--nworkers", "1", "--host", "127.0.0.1", *NO_UI),
                        *("--death-timeout", "60", "--local-directory", str(scratch / name)),
                        *("--name", name),
                    ],
                    stderr=log,
                    **common,
                )
            )
        with Client(address, timeout=30, set_as_default=False) as client:
            client.wait_for_workers(2, timeout=60)
        yield address
    finally:
        for proc in reversed(procs):
            stop_group(proc)
        for log in logs:
            log.close()


def test_a_real_dask_cluster_gives_the_same_numbers(tmp_path, run_cli, dask_cluster):
    base = ("--members", "120", "--seed", "9", "--json")
    local = tmp_path / "local"
    assert run_cli("run", *base, "--runner", "sequential", "--out", str(local)).code == 0
    remote = tmp_path / "dask"
    result = run_cli(
        "run",
        *base,
        "--runner",
        "dask",
        "--scheduler",
        dask_cluster,
        "--chunk-size",
        "17",
        "--out",
        str(remote),
    )
    assert result.code == 0, result.err
    assert_same_run(local, remote)
    manifest = json.loads((remote / "manifest.json").read_text())
    assert manifest["runner"] == "dask" and manifest["workers"] == 2
    assert manifest["chunk_plan"] == {"first": 17, "size": 17, "chunks": 8}


def test_an_interrupted_run_can_finish_on_the_cluster(tmp_path, run_cli, dask_cluster):
    out = tmp_path / "runs" / "r"
    real = engine_run.simulate_chunk
    args = ("--members", "60", "--seed", "3", "--chunk-size", "15")

    def lost_after_30(model, seed, members, *rest):
        if members[0] >= 30:
            raise OSError("worker lost")
        return real(model, seed, members, *rest)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(engine_run, "simulate_chunk", lost_after_30)
        first = run_cli("run", *args, "--runner", "sequential", "--out", str(out))
    assert first.code == 1
    assert chunk_store.finished_chunks(out) == {0, 1}
    resumed = run_cli(
        "resume",
        "r",
        "--runs-dir",
        str(out.parent),
        "--runner",
        "dask",
        "--scheduler",
        dask_cluster,
        "--json",
    )
    assert resumed.code == 0, resumed.err
    clean = tmp_path / "clean"
    assert run_cli("run", *args, "--runner", "sequential", "--out", str(clean)).code == 0
    assert_same_run(out, clean)
