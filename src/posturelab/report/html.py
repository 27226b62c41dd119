"""A self-contained HTML report of one catalogued run or analysis.

:func:`build_report` turns a catalogue row (:func:`posturelab.store.catalogue.get_run`) into one
HTML page that needs nothing else to open: figures are embedded as base64 PNG, the style is
inline, and there is no script. The page holds the summary (indicators, effects, claims,
sensitivity indices or a PRIM box, whichever the run has), for a claims evaluation the claim
audit (:mod:`posturelab.report.claims_section`), the figures, the scenario's
assumptions and its full source table (every number with its value or distribution and its source
or assumption, then the references), and the manifest.

The scenario's text is found by its hash: the built-in scenario of that id, the file the run was
made from, or the copy the HTTP API keeps of an uploaded scenario (``scenarios/SHA256.yaml`` in
the runs directory). When none matches, the report says so and leaves the provenance out.
"""

from __future__ import annotations

import base64
import contextlib
import html
import io
import json
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from posturelab.errors import InputError
from posturelab.scenario.loader import LoadedScenario, builtin_ids, load_scenario, parse_scenario
from posturelab.store.chunks import atomic_write
from posturelab.store.diskio import ensure_writable

STYLE = """
body{font:15px/1.45 system-ui,sans-serif;margin:2em auto;max-width:1100px;color:#222;padding:0 1em}
h1{font-size:1.6em}h2{border-bottom:1px solid #ccc;padding-bottom:.2em;margin-top:1.8em}
table{border-collapse:collapse;margin:.6em 0;font-size:.9em}
th,td{border:1px solid #ddd;padding:.25em .5em;text-align:left;vertical-align:top}
th{background:#f3f3f3}td.n{text-align:right;font-variant-numeric:tabular-nums}
img{max-width:100%;border:1px solid #eee;margin:.5em 0}
.note{color:#555;font-size:.9em}code,pre{font-size:.85em;background:#f7f7f7}
pre{padding:.6em;overflow-x:auto}
"""


def _e(value: Any) -> str:
    return html.escape("" if value is None else str(value))


def _num(value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, bool) or not isinstance(value, int | float):
        return _e(value)
    v = float(value)
    if v == 0:
        return "0"
    return f"{v:,.0f}" if abs(v) >= 1000 else f"{v:.4g}"


def table(rows: Sequence[Mapping[str, Any]], columns: Sequence[str] | None = None) -> str:
    """An HTML table of mappings (numbers right-aligned and shortened)."""
    if not rows:
        return "<p class='note'>(none)</p>"
    cols = list(columns or rows[0].keys())
    head = "".join(f"<th>{_e(c)}</th>" for c in cols)
    body = []
    for row in rows:
        cells = []
        for c in cols:
            v = row.get(c)
            numeric = isinstance(v, int | float) and not isinstance(v, bool)
            shown = _num(v) if numeric or v is None else _e(_flat(v))
            cells.append(f"<td class='n'>{shown}</td>" if numeric else f"<td>{shown}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def _flat(value: Any) -> str:
    if isinstance(value, Mapping):
        return ", ".join(f"{k}={_flat(v)}" for k, v in value.items())
    if isinstance(value, list | tuple):
        return ", ".join(_flat(v) for v in value)
    return str(value)


def png_data_uri(data: bytes) -> str:
    """A ``data:`` URI of PNG bytes."""
    return "data:image/png;base64," + base64.b64encode(data).decode("ascii")


def _figure_png(fig: Any) -> bytes:
    import matplotlib.pyplot as plt

    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=100)
    plt.close(fig)
    return buffer.getvalue()


def find_scenario(manifest: Mapping[str, Any], runs_dir: Path) -> LoadedScenario | None:
    """The scenario a run was made from, matched by its text's hash, or ``None``."""
    sha = str(manifest.get("scenario_sha256") or "")
    candidates: list[LoadedScenario] = []
    ident = str(manifest.get("scenario") or "")
    origin = str(manifest.get("scenario_origin") or "")
    if ident in builtin_ids():
        candidates.append(load_scenario(ident))
    copy = runs_dir / "scenarios" / f"{sha}.yaml"
    if sha and copy.is_file():
        candidates.append(parse_scenario(copy.read_text(encoding="utf-8"), str(copy)))
    if origin and not origin.startswith("<") and Path(origin).is_file():
        with contextlib.suppress(ValueError):
            candidates.append(load_scenario(origin))
    for loaded in candidates:
        if loaded.sha256 == sha:
            return loaded
    return None


def provenance_rows(loaded: LoadedScenario) -> list[dict[str, Any]]:
    """Every number of the scenario with its value or distribution and its provenance."""
    from posturelab.scenario.numbers import catalogue

    s = loaded.scenario
    publishers = {src.id: src.publisher for src in s.sources}
    rows = []
    for name, q in catalogue(s).items():
        rows.append(
            {
                "parameter": name,
                "value or distribution": q.describe(),
                "unit": q.unit or "",
                "source": f"{q.source} ({publishers.get(q.source, '')})" if q.source else "",
                "assumption": q.assumption or "",
            }
        )
    return rows


def _run_figures(run_dir: Path, loaded: LoadedScenario | None) -> list[tuple[str, bytes]]:
    """Fan charts and the bloc diagram of a plain run, drawn from its ``series.nc``."""
    import xarray as xr

    from posturelab.report import figures

    path = run_dir / "series.nc"
    if not path.is_file():
        return []
    out: list[tuple[str, bytes]] = []
    with xr.open_dataset(path, engine="h5netcdf") as opened:
        dataset = opened.load()
    series = [
        str(n)
        for n in dataset.data_vars
        if dataset[n].dims == ("member", "month") and not str(n).startswith("param:")
    ]
    units: dict[str, str] = {}
    actors: tuple[str, ...] | None = None
    if loaded is not None:
        from posturelab.engine.blocs import landscape_actors
        from posturelab.engine.indicators import indicator_units

        units = indicator_units(loaded.scenario)
        actors = landscape_actors(loaded.scenario)
    for start in range(0, min(len(series), 8), figures.MAX_PANELS):
        chunk = series[start : start + figures.MAX_PANELS]
        fig = figures.fan_chart({"run": dataset}, chunk, units, "Indicators over time")
        out.append((f"fan chart: {', '.join(chunk)}", _figure_png(fig)))
    bloc = figures.bloc_diagram(dataset, "Alignment", actors)
    if bloc is not None:
        out.append(("bloc diagram", _figure_png(bloc)))
    return out


def _summary_section(kind: str, summary: Mapping[str, Any]) -> str:
    parts: list[str] = []
    if isinstance(summary.get("indicators"), Mapping):
        kinds = summary.get("kinds", {})
        rows = [
            {
                "indicator": n,
                "kind": kinds.get(n, ""),
                "5%": s.get("p05"),
                "median": s.get("p50"),
                "95%": s.get("p95"),
            }
            for n, s in summary["indicators"].items()
        ]
        parts.append(
            "<p class='note'>Probabilities: estimate with its 90% Wilson interval; series: "
            "5%, median and 95% over members at the last month.</p>" + table(rows)
        )
    if isinstance(summary.get("effects"), Mapping):
        cols: tuple[str, ...] = (
            "indicator",
            "basis",
            "p05",
            "p50",
            "p95",
            "share_positive",
            "share_negative",
        )
        rows = [{"indicator": n, **e} for n, e in summary["effects"].items()]
        parts.append(
            f"<p>Paired effects {_e(summary.get('difference', 'A - B'))}; levers: "
            f"{_e(_flat(summary.get('levers', {})) or 'identical')}</p>" + table(rows, cols)
        )
    if isinstance(summary.get("claims"), list):
        cols = ("id", "indicator", "direction", "effect_p05", "effect_p50", "effect_p95",
                "share_holds", "verdict", "reason")  # fmt: skip
        parts.append("<h3>Claims</h3>" + table(summary["claims"], cols))
    if isinstance(summary.get("indices"), list):
        parts.append("<h3>Sensitivity</h3>" + table(summary["indices"][:25]))
    if isinstance(summary.get("box"), Mapping):
        box = summary["box"]
        parts.append(
            f"<h3>PRIM box</h3><p>coverage {_num(box.get('coverage'))}, density "
            f"{_num(box.get('density'))}</p>" + table(box.get("limits", []))
        )
    if not parts:
        parts.append(f"<pre>{_e(json.dumps(summary, indent=1, default=str))}</pre>")
    return "".join(parts)


def _figures_section(items: Iterable[tuple[str, bytes]]) -> str:
    shown = [
        f"<figure><img alt='{_e(title)}' src='{png_data_uri(data)}'>"
        f"<figcaption class='note'>{_e(title)}</figcaption></figure>"
        for title, data in items
    ]
    return "".join(shown) or "<p class='note'>(no figures)</p>"


def check_report_target(path: Path, *, force: bool = False) -> None:
    """Refuse a report file that exists (unless ``force``) or cannot be created.

    Raises
    ------
    InputError
        When ``path`` is a directory, or an existing file and ``force`` is false.
    StorageError
        When nothing can be written where ``path`` points (read-only, ``/proc``, ...).
    """
    if path.is_dir():
        raise InputError.single("<command line>", f"{path} is a directory", path="--out")
    if path.exists() and not force:
        raise InputError.single(
            "<command line>",
            f"{path} already exists; choose another --out or add --force to replace it",
            path="--out",
        )
    ensure_writable(path.parent if str(path.parent) else Path("."))


def write_report(path: Path, page: str) -> None:
    """Write the report ``page`` to ``path`` whole (a temporary file renamed into place).

    Raises
    ------
    StorageError
        When the file cannot be written (the previous file, if any, is left as it was).
    """
    data = page.encode("utf-8")
    atomic_write(path, lambda handle: handle.write(data))


def build_report(row: Mapping[str, Any], runs_dir: Path) -> str:
    """The HTML report of a catalogued run (a row from ``catalogue.get_run``).

    Parameters
    ----------
    row
        The catalogue row with ``manifest``, ``summary`` and ``path``.
    runs_dir
        The runs directory (where copies of uploaded scenarios are kept).
    """
    manifest: Mapping[str, Any] = row.get("manifest") or {}
    summary: Mapping[str, Any] = row.get("summary") or {}
    run_dir = Path(str(row["path"]))
    kind = str(row.get("kind") or manifest.get("kind") or "run")
    loaded = find_scenario(manifest, runs_dir)

    pictures: list[tuple[str, bytes]] = []
    if kind == "run":
        pictures = _run_figures(run_dir, loaded)
    from posturelab.report.claims_section import CLAIM_FIGURES, claims_section

    audit = ""
    if kind == "claims" and isinstance(summary.get("claims"), list):

        def shown(title: str, data: bytes) -> str:
            return _figures_section([(title, data)])

        audit = "<h2>Claim audit</h2>" + claims_section(
            summary, loaded, run_dir, table, _num, shown
        )
    for name in summary.get("figures", []):
        path = run_dir / str(name)
        if audit and str(name).startswith(CLAIM_FIGURES):
            continue  # shown with its claim in the audit
        if str(name).endswith(".png") and path.is_file() and path.parent == run_dir:
            pictures.append((str(name), path.read_bytes()))

    if loaded is None:
        scenario_html = (
            "<p class='note'>The scenario's text (sha256 "
            f"{_e(manifest.get('scenario_sha256'))}) was not found, so its assumptions and "
            "sources are not shown.</p>"
        )
    else:
        s = loaded.scenario
        rows = provenance_rows(loaded)
        assumed = [r for r in rows if r["assumption"]]
        scenario_html = (
            f"<p><b>{_e(s.meta.title)}</b> ({_e(s.meta.id)}, {_e(s.meta.start)} to "
            f"{_e(s.meta.end)}, as of {_e(s.meta.as_of)}). {_e(s.meta.description)}</p>"
            f"<h3>Assumptions ({len(assumed)} of {len(rows)} numbers)</h3>"
            + table(assumed, ("parameter", "value or distribution", "unit", "assumption"))
            + "<h3>Every number and its source</h3>"
            + table(rows)
            + "<h3>References</h3>"
            + table([src.model_dump(mode="json") for src in s.sources])
        )

    from posturelab.report.targets_section import calibration_banner, targets_section

    targets_html = ""
    if loaded is not None and kind == "run":
        targets_html = targets_section(
            run_dir,
            loaded,
            manifest,
            lambda fig: _figures_section([("targets", _figure_png(fig))]),
        )
    flat_manifest = [{"field": k, "value": _flat(v)} for k, v in manifest.items()]
    title = f"posturelab {kind}: {row.get('id', run_dir.name)}"
    return (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>{_e(title)}</title><style>{STYLE}</style></head><body>"
        f"<h1>{_e(title)}</h1>{calibration_banner(manifest)}"
        f"<p class='note'>{_e(row.get('headline') or '')}</p>"
        f"<h2>Summary</h2>{_summary_section(kind, summary)}{audit}"
        f"<h2>Figures</h2>{_figures_section(pictures)}{targets_html}"
        f"<h2>Scenario</h2>{scenario_html}"
        f"<h2>Manifest</h2>{table(flat_manifest)}"
        "</body></html>"
    )
