"""Commands about scenarios: ``scenarios``, ``validate``, ``sources``, ``show``, ``schema``."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Annotated, Any

import typer

from posturelab.cli.console import bold, out, print_json, print_problems
from posturelab.defaults import DEFAULT_SCENARIO

if TYPE_CHECKING:
    from posturelab.scenario.schema import Scenario

# The scenario language (pydantic) and the engine are imported inside the commands, so that
# ``posturelab scenarios`` and ``--help`` start quickly.

ScenarioArg = Annotated[
    str, typer.Argument(help="A built-in scenario id or a scenario file path.", show_default=True)
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON instead of tables.")]


def provenance_rows(scenario: Scenario) -> list[dict[str, Any]]:
    """Every number of a scenario with its value or distribution and its provenance."""
    from posturelab.scenario.numbers import catalogue

    publishers = {s.id: s.publisher for s in scenario.sources}
    rows = []
    for name, q in catalogue(scenario).items():
        rows.append(
            {
                "name": name,
                "value": q.value,
                "dist": q.dist,
                "shown": q.describe(),
                "unit": q.unit,
                "source": q.source,
                "publisher": publishers.get(q.source) if q.source else None,
                "assumption": q.assumption,
                "note": q.note,
                "signs": q.signs.model_dump() if q.signs is not None else None,
            }
        )
    return rows


def scenarios_command(json_out: JsonOpt = False) -> None:
    """List the built-in scenario library."""
    from posturelab.scenario.library_index import library

    entries = library()
    if json_out:
        print_json([e.__dict__ for e in entries])
        return
    from rich.table import Table

    table = Table(title="Built-in scenarios")
    for column in ("id", "title", "period", "actors", "forces", "levers", "claims"):
        table.add_column(column)
    for e in entries:
        table.add_row(
            e.id,
            e.title,
            f"{e.start} to {e.end}",
            str(e.actors),
            str(e.forces),
            str(e.levers),
            str(e.claims),
        )
    out.print(table)


def validate_command(
    files: Annotated[list[str], typer.Argument(help="Scenario files (or built-in ids) to check.")],
    json_out: JsonOpt = False,
) -> None:
    """Validate scenario files; report every problem with its location (exit 2 if any)."""
    from posturelab.errors import ScenarioError
    from posturelab.scenario.loader import load_scenario

    results = []
    failed = False
    for ref in files:
        try:
            loaded = load_scenario(ref)
        except ScenarioError as err:
            failed = True
            results.append(
                {"file": ref, "valid": False, "problems": [p.as_dict() for p in err.problems]}
            )
            if not json_out:
                print_problems(err)
            continue
        s = loaded.scenario
        results.append({"file": ref, "valid": True, "id": s.meta.id, "sha256": loaded.sha256})
        if not json_out:
            out.print(
                f"{ref}: valid ({s.meta.id}: {len(s.sources)} sources, {len(s.actors)} actors, "
                f"{len(s.forces)} forces, {len(s.levers)} levers, {len(s.claims)} claims)"
            )
    if json_out:
        print_json(results)
    if failed:
        raise typer.Exit(2)


def sources_command(
    scenario: ScenarioArg = DEFAULT_SCENARIO,
    json_out: JsonOpt = False,
) -> None:
    """Every number of a scenario with its value or distribution and its source or assumption."""
    from rich.table import Table

    from posturelab.scenario.loader import load_scenario

    loaded = load_scenario(scenario)
    s = loaded.scenario
    rows = provenance_rows(s)
    records = [
        (th.id, m.id, m.observed)
        for th in s.theatres
        for m in th.milestones
        if m.observed is not None
    ]
    observed = [
        {
            "theatre": theatre,
            "milestone": milestone,
            "days": list(record.day_range()),
            "dates": record.date_range(),
            "source": record.source,
            "note": record.note,
        }
        for theatre, milestone, record in records
    ]
    if json_out:
        print_json(
            {
                "scenario": s.meta.id,
                "sources": [src.model_dump(mode="json") for src in s.sources],
                "parameters": rows,
                "observed": observed,
            }
        )
        return
    table = Table(title=f"{s.meta.id}: every number and its provenance", show_lines=False)
    table.add_column("parameter", overflow="fold")
    table.add_column("value or distribution", overflow="fold")
    table.add_column("unit")
    table.add_column("source or assumption", overflow="fold")
    for row in rows:
        origin = (
            f"{row['source']} ({row['publisher']})"
            if row["source"]
            else f"assumption: {row['assumption']}"
        )
        signs = row["signs"]
        if signs:
            origin += f" [positive: {signs['positive']}; negative: {signs['negative']}]"
        table.add_row(row["name"], row["shown"], row["unit"] or "", origin)
    out.print(table)
    if records:
        shown = Table(title="Observed records of milestones (day 0 = the start of the campaign)")
        for column in ("theatre", "milestone", "days", "dates", "source"):
            shown.add_column(column, overflow="fold")
        for theatre, milestone, record in records:
            low, high = (f"{d:g}" for d in record.day_range())
            dates = record.date_range()
            when = "-" if dates is None else " to ".join(sorted(set(dates)))
            shown.add_row(
                theatre, milestone, low if low == high else f"{low}-{high}", when, record.source
            )
        out.print(shown)
    sources = Table(title="Sources")
    for column in ("id", "publisher", "title", "date"):
        sources.add_column(column, overflow="fold")
    for src in s.sources:
        sources.add_row(src.id, src.publisher, src.title, src.date)
    out.print(sources)
    uncertain = sum(1 for r in rows if r["dist"])
    assumed = sum(1 for r in rows if r["assumption"])
    out.print(
        f"{len(rows)} numbers: {len(rows) - assumed} sourced, {assumed} assumptions; "
        f"{uncertain} uncertain."
    )


def show_command(scenario: ScenarioArg = DEFAULT_SCENARIO, json_out: JsonOpt = False) -> None:
    """Actors, forces by theatre, levers with defaults, events and claims of a scenario."""
    from rich.table import Table

    from posturelab.scenario.loader import load_scenario

    s = load_scenario(scenario).scenario
    if json_out:
        print_json(s.model_dump(mode="json", exclude_none=True))
        return
    out.print(
        bold(s.meta.title),
        f"  ({s.meta.id}, {s.meta.start} to {s.meta.end}, as of {s.meta.as_of})",
        sep="",
    )
    out.print(s.meta.description)
    actors = Table(title="Actors")
    for column in ("id", "name", "personnel", "spending (USD bn)"):
        actors.add_column(column)
    for a in s.actors:
        actors.add_row(
            a.id,
            a.name,
            a.personnel.describe() if a.personnel else "",
            a.spending_usd_bn.describe() if a.spending_usd_bn else "",
        )
    out.print(actors)
    theatre_of = {loc.id: loc.theatre for loc in s.locations}
    forces = Table(title="Forces by theatre")
    for column in ("theatre", "force", "actor", "personnel", "equipment / lethality / aircraft"):
        forces.add_column(column, overflow="fold")
    for f in sorted(s.forces, key=lambda f: (theatre_of.get(f.location) or "", f.actor, f.id)):
        kit = ", ".join(f"{k} {v.describe()}" for k, v in f.equipment.items())
        if f.lethality:
            kit = f"lethality {f.lethality.describe()}"
        if f.aircraft:
            kit = f"{kit}, aircraft {f.aircraft.describe()}".lstrip(", ")
        forces.add_row(
            theatre_of.get(f.location) or "-",
            f.id + (" (relocatable)" if f.relocatable else ""),
            f.actor,
            f.personnel.describe() if f.personnel else "",
            kit,
        )
    out.print(forces)
    levers = Table(title="Levers (--set LEVER=VALUE)")
    for column in ("lever", "default", "domain", "role", "description"):
        levers.add_column(column, overflow="fold")
    for lever in s.levers:
        domain = f"[{lever.min:g}, {lever.max:g}]" if lever.kind == "number" else lever.kind
        levers.add_row(
            lever.id, json.dumps(lever.default), domain, lever.role or "", lever.description
        )
    out.print(levers)
    events = Table(title="Events")
    for column in ("date", "event", "effects"):
        events.add_column(column, overflow="fold")
    for e in s.events:
        events.add_row(str(e.date), e.description, "; ".join(eff.kind for eff in e.effects))
    out.print(events)
    claims = Table(title="Claims under test")
    for column in ("id", "claim", "by", "indicator", "treatment"):
        claims.add_column(column, overflow="fold")
    for c in s.claims:
        claims.add_row(
            c.id,
            c.statement,
            c.by,
            f"{c.indicator} ({c.direction})",
            ", ".join(f"{k}={v}" for k, v in c.treatment.items()),
        )
    out.print(claims)


def schema_command() -> None:
    """Print the JSON Schema of the scenario language."""
    from posturelab.scenario.schema import Scenario

    print_json(Scenario.model_json_schema())


def register(app: typer.Typer, fit_app: typer.Typer) -> None:
    """Add the scenario commands to ``app``."""
    del fit_app
    app.command("scenarios")(scenarios_command)
    app.command("validate")(validate_command)
    app.command("sources")(sources_command)
    app.command("show")(show_command)
    app.command("schema")(schema_command)
