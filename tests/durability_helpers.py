"""Shared pieces of the durability tests: a reference run, runs that fail half way, small disks."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow.parquet as pq
import pytest
import xarray as xr

import posturelab.engine.run as engine_run
from posturelab.store import chunks as chunk_store

POSTURELAB = "import sys; from posturelab.cli import main; main(sys.argv[1:])"
SRC = str(Path(__file__).resolve().parents[1] / "src")
MEMBERS, CHUNK, SEED = 120, 30, 7


def manifest_of(run_dir: Path) -> dict[str, Any]:
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


def make_clean_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
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
