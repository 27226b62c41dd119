"""Storage under faults: full disks, and outputs streamed from chunks that equal the old ones.

Each test reproduces one way a run used to crash or grow without bound, and checks the promise of
``docs/reliability.md`` ("Runs, chunks and storage") that replaced it. Disk-full cases run twice:
on a real small file system (a tmpfs, where the test may mount one) and through a
fault-injecting writer that fails like a full disk (everywhere).
"""

from __future__ import annotations

import errno
import json
import subprocess
from pathlib import Path

import h5py
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import xarray as xr

import posturelab.engine.run as engine_run
from durability_helpers import (
    CHUNK,
    MEMBERS,
    SEED,
    assert_same_numbers,
    make_clean_run,
    manifest_of,
    remount,
    run_args,
    run_subprocess,
    small_filesystem,
)
from posturelab.engine.run import RunOptions, run_ensemble
from posturelab.runners import RunnerSpec, open_runner
from posturelab.runners.durable import start_run
from posturelab.scenario.levers import resolve_levers
from posturelab.scenario.loader import load_scenario
from posturelab.store import chunks as chunk_store
from posturelab.store import diskio, rundir

FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture(scope="module")
def clean_run(tmp_path_factory):
    """The uninterrupted run every damaged-and-resumed run must reproduce."""
    return make_clean_run(tmp_path_factory)


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


def test_a_run_cancelled_by_its_caller_is_interrupted_and_resumes_to_the_same_numbers(tmp_path):
    from posturelab.runners.drive import RunCancelledError
    from posturelab.runners.durable import resume_run

    loaded = load_scenario("korea-2025")
    levers = resolve_levers(loaded.scenario)
    options = RunOptions(members=12, seed=5, chunk_size=4)
    target = tmp_path / "cancelled"
    seen = []

    def cancel_after_first_chunk(members: int) -> None:
        seen.append(members)
        raise RunCancelledError("job 0123")

    with open_runner(RunnerSpec("sequential")) as runner, pytest.raises(RunCancelledError):
        start_run(
            target, loaded, levers, options, runner,
            auto_chunks=False, progress=cancel_after_first_chunk,
        )  # fmt: skip
    manifest = json.loads((target / rundir.MANIFEST).read_text())
    assert manifest["status"] == "interrupted"
    assert manifest["error"] == "cancelled by its caller: job 0123"
    assert seen == [4]  # stopped after the chunk that had just finished
    with open_runner(RunnerSpec("sequential")) as runner:
        resume_run(target, runner)
    reference = run_ensemble(loaded.scenario, levers, options).dataset
    with xr.open_dataset(target / "series.nc", engine="h5netcdf") as done:
        for name in ("hazard_dprk_attack", "us_troops_korea"):
            np.testing.assert_array_equal(done[name].values, reference[name].values)
