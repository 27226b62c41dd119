"""The claim audit of an HTML report: one block per claim that a colleague can read on its own.

For each claim of a claims evaluation (:func:`posturelab.report.results.write_claims`): its
statement, who made it and where (the scenario's source, with publisher, date and address), the
verdict and its reason, the effect in absolute and relative terms with its 5-95% interval over
members (and the paired difference of proportions with its 90% interval on a 0/1 basis), the
effect split by mechanism with its waterfall when the evaluation made one, when the verdict is
``depends``, the conditions of the PRIM box under which it holds (or the effect is largest), and
the verdict under each declared form of a relation (its dependence on model structure).
"""

from __future__ import annotations

import html
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from posturelab.scenario.loader import LoadedScenario

CLAIM_FIGURES = ("mechanisms_", "prim_box_")
"""Figure stems the audit shows with each claim (left out of the report's general figures)."""


def _e(value: Any) -> str:
    return html.escape("" if value is None else str(value))


def _source(loaded: LoadedScenario | None, claim_id: str) -> str:
    if loaded is None:
        return "<p class='note'>Who made the claim and where: the scenario was not found.</p>"
    s = loaded.scenario
    claim = next((c for c in s.claims if c.id == claim_id), None)
    if claim is None:
        return ""
    source = next((src for src in s.sources if src.id == claim.source), None)
    where = _e(claim.source)
    if source is not None:
        where = f"{_e(source.publisher)}, <i>{_e(source.title)}</i> ({_e(source.date)})"
        if source.url:
            where += f", {_e(source.url)}"
    settings = ", ".join(f"{k}={v}" for k, v in {**claim.base, **claim.treatment}.items())
    base = ", ".join(f"{k}={v}" for k, v in claim.base.items()) or "the scenario's defaults"
    return (
        f"<p><b>Made by</b> {_e(claim.by)}; <b>source</b>: {where} [{_e(claim.source)}].</p>"
        f"<p class='note'>Base: {_e(base)}; treatment: {_e(settings)}.</p>"
    )


def _effect(c: Mapping[str, Any], num: Callable[[Any], str]) -> str:
    unit = _e(c.get("unit") or "")
    rel, base = c.get("relative_effect"), c.get("base_mean")
    low, high = c.get("effect_p05"), c.get("effect_p95")
    interval = f"[{num(low)}, {num(high)}]"
    if base and low is not None and high is not None:
        interval += (
            f" ({100 * low / abs(base):+.1f}% to {100 * high / abs(base):+.1f}% of the base mean)"
        )
    rows = [
        ("mean effect (treatment - base)", f"{num(c.get('effect_mean'))} {unit}"),
        ("relative to the base mean", f"{100 * rel:+.1f}%" if rel is not None else "–"),
        ("median per member", num(c.get("effect_p50"))),
        ("5-95% of members", interval),
        ("base mean", num(c.get("base_mean"))),
        ("materiality", f"{_e(c.get('material'))} (band ±{num(c.get('material_band'))})"),
        ("basis", _e(c.get("basis"))),
        ("members", num(c.get("n"))),
    ]
    if c.get("outcome_diff") is not None:
        rows.append(
            (
                "difference in proportion (90% interval)",
                f"{num(c.get('outcome_diff'))} [{num(c.get('outcome_diff_low'))}, "
                f"{num(c.get('outcome_diff_high'))}]",
            )
        )
    body = "".join(f"<tr><th>{_e(k)}</th><td class='n'>{v}</td></tr>" for k, v in rows)
    return f"<table><tbody>{body}</tbody></table>"


def _conditions(c: Mapping[str, Any], table: Callable[..., str]) -> str:
    drivers = c.get("drivers") or {}
    box = drivers.get("box")
    if c.get("verdict") != "depends" or not box or not box.get("limits"):
        return ""
    where = "it holds" if drivers.get("target") == "holds" else "the effect is largest"
    return (
        f"<h4>Where {where} (PRIM box)</h4><p class='note'>coverage "
        f"{100 * box['coverage']:.0f}%, density {100 * box['density']:.0f}% of the members "
        "inside the box</p>" + table(box["limits"], ("parameter", "lower", "upper"))
    )


def _forms(c: Mapping[str, Any], num: Callable[[Any], str]) -> str:
    forms: Sequence[Mapping[str, Any]] = c.get("structure") or []
    if not forms:
        return ""
    lines = []
    for f in forms:
        verdict = _e(str(f.get("verdict", "")).replace("_", " "))
        effect = (
            f"mean {num(f.get('effect_mean'))}, 5-95% [{num(f.get('effect_p05'))}, "
            f"{num(f.get('effect_p95'))}]"
            if f.get("effect_mean") is not None
            else _e(f.get("reason"))
        )
        lines.append(
            f"<li>{_e(f.get('relation'))} = <b>{_e(f.get('form'))}</b> (weight "
            f"{num(f.get('weight'))}, {num(f.get('members'))} members): <b>{verdict}</b>; "
            f"{effect}</li>"
        )
    same = len({f.get("verdict") for f in forms}) == 1
    says = "the same under every form" if same else "changes with the model's structure"
    return (
        "<h4>Dependence on model structure</h4><ul>" + "".join(lines) + "</ul>"
        f"<p class='note'>The verdict is {says}.</p>"
    )


def claims_section(
    summary: Mapping[str, Any],
    loaded: LoadedScenario | None,
    run_dir: Path,
    table: Callable[..., str],
    num: Callable[[Any], str],
    figure: Callable[[str, bytes], str],
) -> str:
    """The audit of every claim in ``summary`` (a claims evaluation's ``summary.json``).

    ``table``, ``num`` and ``figure`` render a table, a number and an embedded PNG the way the
    rest of the report does.
    """
    claims: Sequence[Mapping[str, Any]] = summary.get("claims") or []
    parts: list[str] = []
    for c in claims:
        cid = str(c.get("id"))
        verdict = str(c.get("verdict", "")).replace("_", " ")
        block = [
            f"<h3 id='claim-{_e(cid)}'>{_e(cid)}: {_e(verdict)}</h3>",
            f"<blockquote>{_e(c.get('statement'))}</blockquote>",
            _source(loaded, cid),
            f"<p>Claimed: <b>{_e(c.get('direction'))}</b> in <code>{_e(c.get('indicator'))}"
            f"</code>{' by ' + _e(c.get('horizon')) if c.get('horizon') else ''}. "
            f"<b>Verdict: {_e(verdict)}</b>: {_e(c.get('reason'))}</p>",
            _effect(c, num),
        ]
        mechanisms = c.get("mechanisms")
        if mechanisms:
            block.append("<h4>Effect by mechanism</h4>")
            shown = [
                {**m, "share": None if m.get("share") is None else f"{100 * m['share']:.0f}%"}
                for m in mechanisms
                if m.get("active")
            ]
            columns = ("channel", "effect_mean", "share", "effect_p05", "effect_p50")
            block.append(table(shown, (*columns, "effect_p95", "description")))
            note = c.get("mechanisms_note")
            quiet = [str(m["channel"]) for m in mechanisms if not m.get("active")]
            if quiet:
                note = f"No change in: {', '.join(quiet)}. {note or ''}"
            block.append(f"<p class='note'>{_e(note)}</p>")
            png = run_dir / f"mechanisms_{cid}.png"
            if png.is_file():
                block.append(figure(f"{cid}: effect by mechanism", png.read_bytes()))
        block.append(_conditions(c, table))
        png = run_dir / f"prim_box_{cid}.png"
        if c.get("verdict") == "depends" and png.is_file():
            block.append(figure(f"{cid}: PRIM box", png.read_bytes()))
        block.append(_forms(c, num))
        parts.append("".join(block))
    return "".join(parts) or "<p class='note'>(no claims)</p>"
