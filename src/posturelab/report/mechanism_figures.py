"""The waterfall of a claim's effect split by mechanism (``docs/analysis.md``).

Bars run from zero: each active channel's mean contribution (its Shapley value,
:mod:`posturelab.explore.mechanisms`) starts where the previous one ended, then the part no
channel carries (``direct``), and the last bar is the total mean effect, ``treatment - base``.
The thin line on each bar spans the 5-95% range of the channel's contribution (over members, or
over bootstrap resamples), measured from the bar's start. Inactive channels (identical terms under
both settings) contribute exactly zero and are listed under the axis, not drawn.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from matplotlib.figure import Figure

UP, DOWN, TOTAL = "#2e7d32", "#c62828", "#37474f"


def mechanism_waterfall(claim: Mapping[str, Any]) -> Figure:
    """A waterfall of one claim's ``mechanisms`` rows (its JSON mapping) ending in the total."""
    rows = [
        r
        for r in claim.get("mechanisms") or []
        if r.get("active") and r.get("effect_mean") is not None
    ]
    inactive = [r["channel"] for r in claim.get("mechanisms") or [] if not r.get("active")]
    fig = Figure(figsize=(8.0, 3.6))
    ax = fig.add_subplot()
    level = 0.0
    labels: list[str] = []
    for i, r in enumerate(rows):
        mean = float(r["effect_mean"])
        colour = UP if mean >= 0 else DOWN
        ax.bar(i, mean, bottom=level, color=colour, width=0.6)
        low, high = r.get("effect_p05"), r.get("effect_p95")
        if low is not None and high is not None:
            ax.plot([i, i], [level + low, level + high], color="black", linewidth=0.8)
        share = r.get("share")
        text = f"{100 * share:.0f}%" if share is not None else ""
        ax.annotate(text, (i, level + mean), ha="center",
                    va="bottom" if mean >= 0 else "top", fontsize=8)  # fmt: skip
        level += mean
        labels.append(str(r["channel"]))
    ax.bar(len(rows), level, color=TOTAL, width=0.6)
    labels.append("total")
    ax.axhline(0.0, color="black", linewidth=0.8)
    ax.set_xticks(range(len(labels)), labels, fontsize=8)
    unit = str(claim.get("unit") or "")
    ax.set_ylabel(f"mean effect ({unit})" if unit else "mean effect", fontsize=8)
    ax.tick_params(axis="y", labelsize=8)
    ax.grid(axis="y", alpha=0.3)
    title = (
        f"{claim.get('id')}: effect on {claim.get('indicator')} by mechanism "
        "(bar: mean; line: 5-95%)"
    )
    if inactive:
        title += f"\nno change in: {', '.join(inactive)}"
    ax.set_title(title, fontsize=9, loc="left")
    fig.tight_layout()
    return fig
