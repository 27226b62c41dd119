"""The catalogue commands: ``runs`` lists the catalogued runs and analyses, ``show-run`` one.

The catalogue is the DuckDB file of a runs directory (:mod:`posturelab.store.catalogue`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from posturelab.cli.console import bold, out, print_json
from posturelab.cli.explore_commands import JsonOpt, RunsDirOpt, fmt_num, fmt_share, new_table


def runs_command(
    runs_dir: RunsDirOpt = Path("runs"),
    kind: Annotated[str | None, typer.Option(help="Only this kind (run, compare, ...).")] = None,
    scenario: Annotated[str | None, typer.Option(help="Only this scenario id.")] = None,
    rescan: Annotated[
        bool, typer.Option("--rescan", help="First register complete directories not listed.")
    ] = False,
    json_out: JsonOpt = False,
) -> None:
    """List the catalogued runs and analyses, newest first."""
    from posturelab.store import catalogue

    if rescan:
        catalogue.rescan(runs_dir)
    rows = catalogue.list_runs(runs_dir, kind=kind, scenario=scenario)
    if json_out:
        print_json(rows)
        return
    if not rows:
        out.print(f"no runs catalogued in {runs_dir / catalogue.CATALOGUE}")
        return
    table = new_table(f"Runs in {runs_dir}")
    for col in ("id", "kind", "created", "members", "seed", "headline"):
        table.add_column(col, justify="right" if col in ("members", "seed") else "left")
    for r in rows:
        mark = "" if r["exists"] else " (missing)"
        table.add_row(
            r["id"] + mark,
            r["kind"],
            r["created"] or "",
            f"{r['members']:,}" if r["members"] is not None else "",
            str(r["seed"]),
            r["headline"] or "",
        )
    out.print(table)


def show_run_command(
    run_id: Annotated[str, typer.Argument(metavar="ID", help="A run id (or a unique prefix).")],
    runs_dir: RunsDirOpt = Path("runs"),
    json_out: JsonOpt = False,
) -> None:
    """Summarise one catalogued run or analysis."""
    from posturelab.store import catalogue

    row = catalogue.get_run(runs_dir, run_id)
    if json_out:
        print_json(row)
        return
    m = row["manifest"]
    out.print(bold(str(row["id"])), f" ({row['kind']})", sep="")
    for label, value in (
        ("scenario", f"{m.get('scenario')} (sha256 {str(m.get('scenario_sha256', ''))[:12]})"),
        ("created", m.get("created")),
        ("members", m.get("members")),
        ("seed", m.get("seed")),
        ("sampler", m.get("sampler")),
        ("version", m.get("posturelab_version")),
        ("levers", ", ".join(f"{k}={v}" for k, v in (m.get("levers") or {}).items())),
        ("headline", row.get("headline")),
        ("directory", row["path"] + ("" if row["exists"] else " (missing)")),
    ):
        out.print(f"  {label}: {value}")
    summary = row["summary"]
    if row["kind"] == "claims":
        for c in summary.get("claims", []):
            out.print(f"  claim {c['id']}: {c['verdict']} ({c['reason']})")
    elif isinstance(summary.get("indicators"), dict):
        for name, stats in summary["indicators"].items():
            kind = summary.get("kinds", {}).get(name, "")
            p50 = stats.get("p50")
            shown = (
                "-"
                if p50 is None
                else (f"{100 * p50:.2f}%" if kind == "probability" else f"{p50:.4g}")
            )
            out.print(f"  {name}: {shown}")
    elif isinstance(summary.get("effects"), dict):
        out.print(f"  difference: {summary.get('difference', 'A - B')}")
        for name, e in summary["effects"].items():
            if e.get("p50") is None or not (e.get("share_positive") or e.get("share_negative")):
                continue
            out.print(
                f"  {name} ({e['basis']}): median {fmt_num(e['p50'], e['kind'])}, "
                f"5-95% [{fmt_num(e['p05'], e['kind'])}, {fmt_num(e['p95'], e['kind'])}], "
                f"A>B in {fmt_share(e['share_positive'])}, A<B in {fmt_share(e['share_negative'])}"
            )
    elif isinstance(summary.get("box"), dict):
        for lim in summary["box"]["limits"]:
            out.print(f"  box: {lim['parameter']} in [{lim['lower']:.4g}, {lim['upper']:.4g}]")
    elif isinstance(summary.get("indices"), list):
        for r in summary["indices"][:5]:
            out.print(
                f"  {r['parameter']}: "
                + ", ".join(
                    f"{k}={v:.3g}" for k, v in r.items() if k != "parameter" and v is not None
                )
            )
    for name in summary.get("figures", []):
        if name.endswith(".png"):
            out.print(f"  figure: {Path(row['path']) / name}")


def register(app: typer.Typer, fit_app: typer.Typer) -> None:
    """Add the catalogue commands to ``app``."""
    del fit_app
    app.command("runs")(runs_command)
    app.command("show-run")(show_run_command)
