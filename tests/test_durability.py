"""Runs, chunks and storage under faults: full disks, damaged and foreign chunks, edited manifests.

Each test reproduces one way a run used to crash, hang or silently mix results, and checks the
promise of ``docs/reliability.md`` ("Runs, chunks and storage") that replaced it. Disk-full cases
run twice: on a real small file system (a tmpfs, where the test may mount one) and through a
fault-injecting writer that fails like a full disk (everywhere).
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import shutil
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from concurrent.futures import Executor, Future
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

import h5py
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import xarray as xr

import posturelab.engine.run as engine_run
from posturelab.engine.run import RunOptions, run_ensemble
from posturelab.errors import InputError
from posturelab.runners import RunnerSpec, open_runner
from posturelab.runners.durable import RunIncompleteError, start_run
from posturelab.runners.executors import OpenRunner
from posturelab.scenario.levers import resolve_levers
from posturelab.scenario.loader import load_scenario
from posturelab.store import chunks as chunk_store
from posturelab.store import diskio, rundir

POSTURELAB = "import sys; from posturelab.cli import main; main(sys.argv[1:])"
SRC = str(Path(__file__).resolve().parents[1] / "src")
MEMBERS, CHUNK, SEED = 120, 30, 7


def manifest_of(run_dir: Path) -> dict:
    return json.loads((run_dir / "manifest.json").read_text())


def assert_same_numbers(a: Path, b: Path) -> None:
    """Two run directories hold the same series, members and summary, bit for bit."""
    with (
        xr.open_dataset(a / "series.nc", engine="h5netcdf") as sa,
        xr.open_dataset(b / "series.nc", engine="h5netcdf") as sb,
    ):
        xr.testing.assert_identical(sa.load(), sb.load())
    ta, tb = pq.read_table(a / "members.parquet"), pq.read_table(b / "members.parquet")
    assert ta.schema.equals(tb.schema)
    for name in ta.column_names:
        va, vb = ta[name].to_numpy(), tb[name].to_numpy()
        np.testing.assert_array_equal(va.view(np.uint64), vb.view(np.uint64), err_msg=name)
    sa_, sb_ = (json.loads((d / "summary.json").read_text()) for d in (a, b))
    assert sa_["indicators"] == sb_["indicators"]


def run_args(out: Path, *extra: str) -> list[str]:
    return [
        "run",
        *("--members", str(MEMBERS), "--seed", str(SEED), "--chunk-size", str(CHUNK)),
        *("--runner", "sequential", "--out", str(out), "--json", *extra),
    ]


@pytest.fixture(scope="module")
def clean_run(tmp_path_factory) -> Path:
    """The uninterrupted run every damaged-and-resumed run must reproduce."""
    from posturelab.cli import main

    out = tmp_path_factory.mktemp("clean") / "run"
    with pytest.raises(SystemExit) as exit_:
        main(run_args(out))
    assert exit_.value.code in (0, None)
    return out


def failed_half_way(run_cli, out: Path) -> None:
    """A run whose chunks from member 60 on fail: chunks 0 and 1 are saved, it says failed."""
    real = engine_run.simulate_chunk

    def broken(model, seed, members, *rest):
        if members[0] >= 2 * CHUNK:
            raise RuntimeError("injected failure")
        return real(model, seed, members, *rest)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(engine_run, "simulate_chunk", broken)
        result = run_cli(*run_args(out))
    assert result.code == 1, result.err
    assert chunk_store.finished_chunks(out) == {0, 1}


# --- streamed assembly: the same files as writing the assembled ensemble -------------------------


def old_writer(folder: Path, dataset: xr.Dataset, attrs: dict[str, str]) -> None:
    """How run outputs were written before streaming: the whole ensemble through xarray."""
    series = dataset[[n for n, v in dataset.data_vars.items() if v.dims == ("member", "month")]]
    series = series.assign_coords(month=series["month"].astype(str))
    series.attrs.update(attrs)
    series.to_netcdf(folder / "series.nc", engine="h5netcdf")
    columns = {"member": pa.array(np.asarray(dataset["member"].values, dtype=np.int64))}
    for name, var in dataset.data_vars.items():
        if var.dims == ("member",):
            columns[str(name)] = pa.array(np.asarray(var.values, dtype=np.float64))
    pq.write_table(pa.table(columns), folder / "members.parquet")


def test_streamed_outputs_are_bit_identical_to_the_assembled_ones(tmp_path, clean_run):
    loaded = load_scenario("korea-2025")
    levers = resolve_levers(loaded.scenario, {})
    options = RunOptions(members=MEMBERS, seed=SEED, chunk_size=CHUNK)
    result = run_ensemble(loaded.scenario, levers, options)
    old = tmp_path / "old"
    old.mkdir()
    old_writer(old, result.dataset, {"scenario": "korea-2025", "seed": str(SEED)})
    (old / "summary.json").write_text(json.dumps(rundir.summary_of(loaded, result, old)))
    assert_same_numbers(old, clean_run)
    with h5py.File(old / "series.nc") as fa, h5py.File(clean_run / "series.nc") as fb:
        assert list(fa) == list(fb)  # same variables in the same order
        assert dict(fa.attrs) == dict(fb.attrs)
        for name in fa:
            keep = [k for k in fa[name].attrs if k not in ("DIMENSION_LIST", "REFERENCE_LIST")]
            assert fa[name].dtype == fb[name].dtype, name
            assert str({k: fa[name].attrs[k] for k in keep}) == str(
                {k: fb[name].attrs[k] for k in keep}
            ), name
    streamed = pq.ParquetFile(clean_run / "members.parquet").metadata.num_row_groups
    assert streamed == MEMBERS // CHUNK  # one row group per chunk: written as they were read


def test_assembly_holds_one_chunk_in_memory(tmp_path, monkeypatch):
    """Streaming reads each chunk once, after the previous one was written out."""
    loaded = load_scenario("korea-2025")
    levers = resolve_levers(loaded.scenario, {})
    reads: list[int] = []
    real = chunk_store.read_chunk

    def counted(path, expected=None):
        reads.append(expected.index if expected is not None else -1)
        return real(path, expected)

    monkeypatch.setattr(chunk_store, "read_chunk", counted)
    with open_runner(RunnerSpec("sequential")) as runner:
        start_run(
            tmp_path / "r",
            loaded,
            levers,
            RunOptions(members=120, seed=1, chunk_size=30),
            runner,
            auto_chunks=False,
        )
    assert reads == [0, 1, 2, 3]  # nothing verified twice in a fresh run; each chunk read once


# --- full disks ----------------------------------------------------------------------------------


@contextlib.contextmanager
def small_filesystem(folder: Path, size: str) -> Iterator[Path]:
    """A tmpfs of ``size`` mounted on ``folder`` (skips the test where mounting is not allowed)."""
    folder.mkdir(parents=True, exist_ok=True)
    if shutil.which("mount") is None:
        pytest.skip("no mount command")
    made = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)],
        capture_output=True,
        check=False,
    )
    if made.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {made.stderr.decode().strip()}")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=False)


def remount(folder: Path, size: str) -> None:
    subprocess.run(["mount", "-o", f"remount,size={size}", str(folder)], check=True)


def run_subprocess(*args: str, prelude: str = "") -> subprocess.CompletedProcess[str]:
    code = textwrap.dedent(prelude) + "\n" + POSTURELAB
    env = {**os.environ, "PYTHONPATH": SRC}
    return subprocess.run(
        [sys.executable, "-c", code, *args],
        capture_output=True,
        text=True,
        timeout=240,
        env=env,
        check=False,
    )


def assert_failed_cleanly(proc: subprocess.CompletedProcess[str], out: Path) -> None:
    assert proc.returncode == 74, (proc.returncode, proc.stderr)  # never 139 (SIGSEGV)
    assert "Traceback" not in proc.stderr
    assert "no space left on the device" in proc.stderr
    assert f"posturelab resume {out.name} --runs-dir {out.parent}" in proc.stderr
    manifest = manifest_of(out)
    assert manifest["status"] == "failed" and "no space left" in manifest["error"]
    assert not (out / "series.nc").exists() and not (out / "members.parquet").exists()
    assert not [p for p in out.iterdir() if p.name.endswith(".tmp")]


def test_a_full_disk_while_outputs_are_written_is_reported_and_resumable(
    tmp_path, run_cli, clean_run
):
    """Chunks fit on a 3 MiB file system, outputs do not: exit 74, resume after making room."""
    with small_filesystem(tmp_path / "small", "3m") as small:
        out = small / "k"
        proc = run_subprocess(*run_args(out))
        assert_failed_cleanly(proc, out)
        assert chunk_store.finished_chunks(out) == {0, 1, 2, 3}
        remount(small, "16m")
        resumed = run_cli("resume", "k", "--runs-dir", str(small), "--json")
        assert resumed.code == 0, resumed.err
        assert_same_numbers(out, clean_run)


def test_a_full_disk_while_chunks_are_written_is_reported(tmp_path):
    with small_filesystem(tmp_path / "small", "1m") as small:
        out = small / "k"
        proc = run_subprocess(*run_args(out))
        assert_failed_cleanly(proc, out)
        assert "chunk-00000" in proc.stderr  # the file that could not be written is named


def test_a_chunk_write_failing_like_a_full_disk_is_reported_and_resumable(
    tmp_path, run_cli, clean_run, monkeypatch
):
    real = chunk_store.atomic_write

    def full_at_chunk_2(path, write):
        if path.name == "chunk-000002.npz":

            def partial(handle):
                handle.write(b"PK partial")
                raise OSError(errno.ENOSPC, "No space left on device")

            return real(path, partial)
        return real(path, write)

    out = tmp_path / "runs" / "k"
    with monkeypatch.context() as patch:
        patch.setattr(chunk_store, "atomic_write", full_at_chunk_2)
        result = run_cli(*run_args(out))
    assert result.code == 74, result.err
    assert f"cannot write {chunk_store.chunk_path(out, 2)}: no space left" in result.err
    assert f"posturelab resume k --runs-dir {out.parent}" in result.err
    assert manifest_of(out)["status"] == "failed"
    assert chunk_store.finished_chunks(out) == {0, 1}
    assert not [p for p in (out / "chunks").iterdir() if p.name.endswith(".tmp")]
    resumed = run_cli("resume", "k", "--runs-dir", str(out.parent), "--json")
    assert resumed.code == 0, resumed.err
    assert_same_numbers(out, clean_run)


FAIL_AFTER = """
import errno
import posturelab.store.diskio as diskio
written = [0]
real = diskio._write_all
def full_disk(handle, data):
    size = memoryview(data).nbytes
    if written[0] + size > {limit}:
        raise OSError(errno.ENOSPC, "No space left on device")
    written[0] += size
    real(handle, data)
diskio._write_all = full_disk
"""


@pytest.mark.parametrize("limit", [0, 4096, 200_000])
def test_hdf5_never_sees_a_failed_write(tmp_path, run_cli, clean_run, limit):
    """A write failing inside HDF5 (header, data, close) is an error report, not a crash."""
    out = tmp_path / "runs" / "k"
    proc = run_subprocess(*run_args(out), prelude=FAIL_AFTER.format(limit=limit))
    assert_failed_cleanly(proc, out)
    resumed = run_cli("resume", "k", "--runs-dir", str(out.parent), "--json")
    assert resumed.code == 0, resumed.err
    assert_same_numbers(out, clean_run)


def test_guarded_write_removes_its_temporary_file(tmp_path):
    def fail(handle, data):
        raise OSError(errno.ENOSPC, "No space left on device")

    def write(handle):
        handle.write(b"x" * 100)

    with pytest.raises(diskio.StorageError) as caught:
        diskio.write_guarded(tmp_path / "f.nc", write, fail)
    assert caught.value.disk_full and "no space left" in str(caught.value)
    assert list(tmp_path.iterdir()) == []


def test_free_space_is_checked_before_writing(tmp_path, monkeypatch, run_cli):
    monkeypatch.setattr(diskio, "free_bytes", lambda folder: 300_000)
    out = tmp_path / "r"
    result = run_cli(*run_args(out))
    assert result.code == 74
    assert "warning: this run needs about" in result.err  # said as soon as it is known
    assert "about" in result.err and "needed" in result.err and "free" in result.err
    assert manifest_of(out)["status"] == "failed"


# --- chunks that are damaged or not this run's ---------------------------------------------------


def flip_a_bit(path: Path) -> None:
    raw = bytearray(path.read_bytes())
    raw[len(raw) // 2] ^= 0x01
    path.write_bytes(bytes(raw))


DAMAGE = {
    "empty": lambda p, other: p.write_bytes(b""),
    "truncated": lambda p, other: p.write_bytes(p.read_bytes()[: p.stat().st_size // 2]),
    "random": lambda p, other: p.write_bytes(np.random.default_rng(1).bytes(5000)),
    "bit-flip": lambda p, other: flip_a_bit(p),
    "other-seed": lambda p, other: shutil.copy(other["seed"], p),
    "other-run": lambda p, other: shutil.copy(other["run"], p),
}
REASONS = {
    "empty": "the file is empty",
    "truncated": "not a readable chunk file",
    "random": "not a readable chunk file",
    "bit-flip": "",  # a CRC error or a checksum mismatch, depending on the byte hit
    "other-seed": "belongs to another run",
    "other-run": "belongs to another run",
}


@pytest.fixture(scope="module")
def other_chunks(tmp_path_factory) -> dict[str, Path]:
    """Chunk 0 of a run with another seed, and of another run with the same settings."""
    loaded = load_scenario("korea-2025")
    levers = resolve_levers(loaded.scenario, {})
    found = {}
    for key, seed in (("seed", SEED + 1), ("run", SEED)):
        folder = tmp_path_factory.mktemp(f"other-{key}")
        real = engine_run.simulate_chunk

        def stop_after_first(model, seed_, members, *rest, _real=real):
            if members[0] >= CHUNK:
                raise RuntimeError("stop")
            return _real(model, seed_, members, *rest)

        with pytest.MonkeyPatch.context() as patch, open_runner(RunnerSpec("sequential")) as r:
            patch.setattr(engine_run, "simulate_chunk", stop_after_first)
            with contextlib.suppress(Exception):
                start_run(
                    folder / "r",
                    loaded,
                    levers,
                    RunOptions(members=MEMBERS, seed=seed, chunk_size=CHUNK),
                    r,
                    auto_chunks=False,
                    max_attempts=1,
                )
        found[key] = chunk_store.chunk_path(folder / "r", 0)
        assert found[key].is_file()
    return found


@pytest.mark.parametrize("damage", list(DAMAGE))
def test_a_bad_chunk_is_named_set_aside_and_recomputed(
    tmp_path, run_cli, clean_run, other_chunks, damage
):
    out = tmp_path / "runs" / "r"
    failed_half_way(run_cli, out)
    bad = chunk_store.chunk_path(out, 0)
    DAMAGE[damage](bad, other_chunks)
    resumed = run_cli("resume", "r", "--runs-dir", str(out.parent), "--json")
    assert resumed.code == 0, resumed.err
    assert "Traceback" not in resumed.err
    assert f"warning: {bad}: {REASONS[damage]}" in resumed.err
    assert "the chunk is computed again" in resumed.err
    assert (out / "rejected-chunks" / bad.name).is_file()
    rejected = manifest_of(out)["rejected_chunks"]
    assert [r["file"] for r in rejected] == [bad.name]
    assert_same_numbers(out, clean_run)


def test_a_chunk_damaged_after_verification_is_caught_at_assembly(
    tmp_path, run_cli, clean_run, monkeypatch
):
    from posturelab.runners import drive

    out = tmp_path / "runs" / "r"
    failed_half_way(run_cli, out)
    real = drive._verified_on_disk

    def then_damaged(run, bounds):
        good = real(run, bounds)
        chunk_store.chunk_path(out, 1).write_bytes(b"PK\x03\x04 damaged")
        return good

    monkeypatch.setattr(drive, "_verified_on_disk", then_damaged)
    resumed = run_cli("resume", "r", "--runs-dir", str(out.parent), "--json")
    assert resumed.code == 0, resumed.err
    assert "chunk-000001.npz: not a readable chunk file" in resumed.err
    assert_same_numbers(out, clean_run)


def test_an_edited_manifest_seed_is_refused(tmp_path, run_cli):
    out = tmp_path / "runs" / "r"
    failed_half_way(run_cli, out)
    manifest = manifest_of(out)
    manifest["seed"] = SEED + 1
    (out / "manifest.json").write_text(json.dumps(manifest))
    resumed = run_cli("resume", "r", "--runs-dir", str(out.parent))
    assert resumed.code == 2
    assert "manifest.json: identity_sha256: the manifest was changed" in resumed.err
    assert chunk_store.finished_chunks(out) == {0, 1}  # nothing was touched


def test_a_truncated_manifest_is_a_located_error(tmp_path, run_cli):
    out = tmp_path / "runs" / "r"
    failed_half_way(run_cli, out)
    text = (out / "manifest.json").read_text()
    (out / "manifest.json").write_text(text[: len(text) // 2])
    resumed = run_cli("resume", "r", "--runs-dir", str(out.parent))
    assert resumed.code == 2, resumed.err
    assert "Traceback" not in resumed.err
    assert "manifest.json:" in resumed.err and "not valid JSON" in resumed.err


class BrokenPool(Executor):
    """A pool whose worker died: the first task fails, then it takes no more work."""

    def __init__(self) -> None:
        self.broken = False

    def submit(self, fn, /, *args, **kwargs):
        if self.broken:
            raise BrokenProcessPool("a child process terminated abruptly")
        self.broken = True
        future: Future = Future()
        future.set_exception(BrokenProcessPool("a child process terminated abruptly"))
        return future


def test_chunk_messages_agree_on_the_attempt_count(tmp_path):
    """A pool that breaks gives up early: the message counts the attempts really made."""
    loaded = load_scenario("korea-2025")
    levers = resolve_levers(loaded.scenario, {})
    runner = OpenRunner(RunnerSpec("local", workers=2), BrokenPool(), 2, "broken pool")
    with pytest.raises(RunIncompleteError) as caught:
        start_run(
            tmp_path / "r",
            loaded,
            levers,
            RunOptions(members=MEMBERS, seed=SEED, chunk_size=CHUNK),
            runner,
            auto_chunks=False,
        )
    message = str(caught.value)
    assert "4 of 4 chunks could not be computed" in message
    assert "failed 2 times: BrokenProcessPool" in message
    assert "3 attempts" not in message
    recorded = manifest_of(tmp_path / "r")["failures"]
    assert max(f["attempt"] for f in recorded) == 2


# --- the resume lock ------------------------------------------------------------------------------


def test_a_second_resume_of_a_locked_run_is_refused(tmp_path, run_cli):
    out = tmp_path / "runs" / "r"
    failed_half_way(run_cli, out)
    with chunk_store.RunLock(out):
        second = chunk_store.RunLock(out)
        with pytest.raises(InputError, match=f"being computed by process {os.getpid()}"):
            second.acquire()
        busy = run_cli("resume", "r", "--runs-dir", str(out.parent))
        assert busy.code == 2 and "being computed by process" in busy.err
    assert run_cli("resume", "r", "--runs-dir", str(out.parent), "--json").code == 0


@pytest.mark.slow
def test_two_resumes_started_together_run_once(tmp_path, run_cli):
    out = tmp_path / "runs" / "r"
    failed_half_way(run_cli, out)
    env = {**os.environ, "PYTHONPATH": SRC}
    cmd = [sys.executable, "-c", POSTURELAB, "resume", "r", "--runs-dir", str(out.parent)]
    procs = [
        subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
        for _ in range(2)
    ]
    results = [(p.wait(timeout=120), p.stdout.read(), p.stderr.read()) for p in procs]
    for p in procs:
        p.stdout.close()
        p.stderr.close()
    codes = sorted(code for code, _out, _err in results)
    refused = [err for code, _out, err in results if code == 2]
    # One resume computes the run; the other is refused, or finds it already complete.
    assert codes in ([0, 2], [0, 0]), results
    if refused:  # refused while the other held the lock, or once it had finished
        assert "being computed by process" in refused[0] or "completed by another" in refused[0]
    manifest = manifest_of(out)
    assert manifest["status"] == "complete"
    assert len(manifest["resumes"]) == 1


# --- operating-system errors as messages ---------------------------------------------------------


def test_out_under_proc_is_refused_before_any_work(run_cli):
    result = run_cli("run", "--members", "8", "--out", "/proc/posturelab-x/run")
    assert result.code == 74
    assert "nothing can be created in /proc" in result.err
    assert "Traceback" not in result.err


def test_out_on_a_read_only_mount_is_refused(tmp_path, run_cli):
    folder = tmp_path / "ro"
    folder.mkdir()
    made = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "ro,size=1m", "tmpfs", str(folder)],
        capture_output=True,
        check=False,
    )
    if made.returncode != 0:
        pytest.skip("cannot mount a read-only tmpfs here")
    try:
        result = run_cli("run", "--members", "8", "--out", str(folder / "run"))
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=False)
    assert result.code == 74
    assert "read-only" in result.err


def test_report_refuses_proc_and_existing_files(tmp_path, run_cli):
    runs = tmp_path / "runs"
    assert run_cli("run", "--members", "8", "--out", str(runs / "r"), "--json").code == 0
    bad = run_cli("report", "r", "--runs-dir", str(runs), "--out", "/proc/x/report.html")
    assert bad.code == 74 and "nothing can be created in /proc" in bad.err
    existing = tmp_path / "report.html"
    existing.write_text("keep me")
    refused = run_cli("report", "r", "--runs-dir", str(runs), "--out", str(existing))
    assert refused.code == 2 and "add --force" in refused.err
    assert existing.read_text() == "keep me"
    forced = run_cli("report", "r", "--runs-dir", str(runs), "--out", str(existing), "--force")
    assert forced.code == 0 and existing.read_text().startswith("<!DOCTYPE html>")


def test_runs_dir_that_is_a_file(tmp_path, run_cli):
    plain = tmp_path / "passwd"
    plain.write_text("root:x:0:0\n")
    result = run_cli("runs", "--runs-dir", str(plain))
    assert result.code == 2 and "is not a directory" in result.err
    resumed = run_cli("resume", "x", "--runs-dir", str(plain))
    assert resumed.code == 2 and "is not a directory" in resumed.err


def test_a_damaged_catalogue_is_a_message(tmp_path, run_cli):
    (tmp_path / "catalogue.duckdb").write_bytes(np.random.default_rng(2).bytes(5000))
    result = run_cli("runs", "--runs-dir", str(tmp_path))
    assert result.code == 74 and "not a valid DuckDB database file" in result.err
    assert "Traceback" not in result.err


@pytest.mark.parametrize(
    ("path", "kind"), [("/dev/zero", "a character device"), ("fifo", "a FIFO (named pipe)")]
)
def test_devices_and_fifos_are_named_as_such(tmp_path, run_cli, path, kind):
    if path == "fifo":
        path = str(tmp_path / "fifo")
        os.mkfifo(path)
    for command in (("validate", path), ("fit", "lanchester", path)):
        result = run_cli(*command)
        assert result.code == 2, (command, result.err)
        assert kind in result.err and "no such file" not in result.err


def test_summaries_from_the_files_equal_those_in_memory_for_large_ensembles(tmp_path):
    """Past NumPy's 8,192-element blocks a sum depends on memory layout: the summary must not."""
    from posturelab.engine.run import EnsembleResult
    from posturelab.store.outputs import stream_outputs

    loaded = load_scenario("korea-2025")
    levers = resolve_levers(loaded.scenario, {})
    small = run_ensemble(loaded.scenario, levers, RunOptions(members=60, seed=SEED)).dataset
    copies = 170  # 10,200 members, values scaled so that no two copies are equal
    rng = np.random.default_rng(3)
    variables = {}
    for name, var in small.data_vars.items():
        values = np.concatenate([var.values] * copies)
        if not str(name).startswith("p_"):
            values = values * rng.uniform(0.5, 1.5, size=values.shape)
        variables[name] = (var.dims, values)
    members = np.arange(60 * copies, dtype=np.int64)
    big = xr.Dataset(variables, coords={"member": members, "month": small["month"].values})
    options = RunOptions(members=60 * copies, seed=SEED)
    uncertain = tuple(
        str(n).removeprefix("param:") for n in big.data_vars if str(n).startswith("param:")
    )
    result = EnsembleResult(big, dict(levers), options, uncertain)
    whole = rundir.dataset_chunk(big, uncertain)
    size = 1_500

    def read(index):
        part = slice(index * size, (index + 1) * size)
        return engine_run.ChunkOutput(
            whole.members[part],
            {k: v[part] for k, v in whole.params.items()},
            {k: v[part] for k, v in whole.series.items()},
            {k: v[part] for k, v in whole.scalars.items()},
        )

    stream_outputs(
        tmp_path,
        total=options.members,
        months=[str(m) for m in big["month"].values],
        uncertain=uncertain,
        attrs={},
        count=-(-options.members // size),
        read=read,
    )
    from_files = rundir.summary_from_files(loaded, options, levers, tmp_path)
    in_memory = rundir.summary_of(loaded, result, tmp_path)
    assert from_files == in_memory


def test_every_promise_names_tests_that_exist():
    """Each row of the reliability section names test functions that are really there."""
    import re

    root = Path(__file__).resolve().parents[1]
    doc = (root / "docs" / "reliability.md").read_text()
    section = doc.split("## Runs, chunks and storage", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("| ") and "---" not in line]
    checked = 0
    for row in rows[1:]:
        cell = row.rstrip(" |").rsplit(" | ", 1)[1]
        current = None
        for file_, name in re.findall(r"(tests/\w+\.py)?(?:::(\w+))?", cell):
            if file_:
                current = root / file_
                assert current.is_file(), file_
                checked += 1
            if name:
                assert current is not None, row
                assert f"def {name}(" in current.read_text(), name
                checked += 1
    assert checked >= 25
