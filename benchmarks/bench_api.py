"""Load test of the HTTP API on loopback: bounded concurrent requests, latency percentiles, errors.

Starts ``posturelab serve`` on a free 127.0.0.1 port with a temporary runs directory (or uses
``--url``, which must be a loopback address), sends a fixed number of requests per endpoint from
``--concurrency`` threads, each with a timeout, and stops by itself. Endpoints exercised:

- ``GET /api/health`` and ``GET /api/scenarios/korea-2025`` (cheap reads);
- ``POST /api/validate`` with the whole built-in scenario (parsing and validation);
- ``POST /api/campaign`` (one campaign trace);
- ``POST /api/jobs`` run jobs of ``--job-members`` members, each polled until done (``--jobs``);
  the queue limit may answer 429, which is counted separately from errors.

Prints, per endpoint: requests, errors, 429s, and latency p50/p90/p99/max in milliseconds, plus
the throughput of the whole test. Run:
``.venv/bin/python benchmarks/bench_api.py [--requests 200] [--concurrency 8] [--jobs 8]``.
"""

from __future__ import annotations

import argparse
import json
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlparse

import numpy as np

from posturelab.scenario.loader import load_scenario

LOOPBACK = {"127.0.0.1", "localhost", "::1"}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def local_server(workers: int, runs_dir: str | None = None) -> Iterator[str]:
    """``posturelab serve`` on a free loopback port, ready to answer; stopped on exit.

    Results go to ``runs_dir``, or to a temporary directory removed on exit.
    """
    if runs_dir is None:
        with tempfile.TemporaryDirectory() as runs, local_server(workers, runs) as url:
            yield url
        return
    port = _free_port()
    command = [
        sys.executable,
        "-c",
        "from posturelab.cli import main; main()",
        "serve",
        "--port",
        str(port),
        "--runs-dir",
        runs_dir,
        "--max-workers",
        str(workers),
    ]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"{url}/api/health", timeout=1) as response:
                    if response.status == 200:
                        break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("posturelab serve did not start") from None
                time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)


def request(
    url: str, method: str = "GET", payload: Any = None, timeout: float = 30.0
) -> tuple[int, Any]:
    """One HTTP request; returns the status and the decoded JSON body (or ``None``)."""
    data = None if payload is None else json.dumps(payload).encode()
    req = urllib.request.Request(url, data=data, method=method)
    if data is not None:
        req.add_header("content-type", "application/json")
    try:
        with urllib.request.urlopen(req, timeout=timeout) as response:
            body = response.read()
            status = response.status
    except urllib.error.HTTPError as error:
        body = error.read()
        status = error.code
    try:
        return status, json.loads(body)
    except ValueError:
        return status, None


def _timed(call: Callable[[], tuple[int, Any]]) -> tuple[float, int, str]:
    started = time.perf_counter()
    try:
        status, _ = call()
        error = "" if status < 400 or status == 429 else f"HTTP {status}"
    except Exception as exc:  # a failed request is counted, not raised
        status, error = 0, f"{type(exc).__name__}: {exc}"
    return time.perf_counter() - started, status, error


def _job(base: str, members: int, timeout: float) -> tuple[int, Any]:
    """Start a run job and poll it until it is done; the latency is the whole job's."""
    status, body = request(
        f"{base}/api/jobs", "POST", {"scenario": "korea-2025", "members": members}, timeout
    )
    if status != 202:
        return status, body
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status, state = request(f"{base}/api/jobs/{body['id']}", timeout=timeout)
        if state and state.get("status") in ("done", "failed"):
            return (200 if state["status"] == "done" else 500), state
        time.sleep(0.05)
    return 504, None


def run_load(
    base: str, requests_each: int, concurrency: int, jobs: int, job_members: int, timeout: float
) -> dict[str, dict[str, Any]]:
    """Send the requests and return per-endpoint figures (see the module docstring)."""
    host = urlparse(base).hostname or ""
    if host not in LOOPBACK:
        raise SystemExit(f"refusing to load-test {base}: only loopback addresses are allowed")
    text = load_scenario("korea-2025").text
    plans: dict[str, tuple[int, Callable[[], tuple[int, Any]]]] = {
        "GET /api/health": (requests_each, lambda: request(f"{base}/api/health", timeout=timeout)),
        "GET /api/scenarios/korea-2025": (
            requests_each,
            lambda: request(f"{base}/api/scenarios/korea-2025", timeout=timeout),
        ),
        "POST /api/validate": (
            max(1, requests_each // 4),
            lambda: request(f"{base}/api/validate", "POST", {"text": text}, timeout),
        ),
        "POST /api/campaign": (
            max(1, requests_each // 4),
            lambda: request(f"{base}/api/campaign", "POST", {"scenario": "korea-2025"}, timeout),
        ),
        "run job (start + poll)": (jobs, lambda: _job(base, job_members, timeout)),
    }
    calls = [(name, call) for name, (count, call) in plans.items() for _ in range(count)]
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        outcomes = list(pool.map(lambda item: (item[0], _timed(item[1])), calls))
    wall = time.perf_counter() - started
    figures: dict[str, dict[str, Any]] = {}
    for name in plans:
        mine = [o for n, o in outcomes if n == name]
        if not mine:
            continue
        ms = np.array([1000 * latency for latency, _, _ in mine])
        errors = [e for _, _, e in mine if e]
        figures[name] = {
            "requests": len(mine),
            "errors": len(errors),
            "refused_429": sum(1 for _, status, _ in mine if status == 429),
            "p50_ms": float(np.percentile(ms, 50)),
            "p90_ms": float(np.percentile(ms, 90)),
            "p99_ms": float(np.percentile(ms, 99)),
            "max_ms": float(ms.max()),
            "first_error": errors[0] if errors else "",
        }
    figures["total"] = {
        "requests": len(outcomes),
        "errors": sum(f["errors"] for f in figures.values()),
        "wall_s": wall,
        "requests_per_s": len(outcomes) / wall if wall > 0 else 0.0,
    }
    return figures


def main(argv: list[str] | None = None) -> dict[str, dict[str, Any]]:
    """Run the load test and print its figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="A running server on loopback (default: start one).")
    parser.add_argument("--requests", type=int, default=200, help="Requests per cheap endpoint.")
    parser.add_argument("--concurrency", type=int, default=8, help="Client threads.")
    parser.add_argument("--jobs", type=int, default=8, help="Run jobs to start and poll.")
    parser.add_argument("--job-members", type=int, default=200, help="Members per run job.")
    parser.add_argument("--workers", type=int, default=2, help="Server job workers.")
    parser.add_argument("--timeout", type=float, default=60.0, help="Seconds per request.")
    args = parser.parse_args(argv)
    if args.url:
        figures = run_load(
            args.url, args.requests, args.concurrency, args.jobs, args.job_members, args.timeout
        )
    else:
        with local_server(args.workers) as url:
            figures = run_load(
                url, args.requests, args.concurrency, args.jobs, args.job_members, args.timeout
            )
    print(f"{'endpoint':32} {'n':>5} {'err':>4} {'429':>4} {'p50':>8} {'p90':>8} {'p99':>8} "
          f"{'max':>8}  (ms)")  # fmt: skip
    for name, f in figures.items():
        if name == "total":
            continue
        print(
            f"{name:32} {f['requests']:5d} {f['errors']:4d} {f['refused_429']:4d} "
            f"{f['p50_ms']:8.1f} {f['p90_ms']:8.1f} {f['p99_ms']:8.1f} {f['max_ms']:8.1f}"
        )
        if f["first_error"]:
            print(f"  first error: {f['first_error']}")
    t = figures["total"]
    print(
        f"total: {t['requests']} requests, {t['errors']} errors in {t['wall_s']:.2f} s "
        f"({t['requests_per_s']:.1f} requests/s, concurrency {args.concurrency})"
    )
    return figures


if __name__ == "__main__":
    main()
