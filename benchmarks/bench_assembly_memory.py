"""Benchmark the memory of a whole run: peak resident memory against the ensemble size.

For each ensemble size the script runs ``posturelab run korea-2025 --runner sequential
--chunk-size CHUNK --json`` in a fresh process (so nothing is shared between sizes) and reports
that process's peak resident set size (``ru_maxrss``) and its wall time. With a fixed chunk size
the simulation itself holds one chunk at a time, so what grows with the ensemble is assembly: the
chunks gathered into one dataset before the outputs are written, or, with streamed assembly, only
the one chunk being written and the one indicator being summarised.

``--src DIR`` runs the command from another source tree (another version of posturelab), which is
how the figures before and after streaming in ``docs/scaling.md`` were measured.

Run: ``.venv/bin/python benchmarks/bench_assembly_memory.py [--members 20000 100000]``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

CHILD = """
import resource, sys
from posturelab.cli import main
try:
    main(sys.argv[1:])
except SystemExit as done:
    code = done.code or 0
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
sys.stderr.write(f"PEAK_KIB {peak}\\n")
sys.exit(code)
"""


def measure(members: int, chunk: int, src: str | None, folder: Path) -> dict[str, Any]:
    """Run one ensemble in a fresh process; return its peak memory (MiB) and wall time (s)."""
    env = dict(os.environ)
    if src is not None:
        env["PYTHONPATH"] = src
    out = folder / f"run-{members}"
    args = ["run", "korea-2025", "--members", str(members), "--chunk-size", str(chunk)]
    args += ["--runner", "sequential", "--out", str(out), "--json"]
    started = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-c", CHILD, *args], capture_output=True, text=True, env=env, check=False
    )
    wall = time.perf_counter() - started
    if proc.returncode != 0:
        raise RuntimeError(f"run of {members} members failed: {proc.stderr[-2000:]}")
    peak = next(
        int(line.split()[1]) for line in proc.stderr.splitlines() if line.startswith("PEAK_KIB")
    )
    return {"members": members, "peak_mib": round(peak / 1024, 1), "wall_s": round(wall, 1)}


def main(argv: Sequence[str] | None = None) -> list[dict[str, Any]]:
    """Measure every requested ensemble size and print one JSON line each."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, nargs="+", default=[20_000, 100_000])
    parser.add_argument("--chunk-size", type=int, default=2_000)
    parser.add_argument("--src", default=None, help="source tree to run (default: this one)")
    args = parser.parse_args(argv)
    rows = []
    with tempfile.TemporaryDirectory() as scratch:
        for members in args.members:
            row = measure(members, args.chunk_size, args.src, Path(scratch))
            rows.append(row)
            print(json.dumps(row), flush=True)
    return rows


if __name__ == "__main__":
    main()
