"""The ``serve`` command (HTTP API and dashboard) and the ``report`` command (an HTML report)."""

from __future__ import annotations

import contextvars
from pathlib import Path
from typing import Annotated

import typer

from posturelab.cli.console import out

WILDCARDS = ("0.0.0.0", "::", "")
RunsDirOpt = Annotated[
    Path, typer.Option("--runs-dir", help="Directory of result directories and the catalogue.")
]


def serve_command(
    host: Annotated[
        str, typer.Option(help="Address to listen on (loopback by default).")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=0, max=65535, help="Port to listen on.")] = 8000,
    runs_dir: RunsDirOpt = Path("runs"),
    max_workers: Annotated[
        int, typer.Option("--max-workers", min=1, max=64, help="Jobs computed at once.")
    ] = 2,
    max_queue: Annotated[
        int, typer.Option("--max-queue", min=0, max=1000, help="Jobs that may wait.")
    ] = 8,
    max_members: Annotated[
        int, typer.Option("--max-members", min=2, help="Largest ensemble a job may ask for.")
    ] = 20_000,
    allow_host: Annotated[
        list[str] | None,
        typer.Option(
            "--allow-host",
            help="A name the Host header may carry (repeatable; '*' allows any). Default: "
            "127.0.0.1, localhost, ::1 and the --host address.",
        ),
    ] = None,
    request_timeout: Annotated[
        float,
        typer.Option("--request-timeout", min=0.1, help="Seconds a client has to send a request."),
    ] = 10.0,
    max_connections: Annotated[
        int, typer.Option("--max-connections", min=1, help="Connections open at once.")
    ] = 200,
    max_runs_size: Annotated[
        int,
        typer.Option(
            "--max-runs-size",
            min=1,
            help="MiB the runs directory may hold; a job that would exceed it fails.",
        ),
    ] = 4096,
    calibration: Annotated[
        list[Path] | None,
        typer.Option(
            "--calibration",
            help="A calibration file (posturelab calibrate) to offer to clients (repeatable).",
        ),
    ] = None,
) -> None:
    """Serve the HTTP API (/api, /docs) and the browser dashboard (/)."""
    import uvicorn

    from posturelab.web.app import WebSettings, create_app
    from posturelab.web.calibrations import CalibrationStore
    from posturelab.web.server import ServerLimits, uvicorn_config

    store = CalibrationStore(runs_dir)
    for path in calibration or ():
        entry, _ = store.add_file(path)
        out.print(
            f"calibration {entry.id}: {path} ({entry.scenario}, {entry.nroy_members} NROY members)",
            markup=False,
        )

    hosts = tuple(allow_host or ()) or tuple(
        dict.fromkeys(("127.0.0.1", "localhost", "::1", *(() if host in WILDCARDS else (host,))))
    )
    app = create_app(
        WebSettings(
            runs_dir=runs_dir,
            max_workers=max_workers,
            max_queue=max_queue,
            max_members=max_members,
            allowed_hosts=hosts,
            max_runs_bytes=max_runs_size << 20,
        )
    )
    if host not in ("127.0.0.1", "localhost", "::1"):
        out.print(f"warning: listening on {host}: the API has no authentication")
    limits = ServerLimits(request_timeout=request_timeout, max_connections=max_connections)
    # The server answers HTTP clients, not the command line: its problems name request fields
    # (``levers``), so it runs outside the command line's naming context.
    server = uvicorn.Server(uvicorn_config(app, host, port, limits))
    contextvars.Context().run(server.run)


def report_command(
    run_id: Annotated[str, typer.Argument(metavar="RUN_ID", help="A catalogued run id.")],
    runs_dir: RunsDirOpt = Path("runs"),
    out_path: Annotated[Path, typer.Option("--out", help="The HTML file to write.")] = Path(
        "report.html"
    ),
    force: Annotated[
        bool, typer.Option("--force", help="Replace the --out file if it exists.")
    ] = False,
) -> None:
    """Write a self-contained HTML report of a run or analysis (figures embedded).

    An existing --out file is kept unless --force is given; the file is written whole or not
    at all.
    """
    from posturelab.report.html import build_report, check_report_target, write_report
    from posturelab.store import catalogue

    check_report_target(out_path, force=force)
    row = catalogue.get_run(runs_dir, run_id)
    page = build_report(row, runs_dir)
    write_report(out_path, page)
    out.print(f"report: {out_path} ({len(page) // 1024} KiB)")


def register(app: typer.Typer, fit_app: typer.Typer) -> None:
    """Add ``serve`` and ``report`` to ``app``."""
    del fit_app
    app.command("serve")(serve_command)
    app.command("report")(report_command)
