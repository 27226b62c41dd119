"""Start-up time of the command line: ``posturelab --help`` and ``posturelab scenarios``.

Each command is started ``--repeat`` times as a fresh process (the way a user starts it), next to
``python -c pass`` in the same run, so the figures can be read against the interpreter's own
start-up on the same machine at the same moment. Prints the median and the fastest wall-clock
time of each, the time above ``python -c pass``, and the modules that take longest to import
(from ``python -X importtime``). The target is under half a second for both commands.

Run: ``.venv/bin/python benchmarks/bench_cli_start.py [--repeat 7]``.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

TARGET_S = 0.5
CLI = "import sys; from posturelab.cli import main; sys.argv[0] = 'posturelab'; main()"
COMMANDS: dict[str, list[str]] = {
    "python -c pass": [sys.executable, "-c", "pass"],
    "posturelab --help": [sys.executable, "-c", CLI, "--help"],
    "posturelab scenarios": [sys.executable, "-c", CLI, "scenarios"],
}


def _env() -> dict[str, str]:
    env = dict(os.environ)
    src = str(Path(__file__).resolve().parents[1] / "src")
    env["PYTHONPATH"] = os.pathsep.join(p for p in (src, env.get("PYTHONPATH", "")) if p)
    return env


def _cpu_of_children() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def time_command(argv: list[str], repeat: int) -> tuple[list[float], list[float]]:
    """Wall-clock and CPU seconds of ``repeat`` fresh runs of ``argv`` (output discarded).

    The CPU time (user + system) is the work the command does; on a machine shared with other
    work the wall-clock time also holds the time spent waiting for a core.
    """
    walls, cpus = [], []
    env = _env()
    for _ in range(repeat):
        cpu = _cpu_of_children()
        started = time.perf_counter()
        subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, env=env)
        walls.append(time.perf_counter() - started)
        cpus.append(_cpu_of_children() - cpu)
    return walls, cpus


def slowest_imports(argv: list[str], top: int = 8) -> list[tuple[str, float]]:
    """The ``top`` modules with the largest cumulative import time (seconds) for ``argv``."""
    done = subprocess.run(
        [argv[0], "-X", "importtime", *argv[1:]],
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env=_env(),
    )
    rows = []
    for line in done.stderr.splitlines():
        if not line.startswith("import time:") or "cumulative" in line:
            continue
        _, cumulative, name = line.removeprefix("import time:").split("|")
        if not name.startswith("  "):  # top-level imports only (nested ones are inside them)
            rows.append((name.strip(), int(cumulative) / 1e6))
    return sorted(rows, key=lambda r: -r[1])[:top]


def main(argv: list[str] | None = None) -> dict[str, dict[str, float]]:
    """Run the benchmark, print its table and return the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7, help="Fresh starts per command.")
    args = parser.parse_args(argv)
    figures: dict[str, dict[str, float]] = {}
    for name, command in COMMANDS.items():
        walls, cpus = time_command(command, args.repeat)
        figures[name] = {
            "median_s": statistics.median(walls),
            "min_s": min(walls),
            "cpu_s": statistics.median(cpus),
        }
    base = figures["python -c pass"]["median_s"]
    print(f"start-up over {args.repeat} fresh processes (target: under {TARGET_S} s)")
    print(f"{'command':<24}{'median s':>10}{'fastest s':>11}{'above pass s':>14}{'CPU s':>8}")
    for name, f in figures.items():
        f["above_pass_s"] = f["median_s"] - base
        verdict = "ok" if f["median_s"] < TARGET_S else "SLOW"
        mark = "" if name == "python -c pass" else f"  {verdict}"
        print(
            f"{name:<24}{f['median_s']:>10.3f}{f['min_s']:>11.3f}{f['above_pass_s']:>14.3f}"
            f"{f['cpu_s']:>8.3f}{mark}"
        )
    print(f"load average over the last minute: {os.getloadavg()[0]:.2f}")
    for name in ("posturelab --help", "posturelab scenarios"):
        print(f"slowest imports of {name} (python -X importtime, cumulative s):")
        for module, seconds in slowest_imports(COMMANDS[name]):
            print(f"  {module:<40}{seconds:>8.3f}")
    return figures


if __name__ == "__main__":
    main()
